package postpurchase_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/scoring"
)

// pastOrders returns n orders of amount each, one every six weeks before now.
func pastOrders(now time.Time, n int, amount string) []scoring.Order {
	var out []scoring.Order
	for i := range n {
		out = append(out, scoring.Order{ID: fmt.Sprint("#09", i), PlacedAt: now.AddDate(0, 0, -42*(n-i)),
			Total: decimal.RequireFromString(amount), Currency: "USD"})
	}
	return out
}

// The newcomer's six steps, each a call or two: register an order, let
// the Engine follow the carrier, see the milestones it sends (to Klaviyo
// with NewKlaviyoNotifier; in memory here), see the make-good it decided
// for a delay, render the page data, and file a claim.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC) // a Monday
	sim, err := simulator.New(simulator.Options{Seed: 1, Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	vip := postpurchase.Customer{History: &scoring.History{
		Profile: &scoring.Profile{Tags: []string{"vip"}},
		Orders:  pastOrders(now, 8, "180.00"),
	}}
	eng, err := postpurchase.New(postpurchase.Config{
		Carriers:  []carriers.Carrier{sim},
		Customers: postpurchase.CustomerMap{"cust-42": vip},
		Now:       func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}

	// 1. Register the order when its label is bought.
	number, _ := sim.Ship(simulator.Plan{LabelCreatedAt: now, TransitDays: 3, Trouble: simulator.Lost})
	err = eng.Register(ctx, now, postpurchase.Order{
		ID: "#1001", CustomerID: "cust-42", PlacedAt: now.Add(-time.Hour), Currency: "USD",
		Total: decimal.RequireFromString("180.00"), Email: "ada@example.com",
		Items: []postpurchase.LineItem{{SKU: "MUG-1", Name: "Stoneware mug", Quantity: 2, Price: decimal.RequireFromString("90.00")}},
		Shipments: []postpurchase.Shipment{{ID: "s1", Carrier: simulator.Code, TrackingNumber: number,
			PromisedBy: now.AddDate(0, 0, 5), LabelCreatedAt: now}},
	})
	if err != nil {
		log.Fatal(err)
	}

	// 2. Updates: Tick polls what is due (carriers that push use
	// Engine.WebhookHandler), checks delays and drains the side effects.
	for end := now.AddDate(0, 0, 14); now.Before(end); now = now.Add(2 * time.Hour) {
		if _, err := eng.Tick(ctx, now); err != nil {
			log.Fatal(err)
		}
	}

	// 3. Milestones and delays went out as messages (Klaviyo events).
	for _, m := range eng.Notifier().(*postpurchase.MemoryNotifier).Messages() {
		switch m.Kind {
		case postpurchase.MessageCashback:
			fmt.Println("message: cashback", m.Cashback.StringFixed(2), "balance", m.Balance.StringFixed(2))
		default:
			fmt.Println("message:", m.Kind, m.Milestone+m.DelayKind, m.Cashback.StringFixed(2))
		}
	}

	// 4. The delay's make-good, as the journal tells it.
	journal, _ := eng.Journal(ctx, "#1001")
	for _, j := range journal {
		if j.Kind == postpurchase.JournalDecision {
			fmt.Println("journal:", j.Text)
		}
	}

	// 5. The page data the hub renders.
	view, _ := eng.OrderView(ctx, now, "#1001")
	fmt.Println("page:", view.Shipments[0].StatusText, "| cashback", view.Cashback.Available.StringFixed(2), view.Cashback.Currency)

	// 6. A claim, through the same Engine.
	c, err := eng.FileClaim(ctx, now, postpurchase.ClaimRequest{OrderID: "#1001", ShipmentID: "s1", Reason: postpurchase.ReasonNotReceived})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("claim:", c.State, "-", c.Resolution)
	// Output:
	// message: milestone shipped 0.00
	// message: milestone in_transit 0.00
	// message: cashback 27.00 balance 27.00
	// message: delay late 27.00
	// message: milestone exception 0.00
	// message: cashback 9.00 balance 36.00
	// message: delay lost 9.00
	// journal: decision on late, 0 day(s) late, tier vip: rule "vip-delayed" → credit USD 27.00 (credit:dd77ad42229258177:1), shipping_upgrade, priority_support
	// journal: decision on lost, 7 day(s) late, tier vip: rule "vip-lost" → credit USD 9.00 (credit:dd77ad42229258177:2), replacement
	// page: Held up: lost | cashback 36.00 USD
	// claim: resolved - a replacement is already on its way
}
