package riverwork

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/postpurchase/postpurchase"
)

// Job kinds, as stored in river_job.kind. They are part of the stored
// data: renaming one strands the jobs already queued under the old name.
const (
	KindSchedule        = "postpurchase.schedule"
	KindRefreshShipment = "postpurchase.refresh_shipment"
	KindExecuteEffect   = "postpurchase.execute_effect"
	KindSweep           = "postpurchase.sweep"
)

// ScheduleArgs is the periodic job that lists the shipments due
// (Store.Due) and queues one RefreshShipment job for each.
type ScheduleArgs struct{}

// Kind implements river.JobArgs.
func (ScheduleArgs) Kind() string { return KindSchedule }

// RefreshShipmentArgs refreshes one shipment (Engine.Refresh): a poll if
// the carrier is due, a delay check, a commit. Jobs are unique by their
// arguments while queued or running, so two workers never refresh one
// shipment at once.
type RefreshShipmentArgs struct {
	OrderID    string `json:"order_id"`
	ShipmentID string `json:"shipment_id"`
}

// Kind implements river.JobArgs.
func (RefreshShipmentArgs) Kind() string { return KindRefreshShipment }

// ExecuteEffectArgs carries out one pending effect (Engine.Execute). The
// job is inserted in the transaction of the commit that created the
// effect (see Outbox).
type ExecuteEffectArgs struct {
	EffectID string `json:"effect_id"`
	OrderID  string `json:"order_id"`
}

// Kind implements river.JobArgs.
func (ExecuteEffectArgs) Kind() string { return KindExecuteEffect }

// SweepArgs is the periodic job that drains whatever effect is left
// pending (Engine.Drain): effects whose job was lost, or whose retry is
// due after the job gave up.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return KindSweep }

// Options configures a Runner (and an Outbox). The zero value gives the
// documented defaults; New validates it.
type Options struct {
	// Schema is the PostgreSQL schema of River's tables. Empty means the
	// connection's search_path. On SQLite it must be empty (River's tables
	// are in the main database, the store's file).
	Schema string
	// Queue is the River queue the jobs go to. Empty means
	// river.QueueDefault.
	Queue string
	// MaxWorkers is how many jobs one Runner works at once. Zero means 10.
	MaxWorkers int
	// ScheduleEvery is how often the schedule job lists the due
	// shipments. Zero means one minute; negative means never (no schedule
	// job: the host refreshes otherwise).
	ScheduleEvery time.Duration
	// ScheduleLimit bounds the shipments one schedule job queues. Zero
	// means 10,000.
	ScheduleLimit int
	// SweepEvery is how often the sweep job drains the effects left
	// pending. Zero means five minutes; negative means never.
	SweepEvery time.Duration
	// Snooze is how long an ExecuteEffect job waits before it looks again
	// at an effect that is pending but leased by someone else or not due
	// yet. Zero means 30 seconds.
	Snooze time.Duration
	// Client is passed to River as is for the settings this package does
	// not set (JobTimeout, RescueStuckJobsAfter, FetchCooldown, ID,
	// TestOnly...). Its Workers, if set, are kept and the package's four
	// added (a host's own jobs then run on the same client); its
	// PeriodicJobs are kept and the package's appended; its Queues and
	// Schema are replaced. Nil means River's defaults.
	Client *river.Config
	// Now is the clock the jobs pass to the Engine. Nil means time.Now;
	// give the Engine's clock.
	Now func() time.Time
	// Logger receives operational records. Nil discards them.
	Logger *slog.Logger
}

