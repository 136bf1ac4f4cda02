// Package journeytest runs one whole post-purchase journey through the
// Engine on a given Store and ledger, so the reference stores can show they
// tell the same story as the in-memory defaults.
package journeytest

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/scoring"
)

// Run registers two orders of a VIP (one lost, one stalled then
// delivered), follows them for three weeks with Tick every two hours, files
// a claim, and returns what a reader of the story sees: the messages sent,
// the decisions in the journals, the cashback on the page and the claim's
// outcome. With onDelivery, delay credit is held until delivery.
func Run(store postpurchase.Store, ledger *cashback.Ledger, onDelivery bool) ([]string, error) {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	sim, err := simulator.New(simulator.Options{Seed: 1, Now: func() time.Time { return now }})
	if err != nil {
		return nil, err
	}
	var past []scoring.Order
	for i := range 8 {
		past = append(past, scoring.Order{ID: fmt.Sprint("#09", i), PlacedAt: now.AddDate(0, 0, -42*(8-i)),
			Total: decimal.RequireFromString("180.00"), Currency: "USD"})
	}
	eng, err := postpurchase.New(postpurchase.Config{
		Carriers:         []carriers.Carrier{sim},
		Store:            store,
		Ledger:           ledger,
		Customers:        postpurchase.CustomerMap{"cust-42": {History: &scoring.History{Profile: &scoring.Profile{Tags: []string{"vip"}}, Orders: past}}},
		CreditOnDelivery: onDelivery,
		Now:              func() time.Time { return now },
	})
	if err != nil {
		return nil, err
	}
	for i, trouble := range []simulator.Trouble{simulator.Lost, simulator.Stalled} {
		number, _ := sim.Ship(simulator.Plan{LabelCreatedAt: now, TransitDays: 3, Trouble: trouble})
		err := eng.Register(ctx, now, postpurchase.Order{
			ID: fmt.Sprint("#100", i), CustomerID: "cust-42", PlacedAt: now.Add(-time.Hour), Currency: "USD",
			Total: decimal.RequireFromString("180.00"), Email: "ada@example.com",
			Items: []postpurchase.LineItem{{SKU: "MUG-1", Name: "Stoneware mug", Quantity: 2, Price: decimal.RequireFromString("90.00")}},
			Shipments: []postpurchase.Shipment{{ID: fmt.Sprint("s", i), Carrier: simulator.Code, TrackingNumber: number,
				PromisedBy: now.AddDate(0, 0, 5), LabelCreatedAt: now}},
		})
		if err != nil {
			return nil, err
		}
	}
	for end := now.AddDate(0, 0, 21); now.Before(end); now = now.Add(2 * time.Hour) {
		if _, err := eng.Tick(ctx, now); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, m := range eng.Notifier().(*postpurchase.MemoryNotifier).Messages() {
		out = append(out, fmt.Sprint("message: ", m.OrderID, " ", m.Kind, " ", m.Milestone+m.DelayKind, " ", m.Cashback.StringFixed(2)))
	}
	for i := range 2 {
		id := fmt.Sprint("#100", i)
		journal, err := eng.Journal(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, j := range journal {
			if j.Kind == postpurchase.JournalDecision {
				out = append(out, "journal: "+id+" "+j.Text)
			}
		}
	}
	view, err := eng.OrderView(ctx, now, "#1000")
	if err != nil {
		return nil, err
	}
	out = append(out, fmt.Sprint("page: ", view.Shipments[0].StatusText, " | cashback ", view.Cashback.Available.StringFixed(2),
		" available, ", view.Cashback.Pending.StringFixed(2), " pending"))
	c, err := eng.FileClaim(ctx, now, postpurchase.ClaimRequest{OrderID: "#1000", ShipmentID: "s0", Reason: postpurchase.ReasonNotReceived})
	if err != nil {
		return nil, err
	}
	out = append(out, fmt.Sprint("claim: ", c.State, " - ", c.Resolution))
	return out, nil
}
