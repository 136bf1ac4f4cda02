package riverwork_test

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
	"github.com/postpurchase/postpurchase/internal/benchcpu"
	"github.com/postpurchase/postpurchase/klaviyo"
	"github.com/postpurchase/postpurchase/klaviyo/klaviyotest"
	"github.com/postpurchase/postpurchase/pgstore"
	"github.com/postpurchase/postpurchase/riverwork"
	"github.com/postpurchase/postpurchase/tracking"
)

// The scale run: worker processes are this test binary re-executed with
// workerEnv set; they read the run's settings from the environment.
const (
	workerEnv   = "RIVERWORK_SCALE_WORKER" // the worker's index
	schemaEnv   = "RIVERWORK_SCALE_SCHEMA"
	klaviyoEnv  = "RIVERWORK_SCALE_KLAVIYO"
	shipEnv     = "RIVERWORK_SCALE_SHIPMENTS"
	startEnv    = "RIVERWORK_SCALE_T0"
	killsEnv    = "RIVERWORK_SCALE_KILLS"
	clientIDEnv = "RIVERWORK_SCALE_CLIENT_ID"
	// profileEnv names a directory where each worker process writes its
	// CPU profile when it stops normally (not when killed).
	profileEnv = "RIVERWORK_SCALE_CPUPROFILE"
	// sqlEnv names a directory where each worker process writes how many
	// times it sent each statement when it stops normally (see
	// sqlCounter). RIVERWORK_SCALE_SQL=1 in the test's environment makes
	// a PostgreSQL run set it and log the counts per scan.
	sqlEnv = "RIVERWORK_SCALE_SQLDIR"
)

