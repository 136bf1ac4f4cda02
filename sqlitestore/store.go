package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/internal/iso4217"
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

// Sentinels for the conditions of the database file a host must tell
// apart, carried by *Error.
var (
	// ErrReadOnly: the file (or the store, Options.ReadOnly) cannot be
	// written. Nothing was written.
	ErrReadOnly = errors.New("sqlitestore: database is read-only")
	// ErrLocked: another connection or process held the database longer
	// than Options.BusyTimeout. Nothing was written; retry later.
	ErrLocked = errors.New("sqlitestore: database is locked")
	// ErrDiskFull: the disk (or the database's size limit) is full. The
	// transaction was rolled back: nothing was written.
	ErrDiskFull = errors.New("sqlitestore: database or disk is full")
	// ErrCannotOpen: the file cannot be opened (missing directory,
	// permissions) or is not a database.
	ErrCannotOpen = errors.New("sqlitestore: cannot open the database")
)

// Error reports a failed database operation: Op says which, Kind is one of
// the sentinels above when the condition is one of them (nil otherwise),
// Err is the driver's error.
type Error struct {
	Op   string
	Kind error
	Err  error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Kind != nil {
		return fmt.Sprintf("%v: %s: %v", e.Kind, e.Op, e.Err)
	}
	return fmt.Sprintf("sqlitestore: %s: %v", e.Op, e.Err)
}

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// Unwrap returns the driver's error.
func (e *Error) Unwrap() error { return e.Err }

// SQLite primary result codes (https://sqlite.org/rescode.html).
const (
	codeError      = 1
	codeBusy       = 5
	codeLocked     = 6
	codeReadOnly   = 8
	codeCorrupt    = 11
	codeFull       = 13
	codeCantOpen   = 14
	codeConstraint = 19
	codeNotADB     = 26
)

// sqliteCode returns the primary result code of a driver error and its
// message, or 0.
func sqliteCode(err error) (int, string) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff, se.Error()
	}
	return 0, ""
}

// wrap turns a driver error into an *Error with its Kind, or a
// *SchemaError for a missing table.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	code, msg := sqliteCode(err)
	var kind error
	switch code {
	case codeBusy, codeLocked:
		kind = ErrLocked
	case codeReadOnly:
		kind = ErrReadOnly
	case codeFull:
		kind = ErrDiskFull
	case codeCantOpen, codeNotADB, codeCorrupt:
		kind = ErrCannotOpen
	case codeError:
		if strings.Contains(msg, "no such table") {
			return fmt.Errorf("sqlitestore: %s: %w", op, &SchemaError{Store: "sqlitestore", Want: len(migrations), Migration: migrations[0].Name + " or later", Err: ErrSchemaTooOld})
		}
	}
	return &Error{Op: op, Kind: kind, Err: err}
}

// Options configures a Store. The zero value gives the defaults.
type Options struct {
	// BusyTimeout is how long a statement waits for a lock another
	// connection or process holds before failing with ErrLocked. Zero means
	// 5 seconds; negative is an error.
	BusyTimeout time.Duration
	// ReadOnly opens the database for reading only: every write fails with
	// ErrReadOnly.
	ReadOnly bool
	// MaxOpenConns bounds the pool of connections. Zero means 8.
	MaxOpenConns int
	// AfterCommitTx, if set, is called by Commit inside the transaction
	// of each commit that has effects, after its writes and only when the
	// order's version matched; an error from it rolls the whole commit
	// back and is returned. It is the hook of a transactional outbox:
	// package riverwork (NewSQLiteOutbox) inserts there the River jobs
	// that carry out c.Effects, in River's tables in the same file, so
	// they exist if and only if the commit does. Commits without effects
	// do not call it (as in pgstore). Nil means none.
	//
	// The hook must do all its work through tx, never through the
	// store's pool (DB) nor another transaction on it: Commit holds one of
	// the pool's connections and SQLite's write lock until the hook
	// returns, so with MaxOpenConns 1 (the setup advised for River) a
	// query on DB waits for the connection Commit holds, and with more
	// connections a write waits for the lock; either way until ctx's
	// deadline or the busy timeout, and the commit fails.
	AfterCommitTx func(ctx context.Context, tx *sql.Tx, c *postpurchase.Commit) error
}

// Store keeps the module's state in one SQLite file (pure Go, no cgo). It
// is safe for concurrent use, also by several processes sharing the file:
// writes are BEGIN IMMEDIATE transactions, so writers queue (up to
// BusyTimeout) instead of failing halfway; the file is in WAL mode, so
// readers do not wait for them. Cashback returns its cashback.Store.
type Store struct {
	db            *sql.DB
	afterCommitTx func(context.Context, *sql.Tx, *postpurchase.Commit) error
}

