package postpurchase

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// MemoryStore is the in-memory Store: the Engine's default, and the
// reference the conformance kit (package postpurchasetest) is written
// against. It keeps what Commit is given (the caller gives it up) and
// hands out deep copies, so a record the caller changes after LoadOrder
// does not change what is stored (the JSON of shipment states is shared: it is
// never modified in place). It is safe for concurrent use; its state is
// lost with the process.
type MemoryStore struct {
	mu      sync.Mutex
	orders  map[string]*memOrder
	numbers map[numberKey]ShipmentRef
	due     map[shipmentKey]ShipmentRef // shipments with NextCheck set
	effects map[string]*memEffect
	pending []*memEffect           // effects that may be pending, in commit order
	credits map[string][]memCredit // customer ID → credits
	all     []memCredit            // every credit, sorted by time
	cum     []decimal.Decimal      // cum[i] = sum of all[:i+1]
	budgets map[string]int64       // budget versions: customer ID ("" the brand) → version
}

// memOrder is one order: its record as committed last, its journal and
// its effects' IDs in commit order (one map lookup per commit finds them
// all).
type memOrder struct {
	rec     *OrderRecord
	journal [][]JournalEntry // one chunk per commit, exactly its size
	effects []string
}

// numberKey is a tracking number with its carrier.
type numberKey struct{ carrier, number string }

// shipmentKey is a shipment of an order.
type shipmentKey struct{ order, shipment string }

type memEffect struct {
	rec        EffectRecord
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
		orders:  make(map[string]*memOrder),
		credits: make(map[string][]memCredit),
		numbers: make(map[numberKey]ShipmentRef),
		due:     make(map[shipmentKey]ShipmentRef),
		effects: make(map[string]*memEffect),
		budgets: make(map[string]int64),
	}
}

// sharesCommitted: LoadOrder hands back the committed shipments' bytes,
// so the Engine keeps their decoded form (see Engine.take).
func (m *MemoryStore) sharesCommitted() {}

// LoadOrder implements Store.
func (m *MemoryStore) LoadOrder(ctx context.Context, orderID string) (*OrderRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	var rec *OrderRecord
	if o := m.orders[orderID]; o != nil {
		rec = o.rec // replaced, never changed, by a commit
	}
	m.mu.Unlock()
	if rec == nil {
		return nil, fmt.Errorf("%w: order %s", ErrNotFound, clip(orderID))
	}
	return rec.clone(), nil
}

