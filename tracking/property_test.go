package tracking

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/postpurchase/postpurchase/carriers"
	"pgregory.net/rapid"
)

// genEvents draws a stream of carrier events over about three weeks, with
// every status, reasons, locations and offsets, plus exact duplicates and
// duplicates that differ only outside the event identity (another offset
// for the same instant, another reason, ZoneUnknown).
func genEvents(t *rapid.T) []carriers.Event {
	statuses := carriers.Statuses()
	reasons := []carriers.Reason{carriers.ReasonNone, carriers.ReasonWeather, carriers.ReasonLost,
		carriers.ReasonReturned, carriers.ReasonReturning, carriers.ReasonDamaged, carriers.ReasonAddressProblem}
	zones := []*time.Location{time.UTC, est, pst, time.FixedZone("CET", 3600)}
	cities := []string{"Reno", "Denver", "Columbus"}
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	n := rapid.IntRange(0, 25).Draw(t, "n")
	evs := make([]carriers.Event, 0, n*2)
	for i := 0; i < n; i++ {
		// Times on a coarse grid so that ties at the same instant happen.
		at := base.Add(time.Duration(rapid.IntRange(0, 500).Draw(t, "hour")) * time.Hour)
		e := carriers.Event{
			Time:        at.In(rapid.SampledFrom(zones).Draw(t, "zone")),
			Status:      rapid.SampledFrom(statuses).Draw(t, "status"),
			Reason:      rapid.SampledFrom(reasons).Draw(t, "reason"),
			Code:        rapid.SampledFrom([]string{"", "AR", "DP", "X1"}).Draw(t, "code"),
			Description: rapid.SampledFrom([]string{"", "scan", "other scan"}).Draw(t, "desc"),
			Location:    carriers.Location{City: rapid.SampledFrom(cities).Draw(t, "city"), Country: "US"},
			ZoneUnknown: rapid.Bool().Draw(t, "zu"),
		}
		evs = append(evs, e)
		switch rapid.IntRange(0, 5).Draw(t, "dup") {
		case 0:
			evs = append(evs, e)
		case 1:
			d := e
			d.Time = d.Time.In(rapid.SampledFrom(zones).Draw(t, "dupzone"))
			d.Reason = rapid.SampledFrom(reasons).Draw(t, "dupreason")
			d.ZoneUnknown = !d.ZoneUnknown
			evs = append(evs, d)
		}
	}
	return evs
}

// snapshot is the part of a shipment's state that must depend only on the
// set of events: events (with their offsets), status, milestones, and the
// active delays as of a given instant.
type snapshot struct {
	Events     []string
	Status     string
	Delivered  string
	Milestones []string
	Active     []string
}

func snap(s *Shipment) snapshot {
	var out snapshot
	for _, e := range s.events {
		b, _ := json.Marshal(e)
		out.Events = append(out.Events, string(b))
	}
	st, r := s.Status()
	out.Status = st.String() + "/" + r.String()
	out.Delivered = s.DeliveredAt().Format(time.RFC3339Nano)
	for _, m := range s.milestones {
		b, _ := json.Marshal(m)
		out.Milestones = append(out.Milestones, string(b))
	}
	for _, d := range s.delays {
		if d.Active() {
			out.Active = append(out.Active, fmt.Sprintf("%s %s %s %d %s", d.ID, d.Kind, d.Reason, d.Seq, d.Since.Format(time.RFC3339Nano)))
		}
	}
	slices.Sort(out.Active) // a set: the order of detection is history
	return out
}

func propShipment() *Shipment {
	s := newShip()
	s.PromisedBy = time.Date(2026, 3, 9, 23, 59, 59, 0, est)
	s.LabelCreatedAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return s
}

// TestPropertyOrderIndependent: the same events in any order, split into
// any batches, with or without duplicates, give the same state — and the
// same active delays when checked at the same instant.
func TestPropertyOrderIndependent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		evs := genEvents(t)
		a := propShipment()
		if _, err := a.Apply(evs...); err != nil {
			t.Fatal(err)
		}
		perm := rapid.Permutation(evs).Draw(t, "perm")
		b := propShipment()
		for len(perm) > 0 {
			k := rapid.IntRange(1, len(perm)).Draw(t, "batch")
			if _, err := b.Apply(perm[:k]...); err != nil {
				t.Fatal(err)
			}
			if rapid.Bool().Draw(t, "check") {
				b.Check(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(rapid.IntRange(0, 600).Draw(t, "checkAt")) * time.Hour))
			}
			perm = perm[k:]
		}
		now := time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC) // after every intermediate Check
		a.Check(now)
		b.Check(now)
		if diff := cmp.Diff(snap(a), snap(b)); diff != "" {
			t.Fatalf("state depends on order (-all at once +permuted batches):\n%s", diff)
		}
	})
}

