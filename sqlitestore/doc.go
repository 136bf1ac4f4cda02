// Package sqlitestore keeps the module's state in one SQLite file through
// modernc.org/sqlite (pure Go, no cgo): the embedded default. Store is the
// Engine's store (postpurchase.Store) and Store.Cashback the CashBack
// ledger's (cashback.Store), in one file.
//
// # The Engine's store
//
// One row per order holds the OrderRecord as JSON (the shipments' tracking
// state inside it); an index row per shipment serves lookups by tracking
// number and the due list (a partial index on next_check); the journal and
// the outbox of effects are tables of their own. Commit and ClaimEffects
// are each one BEGIN IMMEDIATE transaction, so a commit is all or nothing
// and concurrent drainers never take one effect twice. A commit that adds
// credit or carries budget reads also checks and bumps the budget versions
// (table budget_versions, one row per customer credited and one for the
// brand) in that transaction: a key read whose version moved on is
// postpurchase.ErrConflict. Commits without credit never touch them.
//
// # Schema and migrations
//
// The schema is plain SQL in migrations/NNNN_name.sql, embedded in the
// binary and applied by Store.Migrate in one BEGIN IMMEDIATE transaction
// with the records in schema_migrations: idempotent, and safe when two
// processes start at once (one migrates, the other waits for the lock, then
// finds nothing to do). Store.CheckSchema on a file older or newer than
// the code gives a *SchemaError naming the migration concerned, and so does
// a store operation on one that lacks a table it uses (ErrSchemaTooOld).
// Store operations do not check for a newer schema: a process of an older
// release keeps running on a file a newer one migrated.
//
// Upgrading: each migration file says what applying it means for the
// processes running. 0003 (budget versions): stop every process of a
// release without it before migrating; one left running commits credit
// without bumping budget_versions, so the budgets no longer hold between
// it and the new code.
//
// # The file
//
// Open sets WAL mode (readers never wait for the writer), foreign keys, a
// busy timeout (Options.BusyTimeout) and BEGIN IMMEDIATE for every
// transaction, so concurrent writers queue instead of failing halfway.
// Tables are STRICT: money is INTEGER minor units, times INTEGER Unix
// microseconds (UTC), never REAL. A read-only store (Options.ReadOnly or a
// file the process may not write), a lock held past the busy timeout, a
// full disk and a file that is not a database are *Error values matching
// ErrReadOnly, ErrLocked, ErrDiskFull and ErrCannotOpen; a failed write is
// rolled back whole.
//
// # Background work on River, in the same file
//
// Package riverwork runs the Engine's periodic work and side effects as
// River jobs (driver riversqlite) with River's tables in the store's file
// and River working through the store's connections (Store.DB): give
// riverwork.NewSQLiteOutbox's AfterCommitTx to Options.AfterCommitTx, and
// Commit inserts one job per effect in its own transaction, so the jobs
// exist if and only if the commit does. Several processes may share the
// file; their writes queue for SQLite's one write lock (see the busy
// timeout above). Open such a store with MaxOpenConns 1 (riverwork's
// documentation says why). Example (and riverwork's ExampleNewSQLite):
//
//	ob, _ := riverwork.NewSQLiteOutbox(riverwork.Options{})
//	store, _ := sqlitestore.Open(path, sqlitestore.Options{MaxOpenConns: 1, AfterCommitTx: ob.AfterCommitTx})
//	store.Migrate(ctx)                          // the store's tables
//	riverwork.MigrateSQLite(ctx, store.DB())    // River's
//	eng, _ := postpurchase.New(postpurchase.Config{Store: store, ...})
//	run, _ := riverwork.NewSQLite(eng, store.DB(), riverwork.Options{})
//	run.Start(ctx)
//
// # The ledger
//
// Each account has one balance row (cashback_accounts: the
// cashback.Summary as JSON, its version and running totals in minor units)
// and its entries (cashback_entries, primary key (customer_id, currency,
// seq), unique (customer_id, currency, key)). Append updates the balance row
// guarded by its version (or inserts it, for a new account) and inserts the
// entries in one transaction. All SQL is parameterized.
package sqlitestore
