// Package carrierstest is the conformance suite for carriers.Carrier
// implementations, in the shape of gocloud.dev's drivertest: an adapter,
// ours or a third party's, runs it from one of its own tests with a
// HarnessMaker, called once per check:
//
//	func TestConformance(t *testing.T) {
//		carrierstest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (carrierstest.Harness, error) {
//			return newMyHarness(t) // starts a local server, say
//		})
//	}
//
// The suite checks the contract documented on carriers.Carrier: a known
// number yields a Tracking with events newest first, times set (and
// storable: see carriers.CheckTime), a status consistent with the newest
// event, and a Raw escape hatch that is the carrier's own JSON for that
// package; an unknown number yields an error matching carriers.ErrNotFound;
// a cancelled context is honoured; and, for adapters that talk HTTP
// (HTTPHarness), garbage, truncated, huge and wrongly-typed bodies and error
// statuses map to typed errors without a panic, and a request that hangs is
// abandoned when the context ends.
package carrierstest

import (
	"context"
	"net/http"
	"testing"

	"github.com/postpurchase/postpurchase/carriers"
)

// Harness connects the suite to the carrier under test for one check.
type Harness interface {
	// MakeCarrier returns the carrier under test, wired to whatever backend
	// the harness set up (a local httptest server serving recorded bodies,
	// a simulator...).
	MakeCarrier(ctx context.Context) (carriers.Carrier, error)
	// KnownNumber is a number for which the carrier returns a Tracking with
	// at least one event.
	KnownNumber() string
	// UnknownNumber is a well-formed number for which the carrier answers
	// "not found".
	UnknownNumber() string
	// Close releases what the harness holds. The suite calls it once, at
	// the end of each check.
	Close()
}

// HarnessMaker makes a Harness for one check; t is that check's.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// HTTPHarness is implemented by harnesses of adapters that talk HTTP. The
// suite then serves its own answers to the adapter's tracking requests to
// check error mapping and robustness.
type HTTPHarness interface {
	Harness
	// MakeCarrierWithHandler returns the carrier under test with its
	// tracking endpoint served by h. The harness answers anything else the
	// adapter needs (an OAuth token endpoint) itself, and should configure
	// the adapter with short retry waits so the suite stays fast.
	MakeCarrierWithHandler(ctx context.Context, h http.Handler) (carriers.Carrier, error)
}
