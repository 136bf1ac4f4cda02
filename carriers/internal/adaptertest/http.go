package adaptertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// JSON returns a handler that answers with status and body as
// application/json.
func JSON(status int, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

// NewServer starts an httptest server for h, closed when tb ends.
func NewServer(tb testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// Harness plugs an adapter into carrierstest.RunConformanceTests: a
// carrierstest.HTTPHarness whose carriers are made by Make.
type Harness struct {
	// Known and Unknown are the harness's known and unknown numbers.
	Known, Unknown string
	// Make returns the carrier under test talking to a local server that
	// answers its tracking requests with track, or, when track is nil,
	// from the adapter's fixtures (a tracking for Known, not found for
	// anything else). The server must answer anything else the adapter
	// needs (a token endpoint) itself, and the adapter should be set up
	// with short retry waits.
	Make func(t *testing.T, track http.Handler) (carriers.Carrier, error)
}

// KnownNumber returns h.Known.
func (h Harness) KnownNumber() string { return h.Known }

// UnknownNumber returns h.Unknown.
func (h Harness) UnknownNumber() string { return h.Unknown }

// MakeCarrier returns a carrier answered from the fixtures.
func (h Harness) MakeCarrier(_ context.Context, t *testing.T) (carriers.Carrier, error) {
	return h.Make(t, nil)
}

// MakeCarrierWithHandler returns a carrier whose tracking endpoint is track.
func (h Harness) MakeCarrierWithHandler(_ context.Context, t *testing.T, track http.Handler) (carriers.Carrier, error) {
	return h.Make(t, track)
}

// Clock is a settable clock for an adapter's Now (token expiry). It is safe
// for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that reads t until moved.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
