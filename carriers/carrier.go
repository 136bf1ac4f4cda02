package carriers

import (
	"context"
	"slices"
	"sync"
)

// Carrier is the contract every carrier adapter implements: ours in the
// sub-packages ups, fedex, usps and dhl, the simulator, and any third
// party's. It is deliberately small; what only some carriers can do is
// offered through the optional interfaces BatchTracker, WebhookParser and
// Subscriber, which callers discover with a type assertion.
//
// Implementations must be safe for concurrent use. Run
// carrierstest.RunConformanceTests against a new adapter.
type Carrier interface {
	// Code is the carrier's short, stable, lower-case identifier ("ups"),
	// the same string Detect reports in Match.Carrier.
	Code() string
	// Track returns what the carrier knows about one tracking number.
	//
	// It returns an error wrapping ErrNotFound when the carrier does not
	// know the number, ErrInvalidNumber when the number cannot be one of
	// this carrier's, ErrUnauthorized, ErrRateLimited or ErrUnavailable
	// for those failures, ErrMalformedResponse for an unreadable answer,
	// and the context's error when ctx ends first. Track has no side
	// effects at the carrier and is always safe to retry.
	Track(ctx context.Context, number string) (*Tracking, error)
}

// BatchTracker is implemented by carriers that track several numbers in one
// request (FedEx takes up to 30).
type BatchTracker interface {
	Carrier
	// MaxBatch is the largest number of tracking numbers one TrackBatch
	// call accepts.
	MaxBatch() int
	// TrackBatch tracks up to MaxBatch numbers. The results are in the
	// order of numbers, one per number; a number the carrier does not
	// know has a result whose Err wraps ErrNotFound. The returned error is
	// for failures of the whole request (auth, outage, cancellation).
	TrackBatch(ctx context.Context, numbers []string) ([]TrackResult, error)
}

// TrackResult is the outcome for one number of a TrackBatch call: exactly
// one of Tracking and Err is set.
type TrackResult struct {
	Number   string
	Tracking *Tracking
	Err      error
}

// WebhookParser is implemented by carriers that push tracking updates to a
// URL of the host's (UPS Track Alert, FedEx, USPS and DHL push). The host
// authenticates the request (each adapter documents how) and hands the raw
// body to ParseWebhook.
type WebhookParser interface {
	Carrier
	// ParseWebhook turns one pushed payload into the trackings it
	// describes. A push often carries only the newest event, so a result
	// may hold a single event and no history. Malformed payloads return an
	// error wrapping ErrMalformedResponse; it never panics.
	ParseWebhook(body []byte) ([]Tracking, error)
}

// Subscriber is implemented by carriers whose pushes must be subscribed to
// per tracking number.
type Subscriber interface {
	Carrier
	// Subscribe asks the carrier to push updates for numbers to the
	// host's endpoint configured on the adapter. Subscribing again to a
	// number already subscribed is not an error.
	Subscribe(ctx context.Context, numbers []string) error
}

// The registry is optional: hosts are encouraged to pass carriers to the
// code that needs them (injection). It exists for hosts that configure
// carriers in one place and look them up by code elsewhere, as database/sql
// does with drivers.
var (
	registryMu sync.RWMutex
	registry   = map[string]Carrier{}
)

// Register makes a carrier available by name to Lookup. It panics if c is
// nil, name is empty, or name is already registered: these are programming
// errors, found at start-up.
func Register(name string, c Carrier) {
	if c == nil {
		panic("carriers: Register carrier is nil")
	}
	if name == "" {
		panic("carriers: Register name is empty")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("carriers: Register called twice for " + name)
	}
	registry[name] = c
}

// Lookup returns the carrier registered under name.
func Lookup(name string) (Carrier, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	c, ok := registry[name]
	return c, ok
}

// Names returns the registered names, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
