package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(t.Context(), &a, 1, 14, true); err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), &b, 1, 14, true); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("the same seed printed different journeys")
	}
}

// TestRunTellsTheJourney checks that each order's story is told: the clean
// one delivered with no delay, and each troubled one with the delay its
// trouble should trigger.
func TestRunTellsTheJourney(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out, 1, 14, false); err != nil {
		t.Fatal(err)
	}
	orders := strings.Split(out.String(), "\nOrder ")[1:]
	if len(orders) != 5 {
		t.Fatalf("got %d orders:\n%s", len(orders), out.String())
	}
	want := []struct {
		has, hasNot []string
	}{
		{[]string{"milestone  shipped", "milestone  delivered", "status on Mon Nov 16: delivered"}, []string{"DELAY"}},
		{[]string{"DELAY      exception (weather)", "caught", "before the promise", "milestone  delivered"}, nil},
		{[]string{"milestone  attempt_failed", "DELAY      attempt_failed", "milestone  delivered"}, nil},
		{[]string{"DELAY      shipment_stalled", "milestone  delivered"}, nil},
		{[]string{"milestone  returned_to_sender", "DELAY      returned_to_sender", "return_to_sender / returned"}, []string{"milestone  delivered"}},
	}
	for i, w := range want {
		for _, s := range w.has {
			if !strings.Contains(orders[i], s) {
				t.Errorf("order %d lacks %q:\n%s", i+1, s, orders[i])
			}
		}
		for _, s := range w.hasNot {
			if strings.Contains(orders[i], s) {
				t.Errorf("order %d has %q:\n%s", i+1, s, orders[i])
			}
		}
	}
}

func TestRunRejectsBadDays(t *testing.T) {
	if err := run(t.Context(), &bytes.Buffer{}, 1, -1, false); err == nil {
		t.Error("run accepted -days -1")
	}
}
