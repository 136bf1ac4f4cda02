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
// expected version, atomic batches of entries and summary, the summary kept
// exactly and never changed by a refused append, key scoping and lookup,
// entries by seq, keyset pages of entries (after a sequence number, at most
// a limit, in order, stable while the account grows; the suite itself reads
// histories three entries a page), isolation of accounts and of returned
// slices, exactly one
// winner among concurrent appends, hostile text in every text field kept
// byte for byte), then runs a cashback.Ledger over the store: issue,
// redeem, reverse, expire, held credit and its release, balances,
// idempotent replays and conflicts, paged statements (EntriesPage cursors,
// the Entries iterator), and concurrency tests in which many
// goroutines write to one account with retries and must never overdraw,
// never apply a key twice, and leave a stored summary (balance row) equal
// to the one recomputed from the entries.
//
// Like gocloud.dev's drivertest, the suite is meant to be enough: a store
// that passes it needs no further tests of the core semantics.
package cashbacktest
