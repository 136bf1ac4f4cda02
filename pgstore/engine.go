package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/internal/iso4217"
)

var _ postpurchase.Store = (*Store)(nil)

// LoadOrder implements postpurchase.Store.
func (s *Store) LoadOrder(ctx context.Context, orderID string) (*postpurchase.OrderRecord, error) {
	var doc []byte
	err := s.pool.QueryRow(ctx, `SELECT record::text FROM orders WHERE order_id = $1`, orderID).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("pgstore: order %s: %w", iso4217.Clip(orderID), postpurchase.ErrNotFound)
	}
	if err != nil {
		return nil, wrap("load order", err)
	}
	var rec postpurchase.OrderRecord
	if err := json.Unmarshal(doc, &rec); err != nil {
		return nil, fmt.Errorf("pgstore: load order: stored record: %w", err)
	}
	return &rec, nil
}

// FindShipment implements postpurchase.Store.
func (s *Store) FindShipment(ctx context.Context, carrier, trackingNumber string) (postpurchase.ShipmentRef, error) {
	var ref postpurchase.ShipmentRef
	err := s.pool.QueryRow(ctx, `SELECT order_id, shipment_id FROM shipments WHERE carrier = $1 AND tracking_number = $2
		ORDER BY touched DESC LIMIT 1`, carrier, trackingNumber).Scan(&ref.OrderID, &ref.ShipmentID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ref, fmt.Errorf("pgstore: %s tracking number %s: %w", iso4217.Clip(carrier), iso4217.Clip(trackingNumber), postpurchase.ErrNotFound)
	}
	if err != nil {
		return ref, wrap("find shipment", err)
	}
	return ref, nil
}

// Due implements postpurchase.Store: an index scan of shipments_due.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]postpurchase.ShipmentRef, error) {
	if limit < 0 {
		limit = 1 << 30
	}
	rows, err := s.pool.Query(ctx, `SELECT order_id, shipment_id, next_check FROM shipments
		WHERE next_check IS NOT NULL AND next_check <= $1 ORDER BY next_check, shipment_id LIMIT $2`, now, limit)
	if err != nil {
		return nil, wrap("due", err)
	}
	var out []postpurchase.ShipmentRef
	var r postpurchase.ShipmentRef
	_, err = pgx.ForEachRow(rows, []any{&r.OrderID, &r.ShipmentID, &r.NextCheck}, func() error {
		r.NextCheck = r.NextCheck.UTC()
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, wrap("due", err)
	}
	return out, nil
}

