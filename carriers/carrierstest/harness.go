// Package carrierstest is the conformance suite for carriers.Carrier
// implementations. An adapter, ours or a third party's, runs it from one of
// its own tests:
//
//	func TestConformance(t *testing.T) {
//		carrierstest.RunConformanceTests(t, myHarness{})
//	}
//
// The suite checks the contract documented on carriers.Carrier: a known
// number yields a Tracking with events newest first, times set and a status
// consistent with the newest event; an unknown number yields an error
// matching carriers.ErrNotFound; a cancelled context is honoured; and, for
// adapters that talk HTTP (HTTPHarness), garbage, truncated, huge and
// wrongly-typed bodies and error statuses map to typed errors without a
// panic, and a request that hangs is abandoned when the context ends.
package carrierstest

import (
	"context"
	"net/http"
	"testing"

	"github.com/postpurchase/postpurchase/carriers"
)

// Harness connects the suite to the carrier under test.
type Harness interface {
	// MakeCarrier returns the carrier under test, wired to whatever backend
	// the harness set up (a local httptest server serving recorded bodies,
	// a simulator...). It is called once per subtest; use t.Cleanup to
	// release resources.
	MakeCarrier(ctx context.Context, t *testing.T) (carriers.Carrier, error)
	// KnownNumber is a number for which the carrier returns a Tracking with
	// at least one event.
	KnownNumber() string
	// UnknownNumber is a well-formed number for which the carrier answers
	// "not found".
	UnknownNumber() string
}

// HTTPHarness is implemented by harnesses of adapters that talk HTTP. The
// suite then serves its own answers to the adapter's tracking requests to
// check error mapping and robustness.
type HTTPHarness interface {
	Harness
	// MakeCarrierWithHandler returns the carrier under test with its
	// tracking endpoint served by h. The harness answers anything else the
	// adapter needs (an OAuth token endpoint) itself, and should configure
	// the adapter with short retry waits so the suite stays fast.
	MakeCarrierWithHandler(ctx context.Context, t *testing.T, h http.Handler) (carriers.Carrier, error)
}
