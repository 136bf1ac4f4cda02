package riverwork_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/riverwork"
)

// clock is a settable clock shared by the Engine and the Runner.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// fixture is an Engine on a backend whose store inserts the
// ExecuteEffect jobs through an Outbox.
type fixture struct {
	db    backend
	sim   *simulator.Carrier
	eng   *postpurchase.Engine
	store postpurchase.Store
	note  *postpurchase.MemoryNotifier
	clock *clock
	fail  atomic.Bool // make the outbox hook fail
}

// errHook is the outbox hook's failure while fixture.fail is set.
var errHook = errors.New("hook failed")

func newFixture(t *testing.T, db backend) *fixture {
	t.Helper()
	f := &fixture{db: db, note: new(postpurchase.MemoryNotifier), clock: &clock{now: placed}}
	f.store = db.store(t, &f.fail)
	var err error
	if f.sim, err = simulator.New(simulator.Options{Seed: 5, Now: f.clock.Now}); err != nil {
		t.Fatal(err)
	}
	f.eng, err = postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{f.sim}, Store: f.store,
		Customers: customers{}, Notifier: f.note, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// register registers order id with one simulated shipment labelled at
// placed.
func (f *fixture) register(t *testing.T, id string) string {
	t.Helper()
	number, err := f.sim.Ship(simulator.Plan{LabelCreatedAt: placed})
	if err != nil {
		t.Fatal(err)
	}
	err = f.eng.Register(context.Background(), placed, postpurchase.Order{ID: id, CustomerID: "c-" + id, PlacedAt: placed,
		Currency: "USD", Total: decimal.New(50, 0),
		Shipments: []postpurchase.Shipment{{ID: "s-" + id, Carrier: simulator.Code, TrackingNumber: number, LabelCreatedAt: placed}}})
	if err != nil {
		t.Fatal(err)
	}
	return number
}

// ingestAll pushes every scan of the shipment at once, as of at.
func (f *fixture) ingestAll(t *testing.T, number string, at time.Time) error {
	t.Helper()
	evs, _ := f.sim.Script(number)
	return f.eng.Ingest(context.Background(), at, &carriers.Tracking{Carrier: simulator.Code, TrackingNumber: number, Events: evs})
}

// lastScan is the time of the shipment's last scan.
func (f *fixture) lastScan(t *testing.T, number string) time.Time {
	t.Helper()
	evs, _ := f.sim.Script(number)
	if len(evs) == 0 {
		t.Fatal("no scan")
	}
	return evs[len(evs)-1].Time
}

// effectJobs returns the effect IDs of the queued ExecuteEffect jobs and
// the IDs of the stored effects.
func (f *fixture) effectJobs(t *testing.T) (jobs, effects map[string]int) {
	t.Helper()
	jobs, effects = map[string]int{}, map[string]int{}
	for _, id := range f.db.strings(t, `SELECT args->>'effect_id' FROM river_job WHERE kind = '`+riverwork.KindExecuteEffect+`'`) {
		jobs[id]++
	}
	for _, id := range f.db.strings(t, `SELECT effect_id FROM effects`) {
		effects[id]++
	}
	return jobs, effects
}

// The ExecuteEffect jobs are written by the commit that creates the
// effects, one per effect, and not at all when the commit is not.
func TestOutbox(t *testing.T) {
	backends(t, testOutbox)
}

func testOutbox(t *testing.T, db backend) {
	f := newFixture(t, db)
	ctx := context.Background()
	n1 := f.register(t, "o1")
	if err := f.ingestAll(t, n1, f.lastScan(t, n1)); err != nil {
		t.Fatal(err)
	}
	jobs, effects := f.effectJobs(t)
	if len(effects) == 0 {
		t.Fatal("the scans created no effect")
	}
	for id := range effects {
		if jobs[id] != 1 {
			t.Errorf("effect %s has %d jobs, want 1", id, jobs[id])
		}
	}
	if len(jobs) != len(effects) {
		t.Errorf("%d jobs for %d effects", len(jobs), len(effects))
	}

	// A failing hook rolls the commit back: no order, no effect, no job.
	n2 := f.register(t, "o2")
	f.fail.Store(true)
	if err := f.ingestAll(t, n2, f.lastScan(t, n2)); !errors.Is(err, errHook) {
		t.Fatalf("ingest with a failing outbox: %v, want the hook's error", err)
	}
	f.fail.Store(false)
	rec, err := f.store.LoadOrder(ctx, "o2")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Version != 1 {
		t.Errorf("order o2 at version %d after a rolled-back commit, want 1", rec.Version)
	}
	jobs2, effects2 := f.effectJobs(t)
	if len(jobs2) != len(jobs) || len(effects2) != len(effects) {
		t.Errorf("after a rolled-back commit: %d jobs, %d effects; want %d, %d", len(jobs2), len(effects2), len(jobs), len(effects))
	}

	// A commit that loses the version race writes no job either.
	stale := *rec
	stale.Version = 5
	err = f.store.Commit(ctx, &postpurchase.Commit{Order: &stale, Effects: []postpurchase.Effect{{ID: "x", OrderID: "o2", Kind: postpurchase.EffectTask, At: placed}}})
	if !errors.Is(err, postpurchase.ErrConflict) {
		t.Fatalf("stale commit: %v, want ErrConflict", err)
	}
	if jobs3, _ := f.effectJobs(t); len(jobs3) != len(jobs) {
		t.Errorf("a conflicting commit queued jobs: %d, want %d", len(jobs3), len(jobs))
	}
}

// Two RefreshShipment jobs for one shipment are never queued at once.
func TestRefreshUnique(t *testing.T) {
	backends(t, testRefreshUnique)
}

func testRefreshUnique(t *testing.T, db backend) {
	opts := &river.InsertOpts{UniqueOpts: riverwork.UniqueWhileQueued}
	a := riverwork.RefreshShipmentArgs{OrderID: "o1", ShipmentID: "s1"}
	b := riverwork.RefreshShipmentArgs{OrderID: "o1", ShipmentID: "s2"}
	first, other := db.insert(t, a, opts), db.insert(t, b, opts)
	if first.UniqueSkippedAsDuplicate || other.UniqueSkippedAsDuplicate {
		t.Fatal("first inserts skipped")
	}
	again := db.insert(t, a, opts)
	if !again.UniqueSkippedAsDuplicate || again.Job.ID != first.Job.ID {
		t.Errorf("second job for one queued shipment: skipped=%v id=%d, want the first (%d)", again.UniqueSkippedAsDuplicate, again.Job.ID, first.Job.ID)
	}
	// Once the first is done, the shipment may be queued again.
	db.complete(t, first.Job.ID)
	if next := db.insert(t, a, opts); next.UniqueSkippedAsDuplicate {
		t.Error("a shipment whose refresh completed cannot be queued again")
	}
}

// One Runner carries out the effects through their jobs, and the schedule
// refreshes the shipments that come due.
func TestRunner(t *testing.T) {
	backends(t, testRunner)
}

func testRunner(t *testing.T, db backend) {
	f := newFixture(t, db)
	ctx := context.Background()
	var numbers []string
	for _, id := range []string{"o1", "o2", "o3"} {
		numbers = append(numbers, f.register(t, id))
	}
	// Half-way through the shipments' lives.
	mid := placed.Add(30 * time.Hour)
	f.clock.Set(mid)
	for _, n := range numbers {
		evs, _ := f.sim.Script(n)
		var before []carriers.Event
		for _, e := range evs {
			if !e.Time.After(mid) {
				before = append(before, e)
			}
		}
		if err := f.eng.Ingest(ctx, mid, &carriers.Tracking{Carrier: simulator.Code, TrackingNumber: n, Events: before}); err != nil {
			t.Fatal(err)
		}
	}
	run, err := db.runner(f.eng, riverwork.Options{ScheduleEvery: 100 * time.Millisecond,
		SweepEvery: -1, Snooze: 100 * time.Millisecond, Now: f.clock.Now,
		Client: &river.Config{TestOnly: true, FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer run.Stop(ctx) //nolint:errcheck // the test's end
	waitFor(t, "effects done", func() bool { return pendingEffects(t, f) == 0 })
	if f.note.Sends() == 0 {
		t.Fatal("no message sent")
	}
	// Every shipment comes due: the schedule queues a refresh for each,
	// whose delay check moves its next check past now.
	later := mid.Add(7 * 24 * time.Hour)
	if due, err := f.store.Due(ctx, later, 10); err != nil || len(due) != 3 {
		t.Fatalf("due at %v: %v, %v; want the 3 shipments", later, due, err)
	}
	f.clock.Set(later)
	waitFor(t, "shipments refreshed", func() bool {
		due, err := f.store.Due(ctx, later, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(due) == 0
	})
	// River marks jobs completed in batches, a moment after they return.
	waitFor(t, "refresh jobs completed", func() bool {
		return db.count(t, `SELECT count(*) FROM river_job WHERE kind = '`+riverwork.KindRefreshShipment+`' AND state = 'completed'`) >= 3
	})
	waitFor(t, "effects of the refreshes done", func() bool { return pendingEffects(t, f) == 0 })
}

func pendingEffects(t *testing.T, f *fixture) int {
	return f.db.count(t, `SELECT count(*) FROM effects WHERE state = 'pending'`)
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(time.Minute); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// flaky fails the first sends of every message, then passes them on.
type flaky struct {
	mu    sync.Mutex
	fails map[string]int
	left  int // failures per message
	next  postpurchase.Notifier
}

func (f *flaky) Send(ctx context.Context, m postpurchase.Message) error {
	f.mu.Lock()
	if f.fails[m.ID] < f.left {
		f.fails[m.ID]++
		f.mu.Unlock()
		return errors.New("esp unavailable")
	}
	f.mu.Unlock()
	return f.next.Send(ctx, m)
}

// An effect whose attempt fails is retried by its job once the Engine's
// back-off has passed, and carried out once.
func TestRunnerRetriesFailedEffect(t *testing.T) {
	backends(t, testRunnerRetriesFailedEffect)
}

func testRunnerRetriesFailedEffect(t *testing.T, db backend) {
	f := newFixture(t, db)
	ctx := context.Background()
	esp := &flaky{fails: map[string]int{}, left: 2, next: f.note}
	var err error
	f.eng, err = postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{f.sim}, Store: f.store,
		Customers: customers{}, Notifier: esp, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	n := f.register(t, "o1")
	last := f.lastScan(t, n)
	f.clock.Set(last)
	if err := f.ingestAll(t, n, last); err != nil {
		t.Fatal(err)
	}
	want := pendingEffects(t, f)
	if want == 0 {
		t.Fatal("no effect to carry out")
	}
	run, err := db.runner(f.eng, riverwork.Options{ScheduleEvery: -1, SweepEvery: -1,
		Snooze: 50 * time.Millisecond, Now: f.clock.Now,
		Client: &river.Config{TestOnly: true, FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
			RetryPolicy: immediateRetry{}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer run.Stop(ctx) //nolint:errcheck // the test's end
	// Each failed attempt puts the effect off by the Engine's back-off
	// (minutes); the clock moves on so that it comes due again.
	waitFor(t, "effects done", func() bool {
		f.clock.Set(f.clock.Now().Add(time.Minute))
		return pendingEffects(t, f) == 0
	})
	esp.mu.Lock()
	defer esp.mu.Unlock()
	for id, k := range esp.fails {
		if k != 2 {
			t.Errorf("message %s failed %d times, want 2", id, k)
		}
	}
	sent := map[string]int{}
	for _, m := range f.note.Messages() {
		sent[m.ID]++
	}
	for id, k := range sent {
		if k != 1 {
			t.Errorf("message %s sent %d times", id, k)
		}
	}
	if len(sent) != len(esp.fails) {
		t.Errorf("%d messages sent, %d attempted", len(sent), len(esp.fails))
	}
}

// immediateRetry retries a failed job at once (River's default waits
// attempt⁴ seconds).
type immediateRetry struct{}

func (immediateRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }
