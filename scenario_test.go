package postpurchase_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/scoring"
)

// placed is when the scenario's orders are placed: a Monday.
var placed = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// history returns a customer history: n earlier orders of about avg each,
// the first years ago.
func history(n int, avg string, tags ...string) *scoring.History {
	h := &scoring.History{
		Profile:   &scoring.Profile{CreatedAt: placed.AddDate(-2, 0, 0), EmailVerified: ptr(true), Tags: tags},
		Orders:    []scoring.Order{},
		Returns:   []scoring.Return{},
		Claims:    []scoring.Claim{},
		Shipments: []scoring.Shipment{},
	}
	for i := range n {
		h.Orders = append(h.Orders, scoring.Order{
			ID: fmt.Sprintf("old-%d", i), PlacedAt: placed.AddDate(0, 0, -700+i*(690/max(n, 1))),
			Total: decimal.RequireFromString(avg), Currency: "USD", Items: 2,
		})
	}
	return h
}

// customers of the scenario: a VIP, a loyal customer, a risky first order
// and a newcomer.
func scenarioCustomers() postpurchase.CustomerMap {
	risky := &scoring.History{
		Profile: &scoring.Profile{CreatedAt: placed.Add(-time.Hour)},
		Orders:  []scoring.Order{},
		Risk: &scoring.RiskInputs{Chargebacks: ptr(2), DisposableEmail: ptr(true), ProxyIP: ptr(true),
			ProcessorRiskScore: ptr(85.0), ReshipperAddress: ptr(true)},
	}
	return postpurchase.CustomerMap{
		"c-vip":   {Contact: postpurchase.Contact{Email: "vip@example.com", FirstName: "Ada"}, History: history(14, "140.00", "vip")},
		"c-loyal": {Contact: postpurchase.Contact{Email: "loyal@example.com"}, History: history(4, "70.00")},
		"c-risky": {Contact: postpurchase.Contact{Email: "r@example.com"}, History: risky},
		"c-new":   {Contact: postpurchase.Contact{Email: "new@example.com"}},
	}
}

type plan struct {
	order, customer string
	total           string
	trouble         simulator.Trouble
}

var scenarioPlans = []plan{
	{"#1001", "c-vip", "180.00", simulator.WeatherDelay},
	{"#1002", "c-risky", "95.00", simulator.Lost},
	{"#1003", "c-loyal", "60.00", simulator.Stalled},
	{"#1004", "c-new", "40.00", simulator.NoTrouble},
	{"#1005", "c-vip", "75.00", simulator.Lost},
	{"#1006", "c-loyal", "120.00", simulator.FailedAttempt},
}

// world is a simulator and a clock shared by engines under test.
type world struct {
	now time.Time
	sim *simulator.Carrier
}

func newWorld(seed uint64) *world {
	w := &world{now: placed}
	sim, err := simulator.New(simulator.Options{Seed: seed, Now: func() time.Time { return w.now }})
	if err != nil {
		panic(err)
	}
	w.sim = sim
	return w
}

// orders ships the plans on the simulator and returns the orders to
// register.
func (w *world) orders(t tb, plans []plan) []postpurchase.Order {
	t.Helper()
	var out []postpurchase.Order
	for i, p := range plans {
		label := placed.Add(time.Duration(i) * time.Hour)
		number, err := w.sim.Ship(simulator.Plan{LabelCreatedAt: label, Trouble: p.trouble, TransitDays: 3})
		if err != nil {
			t.Fatal(err)
		}
		total := decimal.RequireFromString(p.total)
		out = append(out, postpurchase.Order{
			ID: p.order, CustomerID: p.customer, PlacedAt: label.Add(-2 * time.Hour), Currency: "USD", Total: total,
			Email: p.customer + "@example.com", Postcode: "43215",
			Items: []postpurchase.LineItem{{SKU: "MUG-" + p.order, Name: "Stoneware mug", Quantity: 1, Price: total}},
			Shipments: []postpurchase.Shipment{{
				ID: "s" + p.order, Carrier: simulator.Code, TrackingNumber: number,
				Origin: "US-NV", Destination: "US-OH", LabelCreatedAt: label,
				// Promised: end of the fifth day after the label, Columbus time.
				PromisedBy: time.Date(label.Year(), label.Month(), label.Day()+5, 23, 59, 0, 0, simulator.Columbus.Zone),
			}},
		})
	}
	return out
}

