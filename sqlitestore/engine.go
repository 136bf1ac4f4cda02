package sqlitestore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/internal/iso4217"
)

var _ postpurchase.Store = (*Store)(nil)

func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// LoadOrder implements postpurchase.Store.
func (s *Store) LoadOrder(ctx context.Context, orderID string) (*postpurchase.OrderRecord, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, `SELECT record FROM orders WHERE order_id = ?`, orderID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlitestore: order %s: %w", iso4217.Clip(orderID), postpurchase.ErrNotFound)
	}
	if err != nil {
		return nil, wrap("load order", err)
	}
	var rec postpurchase.OrderRecord
	if err := json.Unmarshal([]byte(doc), &rec); err != nil {
		return nil, fmt.Errorf("sqlitestore: load order: stored record: %w", err)
	}
	return &rec, nil
}

// FindShipment implements postpurchase.Store.
func (s *Store) FindShipment(ctx context.Context, carrier, trackingNumber string) (postpurchase.ShipmentRef, error) {
	var ref postpurchase.ShipmentRef
	err := s.db.QueryRowContext(ctx, `SELECT order_id, shipment_id FROM shipments WHERE carrier = ? AND tracking_number = ?
		ORDER BY touched DESC LIMIT 1`, carrier, trackingNumber).Scan(&ref.OrderID, &ref.ShipmentID)
	if errors.Is(err, sql.ErrNoRows) {
		return ref, fmt.Errorf("sqlitestore: %s tracking number %s: %w", iso4217.Clip(carrier), iso4217.Clip(trackingNumber), postpurchase.ErrNotFound)
	}
	if err != nil {
		return ref, wrap("find shipment", err)
	}
	return ref, nil
}

// Due implements postpurchase.Store: a scan of the shipments_due index.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]postpurchase.ShipmentRef, error) {
	if limit < 0 {
		limit = 1 << 30
	}
	rows, err := s.db.QueryContext(ctx, `SELECT order_id, shipment_id, next_check FROM shipments
		WHERE next_check IS NOT NULL AND next_check <= ? ORDER BY next_check, shipment_id LIMIT ?`, now.UnixMicro(), limit)
	if err != nil {
		return nil, wrap("due", err)
	}
	defer rows.Close()
	var out []postpurchase.ShipmentRef
	for rows.Next() {
		var r postpurchase.ShipmentRef
		var next int64
		if err := rows.Scan(&r.OrderID, &r.ShipmentID, &next); err != nil {
			return nil, wrap("due", err)
		}
		r.NextCheck = time.UnixMicro(next).UTC()
		out = append(out, r)
	}
	return out, wrap("due", rows.Err())
}

// checkCommit refuses what MemoryStore refuses.
func checkCommit(c *postpurchase.Commit) error {
	if c == nil || c.Order == nil || c.Order.Order.ID == "" || c.Order.Version < 1 {
		return fmt.Errorf("sqlitestore: %w: commit without an order record of version ≥ 1", postpurchase.ErrInvalid)
	}
	for i := range c.Effects {
		if c.Effects[i].ID == "" {
			return fmt.Errorf("sqlitestore: %w: effect %d without an ID", postpurchase.ErrInvalid, i)
		}
	}
	for _, sh := range c.Order.Shipments {
		if len(sh.Tracking) == 0 {
			return fmt.Errorf("sqlitestore: %w: shipment %s without its tracking state", postpurchase.ErrInvalid, iso4217.Clip(sh.ID))
		}
	}
	return nil
}

// exactUnits returns d as an integer count of 10^-places, exactly.
func exactUnits(d decimal.Decimal) (units int64, places int32, err error) {
	places = max(0, -d.Exponent())
	v := d.Shift(places)
	if !v.IsInteger() || v.Abs().GreaterThan(decimal.New(iso4217.MaxMinorUnits, 3)) {
		return 0, 0, fmt.Errorf("sqlitestore: %w: credit amount out of range", postpurchase.ErrInvalid)
	}
	return v.IntPart(), places, nil
}

