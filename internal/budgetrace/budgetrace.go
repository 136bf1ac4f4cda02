// Package budgetrace races two Engines on one Store, deciding the delay
// credit of two orders at the same instant, and reads what the ledger
// holds: the check that budgets hold across Engines, for any store (the
// root package runs it on MemoryStore, pgstore and sqlitestore on theirs).
package budgetrace

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/accommodation"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/cashback"
)

// Case is two orders whose delays two Engines decide at one instant,
// under a policy that credits $50 for any delay within $50 per order, $75
// per customer in 90 days and PerDay for the brand.
type Case struct {
	Name string
	// PerDay is the brand's budget per day; empty for none.
	PerDay string
	// SameCustomer gives both orders one customer; else each its own.
	SameCustomer bool
	// Limit is the most the two orders' customers may get together; Want
	// what they get (the first order's $50, the second's what fits).
	Limit, Want decimal.Decimal
	// NoConflict says no commit is refused: the two decisions do not
	// share a budget.
	NoConflict bool
}

// Cases are the two races: one customer's two orders against the
// per-customer budget, and two customers against the brand's.
func Cases() []Case {
	return []Case{
		{Name: "one customer, two orders", PerDay: "2500.00", SameCustomer: true,
			Limit: decimal.RequireFromString("75.00"), Want: decimal.RequireFromString("75.00")},
		{Name: "two customers, the brand", PerDay: "80.00",
			Limit: decimal.RequireFromString("80.00"), Want: decimal.RequireFromString("80.00")},
		{Name: "two customers, no brand budget",
			Limit: decimal.RequireFromString("100.00"), Want: decimal.RequireFromString("100.00"), NoConflict: true},
	}
}

// Options say how one race runs.
type Options struct {
	// ByTick decides by Engine.Refresh (as Tick does, one order per
	// Engine); else by Engine.Ingest of a "lost" scan.
	ByTick bool
	// Gated holds both decisions after their budget reads until both
	// have read, so that both read before either commits: the race,
	// every time.
	Gated bool
	// Run tells races on one store apart: their orders, customers and
	// day differ.
	Run int
}

// Result is what one race left.
type Result struct {
	// Credit is what the ledger holds for the two orders' customers.
	Credit decimal.Decimal
	// LeftForTick counts orders an Engine left for its next Tick
	// (TickStats.Conflicts).
	LeftForTick int
	// Refused counts commits the store refused with ErrConflict.
	Refused int
}

