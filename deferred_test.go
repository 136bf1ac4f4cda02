package postpurchase_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
)

// TestHeldBackMessageAndCreditOnLoss: a VIP's parcel is held by weather in
// the morning and declared lost in the afternoon of the same day. The
// second delay message is held back (one per day) and goes out the next
// day with what it had to say; the credit held until delivery is released
// because the parcel will not arrive.
func TestHeldBackMessageAndCreditOnLoss(t *testing.T) {
	ctx := t.Context()
	w := newWorld(5)
	eng, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{w.sim}, Pushed: []string{"sim"},
		Customers: scenarioCustomers(), Now: func() time.Time { return w.now }, CreditOnDelivery: true})
	if err != nil {
		t.Fatal(err)
	}
	label := placed
	err = eng.Register(ctx, w.now, postpurchase.Order{ID: "#9", CustomerID: "c-vip", PlacedAt: label, Currency: "USD",
		Total:     decimal.RequireFromString("200.00"),
		Shipments: []postpurchase.Shipment{{ID: "s9", Carrier: "sim", TrackingNumber: "SIM9", LabelCreatedAt: label, PromisedBy: label.AddDate(0, 0, 5)}}})
	if err != nil {
		t.Fatal(err)
	}
	push := func(at time.Time, st carriers.Status, r carriers.Reason, code string) {
		t.Helper()
		w.now = at
		err := eng.Ingest(ctx, at, &carriers.Tracking{Carrier: "sim", TrackingNumber: "SIM9", Status: st,
			Events: []carriers.Event{{Time: at, Status: st, Reason: r, Code: code, Description: code}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Drain(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	day1 := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	push(label.Add(3*time.Hour), carriers.StatusInTransit, carriers.ReasonNone, "PU")
	push(day1, carriers.StatusException, carriers.ReasonWeather, "WX")
	push(day1.Add(6*time.Hour), carriers.StatusException, carriers.ReasonLost, "LOST")
	delays := func() []postpurchase.Message {
		var out []postpurchase.Message
		for _, m := range eng.Notifier().(*postpurchase.MemoryNotifier).Messages() {
			if m.Kind == postpurchase.MessageDelay {
				out = append(out, m)
			}
		}
		return out
	}
	if n := len(delays()); n != 1 {
		t.Fatalf("day 1: %d delay messages, want 1 (the second held back)", n)
	}
	rec, _ := eng.Store().LoadOrder(ctx, "#9")
	if rec.Incident == nil || rec.Incident.Unsent == nil {
		t.Fatalf("day 1: nothing kept to tell tomorrow: %+v", rec.Incident)
	}
	v, _ := eng.OrderView(ctx, w.now, "#9")
	if !v.Cashback.Available.IsPositive() || v.Cashback.Pending.IsPositive() {
		t.Fatalf("a lost parcel's credit must not wait for a delivery that will not come: %+v", v.Cashback)
	}
	w.now = day1.Add(24 * time.Hour)
	if _, err := eng.Tick(ctx, w.now); err != nil {
		t.Fatal(err)
	}
	ds := delays()
	if len(ds) != 2 || ds[1].DelayKind != "lost" || len(ds[1].Actions) == 0 {
		t.Fatalf("day 2: delay messages %+v; want the held-back one about the loss", ds)
	}
	rec, _ = eng.Store().LoadOrder(ctx, "#9")
	if rec.Incident.Unsent != nil {
		t.Fatal("the held-back message is still pending after it was sent")
	}
}
