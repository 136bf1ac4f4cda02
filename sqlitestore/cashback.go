package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/internal/iso4217"
)

// CashbackStore is the cashback.Store over SQLite: a balance row per
// account in cashback_accounts (the cashback.Summary as JSON, its version
// and running totals in minor units) and the entries in cashback_entries,
// amounts in integer minor units. Append is one BEGIN IMMEDIATE
// transaction. Get it from Store.Cashback.
type CashbackStore struct {
	s *Store
}

var _ cashback.Store = (*CashbackStore)(nil)

// Cashback returns the store's cashback.Store.
func (s *Store) Cashback() *CashbackStore { return &CashbackStore{s: s} }

// Load returns the account's summary (one row), or the zero summary.
func (c *CashbackStore) Load(ctx context.Context, acct cashback.Account) (cashback.Summary, error) {
	var doc string
	err := c.s.db.QueryRowContext(ctx, `SELECT summary FROM cashback_accounts WHERE customer_id = ? AND currency = ?`,
		acct.CustomerID, acct.Currency).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return cashback.Summary{Account: acct}, nil
	}
	if err != nil {
		return cashback.Summary{}, wrap("load summary", err)
	}
	var sum cashback.Summary
	if err := json.Unmarshal([]byte(doc), &sum); err != nil {
		return cashback.Summary{}, fmt.Errorf("sqlitestore: load summary: %w", err)
	}
	return sum, nil
}

type allocationRow struct {
	Lot    int64  `json:"lot"`
	Amount string `json:"amount"`
}

// minor converts an amount to minor units of currency, exactly.
func minor(d decimal.Decimal, currency string) (int64, error) {
	v, err := iso4217.ToMinor(d, currency)
	if err != nil {
		return 0, fmt.Errorf("sqlitestore: %w", err)
	}
	return v, nil
}

