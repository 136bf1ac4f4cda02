package postpurchase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/accommodation"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
	"github.com/postpurchase/postpurchase/internal/iso4217"
	"github.com/postpurchase/postpurchase/scoring"
	"github.com/postpurchase/postpurchase/tracking"
)

// Config configures an Engine. Every field is optional except a way to
// reach the carriers (Carriers or Tracker); each zero value is the
// documented in-memory default, so New(Config{Carriers: ...}) runs the
// whole journey in one process.
type Config struct {
	// Carriers are the carriers shipments are tracked with, by Code.
	Carriers []carriers.Carrier
	// Pushed names carriers whose updates arrive only by push (Ingest or
	// WebhookHandler): their shipments are never polled, only checked
	// for delays every CheckEvery.
	Pushed []string
	// Tracker, if set, is used instead of one built from Carriers (to set
	// the cadence, concurrency and rate limits).
	Tracker *tracking.Tracker
	// Rules are tracking's rules (detectors, transit model, the brand's
	// time zone). Nil means the Tracker's.
	Rules *tracking.Rules
	// Store keeps orders, effects and the journal. Nil means a new
	// MemoryStore.
	Store Store
	// Customers finds customers' contacts and histories. Nil means none
	// is known: every customer is scored without history.
	Customers Customers
	// Scorer scores customers. Nil means scoring.DefaultConfig.
	Scorer *scoring.Scorer
	// Policy decides make-goods. Nil means accommodation.Default().
	Policy *accommodation.Policy
	// Ledger pays CashBack. Nil means a ledger over an in-memory store.
	Ledger *cashback.Ledger
	// Notifier sends messages. Nil means a MemoryNotifier (Engine.Notifier
	// returns it).
	Notifier Notifier
	// Tasks receives non-cash tasks. Nil means a MemoryTasks.
	Tasks TaskHandler
	// Recommender suggests products for Shipped and Delivered messages
	// and the page. Nil means none.
	Recommender Recommender
	// TrackingURL returns the brand's tracking page for an order (the
	// hub's signed link) for messages. Nil means messages carry none.
	TrackingURL func(orderID string) string
	// ReviewURL returns where to review a delivered order. Nil means none.
	ReviewURL func(orderID string) string
	// Windows are the claim and return windows.
	Windows Windows
	// StaleAfter is how old a carrier event may be and still be announced:
	// older events are applied but not announced. Zero means 72 hours.
	StaleAfter time.Duration
	// CheckEvery is how often an in-flight shipment's delays are checked
	// when it is not polled sooner. Zero means 6 hours.
	CheckEvery time.Duration
	// CreditOnDelivery issues delay credits held (pending, not spendable)
	// until the shipment is delivered, and releases them then, spendable
	// ReleaseDelay after the delivery. False pays them at once.
	CreditOnDelivery bool
	// ReleaseDelay is how long after the delivery held credit becomes
	// spendable (the return window, say). Zero means at once.
	ReleaseDelay time.Duration
	// CreditExpiry is how long delay and claim credit stays spendable.
	// Zero means 365 days; negative means never.
	CreditExpiry time.Duration
	// BatchSize bounds the shipments one Tick refreshes and the effects
	// one drain round claims. Zero means 500.
	BatchSize int
	// TickEvery is Run's interval. Zero means one minute.
	TickEvery time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Logger receives operational records (never personal data). Nil
	// discards them.
	Logger *slog.Logger
}

// Engine runs the post-purchase journey: it registers orders, takes
// carrier updates (pushed or polled), turns them into milestones and delay
// episodes, scores the customer at the first delay, asks the policy for a
// make-good, and records the decision with every side effect it implies
// (CashBack credits, messages, tasks) in one Store commit; draining then
// carries the effects out, each exactly once as the customer sees it.
//
// An Engine is safe for concurrent use, and several Engines (in several
// processes) may share one Store.
type Engine struct {
	store     Store
	tracker   *tracking.Tracker
	rules     *tracking.Rules
	customers Customers
	scorer    *scoring.Scorer
	policy    *accommodation.Policy
	perDay    bool // the policy sets a per-day budget: credit commits check the brand's total
	ledger    *cashback.Ledger
	notifier  Notifier
	tasks     TaskHandler
	recommend Recommender
	trackURL  func(string) string
	reviewURL func(string) string
	windows   Windows
	stale     time.Duration
	every     time.Duration
	onDeliver bool
	release   time.Duration
	expiry    time.Duration
	batch     int
	tick      time.Duration
	now       func() time.Time
	log       *slog.Logger
	loc       *time.Location
	pushed    map[string]bool
	known     map[string]bool // carrier codes the Engine can track (empty: unknown, a host Tracker)

	// cache keeps the decoded shipments of the Engine's own last commits,
	// keyed by shipment ID with the JSON they were committed as: a store
	// that hands back the very same bytes (MemoryStore) then needs no
	// decoding. It is nil (off) for any other store: a store that decodes
	// what it loads hands back new bytes every time, and the cache would
	// only hold memory.
	cacheMu sync.Mutex
	cache   map[string]*cached
}