// TestPropertyIdempotent: applying any subset of known events again
// changes nothing, and the version stays.
func TestPropertyIdempotent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		evs := genEvents(t)
		s := propShipment()
		s.Apply(evs...)
		before, v := snap(s), s.Version
		again := rapid.SliceOf(rapid.SampledFrom(append(evs, journey()[0]))).Draw(t, "again")
		var known []carriers.Event
		for _, e := range again {
			if e.Code != "LC" {
				known = append(known, e)
			}
		}
		if len(evs) == 0 {
			return
		}
		ch, err := s.Apply(known...)
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Empty() || s.Version != v {
			t.Fatalf("re-applying known events changed the shipment: %+v", ch)
		}
		if diff := cmp.Diff(before, snap(s)); diff != "" {
			t.Fatalf("state changed (-before +after):\n%s", diff)
		}
	})
}

// TestPropertyNeverRegresses: whatever arrives, once delivered the
// shipment stays delivered unless a return to sender at or after the
// delivery (or a "returned" scan) arrives; once received back by the
// shipper it stays so; milestones are never lost and each is emitted once.
func TestPropertyNeverRegresses(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		evs := genEvents(t)
		s := propShipment()
		emitted := map[MilestoneKind]string{}
		wasDelivered, wasReturned := false, false
		for len(evs) > 0 {
			k := rapid.IntRange(1, len(evs)).Draw(t, "batch")
			batch := evs[:k]
			evs = evs[k:]
			ch, err := s.Apply(batch...)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ch.Milestones {
				if id, dup := emitted[m.Kind]; dup {
					t.Fatalf("milestone %v emitted twice (%s)", m.Kind, id)
				}
				emitted[m.Kind] = m.ID
			}
			for k, id := range emitted {
				m, ok := s.Milestone(k)
				if !ok || m.ID != id {
					t.Fatalf("milestone %v lost or changed ID", k)
				}
			}
			st, r := s.Status()
			// Only a genuine return supersedes a delivery: a return scan at
			// or after the newest delivery, or one saying the parcel is back
			// with the shipper. A return scan older than the delivery that
			// arrives late does not.
			rts := false
			var lastDelivered time.Time
			for _, e := range s.events {
				if e.Status == carriers.StatusDelivered {
					lastDelivered = e.Time
				}
			}
			for _, e := range batch {
				if e.Status == carriers.StatusReturnToSender && (e.Reason == carriers.ReasonReturned || !e.Time.Before(lastDelivered)) {
					rts = true
				}
			}
			if wasReturned && (st != carriers.StatusReturnToSender || r != carriers.ReasonReturned) {
				t.Fatalf("returned to shipper, then status %v/%v", st, r)
			}
			if wasDelivered && st != carriers.StatusDelivered && !(rts && st == carriers.StatusReturnToSender) {
				t.Fatalf("delivered, then status %v after batch without a return to sender", st)
			}
			wasDelivered = st == carriers.StatusDelivered
			wasReturned = wasReturned || (st == carriers.StatusReturnToSender && r == carriers.ReasonReturned)
		}
	})
}

// TestPropertyCalendar checks the constant-time business-day arithmetic
// against a day-by-day count, with holidays.
func TestPropertyCalendar(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := MakeDate(2026, 1, 1)
		var hol []Date
		for range rapid.IntRange(0, 10).Draw(t, "nhol") {
			hol = append(hol, base.AddDays(rapid.IntRange(-30, 400).Draw(t, "hol")))
		}
		cal := NewCalendar(hol...)
		if rapid.Bool().Draw(t, "nilcal") {
			cal = nil
		}
		a := base.AddDays(rapid.IntRange(-20, 300).Draw(t, "a"))
		b := a.AddDays(rapid.IntRange(-5, 90).Draw(t, "span"))
		want := 0
		for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
			if cal.IsBusinessDay(d) {
				want++
			}
		}
		if got := cal.BusinessDaysBetween(a, b); got != want {
			t.Fatalf("BusinessDaysBetween(%v, %v) = %d, want %d", a, b, got, want)
		}
		n := rapid.IntRange(0, 40).Draw(t, "n")
		d := cal.AddBusinessDays(a, n)
		if n > 0 {
			if !cal.IsBusinessDay(d) || cal.BusinessDaysBetween(a, d) != n {
				t.Fatalf("AddBusinessDays(%v, %d) = %v (%v), between = %d", a, n, d, d.Weekday(), cal.BusinessDaysBetween(a, d))
			}
		} else if d != a {
			t.Fatalf("AddBusinessDays(%v, 0) = %v", a, d)
		}
		// days/fromDays and Weekday agree with package time.
		tt := time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, time.UTC)
		if DateOf(tt) != a || tt.Weekday() != a.Weekday() {
			t.Fatalf("date arithmetic disagrees with time for %v", a)
		}
	})
}
