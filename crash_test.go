package postpurchase_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
)

var crashAll = flag.Bool("crash.all", false, "TestCrashEveryStep: crash at every step, not every 25th (about 750 whole runs, a minute without -race)")

// errCrash is what a killed Engine's calls return: the process died.
var errCrash = errors.New("crash: the process was killed")

// crasher kills the Engine at its at-th step (store call or side effect);
// after that every step fails, as nothing runs in a dead process.
type crasher struct {
	mu   sync.Mutex
	n    int
	at   int
	dead bool
}

// step counts a step and reports whether the process dies at it, and
// whether it dies after doing the step's work (a lost acknowledgement)
// rather than before.
func (c *crasher) step() (die, after bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return false, false, errCrash
	}
	c.n++
	if c.n == c.at {
		c.dead = true
		return true, c.n%2 == 0, nil
	}
	return false, false, nil
}

// do runs one step around work.
func (c *crasher) do(work func() error) error {
	die, after, err := c.step()
	if err != nil {
		return err
	}
	if die && !after {
		return errCrash
	}
	werr := work()
	if die {
		return errCrash
	}
	return werr
}

// crashStore is a Store whose calls the crasher can kill.
type crashStore struct {
	postpurchase.Store
	c *crasher
}

func (s crashStore) LoadOrder(ctx context.Context, id string) (r *postpurchase.OrderRecord, err error) {
	err = s.c.do(func() (e error) { r, e = s.Store.LoadOrder(ctx, id); return })
	return
}

func (s crashStore) FindShipment(ctx context.Context, c, n string) (r postpurchase.ShipmentRef, err error) {
	err = s.c.do(func() (e error) { r, e = s.Store.FindShipment(ctx, c, n); return })
	return
}

func (s crashStore) Due(ctx context.Context, now time.Time, limit int) (r []postpurchase.ShipmentRef, err error) {
	err = s.c.do(func() (e error) { r, e = s.Store.Due(ctx, now, limit); return })
	return
}

func (s crashStore) Commit(ctx context.Context, cm *postpurchase.Commit) error {
	return s.c.do(func() error { return s.Store.Commit(ctx, cm) })
}

func (s crashStore) ClaimEffects(ctx context.Context, now time.Time, limit int, lease time.Duration) (r []postpurchase.PendingEffect, err error) {
	err = s.c.do(func() (e error) { r, e = s.Store.ClaimEffects(ctx, now, limit, lease); return })
	return
}

func (s crashStore) CompleteEffect(ctx context.Context, now time.Time, id, token string) error {
	return s.c.do(func() error { return s.Store.CompleteEffect(ctx, now, id, token) })
}

func (s crashStore) RetryEffect(ctx context.Context, now time.Time, id, token string, at time.Time, msg string) error {
	return s.c.do(func() error { return s.Store.RetryEffect(ctx, now, id, token, at, msg) })
}

func (s crashStore) CreditTotal(ctx context.Context, cust string, since time.Time) (r postpurchase.BudgetRead, err error) {
	err = s.c.do(func() (e error) { r, e = s.Store.CreditTotal(ctx, cust, since); return })
	return
}

// crashNotifier kills the Engine around a send: before it, or after the
// ESP accepted it (the acknowledgement is lost).
type crashNotifier struct {
	postpurchase.Notifier
	c *crasher
}

func (n crashNotifier) Send(ctx context.Context, m postpurchase.Message) error {
	return n.c.do(func() error { return n.Notifier.Send(ctx, m) })
}

type crashTasks struct {
	postpurchase.TaskHandler
	c *crasher
}

func (t crashTasks) Handle(ctx context.Context, tk postpurchase.Task) error {
	return t.c.do(func() error { return t.TaskHandler.Handle(ctx, tk) })
}

// outside is what survives a crash: the database, the ledger, the ESP and
// the host's task queue.
type outside struct {
	store    *postpurchase.MemoryStore
	ledger   *cashback.Ledger
	notifier *postpurchase.MemoryNotifier
	tasks    *postpurchase.MemoryTasks
	w        *world
	orders   []postpurchase.Order
	lastTick time.Time
	// esp, when set, replaces notifier as the ESP the engines send to.
	esp postpurchase.Notifier
}