// Open opens (creating it if needed) the database file at path. Call
// Migrate before first use, and Close at the end.
func Open(path string, opts Options) (*Store, error) {
	return open(path, opts, nil)
}

// open is Open with extra pragmas (tests use them to shrink the file's
// size limit).
func open(path string, opts Options, pragmas []string) (*Store, error) {
	switch {
	case path == "":
		return nil, &Error{Op: "open", Kind: ErrCannotOpen, Err: errors.New("empty path")}
	case strings.ContainsAny(path, "?\x00"):
		return nil, &Error{Op: "open", Kind: ErrCannotOpen, Err: fmt.Errorf("path %q contains '?' or NUL", iso4217.Clip(path))}
	case opts.BusyTimeout < 0:
		return nil, &Error{Op: "open", Err: errors.New("options.busy_timeout: negative")}
	case opts.MaxOpenConns < 0:
		return nil, &Error{Op: "open", Err: errors.New("options.max_open_conns: negative")}
	}
	busy := opts.BusyTimeout
	if busy == 0 {
		busy = 5 * time.Second
	}
	q := []string{
		"_txlock=immediate",
		"_busy_timeout=" + strconv.FormatInt(busy.Milliseconds(), 10),
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)",
	}
	if opts.ReadOnly {
		q = append(q, "_pragma=query_only(1)")
	} else {
		q = append(q, "_pragma=journal_mode(WAL)")
	}
	for _, p := range pragmas {
		q = append(q, "_pragma="+p)
	}
	db, err := sql.Open("sqlite", path+"?"+strings.Join(q, "&"))
	if err != nil {
		return nil, wrap("open", err)
	}
	n := opts.MaxOpenConns
	if n == 0 {
		n = 8
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.Ping(); err != nil {
		db.Close()
		if code, _ := sqliteCode(err); code == 0 || code == codeError {
			return nil, &Error{Op: "open", Kind: ErrCannotOpen, Err: err}
		}
		return nil, wrap("open", err)
	}
	return &Store{db: db, afterCommitTx: opts.AfterCommitTx}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the store's connection pool, set up for several writers (WAL,
// the busy timeout, BEGIN IMMEDIATE for every transaction), for other
// tables in the same file: riverwork.NewSQLite keeps River's jobs there.
// Close closes it. Options.AfterCommitTx must not use it (it runs while
// Commit holds a connection of this pool and the write lock: use the tx
// it is given).
func (s *Store) DB() *sql.DB { return s.db }

// Migrate brings the schema up to the code's version, applying the missing
// embedded migrations in order, with their records in schema_migrations,
// all in one BEGIN IMMEDIATE transaction: idempotent, and safe when several
// processes start at once (one migrates, the others wait for the lock and
// then find nothing to do). A database migrated by newer code is a
// *SchemaError (ErrSchemaTooNew) and is left alone.
func (s *Store) Migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
	if err != nil {
		return wrap("migrate", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL) STRICT`); err != nil {
		return wrap("migrate", err)
	}
	applied, err := appliedMigrations(ctx, tx)
	if err != nil {
		return err
	}
	pending, err := sqlmigrate.Pending("sqlitestore", migrations, applied)
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		return nil
	}
	for _, m := range pending {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return wrap("migration "+m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, time.Now().UnixMicro()); err != nil {
			return wrap("migration "+m.Name, err)
		}
	}
	return wrap("migrate: commit", tx.Commit())
}

// CheckSchema returns nil if the database has exactly the code's
// migrations, else a *SchemaError naming the first missing migration (too
// old) or the unknown newer one (too new).
func (s *Store) CheckSchema(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return wrap("check schema", err)
	}
	applied := map[int]string{}
	if n > 0 {
		var err error
		if applied, err = appliedMigrations(ctx, s.db); err != nil {
			return err
		}
	}
	return sqlmigrate.Check("sqlitestore", migrations, applied)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func appliedMigrations(ctx context.Context, q querier) (map[int]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, name FROM schema_migrations`)
	if err != nil {
		return nil, wrap("read schema_migrations", err)
	}
	defer rows.Close()
	applied := map[int]string{}
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return nil, wrap("read schema_migrations", err)
		}
		applied[v] = name
	}
	return applied, wrap("read schema_migrations", rows.Err())
}