// Commit implements postpurchase.Store: one BEGIN IMMEDIATE transaction,
// the order row guarded by its version, then the shipments' index rows, the
// journal and the new effects, then Options.AfterCommitTx if set and the
// commit has effects.
func (s *Store) Commit(ctx context.Context, c *postpurchase.Commit) error {
	if err := checkCommit(c); err != nil {
		return err
	}
	checks, err := c.BudgetChecks()
	if err != nil {
		return fmt.Errorf("sqlitestore: commit: %w", err)
	}
	rec := c.Order
	id := rec.Order.ID
	doc, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("sqlitestore: commit: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("commit", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var res sql.Result
	if rec.Version == 1 {
		res, err = tx.ExecContext(ctx, `INSERT INTO orders (order_id, customer_id, version, record) VALUES (?, ?, 1, ?)
			ON CONFLICT (order_id) DO NOTHING`, id, rec.Order.CustomerID, string(doc))
	} else {
		res, err = tx.ExecContext(ctx, `UPDATE orders SET version = ?, customer_id = ?, record = ? WHERE order_id = ? AND version = ?`,
			rec.Version, rec.Order.CustomerID, string(doc), id, rec.Version-1)
	}
	if err != nil {
		return wrap("commit", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return wrap("commit", err)
		}
		return fmt.Errorf("sqlitestore: order %s: commit of version %d: %w", iso4217.Clip(id), rec.Version, postpurchase.ErrConflict)
	}
	var touched int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(touched), 0) + 1 FROM shipments`).Scan(&touched); err != nil {
		return wrap("commit", err)
	}
	for _, sh := range rec.Shipments {
		if _, err := tx.ExecContext(ctx, `INSERT INTO shipments (order_id, shipment_id, carrier, tracking_number, status, next_check, touched)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (order_id, shipment_id) DO UPDATE SET carrier = excluded.carrier,
				tracking_number = excluded.tracking_number, status = excluded.status,
				next_check = excluded.next_check, touched = excluded.touched`,
			id, sh.ID, sh.Carrier, sh.TrackingNumber, sh.Status.String(), nullMicros(sh.NextCheck), touched); err != nil {
			return wrap("commit: shipment", err)
		}
	}
	for _, j := range c.Journal {
		jd, err := json.Marshal(j)
		if err != nil {
			return fmt.Errorf("sqlitestore: commit: journal: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO journal (order_id, seq, entry) VALUES (?, ?, ?)`, id, j.Seq, string(jd)); err != nil {
			return wrap("commit: journal", err)
		}
	}
	for i := range c.Effects {
		e := &c.Effects[i]
		ed, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("sqlitestore: commit: effect: %w", err)
		}
		var custom, units, places any
		if e.Kind == postpurchase.EffectCredit && e.Credit != nil {
			u, p, err := exactUnits(e.Credit.Amount)
			if err != nil {
				return err
			}
			custom, units, places = e.Credit.CustomerID, u, p
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO effects (effect_id, order_id, decided_at, effect, state, due_at,
			credit_customer, credit_minor, credit_places) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)
			ON CONFLICT (effect_id) DO NOTHING`,
			e.ID, e.OrderID, e.At.UnixMicro(), string(ed), e.At.UnixMicro(), custom, units, places); err != nil {
			return wrap("commit: effect", err)
		}
	}
	for _, bc := range checks {
		var res sql.Result
		switch {
		case !bc.Check:
			res, err = tx.ExecContext(ctx, `INSERT INTO budget_versions AS v (customer_id, version) VALUES (?, 1)
				ON CONFLICT (customer_id) DO UPDATE SET version = v.version + 1`, bc.CustomerID)
		case bc.Seen == 0: // no credit when read: no row yet
			res, err = tx.ExecContext(ctx, `INSERT INTO budget_versions (customer_id, version) VALUES (?, 1)
				ON CONFLICT (customer_id) DO NOTHING`, bc.CustomerID)
		default:
			res, err = tx.ExecContext(ctx, `UPDATE budget_versions SET version = version + 1 WHERE customer_id = ? AND version = ?`, bc.CustomerID, bc.Seen)
		}
		if err != nil {
			return wrap("commit: budget", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return wrap("commit: budget", err)
			}
			return fmt.Errorf("sqlitestore: order %s: commit of version %d: a budget it read moved on: %w", iso4217.Clip(id), rec.Version, postpurchase.ErrConflict)
		}
	}
	if s.afterCommitTx != nil && len(c.Effects) > 0 {
		// The outbox hook (see Options): its writes share the commit's fate.
		if err := s.afterCommitTx(ctx, tx, c); err != nil {
			return fmt.Errorf("sqlitestore: commit: after-commit hook: %w", err)
		}
	}
	return wrap("commit", tx.Commit())
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ClaimEffects implements postpurchase.Store: one BEGIN IMMEDIATE
// transaction picks and leases the effects, so concurrent drainers (other
// connections or processes) never claim one twice.
func (s *Store) ClaimEffects(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]postpurchase.PendingEffect, error) {
	if limit < 0 {
		limit = 1 << 30
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, wrap("claim effects", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	rows, err := tx.QueryContext(ctx, `SELECT n, effect, attempts FROM effects
		WHERE state = 'pending' AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
		ORDER BY n LIMIT ?`, now.UnixMicro(), now.UnixMicro(), limit)
	if err != nil {
		return nil, wrap("claim effects", err)
	}
	var ns []int64
	var out []postpurchase.PendingEffect
	for rows.Next() {
		var n int64
		var doc string
		var p postpurchase.PendingEffect
		if err := rows.Scan(&n, &doc, &p.Attempts); err != nil {
			rows.Close()
			return nil, wrap("claim effects", err)
		}
		if err := json.Unmarshal([]byte(doc), &p.Effect); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlitestore: claim effects: stored effect: %w", err)
		}
		ns = append(ns, n)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("claim effects", err)
	}
	until := now.Add(lease).UnixMicro()
	for i, n := range ns {
		out[i].Token = newToken()
		if _, err := tx.ExecContext(ctx, `UPDATE effects SET token = ?, lease_until = ? WHERE n = ?`, out[i].Token, until, n); err != nil {
			return nil, wrap("claim effects", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, wrap("claim effects", err)
	}
	return out, nil
}

// leaseLost tells a lost lease (ErrConflict) from an unknown effect.
func (s *Store) leaseLost(ctx context.Context, id string) error {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM effects WHERE effect_id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlitestore: effect %s: %w", iso4217.Clip(id), postpurchase.ErrNotFound)
	}
	if err != nil {
		return wrap("effect", err)
	}
	return fmt.Errorf("sqlitestore: effect %s: lease lost: %w", iso4217.Clip(id), postpurchase.ErrConflict)
}

// CompleteEffect implements postpurchase.Store.
func (s *Store) CompleteEffect(ctx context.Context, now time.Time, id, token string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE effects SET state = 'done', attempts = attempts + 1, done_at = ?, token = NULL
		WHERE effect_id = ? AND state = 'pending' AND token = ?`, now.UnixMicro(), id, token)
	if err != nil {
		return wrap("complete effect", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return wrap("complete effect", err)
		}
		return s.leaseLost(ctx, id)
	}
	return nil
}

