// Package pgstore keeps the module's state in PostgreSQL through
// jackc/pgx/v5's pgxpool: Store is the Engine's store (postpurchase.Store)
// and Store.Cashback the CashBack ledger's (cashback.Store), in one
// database.
//
// # The Engine's store
//
// One row per order holds the OrderRecord as json (the shipments' tracking
// state inside it; json, not jsonb, as it is only ever written and read
// whole: migration 0004 says why); an index row per shipment serves lookups by tracking
// number and the due list (a partial index on next_check, so the due query
// is an index scan); the journal and the outbox of effects are tables of
// their own. Commit is one transaction, the order row's update guarded by
// its version (zero rows: postpurchase.ErrConflict), with everything else
// sent in the same batch; without an outbox hook to run, that batch is
// the whole commit, one round trip (PostgreSQL runs a pipeline up to its
// Sync as one implicit transaction). A commit that adds credit or carries
// budget reads ends its batch with the budget versions (table
// budget_versions, one row per customer credited and one for the brand):
// a guarded update per key read (zero rows, because credit was added since
// the read: postpurchase.ErrConflict, the whole batch undone), a plain bump
// per key credited, in key order; CreditTotal reads the version with the
// sum in one statement. Commits without credit never touch those rows. ClaimEffects
// leases with FOR UPDATE SKIP LOCKED, so concurrent drainers, in any
// number of processes, never take one effect twice; the effects' lease and
// outcome writes commit without waiting for the WAL flush (a server crash
// may carry an effect out again, which effects' IDs de-duplicate).
//
// # Schema and migrations
//
// The schema is plain SQL in migrations/NNNN_name.sql, embedded in the
// binary and applied by Store.Migrate: in order, each in its own
// transaction with its record in schema_migrations, under an advisory lock
// keyed on the current schema, so two processes starting at once migrate
// once. Store.CheckSchema on a database older or newer than the code gives
// a *SchemaError naming the migration concerned, and so does a store
// operation on one that lacks a table it uses (ErrSchemaTooOld). Store
// operations do not check for a newer schema: a process of an older
// release keeps running on a database a newer one migrated.
//
// Upgrading: each migration file says what applying it means for the
// processes running. Two need care. 0003 (budget versions): stop every
// process of a release without it before migrating; one left running
// commits credit without bumping budget_versions, so the budgets no
// longer hold between it and the new code. 0004 (the order record as
// json) rewrites the orders table under an ACCESS EXCLUSIVE lock: every
// LoadOrder and Commit waits until it is done, for a time that grows with
// the table.
// The tables live in the pool's search_path: set it (the pool's
// AfterConnect, or search_path in the connection string) to keep them in a
// schema of their own.
//
// # The ledger
//
// Money is NUMERIC, never float; times are timestamptz (microseconds, as the
// ledger keeps them). Each account has one balance row (cashback_accounts:
// the cashback.Summary as jsonb, its version and running totals as columns)
// and its entries (cashback_entries, primary key (customer_id, currency,
// seq), unique (customer_id, currency, key)). Append is one statement: the
// balance row's update guarded by its version (or its insert, for a new
// account) and the entries' insert in one data-modifying WITH, so it is
// atomic, takes one round trip, and a lost race shows as zero rows
// (cashback.ErrConflict). All SQL is parameterized.
//
// # Tests
//
// The tests read POSTPURCHASE_POSTGRES_TEST_URL (for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable): unset, they
// skip; set, they fail when the server cannot be reached. Each test works in
// a schema of its own, created with a random name and dropped at the end, so
// tests run in parallel and leave nothing behind. They run cashbacktest,
// postpurchasetest, migrations (repeated, concurrent, older and newer
// schemas) and a backend terminated in the middle of a ledger write.
package pgstore