func newOutside(t tb) *outside {
	ms, err := memstore.New(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := cashback.New(ms, cashback.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := &outside{store: postpurchase.NewMemoryStore(), ledger: l, notifier: new(postpurchase.MemoryNotifier), tasks: new(postpurchase.MemoryTasks), w: newWorld(7)}
	o.orders = o.w.orders(t, scenarioPlans)
	return o
}

// engine starts an Engine process over the outside world, killed by c
// (nil: never).
func (o *outside) engine(t tb, c *crasher) *postpurchase.Engine {
	var store postpurchase.Store = o.store
	var notifier postpurchase.Notifier = o.notifier
	if o.esp != nil {
		notifier = o.esp
	}
	var tasks postpurchase.TaskHandler = o.tasks
	if c != nil {
		store, notifier, tasks = crashStore{o.store, c}, crashNotifier{notifier, c}, crashTasks{o.tasks, c}
	}
	e, err := postpurchase.New(postpurchase.Config{
		Carriers: []carriers.Carrier{o.w.sim}, Store: store, Ledger: o.ledger, Notifier: notifier, Tasks: tasks,
		Customers: scenarioCustomers(), Now: func() time.Time { return o.w.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// crashTick is the scenario's tick: coarser than a host's, to keep the
// number of crash points (every one of which is a whole run) small.
const crashTick = 6 * time.Hour

// journey runs the scenario: register, then tick every crashTick for 16
// days. Whenever the Engine is killed a new one starts (with the next
// crash point, if any) and redoes the step that failed.
func (o *outside) journey(t tb, crashes []int) (steps int) {
	ctx := context.Background()
	next := func() *crasher {
		c := &crasher{}
		if len(crashes) > 0 {
			c.at, crashes = crashes[0], crashes[1:]
		}
		return c
	}
	c := next()
	e := o.engine(t, c)
	retry := func(what string, f func(*postpurchase.Engine) error) {
		for range 50 {
			err := f(e)
			if err == nil {
				return
			}
			if !errors.Is(err, errCrash) {
				t.Fatalf("%s: %v", what, err)
			}
			steps += c.n
			c = next()
			e = o.engine(t, c)
		}
		t.Fatalf("%s: still crashing after 50 restarts", what)
	}
	for _, ord := range o.orders {
		retry("register", func(e *postpurchase.Engine) error { return e.Register(ctx, o.w.now, ord) })
	}
	for ; o.w.now.Before(placed.AddDate(0, 0, 16)); o.w.now = o.w.now.Add(crashTick) {
		retry("tick", func(e *postpurchase.Engine) error { _, err := e.Tick(ctx, o.w.now); return err })
		o.lastTick = o.w.now
		if o.w.now.Equal(placed.AddDate(0, 0, 12)) {
			// The risky customer and the VIP report their lost parcels.
			for _, id := range []string{"#1002", "#1005"} {
				retry("claim", func(e *postpurchase.Engine) error {
					_, err := e.FileClaim(ctx, o.w.now, postpurchase.ClaimRequest{OrderID: id, ShipmentID: "s" + id, Reason: postpurchase.ReasonNotReceived})
					return err
				})
			}
		}
	}
	// Whatever a last crash left pending is drained by the next process.
	retry("drain", func(e *postpurchase.Engine) error { _, err := e.Drain(ctx, o.w.now.Add(24*time.Hour)); return err })
	return steps + c.n
}

// outcome is what the customer and the brand see.
type outcome struct {
	Credits  []string // key=amount, from the ledger
	Messages []string // message IDs accepted by the ESP
	Sends    int
	Tasks    []string
	Journal  []string
	Pending  int
	Stuck    []string // shipments not settled
}

func (o *outside) outcome(t tb) outcome {
	ctx := context.Background()
	var out outcome
	seenCust := map[string]bool{}
	for _, ord := range o.orders {
		if !seenCust[ord.CustomerID] {
			seenCust[ord.CustomerID] = true
			for en, err := range o.ledger.Entries(ctx, cashback.Account{CustomerID: ord.CustomerID, Currency: "USD"}) {
				if err != nil {
					t.Fatal(err)
				}
				out.Credits = append(out.Credits, en.Key+"="+en.Amount.String())
			}
		}
		js, err := o.store.Journal(ctx, ord.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range js {
			out.Journal = append(out.Journal, fmt.Sprintf("%s %d %s %s", ord.ID, j.Seq, j.Kind, j.Text))
		}
		effs, _ := o.store.Effects(ctx, ord.ID)
		for _, ef := range effs {
			if ef.State != postpurchase.EffectDone {
				out.Pending++
			}
		}
		rec, err := o.store.LoadOrder(ctx, ord.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range rec.Shipments {
			// Due at the last tick, yet not handled by it: stuck.
			if !s.NextCheck.IsZero() && !s.NextCheck.After(o.lastTick) {
				out.Stuck = append(out.Stuck, s.ID)
			}
		}
	}
	for _, m := range o.notifier.Messages() {
		out.Messages = append(out.Messages, m.ID)
	}
	out.Sends = o.notifier.Sends()
	for _, tk := range o.tasks.Tasks() {
		out.Tasks = append(out.Tasks, tk.ID)
	}
	slices.Sort(out.Credits)
	slices.Sort(out.Messages)
	slices.Sort(out.Tasks)
	return out
}

// panicTB fails by panicking, so that a failure inside the shared
// reference run reaches whichever test asked for it.
type panicTB struct{}

func (panicTB) Helper()                           {}
func (panicTB) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (panicTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

var (
	refOnce  sync.Once
	refOut   outcome
	refSteps int
	refFail  string
)

// reference is the scenario run without crashes, computed once; a failure
// in it fails every test that uses it, with its message.
func reference(t tb) (outcome, int) {
	t.Helper()
	refOnce.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				refFail = fmt.Sprint(r)
			}
		}()
		o := newOutside(panicTB{})
		refSteps = o.journey(panicTB{}, nil)
		refOut = o.outcome(panicTB{})
	})
	if refFail != "" {
		t.Fatalf("the crash-free reference run failed: %s", refFail)
	}
	return refOut, refSteps
}

func TestCrashReferenceRun(t *testing.T) {
	ref, steps := reference(t)
	if len(ref.Credits) == 0 || len(ref.Messages) == 0 || len(ref.Tasks) == 0 || ref.Pending != 0 || len(ref.Stuck) != 0 {
		t.Fatalf("the reference run must credit, message and task, and finish clean: %d credits, %d messages, %d tasks, %d pending, stuck %v",
			len(ref.Credits), len(ref.Messages), len(ref.Tasks), ref.Pending, ref.Stuck)
	}
	t.Logf("reference run: %d steps, %d credits, %d messages, %d tasks, %d journal entries", steps, len(ref.Credits), len(ref.Messages), len(ref.Tasks), len(ref.Journal))
}

// TestCrashEveryStep kills the Engine at every step of the scenario in
// turn (every store call and every side effect, before and after its
// work), restarts it, and checks the outcome is the crash-free one: each
// credit exactly once, each message accepted once, each task once,
// nothing pending, no shipment stuck, the same journal.
func TestCrashEveryStep(t *testing.T) {
	ref, steps := reference(t)
	stride := 25 // every 25th step by default (~30 whole runs); -crash.all runs them all
	if *crashAll {
		stride = 1
	} else if testing.Short() {
		stride = 75
	}
	for at := 1; at <= steps; at += stride {
		o := newOutside(t)
		o.journey(t, []int{at})
		checkOutcome(t, fmt.Sprintf("crash at step %d", at), ref, o.outcome(t))
	}
}

// TestCrashReplays: several crashes in one run, at points rapid chooses.
func TestCrashReplays(t *testing.T) {
	ref, steps := reference(t)
	// Each check is a whole run: 12 by default, rapid's 100 with
	// -crash.all, or what -rapid.checks says.
	if f := flag.Lookup("rapid.checks"); f != nil && f.Value.String() == f.DefValue && !*crashAll {
		_ = f.Value.Set("12")
		defer func() { _ = f.Value.Set(f.DefValue) }()
	}
	rapid.Check(t, func(rt *rapid.T) {
		crashes := rapid.SliceOfN(rapid.IntRange(1, steps/2), 1, 5).Draw(rt, "crashes")
		o := newOutside(rt)
		o.journey(rt, crashes)
		checkOutcome(rt, fmt.Sprint("crashes at ", crashes), ref, o.outcome(rt))
	})
}

func checkOutcome(t tb, what string, ref, got outcome) {
	t.Helper()
	if !slices.Equal(ref.Credits, got.Credits) {
		t.Fatalf("%s: ledger credits\n got %v\nwant %v", what, got.Credits, ref.Credits)
	}
	if !slices.Equal(ref.Messages, got.Messages) {
		t.Fatalf("%s: messages accepted\n got %v\nwant %v", what, got.Messages, ref.Messages)
	}
	if !slices.Equal(ref.Tasks, got.Tasks) {
		t.Fatalf("%s: tasks\n got %v\nwant %v", what, got.Tasks, ref.Tasks)
	}
	if got.Pending != 0 || len(got.Stuck) != 0 {
		t.Fatalf("%s: %d effects left pending, stuck shipments %v", what, got.Pending, got.Stuck)
	}
	if !slices.Equal(ref.Journal, got.Journal) {
		for i := range min(len(ref.Journal), len(got.Journal)) {
			if ref.Journal[i] != got.Journal[i] {
				t.Fatalf("%s: journal differs at line %d:\n got %s\nwant %s", what, i, got.Journal[i], ref.Journal[i])
			}
		}
		t.Fatalf("%s: journal has %d lines, want %d", what, len(got.Journal), len(ref.Journal))
	}
}

// TestTwoEnginesRace runs two Engine processes on one store, ticking at
// the same instants concurrently: each credit is paid once, each message
// accepted once, and nothing is left pending or stuck.
func TestTwoEnginesRace(t *testing.T) {
	ctx := context.Background()
	o := newOutside(t)
	a, b := o.engine(t, nil), o.engine(t, nil)
	for _, ord := range o.orders {
		if err := a.Register(ctx, o.w.now, ord); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex // the shared clock moves only between rounds
	for ; o.w.now.Before(placed.AddDate(0, 0, 16)); o.w.now = o.w.now.Add(crashTick) {
		var wg sync.WaitGroup
		for _, e := range []*postpurchase.Engine{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mu.Lock()
				now := o.w.now
				mu.Unlock()
				if _, err := e.Tick(ctx, now); err != nil {
					t.Error(err)
				}
				if now.Equal(placed.AddDate(0, 0, 12)) {
					for _, id := range []string{"#1002", "#1005"} {
						_, err := e.FileClaim(ctx, now, postpurchase.ClaimRequest{OrderID: id, ShipmentID: "s" + id, Reason: postpurchase.ReasonNotReceived})
						if err != nil {
							t.Error(err)
						}
					}
				}
			}()
		}
		wg.Wait()
		o.lastTick = o.w.now
	}
	if _, err := a.Drain(ctx, o.w.now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got := o.outcome(t)
	if got.Pending != 0 || len(got.Stuck) != 0 {
		t.Fatalf("%d effects pending, stuck %v", got.Pending, got.Stuck)
	}
	keys := map[string]bool{}
	for _, c := range got.Credits {
		k, _, _ := strings.Cut(c, "=")
		if keys[k] {
			t.Fatalf("credit %s paid twice", c)
		}
		keys[k] = true
	}
	seen := map[string]bool{}
	for _, id := range got.Messages {
		if seen[id] {
			t.Fatalf("message %s accepted twice", id)
		}
		seen[id] = true
	}
	ref, _ := reference(t)
	if len(got.Credits) != len(ref.Credits) || len(got.Messages) != len(ref.Messages) || len(got.Tasks) != len(ref.Tasks) {
		t.Fatalf("two racing engines: %d credits, %d messages, %d tasks; one engine: %d, %d, %d",
			len(got.Credits), len(got.Messages), len(got.Tasks), len(ref.Credits), len(ref.Messages), len(ref.Tasks))
	}
}

func (s crashStore) ClaimEffect(ctx context.Context, now time.Time, id string, lease time.Duration) (p postpurchase.PendingEffect, ok bool, err error) {
	err = s.c.do(func() (e error) { p, ok, e = s.Store.ClaimEffect(ctx, now, id, lease); return })
	return
}
