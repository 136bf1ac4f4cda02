package httpretry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

var now0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"1": time.Second, " 30 ": 30 * time.Second, "0": 0, "86400": 24 * time.Hour, "86401": 24 * time.Hour,
		"99999999999999999999":                             24 * time.Hour,
		now0.Add(5 * time.Second).Format(http.TimeFormat):  5 * time.Second,
		now0.Add(-5 * time.Second).Format(http.TimeFormat): 0,
		now0.AddDate(174, 0, 0).Format(http.TimeFormat):    24 * time.Hour, // the HTTP-date form is capped too
		"Wed, 01 OCt 2200 0:00:00 GMT":                     24 * time.Hour,
		now0.Add(90 * time.Second).Format(time.RFC850):     90 * time.Second,
		now0.Add(7 * time.Second).Format(time.ANSIC):       7 * time.Second,
	} {
		if got, ok := ParseRetryAfter(in, now0); !ok || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "  ", "-1", "+5", "soon", "1.5", "1e3", "0x10"} {
		if d, ok := ParseRetryAfter(in, now0); ok || d != 0 {
			t.Errorf("%q parsed as %v", in, d)
		}
	}
}

// FuzzParseRetryAfter: never panics, never negative, never above the cap,
// whichever form (a far-future HTTP date once meant a wait of 174 years).
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "0", "120", "-3", "Wed, 21 Oct 2015 07:28:00 GMT", "", "1e3", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now0)
		if ok && (d < 0 || d > MaxRetryAfter) {
			t.Fatalf("%q -> %v", v, d)
		}
		if !ok && d != 0 {
			t.Fatalf("%q -> %v without ok", v, d)
		}
	})
}

var (
	lo = func(int64) int64 { return 0 }
	hi = func(n int64) int64 { return n - 1 }
)

func TestBackoffFloorAndFullJitter(t *testing.T) {
	p := Policy{MinWait: 500 * time.Millisecond, MaxWait: 8 * time.Second}
	for attempt, ceil := range []time.Duration{1000, 2000, 4000, 8000, 8000, 8000} {
		ceil *= time.Millisecond
		p.Rand = lo
		if got := p.Backoff(attempt); got != p.MinWait {
			t.Errorf("attempt %d low: %v, want the floor %v", attempt, got, p.MinWait)
		}
		p.Rand = hi
		if got := p.Backoff(attempt); got != ceil {
			t.Errorf("attempt %d high: %v, want %v", attempt, got, ceil)
		}
	}
	p.Rand = hi
	if got := p.Backoff(1 << 20); got != p.MaxWait {
		t.Errorf("huge attempt: %v", got)
	}
	if got := (Policy{MinWait: time.Second, MaxWait: time.Second, Rand: hi}).Backoff(3); got != time.Second {
		t.Errorf("MinWait == MaxWait: %v", got)
	}
	if got := (Policy{}).Backoff(3); got != 0 {
		t.Errorf("zero policy: %v", got)
	}
	// The default random source stays within the bounds.
	p.Rand = nil
	for range 1000 {
		if got := p.Backoff(2); got < p.MinWait || got > 4*time.Second {
			t.Fatalf("backoff %v out of [%v, 4s]", got, p.MinWait)
		}
	}
}

func answer(status int, retryAfter string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{StatusCode: status, Header: h}
}

func TestWait(t *testing.T) {
	p := Policy{MinWait: 100 * time.Millisecond, MaxWait: time.Second, MaxRetryAfter: time.Minute, Now: func() time.Time { return now0 }, Rand: lo}
	for _, tc := range []struct {
		name string
		resp *http.Response
		rnd  func(int64) int64
		want time.Duration
		ok   bool
	}{
		{"Retry-After 0 waits the floor", answer(429, "0"), lo, 100 * time.Millisecond, true},
		{"Retry-After 0 jitters above the floor", answer(429, "0"), hi, 200 * time.Millisecond, true},
		{"Retry-After 7", answer(429, "7"), hi, 7 * time.Second, true},
		{"503 Retry-After date", answer(503, now0.Add(3*time.Second).Format(http.TimeFormat)), lo, 3 * time.Second, true},
		{"Retry-After beyond MaxRetryAfter", answer(429, "3600"), lo, time.Hour, false},
		{"Retry-After on a 500 is not a rate limit", answer(500, "30"), lo, 100 * time.Millisecond, true},
		{"transport error", nil, hi, 200 * time.Millisecond, true},
	} {
		p.Rand = tc.rnd
		if got, ok := p.Wait(0, tc.resp); got != tc.want || ok != tc.ok {
			t.Errorf("%s: %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, p := range []Policy{{MaxRetries: -1}, {MinWait: -1}, {MinWait: 2, MaxWait: 1}, {MaxRetryAfter: -1}} {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if err := (Policy{MaxRetries: 3, MinWait: 1, MaxWait: 2}).Validate(); err != nil {
		t.Error(err)
	}
}

// server answers with the given statuses in order (the last repeats) and
// records when each request arrived.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	arrivals []time.Time
	n        atomic.Int32
}

func newServer(t *testing.T, retryAfter string, statuses ...int) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.arrivals = append(s.arrivals, time.Now())
		s.mu.Unlock()
		i := min(int(s.n.Add(1))-1, len(statuses)-1)
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(statuses[i])
		_, _ = io.WriteString(w, strconv.Itoa(statuses[i]))
	}))
	t.Cleanup(s.Close)
	return s
}