// checkCommit refuses what MemoryStore refuses.
func checkCommit(c *postpurchase.Commit) error {
	if c == nil || c.Order == nil || c.Order.Order.ID == "" || c.Order.Version < 1 {
		return fmt.Errorf("pgstore: %w: commit without an order record of version ≥ 1", postpurchase.ErrInvalid)
	}
	for i := range c.Effects {
		if c.Effects[i].ID == "" {
			return fmt.Errorf("pgstore: %w: effect %d without an ID", postpurchase.ErrInvalid, i)
		}
	}
	for _, sh := range c.Order.Shipments {
		if len(sh.Tracking) == 0 {
			return fmt.Errorf("pgstore: %w: shipment %s without its tracking state", postpurchase.ErrInvalid, iso4217.Clip(sh.ID))
		}
	}
	return nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Commit implements postpurchase.Store: one transaction, the order row
// guarded by its version, then the shipments' index rows, the journal and
// the new effects, sent as one batch. A commit that runs no hook
// (Options.AfterCommitTx is nil, or the commit has no effects) is that
// batch alone, one round trip: PostgreSQL runs a pipeline up to its Sync
// as one implicit transaction, and the version guard fails the whole of
// it. Otherwise BEGIN, the batch, the hook and COMMIT.
func (s *Store) Commit(ctx context.Context, c *postpurchase.Commit) error {
	if err := checkCommit(c); err != nil {
		return err
	}
	checks, err := c.BudgetChecks()
	if err != nil {
		return fmt.Errorf("pgstore: commit: %w", err)
	}
	rec := c.Order
	id := rec.Order.ID
	doc, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("pgstore: commit: %w", err)
	}
	b := &pgx.Batch{}
	// The guarded write selects 1/count(*) of the rows it wrote: none (the
	// version moved, or the order exists) divides by zero, an error that
	// ends the transaction before the other statements run.
	if rec.Version == 1 {
		b.Queue(`WITH w AS (INSERT INTO orders (order_id, customer_id, version, record) VALUES ($1, $2, 1, $3::json)
			ON CONFLICT (order_id) DO NOTHING RETURNING 1) SELECT 1 / count(*)::int FROM w`, id, rec.Order.CustomerID, string(doc))
	} else {
		b.Queue(`WITH w AS (UPDATE orders SET version = $3, customer_id = $2, record = $4::json WHERE order_id = $1 AND version = $5
			RETURNING 1) SELECT 1 / count(*)::int FROM w`, id, rec.Order.CustomerID, rec.Version, string(doc), rec.Version-1)
	}
	for _, sh := range rec.Shipments {
		b.Queue(`INSERT INTO shipments (order_id, shipment_id, carrier, tracking_number, status, next_check)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (order_id, shipment_id) DO UPDATE SET carrier = EXCLUDED.carrier,
				tracking_number = EXCLUDED.tracking_number, status = EXCLUDED.status,
				next_check = EXCLUDED.next_check, touched = nextval('shipments_touch')`,
			id, sh.ID, sh.Carrier, sh.TrackingNumber, sh.Status.String(), nullTime(sh.NextCheck))
	}
	// The journal and the effects: one statement each, in their order
	// (the serial n keeps it).
	if len(c.Journal) > 0 {
		seqs, docs := make([]int64, len(c.Journal)), make([]string, len(c.Journal))
		for i := range c.Journal {
			jd, err := json.Marshal(&c.Journal[i])
			if err != nil {
				return fmt.Errorf("pgstore: commit: journal: %w", err)
			}
			seqs[i], docs[i] = c.Journal[i].Seq, string(jd)
		}
		b.Queue(`INSERT INTO journal (order_id, seq, entry)
			SELECT $1, j.seq, j.entry::jsonb FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS j(seq, entry, i) ORDER BY j.i`,
			id, seqs, docs)
	}
	if len(c.Effects) > 0 {
		n := len(c.Effects)
		ids, orders, docs := make([]string, n), make([]string, n), make([]string, n)
		ats := make([]time.Time, n)
		customers, amounts := make([]*string, n), make([]*string, n)
		for i := range c.Effects {
			e := &c.Effects[i]
			ed, err := json.Marshal(e)
			if err != nil {
				return fmt.Errorf("pgstore: commit: effect: %w", err)
			}
			ids[i], orders[i], ats[i], docs[i] = e.ID, e.OrderID, e.At, string(ed)
			if e.Kind == postpurchase.EffectCredit && e.Credit != nil {
				customer, amount := e.Credit.CustomerID, e.Credit.Amount.String()
				customers[i], amounts[i] = &customer, &amount
			}
		}
		b.Queue(`INSERT INTO effects (effect_id, order_id, decided_at, effect, state, due_at, credit_customer, credit_amount)
			SELECT e.id, e.order_id, e.at, e.doc::jsonb, 'pending', e.at, e.customer, e.amount::numeric
			FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[])
				WITH ORDINALITY AS e(id, order_id, at, doc, customer, amount, i)
			ORDER BY e.i
			ON CONFLICT (effect_id) DO NOTHING`, ids, orders, ats, docs, customers, amounts)
	}
	// The budget versions go last, in key order: their rows (the brand's
	// above all) stay locked for as short a time as the transaction
	// allows, and concurrent commits lock them in one order. A checked
	// version is guarded as the order's is: no row written (credit was
	// added since the read) divides by zero and ends the transaction.
	budgets := b.Len()
	for _, bc := range checks {
		switch {
		case !bc.Check:
			b.Queue(`INSERT INTO budget_versions AS v (customer_id, version) VALUES ($1, 1)
				ON CONFLICT (customer_id) DO UPDATE SET version = v.version + 1`, bc.CustomerID)
		case bc.Seen == 0: // no credit when read: no row, unless another commit just added it
			b.Queue(`WITH w AS (INSERT INTO budget_versions (customer_id, version) VALUES ($1, 1)
				ON CONFLICT (customer_id) DO NOTHING RETURNING 1) SELECT 1 / count(*)::int FROM w`, bc.CustomerID)
		default:
			b.Queue(`WITH w AS (UPDATE budget_versions SET version = version + 1 WHERE customer_id = $1 AND version = $2
				RETURNING 1) SELECT 1 / count(*)::int FROM w`, bc.CustomerID, bc.Seen)
		}
	}
	if s.afterCommitTx == nil || len(c.Effects) == 0 {
		err = runBatch(s.pool.SendBatch(ctx, b), b.Len(), budgets)
	} else {
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if err := runBatch(tx.SendBatch(ctx, b), b.Len(), budgets); err != nil {
				return err
			}
			return s.afterCommitTx(ctx, tx, c) // the outbox hook: see Options
		})
	}
	if errors.Is(err, errVersion) {
		return fmt.Errorf("pgstore: order %s: commit of version %d: %w", iso4217.Clip(id), rec.Version, postpurchase.ErrConflict)
	}
	if errors.Is(err, errBudget) {
		return fmt.Errorf("pgstore: order %s: commit of version %d: a budget it read moved on: %w", iso4217.Clip(id), rec.Version, postpurchase.ErrConflict)
	}
	if code, _ := sqlState(err); code == "40001" || code == "40P01" {
		return fmt.Errorf("pgstore: commit: %w", postpurchase.ErrConflict)
	}
	return wrap("commit", err)
}

