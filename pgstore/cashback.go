package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/cashback"
)

// CashbackStore is the cashback.Store over PostgreSQL: a balance row per
// account in cashback_accounts (the cashback.Summary as jsonb, its version
// and running totals as columns) and the entries in cashback_entries.
// Append is one statement, the balance row's guarded update (or insert, for
// a new account) and the entries' insert in one data-modifying WITH, so it
// is atomic and takes one round trip. Get it from Store.Cashback.
type CashbackStore struct {
	s *Store
}

var _ cashback.Store = (*CashbackStore)(nil)

// Cashback returns the store's cashback.Store.
func (s *Store) Cashback() *CashbackStore { return &CashbackStore{s: s} }

// Load returns the account's summary (one row), or the zero summary.
func (c *CashbackStore) Load(ctx context.Context, acct cashback.Account) (cashback.Summary, error) {
	var doc []byte
	err := c.s.pool.QueryRow(ctx, `SELECT summary::text FROM cashback_accounts WHERE customer_id = $1 AND currency = $2`,
		acct.CustomerID, acct.Currency).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return cashback.Summary{Account: acct}, nil
	}
	if err != nil {
		return cashback.Summary{}, wrap("load summary", err)
	}
	var sum cashback.Summary
	if err := json.Unmarshal(doc, &sum); err != nil {
		return cashback.Summary{}, fmt.Errorf("pgstore: load summary: %w", err)
	}
	return sum, nil
}

// entryRow is an entry as the Append statement's jsonb_to_recordset reads
// it: times in RFC 3339 (null when zero), amounts as decimal text.
type entryRow struct {
	Seq         int64           `json:"seq"`
	Kind        string          `json:"kind"`
	Amount      string          `json:"amount"`
	At          time.Time       `json:"at"`
	Key         string          `json:"key"`
	Fingerprint string          `json:"fingerprint"`
	Reason      string          `json:"reason"`
	OrderID     string          `json:"order_id"`
	DelayID     string          `json:"delay_id"`
	Held        bool            `json:"held"`
	AvailableAt *time.Time      `json:"available_at"`
	ExpiresAt   *time.Time      `json:"expires_at"`
	Target      int64           `json:"target"`
	Allocations json.RawMessage `json:"allocations"`
}