func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// Append adds the entries and replaces the balance row at version
// expected, in one transaction.
func (c *CashbackStore) Append(ctx context.Context, acct cashback.Account, expected int64, entries []cashback.Entry, next cashback.Summary) error {
	cur := acct.Currency
	doc, err := json.Marshal(next)
	if err != nil {
		return fmt.Errorf("sqlitestore: append: %w", err)
	}
	var totals [4]int64
	for i, d := range []decimal.Decimal{next.LifetimeEarned, next.Redeemed, next.Expired, next.Reversed} {
		if totals[i], err = minor(d, cur); err != nil {
			return err
		}
	}
	tx, err := c.s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE
	if err != nil {
		return wrap("append", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var res sql.Result
	if expected == 0 {
		res, err = tx.ExecContext(ctx, `INSERT INTO cashback_accounts (customer_id, currency, version, last_at,
			lifetime_earned, redeemed, expired, reversed, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (customer_id, currency) DO NOTHING`,
			acct.CustomerID, cur, next.Version, next.LastAt.UnixMicro(), totals[0], totals[1], totals[2], totals[3], string(doc))
	} else {
		res, err = tx.ExecContext(ctx, `UPDATE cashback_accounts SET version = ?, last_at = ?, lifetime_earned = ?,
			redeemed = ?, expired = ?, reversed = ?, summary = ? WHERE customer_id = ? AND currency = ? AND version = ?`,
			next.Version, next.LastAt.UnixMicro(), totals[0], totals[1], totals[2], totals[3], string(doc), acct.CustomerID, cur, expected)
	}
	if err != nil {
		return wrap("append", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return wrap("append", err)
		}
		return fmt.Errorf("sqlitestore: append: version is not %d: %w", expected, cashback.ErrConflict)
	}
	for _, e := range entries {
		amount, err := minor(e.Amount, cur)
		if err != nil {
			return err
		}
		allocs := make([]allocationRow, len(e.Allocations))
		for j, a := range e.Allocations {
			allocs[j] = allocationRow{Lot: a.Lot, Amount: a.Amount.String()}
		}
		ab, err := json.Marshal(allocs)
		if err != nil {
			return fmt.Errorf("sqlitestore: append: %w", err)
		}
		held := 0
		if e.Held {
			held = 1
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO cashback_entries (customer_id, currency, seq, kind, amount, at, key,
			fingerprint, reason, order_id, delay_id, held, available_at, expires_at, target, allocations)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			acct.CustomerID, cur, e.Seq, e.Kind.String(), amount, e.At.UnixMicro(), e.Key, e.Fingerprint, e.Reason,
			e.OrderID, e.DelayID, held, micros(e.AvailableAt), micros(e.ExpiresAt), e.Target, string(ab))
		if err != nil {
			if code, msg := sqliteCode(err); code == codeConstraint {
				if strings.Contains(msg, "cashback_entries.key") {
					return fmt.Errorf("sqlitestore: append: %w", cashback.ErrDuplicateKey)
				}
				return fmt.Errorf("sqlitestore: append: %w", cashback.ErrConflict)
			}
			return wrap("append", err)
		}
	}
	return wrap("append: commit", tx.Commit())
}

const selectEntry = `SELECT seq, kind, amount, at, key, fingerprint, reason, order_id, delay_id, held,
	available_at, expires_at, target, allocations FROM cashback_entries`

// selectEntriesPage is Entries' keyset read.
const selectEntriesPage = selectEntry + ` WHERE customer_id = ? AND currency = ? AND seq > ? ORDER BY seq LIMIT ?`

type scanner interface{ Scan(dest ...any) error }

// scanEntry reads one row of selectEntry.
func scanEntry(row scanner, acct cashback.Account) (cashback.Entry, error) {
	e := cashback.Entry{Account: acct}
	var kind, allocs string
	var amount, at int64
	var held int
	var avail, exp sql.NullInt64
	if err := row.Scan(&e.Seq, &kind, &amount, &at, &e.Key, &e.Fingerprint, &e.Reason, &e.OrderID, &e.DelayID,
		&held, &avail, &exp, &e.Target, &allocs); err != nil {
		return e, err
	}
	if err := e.Kind.UnmarshalText([]byte(kind)); err != nil {
		return e, &cashback.CorruptError{Seq: e.Seq, Path: "kind", Reason: "unknown kind in the database"}
	}
	places, ok := cashback.MinorUnits(acct.Currency)
	if !ok {
		return e, &cashback.CorruptError{Seq: e.Seq, Path: "currency", Reason: "unknown currency in the database"}
	}
	e.Amount = decimal.New(amount, -places)
	e.At = time.UnixMicro(at).UTC()
	e.Held = held != 0
	e.AvailableAt, e.ExpiresAt = fromMicros(avail), fromMicros(exp)
	var rows []allocationRow
	if err := json.Unmarshal([]byte(allocs), &rows); err != nil {
		return e, &cashback.CorruptError{Seq: e.Seq, Path: "allocations", Reason: "not a JSON array of allocations", Err: err}
	}
	for i, a := range rows {
		d, err := decimal.NewFromString(a.Amount)
		if err != nil {
			return e, &cashback.CorruptError{Seq: e.Seq, Path: fmt.Sprintf("allocations[%d].amount", i), Reason: "not a decimal", Err: err}
		}
		if d.Round(places).Equal(d) {
			d = d.Round(places)
		}
		e.Allocations = append(e.Allocations, cashback.Allocation{Lot: a.Lot, Amount: d})
	}
	return e, nil
}

// LookupKey returns the entry recorded under key.
func (c *CashbackStore) LookupKey(ctx context.Context, acct cashback.Account, key string) (cashback.Entry, error) {
	row := c.s.db.QueryRowContext(ctx, selectEntry+` WHERE customer_id = ? AND currency = ? AND key = ?`, acct.CustomerID, acct.Currency, key)
	e, err := scanEntry(row, acct)
	if errors.Is(err, sql.ErrNoRows) {
		return cashback.Entry{}, fmt.Errorf("sqlitestore: key: %w", cashback.ErrNotFound)
	}
	if err != nil {
		return cashback.Entry{}, wrap("look up key", err)
	}
	return e, nil
}

// Entry returns the entry with sequence number seq.
func (c *CashbackStore) Entry(ctx context.Context, acct cashback.Account, seq int64) (cashback.Entry, error) {
	row := c.s.db.QueryRowContext(ctx, selectEntry+` WHERE customer_id = ? AND currency = ? AND seq = ?`, acct.CustomerID, acct.Currency, seq)
	e, err := scanEntry(row, acct)
	if errors.Is(err, sql.ErrNoRows) {
		return cashback.Entry{}, fmt.Errorf("sqlitestore: entry %d: %w", seq, cashback.ErrNotFound)
	}
	if err != nil {
		return cashback.Entry{}, wrap("read entry", err)
	}
	return e, nil
}

// Entries returns a page of the account's entries in Seq order: those after
// page.After, at most page.Limit (DefaultPageLimit when 0; negative is a
// *cashback.FieldError). The primary key (customer_id, currency,
// seq) serves the keyset read (a SEARCH of its index from After, see
// TestEntriesPageUsesPrimaryKey), whatever the account's length.
func (c *CashbackStore) Entries(ctx context.Context, acct cashback.Account, page cashback.EntryPage) ([]cashback.Entry, error) {
	limit, err := page.EffectiveLimit()
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: entries: %w", err)
	}
	rows, err := c.s.db.QueryContext(ctx, selectEntriesPage, acct.CustomerID, acct.Currency, page.After, limit)
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
