package postpurchase

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/cashback"
)

// Steps are the progress indicator's steps, in order.
var progressSteps = []string{"Ordered", "Shipped", "In transit", "Out for delivery", "Delivered"}

// carrierNames are the display names of the built-in carriers; other
// carriers show their code in capitals.
var carrierNames = map[string]string{"ups": "UPS", "fedex": "FedEx", "usps": "USPS", "dhl": "DHL", "sim": "Simulated carrier"} // "sim": carriers/simulator.Code

// CarrierName returns a carrier's display name ("UPS" for "ups").
func CarrierName(code string) string {
	if n, ok := carrierNames[strings.ToLower(code)]; ok {
		return n
	}
	return strings.ToUpper(code)
}

// StatusText returns a status in words for the customer.
func StatusText(s carriers.Status, r carriers.Reason) string {
	switch s {
	case carriers.StatusInfoReceived:
		return "Label created: the carrier has not picked it up yet"
	case carriers.StatusInTransit:
		return "On its way"
	case carriers.StatusOutForDelivery:
		return "Out for delivery today"
	case carriers.StatusAttemptFail:
		return "Delivery attempted: the carrier will try again"
	case carriers.StatusAvailableForPickup:
		return "Ready for pickup"
	case carriers.StatusDelivered:
		return "Delivered"
	case carriers.StatusException:
		if r == carriers.ReasonNone {
			return "Held up: the carrier reported a problem"
		}
		return "Held up: " + strings.ReplaceAll(r.String(), "_", " ")
	case carriers.StatusReturnToSender:
		return "Returning to us"
	case carriers.StatusExpired:
		return "No recent tracking updates"
	}
	return "Order placed: preparing your parcel"
}

func stepOf(s carriers.Status) int {
	switch s {
	case carriers.StatusInfoReceived, carriers.StatusUnknown:
		return 0
	case carriers.StatusInTransit, carriers.StatusException, carriers.StatusReturnToSender, carriers.StatusExpired:
		return 2
	case carriers.StatusOutForDelivery, carriers.StatusAttemptFail, carriers.StatusAvailableForPickup:
		return 3
	case carriers.StatusDelivered:
		return 4
	}
	return 1
}

// OrderView returns what the customer's page shows for an order as of
// now. An unknown order is an *InputError matching ErrNotFound.
func (e *Engine) OrderView(ctx context.Context, now time.Time, orderID string) (*OrderView, error) {
	rec, err := e.store.LoadOrder(ctx, orderID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, notFound("view", "order_id", orderID)
		}
		return nil, err
	}
	t := &txn{e: e, now: now, rec: rec}
	if err := t.decode(); err != nil {
		return nil, err
	}
	v := &OrderView{At: now, Order: rec.Order, Cases: rec.Cases}
	for i, s := range t.ships {
		st, rs := s.Status()
		step := stepOf(st)
		if step == 0 && !s.ShippedAt().IsZero() {
			step = 1
		}
		evs := s.Events()
		slices.Reverse(evs)
		sv := ShipmentView{
			Shipment: rec.Order.Shipments[i], CarrierName: CarrierName(s.Carrier),
			Status: st, Reason: rs, StatusText: StatusText(st, rs),
			Step: step, Steps: progressSteps,
			Estimate: s.Estimate(now), Events: evs, Delays: s.ActiveDelays(),
			DaysLate: s.DaysLate(now), DeliveredAt: s.DeliveredAt(),
			Claims: nil,
		}
		skus := t.items(i)
		for _, it := range rec.Order.Items {
			if slices.Contains(skus, it.SKU) {
				sv.Items = append(sv.Items, it)
			}
		}
		for _, o := range t.options(i) {
			if o.Reason == ReasonReturn {
				sv.Return = &o
				continue
			}
			sv.Claims = append(sv.Claims, o)
		}
		v.Shipments = append(v.Shipments, sv)
	}
	bal, err := e.ledger.Balance(ctx, now, cashback.Account{CustomerID: rec.Order.CustomerID, Currency: rec.Order.Currency})
	if err == nil {
		v.Cashback = &CashbackView{Currency: rec.Order.Currency, Available: bal.Available, Pending: bal.Pending, NextExpiry: bal.NextExpiry}
	} else {
		e.log.Warn("postpurchase: balance for the order page", "err", err)
	}
	v.Products = e.products(ctx, MomentPage, &rec.Order)
	return v, nil
}