// FindShipment implements Store.
func (m *MemoryStore) FindShipment(ctx context.Context, carrier, trackingNumber string) (ShipmentRef, error) {
	if err := ctx.Err(); err != nil {
		return ShipmentRef{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ref, ok := m.numbers[numberKey{carrier, trackingNumber}]
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
	for i := range c.Effects {
		if c.Effects[i].ID == "" {
			return fmt.Errorf("%w: effect %d without an ID", ErrInvalid, i)
		}
	}
	for _, s := range rec.Shipments {
		if len(s.Tracking) == 0 {
			return fmt.Errorf("%w: shipment %s without its tracking state", ErrInvalid, clip(s.ID))
		}
	}
	budgets, err := c.BudgetChecks()
	if err != nil {
		return err
	}
	stored := rec // the caller gives it up (Store.Commit)

	m.mu.Lock()
	defer m.mu.Unlock()
	o := m.orders[id]
	var prev *OrderRecord
	if o != nil {
		prev = o.rec // nil for an order only effects were filed under
	}
	ok := prev != nil
	if ok != (rec.Version > 1) || (ok && prev.Version != rec.Version-1) {
		cur := int64(0)
		if ok {
			cur = prev.Version
		}
		return fmt.Errorf("%w: order %s: stored version %d, commit of version %d", ErrConflict, clip(id), cur, rec.Version)
	}
	for _, b := range budgets {
		if v := m.budgets[b.CustomerID]; b.Check && v != b.Seen {
			return fmt.Errorf("%w: order %s: %s moved on (version %d, read at %d)", ErrConflict, clip(id), budgetName(b.CustomerID), v, b.Seen)
		}
	}
	for _, b := range budgets {
		m.budgets[b.CustomerID]++
	}
	if o == nil {
		o = &memOrder{}
		m.orders[id] = o
	}
	o.rec = stored
	for i, s := range rec.Shipments {
		if rec.Version == 1 { // shipments and their numbers are fixed at creation
			m.numbers[numberKey{s.Carrier, s.TrackingNumber}] = ShipmentRef{OrderID: id, ShipmentID: s.ID}
		}
		if prev != nil && i < len(prev.Shipments) && prev.Shipments[i].NextCheck.Equal(s.NextCheck) {
			continue // the due list has it as it is
		}
		key := shipmentKey{id, s.ID}
		if s.NextCheck.IsZero() {
			delete(m.due, key)
		} else {
			m.due[key] = ShipmentRef{OrderID: id, ShipmentID: s.ID, NextCheck: s.NextCheck}
		}
	}
	if len(c.Journal) > 0 {
		chunk := slices.Clone(c.Journal)
		for i := range chunk {
			chunk[i].Score = chunk[i].Score.clone()
		}
		o.journal = append(o.journal, chunk)
	}
	for i := range c.Effects {
		e := &c.Effects[i]
		if _, ok := m.effects[e.ID]; ok {
			continue
		}
		// Kept as given (Store.Commit: the caller must not change it);
		// handed out as copies.
		me := &memEffect{rec: EffectRecord{Effect: *e, State: EffectPending}, due: e.At}
		m.effects[e.ID] = me
		eo := o
		if e.OrderID != id { // filed under the order it names
			if eo = m.orders[e.OrderID]; eo == nil {
				eo = &memOrder{}
				m.orders[e.OrderID] = eo
			}
		}
		eo.effects = append(eo.effects, e.ID)
		m.pending = append(m.pending, me)
		if e.Kind == EffectCredit && e.Credit != nil {
			mc := memCredit{customer: e.Credit.CustomerID, at: e.At, amount: e.Credit.Amount}
			m.credits[mc.customer] = append(m.credits[mc.customer], mc)
			m.addCredit(mc)
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
	keep := m.pending[:0]
	for k, e := range m.pending {
		if e.rec.State != EffectPending {
			continue // done: drop it from the queue
		}
		keep = append(keep, e)
		if limit >= 0 && len(out) >= limit {
			keep = append(keep, m.pending[k+1:]...)
			break
		}
		if e.due.After(now) || e.leaseUntil.After(now) {
			continue
		}
		e.token = newToken()
		e.leaseUntil = now.Add(lease)
		out = append(out, PendingEffect{Effect: e.rec.Effect.clone(), Attempts: e.rec.Attempts, Token: e.token})
	}
	clear(m.pending[len(keep):])
	m.pending = keep
	return out, nil
}

// ClaimEffect implements Store.
func (m *MemoryStore) ClaimEffect(ctx context.Context, now time.Time, id string, lease time.Duration) (PendingEffect, bool, error) {
	if err := ctx.Err(); err != nil {
		return PendingEffect{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.effects[id]
	if !ok {
		return PendingEffect{}, false, fmt.Errorf("%w: effect %s", ErrNotFound, clip(id))
	}
	if e.rec.State != EffectPending || e.due.After(now) || e.leaseUntil.After(now) {
		return PendingEffect{}, false, nil
	}
	e.token = newToken()
	e.leaseUntil = now.Add(lease)
	return PendingEffect{Effect: e.rec.Effect.clone(), Attempts: e.rec.Attempts, Token: e.token}, true, nil
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
	var ids []string
	if o := m.orders[orderID]; o != nil {
		ids = o.effects
	}
	out := make([]EffectRecord, 0, len(ids))
	for _, id := range ids {
		r := m.effects[id].rec
		r.Effect = r.Effect.clone()
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
	var out []JournalEntry
	if o := m.orders[orderID]; o != nil {
		out = slices.Concat(o.journal...)
	}
	for i := range out {
		out[i].Score = out[i].Score.clone()
	}
	return out, nil
}

// CreditTotal implements Store: the total and the version under one
// lock.
func (m *MemoryStore) CreditTotal(ctx context.Context, customerID string, since time.Time) (BudgetRead, error) {
	if err := ctx.Err(); err != nil {
		return BudgetRead{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := BudgetRead{CustomerID: customerID, Total: decimal.Zero, Version: m.budgets[customerID]}
	if customerID == "" {
		// Everyone's: the running sums give it without a scan.
		i, _ := slices.BinarySearchFunc(m.all, since, func(c memCredit, t time.Time) int { return c.at.Compare(t) })
		switch {
		case i == len(m.all):
		case i == 0:
			r.Total = m.cum[len(m.cum)-1]
		default:
			r.Total = m.cum[len(m.cum)-1].Sub(m.cum[i-1])
		}
		return r, nil
	}
	for _, c := range m.credits[customerID] {
		if !c.at.Before(since) {
			r.Total = r.Total.Add(c.amount)
		}
	}
	return r, nil
}

// budgetName names a budget key in errors, without the customer's ID
// (some hosts use an email address as the ID).
func budgetName(customerID string) string {
	if customerID == "" {
		return "the brand's budget"
	}
	return "the customer's budget"
}

// addCredit inserts a credit in time order and keeps the running sums
// (credits arrive nearly in time order, so this is almost always an
// append).
func (m *MemoryStore) addCredit(c memCredit) {
	i := len(m.all)
	for i > 0 && m.all[i-1].at.After(c.at) {
		i--
	}
	m.all = slices.Insert(m.all, i, c)
	m.cum = m.cum[:i]
	for j := i; j < len(m.all); j++ {
		prev := decimal.Zero
		if j > 0 {
			prev = m.cum[j-1]
		}
		m.cum = append(m.cum, prev.Add(m.all[j].amount))
	}
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// clone returns a deep copy of r; shipment states' JSON is shared (it is
// never modified in place).
func (r *OrderRecord) clone() *OrderRecord {
	cp := *r
	cp.Order = r.Order.clone()
	cp.Shipments = slices.Clone(r.Shipments)
	cp.Cases = slices.Clone(r.Cases)
	for i := range cp.Cases {
		cp.Cases[i].Items = slices.Clone(cp.Cases[i].Items)
	}
	if r.Incident != nil {
		inc := *r.Incident
		inc.Score.Reasons = slices.Clone(inc.Score.Reasons)
		inc.Tasks = slices.Clone(inc.Tasks)
		inc.Held = slices.Clone(inc.Held)
		if inc.Unsent != nil {
			u := *inc.Unsent
			u.Actions = slices.Clone(u.Actions)
			inc.Unsent = &u
		}
		cp.Incident = &inc
	}
	return &cp
}

func (o Order) clone() Order {
	o.Items = slices.Clone(o.Items)
	o.Shipments = slices.Clone(o.Shipments)
	for i := range o.Shipments {
		o.Shipments[i].Items = slices.Clone(o.Shipments[i].Items)
	}
	return o
}

func (s *ScoreSnapshot) clone() *ScoreSnapshot {
	if s == nil {
		return nil
	}
	cp := *s
	cp.Reasons = slices.Clone(s.Reasons)
	return &cp
}

// clone returns a deep copy of e.
func (e *Effect) clone() Effect {
	cp := *e
	if e.Credit != nil {
		c := *e.Credit
		if c.Notify != nil {
			n := *c.Notify
			c.Notify = &n
		}
		cp.Credit = &c
	}
	if e.Release != nil {
		r := *e.Release
		if r.Notify != nil {
			n := *r.Notify
			r.Notify = &n
		}
		cp.Release = &r
	}
	if e.Message != nil {
		m := *e.Message
		m.Actions = slices.Clone(m.Actions)
		m.Products = slices.Clone(m.Products)
		m.Items = slices.Clone(m.Items)
		cp.Message = &m
	}
	if e.Task != nil {
		t := *e.Task
		t.Items = slices.Clone(t.Items)
		cp.Task = &t
	}
	return cp
}
