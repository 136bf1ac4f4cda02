package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/internal/sqlmigrate"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations are the embedded schema changes, read once.
var migrations = func() []sqlmigrate.Migration {
	m, err := sqlmigrate.Load(migrationFS, "migrations")
	if err != nil {
		panic(err) // the embedded files are part of the build; a test covers them
	}
	return m
}()

// SchemaError reports a database schema that does not match the code: older
// (ErrSchemaTooOld: run Migrate), newer (ErrSchemaTooNew: a newer release
// migrated it) or different (ErrSchemaMismatch). It names the migration
// concerned.
type SchemaError = sqlmigrate.SchemaError

// The SchemaError sentinels, for errors.Is.
var (
	ErrSchemaTooOld   = sqlmigrate.ErrSchemaTooOld
	ErrSchemaTooNew   = sqlmigrate.ErrSchemaTooNew
	ErrSchemaMismatch = sqlmigrate.ErrSchemaMismatch
)

// Options configures a Store. The zero value gives the defaults.
type Options struct {
	// AfterCommitTx, if set, is called by Commit inside the transaction
	// of each commit that has effects, after its writes and only when the
	// order's version matched; an error from it rolls the whole commit
	// back and is returned. It is the hook of a transactional outbox:
	// package riverwork inserts there the River jobs that carry out
	// c.Effects, so they exist if and only if the commit does. Commits
	// without effects do not call it (they take one round trip instead
	// of four). Nil means none.
	//
	// The hook must do all its work through tx, never through the
	// store's pool nor another transaction on it: Commit holds one of the
	// pool's connections and the order's row lock until the hook returns,
	// so a query on the pool may wait for a connection (a pool of one, or
	// one exhausted by concurrent commits), a write of that order's row
	// waits for the lock, until ctx's deadline, and neither sees the
	// commit's writes. (As in sqlitestore, where with MaxOpenConns 1 it
	// always waits for itself.)
	AfterCommitTx func(ctx context.Context, tx pgx.Tx, c *postpurchase.Commit) error
}

// Store keeps the module's state in PostgreSQL through a pgx pool. It is
// safe for concurrent use, also by several processes sharing the database.
// Cashback returns its cashback.Store.
type Store struct {
	pool          *pgxpool.Pool
	afterCommitTx func(context.Context, pgx.Tx, *postpurchase.Commit) error
}

// New returns a Store over pool. The tables live in the pool's search_path
// (set it in the pool's AfterConnect, or in the connection string's
// search_path, to keep them in a schema of their own). Call Migrate before
// first use.
func New(pool *pgxpool.Pool, opts Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: New: missing pool")
	}
	return &Store{pool: pool, afterCommitTx: opts.AfterCommitTx}, nil
}

// Migrate brings the schema up to the code's version, applying the missing
// embedded migrations in order, each in its own transaction with its record
// in schema_migrations. It is idempotent, and safe when several processes
// start at once: they take a session advisory lock keyed on the current
// schema, so one migrates and the others then find nothing to do. A
// database migrated by newer code is a *SchemaError (ErrSchemaTooNew) and
// is left alone.
func (s *Store) Migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended('postpurchase.pgstore.migrate:' || current_schema(), 0))`); err != nil {
		return fmt.Errorf("pgstore: migrate: lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even if ctx is done (closing
		// the connection would free it too).
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock(hashtextextended('postpurchase.pgstore.migrate:' || current_schema(), 0))`); err != nil {
			conn.Conn().Close(context.Background()) //nolint:errcheck // closing frees the lock
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	applied, err := appliedMigrations(ctx, conn.Conn())
	if err != nil {
		return err
	}
	pending, err := sqlmigrate.Pending("pgstore", migrations, applied)
	if err != nil {
		return err
	}
	for _, m := range pending {
		err := pgx.BeginFunc(ctx, conn.Conn(), func(tx pgx.Tx) error {
			// No arguments: the simple protocol runs the file's statements.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("pgstore: migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// CheckSchema returns nil if the database has exactly the code's
// migrations, else a *SchemaError naming the first missing migration (too
// old) or the unknown newer one (too new).
func (s *Store) CheckSchema(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: check schema: %w", err)
	}
	defer conn.Release()
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return fmt.Errorf("pgstore: check schema: %w", err)
	}
	applied := map[int]string{}
	if exists {
		if applied, err = appliedMigrations(ctx, conn.Conn()); err != nil {
			return err
		}
	}
	return sqlmigrate.Check("pgstore", migrations, applied)
}

func appliedMigrations(ctx context.Context, conn *pgx.Conn) (map[int]string, error) {
	rows, err := conn.Query(ctx, `SELECT version, name FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read schema_migrations: %w", err)
	}
	applied := map[int]string{}
	var v int
	var name string
	_, err = pgx.ForEachRow(rows, []any{&v, &name}, func() error {
		applied[v] = name
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: read schema_migrations: %w", err)
	}
	return applied, nil
}

// sqlState returns the PostgreSQL error code of err ("23505"), or "".
func sqlState(err error) (code, constraint string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}

// wrap turns a driver error into the store's: an undefined table is a
// *SchemaError (the schema was never migrated), the rest is wrapped as is.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if code, _ := sqlState(err); code == "42P01" { // undefined_table
		return fmt.Errorf("pgstore: %s: %w", op, &SchemaError{Store: "pgstore", Want: len(migrations), Migration: migrations[0].Name + " or later", Err: ErrSchemaTooOld})
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}