func client(p Policy) *retryablehttp.Client {
	c := &retryablehttp.Client{HTTPClient: &http.Client{}, ErrorHandler: retryablehttp.PassthroughErrorHandler}
	p.Apply(c, nil)
	return c
}

func get(t *testing.T, ctx context.Context, url string) *retryablehttp.Request {
	t.Helper()
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// "Retry-After: 0" on every answer: the retries are spaced by at least the
// floor, not fired back to back (they once spent the whole budget in 2 ms).
// The check is a lower bound only, which timers guarantee.
func TestRetryAfterZeroKeepsTheFloor(t *testing.T) {
	srv := newServer(t, "0", 429)
	p := Policy{MaxRetries: 3, MinWait: 20 * time.Millisecond, MaxWait: 20 * time.Millisecond}
	for name, do := range map[string]func(c *retryablehttp.Client, r *retryablehttp.Request) (*http.Response, error){
		"Do": Do, "client": func(c *retryablehttp.Client, r *retryablehttp.Request) (*http.Response, error) { return c.Do(r) },
	} {
		srv.mu.Lock()
		srv.arrivals = nil
		srv.mu.Unlock()
		resp, err := do(client(p), get(t, context.Background(), srv.URL))
		if err != nil || resp.StatusCode != 429 {
			t.Fatalf("%s: %v %v", name, resp, err)
		}
		resp.Body.Close()
		srv.mu.Lock()
		arr := srv.arrivals
		srv.mu.Unlock()
		if len(arr) != 4 {
			t.Fatalf("%s: %d requests, want 4", name, len(arr))
		}
		for i := 1; i < len(arr); i++ {
			if gap := arr[i].Sub(arr[i-1]); gap < p.MinWait {
				t.Errorf("%s: retry %d came %v after the previous attempt, below the floor %v", name, i, gap, p.MinWait)
			}
		}
	}
}

// A wait that cannot end before the deadline is not started: the last
// answer comes back at once, with the context still alive.
func TestWaitLongerThanDeadlineFailsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter string
		status     int
		p          Policy
	}{
		{"429 Retry-After an hour", "3600", 429, Policy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond}},
		{"503 Retry-After an hour", "3600", 503, Policy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond}},
		{"backoff floor an hour", "", 500, Policy{MaxRetries: 3, MinWait: time.Hour, MaxWait: time.Hour}},
		// The floor (20s) fits the deadline (30s); the drawn wait (40s) does
		// not: Do knows the wait before it decides.
		{"drawn backoff beyond the deadline", "", 502, Policy{MaxRetries: 3, MinWait: 20 * time.Second, MaxWait: time.Hour, Rand: hi}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.retryAfter, tc.status, 200)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			resp, err := Do(client(tc.p), get(t, ctx, srv.URL))
			if err != nil || resp.StatusCode != tc.status {
				t.Fatalf("got %v %v, want the %d answer", resp, err, tc.status)
			}
			resp.Body.Close()
			if ctx.Err() != nil || srv.n.Load() != 1 {
				t.Fatalf("ctx %v after %d requests: did not fail at once", ctx.Err(), srv.n.Load())
			}
		})
	}
}

func TestCancelDuringWait(t *testing.T) {
	srv := newServer(t, "", 503)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.n.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := Do(client(Policy{MaxRetries: 3, MinWait: time.Hour, MaxWait: time.Hour}), get(t, ctx, srv.URL))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRetriesThenSucceeds(t *testing.T) {
	srv := newServer(t, "0", 503, 500, 429, 200)
	hc := &http.Client{Transport: RoundTripper(client(Policy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}))}
	resp, err := hc.Get(srv.URL)
	if err != nil || resp.StatusCode != 200 || srv.n.Load() != 4 {
		t.Fatalf("%v %v after %d requests", resp, err, srv.n.Load())
	}
	resp.Body.Close()
	// Budget spent: the last answer comes back.
	srv2 := newServer(t, "", 503)
	resp, err = Do(client(Policy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond}), get(t, context.Background(), srv2.URL))
	if err != nil || resp.StatusCode != 503 || srv2.n.Load() != 3 {
		t.Fatalf("%v %v after %d requests", resp, err, srv2.n.Load())
	}
	resp.Body.Close()
}