// RetryEffect implements postpurchase.Store.
func (s *Store) RetryEffect(ctx context.Context, now time.Time, id, token string, retryAt time.Time, errText string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE effects SET attempts = attempts + 1, last_error = ?, due_at = ?, token = NULL, lease_until = NULL
		WHERE effect_id = ? AND state = 'pending' AND token = ?`, errText, retryAt.UnixMicro(), id, token)
	if err != nil {
		return wrap("retry effect", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return wrap("retry effect", err)
		}
		return s.leaseLost(ctx, id)
	}
	return nil
}

// Effects implements postpurchase.Store.
func (s *Store) Effects(ctx context.Context, orderID string) ([]postpurchase.EffectRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT effect, state, attempts, last_error, done_at FROM effects
		WHERE order_id = ? ORDER BY n`, orderID)
	if err != nil {
		return nil, wrap("effects", err)
	}
	defer rows.Close()
	out := []postpurchase.EffectRecord{}
	for rows.Next() {
		var doc, state string
		var done sql.NullInt64
		var r postpurchase.EffectRecord
		if err := rows.Scan(&doc, &state, &r.Attempts, &r.LastError, &done); err != nil {
			return nil, wrap("effects", err)
		}
		r.State = postpurchase.EffectState(state)
		r.DoneAt = fromMicros(done)
		if err := json.Unmarshal([]byte(doc), &r.Effect); err != nil {
			return nil, fmt.Errorf("sqlitestore: effects: stored effect: %w", err)
		}
		out = append(out, r)
	}
	return out, wrap("effects", rows.Err())
}

