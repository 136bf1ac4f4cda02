package pgstore_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/cashbacktest"
	"github.com/postpurchase/postpurchase/internal/pgtest"
	"github.com/postpurchase/postpurchase/pgstore"
	"github.com/postpurchase/postpurchase/postpurchasetest"
)

// urlEnv names the variable with the test server's URL (see pgtest).
const urlEnv = pgtest.Env

// testDB is a schema of its own on the test server, dropped at the end of
// the test, with a pool whose connections use it.
type testDB struct {
	url    string
	schema string
	pool   *pgxpool.Pool
	admin  *pgx.Conn // outside the pool, for the tests' own statements
}

func newTestDB(t testing.TB) *testDB {
	t.Helper()
	url, schema, admin := pgtest.Schema(t, "pgstore_test_")
	db := &testDB{url: url, schema: schema, admin: admin}
	db.pool = db.newPool(t)
	return db
}

// terminateBlocked finds the backend that the admin connection's held lock
// blocks (only that one: other tests run in parallel), terminates it
// (pg_terminate_backend, a connection dropped mid-statement) and requires
// the blocked call, whose result done carries, to fail.
func (db *testDB) terminateBlocked(t *testing.T, call string, done <-chan error) {
	t.Helper()
	ctx := context.Background()
	var killed bool
	for i := 0; i < 500 && !killed; i++ {
		err := db.admin.QueryRow(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid)) LIMIT 1`).Scan(&killed)
		if errors.Is(err, pgx.ErrNoRows) {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !killed {
		t.Fatalf("%s never blocked on the held row", call)
	}
	if err := <-done; err == nil {
		t.Fatalf("%s on a terminated connection succeeded", call)
	}
}

// newPool returns another pool on the test schema, closed at the end of
// the test.
func (db *testDB) newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return pgtest.Pool(t, db.url, db.schema, 8)
}

func newStore(t testing.TB, db *testDB) *pgstore.Store {
	t.Helper()
	s, err := pgstore.New(db.pool, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

type harness struct{ s *pgstore.Store }

func (h harness) MakeStore(context.Context) (cashback.Store, error) { return h.s.Cashback(), nil }
func (harness) Close()                                              {}

// TestCashbackConformance runs cashbacktest against one schema shared by
// the suite's tests (their accounts are unique to the run).
func TestCashbackConformance(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	s := newStore(t, db)
	cashbacktest.RunConformanceTests(t, func(context.Context, *testing.T) (cashbacktest.Harness, error) {
		return harness{s}, nil
	})
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	s, err := pgstore.New(db.pool, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Before: the schema is too old, and the ledger says so.
	err = s.CheckSchema(ctx)
	var se *pgstore.SchemaError
	if !errors.Is(err, pgstore.ErrSchemaTooOld) || !errors.As(err, &se) || se.Migration != "0001_cashback" || se.Have != 0 {
		t.Fatalf("CheckSchema before Migrate: %v; want ErrSchemaTooOld naming 0001_cashback", err)
	}
	if _, err := s.LoadOrder(ctx, "o"); !errors.Is(err, pgstore.ErrSchemaTooOld) {
		t.Errorf("LoadOrder before Migrate: %v; want ErrSchemaTooOld", err)
	}
	if _, err := s.Cashback().Load(ctx, cashback.Account{CustomerID: "c", Currency: "USD"}); !errors.Is(err, pgstore.ErrSchemaTooOld) {
		t.Errorf("Load before Migrate: %v; want ErrSchemaTooOld", err)
	}
	// Several processes starting at once: every Migrate succeeds, the
	// migrations are applied once.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		pool := db.newPool(t)
		wg.Go(func() {
			s, err := pgstore.New(pool, pgstore.Options{})
			if err == nil {
				err = s.Migrate(ctx)
			}
			errs[i] = err
		})
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
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n < 1 {
		t.Fatalf("schema_migrations: %d rows, %v", n, err)
	}
	// A newer release migrated the database: this code refuses it.
	if _, err := db.pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (999, '0999_from_the_future')`); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{"Migrate": s.Migrate(ctx), "CheckSchema": s.CheckSchema(ctx)} {
		if !errors.Is(err, pgstore.ErrSchemaTooNew) || !errors.As(err, &se) || se.Migration != "0999_from_the_future" {
			t.Errorf("%s on a newer schema: %v; want ErrSchemaTooNew naming 0999_from_the_future", name, err)
		}
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM schema_migrations WHERE version = 999`); err != nil {
		t.Fatal(err)
	}
	// A migration recorded under another name.
	if _, err := db.pool.Exec(ctx, `UPDATE schema_migrations SET name = '0001_something_else' WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); !errors.Is(err, pgstore.ErrSchemaMismatch) || !strings.Contains(err.Error(), "0001_cashback") {
		t.Errorf("Migrate on a schema with another migration 1: %v; want ErrSchemaMismatch naming 0001_cashback", err)
	}
}

