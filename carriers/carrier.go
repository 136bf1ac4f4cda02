package carriers

import "context"

// Carrier is the contract every carrier adapter implements: ours in the
// sub-packages ups, fedex, usps and dhl, the simulator, and any third
// party's. It is deliberately small; what only some carriers can do is
// offered through the optional interfaces BatchTracker and WebhookParser,
// which callers discover with a type assertion.
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
	// TrackingNumber is the number as it was passed to TrackBatch.
	TrackingNumber string
	// Tracking is what the carrier knows, nil when Err is set.
	Tracking *Tracking
	// Err is why this number could not be tracked.
	Err error
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

// NormalizeNumber returns a tracking number in the form used to compare
// numbers: upper case, without spaces or dashes. It does not check
// the number (see Detect). It does not allocate when n is already in that
// form.
func NormalizeNumber(n string) string {
	clean := true
	for i := 0; i < len(n); i++ {
		if c := n[i]; c == ' ' || c == '-' || ('a' <= c && c <= 'z') {
			clean = false
			break
		}
	}
	if clean {
		return n
	}
	b := make([]byte, 0, len(n))
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch {
		case c == ' ' || c == '-':
		case 'a' <= c && c <= 'z':
			b = append(b, c-'a'+'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}
