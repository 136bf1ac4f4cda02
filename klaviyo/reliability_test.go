package klaviyo_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/klaviyo"
	"github.com/postpurchase/postpurchase/klaviyo/klaviyotest"
)

// singleFaults, per Create Event request: 0.1% throttled (Retry-After 1s;
// each pauses the whole endpoint for a second, so few), 2% 5xx before
// processing, 1.5% connection resets, 1% accepted-then-failed (reset or
// 500 after the event was recorded), 0.2% slow.
var singleFaults = klaviyotest.FaultRates{
	Throttle: 0.001, ServerError: 0.01, Unavailable: 0.01, Reset: 0.015,
	ResetAfterAccept: 0.005, ServerErrorAfterAccept: 0.005, Slow: 0.002,
}

// bulkFaults, per bulk request (100 events each): 4% throttled, 8% 5xx,
// 6% resets, 6% accepted-then-failed, 2% slow.
var bulkFaults = klaviyotest.FaultRates{
	Throttle: 0.04, ServerError: 0.04, Unavailable: 0.04, Reset: 0.06,
	ResetAfterAccept: 0.03, ServerErrorAfterAccept: 0.03, Slow: 0.02,
}

var reliabilityScale = flag.Float64("klaviyo.reliability.scale", 0.2,
	"TestReliability: share of the full run's 10,000 events per subtest (1 = the full run, 20-40 s)")

// TestReliability sends events through the client to the fake while it
// injects 429s, 5xx and connection resets, once through Bulk Create Events
// (100 events per request) and once through Create Event (32 concurrent
// senders, one request per event). Every event must be accepted exactly
// once, none lost, and no request may arrive before a Retry-After it was
// given has passed. Limits are scaled (windows of 100ms/2s); the client
// paces with the same limits.
//
// Its time goes mostly into the 1 s pauses the injected 429s ask for, in
// proportion to the events sent. The default run sends 2,000 events per
// subtest (-klaviyo.reliability.scale=0.2, a few seconds); the full run
// sends 10,000 (20 s with -race on an idle 2-core machine, 37 s under load):
//
//	go test -race -run TestReliability ./klaviyo -args -klaviyo.reliability.scale=1
func TestReliability(t *testing.T) {
	if testing.Short() {
		t.Skip("sends thousands of events")
	}
	scale := *reliabilityScale
	if scale <= 0 || scale > 1 {
		t.Fatalf("-klaviyo.reliability.scale=%v: want (0, 1]", scale)
	}
	n := max(100, int(10000*scale)/100*100) // whole bulk requests of 100
	events := make([]klaviyo.Event, n)
	for i := range events {
		events[i] = klaviyo.Event{
			Metric:     fmt.Sprintf("Reliability %d", i%3),
			Profile:    klaviyo.Identifiers{Email: fmt.Sprintf("c%d@example.com", i%257)},
			Properties: map[string]any{"i": i},
			Time:       t0,
			UniqueID:   fmt.Sprintf("evt-%05d", i),
		}
	}
	run := func(t *testing.T, path string, events []klaviyo.Event, faults klaviyotest.FaultRates, fakeLimit klaviyotest.Limit, send func(c *klaviyo.Client, events []klaviyo.Event) error, opts klaviyo.Options) {
		n := len(events)
		srv := newFake(t, klaviyotest.Options{
			Faults:     klaviyotest.RandomFaults(7, faults),
			RetryAfter: 1,
			SlowDelay:  20 * time.Millisecond,
			Limits:     map[string]klaviyotest.Limit{path: fakeLimit},
			Validate:   func(_ *http.Request, _ []byte) error { return nil }, // bodies are spec-checked elsewhere; keep this fast
		})
		opts.RateLimits = map[klaviyo.Endpoint]klaviyo.Limit{klaviyo.Endpoint(path): {Burst: fakeLimit.Burst, BurstWindow: fakeLimit.BurstWindow, Steady: fakeLimit.Steady, SteadyWindow: fakeLimit.SteadyWindow}}
		opts.Retry = klaviyo.RetryPolicy{MaxRetries: 10, MinWait: time.Millisecond, MaxWait: 50 * time.Millisecond}
		c := newClient(t, srv, opts)
		start := time.Now()
		if err := send(c, events); err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(start)

		st := srv.Stats()
		accepted := srv.Events()
		if len(accepted) != n || st.Accepted != n {
			t.Fatalf("accepted %d events (stats %d), want %d", len(accepted), st.Accepted, n)
		}
		seen := make(map[string]int, n)
		for _, e := range accepted {
			seen[e.UniqueID]++
		}
		for _, e := range events {
			if seen[e.UniqueID] != 1 {
				t.Fatalf("event %s accepted %d times", e.UniqueID, seen[e.UniqueID])
			}
		}
		if st.EarlyRetries != 0 {
			t.Errorf("%d requests arrived before their Retry-After had passed", st.EarlyRetries)
		}
		afterAccept := st.Injected[klaviyotest.FaultResetAfterAccept] + st.Injected[klaviyotest.FaultServerErrorAfterAccept]
		perRequest := 1
		if path == klaviyotest.PathBulkEvents {
			perRequest = 100 // the events split evenly
		}
		if st.Duplicates != afterAccept*perRequest {
			t.Errorf("%d duplicates, want %d per accepted-then-failed request (%d)", st.Duplicates, perRequest, afterAccept)
		}
		t.Logf("%s: %d events in %v; %d requests; injected %v; %d throttled by limits; %d duplicates absorbed by unique_id; %d early retries",
			path, n, elapsed.Round(time.Millisecond), st.Requests, st.Injected, st.Throttled, st.Duplicates, st.EarlyRetries)
	}

	t.Run("CreateEvent", func(t *testing.T) {
		run(t, klaviyotest.PathEvents, events, singleFaults, klaviyotest.Limit{Burst: 300, BurstWindow: 100 * time.Millisecond, Steady: 6000, SteadyWindow: 2 * time.Second},
			func(c *klaviyo.Client, events []klaviyo.Event) error {
				work := make(chan klaviyo.Event)
				errs := make(chan error, 32)
				var wg sync.WaitGroup
				for range 32 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for e := range work {
							if err := c.CreateEvent(context.Background(), e); err != nil {
								errs <- fmt.Errorf("%s: %w", e.UniqueID, err)
								return
							}
						}
					}()
				}
				for _, e := range events {
					work <- e
				}
				close(work)
				wg.Wait()
				close(errs)
				return <-errs
			}, klaviyo.Options{})
	})
	t.Run("CreateEvents", func(t *testing.T) {
		run(t, klaviyotest.PathBulkEvents, events, bulkFaults, klaviyotest.Limit{Burst: 10, BurstWindow: 100 * time.Millisecond, Steady: 150, SteadyWindow: 2 * time.Second},
			func(c *klaviyo.Client, events []klaviyo.Event) error {
				return c.CreateEvents(context.Background(), events)
			}, klaviyo.Options{BulkMaxEvents: 100})
	})
}
