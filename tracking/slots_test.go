package tracking

import (
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// slotHistory is a lane where parcels picked up from 19:00 take two more
// business days and Friday pickups one fewer (the weekend in transit);
// with hourEffect false the hour makes no difference.
func slotHistory(hourEffect bool) []Observation {
	var obs []Observation
	lane := Lane{"ups", "Ground", "US-NV", "US-OH"}
	cal := NewCalendar()
	for week := range 20 {
		for wd := range 5 {
			for _, hour := range []int{10, 13, 16, 19, 20} {
				ship := time.Date(2026, 1, 5+7*week+wd, hour, 0, 0, 0, pst)
				days := 4
				if wd == 4 {
					days = 3
				}
				if hourEffect && hour >= 19 {
					days += 2
				}
				d := cal.AddBusinessDays(DateOf(ship), days)
				obs = append(obs, Observation{Lane: lane, ShippedAt: ship, DeliveredAt: time.Date(d.Year, d.Month, d.Day, 14, 0, 0, 0, est)})
			}
		}
	}
	return obs
}

func estimateFrom(t *testing.T, m *TransitModel, pickup time.Time) int {
	t.Helper()
	r, err := NewRules(Config{Model: m})
	if err != nil {
		t.Fatal(err)
	}
	s := NewShipment(r)
	s.Carrier, s.TrackingNumber, s.Service, s.Origin, s.Destination = "ups", "1Z999AA10123456784", "Ground", "US-NV", "US-OH"
	if _, err := s.Apply(ev(pickup, carriers.StatusInTransit, "PU", "Picked up")); err != nil {
		t.Fatal(err)
	}
	e := s.Estimate(pickup)
	if e.Basis != EstimateFromModel {
		t.Fatalf("basis %s", e.Basis)
	}
	return NewCalendar().BusinessDaysBetween(DateOf(pickup), e.Date)
}

// The model learns the pickup slot: the weekday (business days before the
// next day off) and the carrier's cutoff hour.
func TestPickupSlots(t *testing.T) {
	m, err := FitTransitModel(slotHistory(true), &ModelOptions{HalfLife: -1})
	if err != nil {
		t.Fatal(err)
	}
	tue := time.Date(2026, 6, 2, 11, 0, 0, 0, pst)
	fri := time.Date(2026, 6, 5, 11, 0, 0, 0, pst)
	if got := estimateFrom(t, m, tue); got != 4 {
		t.Errorf("Tuesday 11:00 pickup: P50 %d business days, want 4", got)
	}
	if got := estimateFrom(t, m, fri); got != 3 {
		t.Errorf("Friday 11:00 pickup: P50 %d business days, want 3", got)
	}
	if got := estimateFrom(t, m, tue.Add(9*time.Hour)); got != 6 {
		t.Errorf("Tuesday 20:00 pickup: P50 %d business days, want 6 (after the learned cutoff)", got)
	}
	if q, _ := m.Quantiles(Lane{"ups", "Ground", "US-NV", "US-OH"}); q.P50 != 4 {
		t.Errorf("lane P50 %d, want 4", q.P50)
	}
	if st := m.lanes[Lane{Carrier: "ups"}]; st.cutoff < 17 || st.cutoff > 19 {
		t.Errorf("learned cutoff %d, want 17 to 19 (pickups came at 16:00 and 19:00)", st.cutoff)
	}

	// Without an hour effect no cutoff is learned.
	m, err = FitTransitModel(slotHistory(false), &ModelOptions{HalfLife: -1})
	if err != nil {
		t.Fatal(err)
	}
	if st := m.lanes[Lane{Carrier: "ups"}]; st.cutoff != 24 {
		t.Errorf("no hour effect: learned cutoff %d, want none (24)", st.cutoff)
	}
	if got := estimateFrom(t, m, tue.Add(9*time.Hour)); got != 4 {
		t.Errorf("no hour effect: Tuesday 20:00 pickup: P50 %d business days, want 4", got)
	}
}

func TestRunAfter(t *testing.T) {
	cal := NewCalendar(Date{2026, time.July, 3}) // a Friday holiday
	for _, c := range []struct {
		d    Date
		want int
	}{
		{Date{2026, time.June, 29}, 3}, // Monday before the holiday: Tue, Wed, Thu
		{Date{2026, time.July, 2}, 0},  // Thursday before it
		{Date{2026, time.July, 5}, 4},  // Sunday
		{Date{2026, time.July, 4}, 0},  // Saturday
		{Date{2026, time.July, 6}, 4},  // Monday
		{Date{2026, time.July, 10}, 0}, // Friday
	} {
		if got := cal.runAfter(c.d.days()); got != c.want {
			t.Errorf("runAfter(%v) = %d, want %d", c.d, got, c.want)
		}
	}
	if got := (*Calendar)(nil).runAfter(Date{2026, time.July, 8}.days()); got != 2 {
		t.Errorf("nil calendar, Wednesday: %d, want 2", got)
	}
}

// Observations with an empty lane, or a carrier only, are counted like
// any other (the carrier's cutoff is learned on its lane, everything's
// on the lane of everything).
func TestPickupSlotsCoarseLanes(t *testing.T) {
	ship := time.Date(2026, 3, 2, 10, 0, 0, 0, pst)
	var obs []Observation
	for i := range 40 {
		s := ship.AddDate(0, 0, i)
		obs = append(obs, Observation{ShippedAt: s, DeliveredAt: s.AddDate(0, 0, 3)},
			Observation{Lane: Lane{Carrier: "ups"}, ShippedAt: s, DeliveredAt: s.AddDate(0, 0, 2)})
	}
	m, err := FitTransitModel(obs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Quantiles(Lane{}); !ok {
		t.Error("no distribution for the lane of everything")
	}
	if q, ok := m.Quantiles(Lane{Carrier: "ups"}); !ok || q.Samples != 40 {
		t.Errorf("carrier lane: %+v, %v", q, ok)
	}
}

// slotOf's own arithmetic agrees with the calendar's day and the clock's
// hour, before 1970 and in any offset.
func TestSlotOfDayAndHour(t *testing.T) {
	cal := NewCalendar()
	zones := []*time.Location{time.UTC, pst, est, time.FixedZone("+0545", 5*3600+45*60)}
	for i := range 2000 {
		tt := time.Unix(int64(i)*7919*61-40*86400*365, 0).In(zones[i%len(zones)])
		for _, cutoff := range []int{0, 17, 24} {
			want := 2 * cal.runAfter(dayOf(tt))
			if tt.Hour() >= cutoff {
				want++
			}
			if got := slotOf(cal, tt, cutoff); got != want {
				t.Fatalf("slotOf(%v, %d) = %d, want %d", tt, cutoff, got, want)
			}
		}
	}
}