// runBatch reads the n results of a commit's batch and closes it. The
// first statement is the guarded write: its division by zero is
// errVersion. From index budgets on, the budget versions: a division by
// zero there is errBudget.
func runBatch(br pgx.BatchResults, n, budgets int) error {
	for i := range n {
		if _, err := br.Exec(); err != nil {
			br.Close()
			if code, _ := sqlState(err); code == "22012" { // division_by_zero
				switch {
				case i == 0:
					return errVersion
				case i >= budgets:
					return errBudget
				}
			}
			return err
		}
	}
	return br.Close()
}

var (
	errVersion = errors.New("version mismatch")
	errBudget  = errors.New("budget version mismatch")
)

// ClaimEffects implements postpurchase.Store with FOR UPDATE SKIP LOCKED, so
// concurrent drainers never claim one effect twice.
func (s *Store) ClaimEffects(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]postpurchase.PendingEffect, error) {
	if limit < 0 {
		limit = 1 << 30
	}
	br, err := s.leaseBatch(ctx, `
		UPDATE effects SET token = gen_random_uuid()::text, lease_until = $3
		WHERE effect_id IN (
			SELECT effect_id FROM effects
			WHERE state = 'pending' AND due_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
			ORDER BY n LIMIT $2
			FOR UPDATE SKIP LOCKED)
		RETURNING n, effect::text, attempts, token`, now, limit, now.Add(lease))
	if err != nil {
		return nil, wrap("claim effects", err)
	}
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, wrap("claim effects", err)
	}
	type claimed struct {
		n int64
		p postpurchase.PendingEffect
	}
	var out []claimed
	var n int64
	var doc []byte
	var attempts int
	var token string
	_, err = pgx.ForEachRow(rows, []any{&n, &doc, &attempts, &token}, func() error {
		c := claimed{n: n, p: postpurchase.PendingEffect{Attempts: attempts, Token: token}}
		if err := json.Unmarshal(doc, &c.p.Effect); err != nil {
			return fmt.Errorf("stored effect: %w", err)
		}
		out = append(out, c)
		return nil
	})
	if err == nil {
		err = br.Close()
	}
	if err != nil {
		return nil, wrap("claim effects", err)
	}
	slices.SortFunc(out, func(a, b claimed) int { return int(a.n - b.n) })
	res := make([]postpurchase.PendingEffect, len(out))
	for i := range out {
		res[i] = out[i].p
	}
	return res, nil
}

