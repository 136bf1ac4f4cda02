package postpurchase_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/accommodation"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
	"github.com/postpurchase/postpurchase/internal/budgetrace"
)

// raceOnMemory runs one budget race on a new MemoryStore and ledger and
// checks it (budgetrace.Check): never over the budget, and the second
// order got what fit (decided again, at once, not left for the next
// Tick).
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
	if err := budgetrace.Check(c, o, res); err != nil {
		t.Fatal(err)
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

// TestBudgetCountsCreditOfTheSameChange: one change that decides twice
// (two shipments of one order checked by one Tick, the second later than
// the first) counts the credit its first decision granted in the second's
// customer budget, though it is not committed yet.
func TestBudgetCountsCreditOfTheSameChange(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 11, 12, 15, 0, 0, 0, time.UTC)
	sim, err := simulator.New(simulator.Options{Seed: 1, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	policy, err := accommodation.Parse([]byte(`{"version": "same-change", "currency": "USD",
		"budgets": {"per_order": "50.00", "per_customer_90_days": "75.00", "over_budget": "reduce"},
		"rules": [
			{"id": "lost", "when": [{"fact": "delay_kind", "eq": "lost"}], "then": [{"action": "cashback", "amount": "50.00", "message": "m"}]},
			{"id": "very-late", "when": [{"fact": "days_late", "gte": 3}], "then": [{"action": "cashback", "amount": "50.00", "message": "m"}]},
			{"id": "late", "then": [{"action": "cashback", "amount": "25.00", "message": "m"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{sim}, Pushed: []string{"sim"},
		Policy: policy, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	label := now.AddDate(0, 0, -8)
	order := func(id string, promised ...time.Time) postpurchase.Order {
		o := postpurchase.Order{ID: id, CustomerID: "c-1", PlacedAt: label, Currency: "USD", Total: decimal.RequireFromString("200.00")}
		for i, p := range promised {
			o.Shipments = append(o.Shipments, postpurchase.Shipment{ID: fmt.Sprint(id, "-s", i), Carrier: "sim",
				TrackingNumber: fmt.Sprint("SIM", id, i), LabelCreatedAt: label, PromisedBy: p})
		}
		return o
	}
	// An earlier order's lost parcel: $50 of the customer's $75.
	if err := e.Register(ctx, label, order("prev", now.AddDate(0, 0, 2))); err != nil {
		t.Fatal(err)
	}
	err = e.Ingest(ctx, now, &carriers.Tracking{Carrier: "sim", TrackingNumber: "SIMprev0", Status: carriers.StatusException,
		Events: []carriers.Event{{Time: now, Status: carriers.StatusException, Reason: carriers.ReasonLost, Code: "LOST", Description: "lost"}}})
	if err != nil {
		t.Fatal(err)
	}
	// This order's first parcel is a day late ($25, what is left), its
	// second four days (topped up to $50, but the customer has none left).
	if err := e.Register(ctx, label, order("this", now.AddDate(0, 0, -1), now.AddDate(0, 0, -4))); err != nil {
		t.Fatal(err)
	}
	st, err := e.Refresh(ctx, now, []postpurchase.ShipmentRef{{OrderID: "this", ShipmentID: "this-s0"}, {OrderID: "this", ShipmentID: "this-s1"}})
	if err != nil || st.Checked != 2 {
		t.Fatalf("Refresh: %+v, %v", st, err)
	}
	r, err := e.Store().CreditTotal(ctx, "c-1", now.AddDate(0, 0, -90))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Total.Equal(decimal.RequireFromString("75")) {
		js, _ := e.Journal(ctx, "this")
		for _, j := range js {
			t.Log(j.Kind, j.Text)
		}
		t.Fatalf("the customer was credited %s, over the budget of 75.00", r.Total)
	}
}
