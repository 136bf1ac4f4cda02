package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/internal/budgetrace"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// TestBudgetRace: two Engines on one store (SQLite) decide the delay
// credit of two orders at the same instant (one customer's two orders;
// two customers against the brand's budget), by Ingest and by Refresh,
// both reading the budgets before either commits (gated), then racing
// freely: the ledger never holds more than the budget allows, and the
// second order gets what fits.
func TestBudgetRace(t *testing.T) {
	t.Parallel()
	s := migrated(t, filepath.Join(t.TempDir(), "race.db"), sqlitestore.Options{})
	ledger, err := cashback.New(s.Cashback(), cashback.Options{})
	if err != nil {
		t.Fatal(err)
	}
	runs := 10
	if testing.Short() {
		runs = 3
	}
	run := 0
	for _, c := range budgetrace.Cases() {
		for _, byTick := range []bool{false, true} {
			for k := range runs {
				o := budgetrace.Options{ByTick: byTick, Gated: k == 0, Run: run}
				run++
				res, err := budgetrace.Run(s, ledger, c, o)
				if err != nil {
					t.Fatal(err)
				}
				if err := budgetrace.Check(c, o, res); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
