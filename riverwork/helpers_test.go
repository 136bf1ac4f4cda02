package riverwork_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postpurchase/postpurchase/internal/pgtest"
	"github.com/postpurchase/postpurchase/pgstore"
	"github.com/postpurchase/postpurchase/riverwork"
)

// urlEnv names the variable with the test server's URL (see pgtest).
const urlEnv = pgtest.Env

// testDB is a schema of its own on the test server, dropped at the end of
// the test.
type testDB struct {
	url    string
	schema string
	pool   *pgxpool.Pool
}

func newTestDB(t testing.TB) *testDB {
	t.Helper()
	url, schema, _ := pgtest.Schema(t, "riverwork_test_")
	db := &testDB{url: url, schema: schema}
	db.pool = db.newPool(t, 8)
	return db
}

// newPool returns a pool on the test schema, closed at the end of the test.
func (db *testDB) newPool(t testing.TB, size int32) *pgxpool.Pool {
	t.Helper()
	return pgtest.Pool(t, db.url, db.schema, size)
}

// migrate applies the store's and River's migrations.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	st, err := pgstore.New(pool, pgstore.Options{})
	if err != nil {
		return err
	}
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	return riverwork.Migrate(ctx, pool, schema)
}
