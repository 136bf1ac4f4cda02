package postpurchase_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/accommodation"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
)

// budgetPolicy credits $50 for any delay, within $75 per customer in 90
// days and perDay for the brand.
func budgetPolicy(t testing.TB, perDay string) *accommodation.Policy {
	t.Helper()
	p, err := accommodation.Parse(fmt.Appendf(nil, `{"version": "budget-test", "currency": "USD",
		"budgets": {"per_order": "50.00", "per_customer_90_days": "75.00", "per_day": %q, "over_budget": "reduce"},
		"rules": [{"id": "any-delay", "then": [{"action": "cashback", "amount": "50.00", "message": "delay.cashback"}]}]}`, perDay))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// gateStore holds the first two brand budget reads (the last read of a
// decision) until both have happened, so that two Engines' decisions
// both read the budgets before either commits: the race, every time.
type gateStore struct {
	postpurchase.Store
	mu   sync.Mutex
	n    int
	open chan struct{}
	t    testing.TB
}

func (g *gateStore) CreditTotal(ctx context.Context, customerID string, since time.Time) (postpurchase.BudgetRead, error) {
	r, err := g.Store.CreditTotal(ctx, customerID, since)
	if customerID != "" {
		return r, err
	}
	g.mu.Lock()
	g.n++
	n := g.n
	g.mu.Unlock()
	switch {
	case n == 2:
		close(g.open)
	case n > 2:
		return r, err
	}
	select {
	case <-g.open:
	case <-time.After(10 * time.Second):
		g.t.Error("gate: the other decision never read the budgets")
	}
	return r, err
}

// budgetCase is two orders decided at one instant by two Engines.
type budgetCase struct {
	perDay    string
	customers [2]string
	// limit is what the two orders' customers may get together; want
	// what they get (the first order's $50, the second's what fits).
	limit, want string
}

var budgetCases = map[string]budgetCase{
	"one customer, two orders": {perDay: "2500.00", customers: [2]string{"c-1", "c-1"}, limit: "75.00", want: "75.00"},
	"two customers, the brand": {perDay: "80.00", customers: [2]string{"c-1", "c-2"}, limit: "80.00", want: "80.00"},
}

// raceBudget registers two orders, has two Engines on one store decide
// their delays at the same instant (by Ingest, or by Refresh as a Tick
// does), and returns the ledger's total credit for the two customers.
func raceBudget(t testing.TB, bc budgetCase, byTick, gated bool) (decimal.Decimal, postpurchase.TickStats) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	sim, err := simulator.New(simulator.Options{Seed: 1, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := memstore.New(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ledger, err := cashback.New(ms, cashback.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mem := postpurchase.NewMemoryStore()
	var store postpurchase.Store = mem
	if gated {
		store = &gateStore{Store: mem, open: make(chan struct{}), t: t}
	}
	policy := budgetPolicy(t, bc.perDay)
	engine := func() *postpurchase.Engine {
		e, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{sim}, Pushed: []string{"sim"},
			Store: store, Ledger: ledger, Policy: policy, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	engines := [2]*postpurchase.Engine{engine(), engine()}
	label := now.AddDate(0, 0, -6)
	for i, cust := range bc.customers {
		err := engines[0].Register(ctx, label, postpurchase.Order{ID: fmt.Sprint("#", i), CustomerID: cust, PlacedAt: label,
			Currency: "USD", Total: decimal.RequireFromString("200.00"),
			Shipments: []postpurchase.Shipment{{ID: fmt.Sprint("s", i), Carrier: "sim", TrackingNumber: fmt.Sprint("SIM", i),
				LabelCreatedAt: label, PromisedBy: label.AddDate(0, 0, 3)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	var st [2]postpurchase.TickStats
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if byTick {
				// Three days late: each Engine checks its order, as
				// two Tick workers given one job each do.
				st[i], err = e.Refresh(ctx, now, []postpurchase.ShipmentRef{{OrderID: fmt.Sprint("#", i), ShipmentID: fmt.Sprint("s", i)}})
			} else {
				err = e.Ingest(ctx, now, &carriers.Tracking{Carrier: "sim", TrackingNumber: fmt.Sprint("SIM", i), Status: carriers.StatusException,
					Events: []carriers.Event{{Time: now, Status: carriers.StatusException, Reason: carriers.ReasonLost, Code: "LOST", Description: "lost"}}})
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := engines[0].Drain(ctx, now); err != nil {
		t.Fatal(err)
	}
	total := decimal.Zero
	seen := map[string]bool{}
	for _, cust := range bc.customers {
		if seen[cust] {
			continue
		}
		seen[cust] = true
		for en, err := range ledger.Entries(ctx, cashback.Account{CustomerID: cust, Currency: "USD"}) {
			if err != nil {
				t.Fatal(err)
			}
			if en.Kind == cashback.KindIssue {
				total = total.Add(en.Amount)
			}
		}
	}
	st[0].Conflicts += st[1].Conflicts
	return total, st[0]
}

// TestBudgetRaceTwoEngines: two Engines on one store decide two orders'
// delays at the same instant, both reading the budgets before either
// commits. The commit decided on a budget that moved on is refused and
// decided again, so the ledger never holds more than the budget allows,
// and the second order gets what fits.
func TestBudgetRaceTwoEngines(t *testing.T) {
	for name, bc := range budgetCases {
		for _, byTick := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/tick=%v", name, byTick), func(t *testing.T) {
				got, st := raceBudget(t, bc, byTick, true)
				if got.GreaterThan(decimal.RequireFromString(bc.limit)) {
					t.Fatalf("the ledger holds %s of credit, over the budget of %s", got, bc.limit)
				}
				if !got.Equal(decimal.RequireFromString(bc.want)) || st.Conflicts != 0 {
					t.Fatalf("the ledger holds %s of credit (%d orders left for the next Tick), want %s", got, st.Conflicts, bc.want)
				}
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
	for name, bc := range budgetCases {
		for _, byTick := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/tick=%v", name, byTick), func(t *testing.T) {
				for run := range runs {
					got, st := raceBudget(t, bc, byTick, false)
					if got.GreaterThan(decimal.RequireFromString(bc.limit)) {
						t.Fatalf("run %d: the ledger holds %s of credit, over the budget of %s", run, got, bc.limit)
					}
					if !got.Equal(decimal.RequireFromString(bc.want)) || st.Conflicts != 0 {
						t.Fatalf("run %d: the ledger holds %s of credit (%d orders left for the next Tick), want %s", run, got, st.Conflicts, bc.want)
					}
				}
			})
		}
	}
}
