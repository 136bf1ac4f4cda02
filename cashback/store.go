package cashback

import "context"

// Store keeps accounts' entries and, per account, a Summary (the balance
// row) replaced in the same atomic write as the entries it follows. The host
// implements it over its database; package memstore implements it in
// memory; packages pgstore and sqlitestore over PostgreSQL and SQLite;
// package cashbacktest checks an implementation with one call. Application
// code uses *Ledger, which does all validation, balance arithmetic,
// idempotency and retrying: a Store only stores.
//
// A write costs one LookupKey, one Load (one row) and one Append, whatever
// the account's length: the Ledger never reads the entries to write.
//
// The contract is optimistic concurrency per account: the version of an
// account is the Seq of its last entry (0 when it has none, and then Load
// returns the zero Summary for the account), and Append succeeds only if the
// version is still the one the caller read. In SQL this is one transaction
// that updates the summary row guarded by its version (UPDATE ... WHERE
// version = expected; an INSERT that must not find a row when expected is
// 0) and inserts the entries with a primary key (account, seq) and a unique
// key (account, key): zero rows updated is ErrConflict, a unique violation
// on the key is ErrDuplicateKey.
//
// Implementations must be safe for concurrent use. The Ledger passes valid
// entries and summaries (Entry.Validate and Summary.Validate hold, Account
// matches, Seq runs on from the expected version, the summary's Version is
// the last entry's Seq); a store need not check them again.
type Store interface {
	// Load returns the account's summary as last appended, or the zero
	// Summary with Account set (Version 0) for an account never written,
	// which is not an error. It must not read the entries. The returned
	// value's slices belong to the caller.
	Load(ctx context.Context, acct Account) (Summary, error)

	// Append atomically adds entries to the account and replaces its
	// summary with next if, and only if, the account's version is expected.
	// entries[i].Seq is expected+1+i; next.Version is the last entry's Seq.
	//
	// If the version is not expected, Append writes nothing and returns an
	// error for which errors.Is(err, ErrConflict) is true. If any entry's Key
	// is already recorded in the account, it writes nothing and returns an
	// error matching ErrDuplicateKey (ErrConflict is also acceptable when
	// both apply). Either the entries and the summary are all stored or
	// nothing is. Append must not keep the entries slice nor next's slices.
	//
	// Retry-safety: if Append returns any other error the write may or may
	// not have taken effect (a lost commit acknowledgement); the Ledger's
	// idempotency keys make retrying such a write safe.
	Append(ctx context.Context, acct Account, expected int64, entries []Entry, next Summary) error

	// LookupKey returns the entry recorded under the idempotency key in the
	// account, or an error matching ErrNotFound. Keys are scoped to an
	// account: the same key in two accounts names two entries.
	LookupKey(ctx context.Context, acct Account, key string) (Entry, error)

	// Entry returns the account's entry with sequence number seq, or an
	// error matching ErrNotFound.
	Entry(ctx context.Context, acct Account, seq int64) (Entry, error)

	// Entries returns all entries of the account in Seq order, 1 to n with
	// no gaps, as they were appended: the account's history. An account
	// never written has none, which is not an error. The returned slice
	// belongs to the caller.
	Entries(ctx context.Context, acct Account) ([]Entry, error)
}