// Run races two Engines on store, paying into ledger.
func Run(store postpurchase.Store, ledger *cashback.Ledger, c Case, o Options) (Result, error) {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC).AddDate(0, 0, o.Run)
	sim, err := simulator.New(simulator.Options{Seed: 1, Now: func() time.Time { return now }})
	if err != nil {
		return Result{}, err
	}
	perDay := ""
	if c.PerDay != "" {
		perDay = fmt.Sprintf(`, "per_day": %q`, c.PerDay)
	}
	policy, err := accommodation.Parse(fmt.Appendf(nil, `{"version": "budget-race", "currency": "USD",
		"budgets": {"per_order": "50.00", "per_customer_90_days": "75.00"%s, "over_budget": "reduce"},
		"rules": [{"id": "any-delay", "then": [{"action": "cashback", "amount": "50.00", "message": "delay.cashback"}]}]}`, perDay))
	if err != nil {
		return Result{}, err
	}
	cs := &counting{Store: store}
	store = cs
	var g *gate
	if o.Gated {
		g = &gate{Store: store, open: make(chan struct{})}
		store = g
	}
	var engines [2]*postpurchase.Engine
	for i := range engines {
		if engines[i], err = postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{sim}, Pushed: []string{sim.Code()},
			Store: store, Ledger: ledger, Policy: policy, Now: func() time.Time { return now }}); err != nil {
			return Result{}, err
		}
	}
	prefix := fmt.Sprintf("race%d-%d-", time.Now().UnixNano(), o.Run)
	customers := [2]string{prefix + "c0", prefix + "c1"}
	if c.SameCustomer {
		customers[1] = customers[0]
	}
	label := now.AddDate(0, 0, -6)
	for i, cust := range customers {
		err := engines[0].Register(ctx, label, postpurchase.Order{ID: fmt.Sprint(prefix, "#", i), CustomerID: cust, PlacedAt: label,
			Currency: "USD", Total: decimal.RequireFromString("200.00"),
			Shipments: []postpurchase.Shipment{{ID: fmt.Sprint(prefix, "s", i), Carrier: sim.Code(), TrackingNumber: fmt.Sprint(prefix, "SIM", i),
				LabelCreatedAt: label, PromisedBy: label.AddDate(0, 0, 3)}}})
		if err != nil {
			return Result{}, err
		}
	}
	var st [2]postpurchase.TickStats
	var errs [2]error
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if o.ByTick {
				// Three days late: each Engine checks its order, as
				// two Tick workers given one job each do.
				st[i], errs[i] = e.Refresh(ctx, now, []postpurchase.ShipmentRef{{OrderID: fmt.Sprint(prefix, "#", i), ShipmentID: fmt.Sprint(prefix, "s", i)}})
				return
			}
			errs[i] = e.Ingest(ctx, now, &carriers.Tracking{Carrier: sim.Code(), TrackingNumber: fmt.Sprint(prefix, "SIM", i), Status: carriers.StatusException,
				Events: []carriers.Event{{Time: now, Status: carriers.StatusException, Reason: carriers.ReasonLost, Code: "LOST", Description: "lost"}}})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs[0], errs[1]); err != nil {
		return Result{}, err
	}
	if g != nil && g.timedOut {
		return Result{}, errors.New("budgetrace: the other decision never read the budgets")
	}
	if _, err := engines[0].Drain(ctx, now); err != nil {
		return Result{}, err
	}
	res := Result{Credit: decimal.Zero, LeftForTick: st[0].Conflicts + st[1].Conflicts, Refused: int(cs.refused.Load())}
	for i, cust := range customers {
		if i == 1 && c.SameCustomer {
			break
		}
		for en, err := range ledger.Entries(ctx, cashback.Account{CustomerID: cust, Currency: "USD"}) {
			if err != nil {
				return Result{}, err
			}
			if en.Kind == cashback.KindIssue {
				res.Credit = res.Credit.Add(en.Amount)
			}
		}
	}
	return res, nil
}

// gate holds the first two brand budget reads (the last read of a
// decision) until both have happened.
type gate struct {
	postpurchase.Store
	mu       sync.Mutex
	n        int
	open     chan struct{}
	timedOut bool
}

// CreditTotal implements postpurchase.Store.
func (g *gate) CreditTotal(ctx context.Context, customerID string, since time.Time) (postpurchase.BudgetRead, error) {
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
		g.mu.Lock()
		g.timedOut = true
		g.mu.Unlock()
	}
	return r, err
}

// counting counts the commits refused with ErrConflict.
type counting struct {
	postpurchase.Store
	refused atomic.Int64
}

// Commit implements postpurchase.Store.
func (c *counting) Commit(ctx context.Context, cm *postpurchase.Commit) error {
	err := c.Store.Commit(ctx, cm)
	if errors.Is(err, postpurchase.ErrConflict) {
		c.refused.Add(1)
	}
	return err
}

// Check says what is wrong with a race's result, or nil: more credit
// than the budget allows; not what fits (the refused decision not made
// again at once); a gated race on one budget that no commit lost (the
// race did not happen); a commit refused when the two decisions share no
// budget.
func Check(c Case, o Options, res Result) error {
	what := fmt.Sprintf("%s (tick %v, gated %v, run %d)", c.Name, o.ByTick, o.Gated, o.Run)
	switch {
	case res.Credit.GreaterThan(c.Limit):
		return fmt.Errorf("%s: the ledger holds %s of credit, over the budget of %s", what, res.Credit, c.Limit)
	case !res.Credit.Equal(c.Want) || res.LeftForTick != 0:
		return fmt.Errorf("%s: the ledger holds %s of credit (%d orders left for the next Tick), want %s", what, res.Credit, res.LeftForTick, c.Want)
	case o.Gated && !c.NoConflict && res.Refused == 0:
		return fmt.Errorf("%s: no commit was refused: the two decisions did not race", what)
	case c.NoConflict && res.Refused != 0:
		return fmt.Errorf("%s: %d commit(s) refused, though the decisions share no budget", what, res.Refused)
	}
	return nil
}
