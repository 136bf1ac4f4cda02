// Package riverwork runs the Engine's background work as River jobs
// (riverqueue/river), on PostgreSQL (driver riverpgxv5, with pgstore) or
// on SQLite (driver riversqlite, with sqlitestore: the embedded default),
// so that any number of processes share it with River's locking, retries
// with back-off and leader election, and no coordinator of ours.
// Engine.Run stays for hosts without River.
//
// One implementation serves both databases: Runner and Outbox are generic
// over the driver's transaction type, and each has a constructor per
// database. PostgreSQL: New, NewOutbox, Migrate (Runner[pgx.Tx],
// Outbox[pgx.Tx]). SQLite: NewSQLite, NewSQLiteOutbox, MigrateSQLite
// (Runner[*sql.Tx], Outbox[*sql.Tx]). The jobs, their arguments and their
// semantics are the same.
//
// # Jobs
//
//   - ScheduleArgs (periodic, every Options.ScheduleEvery, one minute by
//     default, run by River's leader): lists the shipments due
//     (Store.Due) and queues one RefreshShipment job each. Those jobs are
//     unique by their arguments while available, scheduled, retrying or
//     running, so two workers never refresh one shipment at once.
//   - RefreshShipmentArgs: Engine.Refresh for one shipment (a poll when the
//     carrier is due, a delay check, one commit).
//   - ExecuteEffectArgs: Engine.Execute for one effect. If the effect is
//     still pending but leased by someone else or not due yet (a failed
//     attempt's back-off), the job snoozes (Options.Snooze) and looks
//     again; a failure is returned and River retries it.
//   - SweepArgs (periodic, Options.SweepEvery, five minutes by default):
//     Engine.Drain, for whatever is left pending (a job lost with its
//     process, a job that gave up).
//
// # The transactional outbox, done by the queue
//
// The ExecuteEffect jobs are inserted in the same transaction as the
// commit that created the effects: give Outbox.AfterCommitTx to
// pgstore.Options.AfterCommitTx, and the jobs exist if and only if the
// commit does. An Outbox is an insert-only River client; it needs no pool,
// so it exists before the store, the Engine and the Runner:
//
//	ob, _ := riverwork.NewOutbox(riverwork.Options{})
//	store, _ := pgstore.New(pool, pgstore.Options{AfterCommitTx: ob.AfterCommitTx})
//	eng, _ := postpurchase.New(postpurchase.Config{Store: store, ...})
//	run, _ := riverwork.New(eng, pool, riverwork.Options{})
//	run.Migrate(ctx) // River's tables; store.Migrate(ctx) for the store's
//	run.Start(ctx)
//	defer run.Stop(ctx)
//
// On SQLite, River's tables live in the store's file and River works
// through the store's own connections (sqlitestore.Store.DB), so the
// outbox's jobs are written in the commit's transaction there too:
//
//	ob, _ := riverwork.NewSQLiteOutbox(riverwork.Options{})
//	store, _ := sqlitestore.Open(path, sqlitestore.Options{MaxOpenConns: 1, AfterCommitTx: ob.AfterCommitTx})
//	store.Migrate(ctx)
//	riverwork.MigrateSQLite(ctx, store.DB())
//	eng, _ := postpurchase.New(postpurchase.Config{Store: store, ...})
//	run, _ := riverwork.NewSQLite(eng, store.DB(), riverwork.Options{})
//	run.Start(ctx)
//	defer run.Stop(ctx)
//
// A host that has its own River client registers the workers with
// Runner.AddWorkers and adds Runner.PeriodicJobs to its config (or passes
// its config, with its own Workers, in Options.Client, and the Runner adds
// to it).
//
// # SQLite: one writer at a time
//
// SQLite lets one connection write at a time, in all processes sharing
// the file. The store's connections (WAL, BEGIN IMMEDIATE for every
// transaction, a busy timeout of sqlitestore.Options.BusyTimeout) make
// River's producer, completer and maintenance queries and the Engine's
// commits queue for the lock instead of failing halfway with
// SQLITE_BUSY. Open the store River runs on with
// sqlitestore.Options.MaxOpenConns 1, as riversqlite's documentation
// advises: the writers of one process then queue in database/sql rather
// than in SQLite's busy handler, which sleeps up to 100 ms a try, and
// only processes contend for the lock (BenchmarkScaleSQLite compares one
// connection with the store's default of eight: more scans per second
// and less CPU per scan with one; figures in BENCHMARKS.md). The price:
// within a process, reads wait for the connection too, and a host's
// worker must not hold a transaction of that pool while it calls the
// Engine (it would wait for itself). For the same reason a store's
// AfterCommitTx hook (Outbox.AfterCommitTx, or a host's own that wraps it)
// must do its work through the tx it is given only, never through
// store.DB(): the commit holds the one connection until the hook returns,
// so a query on the pool waits for itself until ctx's deadline and the
// commit fails. Throughput is bound by the one
// writer and by SQLite compiling every statement on every call (River's
// completion query, a row at a time in riversqlite, is the largest part
// in a profile), so a second process adds availability (the work goes on
// when one is killed) more than speed. A wait longer than the busy
// timeout is an error (sqlitestore.ErrLocked) that River retries like any
// failed job. Options.Schema must be empty.
//
// # Exactly once
//
// Every job may run more than once (a process killed mid-job, River's
// rescue of a stuck job): a refresh re-decides from the committed state
// and loses a version race rather than double-writing, and an effect is
// carried out under a lease and de-duplicated by its ID downstream (the
// ledger's idempotency key, Klaviyo's unique_id). TestScaleKill checks it
// with three worker processes on PostgreSQL, TestScaleKillSQLite with two
// on one SQLite file, SIGKILLed and restarted during the run.
//
// # Tests
//
// Every job test runs on both databases: on SQLite in a file of its own
// under t.TempDir(), and on PostgreSQL when POSTPURCHASE_POSTGRES_TEST_URL
// is set (for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable): unset, those
// skip; set, they fail when the server cannot be reached. Each works in a
// schema of its own, dropped at the end.
//
// The scale run is this package's test binary re-executed as worker
// processes (TestMain): each runs an Engine on the shared schema (or
// SQLite file) with a
// Runner whose client also works the test's replay jobs (one per
// simulated shipment: register, then its scans pushed through
// Engine.Ingest a simulated day at a time, delay checks on days without
// scans), and sends its messages to one klaviyotest server the test
// started on loopback. The test SIGKILLs a random worker at even points
// of the run and starts it again, then checks from the tables that every
// shipment reached the state its scans give, every effect is done, every
// credit effect has exactly one ledger issue entry with its key and
// amount (and no other exists), and every message was accepted by
// Klaviyo once by unique_id. A killed job comes back when River's
// rescuer (every 30 seconds) finds it stuck, so even the small run takes
// about 20 seconds:
//
//	go test ./riverwork -run TestScaleKill -v        # 150 shipments, 3 processes, 2 kills
//	RIVERWORK_SCALE_SHIPMENTS=20000 RIVERWORK_SCALE_KILLS=5 go test ./riverwork -run TestScaleKill -v -timeout 30m
//	go test ./riverwork -run '^$' -bench 'Scale$' -benchtime 2000x   # scans/s: in-process memstore baseline, then 1, 2 and 3 processes
//	go test ./riverwork -run TestScaleKillSQLite -v                    # SQLite: 100 shipments, 2 processes, 2 kills
//	go test ./riverwork -run '^$' -bench ScaleSQLite -benchtime 1000x  # SQLite: memstore baseline, then 1 and 2 processes, 1 and 8 connections
//
// Figures are in BENCHMARKS.md at the module root.
package riverwork
