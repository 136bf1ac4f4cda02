package postpurchase

import (
	"time"

	"github.com/shopspring/decimal"
)

// Order is an order as the host registers it with the Engine: who bought
// what, how it ships and what was promised. Register it once, when the
// labels are bought; registering the same order again is a no-op.
//
// Email, Postcode and ShippingAddress are personal data: the Engine stores
// them for the hub's lookup form and the customer's own page, and never
// logs them or puts them in errors.
type Order struct {
	// ID is the host's order ID ("#1001"), unique per brand.
	ID string `json:"id"`
	// CustomerID is the host's customer ID; scoring, cashback and Klaviyo
	// profiles hang off it.
	CustomerID string `json:"customer_id"`
	// PlacedAt is when the customer placed the order.
	PlacedAt time.Time `json:"placed_at"`
	// Currency is the ISO 4217 code of every amount of the order. It must
	// be the policy's currency.
	Currency string `json:"currency"`
	// Total is what the customer paid, after discounts.
	Total decimal.Decimal `json:"total"`
	// Items are the order's line items.
	Items []LineItem `json:"items,omitempty"`
	// Email and Postcode are what the hub's lookup form checks (either
	// one, with the order ID). Optional.
	Email    string `json:"email,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	// ShippingAddress is shown on the hub once the customer has verified.
	ShippingAddress Address `json:"shipping_address,omitzero"`
	// Shipments are the parcels of the order; at least one.
	Shipments []Shipment `json:"shipments"`
}

// Address is a postal address.
type Address struct {
	Name     string `json:"name,omitempty"`
	Line1    string `json:"line1,omitempty"`
	Line2    string `json:"line2,omitempty"`
	City     string `json:"city,omitempty"`
	Region   string `json:"region,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	// Country is ISO 3166-1 alpha-2.
	Country string `json:"country,omitempty"`
}

// LineItem is one product line of an order.
type LineItem struct {
	// SKU identifies the product variant; unique within the order.
	SKU string `json:"sku"`
	// Name is the product name shown to the customer.
	Name string `json:"name"`
	// Quantity is the number of units, at least 1.
	Quantity int `json:"quantity"`
	// Price is the unit price in the order's currency.
	Price decimal.Decimal `json:"price"`
	// ImageURL and URL are the product's image and page, optional.
	ImageURL string `json:"image_url,omitempty"`
	URL      string `json:"url,omitempty"`
	// FinalSale marks an item that cannot be returned.
	FinalSale bool `json:"final_sale,omitempty"`
}

// Shipment is one parcel of an order as the host registers it.
type Shipment struct {
	// ID is the host's shipment ID, unique within the order. Milestone,
	// delay, claim and credit IDs derive from it and the order's ID:
	// never change it.
	ID string `json:"id"`
	// Carrier is the carrier's code ("ups", or a custom carrier's Code);
	// TrackingNumber the carrier's number. A carrier and number belong to
	// one order: registering them for another is refused.
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"tracking_number"`
	// Service is the carrier service ("Ground"), optional.
	Service string `json:"service,omitempty"`
	// Origin and Destination are ISO 3166-1 alpha-2 countries, optionally
	// with "-" and a subdivision ("US-NV"); they make the transit lane.
	Origin      string `json:"origin,omitempty"`
	Destination string `json:"destination,omitempty"`
	// PromisedBy is the end of the delivery promise given at checkout.
	// Zero means no promise (no late or at-risk detection).
	PromisedBy time.Time `json:"promised_by,omitzero"`
	// LabelCreatedAt is when the label was bought.
	LabelCreatedAt time.Time `json:"label_created_at,omitzero"`
	// Items are the SKUs in this parcel; empty means all of the order's.
	Items []string `json:"items,omitempty"`
}
