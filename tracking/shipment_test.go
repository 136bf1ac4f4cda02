package tracking

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

var (
	est = time.FixedZone("EST", -5*3600)
	pst = time.FixedZone("PST", -8*3600)
	// mon is Monday 2 March 2026, 09:00 in Reno.
	mon = time.Date(2026, 3, 2, 9, 0, 0, 0, pst)
)

func ev(at time.Time, st carriers.Status, code, desc string) carriers.Event {
	return carriers.Event{Time: at, Status: st, Code: code, Description: desc,
		Location: carriers.Location{City: "Reno", State: "NV", Country: "US"}}
}

func evr(at time.Time, st carriers.Status, r carriers.Reason, code string) carriers.Event {
	e := ev(at, st, code, code+" "+r.String())
	e.Reason = r
	return e
}

// journey is a clean domestic delivery: label Monday, delivered Thursday.
func journey() []carriers.Event {
	return []carriers.Event{
		ev(mon, carriers.StatusInfoReceived, "LC", "Label created"),
		ev(mon.Add(8*time.Hour), carriers.StatusInTransit, "PU", "Picked up"),
		ev(mon.Add(20*time.Hour), carriers.StatusInTransit, "AR", "Arrived at hub"),
		ev(mon.Add(50*time.Hour), carriers.StatusInTransit, "DP", "Departed hub"),
		ev(mon.Add(70*time.Hour), carriers.StatusOutForDelivery, "OD", "Out for delivery"),
		ev(mon.Add(76*time.Hour), carriers.StatusDelivered, "DL", "Delivered"),
	}
}

func newShip() *Shipment {
	return &Shipment{Carrier: "ups", TrackingNumber: "1Z999AA10123456784", OrderID: "#1001", Origin: "US-NV", Destination: "US-OH"}
}

func kinds(ms []Milestone) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Kind.String())
	}
	return out
}

func delayKinds(ds []Delay) []string {
	var out []string
	for _, d := range ds {
		s := d.Kind.String()
		if d.Reason != carriers.ReasonNone {
			s += "/" + d.Reason.String()
		}
		out = append(out, s)
	}
	return out
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %q, want %q", what, got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s = %q, want %q", what, got, want)
			return
		}
	}
}

func TestApplyJourney(t *testing.T) {
	s := newShip()
	j := journey()
	var all []Milestone
	for i, e := range j {
		ch, err := s.Apply(e)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		eq(t, "Added", ch.Added, 1)
		all = append(all, ch.Milestones...)
	}
	eqs(t, "milestones", kinds(all), []string{"shipped", "in_transit", "out_for_delivery", "delivered"})
	st, _ := s.Status()
	eq(t, "status", st, carriers.StatusDelivered)
	eq(t, "DeliveredAt", s.DeliveredAt().Equal(j[5].Time), true)
	eq(t, "ShippedAt", s.ShippedAt().Equal(j[1].Time), true)
	eq(t, "Version", s.Version, int64(6))
	eq(t, "Terminal", s.Terminal(), true)

	// Stable IDs: a fresh shipment with the same identity derives the same.
	s2 := newShip()
	if _, err := s2.Apply(j...); err != nil {
		t.Fatal(err)
	}
	for _, m := range s.Milestones() {
		m2, ok := s2.Milestone(m.Kind)
		if !ok || m2.ID != m.ID {
			t.Errorf("milestone %v: ID %q vs %q", m.Kind, m.ID, m2.ID)
		}
	}
	// Distinct kinds and shipments give distinct IDs.
	seen := map[string]bool{}
	for _, m := range s.Milestones() {
		if seen[m.ID] {
			t.Errorf("duplicate milestone ID %s", m.ID)
		}
		seen[m.ID] = true
	}
	s3 := newShip()
	s3.TrackingNumber = "1Z999AA10123456785"
	s3.Apply(j...)
	m3, _ := s3.Milestone(MilestoneDelivered)
	m1, _ := s.Milestone(MilestoneDelivered)
	if m3.ID == m1.ID {
		t.Errorf("two shipments share milestone ID %s", m1.ID)
	}
}

func TestApplyIdempotent(t *testing.T) {
	s := newShip()
	s.Apply(journey()...)
	v := s.Version
	ch, err := s.Apply(journey()...)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Empty() {
		t.Errorf("re-applying changed something: %+v", ch)
	}
	eq(t, "Duplicates", ch.Duplicates, 6)
	eq(t, "Version", s.Version, v)
	eq(t, "events", s.NumEvents(), 6)

	// The same instant in another offset is the same event.
	e := journey()[2]
	e.Time = e.Time.In(est)
	ch, _ = s.Apply(e)
	eq(t, "Added (other offset)", ch.Added, 0)
}

