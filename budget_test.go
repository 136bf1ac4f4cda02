package postpurchase_test

import (
	"fmt"
	"testing"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
	"github.com/postpurchase/postpurchase/internal/budgetrace"
)

// raceOnMemory runs one budget race on a new MemoryStore and ledger and
// checks the ledger: never over the budget, and the second order got what
// fit (decided again, at once, not left for the next Tick).
func raceOnMemory(t *testing.T, c budgetrace.Case, o budgetrace.Options) {
	t.Helper()
	ms, err := memstore.New(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := cashback.New(ms, cashback.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := budgetrace.Run(postpurchase.NewMemoryStore(), ledger, c, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Credit.GreaterThan(c.Limit) {
		t.Fatalf("run %d: the ledger holds %s of credit, over the budget of %s", o.Run, res.Credit, c.Limit)
	}
	if !res.Credit.Equal(c.Want) || res.LeftForTick != 0 {
		t.Fatalf("run %d: the ledger holds %s of credit (%d orders left for the next Tick), want %s", o.Run, res.Credit, res.LeftForTick, c.Want)
	}
}

// TestBudgetRaceTwoEngines: two Engines on one store decide two orders'
// delays at the same instant (by Ingest, and by Refresh as Tick does),
// both reading the budgets before either commits. The commit decided on
// a budget that moved on is refused and decided again, so the ledger
// never holds more than the budget allows, and the second order gets what
// fits.
func TestBudgetRaceTwoEngines(t *testing.T) {
	for _, c := range budgetrace.Cases() {
		for _, byTick := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/tick=%v", c.Name, byTick), func(t *testing.T) {
				raceOnMemory(t, c, budgetrace.Options{ByTick: byTick, Gated: true})
			})
		}
	}
}

// TestBudgetRaceFree: the same without the gate, the Engines' goroutines
// interleaving as they happen to, many times (run it with -race).
func TestBudgetRaceFree(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 40
	}
	for _, c := range budgetrace.Cases() {
		for _, byTick := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/tick=%v", c.Name, byTick), func(t *testing.T) {
				for run := range runs {
					raceOnMemory(t, c, budgetrace.Options{ByTick: byTick, Run: run})
				}
			})
		}
	}
}