func TestJourneyEndToEnd(t *testing.T) {
	ctx := context.Background()
	w := newWorld(1)
	eng, err := postpurchase.New(postpurchase.Config{
		Carriers:  []carriers.Carrier{w.sim},
		Customers: scenarioCustomers(),
		Now:       func() time.Time { return w.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range w.orders(t, scenarioPlans) {
		if err := eng.Register(ctx, w.now, o); err != nil {
			t.Fatal(err)
		}
		if err := eng.Register(ctx, w.now, o); err != nil {
			t.Fatalf("registering again: %v", err)
		}
	}
	for ; w.now.Before(placed.AddDate(0, 0, 16)); w.now = w.now.Add(2 * time.Hour) {
		if _, err := eng.Tick(ctx, w.now); err != nil {
			t.Fatal(err)
		}
	}
	msgs := eng.Notifier().(*postpurchase.MemoryNotifier).Messages()
	byOrder := map[string][]postpurchase.Message{}
	for _, m := range msgs {
		byOrder[m.OrderID] = append(byOrder[m.OrderID], m)
	}
	for _, p := range scenarioPlans {
		js, err := eng.Journal(ctx, p.order)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range js {
			t.Logf("%s %s %-10s %s", p.order, j.At.Format("Jan 02 15:04"), j.Kind, j.Text)
		}
	}
	// Every order's customer heard "shipped"; the clean one heard no delay.
	for _, p := range scenarioPlans {
		var shipped, delay int
		for _, m := range byOrder[p.order] {
			if m.Milestone == "shipped" {
				shipped++
			}
			if m.Kind == postpurchase.MessageDelay {
				delay++
			}
		}
		if shipped != 1 {
			t.Errorf("%s: %d shipped messages, want 1", p.order, shipped)
		}
		if p.trouble == simulator.NoTrouble && delay != 0 {
			t.Errorf("%s (no trouble): %d delay messages", p.order, delay)
		}
		if p.trouble != simulator.NoTrouble && delay == 0 {
			t.Errorf("%s (%s): no delay message", p.order, p.trouble)
		}
	}
	// The VIP's lost parcel is made good with credit and an expedited
	// replacement; the risky first order's lost parcel gets no credit.
	rec, _ := eng.Store().LoadOrder(ctx, "#1005")
	if rec.Incident == nil || rec.Incident.Score.Tier != "vip" || !rec.Incident.Credited.IsPositive() {
		t.Fatalf("#1005 (VIP, lost): incident %+v, want a VIP credit", rec.Incident)
	}
	rec, _ = eng.Store().LoadOrder(ctx, "#1002")
	if rec.Incident == nil || rec.Incident.Score.Tier != "risky" || !rec.Incident.Credited.IsZero() {
		t.Fatalf("#1002 (risky, lost): incident %+v, want a risky customer and no credit", rec.Incident)
	}
	view, err := eng.OrderView(ctx, w.now, "#1005")
	if err != nil {
		t.Fatal(err)
	}
	if view.Shipments[0].CarrierName != "Simulated carrier" {
		t.Errorf("#1005 view: carrier name %q, want the simulator's display name", view.Shipments[0].CarrierName)
	}
	if view.Cashback == nil || !view.Cashback.Available.IsPositive() {
		t.Fatalf("#1005 view: cashback %+v, want the VIP's credit available", view.Cashback)
	}
}

// tb is what the scenario helpers need of *testing.T and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// TestCreditHeldUntilDelivery: with CreditOnDelivery the VIP's make-good
// is pending while the parcel is late and spendable once it arrives.
func TestCreditHeldUntilDelivery(t *testing.T) {
	ctx := t.Context()
	w := newWorld(1)
	eng, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{w.sim}, Customers: scenarioCustomers(),
		Now: func() time.Time { return w.now }, CreditOnDelivery: true, ReleaseDelay: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	o := w.orders(t, scenarioPlans[:1])[0] // the VIP's weather delay
	if err := eng.Register(ctx, w.now, o); err != nil {
		t.Fatal(err)
	}
	var sawHeld bool
	var deliveredAt time.Time
	for ; w.now.Before(placed.AddDate(0, 0, 16)); w.now = w.now.Add(2 * time.Hour) {
		if _, err := eng.Tick(ctx, w.now); err != nil {
			t.Fatal(err)
		}
		v, err := eng.OrderView(ctx, w.now, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Shipments[0].DeliveredAt.IsZero() {
			if v.Cashback.Available.IsPositive() {
				t.Fatalf("%s: credit spendable before delivery: %+v", w.now, v.Cashback)
			}
			sawHeld = sawHeld || v.Cashback.Pending.IsPositive()
		} else if deliveredAt.IsZero() {
			deliveredAt = v.Shipments[0].DeliveredAt
		}
	}
	if !sawHeld || deliveredAt.IsZero() {
		t.Fatalf("held credit seen: %v; delivered at %v", sawHeld, deliveredAt)
	}
	v, _ := eng.OrderView(ctx, w.now, o.ID)
	if !v.Cashback.Available.IsPositive() || !v.Cashback.Pending.IsZero() {
		t.Fatalf("after delivery + 48h: %+v, want all of it available", v.Cashback)
	}
}
