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

	// Entries returns a page of the account's history: its entries with
	// Seq greater than page.After, in Seq order, at most page.Limit of them
	// (the Ledger passes 1 <= Limit <= MaxPageLimit+1 and After >= 0; a
	// Limit of 0 means DefaultPageLimit and a negative one is a *FieldError,
	// as EntryPage.EffectiveLimit says, for hosts that call the store
	// directly; no upper bound is enforced). Fewer
	// than Limit means the history ends there; an account never written, or
	// After at or past its last entry, gives none, which is not an error.
	// Entries run on from After+1 with no gaps, as they were appended. The
	// returned slice belongs to the caller.
	//
	// This is keyset pagination on (account, seq): in SQL, WHERE account =
	// ... AND seq > After ORDER BY seq LIMIT Limit, served by the primary
	// key (account, seq) without an extra index; the cost of a page does
	// not grow with After.
	Entries(ctx context.Context, acct Account, page EntryPage) ([]Entry, error)
}

// Page sizes for Ledger.EntriesPage and the Ledger's own reads.
const (
	// DefaultPageLimit is the page size of an EntryPage whose Limit is 0.
	DefaultPageLimit = 100
	// MaxPageLimit is the largest EntryPage.Limit Ledger.EntriesPage
	// accepts. The Ledger's own walks through an account (Entries, Check,
	// a past Balance) read pages of this size.
	MaxPageLimit = 1000
)

// EntryPage asks for a page of an account's entries: keyset pagination on
// the entry's sequence number, so a page costs the same at the start of a
// long history and at its end, and entries appended meanwhile neither
// shift nor repeat the pages.
type EntryPage struct {
	// After is the Seq of the last entry already read (the next cursor
	// the previous page returned); 0 for the first page.
	After int64
	// Limit is the most entries the page holds: 1 to MaxPageLimit, or 0
	// for DefaultPageLimit. Negative is an error (a *FieldError at
	// "page.limit"), for Ledger.EntriesPage and every Store.
	Limit int
}

// EffectiveLimit returns the number of entries the page asks for: Limit,
// or DefaultPageLimit when Limit is 0. A negative Limit is a *FieldError
// at "page.limit" (ErrInvalidRequest). It puts no upper bound on Limit
// (Ledger.EntriesPage rejects more than MaxPageLimit; the Ledger asks a
// Store for one more). Store implementations call it in Entries.
func (p EntryPage) EffectiveLimit() (int, error) {
	switch {
	case p.Limit == 0:
		return DefaultPageLimit, nil
	case p.Limit < 0:
		return 0, &FieldError{Path: "page.limit", Reason: "negative"}
	}
	return p.Limit, nil
}
