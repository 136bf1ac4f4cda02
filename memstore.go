package postpurchase

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// MemoryStore is the in-memory Store: the Engine's default, and the
// reference the conformance kit (package postpurchasetest) is written
// against. It keeps records as JSON, as a database would, so a record the
// caller changes after Commit does not change what is stored. It is safe
// for concurrent use; its state is lost with the process.
type MemoryStore struct {
	mu       sync.Mutex
	orders   map[string][]byte // order ID → OrderRecord JSON
	versions map[string]int64
	numbers  map[string]ShipmentRef // carrier + "\x00" + number → ref
	due      map[string]ShipmentRef // shipment ID → ref with NextCheck set
	journal  map[string][]JournalEntry
	effects  map[string]*memEffect
	byOrder  map[string][]string // order ID → effect IDs in commit order
	order    []string            // effect IDs in commit order
	credits  []memCredit
}

type memEffect struct {
	rec        EffectRecord
	raw        []byte // the Effect as JSON
	due        time.Time
	token      string
	leaseUntil time.Time
}

type memCredit struct {
	customer string
	at       time.Time
	amount   decimal.Decimal
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		orders:   make(map[string][]byte),
		versions: make(map[string]int64),
		numbers:  make(map[string]ShipmentRef),
		due:      make(map[string]ShipmentRef),
		journal:  make(map[string][]JournalEntry),
		effects:  make(map[string]*memEffect),
		byOrder:  make(map[string][]string),
	}
}

// LoadOrder implements Store.
func (m *MemoryStore) LoadOrder(ctx context.Context, orderID string) (*OrderRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	b, ok := m.orders[orderID]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: order %s", ErrNotFound, clip(orderID))
	}
	rec := new(OrderRecord)
	if err := json.Unmarshal(b, rec); err != nil {
		return nil, fmt.Errorf("postpurchase: memory store: order %s: %w", clip(orderID), err)
	}
	return rec, nil
}