// appName is the application_name of the worker processes' connections,
// by which a run finds the PostgreSQL backends serving them.
func appName(schema string) string { return "scale-" + schema }

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) != "" {
		if err := runWorker(); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// placed is the first order's time; the simulated lives run about three
// weeks from it.
var placed = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// simEnd is past every simulated event and decision.
var simEnd = placed.AddDate(0, 0, 60)

// speed is how fast the workers' clock (Execute, Drain, the schedule) runs
// from simEnd: an effect lease of 5 minutes left by a killed process
// expires in 5 seconds.
const speed = 60

// The step of the replay: a shipment's scans are pushed a day at a time
// (the webhook path), and a day without scans is a delay check.
const step = 24 * time.Hour

// scenario is n simulated shipments, the same in every process: the
// simulator is a function of its seed and the plans, shipped in order.
type scenario struct {
	n       int
	sim     *simulator.Carrier
	numbers []string
}

func newScenario(n int) (*scenario, error) {
	sim, err := simulator.New(simulator.Options{Seed: 13, Now: func() time.Time { return simEnd }})
	if err != nil {
		return nil, err
	}
	sc := &scenario{n: n, sim: sim, numbers: make([]string, n)}
	troubles := simulator.Troubles()
	for i := range n {
		tr := simulator.NoTrouble
		if i%6 == 0 {
			tr = troubles[1+(i/6)%(len(troubles)-1)]
		}
		if sc.numbers[i], err = sim.Ship(simulator.Plan{LabelCreatedAt: sc.label(i), Trouble: tr}); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

func (sc *scenario) label(i int) time.Time { return placed.Add(time.Duration(i%72) * time.Hour) }

func (sc *scenario) order(i int) postpurchase.Order {
	label := sc.label(i)
	id := fmt.Sprintf("o%06d", i)
	return postpurchase.Order{ID: id, CustomerID: fmt.Sprintf("c%06d", i), PlacedAt: label.Add(-time.Hour),
		Currency: "USD", Total: decimal.New(int64(30+i%170), 0),
		Shipments: []postpurchase.Shipment{{ID: "s" + id, Carrier: simulator.Code, TrackingNumber: sc.numbers[i],
			LabelCreatedAt: label, PromisedBy: time.Date(label.Year(), label.Month(), label.Day()+6, 23, 59, 0, 0, time.UTC)}}}
}

// scans is the number of scans of all shipments.
func (sc *scenario) scans() int {
	n := 0
	for _, num := range sc.numbers {
		evs, _ := sc.sim.Script(num)
		n += len(evs)
	}
	return n
}

// customers gives every customer an email, so messages reach Klaviyo.
type customers struct{}

func (customers) Customer(_ context.Context, id string) (postpurchase.Customer, error) {
	return postpurchase.Customer{Contact: postpurchase.Contact{CustomerID: id, Email: id + "@example.com"}}, nil
}

// replayArgs replays shipment I's life: register its order, then push its
// scans a day at a time, checking delays on days without scans. It is the
// test's stand-in for carrier webhooks spread over the processes; a
// replay started again after a kill repeats the same inputs, which the
// Engine takes as no-ops.
type replayArgs struct {
	I int `json:"i"`
}

func (replayArgs) Kind() string { return "riverwork_test.replay" }

type replayWorker struct {
	river.WorkerDefaults[replayArgs]
	sc  *scenario
	eng *postpurchase.Engine
}

func (w *replayWorker) Work(ctx context.Context, job *river.Job[replayArgs]) error {
	i := job.Args.I
	if i < 0 || i >= w.sc.n {
		return river.JobCancel(fmt.Errorf("shipment %d out of range", i))
	}
	o := w.sc.order(i)
	if err := w.eng.Register(ctx, o.PlacedAt, o); err != nil {
		return err
	}
	evs, _ := w.sc.sim.Script(w.sc.numbers[i])
	if len(evs) == 0 {
		return nil
	}
	ref := postpurchase.ShipmentRef{OrderID: o.ID, ShipmentID: o.Shipments[0].ID}
	last := evs[len(evs)-1].Time
	k := 0
	for at := w.sc.label(i).Add(step); !at.After(last.Add(step)); at = at.Add(step) {
		var batch []carriers.Event
		for ; k < len(evs) && !evs[k].Time.After(at); k++ {
			batch = append(batch, evs[k])
		}
		if len(batch) == 0 {
			if _, err := w.eng.Refresh(ctx, at, []postpurchase.ShipmentRef{ref}); err != nil {
				return err
			}
			continue
		}
		slices.Reverse(batch) // newest first, as carriers send them
		err := w.eng.Ingest(ctx, at, &carriers.Tracking{Carrier: simulator.Code, TrackingNumber: w.sc.numbers[i], Events: batch})
		if err != nil {
			return err
		}
	}
	return nil
}

// newScaleEngine returns the Engine of a scale run: the scenario's
// carrier (pushed), store and ledger store, messages to the Klaviyo at
// klaviyoURL.
func newScaleEngine(sc *scenario, st postpurchase.Store, ledgerStore cashback.Store, klaviyoURL string, clock func() time.Time) (*postpurchase.Engine, error) {
	ledger, err := cashback.New(ledgerStore, cashback.Options{})
	if err != nil {
		return nil, err
	}
	kc, err := klaviyo.New("pk_test_scale", klaviyo.Options{BaseURL: klaviyoURL, NoRateLimits: true,
		HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		return nil, err
	}
	notifier, err := postpurchase.NewKlaviyoNotifier(kc, klaviyo.Catalog{})
	if err != nil {
		return nil, err
	}
	return postpurchase.New(postpurchase.Config{
		Carriers: []carriers.Carrier{sc.sim}, Pushed: []string{simulator.Code}, Store: st, Ledger: ledger,
		Customers: customers{}, Notifier: notifier, Now: clock,
		// Far enough that the schedule finds nothing due during the run:
		// the replays check the delays at the simulated times.
		CheckEvery: 2 * 365 * 24 * time.Hour,
	})
}

// runWorker is one worker process: an Engine on the shared schema, its
// effects sent to the shared klaviyotest server, a Runner working the
// package's jobs and the replays until SIGTERM (or SIGKILL).
func runWorker() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if dir := os.Getenv(profileEnv); dir != "" {
		f, err := os.Create(filepath.Join(dir, "cpu-"+os.Getenv(clientIDEnv)+".pprof"))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	n, err := strconv.Atoi(os.Getenv(shipEnv))
	if err != nil {
		return err
	}
	t0, err := strconv.ParseInt(os.Getenv(startEnv), 10, 64)
	if err != nil {
		return err
	}
	start := time.Unix(0, t0)
	clock := func() time.Time { return simEnd.Add(time.Since(start) * speed) }
	maxWorkers := 12 // RIVERWORK_SCALE_MAXWORKERS: jobs one process works at once
	if v, err := strconv.Atoi(os.Getenv("RIVERWORK_SCALE_MAXWORKERS")); err == nil && v > 0 {
		maxWorkers = v
	}
	opts := riverwork.Options{
		MaxWorkers: maxWorkers, ScheduleEvery: 2 * time.Second, SweepEvery: 10 * time.Second,
		Snooze: time.Second, Now: clock,
	}
	wdb, err := openWorkerDB(ctx, opts)
	if err != nil {
		return err
	}
	defer wdb.close()
	sc, err := newScenario(n)
	if err != nil {
		return err
	}
	eng, err := newScaleEngine(sc, wdb.store, wdb.ledger, os.Getenv(klaviyoEnv), clock)
	if err != nil {
		return err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &replayWorker{sc: sc, eng: eng})
	opts.Client = &river.Config{
		ID: os.Getenv(clientIDEnv), Workers: workers, TestOnly: true,
		FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 200 * time.Millisecond,
		JobTimeout: 5 * time.Second, RescueStuckJobsAfter: 6 * time.Second,
	}
	r, err := wdb.runner(eng, opts)
	if err != nil {
		return err
	}
	if err := r.Start(ctx); err != nil {
		return err
	}
	fmt.Println("ready")
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return r.Stop(sctx)
}

// workerDB is a worker process's database: the Engine's store and the
// ledger's, the store's commits inserting the effect jobs, and a Runner
// on it.
type workerDB struct {
	store  postpurchase.Store
	ledger cashback.Store
	runner func(*postpurchase.Engine, riverwork.Options) (runner, error)
	close  func()
}

// openWorkerDB opens the run's database named by the environment: the
// SQLite file (sqliteEnv) or the PostgreSQL schema.
func openWorkerDB(ctx context.Context, opts riverwork.Options) (*workerDB, error) {
	if path := os.Getenv(sqliteEnv); path != "" {
		return openSQLiteWorkerDB(path, opts)
	}
	schema := os.Getenv(schemaEnv)
	cfg, err := pgxpool.ParseConfig(os.Getenv(urlEnv))
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(opts.MaxWorkers) + 4 // the jobs, River's listener, fetches and completions
	cfg.ConnConfig.RuntimeParams["application_name"] = appName(schema)
	cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	flush := func() {}
	if dir := os.Getenv(sqlEnv); dir != "" {
		counter := newSQLCounter()
		cfg.ConnConfig.Tracer = counter
		flush = func() {
			if err := counter.write(dir, os.Getenv(clientIDEnv)); err != nil {
				fmt.Fprintln(os.Stderr, "worker: sql counts:", err)
			}
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	opts.Schema = schema
	ob, err := riverwork.NewOutbox(opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	st, err := pgstore.New(pool, pgstore.Options{AfterCommitTx: ob.AfterCommitTx})
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &workerDB{store: st, ledger: st.Cashback(), close: func() { pool.Close(); flush() },
		runner: func(eng *postpurchase.Engine, opts riverwork.Options) (runner, error) {
			opts.Schema = schema
			return riverwork.New(eng, pool, opts)
		}}, nil
}

// proc is a running worker process.
type proc struct {
	idx, gen int
	cmd      *exec.Cmd
	done     chan struct{}
}

func (p *proc) clientID() string { return fmt.Sprintf("w%d-g%d", p.idx, p.gen) }

// cluster starts and kills worker processes for one run.
type cluster struct {
	t      testing.TB
	env    []string
	mu     sync.Mutex
	procs  []*proc
	gens   []int
	killed int
}

func (c *cluster) start(idx int) {
	c.t.Helper()
	c.gens[idx]++
	p := &proc{idx: idx, gen: c.gens[idx], done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), c.env...)
	p.cmd.Env = append(p.cmd.Env, workerEnv+"="+strconv.Itoa(idx), clientIDEnv+"="+p.clientID())
	p.cmd.Stderr = os.Stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ok := false
		for sc.Scan() {
			if sc.Text() == "ready" && !ok {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
		p.cmd.Wait() //nolint:errcheck // killed processes exit with a signal
		close(p.done)
	}()
	if !<-ready {
		c.t.Fatalf("worker %s exited before it was ready", p.clientID())
	}
	c.mu.Lock()
	c.procs[idx] = p
	c.mu.Unlock()
}

// kill SIGKILLs worker idx and starts it again.
func (c *cluster) kill(idx int) {
	c.t.Helper()
	c.mu.Lock()
	p := c.procs[idx]
	c.mu.Unlock()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		c.t.Fatal(err)
	}
	<-p.done
	c.killed++
	c.start(idx)
}

// pids returns the running workers' process IDs.
func (c *cluster) pids() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, p := range c.procs {
		if p != nil {
			out = append(out, p.cmd.Process.Pid)
		}
	}
	return out
}

// stop ends every worker with SIGTERM and waits for it.
func (c *cluster) stop() {
	for _, p := range c.procs {
		if p == nil {
			continue
		}
		p.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may be gone
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			p.cmd.Process.Kill() //nolint:errcheck // last resort
			<-p.done
		}
	}
}

// runResult is what one scale run measured.
type runResult struct {
	shipments, scans int
	elapsed          time.Duration
	replaysBy        map[string]int // worker index → replay jobs completed
	effectsBy        map[string]int // worker index → effect jobs completed
	killed           int
	rescued          int // jobs River rescued from killed processes
	duplicates       int // Klaviyo events re-sent and dropped by unique_id
	cpu              cpuSplit
	sql              map[string]int // statements sent by the workers (RIVERWORK_SCALE_SQL=1)
}

// scaleDB is the database of a scale run as the test process sees it:
// PostgreSQL (a schema) or SQLite (a file). The run and its checks are
// the same on both; the SQL differs.
type scaleDB interface {
	// env is what the worker processes need to open it.
	env() []string
	// insertReplays queues the n replay jobs.
	insertReplays(ctx context.Context, n int) error
	// progress counts the replays completed, the jobs still open (other
	// than the periodic ones) and the effects pending.
	progress(ctx context.Context) (replays, open, pending int, err error)
	// jobStates sums up the jobs by kind and state, for a failure message.
	jobStates(ctx context.Context) string
	// outcome reads what the run left.
	outcome(ctx context.Context) (*outcome, error)
}

// serverDB is a scaleDB with server processes serving the workers
// (PostgreSQL): backends returns their process IDs now, as the server
// knows them.
type serverDB interface {
	backends(ctx context.Context) []int
}

// outcome is what a scale run left in the database.
type outcome struct {
	replaysBy, effectsBy map[string]int    // worker index → jobs completed
	rescued              int               // jobs rescued from killed processes
	statuses             map[string]string // shipment ID → status
	notDone              int               // effects not done
	// credits is the credit effects, matched those with an issue entry of
	// the same key, customer and amount, issues the issue entries.
	credits, matched, issues int
	off                      int // accounts whose earned total differs from their issue entries
	messages                 int // effects that send to Klaviyo
}

// pgScaleDB is a schema of its own on the test server.
type pgScaleDB struct{ db *testDB }

func newPGScaleDB(t testing.TB) *pgScaleDB {
	db := newTestDB(t)
	if err := migrate(context.Background(), db.pool, db.schema); err != nil {
		t.Fatal(err)
	}
	return &pgScaleDB{db: db}
}

func (p *pgScaleDB) env() []string {
	return []string{urlEnv + "=" + p.db.url, schemaEnv + "=" + p.db.schema}
}

// backends lists the backends whose application_name is the workers'.
func (p *pgScaleDB) backends(ctx context.Context) []int {
	rows, err := p.db.pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, appName(p.db.schema))
	if err != nil {
		return nil
	}
	pids, _ := pgx.CollectRows(rows, pgx.RowTo[int])
	return pids
}

func (p *pgScaleDB) insertReplays(ctx context.Context, n int) error {
	inserter, err := river.NewClient(riverpgxv5.New(p.db.pool), &river.Config{Schema: p.db.schema})
	if err != nil {
		return err
	}
	_, err = inserter.InsertManyFast(ctx, replayParams(n))
	return err
}

// replayParams are the replay jobs of n shipments. They are all queued at
// the start, where real webhooks would arrive over time: at River's
// default priority, the effect jobs the replays' commits queue would wait
// behind every replay (River takes jobs by priority, then in order), and
// the sweep would carry out the effects meanwhile, one at a time, while
// their jobs find them leased and snooze. A lower priority (2) lets the
// effect jobs go first, as they would with webhooks spread over time.
func replayParams(n int) []river.InsertManyParams {
	params := make([]river.InsertManyParams, n)
	opts := &river.InsertOpts{Priority: 2}
	for i := range n {
		params[i] = river.InsertManyParams{Args: replayArgs{I: i}, InsertOpts: opts}
	}
	return params
}

func (p *pgScaleDB) progress(ctx context.Context) (replays, open, pending int, err error) {
	err = p.db.pool.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE kind = 'riverwork_test.replay' AND state = 'completed'),
		count(*) FILTER (WHERE kind NOT IN ($1, $2) AND state IN ('available', 'running', 'retryable', 'scheduled', 'pending')),
		(SELECT count(*) FROM effects WHERE state = 'pending')
		FROM river_job`, riverwork.KindSchedule, riverwork.KindSweep).Scan(&replays, &open, &pending)
	return replays, open, pending, err
}

func (p *pgScaleDB) jobStates(ctx context.Context) string {
	var states string
	p.db.pool.QueryRow(ctx, `SELECT string_agg(kind || ' ' || state || ' ' || n || ' ' || coalesce(err, ''), '; ') FROM (
		SELECT kind, state::text, count(*) AS n, left(max(errors[array_length(errors, 1)]->>'error'), 300) AS err
		FROM river_job GROUP BY 1, 2) x`).Scan(&states) //nolint:errcheck // for the message only
	return states
}

// scaleRun runs n shipments on procs worker processes over db, SIGKILLing
// a random one kills times during the run, and checks the outcome.
func scaleRun(t testing.TB, db scaleDB, n, procs, kills int) runResult {
	ctx := context.Background()
	kl, err := klaviyotest.NewServer(klaviyotest.Options{APIKey: "pk_test_scale", NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer kl.Close()
	c := &cluster{t: t, procs: make([]*proc, procs), gens: make([]int, procs), env: append(db.env(),
		klaviyoEnv+"="+kl.URL, shipEnv+"="+strconv.Itoa(n), startEnv+"="+strconv.FormatInt(time.Now().UnixNano(), 10),
	)}
	sqlDir := ""
	if _, ok := db.(*pgScaleDB); ok && os.Getenv("RIVERWORK_SCALE_SQL") != "" {
		sqlDir = t.TempDir()
		c.env = append(c.env, sqlEnv+"="+sqlDir)
	}
	meter := newCPUMeter(c.pids, nil)
	if sdb, ok := db.(serverDB); ok {
		meter.backends = sdb.backends
	}
	defer c.stop()
	for i := range procs {
		c.start(i)
	}
	sc, err := newScenario(n)
	if err != nil {
		t.Fatal(err)
	}
	meter.begin(ctx)
	begin := time.Now()
	if err := db.insertReplays(ctx, n); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(n), uint64(procs)))
	nextKill := 1
	deadline := time.Now().Add(time.Duration(n)*50*time.Millisecond + time.Duration(envInt(t, "RIVERWORK_SCALE_WAIT", 180))*time.Second)
	for {
		replays, open, pending, err := db.progress(ctx)
		if err != nil {
			t.Fatal(err)
		}
		meter.sample(ctx)
		if replays == n && open == 0 && pending == 0 {
			break
		}
		if nextKill <= kills && replays >= n*nextKill/(kills+1) {
			c.kill(rng.IntN(procs))
			nextKill++
		}
		if time.Now().After(deadline) {
			t.Logf("jobs: %s", db.jobStates(ctx))
			t.Fatalf("not done by the deadline: %d/%d replays, %d jobs open, %d effects pending", replays, n, open, pending)
		}
		time.Sleep(min(time.Second, 100*time.Millisecond+time.Duration(n)*time.Millisecond/20))
	}
	res := runResult{shipments: n, scans: sc.scans(), elapsed: time.Since(begin), killed: c.killed, cpu: meter.split()}
	c.stop()
	if sqlDir != "" {
		if res.sql, err = readSQLCounts(sqlDir); err != nil {
			t.Fatal(err)
		}
	}
	check(t, ctx, db, sc, kl, &res)
	return res
}

func (p *pgScaleDB) outcome(ctx context.Context) (*outcome, error) {
	pool := p.db.pool
	out := &outcome{replaysBy: map[string]int{}, effectsBy: map[string]int{}, statuses: map[string]string{}}
	// Jobs per process: the client that completed each job (the last in
	// attempted_by), by worker index.
	rows, err := pool.Query(ctx, `SELECT kind, split_part(attempted_by[array_length(attempted_by, 1)], '-', 1), count(*)
		FROM river_job WHERE state = 'completed' AND kind IN ('riverwork_test.replay', $1) GROUP BY 1, 2`, riverwork.KindExecuteEffect)
	if err != nil {
		return nil, err
	}
	var kind, worker string
	var count int
	if _, err := pgx.ForEachRow(rows, []any{&kind, &worker, &count}, func() error {
		if kind == riverwork.KindExecuteEffect {
			out.effectsBy[worker] += count
		} else {
			out.replaysBy[worker] += count
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE errors::text LIKE '%rescued%'`).Scan(&out.rescued); err != nil {
		return nil, err
	}
	rows, err = pool.Query(ctx, `SELECT shipment_id, status FROM shipments`)
	if err != nil {
		return nil, err
	}
	var id, status string
	if _, err := pgx.ForEachRow(rows, []any{&id, &status}, func() error { out.statuses[id] = status; return nil }); err != nil {
		return nil, err
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM effects WHERE state <> 'done'`).Scan(&out.notDone); err != nil {
		return nil, err
	}
	err = pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM effects WHERE effect->>'kind' = 'credit'),
		(SELECT count(*) FROM effects e JOIN cashback_entries c
			ON c.kind = 'issue' AND c.key = e.effect->'credit'->>'key'
			AND c.customer_id = e.effect->'credit'->>'customer_id'
			AND c.amount = (e.effect->'credit'->>'amount')::numeric
			WHERE e.effect->>'kind' = 'credit'),
		(SELECT count(*) FROM cashback_entries WHERE kind = 'issue')`).Scan(&out.credits, &out.matched, &out.issues)
	if err != nil {
		return nil, err
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM cashback_accounts a WHERE a.lifetime_earned <>
		(SELECT coalesce(sum(amount), 0) FROM cashback_entries e WHERE e.customer_id = a.customer_id AND e.currency = a.currency AND e.kind = 'issue')`).Scan(&out.off); err != nil {
		return nil, err
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM effects WHERE effect->>'kind' = 'message'
		OR (effect->>'kind' = 'credit' AND effect->'credit' ? 'notify')
		OR (effect->>'kind' = 'release' AND effect->'release' ? 'notify')`).Scan(&out.messages); err != nil {
		return nil, err
	}
	return out, nil
}

// check verifies the outcome of a run from the database and the fake
// Klaviyo, and counts the jobs each process completed.
func check(t testing.TB, ctx context.Context, db scaleDB, sc *scenario, kl *klaviyotest.Server, res *runResult) {
	t.Helper()
	out, err := db.outcome(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res.replaysBy, res.effectsBy, res.rescued = out.replaysBy, out.effectsBy, out.rescued

	// No shipment left behind: each in the state its whole script gives.
	rules, err := tracking.NewRules(tracking.Config{})
	if err != nil {
		t.Fatal(err)
	}
	behind := 0
	for i := range sc.n {
		o := sc.order(i)
		s := tracking.NewShipment(rules)
		s.Carrier, s.TrackingNumber = simulator.Code, sc.numbers[i]
		evs, _ := sc.sim.Script(sc.numbers[i])
		if _, err := s.Update(simEnd, &carriers.Tracking{Carrier: simulator.Code, TrackingNumber: sc.numbers[i], Events: evs}); err != nil {
			t.Fatal(err)
		}
		want, _ := s.Status()
		if g, ok := out.statuses[o.Shipments[0].ID]; !ok || g != want.String() {
			if behind < 5 {
				t.Errorf("shipment %s: status %q, want %q", o.Shipments[0].ID, g, want)
			}
			behind++
		}
	}
	if behind > 0 {
		t.Errorf("%d of %d shipments left behind", behind, sc.n)
	}

	// Every effect done.
	if out.notDone > 0 {
		t.Errorf("%d effects not done", out.notDone)
	}

	// Every credit exactly once: one issue entry per credit effect, same
	// key, customer and amount, and no other issue entry.
	if out.credits != out.matched || out.issues != out.credits {
		t.Errorf("credits: %d decided, %d issued with the same key and amount, %d issue entries in the ledger", out.credits, out.matched, out.issues)
	}
	if out.credits == 0 && sc.n >= 50 {
		t.Errorf("no credit decided: the run does not exercise the ledger")
	}
	// Balances agree with the entries.
	if out.off > 0 {
		t.Errorf("%d accounts whose earned total differs from their issue entries", out.off)
	}

	// Every Klaviyo unique_id accepted once: one event per message
	// effect, and one per credit or release that tells the customer the
	// new balance.
	seen := map[string]int{}
	for _, ev := range kl.Events() {
		seen[ev.Metric+"\x00"+ev.UniqueID]++
	}
	twice := 0
	for _, k := range seen {
		if k > 1 {
			twice++
		}
	}
	if twice > 0 || len(seen) != out.messages || len(kl.Events()) != out.messages {
		t.Errorf("klaviyo: %d effects that send, %d events accepted, %d distinct unique_ids, %d accepted more than once",
			out.messages, len(kl.Events()), len(seen), twice)
	}
	res.duplicates = kl.Stats().Duplicates
	t.Logf("%d shipments, %d scans, %d credits, %d messages; %d kills, %d jobs rescued from killed processes; %d Klaviyo re-sends dropped as duplicates",
		sc.n, res.scans, out.credits, out.messages, res.killed, res.rescued, res.duplicates)
}

// envInt reads a positive integer from the environment, or def.
func envInt(t testing.TB, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return v
}

// TestScaleKill is the issue's three-process kill test: three worker
// processes share the work on one PostgreSQL while a random one is
// SIGKILLed and restarted during the run. By default it runs 150
// shipments and 2 kills; RIVERWORK_SCALE_SHIPMENTS=20000 and
// RIVERWORK_SCALE_KILLS set the full run.
func TestScaleKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	n := envInt(t, shipEnv, 150)
	kills := 2
	if os.Getenv(killsEnv) != "" {
		kills = envInt(t, killsEnv, 2)
	}
	checkScaleRun(t, newPGScaleDB(t), n, 3, kills)
}

// checkScaleRun is the kill test on db: scaleRun with n shipments, procs
// worker processes and kills SIGKILLs, then the checks both databases'
// tests make of the run beyond scaleRun's own (every kill happened, every
// worker completed a job) and its figures logged.
func checkScaleRun(t *testing.T, db scaleDB, n, procs, kills int) {
	t.Helper()
	res := scaleRun(t, db, n, procs, kills)
	if res.killed != kills {
		t.Errorf("killed %d times, want %d", res.killed, kills)
	}
	for i := range procs {
		w := "w" + strconv.Itoa(i)
		if res.replaysBy[w] == 0 && res.effectsBy[w] == 0 {
			t.Errorf("worker %s completed no job: %v replays, %v effects", w, res.replaysBy, res.effectsBy)
		}
	}
	t.Logf("%.0f scans/s over %v (kills and rescues included); replay jobs by worker %v, effect jobs by worker %v",
		float64(res.scans)/res.elapsed.Seconds(), res.elapsed.Round(time.Second), res.replaysBy, res.effectsBy)
	logRun(t, &res)
}

// reportRun adds a run's figures to b's metrics: scans per second, the
// busiest process's share of the replays, and where the CPU went (cores
// busy on average over the run, and CPU time per scan).
func reportRun(b *testing.B, res *runResult) {
	most := 0
	for _, v := range res.replaysBy {
		most = max(most, v)
	}
	secs := res.elapsed.Seconds()
	b.ReportMetric(float64(res.scans)/secs, "scans/s")
	b.ReportMetric(float64(most)/float64(res.shipments), "busiest-share")
	cpu := res.cpu
	b.ReportMetric(cpu.workers.Seconds()/secs, "worker-cores")
	b.ReportMetric(float64(cpu.workers.Microseconds())/float64(res.scans), "worker-cpu-µs/scan")
	if cpu.pgKnown {
		b.ReportMetric(cpu.pg.Seconds()/secs, "pg-cores")
		b.ReportMetric(float64(cpu.pg.Microseconds())/float64(res.scans), "pg-cpu-µs/scan")
	}
	if cpu.machineKnown {
		b.ReportMetric(cpu.machine.Seconds()/secs, "machine-cores")
	}
	b.Logf("replays by worker %v, effect jobs by worker %v", res.replaysBy, res.effectsBy)
	logRun(b, res)
}

// logRun logs where a run's CPU went and, if counted, the statements the
// workers sent per scan.
func logRun(t testing.TB, res *runResult) {
	t.Helper()
	cpu, secs := res.cpu, res.elapsed.Seconds()
	msg := fmt.Sprintf("CPU over %.1f s: worker processes %.1f s (%.2f cores)", secs, cpu.workers.Seconds(), cpu.workers.Seconds()/secs)
	if cpu.pgKnown {
		msg += fmt.Sprintf(", their PostgreSQL backends %.1f s (%.2f cores)", cpu.pg.Seconds(), cpu.pg.Seconds()/secs)
	}
	msg += fmt.Sprintf(", harness and fake Klaviyo %.1f s (%.2f cores)", cpu.harness.Seconds(), cpu.harness.Seconds()/secs)
	if cpu.machineKnown {
		msg += fmt.Sprintf("; the whole machine %.1f s (%.2f of %d cores busy, other work included)", cpu.machine.Seconds(), cpu.machine.Seconds()/secs, runtime.NumCPU())
	}
	t.Log(msg)
	if res.sql == nil {
		return
	}
	replays, effects := 0, 0
	for _, v := range res.replaysBy {
		replays += v
	}
	for _, v := range res.effectsBy {
		effects += v
	}
	keys := slices.SortedFunc(maps.Keys(res.sql), func(a, b string) int { return res.sql[b] - res.sql[a] })
	var b strings.Builder
	fmt.Fprintf(&b, "statements sent by the workers for %d replay jobs, %d effect jobs and %d scans (count, per scan):", replays, effects, res.scans)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n%9d %6.2f  %s", res.sql[k], float64(res.sql[k])/float64(res.scans), k)
	}
	t.Log(b.String())
}