type cached struct {
	raw  json.RawMessage
	ship *tracking.Shipment
}

// maxCache bounds the decoded-shipment cache: enough for the shipments
// in flight at once of a large brand (100,000 in the scale example; at
// 1 << 16 four in ten changes decoded again). Settled shipments are not
// kept.
const maxCache = 1 << 17

// sharesCommitted is implemented by stores whose loads hand back the very
// bytes the Engine committed (MemoryStore): only for them is the decoded
// shipment cache on.
type sharesCommitted interface{ sharesCommitted() }

func (e *Engine) take(st *ShipmentState) *tracking.Shipment {
	if e.cache == nil || len(st.Tracking) == 0 {
		return nil
	}
	e.cacheMu.Lock()
	defer e.cacheMu.Unlock()
	c := e.cache[st.ID]
	if c == nil || c.ship == nil {
		return nil
	}
	if len(c.raw) != len(st.Tracking) || &c.raw[0] != &st.Tracking[0] {
		// Someone else committed since (another Engine): what we kept is
		// stale; drop it rather than hold it.
		c.raw, c.ship = nil, nil
		return nil
	}
	s := c.ship
	c.ship = nil // taken: one change at a time owns it (the entry stays, for keep)
	return s
}

func (e *Engine) keep(t *txn) {
	if e.cache == nil {
		return
	}
	e.cacheMu.Lock()
	defer e.cacheMu.Unlock()
	for i, s := range t.ships {
		st := &t.rec.Shipments[i]
		c := e.cache[st.ID]
		switch {
		case st.NextCheck.IsZero():
			if c != nil { // settled: rarely changed again, decoded then
				delete(e.cache, st.ID)
			}
			continue
		case c == nil:
			if len(e.cache) >= maxCache {
				for k := range e.cache { // evict an arbitrary entry
					delete(e.cache, k)
					break
				}
			}
			c = new(cached)
			e.cache[st.ID] = c
		}
		c.raw, c.ship = st.Tracking, s
	}
}

