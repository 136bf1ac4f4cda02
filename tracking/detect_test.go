package tracking

import (
	"errors"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// at returns Monday 2 March 2026 plus d days and h hours, in Reno.
func at(d, h int) time.Time { return mon.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }

func TestExceptionEpisodes(t *testing.T) {
	s := newShip()
	s.Apply(journey()[:3]...)
	ch, _ := s.Apply(evr(at(1, 2), carriers.StatusException, carriers.ReasonWeather, "WX"))
	eqs(t, "opened", delayKinds(ch.Delays), []string{"exception/weather"})
	first := ch.Delays[0]
	if len(first.Evidence.Events) != 1 || first.Evidence.Events[0].Code != "WX" {
		t.Errorf("evidence = %+v", first.Evidence)
	}
	// Another weather scan: same episode, nothing new.
	ch, _ = s.Apply(evr(at(1, 5), carriers.StatusException, carriers.ReasonWeather, "WX2"))
	eq(t, "new delays on a repeat scan", len(ch.Delays), 0)
	// A progress scan clears it.
	ch, _ = s.Apply(ev(at(2, 0), carriers.StatusInTransit, "DP", "Departed"))
	eqs(t, "cleared", delayKinds(ch.Cleared), []string{"exception/weather"})
	eq(t, "cleared ID", ch.Cleared[0].ID, first.ID)
	// A new exception is a new episode with a new ID.
	ch, _ = s.Apply(evr(at(2, 3), carriers.StatusException, carriers.ReasonWeather, "WX"))
	if len(ch.Delays) != 1 || ch.Delays[0].ID == first.ID {
		t.Errorf("second episode: %+v", ch.Delays)
	}
	// The carrier says lost: a lost delay, not an exception.
	ch, _ = s.Apply(evr(at(3, 0), carriers.StatusException, carriers.ReasonLost, "LS"))
	eqs(t, "lost opened", delayKinds(ch.Delays), []string{"lost/lost"})
	eqs(t, "weather cleared", delayKinds(ch.Cleared), []string{"exception/weather"})
}

func TestAttemptAndReturn(t *testing.T) {
	s := newShip()
	j := journey()
	s.Apply(j[:5]...)
	ch, _ := s.Apply(evr(at(3, 2), carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable, "AF"))
	eqs(t, "opened", delayKinds(ch.Delays), []string{"attempt_failed/recipient_unavailable"})
	eqs(t, "milestone", kinds(ch.Milestones), []string{"attempt_failed"})
	// Out for delivery again: the failed attempt is not resolved yet.
	ch, _ = s.Apply(ev(at(4, 0), carriers.StatusOutForDelivery, "OD", "Out again"))
	eq(t, "cleared by OFD", len(ch.Cleared), 0)
	ch, _ = s.Apply(evr(at(4, 5), carriers.StatusReturnToSender, carriers.ReasonReturning, "RS"))
	eqs(t, "RTS opened", delayKinds(ch.Delays), []string{"returned_to_sender"})
	eqs(t, "attempt cleared", delayKinds(ch.Cleared), []string{"attempt_failed/recipient_unavailable"})
}

func TestStallEpisodes(t *testing.T) {
	s := newShip()
	s.Apply(journey()[:4]...) // last scan Wed 4 Mar 11:00 PST
	// Friday: 2 business days, not stalled.
	ch := s.Check(at(4, 12))
	eq(t, "Friday", len(ch.Delays), 0)
	// Next Monday: Thu, Fri, Mon = 3: not more than 3 yet.
	ch = s.Check(at(7, 12))
	eq(t, "Monday", len(ch.Delays), 0)
	// Tuesday: 4 > 3: stalled.
	ch = s.Check(at(8, 12))
	eqs(t, "Tuesday", delayKinds(ch.Delays), []string{"shipment_stalled"})
	d := ch.Delays[0]
	eq(t, "elapsed", d.Evidence.ElapsedBusinessDays, 4)
	eq(t, "threshold", d.Evidence.ThresholdBusinessDays, 3)
	eq(t, "from", d.Evidence.Threshold, "domestic")
	eq(t, "DetectedAt", d.DetectedAt.Equal(at(8, 12)), true)
	// Checking again changes nothing.
	ch = s.Check(at(8, 13))
	eq(t, "repeat", ch.Empty(), true)
	// 9 business days: presumed lost, too.
	ch = s.Check(at(15, 12))
	eqs(t, "lost", delayKinds(ch.Delays), []string{"lost"})
	// A scan clears both; the next stall is a new episode.
	ch, _ = s.ApplyAt(at(15, 13), ev(at(15, 12), carriers.StatusInTransit, "AR", "Arrived"))
	eqs(t, "cleared", delayKinds(ch.Cleared), []string{"shipment_stalled", "lost"})
	ch = s.Check(at(22, 0))
	if len(ch.Delays) != 1 || ch.Delays[0].ID == d.ID {
		t.Errorf("new stall episode: %+v", ch.Delays)
	}

	// International lanes wait 5 business days.
	s2 := newShip()
	s2.Destination = "CA-ON"
	s2.Apply(journey()[:4]...)
	eq(t, "intl Tuesday", len(s2.Check(at(8, 12)).Delays), 0)
	eqs(t, "intl Thursday", delayKinds(s2.Check(at(10, 12)).Delays), []string{"shipment_stalled"})

	// A holiday on Monday pushes it a day.
	r, _ := NewRules(Config{Calendar: NewCalendar(MakeDate(2026, 3, 9))})
	s3 := NewShipment(r)
	s3.Apply(journey()[:4]...)
	eq(t, "holiday Tuesday", len(s3.Check(at(8, 12)).Delays), 0)
	eqs(t, "holiday Wednesday", delayKinds(s3.Check(at(9, 12)).Delays), []string{"shipment_stalled"})
}

func TestFulfillmentStall(t *testing.T) {
	s := newShip()
	s.LabelCreatedAt = mon
	eq(t, "Wed", len(s.Check(at(2, 0)).Delays), 0)
	ch := s.Check(at(3, 0))
	eqs(t, "Thu", delayKinds(ch.Delays), []string{"fulfillment_stalled"})
	ch, _ = s.ApplyAt(at(3, 1), journey()[1])
	eqs(t, "first scan clears", delayKinds(ch.Cleared), []string{"fulfillment_stalled"})
}

func TestLateAndAtRiskFromCarrier(t *testing.T) {
	s := newShip()
	s.PromisedBy = time.Date(2026, 3, 5, 23, 59, 59, 0, est) // Thursday
	day := func(d int) *carriers.Estimate {
		x := time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC)
		return &carriers.Estimate{Start: x, End: x, DateOnly: true, Source: carriers.EstimateScheduled}
	}
	j := journey()
	ch, err := s.Update(at(0, 9), &carriers.Tracking{Carrier: "ups", TrackingNumber: s.TrackingNumber, Events: j[:2], Estimate: day(5)})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "on time", len(ch.Delays), 0)
	// The carrier moves it to Friday: slipped, and at risk.
	ch, _ = s.Update(at(1, 9), &carriers.Tracking{Carrier: "ups", TrackingNumber: s.TrackingNumber, Events: j[:3], Estimate: day(6)})
	eqs(t, "slip", delayKinds(ch.Delays), []string{"at_risk", "estimate_slipped"})
	risk := ch.Delays[0]
	eq(t, "risk source", risk.Evidence.EstimateBasis, EstimateFromCarrier)
	eq(t, "risk estimate", risk.Evidence.EstimatedDate, MakeDate(2026, 3, 6))
	eq(t, "risk promised", risk.Evidence.PromisedDate, MakeDate(2026, 3, 5))
	eq(t, "slip previous", ch.Delays[1].Evidence.PreviousEstimate, MakeDate(2026, 3, 5))
	eq(t, "estimate", s.Estimate(at(1, 9)).Basis, EstimateFromCarrier)
	// Friday morning Eastern: the promise has passed: late; at risk clears.
	ch = s.Check(time.Date(2026, 3, 6, 0, 0, 1, 0, est))
	eqs(t, "late", delayKinds(ch.Delays), []string{"late"})
	eqs(t, "at risk cleared", delayKinds(ch.Cleared), []string{"at_risk"})
	// Delivered: late and slipped clear.
	ch, _ = s.ApplyAt(at(4, 12), ev(at(4, 10), carriers.StatusDelivered, "DL", "Delivered"))
	eqs(t, "cleared on delivery", delayKinds(ch.Cleared), []string{"estimate_slipped", "late"})
	eq(t, "active", len(s.ActiveDelays()), 0)
}

