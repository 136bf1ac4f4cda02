package tracking

import (
	"math"
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
	// Date is the expected delivery day; Likely the day by which it is
	// delivered four times in five; Latest the latest likely day. From
	// the model they are its P50, P80 and P95 (calibrated: on held-out
	// data about 80 % and 95 % of parcels arrive by Likely and Latest);
	// from the carrier, its window's first day, last day and last day.
	// Model dates fall on a weekend day when the carrier delivers on
	// weekends often enough (Quantiles.WeekendShare).
	Date   Date `json:"date,omitzero"`
	Likely Date `json:"likely,omitzero"`
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
		out.Likely, out.Latest = out.Date, out.Date
		return out
	}
	if s.estimate != nil {
		start, end := carrierDates(s.estimate)
		if !end.Before(s.estimateToday(now)) {
			out.Basis, out.Date, out.Likely, out.Latest = EstimateFromCarrier, start, end, end
			return out
		}
		out.CarrierStale = true
	}
	r := s.r()
	if d, lane, n, ok := s.modelDate(r, now, 0.5); ok {
		p80, _, _, _ := s.modelDate(r, now, 0.80)
		p95, _, _, _ := s.modelDate(r, now, 0.95)
		out.Basis, out.Date, out.Likely, out.Latest, out.Lane, out.Samples = EstimateFromModel, d, p80, p95, lane, n
		return out
	}
	if s.estimate != nil {
		out.Basis = EstimateFromCarrier
		out.Date, out.Latest = carrierDates(s.estimate)
		out.Likely = out.Latest
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
// conditioned on the business days elapsed since the first carrier scan
// (from today when there is none). It falls on the non-business days
// before the quantile's business day when the lane's weekend share puts
// enough deliveries there.
func (s *Shipment) modelDate(r *Rules, now time.Time, q float64) (Date, Lane, int, bool) {
	m := r.cfg.Model
	if m == nil {
		return Date{}, Lane{}, 0, false
	}
	used, st, ok := m.stats(s.Lane())
	if !ok {
		return Date{}, Lane{}, 0, false
	}
	cal := r.cfg.Calendar
	base, today, elapsed := s.modelClock(cal, now)
	k, before, at := st.at(s.pickupSlot(cal, st)).conditionalMass(elapsed, q)
	day := max(cal.addDaysFrom(base, k), today)
	if st.wknd > 0 && k >= 1 {
		first := day
		for i := 0; i < 7 && first-1 >= today && !cal.IsBusinessDay(fromDays(first-1)); i++ {
			first--
		}
		if first < day {
			wk := before + st.wknd*at
			if (q <= 0.5 && wk >= q) || (q > 0.5 && math.Abs(wk-q) < math.Abs(before+at-q)) {
				day = first
			}
		}
	}
	return fromDays(day), used, int(st.n), true
}

// modelClock returns the day numbers the model counts from (the first
// carrier scan's day in its offset, or today when there is none) and of
// today in the same offset, and the business days elapsed between them,
// a non-business today counting as the next business day (a delivery
// today would be counted so).
func (s *Shipment) modelClock(cal *Calendar, now time.Time) (base, today int64, elapsed int) {
	ref := now
	if s.f.shipped >= 0 && s.f.shipped < len(s.events) {
		ref = s.events[s.f.shipped].Time
	}
	base = dayOf(ref)
	today = dayOf(now.In(ref.Location()))
	elapsed = cal.between(base, today)
	if today > base && !cal.IsBusinessDay(fromDays(today)) {
		elapsed++
	}
	return base, today, elapsed
}

// onTimeProbability returns the model's probability that the parcel is
// delivered on or before the promised day, given that it has not been
// delivered by now. ok is false without a usable model.
func (s *Shipment) onTimeProbability(r *Rules, now time.Time, promised Date) (p float64, ok bool) {
	m := r.cfg.Model
	if m == nil {
		return 0, false
	}
	_, st, ok := m.stats(s.Lane())
	if !ok {
		return 0, false
	}
	cal := r.cfg.Calendar
	base, today, elapsed := s.modelClock(cal, now)
	pd := promised.days()
	if pd < base {
		return 0, true
	}
	// The share of a day's deliveries already made at this hour, where
	// the parcel was last seen, when today is a business day counted as
	// elapsed (a non-business today counts as the next business day).
	done := 0.0
	if today == base || cal.IsBusinessDay(fromDays(today)) {
		loc := now.Location()
		if s.f.newest >= 0 && s.f.newest < len(s.events) {
			loc = s.events[s.f.newest].Time.Location()
		}
		lt := now.In(loc)
		h := lt.Hour()
		done = st.hour[h] + (st.hour[h+1]-st.hour[h])*float64(lt.Minute())/60
	}
	return st.at(s.pickupSlot(cal, st)).onTimeProb(elapsed, cal.between(base, pd), !cal.IsBusinessDay(promised), done, st.wknd), true
}

// pickupSlot returns the pickup slot of the shipment on the lane st (its
// first carrier scan's weekday and hour), or -1 before the carrier has
// scanned it.
func (s *Shipment) pickupSlot(cal *Calendar, st *laneStats) int {
	if s.f.shipped < 0 || s.f.shipped >= len(s.events) {
		return -1
	}
	return slotOf(cal, s.events[s.f.shipped].Time, st.cutoff)
}