// FindShipment implements Store.
func (m *MemoryStore) FindShipment(ctx context.Context, carrier, trackingNumber string) (ShipmentRef, error) {
	if err := ctx.Err(); err != nil {
		return ShipmentRef{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ref, ok := m.numbers[carrier+"\x00"+trackingNumber]
	if !ok {
		return ShipmentRef{}, fmt.Errorf("%w: %s tracking number %s", ErrNotFound, clip(carrier), clip(trackingNumber))
	}
	return ref, nil
}

// Due implements Store.
func (m *MemoryStore) Due(ctx context.Context, now time.Time, limit int) ([]ShipmentRef, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	var out []ShipmentRef
	for _, r := range m.due {
		if !r.NextCheck.After(now) {
			out = append(out, r)
		}
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b ShipmentRef) int {
		if c := a.NextCheck.Compare(b.NextCheck); c != 0 {
			return c
		}
		return cmp.Compare(a.ShipmentID, b.ShipmentID)
	})
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Commit implements Store.
func (m *MemoryStore) Commit(ctx context.Context, c *Commit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c == nil || c.Order == nil || c.Order.Order.ID == "" || c.Order.Version < 1 {
		return fmt.Errorf("%w: commit without an order record of version ≥ 1", ErrInvalid)
	}
	rec := c.Order
	id := rec.Order.ID
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("postpurchase: memory store: order %s: %w", clip(id), err)
	}
	effs := make([][]byte, len(c.Effects))
	for i := range c.Effects {
		if c.Effects[i].ID == "" {
			return fmt.Errorf("%w: effect %d without an ID", ErrInvalid, i)
		}
		if effs[i], err = json.Marshal(&c.Effects[i]); err != nil {
			return fmt.Errorf("postpurchase: memory store: effect %s: %w", clip(c.Effects[i].ID), err)
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.versions[id]; ok != (rec.Version > 1) || (ok && cur != rec.Version-1) {
		return fmt.Errorf("%w: order %s: stored version %d, commit of version %d", ErrConflict, clip(id), cur, rec.Version)
	}
	m.orders[id] = b
	m.versions[id] = rec.Version
	for _, s := range rec.Shipments {
		ref := ShipmentRef{OrderID: id, ShipmentID: s.ID, NextCheck: s.NextCheck}
		m.numbers[s.Carrier+"\x00"+s.TrackingNumber] = ShipmentRef{OrderID: id, ShipmentID: s.ID}
		if s.NextCheck.IsZero() {
			delete(m.due, s.ID)
		} else {
			m.due[s.ID] = ref
		}
	}
	m.journal[id] = append(m.journal[id], c.Journal...)
	for i := range c.Effects {
		e := &c.Effects[i]
		if _, ok := m.effects[e.ID]; ok {
			continue
		}
		var cp Effect
		_ = json.Unmarshal(effs[i], &cp)
		m.effects[e.ID] = &memEffect{rec: EffectRecord{Effect: cp, State: EffectPending}, raw: effs[i], due: e.At}
		m.byOrder[e.OrderID] = append(m.byOrder[e.OrderID], e.ID)
		m.order = append(m.order, e.ID)
		if e.Kind == EffectCredit && e.Credit != nil {
			m.credits = append(m.credits, memCredit{customer: e.Credit.CustomerID, at: e.At, amount: e.Credit.Amount})
		}
	}
	return nil
}

// ClaimEffects implements Store.
func (m *MemoryStore) ClaimEffects(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]PendingEffect, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []PendingEffect
	for _, id := range m.order {
		if limit >= 0 && len(out) >= limit {
			break
		}
		e := m.effects[id]
		if e.rec.State != EffectPending || e.due.After(now) || e.leaseUntil.After(now) {
			continue
		}
		e.token = newToken()
		e.leaseUntil = now.Add(lease)
		var cp Effect
		_ = json.Unmarshal(e.raw, &cp)
		out = append(out, PendingEffect{Effect: cp, Attempts: e.rec.Attempts, Token: e.token})
	}
	return out, nil
}

func (m *MemoryStore) leased(now time.Time, id, token string) (*memEffect, error) {
	e, ok := m.effects[id]
	if !ok {
		return nil, fmt.Errorf("%w: effect %s", ErrNotFound, clip(id))
	}
	if e.rec.State != EffectPending || e.token != token || token == "" {
		return nil, fmt.Errorf("%w: effect %s: lease lost", ErrConflict, clip(id))
	}
	return e, nil
}

// CompleteEffect implements Store.
func (m *MemoryStore) CompleteEffect(ctx context.Context, now time.Time, id, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.leased(now, id, token)
	if err != nil {
		return err
	}
	e.rec.State = EffectDone
	e.rec.Attempts++
	e.rec.DoneAt = now
	e.token = ""
	return nil
}

// RetryEffect implements Store.
func (m *MemoryStore) RetryEffect(ctx context.Context, now time.Time, id, token string, retryAt time.Time, errText string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.leased(now, id, token)
	if err != nil {
		return err
	}
	e.rec.Attempts++
	e.rec.LastError = errText
	e.due = retryAt
	e.token = ""
	e.leaseUntil = time.Time{}
	return nil
}

// Effects implements Store.
func (m *MemoryStore) Effects(ctx context.Context, orderID string) ([]EffectRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := m.byOrder[orderID]
	out := make([]EffectRecord, 0, len(ids))
	for _, id := range ids {
		e := m.effects[id]
		r := e.rec
		var cp Effect
		_ = json.Unmarshal(e.raw, &cp)
		r.Effect = cp
		out = append(out, r)
	}
	return out, nil
}

// Journal implements Store.
func (m *MemoryStore) Journal(ctx context.Context, orderID string) ([]JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.journal[orderID]), nil
}

// CreditTotal implements Store.
func (m *MemoryStore) CreditTotal(ctx context.Context, customerID string, since time.Time) (decimal.Decimal, error) {
	if err := ctx.Err(); err != nil {
		return decimal.Decimal{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	sum := decimal.Zero
	for _, c := range m.credits {
		if (customerID == "" || c.customer == customerID) && !c.at.Before(since) {
			sum = sum.Add(c.amount)
		}
	}
	return sum, nil
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