// fitLane returns a model where every shipment of lane ups/Ground takes
// exactly days business days, with n samples.
func fitLane(t *testing.T, days []int, n int) *TransitModel {
	t.Helper()
	var obs []Observation
	cal := NewCalendar()
	start := MakeDate(2026, 1, 5) // a Monday
	for i := 0; i < n; i++ {
		ship := start.AddDays(7 * (i % 20))
		d := days[i%len(days)]
		del := cal.AddBusinessDays(ship, d)
		obs = append(obs, Observation{
			Lane:        Lane{Carrier: "ups", Service: "Ground", Origin: "US-NV", Destination: "US-OH"},
			ShippedAt:   time.Date(ship.Year, ship.Month, ship.Day, 17, 0, 0, 0, pst),
			DeliveredAt: time.Date(del.Year, del.Month, del.Day, 14, 0, 0, 0, est),
		})
	}
	m, err := FitTransitModel(obs, &ModelOptions{HalfLife: -1})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestModelQuantilesAndBackoff(t *testing.T) {
	m := fitLane(t, []int{2, 3, 3, 4, 5}, 100)
	q, ok := m.Quantiles(Lane{Carrier: "ups", Service: "Ground", Origin: "US-NV", Destination: "US-OH"})
	if !ok {
		t.Fatal("no quantiles")
	}
	eq(t, "P50", q.P50, 3)
	eq(t, "P80", q.P80, 4)
	eq(t, "P95", q.P95, 5)
	eq(t, "samples", q.Samples, 100)
	// An unseen destination backs off to the destination region (unknown
	// here), then to the origin region.
	q, ok = m.Quantiles(Lane{Carrier: "ups", Service: "Ground", Origin: "US-NV", Destination: "US-TX"})
	eq(t, "backoff ok", ok, true)
	eq(t, "backoff lane", q.Lane, Lane{Carrier: "ups", Service: "Ground", Origin: "US-NV"})
	q, _ = m.Quantiles(Lane{Carrier: "ups", Service: "Ground", Origin: "US-CA", Destination: "US-OH"})
	eq(t, "destination first", q.Lane, Lane{Carrier: "ups", Service: "Ground", Destination: "US-OH"})
	q, _ = m.Quantiles(Lane{Carrier: "ups", Service: "Ground", Origin: "US-CA", Destination: "US-TX"})
	eq(t, "then the countries", q.Lane, Lane{Carrier: "ups", Service: "Ground", Origin: "US", Destination: "US"})
	q, _ = m.Quantiles(Lane{Carrier: "ups", Service: "Ground", Destination: "DE"})
	eq(t, "intl backoff lane", q.Lane, Lane{Carrier: "ups", Service: "Ground"})
	q, _ = m.Quantiles(Lane{Carrier: "fedex"})
	eq(t, "other carrier", q.Lane, Lane{})
	// Conditioned on 4 days elapsed, the median is 4 or 5.
	d, _, _ := m.Remaining(Lane{Carrier: "ups", Service: "Ground"}, 4, 0.5)
	eq(t, "conditional median", d, 4)
	d, _, _ = m.Remaining(Lane{Carrier: "ups"}, 9, 0.5)
	eq(t, "beyond all data", d, 10)

	// Too few samples anywhere: no answer.
	thin := fitLane(t, []int{3}, DefaultMinSamples-1)
	if _, ok := thin.Quantiles(Lane{}); ok {
		t.Error("quantiles from fewer than the minimum samples")
	}
	if _, ok := thin.Quantiles(Lane{Carrier: "ups", Service: "Ground", Origin: "US-NV", Destination: "US-OH"}); ok {
		t.Error("a thin lane completed from a parent as thin as itself")
	}
	if _, err := FitTransitModel(nil, &ModelOptions{MinSamples: -1}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("negative MinSamples: %v", err)
	}
	var nilModel *TransitModel
	if _, ok := nilModel.Quantiles(Lane{}); ok {
		t.Error("nil model answered")
	}
}

func TestAtRiskFromModel(t *testing.T) {
	m := fitLane(t, []int{2, 3, 3, 4, 5}, 100)
	r, err := NewRules(Config{Model: m})
	if err != nil {
		t.Fatal(err)
	}
	s := NewShipment(r)
	s.Carrier, s.TrackingNumber, s.Service, s.Origin, s.Destination = "ups", "1Z1", "Ground", "US-NV", "US-OH"
	s.PromisedBy = time.Date(2026, 3, 6, 23, 59, 59, 0, est) // Friday: shipped Monday + 4
	s.Apply(journey()[:3]...)                                // picked up Monday 17:00
	e := s.Estimate(at(1, 0))
	eq(t, "source", e.Basis, EstimateFromModel)
	eq(t, "date", e.Date, MakeDate(2026, 3, 5)) // Monday + 3
	eq(t, "latest", e.Latest, MakeDate(2026, 3, 9))
	eq(t, "likely", e.Likely, MakeDate(2026, 3, 6))
	eq(t, "no risk Tuesday", len(s.Check(at(1, 0)).Delays), 0)
	// Still not delivered on Friday morning (4 business days elapsed):
	// of the parcels that took 4 days or more, half came on the 4th
	// (Friday), so delivery by Friday is 50 % likely: not below the
	// default 0.5.
	eq(t, "no risk Friday", len(s.Check(at(4, 0)).Delays), 0)
	r2, _ := NewRules(Config{Model: m, Detectors: Detectors{AtRiskProbability: 0.6}})
	s.UseRules(r2)
	ch := s.Check(at(4, 1))
	eqs(t, "at risk below 0.6 on Friday", delayKinds(ch.Delays), []string{"at_risk"})
	eq(t, "source", ch.Delays[0].Evidence.EstimateBasis, EstimateFromModel)
	eq(t, "probability", ch.Delays[0].Evidence.OnTimeProbability, 0.5)
}

// A promise that is already unlikely at pickup is warned at once, and
// one that is likely is not.
func TestAtRiskAtPickup(t *testing.T) {
	m := fitLane(t, []int{2, 3, 3, 4, 5}, 100)
	r, _ := NewRules(Config{Model: m})
	s := NewShipment(r)
	s.Carrier, s.TrackingNumber, s.Service, s.Origin, s.Destination = "ups", "1Z1", "Ground", "US-NV", "US-OH"
	s.PromisedBy = time.Date(2026, 3, 4, 23, 59, 59, 0, est) // Wednesday: shipped Monday + 2, 20 % likely
	ch, _ := s.Apply(journey()[:3]...)
	eqs(t, "at risk at pickup", delayKinds(ch.Delays), []string{"at_risk"})
	eq(t, "probability", ch.Delays[0].Evidence.OnTimeProbability, 0.2)
	s2 := NewShipment(r)
	s2.Carrier, s2.TrackingNumber, s2.Service, s2.Origin, s2.Destination = "ups", "1Z2", "Ground", "US-NV", "US-OH"
	s2.PromisedBy = time.Date(2026, 3, 5, 23, 59, 59, 0, est) // Thursday: 60 % likely
	ch, _ = s2.Apply(journey()[:3]...)
	eq(t, "Thursday promise not at risk", len(ch.Delays), 0)
}

func TestDisabledDetectors(t *testing.T) {
	r, err := NewRules(Config{Detectors: Detectors{Disabled: []DelayKind{DelayShipmentStalled, DelayLost}}})
	if err != nil {
		t.Fatal(err)
	}
	s := NewShipment(r)
	s.Apply(journey()[:4]...)
	eq(t, "disabled", len(s.Check(at(30, 0)).Delays), 0)
	if _, err := NewRules(Config{Detectors: Detectors{Disabled: []DelayKind{42}}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := NewRules(Config{Detectors: Detectors{AtRiskProbability: 1}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("probability 1: %v", err)
	}
}

// In-flight observations move the drift: a destination whose recent
// parcels are all overdue is predicted later.
func TestDriftFromInFlight(t *testing.T) {
	lane := Lane{Carrier: "ups", Service: "Ground", Origin: "US-NV", Destination: "US-OH"}
	var obs []Observation
	cal := NewCalendar()
	start := MakeDate(2026, 1, 5) // a Monday
	for i := range 300 {
		ship := start.AddDays(i / 3)
		if !cal.IsBusinessDay(ship) {
			continue
		}
		del := cal.AddBusinessDays(ship, 2+i%3)
		obs = append(obs, Observation{Lane: lane,
			ShippedAt:   time.Date(ship.Year, ship.Month, ship.Day, 17, 0, 0, 0, pst),
			DeliveredAt: time.Date(del.Year, del.Month, del.Day, 14, 0, 0, 0, est)})
	}
	asOf := time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC) // a Monday
	before, err := FitTransitModel(obs, &ModelOptions{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	q0, _ := before.Quantiles(lane)
	// Ten parcels a day over the last two weeks, none delivered.
	for d := 1; d <= 14; d++ {
		ship := asOf.AddDate(0, 0, -d).Add(-7 * time.Hour)
		for range 10 {
			obs = append(obs, Observation{Lane: lane, ShippedAt: ship.In(pst)})
		}
	}
	after, err := FitTransitModel(obs, &ModelOptions{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	q1, _ := after.Quantiles(lane)
	if !(q1.Drift > 1 && q1.P50 > q0.P50) {
		t.Errorf("before %+v, after %+v: want a positive drift and a later median", q0, q1)
	}
	if used, skipped := after.Observations(); used != len(obs)-140 || skipped != 0 {
		t.Errorf("Observations() = %d, %d", used, skipped)
	}
	off, _ := FitTransitModel(obs, &ModelOptions{AsOf: asOf, HalfLife: -1})
	if q, _ := off.Quantiles(lane); q.Drift != 0 || q.P50 != q0.P50 {
		t.Errorf("drift off: %+v", q)
	}
}

// sparseModel fits a lane whose carrier scans only at pickup and
// delivery, transit 2–6 business days, with four in five of the Monday
// deliveries made on the Saturday before instead.
func sparseModel(t *testing.T) *TransitModel {
	t.Helper()
	lane := Lane{Carrier: "ups", Service: "Ground", Origin: "US-NV", Destination: "US-OH"}
	cal := NewCalendar()
	var obs []Observation
	start := MakeDate(2026, 1, 5)
	for i := range 500 {
		ship := start.AddDays(i % 40)
		if !cal.IsBusinessDay(ship) {
			continue
		}
		del := cal.AddBusinessDays(ship, 2+i%5)
		if del.Weekday() == time.Monday && (i/5)%5 != 0 {
			del = del.AddDays(-2)
		}
		s := time.Date(ship.Year, ship.Month, ship.Day, 17, 0, 0, 0, pst)
		d := time.Date(del.Year, del.Month, del.Day, 14, 0, 0, 0, est)
		obs = append(obs, Observation{Lane: lane, ShippedAt: s, DeliveredAt: d, Scans: []time.Time{s, d}})
	}
	m, err := FitTransitModel(obs, &ModelOptions{HalfLife: -1})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// With a model of a pickup-and-delivery-only lane, silence during the
// lane's usual transit is not a stall, and lost waits for its tail.
func TestSparseStallAndLost(t *testing.T) {
	m := sparseModel(t)
	q, _ := m.Quantiles(Lane{Carrier: "ups", Service: "Ground", Origin: "US-NV", Destination: "US-OH"})
	gap, _, _ := m.UsualGap(q.Lane)
	eq(t, "usual gap", gap, 6)
	r, _ := NewRules(Config{Model: m})
	s := NewShipment(r)
	s.Carrier, s.TrackingNumber, s.Service, s.Origin, s.Destination = "ups", "1Z1", "Ground", "US-NV", "US-OH"
	s.Apply(journey()[:2]...) // label and pickup Monday 2 March
	eq(t, "7 business days quiet", len(s.Check(at(9, 12)).Delays), 0)
	eqs(t, "stalled after 8", delayKinds(s.Check(at(10, 12)).Delays), []string{"shipment_stalled"})
	eq(t, "not lost after 9", len(s.Check(at(11, 12)).Delays), 0)
	ch := s.Check(at(14, 12)) // 10 business days: past P99 (6) + 3
	eqs(t, "lost past the tail", delayKinds(ch.Delays), []string{"lost"})
	eq(t, "lost threshold", ch.Delays[0].Evidence.ThresholdBusinessDays, q.P99+3)
	// Without a model the fixed 3-day stall applies.
	s0 := NewShipment(nil)
	s0.Apply(journey()[:2]...)
	eqs(t, "no model", delayKinds(s0.Check(at(7, 12)).Delays), []string{"shipment_stalled"})
}

// A carrier that delivers on Saturdays gets Saturday estimates when they
// are the likeliest.
func TestWeekendEstimate(t *testing.T) {
	m := sparseModel(t)
	q, _ := m.Quantiles(Lane{Carrier: "ups", Service: "Ground", Origin: "US-NV", Destination: "US-OH"})
	if q.WeekendShare < 0.6 || q.WeekendShare > 0.9 {
		t.Errorf("weekend share %.2f", q.WeekendShare)
	}
	r, _ := NewRules(Config{Model: m})
	s := NewShipment(r)
	s.Carrier, s.TrackingNumber, s.Service, s.Origin, s.Destination = "ups", "1Z1", "Ground", "US-NV", "US-OH"
	s.Apply(journey()[:2]...)
	// Monday pickup: P50 Thursday (3 days), P80 and P95 the next week;
	// on Friday evening the parcel still out, the median moves to the
	// next delivery day and the weekend share can take it to Saturday.
	sawWeekend := false
	for h := 0; h < 24*14; h += 6 {
		e := s.Estimate(mon.Add(time.Duration(h) * time.Hour))
		for _, d := range []Date{e.Date, e.Likely, e.Latest} {
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				sawWeekend = true
			}
		}
		if e.Likely.Before(e.Date) || e.Latest.Before(e.Likely) {
			t.Fatalf("estimates out of order at +%dh: %+v", h, e)
		}
	}
	if !sawWeekend {
		t.Error("no estimate ever fell on a weekend")
	}
}
