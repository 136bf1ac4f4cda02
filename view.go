package postpurchase

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/tracking"
)

// OrderView is everything a customer's tracking page shows for one order,
// as of one instant: what the hub renders and its JSON view returns.
type OrderView struct {
	// At is the instant the view describes.
	At time.Time `json:"at"`
	// Order is the registered order (it holds personal data; the hub
	// hides the address until the customer has verified).
	Order Order `json:"order"`
	// Shipments has one view per shipment, in the order's order.
	Shipments []ShipmentView `json:"shipments"`
	// Cases are the order's claims and returns.
	Cases []Case `json:"cases,omitempty"`
	// Cashback is the customer's CashBack balance; nil when the Engine
	// could not read it.
	Cashback *CashbackView `json:"cashback,omitempty"`
	// Products are recommendations for the page.
	Products []Product `json:"products,omitempty"`
}

// ShipmentView is one parcel on the page.
type ShipmentView struct {
	// Shipment is the registered shipment.
	Shipment Shipment `json:"shipment"`
	// CarrierName is the carrier's display name ("UPS").
	CarrierName string `json:"carrier_name"`
	// Status and Reason are the normalized status; StatusText says it in
	// words for the customer.
	Status     carriers.Status `json:"status"`
	Reason     carriers.Reason `json:"reason,omitempty"`
	StatusText string          `json:"status_text"`
	// Step is the index in Steps of the step reached (Steps is the
	// progress indicator: ordered, shipped, in transit, out for delivery,
	// delivered).
	Step  int      `json:"step"`
	Steps []string `json:"steps"`
	// Estimate is the expected delivery as a date window.
	Estimate tracking.Estimate `json:"estimate"`
	// Events are the carrier's scans, newest first, in their local times.
	Events []carriers.Event `json:"events,omitempty"`
	// Delays are the active delay episodes.
	Delays []tracking.Delay `json:"delays,omitempty"`
	// DaysLate is how many days past the promised date (0 if on time).
	DaysLate int `json:"days_late,omitempty"`
	// DeliveredAt is the delivery time; zero if not delivered.
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// Items are the line items in this parcel.
	Items []LineItem `json:"items,omitempty"`
	// Claims are the claims that can be filed now; Return the return
	// window, if a return can be started now.
	Claims []ClaimOption `json:"claims,omitempty"`
	Return *ClaimOption  `json:"return,omitempty"`
}

// ClaimOption is a case the customer can open now, and until when.
type ClaimOption struct {
	Reason CaseReason `json:"reason"`
	// Until is when the window closes; zero if it stays open.
	Until time.Time `json:"until,omitzero"`
	// Items are the SKUs the case may name (returns: the eligible items).
	Items []string `json:"items,omitempty"`
}

// CashbackView is a customer's CashBack balance.
type CashbackView struct {
	Currency  string          `json:"currency"`
	Available decimal.Decimal `json:"available"`
	Pending   decimal.Decimal `json:"pending"`
	// NextExpiry is when the next credit lapses; zero when none expires.
	NextExpiry time.Time `json:"next_expiry,omitzero"`
}
