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
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/accommodation"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/cashback"
)

// Case is two orders whose delays two Engines decide at one instant,
// under a policy that credits 50 units for any delay within 50 units per
// order, 75 per customer in 90 days and PerDay for the brand (a unit is
// one dollar, or Unit of Currency).
type Case struct {
	Name string
	// Currency is the orders' and the policy's; empty for USD.
	Currency string
	// Unit is what the policy's and the orders' amounts count in, in
	// Currency; zero for 1.
	Unit decimal.Decimal
	// PerDay is the brand's budget per day, in Currency; empty for none.
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

// Cases are the races: one customer's two orders against the
// per-customer budget, and two customers against the brand's (in dollars,
// and in dong with amounts of tens of millions of dollars: a brand budget
// large in number is still a budget), and two customers under no brand
// budget.
func Cases() []Case {
	return []Case{
		{Name: "one customer, two orders", PerDay: "2500.00", SameCustomer: true,
			Limit: decimal.RequireFromString("75.00"), Want: decimal.RequireFromString("75.00")},
		{Name: "two customers, the brand", PerDay: "80.00",
			Limit: decimal.RequireFromString("80.00"), Want: decimal.RequireFromString("80.00")},
		{Name: "two customers, the brand, in VND", Currency: "VND", Unit: decimal.New(1, 10), PerDay: "800000000000",
			Limit: decimal.New(80, 10), Want: decimal.New(80, 10)},
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
	cur, unit := c.Currency, c.Unit
	if cur == "" {
		cur = "USD"
	}
	if unit.IsZero() {
		unit = decimal.NewFromInt(1)
	}
	units := func(n int64) string { return decimal.NewFromInt(n).Mul(unit).String() }
	perDay := ""
	if c.PerDay != "" {
		perDay = fmt.Sprintf(`, "per_day": %q`, c.PerDay)
	}
	policy, err := accommodation.Parse(fmt.Appendf(nil, `{"version": "budget-race", "currency": %q,
		"budgets": {"per_order": %q, "per_customer_90_days": %q%s, "over_budget": "reduce"},
		"rules": [{"id": "any-delay", "then": [{"action": "cashback", "amount": %q, "message": "delay.cashback"}]}]}`,
		cur, units(50), units(75), perDay, units(50)))
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
			Currency: cur, Total: decimal.NewFromInt(200).Mul(unit),
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
			if g != nil {
				defer g.returned()
			}
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
	if g != nil && g.unraced {
		return Result{}, errors.New("budgetrace: a decision returned before both had read the budgets: the race did not happen")
	}
	if _, err := engines[0].Drain(ctx, now); err != nil {
		return Result{}, err
	}
	res := Result{Credit: decimal.Zero, LeftForTick: st[0].Conflicts + st[1].Conflicts, Refused: int(cs.refused.Load())}
	for i, cust := range customers {
		if i == 1 && c.SameCustomer {
			break
		}
		for en, err := range ledger.Entries(ctx, cashback.Account{CustomerID: cust, Currency: cur}) {
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
// decision) until both have happened, or until a decision returns
// without its read (then the race cannot happen: unraced). No clock: the
// gate opens on what the other decision does, however slow the machine.
type gate struct {
	postpurchase.Store
	mu      sync.Mutex
	n       int  // brand reads so far
	opened  bool // open was closed: the gate is open
	unraced bool // open was closed by a decision returning
	open    chan struct{}
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
	if n == 2 {
		g.openLocked()
	}
	g.mu.Unlock()
	if n <= 2 {
		<-g.open
	}
	return r, err
}

// returned is called as each decision returns: one that returns while
// the gate is still closed never read the brand's budget (or it would be
// waiting), so the other must not wait for it.
func (g *gate) returned() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.opened {
		g.unraced = true
		g.openLocked()
	}
}

// openLocked opens the gate; g.mu is held.
func (g *gate) openLocked() {
	if !g.opened {
		g.opened = true
		close(g.open)
	}
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

// Test runs the races on store, paying into ledger, for a store's tests:
// every case, by Ingest and by Refresh, gated once (both decisions read
// the budgets before either commits) and then free, several times
// (fewer with -short), failing t on the first result Check finds wrong.
func Test(t *testing.T, store postpurchase.Store, ledger *cashback.Ledger) {
	t.Helper()
	runs := 10
	if testing.Short() {
		runs = 3
	}
	run := 0
	for _, c := range Cases() {
		for _, byTick := range []bool{false, true} {
			for k := range runs {
				o := Options{ByTick: byTick, Gated: k == 0, Run: run}
				run++
				res, err := Run(store, ledger, c, o)
				if err != nil {
					t.Fatal(err)
				}
				if err := Check(c, o, res); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
