package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/internal/budgetrace"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// TestBudgetRace: two Engines on one store (SQLite) decide the delay
// credit of two orders at the same instant (budgetrace.Test: one
// customer's two orders; two customers against the brand's budget), by
// Ingest and by Refresh, both reading the budgets before either commits
// (gated), then racing freely: the ledger never holds more than the
// budget allows, and the second order gets what fits.
func TestBudgetRace(t *testing.T) {
	t.Parallel()
	s := migrated(t, filepath.Join(t.TempDir(), "race.db"), sqlitestore.Options{})
	ledger, err := cashback.New(s.Cashback(), cashback.Options{})
	if err != nil {
		t.Fatal(err)
	}
	budgetrace.Test(t, s, ledger)
}