// TestTerminatedMidAppend kills the backend running a ledger write while
// the write waits inside its statement: the write fails, nothing of it is
// stored, and retrying with the same key writes it once.
func TestTerminatedMidAppend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	s := newStore(t, db)
	l, err := cashback.New(s.Cashback(), cashback.Options{})
	if err != nil {
		t.Fatal(err)
	}
	acct := cashback.Account{CustomerID: "cus_'; DROP TABLE x; --", Currency: "USD"}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	five := cashback.Money{Amount: mustDec(t, "5.00"), Currency: "USD"}
	if _, err := l.Issue(ctx, at, cashback.IssueRequest{Account: acct, Amount: five, Key: "first"}); err != nil {
		t.Fatal(err)
	}
	// Hold the balance row so the next write blocks inside its statement.
	tx, err := db.admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	ident := pgx.Identifier{db.schema, "cashback_accounts"}.Sanitize()
	if _, err := tx.Exec(ctx, "SELECT 1 FROM "+ident+" WHERE customer_id = $1 FOR UPDATE", acct.CustomerID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	req := cashback.IssueRequest{Account: acct, Amount: five, Key: "second", Reason: "retry me"}
	go func() {
		// Bounded, so a broken test cannot hang the run.
		ictx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		_, err := l.Issue(ictx, at.Add(time.Minute), req)
		done <- err
	}()
	db.terminateBlocked(t, "Issue", done)
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	es, err := cashbacktest.Entries(ctx, l, acct)
	if err != nil || len(es) != 1 {
		t.Fatalf("after the failed write: %d entries, %v; want the first only", len(es), err)
	}
	// The retry writes it, once; a second retry replays.
	e1, err := l.Issue(ctx, at.Add(2*time.Minute), req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	e2, err := l.Issue(ctx, at.Add(3*time.Minute), req)
	if err != nil || e2.Seq != e1.Seq {
		t.Fatalf("second retry: seq %d, %v; want the replay of %d", e2.Seq, err, e1.Seq)
	}
	if err := l.Check(ctx, acct); err != nil {
		t.Errorf("Check: %v", err)
	}
	b, err := l.Balance(ctx, at.Add(time.Hour), acct)
	if err != nil || !b.Available.Equal(mustDec(t, "10")) {
		t.Errorf("balance %s, %v; want 10.00", b.Available, err)
	}
}

type engineHarness struct{ s *pgstore.Store }

func (h engineHarness) MakeStore(context.Context) (postpurchase.Store, error) { return h.s, nil }
func (engineHarness) Close()                                                  {}

// TestEngineConformance runs postpurchasetest, each of its tests on a
// schema of its own (the due list and the outbox are global to a schema).
func TestEngineConformance(t *testing.T) {
	t.Parallel()
	postpurchasetest.RunConformanceTests(t, func(_ context.Context, t *testing.T) (postpurchasetest.Harness, error) {
		return engineHarness{newStore(t, newTestDB(t))}, nil
	})
}

// TestTerminatedMidCommit kills the backend running an Engine commit while
// it waits inside its transaction: nothing of the commit is stored, the
// retry stores it once, and a second retry of the same version conflicts
// instead of duplicating the journal or the effects.
func TestTerminatedMidCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	s := newStore(t, db)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	id := "ord_'; DELETE FROM effects; --"
	rec := &postpurchase.OrderRecord{Version: 1, Order: postpurchase.Order{ID: id, CustomerID: "c", PlacedAt: at, Currency: "USD",
		Shipments: []postpurchase.Shipment{{ID: "s1", Carrier: "ups", TrackingNumber: "1Z1"}}},
		Shipments: []postpurchase.ShipmentState{{ID: "s1", Carrier: "ups", TrackingNumber: "1Z1", Tracking: []byte(`{}`), NextCheck: at}}}
	if err := s.Commit(ctx, &postpurchase.Commit{Order: rec}); err != nil {
		t.Fatal(err)
	}
	next := *rec
	next.Version, next.JournalSeq = 2, 1
	c := &postpurchase.Commit{Order: &next,
		Journal: []postpurchase.JournalEntry{{OrderID: id, Seq: 1, At: at, Kind: postpurchase.JournalEvents, Text: "scan"}},
		Effects: []postpurchase.Effect{{ID: id + "/m1", OrderID: id, CustomerID: "c", Kind: postpurchase.EffectMessage, At: at,
			Message: &postpurchase.Message{ID: id + "/m1", Kind: postpurchase.MessageMilestone, At: at, OrderID: id}}}}
	tx, err := db.admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT 1 FROM "+pgx.Identifier{db.schema, "orders"}.Sanitize()+" WHERE order_id = $1 FOR UPDATE", id); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		done <- s.Commit(cctx, c)
	}()
	db.terminateBlocked(t, "Commit", done)
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	count := func() (int64, int, int) {
		t.Helper()
		got, err := s.LoadOrder(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		js, err := s.Journal(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		effs, err := s.Effects(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return got.Version, len(js), len(effs)
	}
	if v, j, e := count(); v != 1 || j != 0 || e != 0 {
		t.Fatalf("after the killed commit: version %d, %d journal entries, %d effects; want 1, 0, 0", v, j, e)
	}
	if err := s.Commit(ctx, c); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if err := s.Commit(ctx, c); !errors.Is(err, postpurchase.ErrConflict) {
		t.Fatalf("second retry: %v; want ErrConflict", err)
	}
	if v, j, e := count(); v != 2 || j != 1 || e != 1 {
		t.Fatalf("after the retries: version %d, %d journal entries, %d effects; want 2, 1, 1", v, j, e)
	}
}

// TestUnreachableServerFails: with the variable set to a server that does
// not answer, the tests fail instead of skipping.
func TestUnreachableServerFails(t *testing.T) {
	if os.Getenv(urlEnv) == "" || os.Getenv("PGSTORE_UNREACHABLE_CHILD") == "1" {
		t.Skip("runs only with " + urlEnv + " set, and not in its own child")
	}
	if testing.Short() {
		t.Skip("spawns a child test process")
	}
	t.Parallel()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMigrate$", "-test.v")
	cmd.Env = append(os.Environ(), urlEnv+"=postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5", "PGSTORE_UNREACHABLE_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "cannot be reached") || strings.Contains(string(out), "--- SKIP: TestMigrate") {
		t.Fatalf("with an unreachable server the tests did not fail (err %v):\n%s", err, out)
	}
}

// TestMigrateProcesses starts three processes that migrate one new schema
// at once: each succeeds and every migration is applied once.
func TestMigrateProcesses(t *testing.T) {
	if schema := os.Getenv("PGSTORE_MIGRATE_SCHEMA"); schema != "" {
		cfg, err := pgxpool.ParseConfig(os.Getenv(urlEnv))
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		s, err := pgstore.New(pool, pgstore.Options{})
		if err == nil {
			err = s.Migrate(context.Background())
		}
		if err != nil {
			t.Fatalf("child: %v", err)
		}
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	t.Parallel()
	db := newTestDB(t)
	var wg sync.WaitGroup
	outs := make([][]byte, 3)
	errs := make([]error, 3)
	for i := range outs {
		wg.Go(func() {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMigrateProcesses$")
			cmd.Env = append(os.Environ(), "PGSTORE_MIGRATE_SCHEMA="+db.schema)
			outs[i], errs[i] = cmd.CombinedOutput()
		})
	}
	wg.Wait()
	for i := range outs {
		if errs[i] != nil {
			t.Errorf("process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	s, err := pgstore.New(db.pool, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSchema(context.Background()); err != nil {
		t.Errorf("CheckSchema after three processes migrated: %v", err)
	}
}

// TestCommitAllOrNothing: a statement failing after the order's write
// (here a trigger refusing a journal entry) leaves nothing of the commit,
// on the one-round-trip path (no hook) and on the transaction with the
// outbox hook; a failing hook does too; a stale version is ErrConflict on
// both.
func TestCommitAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hookErr := errors.New("hook refused")
	for _, tc := range []struct {
		name string
		hook func(context.Context, pgx.Tx, *postpurchase.Commit) error
	}{
		{"no hook", nil},
		{"hook", func(ctx context.Context, tx pgx.Tx, c *postpurchase.Commit) error {
			_, err := tx.Exec(ctx, `SELECT 1`)
			return err
		}},
		{"failing hook", func(context.Context, pgx.Tx, *postpurchase.Commit) error { return hookErr }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := newTestDB(t)
			newStore(t, db) // migrates
			s, err := pgstore.New(db.pool, pgstore.Options{AfterCommitTx: tc.hook})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.admin.Exec(ctx, `SET search_path TO `+pgx.Identifier{db.schema}.Sanitize()); err != nil {
				t.Fatal(err)
			}
			if _, err := db.admin.Exec(ctx, `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.entry->>'text' = 'poison' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
				CREATE TRIGGER refuse BEFORE INSERT ON journal FOR EACH ROW EXECUTE FUNCTION refuse()`); err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			id := "o1"
			rec := &postpurchase.OrderRecord{Version: 1, Order: postpurchase.Order{ID: id, CustomerID: "c", PlacedAt: at, Currency: "USD",
				Shipments: []postpurchase.Shipment{{ID: "s1", Carrier: "ups", TrackingNumber: "1Z1"}}},
				Shipments: []postpurchase.ShipmentState{{ID: "s1", Carrier: "ups", TrackingNumber: "1Z1", Tracking: []byte(`{}`), NextCheck: at}}}
			if err := s.Commit(ctx, &postpurchase.Commit{Order: rec}); err != nil {
				t.Fatal(err)
			}
			commit := func(text string) *postpurchase.Commit {
				next := *rec
				next.Version, next.JournalSeq = 2, 2
				next.Shipments = []postpurchase.ShipmentState{{ID: "s1", Carrier: "ups", TrackingNumber: "1Z1", Tracking: []byte(`{"v":2}`), NextCheck: at.Add(time.Hour)}}
				return &postpurchase.Commit{Order: &next,
					Journal: []postpurchase.JournalEntry{{OrderID: id, Seq: 1, At: at, Kind: postpurchase.JournalEvents, Text: "scan"},
						{OrderID: id, Seq: 2, At: at, Kind: postpurchase.JournalEvents, Text: text}},
					Effects: []postpurchase.Effect{{ID: id + "/m1", OrderID: id, CustomerID: "c", Kind: postpurchase.EffectMessage, At: at,
						Message: &postpurchase.Message{ID: id + "/m1", Kind: postpurchase.MessageMilestone, At: at, OrderID: id}}}}
			}
			nothing := func() {
				t.Helper()
				got, err := s.LoadOrder(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				js, err := s.Journal(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				effs, err := s.Effects(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				due, err := s.Due(ctx, at, 10)
				if err != nil {
					t.Fatal(err)
				}
				if got.Version != 1 || len(js) != 0 || len(effs) != 0 || len(due) != 1 {
					t.Fatalf("after a failed commit: version %d, %d journal entries, %d effects, %d due; want 1, 0, 0, 1", got.Version, len(js), len(effs), len(due))
				}
			}
			err = s.Commit(ctx, commit("poison"))
			if err == nil || errors.Is(err, postpurchase.ErrConflict) {
				t.Fatalf("commit refused by the trigger: %v; want the trigger's error", err)
			}
			nothing()
			err = s.Commit(ctx, commit("fine"))
			if tc.name == "failing hook" {
				if !errors.Is(err, hookErr) {
					t.Fatalf("commit with a failing hook: %v; want its error", err)
				}
				nothing()
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(ctx, commit("again")); !errors.Is(err, postpurchase.ErrConflict) {
				t.Fatalf("commit of a stale version: %v; want ErrConflict", err)
			}
			js, err := s.Journal(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(js) != 2 || js[0].Text != "scan" || js[1].Text != "fine" {
				t.Fatalf("journal %+v; want scan, fine in that order", js)
			}
		})
	}
}