// Journal implements postpurchase.Store.
func (s *Store) Journal(ctx context.Context, orderID string) ([]postpurchase.JournalEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT entry FROM journal WHERE order_id = ? ORDER BY n`, orderID)
	if err != nil {
		return nil, wrap("journal", err)
	}
	defer rows.Close()
	out := []postpurchase.JournalEntry{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, wrap("journal", err)
		}
		var j postpurchase.JournalEntry
		if err := json.Unmarshal([]byte(doc), &j); err != nil {
			return nil, fmt.Errorf("sqlitestore: journal: stored entry: %w", err)
		}
		out = append(out, j)
	}
	return out, wrap("journal", rows.Err())
}

// CreditTotal implements postpurchase.Store: integer sums per number of
// decimal places, added exactly. The budget version is read first, so it
// is never newer than the total (a credit committed between the two reads
// only makes the commit that carries the read fail).
func (s *Store) CreditTotal(ctx context.Context, customerID string, since time.Time) (postpurchase.BudgetRead, error) {
	r := postpurchase.BudgetRead{CustomerID: customerID, Total: decimal.Zero}
	err := s.db.QueryRowContext(ctx, `SELECT coalesce((SELECT version FROM budget_versions WHERE customer_id = ?), 0)`, customerID).Scan(&r.Version)
	if err != nil {
		return postpurchase.BudgetRead{}, wrap("credit total", err)
	}
	q := `SELECT credit_places, sum(credit_minor) FROM effects WHERE credit_minor IS NOT NULL AND decided_at >= ?`
	args := []any{since.UnixMicro()}
	if customerID != "" {
		q += ` AND credit_customer = ?`
		args = append(args, customerID)
	}
	rows, err := s.db.QueryContext(ctx, q+` GROUP BY credit_places`, args...)
	if err != nil {
		return postpurchase.BudgetRead{}, wrap("credit total", err)
	}
	defer rows.Close()
	for rows.Next() {
		var places int32
		var sum int64
		if err := rows.Scan(&places, &sum); err != nil {
			return postpurchase.BudgetRead{}, wrap("credit total", err)
		}
		r.Total = r.Total.Add(decimal.New(sum, -places))
	}
	if err := rows.Err(); err != nil {
		return postpurchase.BudgetRead{}, wrap("credit total", err)
	}
	return r, nil
}

// ClaimEffect implements postpurchase.Store: one guarded UPDATE, so of
// concurrent callers at most one gets the lease.
func (s *Store) ClaimEffect(ctx context.Context, now time.Time, id string, lease time.Duration) (postpurchase.PendingEffect, bool, error) {
	p := postpurchase.PendingEffect{Token: newToken()}
	var doc string
	err := s.db.QueryRowContext(ctx, `UPDATE effects SET token = ?, lease_until = ?
		WHERE effect_id = ? AND state = 'pending' AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
		RETURNING effect, attempts`, p.Token, now.Add(lease).UnixMicro(), id, now.UnixMicro(), now.UnixMicro()).Scan(&doc, &p.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		if err := s.leaseLost(ctx, id); errors.Is(err, postpurchase.ErrNotFound) || !errors.Is(err, postpurchase.ErrConflict) {
			return postpurchase.PendingEffect{}, false, err
		}
		return postpurchase.PendingEffect{}, false, nil
	}
	if err != nil {
		return postpurchase.PendingEffect{}, false, wrap("claim effect", err)
	}
	if err := json.Unmarshal([]byte(doc), &p.Effect); err != nil {
		return postpurchase.PendingEffect{}, false, fmt.Errorf("sqlitestore: claim effect: stored effect: %w", err)
	}
	return p, true, nil
}
