package postpurchase_test

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
)

// TestBadInput: every refusal is typed, says what, and stores or sends
// nothing.
func TestBadInput(t *testing.T) {
	ctx := t.Context()
	w := newWorld(3)
	eng, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{w.sim}, Now: func() time.Time { return w.now }})
	if err != nil {
		t.Fatal(err)
	}
	orders := w.orders(t, scenarioPlans[:1])
	good := orders[0]
	if err := eng.Register(ctx, w.now, good); err != nil {
		t.Fatal(err)
	}
	state := func() (int, int) {
		js, _ := eng.Store().Journal(ctx, good.ID)
		effs, _ := eng.Store().Effects(ctx, good.ID)
		return len(js), len(effs)
	}
	j0, e0 := state()

	bad := func(mut func(o *postpurchase.Order)) postpurchase.Order {
		o := good
		o.ID = "#bad"
		o.Items = append([]postpurchase.LineItem(nil), good.Items...)
		o.Shipments = append([]postpurchase.Shipment(nil), good.Shipments...)
		o.Shipments[0].ID = "s#bad"
		mut(&o)
		return o
	}
	for name, c := range map[string]struct {
		order postpurchase.Order
		field string
		is    error
	}{
		"negative total":    {bad(func(o *postpurchase.Order) { o.Total = decimal.RequireFromString("-1") }), "order.total", postpurchase.ErrInvalid},
		"sub-cent total":    {bad(func(o *postpurchase.Order) { o.Total = decimal.RequireFromString("1.001") }), "order.total", postpurchase.ErrInvalid},
		"other currency":    {bad(func(o *postpurchase.Order) { o.Currency = "EUR" }), "order.currency", postpurchase.ErrInvalid},
		"no shipments":      {bad(func(o *postpurchase.Order) { o.Shipments = nil }), "order.shipments", postpurchase.ErrInvalid},
		"no carrier":        {bad(func(o *postpurchase.Order) { o.Shipments[0].Carrier = "" }), "order.shipments[0].carrier", postpurchase.ErrInvalid},
		"unknown item":      {bad(func(o *postpurchase.Order) { o.Shipments[0].Items = []string{"<script>"} }), "order.shipments[0].items[0]", postpurchase.ErrInvalid},
		"duplicate sku":     {bad(func(o *postpurchase.Order) { o.Items = append(o.Items, o.Items[0]) }), "order.items[1].sku", postpurchase.ErrInvalid},
		"changed on replay": {func() postpurchase.Order { o := good; o.Total = decimal.RequireFromString("1.00"); return o }(), "order.id", postpurchase.ErrConflict},
	} {
		err := eng.Register(ctx, w.now, c.order)
		var ie *postpurchase.InputError
		if !errors.As(err, &ie) || ie.Field != c.field || !errors.Is(err, c.is) {
			t.Errorf("%s: Register = %v, want an *InputError on %s matching %v", name, err, c.field, c.is)
		}
	}
	if _, err := eng.Store().LoadOrder(ctx, "#bad"); !errors.Is(err, postpurchase.ErrNotFound) {
		t.Fatalf("a refused order was stored: %v", err)
	}

	// A carrier result for a number nobody registered.
	err = eng.Ingest(ctx, w.now, &carriers.Tracking{Carrier: w.sim.Code(), TrackingNumber: "NOPE123"})
	if !errors.Is(err, postpurchase.ErrNotFound) {
		t.Errorf("Ingest(unknown number) = %v, want ErrNotFound", err)
	}
	// Unknown order, unknown shipment, a claim not open yet, a bad reason.
	for name, c := range map[string]struct {
		req postpurchase.ClaimRequest
		is  error
	}{
		"unknown order":    {postpurchase.ClaimRequest{OrderID: "#nope", ShipmentID: "s", Reason: postpurchase.ReasonDamaged}, postpurchase.ErrNotFound},
		"unknown shipment": {postpurchase.ClaimRequest{OrderID: good.ID, ShipmentID: "nope", Reason: postpurchase.ReasonDamaged}, postpurchase.ErrNotFound},
		"not delivered":    {postpurchase.ClaimRequest{OrderID: good.ID, ShipmentID: good.Shipments[0].ID, Reason: postpurchase.ReasonDamaged, Items: []string{good.Items[0].SKU}}, postpurchase.ErrOutsideWindow},
		"still moving":     {postpurchase.ClaimRequest{OrderID: good.ID, ShipmentID: good.Shipments[0].ID, Reason: postpurchase.ReasonNotReceived}, postpurchase.ErrOutsideWindow},
		"unknown reason":   {postpurchase.ClaimRequest{OrderID: good.ID, ShipmentID: good.Shipments[0].ID, Reason: "refund me"}, postpurchase.ErrInvalid},
	} {
		if _, err := eng.FileClaim(ctx, w.now, c.req); !errors.Is(err, c.is) {
			t.Errorf("%s: FileClaim = %v, want %v", name, err, c.is)
		}
	}
	if j, e := state(); j != j0 || e != e0 {
		t.Fatalf("refusals changed the order: journal %d → %d, effects %d → %d", j0, j, e0, e)
	}

	// Deliver it, then: a damaged claim is open, the same claim again is the
	// same case, another damaged claim with other content is refused.
	for end := w.now.AddDate(0, 0, 12); w.now.Before(end); w.now = w.now.Add(3 * time.Hour) {
		if _, err := eng.Tick(ctx, w.now); err != nil {
			t.Fatal(err)
		}
	}
	req := postpurchase.ClaimRequest{OrderID: good.ID, ShipmentID: good.Shipments[0].ID, Reason: postpurchase.ReasonDamaged, Items: []string{good.Items[0].SKU}, Note: "cracked"}
	c1, err := eng.FileClaim(ctx, w.now, req)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := eng.FileClaim(ctx, w.now.Add(time.Minute), req)
	if err != nil || c2.ID != c1.ID || !c2.OpenedAt.Equal(c1.OpenedAt) {
		t.Fatalf("the same claim again: %+v, %v; want the first case", c2, err)
	}
	req.Note = "something else"
	var ce *postpurchase.CaseExistsError
	if _, err := eng.FileClaim(ctx, w.now, req); !errors.As(err, &ce) || ce.Existing.ID != c1.ID || !errors.Is(err, postpurchase.ErrCaseExists) {
		t.Fatalf("a second, different damaged claim = %v, want *CaseExistsError", err)
	}
	// Returns close 30 days after delivery.
	late := w.now.AddDate(0, 0, 40)
	var we *postpurchase.WindowError
	if _, err := eng.StartReturn(ctx, late, postpurchase.ReturnRequest{OrderID: good.ID, ShipmentID: good.Shipments[0].ID, Items: []string{good.Items[0].SKU}}); !errors.As(err, &we) || we.Closes.IsZero() || !errors.Is(err, postpurchase.ErrOutsideWindow) {
		t.Fatalf("a return 40 days after delivery = %v, want a *WindowError with the closing date", err)
	}
}
