// Package pgtest gives tests a PostgreSQL schema of their own on the test
// server named by POSTPURCHASE_POSTGRES_TEST_URL, so they run in parallel
// and leave nothing behind. Unset, the tests skip; set, they fail when the
// server cannot be reached (CI sets it).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Env names the variable with the test server's URL.
const Env = "POSTPURCHASE_POSTGRES_TEST_URL"

// Schema creates a schema named prefix + a random suffix, dropped with
// everything in it when the test ends. It returns the server's URL, the
// schema and a connection outside any pool for the test's own statements
// (closed when the test ends).
func Schema(t testing.TB, prefix string) (url, schema string, admin *pgx.Conn) {
	t.Helper()
	url = os.Getenv(Env)
	if url == "" {
		t.Skip(Env + " is not set: skipping the PostgreSQL tests")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("%s is set but the server cannot be reached: %v", Env, err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema = prefix + hex.EncodeToString(b[:])
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		admin.Close(ctx)
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		admin.Close(context.Background())
	})
	return url, schema, admin
}

// OpenPool opens a pool of at most size connections whose connections use
// schema.
func OpenPool(ctx context.Context, url, schema string, size int32) (*pgxpool.Pool, error) {
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

// Pool is OpenPool for a test: the pool is closed when the test ends.
func Pool(t testing.TB, url, schema string, size int32) *pgxpool.Pool {
	t.Helper()
	p, err := OpenPool(context.Background(), url, schema, size)
	if err != nil {
		t.Fatalf("pool: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}