type allocationRow struct {
	Lot    int64  `json:"lot"`
	Amount string `json:"amount"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// appendSQL appends in one statement: acct updates (or, at version 0,
// inserts) the balance row only at the expected version; ins inserts the
// entries only if acct wrote a row. It returns how many rows each wrote.
const appendSQL = `
WITH acct AS (%s),
ins AS (
	INSERT INTO cashback_entries (customer_id, currency, seq, kind, amount, at, key, fingerprint, reason,
		order_id, delay_id, held, available_at, expires_at, target, allocations)
	SELECT $1, $2, e.seq, e.kind, e.amount, e.at, e.key, e.fingerprint, e.reason,
		e.order_id, e.delay_id, e.held, e.available_at, e.expires_at, e.target, e.allocations
	FROM jsonb_to_recordset($3::jsonb) AS e(seq bigint, kind text, amount numeric, at timestamptz, key text,
		fingerprint text, reason text, order_id text, delay_id text, held boolean, available_at timestamptz,
		expires_at timestamptz, target bigint, allocations jsonb)
	WHERE EXISTS (SELECT 1 FROM acct)
	RETURNING 1
)
SELECT (SELECT count(*) FROM acct), (SELECT count(*) FROM ins)`

const updateAccountSQL = `
	UPDATE cashback_accounts SET version = $5, last_at = $6, lifetime_earned = $7, redeemed = $8,
		expired = $9, reversed = $10, summary = $11::jsonb
	WHERE customer_id = $1 AND currency = $2 AND version = $4
	RETURNING 1`

const insertAccountSQL = `
	INSERT INTO cashback_accounts (customer_id, currency, version, last_at, lifetime_earned, redeemed, expired, reversed, summary)
	SELECT $1, $2, $5, $6, $7, $8, $9, $10, $11::jsonb WHERE $4::bigint = 0
	ON CONFLICT (customer_id, currency) DO NOTHING
	RETURNING 1`

var (
	appendUpdate = fmt.Sprintf(appendSQL, updateAccountSQL)
	appendInsert = fmt.Sprintf(appendSQL, insertAccountSQL)
)

// Append adds the entries and replaces the balance row at version
// expected, atomically, in one statement.
func (c *CashbackStore) Append(ctx context.Context, acct cashback.Account, expected int64, entries []cashback.Entry, next cashback.Summary) error {
	rows := make([]entryRow, len(entries))
	for i, e := range entries {
		allocs := make([]allocationRow, len(e.Allocations))
		for j, a := range e.Allocations {
			allocs[j] = allocationRow{Lot: a.Lot, Amount: a.Amount.String()}
		}
		ab, err := json.Marshal(allocs)
		if err != nil {
			return fmt.Errorf("pgstore: append: %w", err)
		}
		rows[i] = entryRow{
			Seq: e.Seq, Kind: e.Kind.String(), Amount: e.Amount.String(), At: e.At, Key: e.Key,
			Fingerprint: e.Fingerprint, Reason: e.Reason, OrderID: e.OrderID, DelayID: e.DelayID, Held: e.Held,
			AvailableAt: timePtr(e.AvailableAt), ExpiresAt: timePtr(e.ExpiresAt), Target: e.Target, Allocations: ab,
		}
	}
	entriesDoc, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("pgstore: append: %w", err)
	}
	sumDoc, err := json.Marshal(next)
	if err != nil {
		return fmt.Errorf("pgstore: append: %w", err)
	}
	q := appendUpdate
	if expected == 0 {
		q = appendInsert
	}
	var accounts, inserted int64
	err = c.s.pool.QueryRow(ctx, q, acct.CustomerID, acct.Currency, entriesDoc, expected, next.Version, next.LastAt,
		next.LifetimeEarned.String(), next.Redeemed.String(), next.Expired.String(), next.Reversed.String(), sumDoc,
	).Scan(&accounts, &inserted)
	if err != nil {
		switch code, constraint := sqlState(err); {
		case code == "23505" && constraint == "cashback_entries_key":
			return fmt.Errorf("pgstore: append: %w", cashback.ErrDuplicateKey)
		case code == "23505", code == "40001", code == "40P01":
			// A concurrent writer's entry took the seq, or the server
			// asked to retry.
			return fmt.Errorf("pgstore: append: %w", cashback.ErrConflict)
		}
		return wrap("append", err)
	}
	if accounts == 0 {
		return fmt.Errorf("pgstore: append: version is not %d: %w", expected, cashback.ErrConflict)
	}
	if inserted != int64(len(entries)) {
		return fmt.Errorf("pgstore: append: inserted %d of %d entries", inserted, len(entries)) // cannot happen: the statement is atomic
	}
	return nil
}

const selectEntry = `SELECT seq, kind, amount::text, at, key, fingerprint, reason, order_id, delay_id, held,
	available_at, expires_at, target, allocations::text FROM cashback_entries`

// scanEntry reads one row of selectEntry.
func scanEntry(row pgx.Row, acct cashback.Account) (cashback.Entry, error) {
	e := cashback.Entry{Account: acct}
	var kind, amount string
	var avail, exp *time.Time
	var allocs []byte
	if err := row.Scan(&e.Seq, &kind, &amount, &e.At, &e.Key, &e.Fingerprint, &e.Reason, &e.OrderID, &e.DelayID,
		&e.Held, &avail, &exp, &e.Target, &allocs); err != nil {
		return e, err
	}
	if err := e.Kind.UnmarshalText([]byte(kind)); err != nil {
		return e, &cashback.CorruptError{Seq: e.Seq, Path: "kind", Reason: "unknown kind in the database"}
	}
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return e, &cashback.CorruptError{Seq: e.Seq, Path: "amount", Reason: "not a decimal", Err: err}
	}
	e.Amount = canonical(d, acct.Currency)
	e.At = e.At.UTC()
	if avail != nil {
		e.AvailableAt = avail.UTC()
	}
	if exp != nil {
		e.ExpiresAt = exp.UTC()
	}
	var rows []allocationRow
	if err := json.Unmarshal(allocs, &rows); err != nil {
		return e, &cashback.CorruptError{Seq: e.Seq, Path: "allocations", Reason: "not a JSON array of allocations", Err: err}
	}
	for i, a := range rows {
		d, err := decimal.NewFromString(a.Amount)
		if err != nil {
			return e, &cashback.CorruptError{Seq: e.Seq, Path: fmt.Sprintf("allocations[%d].amount", i), Reason: "not a decimal", Err: err}
		}
		e.Allocations = append(e.Allocations, cashback.Allocation{Lot: a.Lot, Amount: canonical(d, acct.Currency)})
	}
	return e, nil
}

// canonical gives d the currency's decimal places when that is exact (what
// the ledger wrote), leaving anything else for the ledger to refuse.
func canonical(d decimal.Decimal, currency string) decimal.Decimal {
	if minor, ok := cashback.MinorUnits(currency); ok && d.Round(minor).Equal(d) {
		return d.Round(minor)
	}
	return d
}

// LookupKey returns the entry recorded under key.
func (c *CashbackStore) LookupKey(ctx context.Context, acct cashback.Account, key string) (cashback.Entry, error) {
	row := c.s.pool.QueryRow(ctx, selectEntry+` WHERE customer_id = $1 AND currency = $2 AND key = $3`, acct.CustomerID, acct.Currency, key)
	e, err := scanEntry(row, acct)
	if errors.Is(err, pgx.ErrNoRows) {
		return cashback.Entry{}, fmt.Errorf("pgstore: key: %w", cashback.ErrNotFound)
	}
	if err != nil {
		return cashback.Entry{}, wrap("look up key", err)
	}
	return e, nil
}

// Entry returns the entry with sequence number seq.
func (c *CashbackStore) Entry(ctx context.Context, acct cashback.Account, seq int64) (cashback.Entry, error) {
	row := c.s.pool.QueryRow(ctx, selectEntry+` WHERE customer_id = $1 AND currency = $2 AND seq = $3`, acct.CustomerID, acct.Currency, seq)
	e, err := scanEntry(row, acct)
	if errors.Is(err, pgx.ErrNoRows) {
		return cashback.Entry{}, fmt.Errorf("pgstore: entry %d: %w", seq, cashback.ErrNotFound)
	}
	if err != nil {
		return cashback.Entry{}, wrap("read entry", err)
	}
	return e, nil
}

// selectEntriesPage is Entries' keyset read.
const selectEntriesPage = selectEntry + ` WHERE customer_id = $1 AND currency = $2 AND seq > $3 ORDER BY seq LIMIT $4`

// Entries returns a page of the account's entries in Seq order: those after
// page.After, at most page.Limit (DefaultPageLimit when 0; negative is a
// *cashback.FieldError). The primary key (customer_id, currency,
// seq) serves the keyset read: an index range scan from After with no sort,
// whatever the account's length (see TestEntriesPageUsesPrimaryKey).
func (c *CashbackStore) Entries(ctx context.Context, acct cashback.Account, page cashback.EntryPage) ([]cashback.Entry, error) {
	limit, err := page.EffectiveLimit()
	if err != nil {
		return nil, fmt.Errorf("pgstore: entries: %w", err)
	}
	rows, err := c.s.pool.Query(ctx, selectEntriesPage, acct.CustomerID, acct.Currency, page.After, limit)
	if err != nil {
		return nil, wrap("read entries", err)
	}
	defer rows.Close()
	out := make([]cashback.Entry, 0, min(limit, 64))
	for rows.Next() {
		e, err := scanEntry(rows, acct)
		if err != nil {
			return nil, wrap("read entries", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("read entries", err)
	}
	return out, nil
}