// The effects' lease and outcome writes (ClaimEffects, ClaimEffect,
// CompleteEffect, RetryEffect) commit without waiting for their WAL to
// reach the disk: synchronous_commit is off for their transaction alone,
// set in the same round trip. A server crash may then forget the last of
// them, and an effect is leased again and carried out again: what the
// Store contract already allows (at least once, de-duplicated by the
// effect's ID), and what a worker dying between an effect and its
// completion already causes. A later synchronous commit (the next Commit,
// River's completion of the job) makes them durable with it. Commit and the
// ledger's writes stay synchronous.
const asyncCommit = `SELECT set_config('synchronous_commit', 'off', true)`

// leaseBatch sends sql after asyncCommit in one pipeline (one implicit
// transaction) and reads asyncCommit's result: sql's are next. The caller
// closes the results.
func (s *Store) leaseBatch(ctx context.Context, sql string, args ...any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(asyncCommit)
	b.Queue(sql, args...)
	br := s.pool.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	return br, nil
}

// leaseExec runs sql as leaseBatch does and returns its command tag.
func (s *Store) leaseExec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, err := s.leaseBatch(ctx, sql, args...)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// leaseLost tells a lost lease (ErrConflict) from an unknown effect.
func (s *Store) leaseLost(ctx context.Context, id string) error {
	var one int
	err := s.pool.QueryRow(ctx, `SELECT 1 FROM effects WHERE effect_id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("pgstore: effect %s: %w", iso4217.Clip(id), postpurchase.ErrNotFound)
	}
	if err != nil {
		return wrap("effect", err)
	}
	return fmt.Errorf("pgstore: effect %s: lease lost: %w", iso4217.Clip(id), postpurchase.ErrConflict)
}

// CompleteEffect implements postpurchase.Store.
func (s *Store) CompleteEffect(ctx context.Context, now time.Time, id, token string) error {
	tag, err := s.leaseExec(ctx, `UPDATE effects SET state = 'done', attempts = attempts + 1, done_at = $3, token = NULL
		WHERE effect_id = $1 AND state = 'pending' AND token = $2`, id, token, now)
	if err != nil {
		return wrap("complete effect", err)
	}
	if tag.RowsAffected() == 0 {
		return s.leaseLost(ctx, id)
	}
	return nil
}

// RetryEffect implements postpurchase.Store.
func (s *Store) RetryEffect(ctx context.Context, now time.Time, id, token string, retryAt time.Time, errText string) error {
	tag, err := s.leaseExec(ctx, `UPDATE effects SET attempts = attempts + 1, last_error = $3, due_at = $4, token = NULL, lease_until = NULL
		WHERE effect_id = $1 AND state = 'pending' AND token = $2`, id, token, errText, retryAt)
	if err != nil {
		return wrap("retry effect", err)
	}
	if tag.RowsAffected() == 0 {
		return s.leaseLost(ctx, id)
	}
	return nil
}

// Effects implements postpurchase.Store.
func (s *Store) Effects(ctx context.Context, orderID string) ([]postpurchase.EffectRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT effect::text, state, attempts, last_error, done_at FROM effects
		WHERE order_id = $1 ORDER BY n`, orderID)
	if err != nil {
		return nil, wrap("effects", err)
	}
	out := []postpurchase.EffectRecord{}
	var doc []byte
	var state, lastErr string
	var attempts int
	var done *time.Time
	_, err = pgx.ForEachRow(rows, []any{&doc, &state, &attempts, &lastErr, &done}, func() error {
		r := postpurchase.EffectRecord{State: postpurchase.EffectState(state), Attempts: attempts, LastError: lastErr}
		if done != nil {
			r.DoneAt = done.UTC()
		}
		if err := json.Unmarshal(doc, &r.Effect); err != nil {
			return fmt.Errorf("stored effect: %w", err)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, wrap("effects", err)
	}
	return out, nil
}

// Journal implements postpurchase.Store.
func (s *Store) Journal(ctx context.Context, orderID string) ([]postpurchase.JournalEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT entry::text FROM journal WHERE order_id = $1 ORDER BY n`, orderID)
	if err != nil {
		return nil, wrap("journal", err)
	}
	out := []postpurchase.JournalEntry{}
	var doc []byte
	_, err = pgx.ForEachRow(rows, []any{&doc}, func() error {
		var j postpurchase.JournalEntry
		if err := json.Unmarshal(doc, &j); err != nil {
			return fmt.Errorf("stored journal entry: %w", err)
		}
		out = append(out, j)
		return nil
	})
	if err != nil {
		return nil, wrap("journal", err)
	}
	return out, nil
}

// CreditTotal implements postpurchase.Store: the total and the budget
// version in one statement, so from one snapshot.
func (s *Store) CreditTotal(ctx context.Context, customerID string, since time.Time) (postpurchase.BudgetRead, error) {
	r := postpurchase.BudgetRead{CustomerID: customerID}
	var total string
	var err error
	if customerID == "" {
		err = s.pool.QueryRow(ctx, `SELECT coalesce(sum(credit_amount), 0)::text,
			coalesce((SELECT version FROM budget_versions WHERE customer_id = ''), 0) FROM effects
			WHERE credit_amount IS NOT NULL AND decided_at >= $1`, since).Scan(&total, &r.Version)
	} else {
		err = s.pool.QueryRow(ctx, `SELECT coalesce(sum(credit_amount), 0)::text,
			coalesce((SELECT version FROM budget_versions WHERE customer_id = $1), 0) FROM effects
			WHERE credit_amount IS NOT NULL AND credit_customer = $1 AND decided_at >= $2`, customerID, since).Scan(&total, &r.Version)
	}
	if err != nil {
		return postpurchase.BudgetRead{}, wrap("credit total", err)
	}
	if r.Total, err = decimal.NewFromString(total); err != nil {
		return postpurchase.BudgetRead{}, fmt.Errorf("pgstore: credit total: %w", err)
	}
	return r, nil
}

// ClaimEffect implements postpurchase.Store: one guarded UPDATE, so of
// concurrent callers at most one gets the lease.
func (s *Store) ClaimEffect(ctx context.Context, now time.Time, id string, lease time.Duration) (postpurchase.PendingEffect, bool, error) {
	var p postpurchase.PendingEffect
	var doc []byte
	br, err := s.leaseBatch(ctx, `UPDATE effects SET token = gen_random_uuid()::text, lease_until = $3
		WHERE effect_id = $1 AND state = 'pending' AND due_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
		RETURNING effect::text, attempts, token`, id, now, now.Add(lease))
	if err == nil {
		err = br.QueryRow().Scan(&doc, &p.Attempts, &p.Token)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		if err := s.leaseLost(ctx, id); errors.Is(err, postpurchase.ErrNotFound) || !errors.Is(err, postpurchase.ErrConflict) {
			return p, false, err
		}
		return p, false, nil
	}
	if err != nil {
		return p, false, wrap("claim effect", err)
	}
	if err := json.Unmarshal(doc, &p.Effect); err != nil {
		return p, false, fmt.Errorf("pgstore: claim effect: stored effect: %w", err)
	}
	return p, true, nil
}
