package adaptertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
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

// Harness plugs an adapter into carrierstest.RunConformanceTests (see
// Maker): its carriers are made by Make.
type Harness struct {
	// Known and Unknown are the harness's known and unknown numbers.
	Known, Unknown string
	// Make returns the carrier under test talking to a local server that
	// answers its tracking requests with track, or, when track is nil,
	// from the adapter's fixtures (a tracking for Known, not found for
	// anything else). The server must answer anything else the adapter
	// needs (a token endpoint) itself, and the adapter should be set up
	// with short retry waits. Servers are closed by t's cleanup.
	Make func(t *testing.T, track http.Handler) (carriers.Carrier, error)
}

// Maker returns the carrierstest.HarnessMaker of h: each check gets a
// carrierstest.HTTPHarness whose carriers Make builds for that check's t.
func (h Harness) Maker() carrierstest.HarnessMaker {
	return func(_ context.Context, t *testing.T) (carrierstest.Harness, error) {
		return &harness{h: h, t: t}, nil
	}
}

// harness is one check's carrierstest.HTTPHarness.
type harness struct {
	h Harness
	t *testing.T
}

func (x *harness) KnownNumber() string   { return x.h.Known }
func (x *harness) UnknownNumber() string { return x.h.Unknown }
func (x *harness) Close()                {}

func (x *harness) MakeCarrier(context.Context) (carriers.Carrier, error) {
	return x.h.Make(x.t, nil)
}

func (x *harness) MakeCarrierWithHandler(_ context.Context, track http.Handler) (carriers.Carrier, error) {
	return x.h.Make(x.t, track)
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
