package hub_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/tracking"
)

// fakeSource serves order views built from the carrier simulator's real
// event streams through tracking.Shipment (statuses, estimates, delays
// and days late as the tracking package computes them), each frozen at an
// instant chosen in its story. Claims and returns follow the views' own
// options, with the Engine's error types.
type fakeSource struct {
	mu      sync.Mutex
	views   map[string]*postpurchase.OrderView
	filed   int
	failing error // returned by every call when set
}

func (f *fakeSource) OrderView(ctx context.Context, now time.Time, orderID string) (*postpurchase.OrderView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing != nil {
		return nil, f.failing
	}
	v, ok := f.views[orderID]
	if !ok {
		return nil, &postpurchase.InputError{Op: "view", Field: "order_id", Reason: "unknown", Err: postpurchase.ErrNotFound}
	}
	c := *v
	c.Cases = slices.Clone(v.Cases)
	return &c, nil
}

func (f *fakeSource) FileClaim(ctx context.Context, now time.Time, req postpurchase.ClaimRequest) (postpurchase.Case, error) {
	return f.open(now, postpurchase.CaseClaim, req.OrderID, req.ShipmentID, req.Reason, req.Items, req.Note)
}

func (f *fakeSource) StartReturn(ctx context.Context, now time.Time, req postpurchase.ReturnRequest) (postpurchase.Case, error) {
	return f.open(now, postpurchase.CaseReturn, req.OrderID, req.ShipmentID, postpurchase.ReasonReturn, req.Items, req.Note)
}

func (f *fakeSource) open(now time.Time, kind postpurchase.CaseKind, orderID, shipmentID string, reason postpurchase.CaseReason, items []string, note string) (postpurchase.Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing != nil {
		return postpurchase.Case{}, f.failing
	}
	v, ok := f.views[orderID]
	if !ok {
		return postpurchase.Case{}, &postpurchase.InputError{Op: string(kind), Field: "order_id", Reason: "unknown", Err: postpurchase.ErrNotFound}
	}
	i := slices.IndexFunc(v.Shipments, func(s postpurchase.ShipmentView) bool { return s.Shipment.ID == shipmentID })
	if i < 0 {
		return postpurchase.Case{}, &postpurchase.InputError{Op: string(kind), Field: "shipment_id", Reason: "unknown", Err: postpurchase.ErrNotFound}
	}
	sv := &v.Shipments[i]
	var opt *postpurchase.ClaimOption
	if reason == postpurchase.ReasonReturn {
		opt = sv.Return
	} else if j := slices.IndexFunc(sv.Claims, func(o postpurchase.ClaimOption) bool { return o.Reason == reason }); j >= 0 {
		opt = &sv.Claims[j]
	}
	for _, c := range v.Cases {
		if c.ShipmentID == shipmentID && c.Reason == reason {
			if slices.Equal(c.Items, items) && c.Note == note {
				return c, nil
			}
			return postpurchase.Case{}, &postpurchase.CaseExistsError{Existing: c}
		}
	}
	if opt == nil {
		return postpurchase.Case{}, &postpurchase.WindowError{Reason: reason, Why: "not open for this shipment now"}
	}
	needItems := reason == postpurchase.ReasonDamaged || reason == postpurchase.ReasonMissingItems || reason == postpurchase.ReasonReturn
	if needItems && len(items) == 0 {
		return postpurchase.Case{}, &postpurchase.InputError{Op: string(kind), Field: "items", Reason: "at least one item", Err: postpurchase.ErrInvalid}
	}
	for _, it := range items {
		if !slices.Contains(opt.Items, it) {
			return postpurchase.Case{}, &postpurchase.InputError{Op: string(kind), Field: "items", Reason: "not eligible", Err: postpurchase.ErrInvalid}
		}
	}
	sum := sha256.Sum256([]byte(orderID + "\x00" + shipmentID + "\x00" + string(reason)))
	c := postpurchase.Case{ID: "CS-" + hex.EncodeToString(sum[:5]), Kind: kind, Reason: reason, OrderID: orderID, ShipmentID: shipmentID,
		Items: items, Note: note, OpenedAt: now, State: postpurchase.CaseResolved, Tier: "loyal"}
	switch reason {
	case postpurchase.ReasonReturn:
		c.Resolution = "Return label emailed; refund on receipt"
	case postpurchase.ReasonNotReceived:
		c.Resolution = "Replacement sent by expedited shipping"
	default:
		c.State, c.Tier = postpurchase.CaseInReview, "regular"
	}
	v.Cases = append(v.Cases, c)
	f.filed++
	return c, nil
}

// story is one demo order: a simulated shipment frozen at the instant
// pick chooses from its events.
type story struct {
	id      string
	trouble simulator.Trouble
	// pick returns the instant the view is frozen at.
	pick func(evs []carriers.Event) time.Time
	// edit changes the view afterwards (cases, hostile strings).
	edit func(v *postpurchase.OrderView)
}

var label = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)

func afterCode(code string, d time.Duration) func([]carriers.Event) time.Time {
	return func(evs []carriers.Event) time.Time {
		for _, e := range evs {
			if e.Code == code {
				return e.Time.Add(d)
			}
		}
		panic("no event " + code)
	}
}