// New validates cfg and returns an Engine.
func New(cfg Config) (*Engine, error) {
	e := &Engine{
		store: cfg.Store, tracker: cfg.Tracker, rules: cfg.Rules, customers: cfg.Customers,
		scorer: cfg.Scorer, policy: cfg.Policy, ledger: cfg.Ledger, notifier: cfg.Notifier,
		tasks: cfg.Tasks, recommend: cfg.Recommender, trackURL: cfg.TrackingURL, reviewURL: cfg.ReviewURL,
		windows: cfg.Windows.withDefaults(), stale: cfg.StaleAfter, every: cfg.CheckEvery,
		onDeliver: cfg.CreditOnDelivery, release: cfg.ReleaseDelay, expiry: cfg.CreditExpiry, batch: cfg.BatchSize,
		tick: cfg.TickEvery, now: cfg.Now, log: cfg.Logger,
	}
	e.pushed = map[string]bool{}
	e.known = map[string]bool{}
	for _, c := range cfg.Pushed {
		e.pushed[strings.ToLower(c)] = true
		e.known[strings.ToLower(c)] = true
	}
	if cfg.Tracker == nil {
		for _, c := range cfg.Carriers {
			if c != nil {
				e.known[strings.ToLower(c.Code())] = true
			}
		}
	} else {
		clear(e.known) // a host's Tracker: its carriers are not listed here
	}
	var err error
	if e.rules == nil && e.tracker != nil {
		e.rules = e.tracker.Rules()
	}
	if e.rules == nil {
		if e.rules, err = tracking.NewRules(tracking.Config{}); err != nil {
			return nil, err
		}
	}
	if e.tracker == nil {
		if len(cfg.Carriers) == 0 {
			return nil, invalid("new", "Config.Carriers", "no carriers and no Tracker")
		}
		if e.tracker, err = tracking.New(tracking.Options{Carriers: cfg.Carriers, Rules: e.rules, Now: cfg.Now, Logger: cfg.Logger}); err != nil {
			return nil, &InputError{Op: "new", Field: "Config.Carriers", Reason: err.Error(), Err: err}
		}
	}
	e.loc = e.rules.Config().Location
	if e.loc == nil {
		e.loc = time.UTC
	}
	if e.store == nil {
		e.store = NewMemoryStore()
	}
	if _, ok := e.store.(sharesCommitted); ok {
		e.cache = map[string]*cached{}
	}
	if e.scorer == nil {
		if e.scorer, err = scoring.New(scoring.DefaultConfig(), scoring.Options{}); err != nil {
			return nil, err
		}
	}
	if e.policy == nil {
		e.policy = accommodation.Default()
	}
	_, e.perDay = e.policy.BudgetPerDay()
	if e.ledger == nil {
		ms, err := memstore.New(memstore.Options{})
		if err != nil {
			return nil, err
		}
		if e.ledger, err = cashback.New(ms, cashback.Options{}); err != nil {
			return nil, err
		}
	}
	if e.notifier == nil {
		e.notifier = new(MemoryNotifier)
	}
	if e.tasks == nil {
		e.tasks = new(MemoryTasks)
	}
	if e.stale == 0 {
		e.stale = 72 * time.Hour
	}
	if e.every == 0 {
		e.every = 6 * time.Hour
	}
	if e.expiry == 0 {
		e.expiry = 365 * 24 * time.Hour
	}
	if e.batch == 0 {
		e.batch = 500
	}
	if e.tick == 0 {
		e.tick = time.Minute
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	switch {
	case e.stale < 0:
		return nil, invalid("new", "Config.StaleAfter", "negative")
	case e.every < 0:
		return nil, invalid("new", "Config.CheckEvery", "negative")
	case e.release < 0:
		return nil, invalid("new", "Config.ReleaseDelay", "negative")
	case e.batch < 0:
		return nil, invalid("new", "Config.BatchSize", "negative")
	case e.tick < 0:
		return nil, invalid("new", "Config.TickEvery", "negative")
	}
	return e, nil
}

// Store returns the Engine's store.
func (e *Engine) Store() Store { return e.store }

// Ledger returns the Engine's CashBack ledger.
func (e *Engine) Ledger() *cashback.Ledger { return e.ledger }

// Notifier returns the Engine's notifier (a *MemoryNotifier by default).
func (e *Engine) Notifier() Notifier { return e.notifier }

// Tasks returns the Engine's task handler (a *MemoryTasks by default).
func (e *Engine) Tasks() TaskHandler { return e.tasks }

// Policy returns the policy the Engine decides with.
func (e *Engine) Policy() *accommodation.Policy { return e.policy }

// maxCommitAttempts bounds the retries of one change that keeps losing
// races with other writers of the same order.
const maxCommitAttempts = 8

// txn is one change of one order being prepared for a commit.
type txn struct {
	e     *Engine
	now   time.Time
	rec   *OrderRecord
	ships []*tracking.Shipment
	vers  []int64      // the shipments' versions as loaded
	cust  *Customer    // the order's customer, once asked
	reads []BudgetRead // the budget reads decisions used, first of each key
	c     Commit
}

// journal appends a journal entry to the commit.
func (t *txn) journal(kind JournalKind, shipmentID, ref, text string) *JournalEntry {
	t.rec.JournalSeq++
	t.c.Journal = append(t.c.Journal, JournalEntry{
		OrderID: t.rec.Order.ID, Seq: t.rec.JournalSeq, At: t.now, Kind: kind,
		ShipmentID: shipmentID, Ref: ref, Text: text,
	})
	return &t.c.Journal[len(t.c.Journal)-1]
}

// effect adds an effect to the commit.
func (t *txn) effect(ef Effect) {
	ef.OrderID = t.rec.Order.ID
	ef.CustomerID = t.rec.Order.CustomerID
	ef.At = t.now
	t.c.Effects = append(t.c.Effects, ef)
}

// update loads an order, lets fn change it, and commits the change,
// retrying on a concurrent write: fn then runs again on what the other
// writer stored, so a decision is always made on the committed state and
// recorded with it, or not at all. fn returning errSkip commits nothing.
func (e *Engine) update(ctx context.Context, now time.Time, orderID string, fn func(*txn) error) error {
	for attempt := 1; ; attempt++ {
		rec, err := e.store.LoadOrder(ctx, orderID)
		if err != nil {
			return err
		}
		t := &txn{e: e, now: now, rec: rec}
		if err := t.decode(); err != nil {
			return err
		}
		if err := fn(t); err != nil {
			if errors.Is(err, errSkip) {
				return nil
			}
			return err
		}
		if err := t.encode(); err != nil {
			return err
		}
		rec.Version++
		t.c.Order = rec
		t.budgets()
		err = e.store.Commit(ctx, &t.c)
		if err == nil {
			e.keep(t)
			return nil
		}
		if !errors.Is(err, ErrConflict) || attempt >= maxCommitAttempts {
			return err
		}
	}
}

// errSkip makes update commit nothing.
var errSkip = errors.New("postpurchase: nothing to commit")

func (t *txn) decode() error {
	t.ships = make([]*tracking.Shipment, len(t.rec.Shipments))
	t.vers = make([]int64, len(t.rec.Shipments))
	for i := range t.rec.Shipments {
		st := &t.rec.Shipments[i]
		s := t.e.take(st)
		if s == nil {
			s = tracking.NewShipment(t.e.rules)
			if err := s.UnmarshalJSON(st.Tracking); err != nil {
				return fmt.Errorf("postpurchase: stored shipment %s of order %s: %w", clip(st.ID), clip(t.rec.Order.ID), err)
			}
		}
		s.UseRules(t.e.rules)
		t.ships[i] = s
		t.vers[i] = s.Version
	}
	return nil
}

func (t *txn) encode() error {
	for i, s := range t.ships {
		if i < len(t.vers) && s.Version == t.vers[i] && len(t.rec.Shipments[i].Tracking) > 0 {
			continue // unchanged: keep the stored JSON
		}
		b, err := s.MarshalJSON()
		if err != nil {
			return fmt.Errorf("postpurchase: shipment %s: %w", clip(t.rec.Shipments[i].ID), err)
		}
		st := &t.rec.Shipments[i]
		st.Tracking = b
		st.Status, _ = s.Status()
	}
	return nil
}

func (t *txn) shipment(id string) (int, bool) {
	for i, s := range t.rec.Shipments {
		if s.ID == id {
			return i, true
		}
	}
	return 0, false
}

// Register records an order and its shipments. Registering an order that
// is already registered with the same content is a no-op (so a retried
// registration is safe); with other content it is an error matching
// ErrConflict. Invalid orders get an *InputError naming the field.
func (e *Engine) Register(ctx context.Context, now time.Time, o Order) error {
	if err := e.validateOrder(&o); err != nil {
		return err
	}
	for i, sp := range o.Shipments {
		ref, err := e.store.FindShipment(ctx, strings.ToLower(sp.Carrier), carriers.NormalizeNumber(sp.TrackingNumber))
		switch {
		case err == nil && ref.OrderID != o.ID:
			return &InputError{Op: "register", Field: fmt.Sprintf("order.shipments[%d].tracking_number", i),
				Reason: "already registered for another order", Err: ErrConflict}
		case err != nil && !errors.Is(err, ErrNotFound):
			return err
		}
	}
	rec := &OrderRecord{Order: o, Version: 1}
	t := &txn{e: e, now: now, rec: rec}
	for _, sp := range o.Shipments {
		s := tracking.NewShipment(e.rules)
		s.ID, s.OrderID, s.CustomerID = sp.ID, o.ID, o.CustomerID
		s.Carrier, s.TrackingNumber, s.Service = strings.ToLower(sp.Carrier), sp.TrackingNumber, sp.Service
		s.Origin, s.Destination = sp.Origin, sp.Destination
		s.PromisedBy, s.LabelCreatedAt = sp.PromisedBy, sp.LabelCreatedAt
		e.tracker.Schedule(now, s)
		t.ships = append(t.ships, s)
		rec.Shipments = append(rec.Shipments, ShipmentState{
			ID: sp.ID, Carrier: strings.ToLower(sp.Carrier), TrackingNumber: carriers.NormalizeNumber(sp.TrackingNumber),
		})
	}
	for i := range t.ships {
		rec.Shipments[i].NextCheck = e.nextCheck(now, t.ships[i])
	}
	t.journal(JournalRegistered, "", o.ID, fmt.Sprintf("order registered: %d shipment(s), %s %s", len(o.Shipments), o.Total.StringFixed(2), o.Currency))
	if err := t.encode(); err != nil {
		return err
	}
	t.c.Order = rec
	err := e.store.Commit(ctx, &t.c)
	if errors.Is(err, ErrConflict) {
		stored, lerr := e.store.LoadOrder(ctx, o.ID)
		if lerr != nil {
			return lerr
		}
		if sameOrder(&stored.Order, &o) {
			return nil
		}
		return &InputError{Op: "register", Field: "order.id", Reason: "order " + clip(o.ID) + " is already registered with other content", Err: ErrConflict}
	}
	return err
}

func sameOrder(a, b *Order) bool {
	ja, err1 := jsonOf(a)
	jb, err2 := jsonOf(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

func (e *Engine) validateOrder(o *Order) error {
	const op = "register"
	switch {
	case o.ID == "":
		return invalid(op, "order.id", "empty")
	case o.CustomerID == "":
		return invalid(op, "order.customer_id", "empty")
	case o.PlacedAt.IsZero():
		return invalid(op, "order.placed_at", "zero")
	case len(o.Shipments) == 0:
		return invalid(op, "order.shipments", "no shipments")
	case o.Currency != e.policy.Currency():
		return invalid(op, "order.currency", "must be the policy's currency "+e.policy.Currency()+", not "+clip(o.Currency))
	}
	if err := iso4217.CheckAmount(o.Total, o.Currency); err != nil {
		return &InputError{Op: op, Field: "order.total", Reason: err.Error(), Err: errors.Join(ErrInvalid, err)}
	}
	if o.Total.IsNegative() {
		return invalid(op, "order.total", "negative")
	}
	o.PlacedAt = o.PlacedAt.UTC()
	skus := map[string]bool{}
	for i, it := range o.Items {
		f := fmt.Sprintf("order.items[%d]", i)
		switch {
		case it.SKU == "":
			return invalid(op, f+".sku", "empty")
		case skus[it.SKU]:
			return invalid(op, f+".sku", "duplicate "+clip(it.SKU))
		case it.Quantity < 1:
			return invalid(op, f+".quantity", "must be at least 1")
		case it.Price.IsNegative():
			return invalid(op, f+".price", "negative")
		}
		if err := iso4217.CheckAmount(it.Price, o.Currency); err != nil {
			return &InputError{Op: op, Field: f + ".price", Reason: err.Error(), Err: errors.Join(ErrInvalid, err)}
		}
		skus[it.SKU] = true
	}
	ids := map[string]bool{}
	for i, s := range o.Shipments {
		f := fmt.Sprintf("order.shipments[%d]", i)
		switch {
		case s.ID == "":
			return invalid(op, f+".id", "empty")
		case ids[s.ID]:
			return invalid(op, f+".id", "duplicate "+clip(s.ID))
		case s.Carrier == "":
			return invalid(op, f+".carrier", "empty")
		case s.TrackingNumber == "":
			return invalid(op, f+".tracking_number", "empty")
		case len(e.known) > 0 && !e.known[strings.ToLower(s.Carrier)]:
			return invalid(op, f+".carrier", "not a carrier of this Engine: "+clip(s.Carrier))
		case carriers.NormalizeNumber(s.TrackingNumber) == "":
			return invalid(op, f+".tracking_number", "not a tracking number: "+clip(s.TrackingNumber))
		}
		for j, sku := range s.Items {
			if !skus[sku] {
				return invalid(op, fmt.Sprintf("%s.items[%d]", f, j), "not an item of the order: "+clip(sku))
			}
		}
		ids[s.ID] = true
	}
	return nil
}

// nextCheck is when a shipment is next due: its next poll, or the next
// delay check while it is in flight; zero when it is settled.
func (e *Engine) nextCheck(now time.Time, s *tracking.Shipment) time.Time {
	poll, polling := s.NextPoll()
	if e.pushed[strings.ToLower(s.Carrier)] {
		polling = false
	}
	if s.Terminal() {
		if polling && !poll.IsZero() {
			return poll
		}
		return time.Time{}
	}
	check := now.Add(e.every)
	if polling && !poll.IsZero() && poll.Before(check) {
		return poll
	}
	return check
}

// Ingest applies a carrier's result for one of the Engine's shipments
// (the webhook path): the events are recorded and whatever they imply is
// decided and committed at once; the effects are carried out by the next
// Drain or Tick. A result for an unknown tracking number is an error
// matching ErrNotFound; nothing is stored.
func (e *Engine) Ingest(ctx context.Context, now time.Time, t *carriers.Tracking) error {
	if t == nil {
		return invalid("ingest", "tracking", "nil")
	}
	carrier := strings.ToLower(t.Carrier)
	ref, err := e.store.FindShipment(ctx, carrier, carriers.NormalizeNumber(t.TrackingNumber))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return notFound("ingest", "tracking.tracking_number", t.TrackingNumber)
		}
		return err
	}
	return e.update(ctx, now, ref.OrderID, func(tx *txn) error {
		i, ok := tx.shipment(ref.ShipmentID)
		if !ok {
			return notFound("ingest", "shipment", ref.ShipmentID)
		}
		s := tx.ships[i]
		ch, err := s.Update(now, t)
		if err != nil && ch.Added == 0 && ch.Empty() {
			return &InputError{Op: "ingest", Field: "tracking", Reason: err.Error(), Err: errors.Join(ErrInvalid, err)}
		}
		e.tracker.Schedule(now, s)
		return tx.changed(ctx, i, ch)
	})
}

// TickStats says what one Tick did.
type TickStats struct {
	// Refreshed is the number of shipments asked of their carrier,
	// Checked the number whose delays were checked, Failed those whose
	// carrier request failed (they are retried later).
	Refreshed, Checked, Failed int
	// Conflicts counts orders another writer changed first (they are
	// picked up again by the next Tick). An order whose credit was
	// refused only because a budget moved on (Store.Commit) is decided
	// again at once, and counts only if that keeps failing.
	Conflicts int
	// OrderErrors counts orders that could not be processed (their
	// errors are joined in Tick's error; they stay due and are retried).
	OrderErrors int
	// Effects is the number of effects carried out by the drain.
	Effects int
}

// Tick does the periodic work as of now: it refreshes the shipments due
// from their carriers, checks in-flight shipments for delays (a stall
// opens as time passes, days late grow and open delays are re-evaluated),
// commits what that implies, and drains the pending effects.
func (e *Engine) Tick(ctx context.Context, now time.Time) (TickStats, error) {
	var st TickStats
	refs, err := e.store.Due(ctx, now, e.batch)
	if err != nil {
		return st, err
	}
	var perr error
	if len(refs) > 0 {
		perr = e.process(ctx, now, refs, &st)
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
	}
	// Drain whatever was committed, also when some orders failed.
	n, err := e.Drain(ctx, now)
	st.Effects = n
	return st, errors.Join(perr, err)
}

// loaded is one order's state loaded for a Tick.
type loaded struct {
	tx  *txn
	idx []int // the due shipments' indexes
}

func (e *Engine) process(ctx context.Context, now time.Time, refs []ShipmentRef, st *TickStats) error {
	// One order's failure (its customer source, a stored state that does
	// not decode, a failed commit) must not hold up the others: it is
	// logged, counted and retried by the next Tick, as it stays due.
	var errs []error
	fail := func(orderID string, err error) {
		st.OrderErrors++
		errs = append(errs, fmt.Errorf("order %s: %w", clip(orderID), err))
		e.log.Error("postpurchase: order not processed; retried next tick", "err", err)
	}
	byOrder := map[string]*loaded{}
	var orders []string
	var poll []*tracking.Shipment
	for _, r := range refs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		l, seen := byOrder[r.OrderID]
		if !seen {
			byOrder[r.OrderID] = nil
			rec, err := e.store.LoadOrder(ctx, r.OrderID)
			if err != nil {
				fail(r.OrderID, err)
				continue
			}
			tx := &txn{e: e, now: now, rec: rec}
			if err := tx.decode(); err != nil {
				fail(r.OrderID, err)
				continue
			}
			l = &loaded{tx: tx}
			byOrder[r.OrderID] = l
			orders = append(orders, r.OrderID)
		}
		if l == nil {
			continue // failed above
		}
		i, ok := l.tx.shipment(r.ShipmentID)
		if !ok {
			continue
		}
		l.idx = append(l.idx, i)
		if s := l.tx.ships[i]; !e.pushed[strings.ToLower(s.Carrier)] && e.tracker.Due(now, s) {
			poll = append(poll, s)
		}
	}
	results := map[*tracking.Shipment]tracking.Result{}
	if len(poll) > 0 {
		res, err := e.tracker.Refresh(ctx, now, poll)
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		for _, r := range res {
			results[r.Shipment] = r
			st.Refreshed++
			if r.Err != nil {
				st.Failed++
			}
		}
	}
orders:
	for _, id := range orders {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		l := byOrder[id]
		tx := l.tx
		chs := make([]tracking.Changes, len(l.idx))
		for k, i := range l.idx {
			s := tx.ships[i]
			ch := results[s].Changes
			more := s.Check(now)
			ch.Delays = append(ch.Delays, more.Delays...)
			ch.Cleared = append(ch.Cleared, more.Cleared...)
			chs[k] = ch
			st.Checked++
			if err := tx.changed(ctx, i, ch); err != nil {
				fail(id, err)
				continue orders
			}
		}
		loaded := tx.rec.Version
		for attempt := 1; ; attempt++ {
			if err := tx.encode(); err != nil {
				fail(id, err)
				continue orders
			}
			tx.rec.Version++
			tx.c.Order = tx.rec
			tx.budgets()
			err := e.store.Commit(ctx, &tx.c)
			if err == nil {
				e.keep(tx)
				continue orders
			}
			if !errors.Is(err, ErrConflict) {
				fail(id, err)
				continue orders
			}
			// Another writer changed the order first (the next Tick
			// picks it up again), or only a budget moved on (credit
			// was added elsewhere since the decision read it): then
			// the order is as loaded, and its decisions are made
			// again now, on fresh budgets and the same carrier news.
			if attempt >= maxCommitAttempts {
				st.Conflicts++
				continue orders
			}
			rec, err := e.store.LoadOrder(ctx, id)
			if err != nil {
				fail(id, err)
				continue orders
			}
			if rec.Version != loaded {
				st.Conflicts++
				continue orders
			}
			tx = &txn{e: e, now: now, rec: rec, ships: tx.ships, vers: tx.vers, cust: tx.cust}
			for k, i := range l.idx {
				if err := tx.changed(ctx, i, chs[k]); err != nil {
					fail(id, err)
					continue orders
				}
			}
		}
	}
	return errors.Join(errs...)
}

