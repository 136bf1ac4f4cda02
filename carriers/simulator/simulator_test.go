package simulator_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
	"github.com/postpurchase/postpurchase/carriers/simulator"
)

var monday = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)

type harness struct{}

func (harness) MakeCarrier(ctx context.Context, t *testing.T) (carriers.Carrier, error) {
	sim := simulator.New(simulator.Options{Seed: 7, Clock: func() time.Time { return monday.AddDate(0, 0, 30) }})
	if _, err := sim.Ship(simulator.Plan{Number: "SIMKNOWN", LabelCreatedAt: monday, Trouble: simulator.FailedAttempt}); err != nil {
		return nil, err
	}
	return sim, nil
}
func (harness) KnownNumber() string   { return "SIMKNOWN" }
func (harness) UnknownNumber() string { return "SIMNOSUCH" }

func TestConformance(t *testing.T) { carrierstest.RunConformanceTests(t, harness{}) }

func script(t *testing.T, seed uint64, p simulator.Plan) []carriers.Event {
	t.Helper()
	sim := simulator.New(simulator.Options{Seed: seed})
	n, err := sim.Ship(p)
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := sim.Script(n)
	if !ok {
		t.Fatalf("Script(%q) not found", n)
	}
	return ev
}

func TestDeterministic(t *testing.T) {
	p := simulator.Plan{Number: "SIM1", LabelCreatedAt: monday, Trouble: simulator.WeatherDelay}
	a, b := script(t, 42, p), script(t, 42, p)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed and plan gave different scripts (-first +second):\n%s", diff)
	}
	c := script(t, 43, p)
	if cmp.Equal(a, c) {
		t.Error("different seeds gave identical scripts")
	}
}

// statuses returns the distinct statuses of a script in order of appearance.
func signature(ev []carriers.Event) []string {
	var out []string
	for _, e := range ev {
		s := e.Status.String()
		if e.Reason != carriers.ReasonNone {
			s += "/" + e.Reason.String()
		}
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

func TestTroubles(t *testing.T) {
	want := map[simulator.Trouble][]string{
		simulator.NoTrouble:        {"info_received", "in_transit", "out_for_delivery", "delivered"},
		simulator.WeatherDelay:     {"info_received", "in_transit", "exception/weather", "in_transit", "out_for_delivery", "delivered"},
		simulator.Stalled:          {"info_received", "in_transit", "out_for_delivery", "delivered"},
		simulator.FailedAttempt:    {"info_received", "in_transit", "out_for_delivery", "attempt_fail/recipient_unavailable", "out_for_delivery", "delivered"},
		simulator.Lost:             {"info_received", "in_transit", "exception/lost"},
		simulator.Damaged:          {"info_received", "in_transit", "exception/damaged", "in_transit", "out_for_delivery", "delivered"},
		simulator.ReturnedToSender: {"info_received", "in_transit", "out_for_delivery", "attempt_fail/address_problem", "out_for_delivery", "attempt_fail/address_problem", "return_to_sender/returning", "return_to_sender/returned"},
		simulator.EstimateSlipped:  {"info_received", "in_transit", "out_for_delivery", "delivered"},
	}
	for _, tr := range simulator.Troubles() {
		for seed := range uint64(20) {
			ev := script(t, seed, simulator.Plan{Number: "SIMX", LabelCreatedAt: monday, Trouble: tr})
			if diff := cmp.Diff(want[tr], signature(ev)); diff != "" {
				t.Fatalf("%v seed %d: status sequence (-want +got):\n%s", tr, seed, diff)
			}
			for i := 1; i < len(ev); i++ {
				if !ev[i].Time.After(ev[i-1].Time) {
					t.Fatalf("%v seed %d: event %d (%s) not after event %d (%s)", tr, seed, i, ev[i].Time, i-1, ev[i-1].Time)
				}
			}
			if tr == simulator.Stalled && maxGap(ev) < 7*24*time.Hour {
				t.Errorf("stalled seed %d: longest gap between scans %v, want at least 7 days", seed, maxGap(ev))
			}
		}
	}
}

func maxGap(ev []carriers.Event) time.Duration {
	var m time.Duration
	for i := 1; i < len(ev); i++ {
		m = max(m, ev[i].Time.Sub(ev[i-1].Time))
	}
	return m
}

func TestTrackFollowsClock(t *testing.T) {
	now := monday
	sim := simulator.New(simulator.Options{Seed: 1, Clock: func() time.Time { return now }})
	n, err := sim.Ship(simulator.Plan{LabelCreatedAt: monday.Add(time.Hour), Trouble: simulator.EstimateSlipped})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Track(t.Context(), n); !errors.Is(err, carriers.ErrNotFound) {
		t.Fatalf("before the label: err = %v, want ErrNotFound", err)
	}
	full, _ := sim.Script(n)
	var estimates []carriers.Estimate
	for _, e := range full {
		now = e.Time
		tr, err := sim.Track(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		if !tr.Events[0].Time.Equal(e.Time) || tr.Status != e.Status {
			t.Fatalf("at %s: newest event %s %s, want %s", now, tr.Events[0].Time, tr.Status, e.Status)
		}
		if tr.Estimate != nil && (len(estimates) == 0 || *tr.Estimate != estimates[len(estimates)-1]) {
			estimates = append(estimates, *tr.Estimate)
		}
	}
	if len(estimates) != 2 || estimates[0].Source != carriers.EstimateScheduled || estimates[1].Source != carriers.EstimateRescheduled || !estimates[1].Start.After(estimates[0].Start) {
		t.Errorf("estimate history %+v: want a scheduled estimate then a later rescheduled one", estimates)
	}
	tr, _ := sim.Track(t.Context(), n)
	if tr.Status != carriers.StatusDelivered || tr.DeliveredAt.IsZero() || tr.Estimate != nil {
		t.Errorf("final: status %s delivered-at %v estimate %v", tr.Status, tr.DeliveredAt, tr.Estimate)
	}
}

func TestShipRejectsBadPlans(t *testing.T) {
	sim := simulator.New(simulator.Options{})
	for name, p := range map[string]simulator.Plan{
		"no label time": {},
		"bad trouble":   {LabelCreatedAt: monday, Trouble: 99},
		"negative days": {LabelCreatedAt: monday, TransitDays: -1},
	} {
		if _, err := sim.Ship(p); !errors.Is(err, simulator.ErrInvalidPlan) {
			t.Errorf("%s: err = %v, want ErrInvalidPlan", name, err)
		}
	}
	if _, err := sim.Ship(simulator.Plan{Number: "A", LabelCreatedAt: monday}); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Ship(simulator.Plan{Number: "A", LabelCreatedAt: monday}); !errors.Is(err, simulator.ErrInvalidPlan) {
		t.Errorf("duplicate number: err = %v, want ErrInvalidPlan", err)
	}
	if got := sim.Numbers(); !slices.Equal(got, []string{"A"}) {
		t.Errorf("Numbers() = %v", got)
	}
}
