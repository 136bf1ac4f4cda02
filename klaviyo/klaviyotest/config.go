package klaviyotest

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// API paths the fake serves.
const (
	PathEvents        = "/api/events"
	PathBulkEvents    = "/api/event-bulk-create-jobs"
	PathProfileImport = "/api/profile-import"
)

// Limit is one endpoint's rate limit: at most Burst requests per fixed
// BurstWindow and Steady per fixed SteadyWindow, as Klaviyo counts them.
type Limit struct {
	Burst        int
	BurstWindow  time.Duration
	Steady       int
	SteadyWindow time.Duration
}

// DefaultLimits returns Klaviyo's documented limits (spec 2026-07-15):
// events 350/s·3500/m, bulk events 10/s·150/m, profile import 75/s·750/m.
func DefaultLimits() map[string]Limit {
	return map[string]Limit{
		PathEvents:        {Burst: 350, BurstWindow: time.Second, Steady: 3500, SteadyWindow: time.Minute},
		PathBulkEvents:    {Burst: 10, BurstWindow: time.Second, Steady: 150, SteadyWindow: time.Minute},
		PathProfileImport: {Burst: 75, BurstWindow: time.Second, Steady: 750, SteadyWindow: time.Minute},
	}
}

// Fault is a failure the fake injects into one request.
type Fault int

// The faults.
const (
	// NoFault: answer normally.
	NoFault Fault = iota
	// FaultThrottle: 429 throttled with Retry-After Options.RetryAfter,
	// before processing.
	FaultThrottle
	// FaultServerError: 500 before processing.
	FaultServerError
	// FaultUnavailable: 503 before processing.
	FaultUnavailable
	// FaultReset: reset the connection before processing.
	FaultReset
	// FaultResetAfterAccept: process the request (events are recorded),
	// then reset the connection: the client sees an error for a request
	// that took effect.
	FaultResetAfterAccept
	// FaultServerErrorAfterAccept: process the request, then answer 500.
	FaultServerErrorAfterAccept
	// FaultSlow: wait Options.SlowDelay (or until the client gives up),
	// then answer normally.
	FaultSlow
)

var faultNames = [...]string{"none", "throttle", "server_error", "unavailable", "reset", "reset_after_accept", "server_error_after_accept", "slow"}

// String names the fault.
func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "fault(?)"
}

// RequestInfo is what a fault plan sees of a request.
type RequestInfo struct {
	// Seq numbers requests from 1 in arrival order.
	Seq int
	// Path is the request path.
	Path string
	// Body is the request body; do not modify it.
	Body []byte
}

// FaultRates are probabilities (0..1) of each fault per request.
type FaultRates struct {
	Throttle, ServerError, Unavailable, Reset, ResetAfterAccept, ServerErrorAfterAccept, Slow float64
}

// RandomFaults returns a fault plan drawing faults with the given rates from
// a generator seeded with seed (deterministic for a given arrival order).
func RandomFaults(seed uint64, r FaultRates) func(RequestInfo) Fault {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	table := []struct {
		p float64
		f Fault
	}{
		{r.Throttle, FaultThrottle}, {r.ServerError, FaultServerError}, {r.Unavailable, FaultUnavailable},
		{r.Reset, FaultReset}, {r.ResetAfterAccept, FaultResetAfterAccept},
		{r.ServerErrorAfterAccept, FaultServerErrorAfterAccept}, {r.Slow, FaultSlow},
	}
	return func(RequestInfo) Fault {
		mu.Lock()
		x := rng.Float64()
		mu.Unlock()
		for _, t := range table {
			if x < t.p {
				return t.f
			}
			x -= t.p
		}
		return NoFault
	}
}

// FaultSequence returns a plan injecting faults[i] into request i+1 and
// nothing afterwards.
func FaultSequence(faults ...Fault) func(RequestInfo) Fault {
	return func(r RequestInfo) Fault {
		if r.Seq-1 < len(faults) {
			return faults[r.Seq-1]
		}
		return NoFault
	}
}

// Options configures a Server. The zero value is a fake with Klaviyo's
// documented limits that accepts any well-formed private key.
type Options struct {
	// APIKey is the private key the fake accepts. Empty accepts any
	// non-empty key.
	APIKey string
	// Revision, when set, is the only revision header accepted; empty
	// accepts any well-formed revision (YYYY-MM-DD[.suffix]).
	Revision string
	// Limits replaces the limits of the listed paths (zero: DefaultLimits).
	Limits map[string]Limit
	// NoRateLimits turns limit enforcement off.
	NoRateLimits bool
	// Now is the fake's clock (zero: time.Now): rate windows, Retry-After
	// bookkeeping, received times and the event time range use it.
	Now func() time.Time
	// Faults decides the fault for each request (zero: none).
	Faults func(RequestInfo) Fault
	// RetryAfter is the Retry-After, in whole seconds, of injected 429s
	// (zero: 1).
	RetryAfter int
	// SlowDelay is how long FaultSlow waits (zero: 200ms).
	SlowDelay time.Duration
	// Validate, when set, is called for each request that passed the fake's
	// own checks; an error is answered with 400 invalid. Tests plug an
	// OpenAPI validator in here.
	Validate func(r *http.Request, body []byte) error
}