// Refresh does Tick's work for the given shipments only (refresh from the
// carrier if due, check delays, commit), without draining. A job queue
// that runs one job per shipment (River) calls it; refs come from
// Store.Due.
func (e *Engine) Refresh(ctx context.Context, now time.Time, refs []ShipmentRef) (TickStats, error) {
	var st TickStats
	err := e.process(ctx, now, refs, &st)
	return st, err
}

// Execute carries out one pending effect by ID, if it is due and no one
// else holds it: done is true when it was carried out now, false when
// there was nothing to do (already done, leased elsewhere, not due). A
// failure is recorded for a retry with back-off and returned. A job queue
// that carries effect IDs (River) calls it.
func (e *Engine) Execute(ctx context.Context, now time.Time, effectID string) (done bool, err error) {
	p, ok, err := e.store.ClaimEffect(ctx, now, effectID, 5*time.Minute)
	if err != nil || !ok {
		return false, err
	}
	if err := e.run(ctx, now, p); err != nil {
		return false, err
	}
	return true, nil
}

// run executes a leased effect and records the outcome.
func (e *Engine) run(ctx context.Context, now time.Time, p PendingEffect) error {
	if err := e.execute(ctx, &p.Effect); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := time.Minute << min(p.Attempts, 8)
		e.log.Warn("postpurchase: effect failed", "effect", p.Effect.ID, "kind", p.Effect.Kind, "attempt", p.Attempts+1, "retry_in", wait, "err", err)
		if rerr := e.store.RetryEffect(ctx, now, p.Effect.ID, p.Token, now.Add(wait), safeErrText(err)); rerr != nil && !errors.Is(rerr, ErrConflict) {
			return rerr
		}
		return &EffectError{ID: p.Effect.ID, Kind: p.Effect.Kind, Attempt: p.Attempts + 1, RetryAt: now.Add(wait), Err: err}
	}
	if err := e.store.CompleteEffect(ctx, now, p.Effect.ID, p.Token); err != nil && !errors.Is(err, ErrConflict) {
		return err
	}
	return nil
}

