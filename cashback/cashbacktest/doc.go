// Package cashbacktest is a conformance suite for cashback.Store
// implementations. A host that keeps its ledger in its own database runs it
// in one test:
//
//	func TestConformance(t *testing.T) {
//		cashbacktest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (cashbacktest.Harness, error) {
//			return &harness{db: openTestDB(t)}, nil
//		})
//	}
//
// The suite checks the Store contract directly (optimistic append at an
// expected version, atomic batches, key scoping and lookup, isolation of
// accounts and of returned slices, exactly one winner among concurrent
// appends), then runs a cashback.Ledger over the store: issue, redeem,
// reverse, expire, balances, idempotent replays and conflicts, and a
// concurrency test in which many goroutines issue and redeem against one
// account with retries and must never overdraw, never apply a key twice, and
// leave a balance equal to the sum of the entries.
//
// Like gocloud.dev's drivertest, the suite is meant to be enough: a store
// that passes it needs no further tests of the core semantics.
package cashbacktest