func (o *Options) defaults() error {
	switch {
	case o.MaxWorkers < 0:
		return fmt.Errorf("riverwork: Options.MaxWorkers: negative")
	case o.ScheduleLimit < 0:
		return fmt.Errorf("riverwork: Options.ScheduleLimit: negative")
	case o.Snooze < 0:
		return fmt.Errorf("riverwork: Options.Snooze: negative")
	}
	if o.Queue == "" {
		o.Queue = river.QueueDefault
	}
	if o.MaxWorkers == 0 {
		o.MaxWorkers = 10
	}
	if o.ScheduleEvery == 0 {
		o.ScheduleEvery = time.Minute
	}
	if o.ScheduleLimit == 0 {
		o.ScheduleLimit = 10000
	}
	if o.SweepEvery == 0 {
		o.SweepEvery = 5 * time.Minute
	}
	if o.Snooze == 0 {
		o.Snooze = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Runner runs an Engine's periodic work and side effects as River jobs:
// any number of Runners (in any number of processes) on one database share
// the work, with River's locking, retries and leader election, and no
// coordinator of ours. TTx is the driver's transaction type: pgx.Tx on
// PostgreSQL (New), *sql.Tx on SQLite (NewSQLite); the workers and jobs
// are the same on both.
type Runner[TTx any] struct {
	engine  *postpurchase.Engine
	opts    Options
	workers *river.Workers
	client  *river.Client[TTx]
	migrate func(context.Context) error
}

// New returns a Runner for engine over a PostgreSQL pool, with a River
// client (driver riverpgxv5) that works the package's jobs in
// Options.Queue. The Engine's store should insert ExecuteEffect jobs in
// its commits (see Outbox); without it the sweep job alone carries out
// the effects.
func New(engine *postpurchase.Engine, pool *pgxpool.Pool, opts Options) (*Runner[pgx.Tx], error) {
	if pool == nil {
		return nil, errors.New("riverwork: New: nil pool")
	}
	return newRunner(engine, riverpgxv5.New(pool), func(ctx context.Context) error { return Migrate(ctx, pool, opts.Schema) }, opts)
}

// NewSQLite returns a Runner for engine over a SQLite database (driver
// riversqlite), with River's tables in the same file as the store's: give
// it the store's own handle, sqlitestore.Store.DB, whose connections are
// set up for several writers (WAL, a busy timeout, BEGIN IMMEDIATE for
// every transaction), so River's producer and the Engine's commits queue
// for the write lock instead of failing with SQLITE_BUSY; open that store
// with one connection (sqlitestore.Options.MaxOpenConns 1: see the
// package documentation). Options.Schema must be empty (River's tables
// are in the main database). The store should insert ExecuteEffect jobs
// in its commits (NewSQLiteOutbox and sqlitestore.Options.AfterCommitTx).
func NewSQLite(engine *postpurchase.Engine, db *sql.DB, opts Options) (*Runner[*sql.Tx], error) {
	if db == nil {
		return nil, errors.New("riverwork: NewSQLite: nil db")
	}
	if opts.Schema != "" {
		return nil, errors.New("riverwork: NewSQLite: Options.Schema: not supported on SQLite (River's tables are in the main database)")
	}
	return newRunner(engine, riversqlite.New(db), func(ctx context.Context) error { return MigrateSQLite(ctx, db) }, opts)
}

func newRunner[TTx any](engine *postpurchase.Engine, driver riverdriver.Driver[TTx], migrate func(context.Context) error, opts Options) (*Runner[TTx], error) {
	if engine == nil {
		return nil, errors.New("riverwork: New: nil engine")
	}
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	var cfg river.Config
	if opts.Client != nil {
		cfg = *opts.Client
	}
	if cfg.Workers == nil {
		cfg.Workers = river.NewWorkers()
	}
	r := &Runner[TTx]{engine: engine, opts: opts, workers: cfg.Workers, migrate: migrate}
	if err := r.AddWorkers(r.workers); err != nil {
		return nil, err
	}
	cfg.Schema = opts.Schema
	cfg.PeriodicJobs = append(append([]*river.PeriodicJob(nil), cfg.PeriodicJobs...), r.PeriodicJobs()...)
	cfg.Queues = map[string]river.QueueConfig{opts.Queue: {MaxWorkers: opts.MaxWorkers}}
	if cfg.Logger == nil {
		cfg.Logger = opts.Logger
	}
	c, err := river.NewClient(driver, &cfg)
	if err != nil {
		return nil, fmt.Errorf("riverwork: river client: %w", err)
	}
	r.client = c
	return r, nil
}

// Client returns the Runner's River client (to insert other jobs,
// subscribe to events, or list jobs).
func (r *Runner[TTx]) Client() *river.Client[TTx] { return r.client }

// Migrate applies River's own migrations (rivermigrate, up to the
// version this River release knows): Migrate or MigrateSQLite on the
// Runner's database. It is idempotent. The Engine's tables are the
// store's: run its Migrate too.
func (r *Runner[TTx]) Migrate(ctx context.Context) error { return r.migrate(ctx) }

// Migrate applies River's migrations to the PostgreSQL database behind
// pool, in schema (empty: the search_path), each in its own transaction
// (some cannot share one). Two processes migrating at once are serialized
// by a session advisory lock keyed on the schema.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: schema, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("riverwork: migrate: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("riverwork: migrate: %w", err)
	}
	defer conn.Release()
	const lock = `hashtextextended('postpurchase.riverwork.migrate:' || coalesce(nullif($1::text, ''), current_schema()), 0)`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lock+`)`, schema); err != nil {
		return fmt.Errorf("riverwork: migrate: lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even if ctx is done (closing
		// the connection frees it too).
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock(`+lock+`)`, schema); err != nil {
			conn.Conn().Close(context.Background()) //nolint:errcheck // closing frees the lock
		}
	}()
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("riverwork: migrate: %w", err)
	}
	return nil
}

// MigrateSQLite applies River's migrations (riversqlite's) to the SQLite
// database db, in its main database, each migration and its record in
// one transaction. Two processes migrating one file at once do not
// corrupt it: SQLite serializes the transactions, and the one whose step
// was applied meanwhile by the other fails that step whole (the table
// exists, or the version's record does), then reads the applied versions
// again and goes on, as long as they grow between its failures.
func MigrateSQLite(ctx context.Context, db *sql.DB) error {
	m, err := rivermigrate.New(riversqlite.New(db), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("riverwork: migrate: %w", err)
	}
	// A step fails when another process applied it meanwhile: try again
	// as long as the applied versions grow between failures (another
	// process is migrating); a failure without progress is an error.
	applied := -1
	for {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err == nil || ctx.Err() != nil {
			break
		}
		now, verr := m.ExistingVersions(ctx)
		if verr != nil || len(now) <= applied {
			break
		}
		applied = len(now)
	}
	if err != nil {
		return fmt.Errorf("riverwork: migrate: %w", err)
	}
	return nil
}

// Start starts working jobs; it returns once the client runs. Stop (or
// the end of ctx) stops it.
func (r *Runner[TTx]) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("riverwork: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for the running ones to finish (or
// for ctx to end).
func (r *Runner[TTx]) Stop(ctx context.Context) error {
	if err := r.client.Stop(ctx); err != nil {
		return fmt.Errorf("riverwork: stop: %w", err)
	}
	return nil
}

// AddWorkers registers the package's four workers with a host's own River
// workers bundle, working with the Runner's Engine and Options (its Queue
// and clock). A host with its own client registers them, adds
// PeriodicJobs to its client's config, and leaves Start and Stop alone.
// That client must be of the Runner's driver (a river.Client[TTx]): the
// schedule job inserts its refresh jobs through it.
func (r *Runner[TTx]) AddWorkers(workers *river.Workers) error {
	w := &work{engine: r.engine, opts: r.opts}
	errs := []error{
		river.AddWorkerSafely(workers, &scheduleWorker[TTx]{w: w}),
		river.AddWorkerSafely(workers, &refreshWorker{w: w}),
		river.AddWorkerSafely(workers, &executeWorker{w: w}),
		river.AddWorkerSafely(workers, &sweepWorker{w: w}),
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("riverwork: add workers: %w", err)
	}
	return nil
}

// PeriodicJobs returns the schedule and sweep jobs (those Options does
// not turn off), each run at start and then at its interval by the
// leader among the clients, and skipped while one of its kind is still
// queued or running.
func (r *Runner[TTx]) PeriodicJobs() []*river.PeriodicJob {
	var out []*river.PeriodicJob
	// At most one of each waits or runs: when the workers are behind,
	// periodic jobs do not pile up.
	opts := &river.InsertOpts{Queue: r.opts.Queue, UniqueOpts: uniqueWhileQueued}
	if r.opts.ScheduleEvery > 0 {
		out = append(out, river.NewPeriodicJob(river.PeriodicInterval(r.opts.ScheduleEvery),
			func() (river.JobArgs, *river.InsertOpts) { return ScheduleArgs{}, opts },
			&river.PeriodicJobOpts{ID: KindSchedule, RunOnStart: true}))
	}
	if r.opts.SweepEvery > 0 {
		out = append(out, river.NewPeriodicJob(river.PeriodicInterval(r.opts.SweepEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, opts },
			&river.PeriodicJobOpts{ID: KindSweep, RunOnStart: true}))
	}
	return out
}

// uniqueWhileQueued makes a job unique by kind and arguments while it is
// waiting, scheduled, retrying or running.
var uniqueWhileQueued = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}}

// work is what the workers share: the Engine and the Runner's options.
type work struct {
	engine *postpurchase.Engine
	opts   Options
}

// scheduleWorker is generic over the transaction type only to find its
// client (of the same driver) in the job's context.
type scheduleWorker[TTx any] struct {
	river.WorkerDefaults[ScheduleArgs]
	w *work
}

func (w *scheduleWorker[TTx]) Work(ctx context.Context, job *river.Job[ScheduleArgs]) error {
	refs, err := w.w.engine.Store().Due(ctx, w.w.opts.Now(), w.w.opts.ScheduleLimit)
	if err != nil {
		return err
	}
	if len(refs) == 0 {
		return nil
	}
	client, err := river.ClientFromContextSafely[TTx](ctx)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, len(refs))
	opts := &river.InsertOpts{Queue: w.w.opts.Queue, UniqueOpts: uniqueWhileQueued}
	for i, ref := range refs {
		params[i] = river.InsertManyParams{Args: RefreshShipmentArgs{OrderID: ref.OrderID, ShipmentID: ref.ShipmentID}, InsertOpts: opts}
	}
	res, err := client.InsertMany(ctx, params)
	if err != nil {
		return err
	}
	skipped := 0
	for _, x := range res {
		if x.UniqueSkippedAsDuplicate {
			skipped++
		}
	}
	w.w.opts.Logger.Debug("riverwork: schedule", "due", len(refs), "queued", len(refs)-skipped, "already_queued", skipped)
	return nil
}

type refreshWorker struct {
	river.WorkerDefaults[RefreshShipmentArgs]
	w *work
}

func (w *refreshWorker) Work(ctx context.Context, job *river.Job[RefreshShipmentArgs]) error {
	ref := postpurchase.ShipmentRef{OrderID: job.Args.OrderID, ShipmentID: job.Args.ShipmentID}
	st, err := w.w.engine.Refresh(ctx, w.w.opts.Now(), []postpurchase.ShipmentRef{ref})
	if errors.Is(err, postpurchase.ErrNotFound) {
		return river.JobCancel(err) // the order is gone: retrying cannot help
	}
	if err != nil {
		return err
	}
	if st.Conflicts > 0 {
		// Another writer changed the order first; the next schedule job
		// lists the shipment again if it is still due.
		w.w.opts.Logger.Debug("riverwork: refresh lost a race", "order", job.Args.OrderID)
	}
	return nil
}

type executeWorker struct {
	river.WorkerDefaults[ExecuteEffectArgs]
	w *work
}

func (w *executeWorker) Work(ctx context.Context, job *river.Job[ExecuteEffectArgs]) error {
	done, err := w.w.engine.Execute(ctx, w.w.opts.Now(), job.Args.EffectID)
	if errors.Is(err, postpurchase.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil || done {
		// A failure is recorded by the Engine (due again later) and
		// returned: River retries the job with its back-off.
		return err
	}
	// Nothing was done: the effect is done already, or another caller
	// holds its lease, or it is not due yet (a failed attempt's back-off).
	pending, err := w.pending(ctx, job.Args)
	if err != nil || !pending {
		return err
	}
	return river.JobSnooze(w.w.opts.Snooze)
}

// pending reports whether the effect is still pending.
func (w *executeWorker) pending(ctx context.Context, a ExecuteEffectArgs) (bool, error) {
	if a.OrderID == "" {
		return false, nil // the sweep job takes it
	}
	recs, err := w.w.engine.Store().Effects(ctx, a.OrderID)
	if err != nil {
		return false, err
	}
	for _, rec := range recs {
		if rec.Effect.ID == a.EffectID {
			return rec.State == postpurchase.EffectPending, nil
		}
	}
	return false, nil
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	w *work
}

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	n, err := w.w.engine.Drain(ctx, w.w.opts.Now())
	if n > 0 {
		w.w.opts.Logger.Info("riverwork: sweep carried out effects left pending", "effects", n)
	}
	return err
}

// Outbox inserts one ExecuteEffect job per effect of a commit, in the
// commit's own transaction: the jobs exist if and only if the commit
// does (the transactional outbox, done by the queue). It is an insert-only
// River client; it needs no pool. TTx is the store's transaction type:
// pgx.Tx for pgstore (NewOutbox), *sql.Tx for sqlitestore
// (NewSQLiteOutbox).
type Outbox[TTx any] struct {
	client *river.Client[TTx]
	queue  string
}

// NewOutbox returns an Outbox for PostgreSQL inserting into
// Options.Queue in Options.Schema (the other options do not matter to
// it). Give its AfterCommitTx to pgstore.Options.AfterCommitTx.
func NewOutbox(opts Options) (*Outbox[pgx.Tx], error) {
	return newOutbox(riverpgxv5.New(nil), opts)
}

// NewSQLiteOutbox returns an Outbox for SQLite inserting into
// Options.Queue (the other options do not matter to it; Schema must be
// empty). Give its AfterCommitTx to sqlitestore.Options.AfterCommitTx.
func NewSQLiteOutbox(opts Options) (*Outbox[*sql.Tx], error) {
	if opts.Schema != "" {
		return nil, errors.New("riverwork: NewSQLiteOutbox: Options.Schema: not supported on SQLite (River's tables are in the main database)")
	}
	return newOutbox(riversqlite.New(nil), opts)
}

func newOutbox[TTx any](driver riverdriver.Driver[TTx], opts Options) (*Outbox[TTx], error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	c, err := river.NewClient(driver, &river.Config{Schema: opts.Schema, Logger: opts.Logger})
	if err != nil {
		return nil, fmt.Errorf("riverwork: outbox client: %w", err)
	}
	return &Outbox[TTx]{client: c, queue: opts.Queue}, nil
}

// AfterCommitTx inserts the ExecuteEffect jobs of c's effects in tx. A
// job for an effect that was already stored (a replayed commit) is
// harmless: it finds the effect done, or runs it once.
func (o *Outbox[TTx]) AfterCommitTx(ctx context.Context, tx TTx, c *postpurchase.Commit) error {
	if len(c.Effects) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(c.Effects))
	opts := &river.InsertOpts{Queue: o.queue}
	for i := range c.Effects {
		ef := &c.Effects[i]
		params[i] = river.InsertManyParams{Args: ExecuteEffectArgs{EffectID: ef.ID, OrderID: ef.OrderID}, InsertOpts: opts}
	}
	if _, err := o.client.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("riverwork: outbox: %w", err)
	}
	return nil
}