func TestNeverRegresses(t *testing.T) {
	s := newShip()
	s.Apply(journey()...)
	late := ev(mon.Add(90*time.Hour), carriers.StatusInTransit, "AR", "Arrived at hub (late scan)")
	ch, _ := s.Apply(late, evr(mon.Add(91*time.Hour), carriers.StatusException, carriers.ReasonCarrierDelay, "EX"))
	eq(t, "Added", ch.Added, 2)
	st, _ := s.Status()
	eq(t, "status after late scans", st, carriers.StatusDelivered)
	eq(t, "StatusChanged", ch.StatusChanged, false)

	// A return to sender after delivery supersedes it.
	ch, _ = s.Apply(evr(mon.Add(100*time.Hour), carriers.StatusReturnToSender, carriers.ReasonReturning, "RS"))
	st, _ = s.Status()
	eq(t, "status after RTS", st, carriers.StatusReturnToSender)
	eq(t, "DeliveredAt after RTS", s.DeliveredAt().IsZero(), true)
	eqs(t, "milestones", kinds(ch.Milestones), []string{"returned_to_sender"})
	eqs(t, "delays", delayKinds(ch.Delays), []string{"returned_to_sender"})

	// Received back by the shipper is final even if a delivered scan
	// arrives later.
	s.Apply(evr(mon.Add(150*time.Hour), carriers.StatusReturnToSender, carriers.ReasonReturned, "RD"),
		ev(mon.Add(160*time.Hour), carriers.StatusDelivered, "DL", "Delivered"))
	st, r := s.Status()
	eq(t, "status", st, carriers.StatusReturnToSender)
	eq(t, "reason", r, carriers.ReasonReturned)
	eq(t, "Terminal", s.Terminal(), true)
}

func TestRejectsBadEvents(t *testing.T) {
	s := newShip()
	good := journey()[1]
	now := mon.Add(24 * time.Hour)
	bad := []carriers.Event{
		{Status: carriers.StatusInTransit},                              // zero time
		{Time: mon.AddDate(0, 0, 10), Status: carriers.StatusInTransit}, // far future
		{Time: mon, Status: carriers.Status(200)},                       // undefined status
		{Time: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), Status: carriers.StatusDelivered},
		{Time: mon, Status: carriers.StatusException, Reason: carriers.Reason(99)},
	}
	ch, err := s.ApplyAt(now, append(bad, good)...)
	if !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("err = %v, want ErrInvalidEvent", err)
	}
	var ee *EventError
	if !errors.As(err, &ee) || ee.Index != 0 || ee.Field != "time" {
		t.Errorf("first EventError = %+v", ee)
	}
	for _, want := range []string{"tracking: event 1: time: too far in the future", "tracking: event 2: status: undefined status value", "tracking: event 4: reason: undefined reason value"} {
		if !containsErr(err, want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	eq(t, "Added", ch.Added, 1)
	eq(t, "events", s.NumEvents(), 1)
	st, _ := s.Status()
	eq(t, "status", st, carriers.StatusInTransit)

	// Without a clock, only absurd times are refused.
	_, err = newShip().Apply(carriers.Event{Time: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), Status: carriers.StatusDelivered})
	if !errors.Is(err, ErrInvalidEvent) {
		t.Errorf("year 2300: err = %v", err)
	}
}

func containsErr(err error, s string) bool {
	if err == nil {
		return false
	}
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range u.Unwrap() {
			if e.Error() == s {
				return true
			}
		}
	}
	return err.Error() == s
}

func TestTooManyEvents(t *testing.T) {
	r, err := NewRules(Config{MaxEvents: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := NewShipment(r)
	ch, err := s.Apply(journey()...)
	if !errors.Is(err, ErrTooManyEvents) {
		t.Fatalf("err = %v", err)
	}
	eq(t, "Added", ch.Added, 3)
	eq(t, "events", s.NumEvents(), 3)
}

func TestUpdate(t *testing.T) {
	s := newShip()
	tr := &carriers.Tracking{Carrier: "fedex", TrackingNumber: s.TrackingNumber, Events: journey()}
	if _, err := s.Update(mon.AddDate(0, 0, 7), tr); !errors.Is(err, ErrWrongShipment) {
		t.Errorf("other carrier: err = %v", err)
	}
	tr.Carrier, tr.TrackingNumber = "UPS", "1z999aa1 0123456784"
	if _, err := s.Update(mon.AddDate(0, 0, 1), &carriers.Tracking{Carrier: "ups", TrackingNumber: "1Z999AA10123456785"}); !errors.Is(err, ErrWrongShipment) {
		t.Errorf("other number: err = %v", err)
	}
	eq(t, "events after refusals", s.NumEvents(), 0)
	tr.Service = "Ground"
	tr.Estimate = &carriers.Estimate{Start: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 5, 23, 59, 59, 0, time.UTC), DateOnly: true, Source: carriers.EstimateScheduled}
	ch, err := s.Update(mon.AddDate(0, 0, 7), tr)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "EstimateChanged", ch.EstimateChanged, true)
	eq(t, "Service", s.Service, "Ground")
	latest, first := s.CarrierEstimate()
	if latest == nil || first == nil {
		t.Fatal("estimate not recorded")
	}
	eq(t, "Estimate source", s.Estimate(mon.AddDate(0, 0, 7)).Basis, EstimateDelivered)
}

