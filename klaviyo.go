package postpurchase

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/klaviyo"
)

// KlaviyoNotifier is the Notifier that sends messages to Klaviyo as the
// catalog's events (Package Shipped, Shipment Delayed, Claim Started, ...),
// with the message's ID as the event's stable unique_id (Klaviyo records
// an event once per unique_id, so a message sent again after a crash is
// one event), and keeps the profile properties campaigns need (tier, last
// shipment status, the open shipment's tracking page) up to date on the
// same request.
type KlaviyoNotifier struct {
	client  *klaviyo.Client
	catalog klaviyo.Catalog
}

// NewKlaviyoNotifier returns a notifier over a Klaviyo client and the
// catalog of metric names (the zero Catalog is the default).
func NewKlaviyoNotifier(c *klaviyo.Client, cat klaviyo.Catalog) (*KlaviyoNotifier, error) {
	if c == nil {
		return nil, invalid("new", "klaviyo client", "nil")
	}
	if err := cat.Validate(); err != nil {
		return nil, &InputError{Op: "new", Field: "klaviyo catalog", Reason: err.Error(), Err: err}
	}
	return &KlaviyoNotifier{client: c, catalog: cat}, nil
}

// Send implements Notifier.
func (n *KlaviyoNotifier) Send(ctx context.Context, m Message) error {
	ev, err := n.Event(m)
	if err != nil {
		return err
	}
	return n.client.CreateEvent(ctx, ev)
}

// Event returns the Klaviyo event a message is sent as.
func (n *KlaviyoNotifier) Event(m Message) (klaviyo.Event, error) {
	prof := klaviyo.Identifiers{CustomerID: m.Customer.CustomerID, Email: m.Customer.Email, PhoneNumber: m.Customer.Phone}
	sh := klaviyo.Shipment{
		OrderID: m.OrderID, ShipmentID: m.ShipmentID, OrderNumber: m.OrderID,
		Carrier: m.Carrier, CarrierName: CarrierName(m.Carrier), TrackingNumber: m.TrackingNumber,
		TrackingURL: m.TrackingURL,
	}
	if m.EstimatedDelivery != "" {
		if d, err := time.Parse(time.DateOnly, m.EstimatedDelivery); err == nil {
			sh.EstimatedDelivery = klaviyo.DateOf(d)
		}
	}
	if !m.OrderValue.IsZero() {
		sh.OrderValue, sh.Currency = m.OrderValue, m.Currency
	}
	for _, it := range m.Items {
		sh.Items = append(sh.Items, klaviyo.LineItem{SKU: it.SKU, Name: it.Name, Quantity: it.Quantity, Price: it.Price, ImageURL: it.ImageURL, ProductURL: it.URL})
	}
	var (
		ev  klaviyo.Event
		err error
	)
	stats := klaviyo.ProfileStats{CustomerTier: klaviyo.Tier(m.Tier)}
	switch m.Kind {
	case MessageMilestone:
		ev, err = n.catalog.ShipmentMilestone(klaviyo.MilestoneEvent{Profile: prof, Shipment: sh,
			Kind: klaviyo.MilestoneKind(m.Milestone), MilestoneID: m.MilestoneID, At: m.At})
		stats.LastShipmentStatus = m.Milestone
		if m.Milestone != "delivered" && m.Milestone != "returned_to_sender" {
			stats.OpenShipmentTrackingURL = m.TrackingURL
		}
	case MessageDelay:
		acc := klaviyo.Accommodation{Kind: "apology", Description: "We are sorry your order is late."}
		if len(m.Actions) > 0 {
			acc.Kind = m.Actions[0]
		}
		if m.Cashback.IsPositive() {
			acc.Kind, acc.Amount, acc.Currency = "cashback", m.Cashback, m.Currency
			acc.Description = "We added " + money(m.Cashback, m.Currency) + " of CashBack to your account."
			if m.CashbackPending {
				acc.Description += " It becomes spendable when your parcel arrives."
			}
		}
		ev, err = n.catalog.ShipmentDelayed(klaviyo.DelayEvent{Profile: prof, Shipment: sh,
			Kind: klaviyo.DelayKind(m.DelayKind), DelayID: m.ID, DaysLate: m.DaysLate, Accommodation: acc, At: m.At})
		stats.LastShipmentStatus = "delayed"
		stats.OpenShipmentTrackingURL = m.TrackingURL
	case MessageClaim, MessageReturn:
		ce := klaviyo.CaseEvent{Profile: prof, CaseID: m.CaseID, OrderID: m.OrderID, ShipmentID: m.ShipmentID,
			Reason: m.CaseReason, URL: m.TrackingURL, At: m.At}
		if m.Kind == MessageClaim {
			ev, err = n.catalog.ClaimStarted(ce)
		} else {
			ev, err = n.catalog.ReturnStarted(ce)
		}
	case MessageCashback:
		ce := klaviyo.CashbackEvent{Profile: prof, EntryKey: m.ID, Amount: m.Cashback,
			Balance: m.Balance, Currency: m.Currency, OrderID: m.OrderID, At: m.At, Reason: "delay make-good"}
		if !m.NextExpiry.IsZero() {
			ce.NextExpiry = klaviyo.DateOf(m.NextExpiry)
		}
		ev, err = n.catalog.CashbackIssued(ce)
		bal := m.Balance
		stats.CashbackBalance, stats.CashbackCurrency = &bal, m.Currency
	default:
		return klaviyo.Event{}, fmt.Errorf("postpurchase: klaviyo: message %s of unknown kind %s", clip(m.ID), clip(string(m.Kind)))
	}
	if err != nil {
		return klaviyo.Event{}, fmt.Errorf("postpurchase: klaviyo: message %s: %w", clip(m.ID), err)
	}
	props, err := n.catalog.ProfileProperties(stats)
	if err != nil {
		return klaviyo.Event{}, fmt.Errorf("postpurchase: klaviyo: profile of message %s: %w", clip(m.ID), err)
	}
	if len(props) > 0 {
		if ev.ProfileProperties == nil {
			ev.ProfileProperties = props
		} else {
			for k, v := range props {
				ev.ProfileProperties[k] = v
			}
		}
	}
	if len(m.Products) > 0 {
		recs := make([]map[string]any, len(m.Products))
		for k, p := range m.Products {
			recs[k] = map[string]any{"SKU": p.SKU, "Name": p.Name, "URL": p.URL, "ImageURL": p.ImageURL, "Price": p.Price}
		}
		if ev.Properties == nil {
			ev.Properties = map[string]any{}
		}
		ev.Properties["RecommendedProducts"] = recs
	}
	if m.ReviewURL != "" {
		if ev.Properties == nil {
			ev.Properties = map[string]any{}
		}
		ev.Properties["ReviewURL"] = m.ReviewURL
	}
	// The message ID is the event's unique_id: stable across retries and
	// processes, so Klaviyo records the event once.
	ev.UniqueID = strings.TrimSpace(m.ID)
	return ev, nil
}
