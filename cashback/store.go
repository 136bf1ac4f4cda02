package cashback

import "context"

// Store keeps accounts' entries. The host implements it over its database;
// package memstore implements it in memory; package cashbacktest checks an
// implementation with one call. Application code uses *Ledger, which does
// all validation, balance arithmetic, idempotency and retrying: a Store only
// stores.
//
// The contract is optimistic concurrency per account: the version of an
// account is the Seq of its last entry (0 when it has none), and Append
// succeeds only if the version is still the one the caller read. In SQL this
// is one transaction inserting rows with a primary key (customer, currency,
// seq) and a unique key (customer, currency, key): a concurrent writer's rows
// collide on the primary key, which the store reports as ErrConflict.
//
// Implementations must be safe for concurrent use. The Ledger passes valid
// entries (Entry.Validate holds, Account matches, Seq runs on from the
// expected version); a store need not check them again.
type Store interface {
	// Load returns all entries of the account in Seq order, 1 to n with no
	// gaps, as they were appended. An account never written has no entries
	// and is not an error. The returned slice belongs to the caller: the
	// store must not keep or reuse it, and changing it must not change what
	// the store holds.
	Load(ctx context.Context, acct Account) ([]Entry, error)

	// Append atomically adds entries to the account if, and only if, the
	// account's version is expected. entries[i].Seq is expected+1+i.
	//
	// If the version is not expected, Append writes nothing and returns an
	// error for which errors.Is(err, ErrConflict) is true. If any entry's Key
	// is already recorded in the account, it writes nothing and returns an
	// error matching ErrDuplicateKey (ErrConflict is also acceptable when
	// both apply). Either all entries are stored or none is. Append must not
	// keep the entries slice.
	//
	// Retry-safety: if Append returns any other error the write may or may
	// not have taken effect (a lost commit acknowledgement); the Ledger's
	// idempotency keys make retrying such a write safe.
	Append(ctx context.Context, acct Account, expected int64, entries []Entry) error

	// LookupKey returns the entry recorded under the idempotency key in the
	// account, or an error matching ErrNotFound. Keys are scoped to an
	// account: the same key in two accounts names two entries.
	LookupKey(ctx context.Context, acct Account, key string) (Entry, error)
}
