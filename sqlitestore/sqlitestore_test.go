package sqlitestore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/cashbacktest"
	"github.com/postpurchase/postpurchase/postpurchasetest"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

func openStore(t testing.TB, path string, opts sqlitestore.Options) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func migrated(t testing.TB, path string, opts sqlitestore.Options) *sqlitestore.Store {
	t.Helper()
	s := openStore(t, path, opts)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

type harness struct{ s *sqlitestore.Store }

func (h harness) MakeStore(context.Context) (cashback.Store, error) { return h.s.Cashback(), nil }
func (harness) Close()                                              {}

// TestCashbackConformance runs cashbacktest against a real file.
func TestCashbackConformance(t *testing.T) {
	t.Parallel()
	s := migrated(t, filepath.Join(t.TempDir(), "ledger.db"), sqlitestore.Options{})
	cashbacktest.RunConformanceTests(t, func(context.Context, *testing.T) (cashbacktest.Harness, error) {
		return harness{s}, nil
	})
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := openStore(t, path, sqlitestore.Options{})
	var se *sqlitestore.SchemaError
	if err := s.CheckSchema(ctx); !errors.Is(err, sqlitestore.ErrSchemaTooOld) || !errors.As(err, &se) || se.Migration != "0001_cashback" {
		t.Fatalf("CheckSchema before Migrate: %v; want ErrSchemaTooOld naming 0001_cashback", err)
	}
	if _, err := s.Cashback().Load(ctx, cashback.Account{CustomerID: "c", Currency: "USD"}); !errors.Is(err, sqlitestore.ErrSchemaTooOld) {
		t.Errorf("Load before Migrate: %v; want ErrSchemaTooOld", err)
	}
	// Several stores on the file migrating at once.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		o := openStore(t, path, sqlitestore.Options{})
		wg.Go(func() { errs[i] = o.Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Migrate %d: %v", i, err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Errorf("Migrate again: %v", err)
	}
	if err := s.CheckSchema(ctx); err != nil {
		t.Errorf("CheckSchema after Migrate: %v", err)
	}
	db := s.DB()
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_from_the_future', 0)`); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{"Migrate": s.Migrate(ctx), "CheckSchema": s.CheckSchema(ctx)} {
		if !errors.Is(err, sqlitestore.ErrSchemaTooNew) || !errors.As(err, &se) || se.Migration != "0999_from_the_future" {
			t.Errorf("%s on a newer schema: %v; want ErrSchemaTooNew naming 0999_from_the_future", name, err)
		}
	}
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = 999`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE schema_migrations SET name = '0001_other' WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); !errors.Is(err, sqlitestore.ErrSchemaMismatch) || !strings.Contains(err.Error(), "0001_cashback") {
		t.Errorf("Migrate on a schema with another migration 1: %v; want ErrSchemaMismatch naming 0001_cashback", err)
	}
}

// TestMigrateProcesses starts three processes that migrate one new file at
// once: each succeeds and the migrations are applied once.
func TestMigrateProcesses(t *testing.T) {
	if path := os.Getenv("SQLITESTORE_MIGRATE_CHILD"); path != "" {
		s, err := sqlitestore.Open(path, sqlitestore.Options{BusyTimeout: 30 * time.Second})
		if err == nil {
			err = s.Migrate(context.Background())
			s.Close()
		}
		if err != nil {
			fmt.Println("child:", err)
			os.Exit(1)
		}
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "procs.db")
	var wg sync.WaitGroup
	outs := make([][]byte, 3)
	errs := make([]error, 3)
	for i := range outs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMigrateProcesses$")
			cmd.Env = append(os.Environ(), "SQLITESTORE_MIGRATE_CHILD="+path)
			outs[i], errs[i] = cmd.CombinedOutput()
		})
	}
	wg.Wait()
	for i := range outs {
		if errs[i] != nil {
			t.Errorf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	s := openStore(t, path, sqlitestore.Options{})
	if err := s.CheckSchema(context.Background()); err != nil {
		t.Errorf("CheckSchema: %v", err)
	}
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != sqlitestore.Migrations() {
		t.Errorf("schema_migrations has %d rows (%v), want one per migration (%d)", n, err, sqlitestore.Migrations())
	}
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func usd(s string) cashback.Money {
	return cashback.Money{Amount: decimal.RequireFromString(s), Currency: "USD"}
}

func ledger(t testing.TB, s *sqlitestore.Store) *cashback.Ledger {
	t.Helper()
	l, err := cashback.New(s.Cashback(), cashback.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestReadOnly: a store opened read-only reads, and every write is a
// typed ErrReadOnly that writes nothing.
func TestReadOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ro.db")
	acct := cashback.Account{CustomerID: "c", Currency: "USD"}
	w := migrated(t, path, sqlitestore.Options{})
	if _, err := ledger(t, w).Issue(ctx, t0, cashback.IssueRequest{Account: acct, Amount: usd("5"), Key: "k"}); err != nil {
		t.Fatal(err)
	}
	ro := openStore(t, path, sqlitestore.Options{ReadOnly: true})
	l := ledger(t, ro)
	b, err := l.Balance(ctx, t0.Add(time.Hour), acct)
	if err != nil || !b.Available.Equal(decimal.RequireFromString("5")) {
		t.Fatalf("Balance read-only: %s, %v", b.Available, err)
	}
	_, err = l.Issue(ctx, t0, cashback.IssueRequest{Account: acct, Amount: usd("1"), Key: "k2"})
	var se *sqlitestore.Error
	if !errors.Is(err, sqlitestore.ErrReadOnly) || !errors.As(err, &se) {
		t.Fatalf("Issue on a read-only store: %v; want *Error with ErrReadOnly", err)
	}
	if err := ro.Migrate(ctx); !errors.Is(err, sqlitestore.ErrReadOnly) && err != nil {
		t.Errorf("Migrate on a read-only store: %v", err)
	}
	if es, err := cashbacktest.Entries(ctx, l, acct); err != nil || len(es) != 1 {
		t.Errorf("after the refused write: %d entries, %v", len(es), err)
	}
	if os.Geteuid() != 0 {
		// A file the process may not write (root writes anyway).
		if err := os.Chmod(path, 0o444); err != nil {
			t.Fatal(err)
		}
		s, err := sqlitestore.Open(path, sqlitestore.Options{})
		if err == nil {
			_, err = ledger(t, s).Issue(ctx, t0, cashback.IssueRequest{Account: acct, Amount: usd("1"), Key: "k3"})
			s.Close()
		}
		if !errors.Is(err, sqlitestore.ErrReadOnly) {
			t.Errorf("write to a read-only file: %v; want ErrReadOnly", err)
		}
	}
}

// TestLocked: another connection holds the write lock longer than the busy
// timeout: the write is a typed ErrLocked, nothing is written, and it goes
// through once the lock is released.
func TestLocked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "locked.db")
	acct := cashback.Account{CustomerID: "c", Currency: "USD"}
	holder := migrated(t, path, sqlitestore.Options{})
	s := openStore(t, path, sqlitestore.Options{BusyTimeout: 50 * time.Millisecond})
	l := ledger(t, s)
	tx, err := holder.DB().BeginTx(ctx, nil) // BEGIN IMMEDIATE: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (500, 'x', 0)`); err != nil {
		t.Fatal(err)
	}
	req := cashback.IssueRequest{Account: acct, Amount: usd("2.50"), Key: "k"}
	_, err = l.Issue(ctx, t0, req)
	var se *sqlitestore.Error
	if !errors.Is(err, sqlitestore.ErrLocked) || !errors.As(err, &se) {
		t.Fatalf("Issue while another connection holds the lock: %v; want ErrLocked", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Issue(ctx, t0, req); err != nil {
		t.Fatalf("Issue after the lock is released: %v", err)
	}
	if es, err := cashbacktest.Entries(ctx, l, acct); err != nil || len(es) != 1 {
		t.Errorf("%d entries, %v; want 1", len(es), err)
	}
}

// TestDiskFull: the file reaches its size limit mid-run: the write that
// does not fit is a typed ErrDiskFull, nothing of it is stored, and the
// ledger stays consistent.
func TestDiskFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "full.db")
	migrated(t, path, sqlitestore.Options{}).Close()
	var pages int
	s := openStore(t, path, sqlitestore.Options{})
	if err := s.DB().QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	s.Close()
	full, err := sqlitestore.OpenWithPragmas(path, sqlitestore.Options{MaxOpenConns: 1}, fmt.Sprintf("max_page_count(%d)", pages+3))
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	l := ledger(t, full)
	acct := cashback.Account{CustomerID: "c", Currency: "USD"}
	var werr error
	written := 0
	for i := 0; i < 10000 && werr == nil; i++ {
		_, werr = l.Issue(ctx, t0, cashback.IssueRequest{Account: acct, Amount: usd("1"), Key: fmt.Sprint("k", i), Reason: strings.Repeat("r", 900)})
		if werr == nil {
			written++
		}
	}
	var se *sqlitestore.Error
	if !errors.Is(werr, sqlitestore.ErrDiskFull) || !errors.As(werr, &se) {
		t.Fatalf("writing until full: %v; want ErrDiskFull", werr)
	}
	es, err := cashbacktest.Entries(ctx, l, acct)
	if err != nil || len(es) != written {
		t.Fatalf("%d entries, %v; want the %d written", len(es), err, written)
	}
	if err := l.Check(ctx, acct); err != nil {
		t.Errorf("Check after the full disk: %v", err)
	}
}

// TestNotADatabase: a file that is not a database, or a path that cannot
// be opened, is a typed error, never a panic.
func TestNotADatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("this is not a database\n", 400)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{garbage, filepath.Join(dir, "missing", "dir", "x.db"), "", "a?b.db"} {
		s, err := sqlitestore.Open(path, sqlitestore.Options{})
		if err == nil {
			err = s.Migrate(context.Background())
			s.Close()
		}
		if !errors.Is(err, sqlitestore.ErrCannotOpen) {
			t.Errorf("Open(%q): %v; want ErrCannotOpen", path, err)
		}
	}
}

type engineHarness struct{ s *sqlitestore.Store }

func (h engineHarness) MakeStore(context.Context) (postpurchase.Store, error) { return h.s, nil }
func (engineHarness) Close()                                                  {}

// TestEngineConformance runs postpurchasetest, each of its tests on a file
// of its own (the due list and the outbox are global to a database).
func TestEngineConformance(t *testing.T) {
	t.Parallel()
	postpurchasetest.RunConformanceTests(t, func(_ context.Context, t *testing.T) (postpurchasetest.Harness, error) {
		return engineHarness{migrated(t, filepath.Join(t.TempDir(), "engine.db"), sqlitestore.Options{})}, nil
	})
}
