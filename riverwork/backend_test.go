package riverwork_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/pgstore"
	"github.com/postpurchase/postpurchase/riverwork"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// backend is one database the job tests run on: PostgreSQL (a schema of
// its own, skipped without the test server) or SQLite (a file in
// t.TempDir(), River's tables beside the store's). The tests are the
// same on both; only the store, the Runner's constructor and the SQL of
// a few checks differ.
type backend interface {
	// store returns the Engine's store, its commits inserting the
	// ExecuteEffect jobs through an Outbox unless *fail is set (then the
	// hook fails, and the commit with it).
	store(t *testing.T, fail *atomic.Bool) postpurchase.Store
	// runner returns a Runner on the backend's database.
	runner(eng *postpurchase.Engine, opts riverwork.Options) (runner, error)
	// insert inserts one job with a River client of the backend's driver.
	insert(t *testing.T, args river.JobArgs, opts *river.InsertOpts) *rivertype.JobInsertResult
	// complete marks job id completed, as River does when it succeeds.
	complete(t *testing.T, id int64)
	// strings runs q and returns its one text column.
	strings(t *testing.T, q string) []string
	// count runs q and returns its one integer.
	count(t *testing.T, q string) int
}

// runner is a Runner of either driver.
type runner interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// backends runs test on SQLite and on PostgreSQL, as parallel subtests.
func backends(t *testing.T, test func(t *testing.T, b backend)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		test(t, newSQLiteBackend(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		test(t, newPGBackend(t))
	})
}

// pgBackend is a schema of its own on the test server.
type pgBackend struct {
	db *testDB
}

func newPGBackend(t *testing.T) *pgBackend {
	b := &pgBackend{db: newTestDB(t)}
	if err := migrate(context.Background(), b.db.pool, b.db.schema); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *pgBackend) store(t *testing.T, fail *atomic.Bool) postpurchase.Store {
	ob, err := riverwork.NewOutbox(riverwork.Options{Schema: b.db.schema})
	if err != nil {
		t.Fatal(err)
	}
	st, err := pgstore.New(b.db.pool, pgstore.Options{AfterCommitTx: failing(fail, ob.AfterCommitTx)})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (b *pgBackend) runner(eng *postpurchase.Engine, opts riverwork.Options) (runner, error) {
	opts.Schema = b.db.schema
	return riverwork.New(eng, b.db.pool, opts)
}

func (b *pgBackend) insert(t *testing.T, args river.JobArgs, opts *river.InsertOpts) *rivertype.JobInsertResult {
	c, err := river.NewClient(riverpgxv5.New(b.db.pool), &river.Config{Schema: b.db.schema})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Insert(context.Background(), args, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (b *pgBackend) complete(t *testing.T, id int64) {
	if _, err := b.db.pool.Exec(context.Background(), `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
}

func (b *pgBackend) strings(t *testing.T, q string) []string {
	rows, err := b.db.pool.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (b *pgBackend) count(t *testing.T, q string) int {
	var n int
	if err := b.db.pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sqliteBackend is a SQLite file in t.TempDir(): the store's tables and
// River's. The Engine's store and its Runner share one pool of one
// connection, as the package's documentation advises; the checks read
// through a pool of their own.
type sqliteBackend struct {
	path string
	db   *sql.DB            // the checks' connections
	work *sqlitestore.Store // the Engine's store, once store is called
}

func newSQLiteBackend(t *testing.T) *sqliteBackend {
	path := filepath.Join(t.TempDir(), "state.db")
	st := openSQLite(t, path, sqlitestore.Options{})
	if err := migrateSQLite(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return &sqliteBackend{path: path, db: st.DB()}
}

// openSQLite opens a store on path, closed at the end of the test.
func openSQLite(t testing.TB, path string, opts sqlitestore.Options) *sqlitestore.Store {
	t.Helper()
	st, err := sqlitestore.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// migrateSQLite applies the store's and River's migrations.
func migrateSQLite(ctx context.Context, st *sqlitestore.Store) error {
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	return riverwork.MigrateSQLite(ctx, st.DB())
}

func (b *sqliteBackend) store(t *testing.T, fail *atomic.Bool) postpurchase.Store {
	ob, err := riverwork.NewSQLiteOutbox(riverwork.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.work = openSQLite(t, b.path, sqlitestore.Options{MaxOpenConns: 1, AfterCommitTx: failing(fail, ob.AfterCommitTx)})
	return b.work
}

func (b *sqliteBackend) runner(eng *postpurchase.Engine, opts riverwork.Options) (runner, error) {
	return riverwork.NewSQLite(eng, b.work.DB(), opts)
}

func (b *sqliteBackend) insert(t *testing.T, args river.JobArgs, opts *river.InsertOpts) *rivertype.JobInsertResult {
	c, err := river.NewClient(riversqlite.New(b.db), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Insert(context.Background(), args, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (b *sqliteBackend) complete(t *testing.T, id int64) {
	if _, err := b.db.Exec(`UPDATE river_job SET state = 'completed', finalized_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
}

func (b *sqliteBackend) strings(t *testing.T, q string) []string {
	rows, err := b.db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (b *sqliteBackend) count(t *testing.T, q string) int {
	var n int
	if err := b.db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// failing wraps an outbox hook so that it fails while *fail is set.
func failing[TTx any](fail *atomic.Bool, hook func(context.Context, TTx, *postpurchase.Commit) error) func(context.Context, TTx, *postpurchase.Commit) error {
	return func(ctx context.Context, tx TTx, c *postpurchase.Commit) error {
		if fail.Load() {
			return errHook
		}
		return hook(ctx, tx, c)
	}
}
