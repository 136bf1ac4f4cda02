package sqlitestore_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// Options.AfterCommitTx writes in the commit's transaction: its rows exist
// if and only if the commit does, and a failing hook rolls the commit back.
func TestAfterCommitTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hook.db")
	var fail error
	calls := 0
	s := migrated(t, path, sqlitestore.Options{AfterCommitTx: func(ctx context.Context, tx *sql.Tx, c *postpurchase.Commit) error {
		calls++
		for _, e := range c.Effects {
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (effect_id) VALUES (?)`, e.ID); err != nil {
				return err
			}
		}
		return fail
	}})
	if _, err := s.DB().Exec(`CREATE TABLE outbox (effect_id TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	commit := func(version int64, effect string) error {
		rec := &postpurchase.OrderRecord{Order: postpurchase.Order{ID: "o1", CustomerID: "c1", PlacedAt: at, Currency: "USD"}, Version: version}
		return s.Commit(ctx, &postpurchase.Commit{Order: rec,
			Effects: []postpurchase.Effect{{ID: effect, OrderID: "o1", Kind: postpurchase.EffectTask, At: at}}})
	}
	rows := func() (outbox, effects int) {
		t.Helper()
		if err := s.DB().QueryRow(`SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM effects)`).Scan(&outbox, &effects); err != nil {
			t.Fatal(err)
		}
		return outbox, effects
	}
	if err := commit(1, "e1"); err != nil {
		t.Fatal(err)
	}
	if o, e := rows(); o != 1 || e != 1 {
		t.Fatalf("after a commit: %d outbox rows, %d effects; want 1, 1", o, e)
	}
	fail = errors.New("queue down")
	if err := commit(2, "e2"); !errors.Is(err, fail) {
		t.Fatalf("commit with a failing hook: %v, want the hook's error", err)
	}
	fail = nil
	if o, e := rows(); o != 1 || e != 1 {
		t.Errorf("after a failed hook: %d outbox rows, %d effects; want 1, 1 (rolled back)", o, e)
	}
	if rec, err := s.LoadOrder(ctx, "o1"); err != nil || rec.Version != 1 {
		t.Errorf("order after a failed hook: %+v, %v; want version 1", rec, err)
	}
	// A commit that loses the version race does not call the hook.
	before := calls
	if err := commit(5, "e3"); !errors.Is(err, postpurchase.ErrConflict) {
		t.Fatalf("stale commit: %v, want ErrConflict", err)
	}
	if calls != before {
		t.Error("the hook ran for a conflicting commit")
	}
	// A commit without effects has nothing for the outbox: no call.
	rec := &postpurchase.OrderRecord{Order: postpurchase.Order{ID: "o1", CustomerID: "c1", PlacedAt: at, Currency: "USD"}, Version: 2}
	if err := s.Commit(ctx, &postpurchase.Commit{Order: rec}); err != nil {
		t.Fatal(err)
	}
	if calls != before {
		t.Error("the hook ran for a commit without effects")
	}
}
