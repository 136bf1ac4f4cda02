package tracking

import (
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// EstimateBasis says what a shipment's current delivery estimate
// (Estimate) is based on: the carrier's estimate, the transit model, or the
// delivery itself. It is not carriers.EstimateSource, which qualifies a
// carrier's own estimate (scheduled, rescheduled, guaranteed); that one is
// in Estimate.Carrier.Source.
type EstimateBasis string

// Bases of a shipment's current delivery estimate.
const (
	// EstimateNone: neither the carrier nor the model can say.
	EstimateNone EstimateBasis = "none"
	// EstimateFromCarrier: the carrier's own estimate, still in the future
	// (or today).
	EstimateFromCarrier EstimateBasis = "carrier"
	// EstimateFromModel: the transit-time model, conditioned on how long
	// the parcel has already been travelling.
	EstimateFromModel EstimateBasis = "model"
	// EstimateDelivered: it was delivered; Date is the delivery day.
	EstimateDelivered EstimateBasis = "delivered"
)

// Estimate is the current expected delivery of a shipment.
//
// A delivery estimate is a calendar date, not an instant: "by Friday" is a
// day in the place the parcel is delivered, and an instant would invent a
// time of day and a zone nobody gave. Date and Latest are therefore Dates;
// the carrier's own window, which may carry times, stays in Carrier.
type Estimate struct {
	// Basis says which estimate was used.
	Basis EstimateBasis `json:"basis"`
	// Date is the expected delivery day; Latest the latest likely day
	// (the end of the carrier's window, or the model's P95).
	Date   Date `json:"date,omitzero"`
	Latest Date `json:"latest,omitzero"`
	// Carrier is the carrier's latest estimate, nil if it gave none. It
	// is reported even when the model was used.
	Carrier *carriers.Estimate `json:"carrier,omitempty"`
	// CarrierStale is true when the carrier's estimate is in the past and
	// the parcel is not delivered: the carrier's date was missed, so the
	// model is used when it can be.
	CarrierStale bool `json:"carrier_stale,omitempty"`
	// Lane and Samples describe the model data used (Basis EstimateFromModel).
	Lane    Lane `json:"lane,omitzero"`
	Samples int  `json:"samples,omitempty"`
}

// Estimate returns the current delivery estimate as of now, combining the
// carrier's estimate and the transit model:
//
//   - delivered: the delivery day (EstimateDelivered);
//   - the carrier's estimate when it has one whose day has not passed
//     (EstimateFromCarrier);
//   - otherwise the model: the median and P95 of the lane's transit time
//     in business days from the first carrier scan (from today when the
//     carrier has not scanned it yet), conditioned on the business days
//     already elapsed, so the estimate moves later while the parcel is
//     late (EstimateFromModel);
//   - otherwise a missed carrier estimate (CarrierStale) or none.
func (s *Shipment) Estimate(now time.Time) Estimate {
	s.ensure()
	out := Estimate{Basis: EstimateNone, Carrier: cloneEstimate(s.estimate)}
	if s.f.status == carriers.StatusDelivered {
		out.Basis = EstimateDelivered
		out.Date = DateOf(s.at(s.f.delivered))
		out.Latest = out.Date
		return out
	}
	if s.estimate != nil {
		start, end := carrierDates(s.estimate)
		if !end.Before(s.estimateToday(now)) {
			out.Basis, out.Date, out.Latest = EstimateFromCarrier, start, end
			return out
		}
		out.CarrierStale = true
	}
	r := s.r()
	if d, lane, n, ok := s.modelDate(r, now, 0.5); ok {
		p95, _, _, _ := s.modelDate(r, now, 0.95)
		out.Basis, out.Date, out.Latest, out.Lane, out.Samples = EstimateFromModel, d, p95, lane, n
		return out
	}
	if s.estimate != nil {
		out.Basis = EstimateFromCarrier
		out.Date, out.Latest = carrierDates(s.estimate)
	}
	return out
}

// carrierDates returns the first and last day of a carrier estimate,
// honouring DateOnly (only Start's and End's calendar fields count).
func carrierDates(e *carriers.Estimate) (start, end Date) {
	return DateOf(e.Start), DateOf(e.End)
}

// estimateToday returns today's date for comparison with the carrier's
// estimate: in the estimate's own offset, or, for a date-only estimate
// (whose offset means nothing), in the offset of the newest event — the
// best guess of where the parcel is.
func (s *Shipment) estimateToday(now time.Time) Date {
	loc := s.estimate.End.Location()
	if s.estimate.DateOnly || s.estimate.ZoneUnknown {
		if s.f.newest >= 0 && s.f.newest < len(s.events) {
			loc = s.events[s.f.newest].Time.Location()
		}
	}
	return DateOf(now.In(loc))
}

// modelDate returns the model's q-quantile delivery day as of now,
// conditioned on the business days elapsed since the first carrier scan.
func (s *Shipment) modelDate(r *Rules, now time.Time, q float64) (Date, Lane, int, bool) {
	cur, _, used, n, ok := s.modelDays(r, now, q)
	if !ok {
		return Date{}, Lane{}, 0, false
	}
	return fromDays(cur), used, n, true
}

// modelDays returns, as day numbers, the model's q-quantile delivery day
// as of now (conditioned on the business days elapsed since the first
// carrier scan, or from today when there is none) and the same quantile as
// it was at shipping (unconditioned).
func (s *Shipment) modelDays(r *Rules, now time.Time, q float64) (cur, atShip int64, used Lane, n int, ok bool) {
	m := r.cfg.Model
	if m == nil {
		return 0, 0, Lane{}, 0, false
	}
	used, st, ok := m.stats(s.Lane())
	if !ok {
		return 0, 0, Lane{}, 0, false
	}
	cal := r.cfg.Calendar
	ref := now
	if s.f.shipped >= 0 && s.f.shipped < len(s.events) {
		ref = s.events[s.f.shipped].Time
	}
	base := dayOf(ref)
	today := dayOf(now.In(ref.Location()))
	elapsed := cal.between(base, today)
	cur = cal.addDaysFrom(base, st.conditional(elapsed, q))
	cur = max(cur, today)
	atShip = cal.addDaysFrom(base, st.conditional(0, q))
	return cur, atShip, used, int(st.n), true
}
