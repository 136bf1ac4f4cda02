package carrierhttp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/postpurchase/postpurchase/carriers"
)

func fastOptions() Options {
	return Options{RetryMax: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond}
}

func newTestClient(t *testing.T, o Options) *retryablehttp.Client {
	t.Helper()
	c, err := NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sequence serves the given statuses in order (the last one repeats) and
// counts the requests.
func sequence(t *testing.T, hdr http.Header, statuses ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(statuses) {
			i = len(statuses) - 1
		}
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.WriteHeader(statuses[i])
		_, _ = io.WriteString(w, `{"n":1}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func get(t *testing.T, c *retryablehttp.Client, ctx context.Context, url string) (*Response, error) {
	t.Helper()
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Do(c, req, 0)
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name     string
		hdr      http.Header
		statuses []int
		want     int // final status
		requests int32
	}{
		{"503 then success", nil, []int{503, 200}, 200, 2},
		{"500 502 504 then success", nil, []int{500, 502, 504, 200}, 200, 4},
		{"429 with Retry-After 0 then success", http.Header{"Retry-After": {"0"}}, []int{429, 200}, 200, 2},
		{"501 not retried", nil, []int{501, 200}, 501, 1},
		{"404 not retried", nil, []int{404, 200}, 404, 1},
		{"400 not retried", nil, []int{400, 200}, 400, 1},
		{"attempts bounded, last response returned", nil, []int{503}, 503, 4},
		{"429 asking for an hour is not waited for", http.Header{"Retry-After": {"3600"}}, []int{429, 200}, 429, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := sequence(t, tt.hdr, tt.statuses...)
			c := newTestClient(t, fastOptions())
			resp, err := get(t, c, context.Background(), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if got := n.Load(); got != tt.requests {
				t.Errorf("requests = %d, want %d", got, tt.requests)
			}
			if len(resp.Body) == 0 {
				t.Error("body of the last response was not kept")
			}
		})
	}
}

func TestRetryNegativeRetryMaxMeansNoRetry(t *testing.T) {
	srv, n := sequence(t, nil, 503, 200)
	o := fastOptions()
	o.RetryMax = -1
	resp, err := get(t, newTestClient(t, o), context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || n.Load() != 1 {
		t.Errorf("status %d after %d requests, want 503 after 1", resp.StatusCode, n.Load())
	}
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(503)
		cancel() // the client now waits (an hour) before its retry
	}))
	defer srv.Close()
	o := Options{RetryMax: 3, RetryWaitMin: time.Hour, RetryWaitMax: time.Hour}
	_, err := get(t, newTestClient(t, o), ctx, srv.URL)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n.Load() != 1 {
		t.Errorf("requests = %d, want 1", n.Load())
	}
}

func TestContextDoneBeforeRequest(t *testing.T) {
	srv, n := sequence(t, nil, 200)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := get(t, newTestClient(t, fastOptions()), ctx, srv.URL)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n.Load() != 0 {
		t.Errorf("requests = %d, want 0", n.Load())
	}
}

func TestConnectionErrorsRetriedThenReported(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/x?api_key=SECRET"
	srv.Close() // connection refused from now on
	_, err := get(t, newTestClient(t, fastOptions()), context.Background(), url)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error leaks the query: %v", err)
	}
	ce := TransportError("ups", "track", "1Z", err)
	if !errors.Is(ce, carriers.ErrUnavailable) {
		t.Errorf("TransportError = %v, want ErrUnavailable", ce)
	}
}

// The waits come from internal/httpretry (tested there); this checks they
// are installed with the adapter's options and clock.
func TestBackoff(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c, err := NewClient(Options{RetryWaitMin: time.Second, RetryWaitMax: 10 * time.Second, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	resp := func(status int, ra string) *http.Response {
		h := http.Header{}
		if ra != "" {
			h.Set("Retry-After", ra)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	if got := c.Backoff(c.RetryWaitMin, c.RetryWaitMax, 0, resp(429, "7")); got != 7*time.Second {
		t.Errorf("429 Retry-After 7: %v", got)
	}
	if got := c.Backoff(c.RetryWaitMin, c.RetryWaitMax, 0, resp(503, now.Add(9*time.Second).Format(http.TimeFormat))); got != 9*time.Second {
		t.Errorf("503 Retry-After date against Options.Now: %v", got)
	}
	// Retry-After 0, or a date in the past, still waits the floor.
	for _, ra := range []string{"0", now.Add(-time.Hour).Format(http.TimeFormat)} {
		if got := c.Backoff(c.RetryWaitMin, c.RetryWaitMax, 0, resp(429, ra)); got < time.Second || got > 2*time.Second {
			t.Errorf("Retry-After %q: %v, want in [1s, 2s]", ra, got)
		}
	}
	// Retry-After on a 500 is not a rate limit: the backoff applies.
	for attempt := range 10 {
		ceil := min(10*time.Second, time.Second<<(attempt+1))
		if got := c.Backoff(c.RetryWaitMin, c.RetryWaitMax, attempt, resp(500, "7")); got < time.Second || got > ceil {
			t.Errorf("attempt %d: %v not in [1s, %v]", attempt, got, ceil)
		}
	}
}

// A Retry-After the adapter would wait for (under MaxRetryAfter) but that
// ends after the context's deadline is not waited for: the 429 comes back
// at once, with the context still alive.
func TestRetryAfterBeyondDeadline(t *testing.T) {
	srv, n := sequence(t, http.Header{"Retry-After": {"50"}}, 429, 200)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := get(t, newTestClient(t, fastOptions()), ctx, srv.URL)
	if err != nil || resp.StatusCode != 429 || n.Load() != 1 || ctx.Err() != nil {
		t.Fatalf("resp %v err %v after %d requests, ctx %v", resp, err, n.Load(), ctx.Err())
	}
}

func TestOptionsValidation(t *testing.T) {
	if _, err := NewClient(Options{RetryWaitMin: time.Minute, RetryWaitMax: time.Second}); err == nil {
		t.Error("min above max accepted")
	}
	if _, err := NewClient(Options{RetryWaitMin: -1}); err == nil {
		t.Error("negative wait accepted")
	}
	c, err := NewClient(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.RetryMax != DefaultRetryMax || c.RetryWaitMin != DefaultRetryWaitMin || c.RetryWaitMax != DefaultRetryWaitMax || c.HTTPClient == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestReadBodyLimit(t *testing.T) {
	b, err := ReadBody(strings.NewReader("hello"), 5)
	if err != nil || string(b) != "hello" {
		t.Fatalf("at limit: %q %v", b, err)
	}
	_, err = ReadBody(strings.NewReader("hello!"), 5)
	if !errors.Is(err, ErrBodyTooLarge) || !errors.Is(err, carriers.ErrMalformedResponse) {
		t.Fatalf("over limit: %v", err)
	}
	// An endless body stops at the limit instead of exhausting memory.
	_, err = ReadBody(endless{}, 1<<20)
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("endless: %v", err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestTruncatedBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = io.WriteString(w, `{"trackResponse":`)
	}))
	defer srv.Close()
	_, err := get(t, newTestClient(t, fastOptions()), context.Background(), srv.URL)
	if err == nil {
		t.Fatal("no error for a truncated body")
	}
	ce := TransportError("ups", "track", "", err)
	if !errors.Is(ce, carriers.ErrMalformedResponse) {
		t.Errorf("truncated body maps to %v, want ErrMalformedResponse", ce)
	}
}

func TestSentinelForStatus(t *testing.T) {
	for status, want := range map[int]error{
		200: nil, 204: nil,
		400: carriers.ErrInvalidNumber, 401: carriers.ErrUnauthorized, 403: carriers.ErrUnauthorized,
		404: carriers.ErrNotFound, 410: carriers.ErrNotFound, 422: carriers.ErrInvalidNumber,
		429: carriers.ErrRateLimited, 500: carriers.ErrUnavailable, 501: carriers.ErrUnavailable,
		503: carriers.ErrUnavailable, 418: carriers.ErrUnavailable, 302: carriers.ErrUnavailable,
	} {
		if got := SentinelForStatus(status); got != want {
			t.Errorf("%d: %v, want %v", status, got, want)
		}
	}
}

func TestStatusErrorRequestID(t *testing.T) {
	resp := &Response{StatusCode: 429, Header: http.Header{"Transid": {"abc\n123"}, "X-Request-Id": {"zzz"}}}
	e := StatusError("ups", "track", "1Z", resp, "transId")
	if e.RequestID != "abc123" || !errors.Is(e, carriers.ErrRateLimited) || e.StatusCode != 429 {
		t.Errorf("%+v", e)
	}
	e = StatusError("usps", "track", "94", resp)
	if e.RequestID != "zzz" {
		t.Errorf("default headers: %q", e.RequestID)
	}
	long := strings.Repeat("x", 500)
	if got := RequestID(http.Header{"X-Request-Id": {long}}); len(got) != 128 {
		t.Errorf("request ID not capped: %d", len(got))
	}
}

func TestTransportErrorContext(t *testing.T) {
	for _, err := range []error{context.Canceled, context.DeadlineExceeded} {
		e := TransportError("usps", "track", "", err)
		if !errors.Is(e, err) {
			t.Errorf("%v: %v", err, e)
		}
	}
}

func TestLoggerRedactsQueriesAndHeaders(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, _ := sequence(t, nil, 503, 200)
	o := fastOptions()
	o.Logger = logger
	c := newTestClient(t, o)
	req, err := retryablehttp.NewRequest(http.MethodGet, srv.URL+"/track?client_secret=SECRET1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer SECRET2")
	if _, err := Do(c, req, 0); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "retrying request") {
		t.Errorf("retry not logged: %s", out)
	}
	for _, s := range []string{"SECRET1", "SECRET2", "client_secret"} {
		if strings.Contains(out, s) {
			t.Errorf("log contains %q: %s", s, out)
		}
	}
}

func TestRedactText(t *testing.T) {
	in := `Get "https://user:pw@api.example.com/x?key=S#f": dial tcp`
	got := redactText(in)
	if strings.Contains(got, "pw") || strings.Contains(got, "key=S") || !strings.Contains(got, "api.example.com/x") {
		t.Errorf("redactText = %q", got)
	}
}
