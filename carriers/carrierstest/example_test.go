package carrierstest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
	"github.com/postpurchase/postpurchase/carriers/simulator"
)

// simHarness connects the suite to a carrier; a real adapter's harness
// would start an httptest server serving recorded bodies instead (and stop
// it in Close).
type simHarness struct{}

func (simHarness) MakeCarrier(ctx context.Context) (carriers.Carrier, error) {
	labelAt := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	sim, err := simulator.New(simulator.Options{Now: func() time.Time { return labelAt.AddDate(0, 0, 3) }})
	if err != nil {
		return nil, err
	}
	_, err = sim.Ship(simulator.Plan{TrackingNumber: "KNOWN", LabelCreatedAt: labelAt})
	return sim, err
}
func (simHarness) KnownNumber() string   { return "KNOWN" }
func (simHarness) UnknownNumber() string { return "UNKNOWN" }
func (simHarness) Close()                {}

// An adapter runs the whole suite from one test function.
func ExampleRunConformanceTests() {
	_ = func(t *testing.T) {
		carrierstest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (carrierstest.Harness, error) {
			return simHarness{}, nil
		})
	}
}

// CheckTracking can also vet a parser's output directly.
func ExampleCheckTracking() {
	tr := &carriers.Tracking{
		Carrier: "acme", TrackingNumber: "A1", Status: carriers.StatusInTransit,
		Events: []carriers.Event{
			{Time: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Status: carriers.StatusInTransit, Code: "DP"},
			{Time: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC), Status: carriers.StatusInTransit, Code: "AR"},
		},
	}
	fmt.Println(carrierstest.CheckTracking("acme", tr))
	// Output:
	// Events not newest first: Events[1] 2026-11-03T09:00:00Z is after Events[0] 2026-11-02T09:00:00Z
}
