package tracking

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/postpurchase/postpurchase/carriers"
	"pgregory.net/rapid"
)

// TestPropertyJSONRoundTrip: a shipment in any state reached by generated
// event streams, checks and carrier estimates encodes to JSON and back
// without loss: the same bytes again, and the decoded copy goes on exactly
// like the original (same changes, milestone and delay IDs, schedule).
func TestPropertyJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		evs := genEvents(t)
		s := propShipment()
		base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		hour := func(label string) time.Time {
			return base.Add(time.Duration(rapid.IntRange(0, 600).Draw(t, label)) * time.Hour)
		}
		for len(evs) > 0 {
			k := rapid.IntRange(1, len(evs)).Draw(t, "batch")
			tr := &carriers.Tracking{Carrier: s.Carrier, TrackingNumber: s.TrackingNumber, Events: evs[:k]}
			if rapid.Bool().Draw(t, "estimate") {
				d := hour("est")
				tr.Estimate = &carriers.Estimate{Start: d, End: d.Add(4 * time.Hour), Source: carriers.EstimateCarrier}
			}
			s.Update(base.Add(700*time.Hour), tr)
			if rapid.Bool().Draw(t, "check") {
				s.Check(hour("checkAt"))
			}
			evs = evs[k:]
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back := propShipment()
		if err := json.Unmarshal(b, back); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		b2, _ := json.Marshal(back)
		if diff := cmp.Diff(string(b), string(b2)); diff != "" {
			t.Fatalf("round trip differs:\n%s", diff)
		}
		if diff := cmp.Diff(snap(s), snap(back)); diff != "" {
			t.Fatalf("decoded state differs:\n%s", diff)
		}
		// Both go on alike.
		more := genEvents(t)
		now := time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)
		c1, _ := s.ApplyAt(now, more...)
		c2, _ := back.ApplyAt(now, more...)
		if diff := cmp.Diff(c1, c2); diff != "" {
			t.Fatalf("changes after decode differ (-original +decoded):\n%s", diff)
		}
		c1 = s.Check(now.Add(240 * time.Hour))
		c2 = back.Check(now.Add(240 * time.Hour))
		if diff := cmp.Diff(c1, c2); diff != "" {
			t.Fatalf("check after decode differs (-original +decoded):\n%s", diff)
		}
		b, _ = json.Marshal(s)
		b2, _ = json.Marshal(back)
		if diff := cmp.Diff(string(b), string(b2)); diff != "" {
			t.Fatalf("stored forms diverge after more events:\n%s", diff)
		}
	})
}
