package postpurchase

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
)

// wrappedStore is a host's store: it hands back what it loads, not the
// bytes the Engine committed.
type wrappedStore struct{ Store }

// TestShipmentCacheOnlyForMemoryStore: the decoded-shipment cache is on
// for MemoryStore, whose loads hand back the committed bytes, and off for
// any other store, where it could never hit and would only hold memory.
func TestShipmentCacheOnlyForMemoryStore(t *testing.T) {
	sim, err := simulator.New(simulator.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cs := []carriers.Carrier{sim}
	mem, err := New(Config{Carriers: cs})
	if err != nil {
		t.Fatal(err)
	}
	if mem.cache == nil {
		t.Error("the default MemoryStore: cache off, want on")
	}
	other, err := New(Config{Carriers: cs, Store: wrappedStore{NewMemoryStore()}})
	if err != nil {
		t.Fatal(err)
	}
	if other.cache != nil {
		t.Error("a host's store: cache on, want off")
	}
	st := &ShipmentState{ID: "s1", Tracking: []byte(`{}`)}
	if s := other.take(st); s != nil {
		t.Error("take with the cache off returned a shipment")
	}
}

// TestBudgetConflictNamesNoCustomer: a refused commit's error names the
// order, never the customer's ID (which may be an email address).
func TestBudgetConflictNamesNoCustomer(t *testing.T) {
	ctx := context.Background()
	const who = "jane.doe@example.com"
	m := NewMemoryStore()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	read, err := m.CreditTotal(ctx, who, at.AddDate(0, 0, -30))
	if err != nil {
		t.Fatal(err)
	}
	credit := func(order string) error {
		rec := &OrderRecord{Order: Order{ID: order, CustomerID: who, PlacedAt: at, Currency: "USD"}, Version: 1}
		return m.Commit(ctx, &Commit{Order: rec, Budgets: []BudgetRead{read}, Effects: []Effect{{ID: "credit:" + order, OrderID: order, Kind: EffectCredit, At: at,
			Credit: &Credit{Key: "credit:" + order, CustomerID: who, OrderID: order, Amount: decimal.New(5, 0), Currency: "USD", At: at}}}})
	}
	if err := credit("o1"); err != nil {
		t.Fatal(err)
	}
	err = credit("o2")
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("second commit on the same read: %v, want ErrConflict", err)
	}
	if strings.Contains(err.Error(), "jane") {
		t.Errorf("the error names the customer: %q", err)
	}
}
