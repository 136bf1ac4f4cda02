package postpurchase_test

import (
	"slices"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/klaviyo"
	"github.com/postpurchase/postpurchase/klaviyo/klaviyotest"
)

// TestKlaviyoExactlyOnce runs the scenario against the local fake of
// Klaviyo with faults after the request took effect (the answer is lost,
// so the drain sends again) and with the Engine killed along the way:
// klaviyotest accepts each unique_id once, and exactly the messages of the
// crash-free run.
func TestKlaviyoExactlyOnce(t *testing.T) {
	ref, steps := reference(t)
	for _, crashes := range [][]int{nil, {steps / 3, steps / 2}, {steps / 5, steps / 4, 2 * steps / 3}} {
		srv, err := klaviyotest.NewServer(klaviyotest.Options{
			NoRateLimits: true,
			Faults:       klaviyotest.RandomFaults(uint64(len(crashes)+1), klaviyotest.FaultRates{ResetAfterAccept: 0.1, ServerErrorAfterAccept: 0.1, Unavailable: 0.05}),
		})
		if err != nil {
			t.Fatal(err)
		}
		client, err := klaviyo.New("pk_test_crash", klaviyo.Options{BaseURL: srv.URL, HTTPClient: srv.Client(), NoRateLimits: true,
			Retry: klaviyo.RetryPolicy{MaxRetries: -1}})
		if err != nil {
			t.Fatal(err)
		}
		kn, err := postpurchase.NewKlaviyoNotifier(client, klaviyo.Catalog{})
		if err != nil {
			t.Fatal(err)
		}
		o := newOutside(t)
		o.esp = kn
		o.journey(t, crashes)
		// Effects that failed wait for their retry: drain until none is left.
		e := o.engine(t, nil)
		for range 20 {
			o.w.now = o.w.now.Add(time.Hour)
			if _, err := e.Drain(t.Context(), o.w.now); err != nil {
				t.Fatal(err)
			}
		}
		got := o.outcome(t)
		if got.Pending != 0 {
			t.Fatalf("crashes %v: %d effects still pending", crashes, got.Pending)
		}
		var ids []string
		seen := map[string]int{}
		for _, ev := range srv.Events() {
			seen[ev.UniqueID]++
			ids = append(ids, ev.UniqueID)
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("crashes %v: unique_id %s accepted %d times", crashes, id, n)
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, ref.Messages) {
			t.Fatalf("crashes %v: Klaviyo accepted\n %v\nwant\n %v", crashes, ids, ref.Messages)
		}
		st := srv.Stats()
		t.Logf("crashes %v: %d events accepted once each; fake stats %+v", crashes, len(ids), st)
		srv.Close()
	}
}