// Drain carries out the pending effects due at now, until none is left or
// ctx ends. It returns how many it carried out. An effect that fails is
// retried later with back-off; it never blocks the others.
func (e *Engine) Drain(ctx context.Context, now time.Time) (int, error) {
	done := 0
	for {
		batch, err := e.store.ClaimEffects(ctx, now, e.batch, 5*time.Minute)
		if err != nil {
			return done, err
		}
		if len(batch) == 0 {
			return done, nil
		}
		for _, p := range batch {
			err := e.run(ctx, now, p)
			var ee *EffectError
			switch {
			case errors.As(err, &ee):
				continue // recorded for a retry; the others go on
			case err != nil:
				return done, err
			}
			done++
		}
		if len(batch) < e.batch {
			return done, nil
		}
	}
}

// safeErrText is an error's text for the store, clipped.
func safeErrText(err error) string {
	s := err.Error()
	if len(s) > 500 {
		cut := 500
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// execute carries out one effect, idempotently by its ID.
func (e *Engine) execute(ctx context.Context, ef *Effect) error {
	switch ef.Kind {
	case EffectCredit:
		c := ef.Credit
		if c == nil {
			return fmt.Errorf("postpurchase: credit effect %s without a credit", clip(ef.ID))
		}
		amt, err := cashback.NewMoney(c.Amount, c.Currency)
		if err != nil {
			return err
		}
		_, err = e.ledger.Issue(ctx, c.At, cashback.IssueRequest{
			Account: cashback.Account{CustomerID: c.CustomerID, Currency: c.Currency},
			Amount:  amt, Key: c.Key, Reason: c.Reason, OrderID: c.OrderID, DelayID: c.DelayID,
			Held: c.Pending, AvailableAt: c.AvailableAt, ExpiresAt: c.ExpiresAt,
		})
		if err != nil || c.Pending || c.Notify == nil {
			return err
		}
		return e.tellBalance(ctx, ef, c.Key, c.Amount, c.Currency, c.At, *c.Notify)
	case EffectRelease:
		r := ef.Release
		if r == nil {
			return fmt.Errorf("postpurchase: release effect %s without a release", clip(ef.ID))
		}
		_, err := e.ledger.Release(ctx, r.At, cashback.ReleaseRequest{
			Account:  cashback.Account{CustomerID: r.CustomerID, Currency: r.Currency},
			IssueKey: r.CreditKey, Key: r.Key, AvailableAt: r.AvailableAt,
		})
		if err != nil || r.Notify == nil {
			return err
		}
		return e.tellBalance(ctx, ef, r.Key, r.Amount, r.Currency, r.At, *r.Notify)
	case EffectMessage:
		if ef.Message == nil {
			return fmt.Errorf("postpurchase: message effect %s without a message", clip(ef.ID))
		}
		return e.notifier.Send(ctx, *ef.Message)
	case EffectTask:
		if ef.Task == nil {
			return fmt.Errorf("postpurchase: task effect %s without a task", clip(ef.ID))
		}
		return e.tasks.Handle(ctx, *ef.Task)
	}
	return fmt.Errorf("postpurchase: effect %s of unknown kind %s", clip(ef.ID), clip(string(ef.Kind)))
}

// tellBalance sends the customer their new balance after a credit became
// spendable. It runs inside the credit's effect, after the ledger wrote it:
// a retry finds the ledger entry already there (idempotent by key) and
// sends the same message ID again, which the ESP records once.
func (e *Engine) tellBalance(ctx context.Context, ef *Effect, key string, amount decimal.Decimal, currency string, at time.Time, to Contact) error {
	m := Message{ID: "cashback:" + key, Kind: MessageCashback, At: at, Customer: to, OrderID: ef.OrderID,
		Currency: currency, Cashback: amount}
	bal, err := e.ledger.Balance(ctx, at, cashback.Account{CustomerID: to.CustomerID, Currency: currency})
	if err != nil {
		return err
	}
	m.Balance, m.NextExpiry = bal.Available, bal.NextExpiry
	return e.notifier.Send(ctx, m)
}

// Run ticks every Config.TickEvery until ctx ends, logging (not
// returning) the errors of single ticks. It returns ctx's error.
func (e *Engine) Run(ctx context.Context) error {
	tk := time.NewTicker(e.tick)
	defer tk.Stop()
	for {
		if _, err := e.Tick(ctx, e.now()); err != nil && ctx.Err() == nil {
			e.log.Error("postpurchase: tick failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tk.C:
		}
	}
}

// Journal returns an order's journal, oldest first.
func (e *Engine) Journal(ctx context.Context, orderID string) ([]JournalEntry, error) {
	if _, err := e.store.LoadOrder(ctx, orderID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, notFound("journal", "order_id", orderID)
		}
		return nil, err
	}
	return e.store.Journal(ctx, orderID)
}

// money formats an amount with its currency's minor units.
func money(d decimal.Decimal, currency string) string {
	mu, ok := iso4217.MinorUnits(currency)
	if !ok {
		mu = 2
	}
	return currency + " " + d.StringFixed(mu)
}