func items(prefix string) []postpurchase.LineItem {
	return []postpurchase.LineItem{
		{SKU: prefix + "-MUG", Name: "Stoneware mug, sage", Quantity: 2, Price: decimal.RequireFromString("18.00"), ImageURL: "https://cdn.example/mug.jpg", URL: "https://shop.example/mug"},
		{SKU: prefix + "-BEANS", Name: "Single-origin beans 250 g", Quantity: 1, Price: decimal.RequireFromString("14.50"), ImageURL: "https://cdn.example/beans.jpg", FinalSale: true},
	}
}

// newFake builds the stories' views.
func newFake(t testing.TB, stories ...story) *fakeSource {
	t.Helper()
	f := &fakeSource{views: map[string]*postpurchase.OrderView{}}
	for n, st := range stories {
		var now time.Time
		sim, err := simulator.New(simulator.Options{Seed: 11, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		number, err := sim.Ship(simulator.Plan{LabelCreatedAt: label, Trouble: st.trouble, TransitDays: 3})
		if err != nil {
			t.Fatal(err)
		}
		evs, _ := sim.Script(number)
		now = st.pick(evs)
		tr, err := sim.Track(context.Background(), number)
		if err != nil {
			t.Fatal(err)
		}
		promised := time.Date(2026, 11, 6, 23, 59, 0, 0, time.UTC)
		sh := postpurchase.Shipment{ID: fmt.Sprintf("S%d", n+1), Carrier: sim.Code(), TrackingNumber: number, Service: "Ground",
			Origin: "US-NV", Destination: "US-OH", PromisedBy: promised, LabelCreatedAt: label}
		ts := &tracking.Shipment{ID: sh.ID, OrderID: st.id, Carrier: sh.Carrier, TrackingNumber: number, Origin: sh.Origin,
			Destination: sh.Destination, PromisedBy: promised, LabelCreatedAt: label}
		if _, err := ts.Update(now, tr); err != nil {
			t.Fatal(err)
		}
		ts.Check(now)
		order := postpurchase.Order{ID: st.id, CustomerID: "cust-" + st.id[1:], PlacedAt: label.Add(-20 * time.Hour), Currency: "USD",
			Total: decimal.RequireFromString("50.50"), Items: items(st.id[1:]), Email: "ada@example.com", Postcode: "43215",
			ShippingAddress: postpurchase.Address{Name: "Ada Lovelace", Line1: "12 Analytical Way", Line2: "Apt 3", City: "Columbus", Region: "OH", Postcode: "43215", Country: "US"},
			Shipments:       []postpurchase.Shipment{sh}}
		status, reason := ts.Status()
		evsNew := ts.Events()
		slices.Reverse(evsNew)
		sv := postpurchase.ShipmentView{Shipment: sh, CarrierName: "Simulated carrier", Status: status, Reason: reason,
			StatusText: postpurchase.StatusText(status, reason), Step: 2, Steps: []string{"Ordered", "Shipped", "In transit", "Out for delivery", "Delivered"},
			Estimate: ts.Estimate(now), Events: evsNew, Delays: ts.ActiveDelays(), DaysLate: ts.DaysLate(now), DeliveredAt: ts.DeliveredAt(),
			Items: order.Items}
		if status == carriers.StatusDelivered {
			sv.Step = 4
			d := ts.DeliveredAt()
			until := d.Add(30 * 24 * time.Hour)
			skus := []string{order.Items[0].SKU, order.Items[1].SKU}
			sv.Claims = []postpurchase.ClaimOption{{Reason: postpurchase.ReasonDamaged, Until: until, Items: skus}, {Reason: postpurchase.ReasonMissingItems, Until: until, Items: skus}}
			sv.Return = &postpurchase.ClaimOption{Reason: postpurchase.ReasonReturn, Until: until, Items: skus[:1]}
		} else if latest, _ := ts.CarrierEstimate(); now.Sub(ts.LastScanAt()) >= 7*24*time.Hour || latest != nil && now.Sub(latest.End) >= 48*time.Hour {
			// The Engine's rule: a week without a scan, or two days past
			// the carrier's window.
			sv.Claims = []postpurchase.ClaimOption{{Reason: postpurchase.ReasonNotReceived}}
		}
		v := &postpurchase.OrderView{At: now, Order: order, Shipments: []postpurchase.ShipmentView{sv},
			Cashback: &postpurchase.CashbackView{Currency: "USD", Available: decimal.RequireFromString("12.50"), Pending: decimal.RequireFromString("5.00"), NextExpiry: now.AddDate(1, 0, 0)},
			Products: []postpurchase.Product{{SKU: "FILTER", Name: "Paper filters (100)", URL: "https://shop.example/filters", ImageURL: "https://cdn.example/filters.jpg", Price: decimal.RequireFromString("6.00"), Currency: "USD"}}}
		if st.edit != nil {
			st.edit(v)
		}
		f.views[st.id] = v
	}
	return f
}

// The standard stories.
var (
	storyStalled   = story{id: "#1001", trouble: simulator.Stalled, pick: func(evs []carriers.Event) time.Time { return afterDeparture(evs).Add(6 * 24 * time.Hour) }}
	storyWeather   = story{id: "#1002", trouble: simulator.WeatherDelay, pick: afterCode("WX", 3*time.Hour)}
	storyDelivered = story{id: "#1003", trouble: simulator.NoTrouble, pick: afterCode("DL", 6*24*time.Hour)}
)

// afterDeparture is the first hub departure (the stall starts there).
func afterDeparture(evs []carriers.Event) time.Time {
	n := 0
	for _, e := range evs {
		if e.Code == "DP" {
			n++
			if n == 2 {
				return e.Time
			}
		}
	}
	panic("no hub departure")
}
