package tracking

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v", name, err)
	}
	return loc
}

func mustRulesT(t *testing.T, c Config) *Rules {
	t.Helper()
	r, err := NewRules(c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// delivered returns a shipment on r, picked up a day before at and
// delivered at at.
func delivered(r *Rules, at time.Time) *Shipment {
	s := newShip()
	s.UseRules(r)
	s.Apply(ev(at.Add(-24*time.Hour), carriers.StatusInTransit, "PU", "Picked up"),
		ev(at, carriers.StatusDelivered, "DL", "Delivered"))
	return s
}

func TestDaysLateNoPromise(t *testing.T) {
	s := newShip()
	eq(t, "no promise, undelivered", s.DaysLate(mon.AddDate(0, 1, 0)), 0)
	s = delivered(nil, mon)
	eq(t, "no promise, delivered", s.DaysLate(mon.AddDate(0, 1, 0)), 0)
	eq(t, "promised date", s.PromisedDate(), Date{})
}

// TestDaysLateDayBoundary: the day changes at midnight in the brand's
// zone, not after 24 hours and not at midnight UTC.
func TestDaysLateDayBoundary(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	rNY := mustRulesT(t, Config{Location: ny})
	promise := time.Date(2026, 11, 6, 23, 59, 59, 0, ny) // Friday, end of day
	for _, tc := range []struct {
		name  string
		rules *Rules
		at    time.Time
		want  int
	}{
		{"last second of the promised day", rNY, time.Date(2026, 11, 6, 23, 59, 59, 999, ny), 0},
		{"first instant of the next day", rNY, time.Date(2026, 11, 7, 0, 0, 0, 0, ny), 1},
		{"early", rNY, time.Date(2026, 11, 4, 12, 0, 0, 0, ny), 0},
		{"three days", rNY, time.Date(2026, 11, 9, 8, 0, 0, 0, ny), 3},
		// 22:00 in New York is 03:00 UTC the next day: on time for a New
		// York brand, a day late for a brand whose zone is UTC.
		{"evening, brand in New York", rNY, time.Date(2026, 11, 6, 22, 0, 0, 0, ny), 0},
		{"evening, brand in UTC", nil, time.Date(2026, 11, 6, 22, 0, 0, 0, ny), 1},
	} {
		s := delivered(tc.rules, tc.at)
		s.PromisedBy = promise
		eq(t, tc.name+": delivered", s.DaysLate(tc.at.AddDate(0, 0, 30)), tc.want)
		u := newShip()
		u.UseRules(tc.rules)
		u.PromisedBy = promise
		eq(t, tc.name+": undelivered, today", u.DaysLate(tc.at), tc.want)
	}
}

// TestDaysLateDST: calendar days, not 24-hour periods, across both
// daylight-saving changes.
func TestDaysLateDST(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	r := mustRulesT(t, Config{Location: ny})
	for _, tc := range []struct {
		name    string
		promise Date
		at      time.Time
		want    int
	}{
		// Clocks go back on Sunday 1 November 2026: from the end of
		// Saturday 31 October to 00:30 on Monday is 24.5 hours, two days.
		{"autumn", MakeDate(2026, 10, 31), time.Date(2026, 11, 2, 0, 30, 0, 0, ny), 2},
		{"autumn, same day", MakeDate(2026, 11, 1), time.Date(2026, 11, 1, 23, 30, 0, 0, ny), 0},
		{"autumn, 25-hour day", MakeDate(2026, 10, 31), time.Date(2026, 11, 1, 23, 59, 0, 0, ny), 1},
		// Clocks go forward on Sunday 8 March 2026: a 23-hour day.
		{"spring", MakeDate(2026, 3, 7), time.Date(2026, 3, 9, 0, 10, 0, 0, ny), 2},
		{"spring, 23-hour day", MakeDate(2026, 3, 7), time.Date(2026, 3, 8, 23, 59, 0, 0, ny), 1},
	} {
		s := delivered(r, tc.at)
		s.PromisedOn = tc.promise
		eq(t, tc.name, s.DaysLate(tc.at.AddDate(0, 1, 0)), tc.want)
	}
}

// TestPromiseDateOnly: a promise that is a day ("by Friday") needs no
// invented instant: it ends with that day in the brand's zone, for
// DaysLate and for the late detector alike.
func TestPromiseDateOnly(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	r := mustRulesT(t, Config{Location: ny})
	friday := MakeDate(2026, 11, 6)
	s := newShip()
	s.UseRules(r)
	s.PromisedOn = friday
	eq(t, "promised date", s.PromisedDate(), friday)
	s.ApplyAt(time.Date(2026, 11, 3, 9, 0, 0, 0, ny), ev(time.Date(2026, 11, 3, 8, 0, 0, 0, ny), carriers.StatusInTransit, "PU", "Picked up"))

	lastInstant := time.Date(2026, 11, 6, 23, 59, 59, 999999999, ny)
	eq(t, "days late on the day", s.DaysLate(lastInstant), 0)
	if ch := s.Check(lastInstant); hasKind(ch.Delays, DelayLate) {
		t.Fatalf("late opened on the promised day: %v", delayKinds(ch.Delays))
	}
	// Keep the stall detectors quiet: a scan just before midnight.
	s.ApplyAt(lastInstant, ev(time.Date(2026, 11, 6, 23, 0, 0, 0, ny), carriers.StatusOutForDelivery, "OD", "Out for delivery"))
	midnight := time.Date(2026, 11, 7, 0, 0, 0, 0, ny)
	eq(t, "days late at midnight", s.DaysLate(midnight), 1)
	ch := s.Check(midnight)
	var late *Delay
	for i := range ch.Delays {
		if ch.Delays[i].Kind == DelayLate {
			late = &ch.Delays[i]
		}
	}
	if late == nil {
		t.Fatalf("no late delay at midnight after the promised day: %v", delayKinds(ch.Delays))
	}
	eq(t, "late evidence promised date", late.Evidence.PromisedDate, friday)

	// Same shipment, brand in UTC: the day ends five hours earlier.
	u := newShip()
	u.PromisedOn = friday
	eq(t, "UTC brand at 19:30 New York", u.DaysLate(time.Date(2026, 11, 6, 19, 30, 0, 0, ny)), 1)

	// PromisedBy wins over PromisedOn.
	s.PromisedBy = time.Date(2026, 11, 9, 23, 59, 59, 0, ny)
	eq(t, "PromisedBy wins", s.PromisedDate(), MakeDate(2026, 11, 9))
	eq(t, "PromisedBy wins: days late", s.DaysLate(midnight), 0)
}

func TestDaysLateReturnedCountsToToday(t *testing.T) {
	s := newShip()
	s.PromisedOn = MakeDate(2026, 3, 4)
	s.Apply(ev(mon, carriers.StatusInTransit, "PU", "Picked up"),
		evr(mon.Add(24*time.Hour), carriers.StatusReturnToSender, carriers.ReasonReturned, "RS"))
	eq(t, "returned, never delivered", s.DaysLate(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)), 6)
}

func TestPromisedOnJSON(t *testing.T) {
	s := newShip()
	s.PromisedOn = MakeDate(2026, 11, 6)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Shipment
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	eq(t, "promised_on", back.PromisedOn, s.PromisedOn)
	if err := json.Unmarshal([]byte(`{"promised_on":"Friday"}`), &back); err == nil {
		t.Error("promised_on Friday accepted")
	}
}

func hasKind(ds []Delay, k DelayKind) bool {
	for _, d := range ds {
		if d.Kind == k {
			return true
		}
	}
	return false
}
