package riverwork_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/pgstore"
	"github.com/postpurchase/postpurchase/riverwork"
)

// clock is a settable clock shared by the Engine and the Runner.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// fixture is an Engine on a test schema whose store inserts the
// ExecuteEffect jobs through hook (an Outbox's by default).
type fixture struct {
	db    *testDB
	sim   *simulator.Carrier
	eng   *postpurchase.Engine
	store *pgstore.Store
	note  *postpurchase.MemoryNotifier
	clock *clock
	fail  bool // make the hook fail
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: newTestDB(t), note: new(postpurchase.MemoryNotifier), clock: &clock{now: placed}}
	if err := migrate(ctx, f.db.pool, f.db.schema); err != nil {
		t.Fatal(err)
	}
	ob, err := riverwork.NewOutbox(riverwork.Options{Schema: f.db.schema})
	if err != nil {
		t.Fatal(err)
	}
	hook := func(ctx context.Context, tx pgx.Tx, c *postpurchase.Commit) error {
		if f.fail {
			return errors.New("hook failed")
		}
		return ob.AfterCommitTx(ctx, tx, c)
	}
	if f.store, err = pgstore.New(f.db.pool, pgstore.Options{AfterCommitTx: hook}); err != nil {
		t.Fatal(err)
	}
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
	ctx := context.Background()
	jobs, effects = map[string]int{}, map[string]int{}
	for q, m := range map[string]map[string]int{
		`SELECT args->>'effect_id' FROM river_job WHERE kind = '` + riverwork.KindExecuteEffect + `'`: jobs,
		`SELECT effect_id FROM effects`: effects,
	} {
		rows, err := f.db.pool.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var id string
		if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { m[id]++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	return jobs, effects
}

// The ExecuteEffect jobs are written by the commit that creates the
// effects, one per effect, and not at all when the commit is not.
func TestOutbox(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
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
	f.fail = true
	if err := f.ingestAll(t, n2, f.lastScan(t, n2)); err == nil {
		t.Fatal("ingest with a failing outbox succeeded")
	}
	f.fail = false
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
	t.Parallel()
	db := newTestDB(t)
	ctx := context.Background()
	if err := migrate(ctx, db.pool, db.schema); err != nil {
		t.Fatal(err)
	}
	c, err := river.NewClient(riverpgxv5.New(db.pool), &river.Config{Schema: db.schema})
	if err != nil {
		t.Fatal(err)
	}
	opts := &river.InsertOpts{UniqueOpts: riverwork.UniqueWhileQueued}
	a := riverwork.RefreshShipmentArgs{OrderID: "o1", ShipmentID: "s1"}
	b := riverwork.RefreshShipmentArgs{OrderID: "o1", ShipmentID: "s2"}
	res, err := c.InsertMany(ctx, []river.InsertManyParams{{Args: a, InsertOpts: opts}, {Args: b, InsertOpts: opts}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].UniqueSkippedAsDuplicate || res[1].UniqueSkippedAsDuplicate {
		t.Fatal("first inserts skipped")
	}
	again, err := c.Insert(ctx, a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !again.UniqueSkippedAsDuplicate || again.Job.ID != res[0].Job.ID {
		t.Errorf("second job for one queued shipment: skipped=%v id=%d, want the first (%d)", again.UniqueSkippedAsDuplicate, again.Job.ID, res[0].Job.ID)
	}
	// Once the first is done, the shipment may be queued again.
	if _, err := db.pool.Exec(ctx, `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, res[0].Job.ID); err != nil {
		t.Fatal(err)
	}
	next, err := c.Insert(ctx, a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if next.UniqueSkippedAsDuplicate {
		t.Error("a shipment whose refresh completed cannot be queued again")
	}
}

// One Runner carries out the effects through their jobs, and the schedule
// refreshes the shipments that come due.
func TestRunner(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
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
	run, err := riverwork.New(f.eng, f.db.pool, riverwork.Options{Schema: f.db.schema, ScheduleEvery: 100 * time.Millisecond,
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
		var refreshed int
		if err := f.db.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'completed'`,
			riverwork.KindRefreshShipment).Scan(&refreshed); err != nil {
			t.Fatal(err)
		}
		return refreshed >= 3
	})
	waitFor(t, "effects of the refreshes done", func() bool { return pendingEffects(t, f) == 0 })
}

func pendingEffects(t *testing.T, f *fixture) int {
	var n int
	if err := f.db.pool.QueryRow(context.Background(), `SELECT count(*) FROM effects WHERE state = 'pending'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
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
	t.Parallel()
	f := newFixture(t)
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
	run, err := riverwork.New(f.eng, f.db.pool, riverwork.Options{Schema: f.db.schema, ScheduleEvery: -1, SweepEvery: -1,
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