// BenchmarkScale runs b.N shipments (use -benchtime=2000x) through 1, 2
// and 3 worker processes, no kills, and reports scans per second, the
// share of replay jobs the busiest process completed, and where the CPU
// went: the worker processes' and their PostgreSQL backends' (cores busy
// on average over the run, CPU µs per scan) and the whole machine's busy
// cores, other work included (see cpuMeter). RIVERWORK_SCALE_SQL=1 logs
// the statements the workers sent, per scan (with -v: the log is long);
// RIVERWORK_SCALE_MAXWORKERS sets the jobs each process works at once
// (12).
//
// Its first sub-benchmark, memstore, is the same-run baseline: the same
// replays and effects in this process, twelve at a time (as many as one
// worker process works), on MemoryStore, without River or PostgreSQL.
func BenchmarkScale(b *testing.B) {
	b.Run("memstore", benchMemstore)
	for _, procs := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("procs=%d", procs), func(b *testing.B) {
			b.ReportAllocs()
			res := scaleRun(b, newPGScaleDB(b), b.N, procs, 0)
			reportRun(b, &res)
		})
	}
}

// benchMemstore is BenchmarkScale's same-run baseline: b.N replays and
// their effects in this process, twelve at a time (as many as one worker
// process works), on MemoryStore, without River or a database.
func benchMemstore(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	kl, err := klaviyotest.NewServer(klaviyotest.Options{APIKey: "pk_test_scale", NoRateLimits: true})
	if err != nil {
		b.Fatal(err)
	}
	defer kl.Close()
	sc, err := newScenario(b.N)
	if err != nil {
		b.Fatal(err)
	}
	ms, err := memstore.New(memstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	clock := func() time.Time { return simEnd }
	eng, err := newScaleEngine(sc, postpurchase.NewMemoryStore(), ms, kl.URL, clock)
	if err != nil {
		b.Fatal(err)
	}
	w := &replayWorker{sc: sc, eng: eng}
	jobs := make(chan int)
	errs := make(chan error, 12)
	cpu0 := benchcpu.Now()
	begin := time.Now()
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			var first error
			for i := range jobs { // drained to the end even after an error
				if first != nil {
					continue
				}
				if first = w.Work(ctx, &river.Job[replayArgs]{Args: replayArgs{I: i}}); first == nil {
					_, first = eng.Drain(ctx, clock())
				}
			}
			errs <- first
		})
	}
	for i := range b.N {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(begin)
	cpu := benchcpu.Now() - cpu0
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(sc.scans())/elapsed.Seconds(), "scans/s")
	// The process's CPU: the Engine and the fake Klaviyo, as worker-cpu
	// and harness together are in the other runs.
	b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "cores")
	b.ReportMetric(float64(cpu.Microseconds())/float64(sc.scans()), "cpu-µs/scan")
	b.Logf("%d shipments, %d Klaviyo events", b.N, len(kl.Events()))
}
