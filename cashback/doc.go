// Package cashback is an append-only ledger of store credit ("cashback") in
// exact decimal money, idempotent by key, over a Store the host implements.
//
// # Accounts and entries
//
// An Account is one customer's credit in one currency. Its ledger is a
// sequence of immutable entries numbered 1, 2, 3, ... (Entry.Seq):
//
//   - issue: credit added, with a reason, a source (order and delay IDs), an
//     AvailableAt time before which it is pending and an optional ExpiresAt.
//     An issue may instead be held (IssueRequest.Held): pending with no
//     availability time known yet, for example until the delayed order is
//     delivered. Each issue is a "lot" that later entries draw from.
//   - release: a held issue made available, at once or from a later time
//     (Ledger.Release, at delivery or N days after). It moves no money.
//   - redeem: credit spent on an order. Its Allocations name the lots it came
//     from.
//   - expire: what was left of a lot at its expiry, written off.
//   - reverse_issue: an issue taken back (only what is left of it).
//   - reverse_redeem: a redemption undone; its credit returns to its lots.
//
// Nothing is ever updated or deleted; corrections are new entries. A held
// credit whose order never arrives is cancelled by reversing its issue.
//
// # Money
//
// Amounts are shopspring/decimal values in an ISO 4217 currency (Money,
// ParseMoney, MinorUnits: USD 2 decimals, JPY 0, KWD 3, CLF 4; 170 codes).
// The module's one money rule applies (internal/iso4217, shared with
// accommodation): an amount must be exact in its currency's minor units
// and at most MaxMinorUnits (10^15) minor units in magnitude (ErrTooLarge);
// withdrawn codes such as HRK stay readable and spendable, but new credit
// only goes to active codes (ErrWithdrawnCurrency).
// An amount with more decimals than its currency allows is rejected with
// ErrTooPrecise, never rounded; zero and negative amounts are ErrNotPositive;
// money in one currency used with an account in another is
// ErrCurrencyMismatch. Stored amounts always carry exactly the currency's
// decimal places.
//
// # Idempotency and retries
//
// Every write carries an idempotency key, scoped to the account. The Ledger
// stores a fingerprint of the request with the entry: the same key with the
// same request returns the entry first written (whatever the balance or
// clock say now); the same key with a different request is
// ErrIdempotencyConflict. A write that fails validation, or a redemption
// refused with ErrInsufficientFunds, writes nothing and leaves its key free.
// Expire needs no key from the caller: an expired lot has nothing left, so
// expiring twice writes nothing twice (its entries carry derived keys).
//
// Any other error from a write may come from a store that committed and then
// failed to say so; retrying with the same key is always safe and returns
// the entry if it was written.
//
// # Concurrency
//
// The Store contract is optimistic: Append succeeds only at the version the
// writer read. Two concurrent redemptions therefore cannot both spend the
// same credit: one append loses with ErrConflict, and the Ledger starts that
// write over (reads the account again, re-checks the funds) up to
// Options.MaxAttempts times. Hosts implement this in SQL with one
// transaction updating the account's summary row guarded by its version,
// inserting entries under a primary key on (customer, currency, seq) and a
// unique key on (customer, currency, key) for idempotency; see Store. Ledger
// and memstore are safe for concurrent use, and the Ledger is safe across
// processes sharing one store.
//
// # Balances
//
// Balance (and the pure BalanceOf) computes an account's position at any
// instant from the entries up to it: Available (spendable now), Pending (not
// yet available; Held is the part waiting for a release), Lapsed (past expiry, not yet written off by Expire),
// ExpiringSoon (the part of Available lapsing within Options.ExpiringSoon,
// 30 days by default), NextExpiry, LifetimeEarned (issued less reversed
// issues), Redeemed (less reversed redemptions), Expired and Reversed.
// Available + Pending + Lapsed always equals the sum of the entries' Delta,
// and none of them is ever negative.
//
// # Which credit is spent: FIFO by expiry
//
// A redemption consumes available lots soonest-expiring first; lots that
// never expire come last; ties go to the earliest available, then the
// earliest issued. The customer never loses credit to expiry that a
// different order would have saved.
//
// # Reversals
//
// Reversing an issue takes back what is left of it, pending, available or
// lapsed, and never more, so a reversal cannot drive the balance negative.
// If part of the credit was already spent (or expired), the request must set
// ReverseRequest.AllowPartial to take back the rest; otherwise it fails with
// ErrPartiallySpent and writes nothing. Credit already spent stays spent;
// reverse the redemption too to recover it. Reversing a redemption (an order
// cancelled or refunded) returns its credit to the lots it came from, with
// their original availability and expiry, so credit from a lot that has
// expired meanwhile returns lapsed. A redemption is reversed at most once;
// expiries and reversals are not reversible.
//
// # Time
//
// Writes take now, the caller's clock; the package reads no clock. Times are
// stored in UTC truncated to the microsecond (what SQL timestamps keep). An
// entry's time is now, or the account's last entry time if that is later, so
// an account's entries stay in time order even when hosts' clocks disagree
// slightly. AvailableAt in the past means at once; ExpiresAt must come after
// the credit becomes available.
//
// # Storage
//
// A Store keeps each account's entries and its Summary, the balance row:
// the running totals and the live lots, replaced in the same atomic Append
// as the entries. A write reads one key, one summary and appends, whatever
// the account's length; entries are read only for the history (Entries,
// an iterator, and EntriesPage, a page with a cursor to hand to a client),
// for balances at instants before the last entry, and by Check, which
// recomputes the summary from the entries and compares. Entries are read a
// page at a time (Store.Entries with an EntryPage: keyset pagination on the
// sequence number), so no read holds a long account's history in memory
// and a page costs the same anywhere in it. Package memstore
// is an in-memory Store; packages pgstore and sqlitestore keep it in
// PostgreSQL and SQLite. Package cashbacktest is the conformance suite a
// host runs against its own Store with one call, including concurrency,
// idempotency and hostile-text tests. Entries and summaries encode to JSON
// (snake_case fields, amounts as strings with the currency's decimals,
// RFC 3339 times) and decode with validation, for hosts that store them as
// documents; SummaryOf computes a summary from entries (imports,
// backfills). The Ledger validates every summary and entry it reads: data
// that breaks the ledger's rules (a sequence gap, an overdrawn lot, totals
// that disagree) is a *CorruptError and blocks writes to that account.
//
// # Errors and personal data
//
// Errors wrap exported sentinels (ErrInvalidRequest, ErrInvalidAmount,
// ErrInsufficientFunds, ErrIdempotencyConflict, ErrConflict, ...) for
// errors.Is, and typed errors (*FieldError, *AmountError,
// *InsufficientFundsError, *IdempotencyConflictError, *PartiallySpentError,
// *CorruptError) for errors.As. Messages name fields and sequence numbers,
// never customer IDs, order IDs, keys or reasons, which may hold personal
// data; debug logs (Options.Logger) follow the same rule. Errors a host's
// Store returns are wrapped as they are.
//
// # Performance
//
// Figures (ns/op and allocations of Issue, Redeem and Balance, with a
// store-only baseline measured in the same run) are in BENCHMARKS.md at the
// module root.
package cashback