func TestJSONRoundTrip(t *testing.T) {
	s := newShip()
	s.CustomerID = "cus_42"
	s.PromisedBy = time.Date(2026, 3, 4, 23, 59, 59, 0, est)
	s.LabelCreatedAt = mon.Add(-time.Hour)
	j := journey()
	j[3].ZoneUnknown = true
	j[3].Time = time.Date(2026, 3, 4, 11, 0, 0, 0, time.UTC)
	s.Update(mon.Add(60*time.Hour), &carriers.Tracking{Carrier: "ups", TrackingNumber: s.TrackingNumber, Events: j[:4],
		Estimate: &carriers.Estimate{Start: time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), DateOnly: true, Source: carriers.EstimateScheduled}})
	s.Check(mon.AddDate(0, 0, 4))
	if len(s.Delays()) == 0 {
		t.Fatal("want some delays to round-trip")
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Shipment
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	b2, err := json.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(b2) {
		t.Errorf("round trip differs:\n%s\n%s", b, b2)
	}
	st1, _ := s.Status()
	st2, _ := back.Status()
	eq(t, "status", st2, st1)
	eq(t, "version", back.Version, s.Version)
	// The decoded shipment continues exactly like the original.
	c1, _ := s.Apply(j[4:]...)
	c2, _ := back.Apply(j[4:]...)
	eqs(t, "milestones after decode", kinds(c2.Milestones), kinds(c1.Milestones))
	eqs(t, "cleared after decode", delayKinds(c2.Cleared), delayKinds(c1.Cleared))
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ in, path string }{
		{`{"format":2}`, "format"},
		{`{"version":-1}`, "version"},
		{`{"events":[{"time":"2026-03-02T09:00:00Z","status":"in_transit"},{"status":"delivered"}]}`, "events[1].time"},
		{`{"events":[{"time":"nope","status":"in_transit"}]}`, "events[0]"},
		{`{"milestones":[{"id":"m1","kind":"teleported","at":"2026-03-02T09:00:00Z"}]}`, "milestones[0]"},
		{`{"milestones":[{"id":"m1","kind":"shipped","at":"2026-03-02T09:00:00Z"},{"id":"m1","kind":"shipped","at":"2026-03-02T09:00:00Z"}]}`, "milestones[1].kind"},
		{`{"delays":[{"id":"d1","kind":"late"}]}`, "delays[0].detected_at"},
		{`{"estimate":{"start":"2026-03-05T00:00:00Z","end":"2026-03-04T00:00:00Z"}}`, "estimate.end"},
		{`{"tracking_number":17}`, "tracking_number"},
		{`[1,2]`, ""},
	} {
		s := newShip()
		before, _ := json.Marshal(s)
		err := json.Unmarshal([]byte(tc.in), s)
		var de *DecodeError
		if !errors.As(err, &de) || !errors.Is(err, ErrInvalidShipment) {
			t.Errorf("%s: err = %v, want *DecodeError", tc.in, err)
			continue
		}
		if de.Path != tc.path {
			t.Errorf("%s: path %q, want %q (%v)", tc.in, de.Path, tc.path, err)
		}
		after, _ := json.Marshal(s)
		if string(before) != string(after) {
			t.Errorf("%s: failed decode changed the shipment", tc.in)
		}
	}
}

// A shipment must stay storable: rules that would let it hold more events
// than a stored shipment may (maxStoredEvents) are refused up front, since
// such a shipment would encode to JSON that UnmarshalJSON rejects.
func TestMaxEventsBoundedByStoredLimit(t *testing.T) {
	if _, err := NewRules(Config{MaxEvents: maxStoredEvents}); err != nil {
		t.Fatalf("MaxEvents at the stored limit: %v", err)
	}
	_, err := NewRules(Config{MaxEvents: maxStoredEvents + 1})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "MaxEvents" {
		t.Fatalf("MaxEvents above the stored limit: err %v, want a *ConfigError for MaxEvents", err)
	}
}
