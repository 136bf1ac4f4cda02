package riverwork_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postpurchase/postpurchase/pgstore"
	"github.com/postpurchase/postpurchase/riverwork"
)

// urlEnv names the variable with the test server's URL. Unset, the tests
// skip; set, they fail if the server cannot be reached.
const urlEnv = "POSTPURCHASE_POSTGRES_TEST_URL"

// testDB is a schema of its own on the test server, dropped at the end of
// the test.
type testDB struct {
	url    string
	schema string
	pool   *pgxpool.Pool
}

func newTestDB(t testing.TB) *testDB {
	t.Helper()
	url := os.Getenv(urlEnv)
	if url == "" {
		t.Skip(urlEnv + " is not set: skipping the PostgreSQL tests")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("%s is set but the server cannot be reached: %v", urlEnv, err)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "riverwork_test_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		admin.Close(ctx)
		t.Fatalf("create schema: %v", err)
	}
	db := &testDB{url: url, schema: schema}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		admin.Close(context.Background())
	})
	db.pool = db.newPool(t, 8)
	return db
}

// newPool returns a pool on the test schema, closed at the end of the test.
func (db *testDB) newPool(t testing.TB, size int32) *pgxpool.Pool {
	t.Helper()
	p, err := openPool(context.Background(), db.url, db.schema, size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// openPool opens a pool whose connections use schema.
func openPool(ctx context.Context, url, schema string, size int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = size
	ident := pgx.Identifier{schema}.Sanitize()
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "SET search_path TO "+ident)
		return err
	}
	return pgxpool.NewWithConfig(ctx, cfg)
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
