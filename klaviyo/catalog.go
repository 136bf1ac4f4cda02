package klaviyo

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// DefaultPrefix starts every metric name of a zero Catalog.
const DefaultPrefix = "Postpurchase"

// Catalog defines the metric names and properties this library sends for
// each post-purchase moment. The zero value is ready to use with
// DefaultPrefix. Metric names are "<Prefix>: <Base>", e.g.
// "Postpurchase: Package Delivered"; the bases never equal a metric of
// Klaviyo's Shopify integration ("Fulfilled Order", "Confirmed Shipment",
// "Marked Out for Delivery", "Delivered Shipment", ...). See the package doc
// for the table a marketer builds flows on.
type Catalog struct {
	// Prefix starts every metric name and profile property name. Empty
	// means DefaultPrefix. At most 40 characters, no control characters.
	Prefix string
}

func (c Catalog) prefix() string {
	if c.Prefix == "" {
		return DefaultPrefix
	}
	return c.Prefix
}

// Validate checks the prefix.
func (c Catalog) Validate() error {
	p := c.prefix()
	if !utf8.ValidString(p) || utf8.RuneCountInString(p) > 40 || strings.TrimSpace(p) != p {
		return &ValidationError{Field: "Catalog.Prefix", Reason: "must be valid UTF-8, at most 40 characters, without surrounding space"}
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return &ValidationError{Field: "Catalog.Prefix", Reason: "has control characters"}
		}
	}
	return nil
}

// Metric base names (without prefix).
const (
	BasePackageShipped          = "Package Shipped"
	BasePackageInTransit        = "Package In Transit"
	BasePackageOutForDelivery   = "Package Out For Delivery"
	BasePackageDelivered        = "Package Delivered"
	BasePackageReadyForPickup   = "Package Ready For Pickup"
	BasePackageReturnedToSender = "Package Returned To Sender"
	BasePackageException        = "Package Exception"
	BasePackageDelayed          = "Package Delayed"
	BaseCashbackIssued          = "Cashback Issued"
	BaseCashbackRedeemed        = "Cashback Redeemed"
	BaseCashbackExpiring        = "Cashback Expiring"
	BaseClaimStarted            = "Claim Started"
	BaseReturnStarted           = "Return Started"
)

// MetricName returns the full metric name for a base name.
func (c Catalog) MetricName(base string) string { return c.prefix() + ": " + base }

// Milestone is a shipment milestone. Its value is sent as the Status property.
type Milestone string

// The milestones.
const (
	MilestoneShipped          Milestone = "shipped"
	MilestoneInTransit        Milestone = "in_transit"
	MilestoneOutForDelivery   Milestone = "out_for_delivery"
	MilestoneDelivered        Milestone = "delivered"
	MilestoneReadyForPickup   Milestone = "available_for_pickup"
	MilestoneReturnedToSender Milestone = "returned_to_sender"
	MilestoneException        Milestone = "exception"
)

var milestoneBase = map[Milestone]string{
	MilestoneShipped:          BasePackageShipped,
	MilestoneInTransit:        BasePackageInTransit,
	MilestoneOutForDelivery:   BasePackageOutForDelivery,
	MilestoneDelivered:        BasePackageDelivered,
	MilestoneReadyForPickup:   BasePackageReadyForPickup,
	MilestoneReturnedToSender: BasePackageReturnedToSender,
	MilestoneException:        BasePackageException,
}

// DelayKind says how a delay was detected. Its value is sent as DelayKind.
type DelayKind string

// The delay kinds.
const (
	DelayException       DelayKind = "exception"
	DelayStalled         DelayKind = "stalled"
	DelayEstimateSlipped DelayKind = "estimate_slipped"
	DelayEstimateMissed  DelayKind = "estimate_missed"
	DelayFailedAttempt   DelayKind = "failed_attempt"
	DelayLost            DelayKind = "lost"
)

// LineItem is an order line, sent in the Items property for product blocks.
type LineItem struct {
	ProductID string
	VariantID string
	SKU       string
	Name      string
	Quantity  int
	// Price is the unit price, in the shipment's Currency.
	Price      decimal.Decimal
	ImageURL   string
	ProductURL string
}

// Shipment describes the package an event is about.
type Shipment struct {
	// OrderID and ShipmentID are required.
	OrderID    string
	ShipmentID string
	// OrderNumber is the order name the customer knows ("#1001").
	OrderNumber    string
	Carrier        string
	TrackingNumber string
	// TrackingURL is the brand's own tracking page for this shipment.
	TrackingURL string
	// StatusDetail is the carrier's latest status text.
	StatusDetail string
	// EstimatedDelivery is the current delivery estimate (zero: unknown).
	EstimatedDelivery time.Time
	// OrderValue and Currency, when Currency is set, are the event's value.
	OrderValue decimal.Decimal
	Currency   string
	Items      []LineItem
}

// MilestoneEvent is a shipment reaching a milestone.
type MilestoneEvent struct {
	Customer  Identifiers
	Shipment  Shipment
	Milestone Milestone
	// At is when the milestone happened (carrier scan time).
	At time.Time
}

// Accommodation is what the brand did about a delay.
type Accommodation struct {
	// Kind: "cashback", "shipping_upgrade", "expedited_replacement",
	// "priority_support", "apology" (free text is accepted).
	Kind string
	// Description is a sentence a flow can show.
	Description string
	// Amount and Currency, when Currency is set, are a credit's value.
	Amount   decimal.Decimal
	Currency string
}

// DelayEvent is a detected delay.
type DelayEvent struct {
	Customer Identifiers
	Shipment Shipment
	Kind     DelayKind
	// DaysLate is how late the package is against the promise (0 if unknown).
	DaysLate int
	// Accommodation, when Kind is set, is what was done about it.
	Accommodation Accommodation
	// DelayID identifies this delay; empty means Kind plus the estimate it
	// missed (Shipment.EstimatedDelivery's date).
	DelayID string
	// At is when the delay was detected.
	At time.Time
}

// CashbackEvent is a change of a customer's cashback.
type CashbackEvent struct {
	Customer Identifiers
	// EntryID is the ledger entry's ID or idempotency key (required).
	EntryID string
	// Amount is the amount issued, redeemed or expiring; Balance the new
	// balance. Both are in Currency (required).
	Amount   decimal.Decimal
	Balance  decimal.Decimal
	Currency string
	OrderID  string
	// ExpiresAt is when the credit expires (zero: never or unknown).
	ExpiresAt time.Time
	// Reason is free text ("delay: estimate_missed").
	Reason string
	At     time.Time
}

// CaseEvent is a claim or a return the customer started.
type CaseEvent struct {
	Customer Identifiers
	// CaseID is the claim's or return's ID (required).
	CaseID     string
	OrderID    string
	ShipmentID string
	Reason     string
	// URL is where the customer follows the case (the hub page).
	URL   string
	Items []LineItem
	At    time.Time
}

func required(field, v string) error {
	if v == "" {
		return &ValidationError{Field: field, Reason: "required"}
	}
	return nil
}

func (c Catalog) base(metric string, id Identifiers, at time.Time) (Event, error) {
	if err := c.Validate(); err != nil {
		return Event{}, err
	}
	if at.IsZero() {
		return Event{}, &ValidationError{Field: "At", Reason: "required (when it happened)"}
	}
	return Event{Metric: c.MetricName(metric), Profile: id, Time: at.UTC(), Properties: map[string]any{}}, nil
}

func itemsProperties(items []LineItem, currency string) ([]map[string]any, []string) {
	out := make([]map[string]any, len(items))
	names := make([]string, len(items))
	for i, it := range items {
		m := map[string]any{"ProductName": it.Name, "Quantity": it.Quantity}
		putString(m, "ProductID", it.ProductID)
		putString(m, "VariantID", it.VariantID)
		putString(m, "SKU", it.SKU)
		putString(m, "ImageURL", it.ImageURL)
		putString(m, "ProductURL", it.ProductURL)
		if currency != "" {
			m["ItemPrice"] = it.Price
		}
		out[i] = m
		names[i] = it.Name
	}
	return out, names
}

func putString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func shipmentProperties(m map[string]any, s Shipment) error {
	if err := required("Shipment.OrderID", s.OrderID); err != nil {
		return err
	}
	if err := required("Shipment.ShipmentID", s.ShipmentID); err != nil {
		return err
	}
	m["OrderID"] = s.OrderID
	m["ShipmentID"] = s.ShipmentID
	putString(m, "OrderNumber", s.OrderNumber)
	putString(m, "Carrier", s.Carrier)
	putString(m, "TrackingNumber", s.TrackingNumber)
	putString(m, "TrackingURL", s.TrackingURL)
	putString(m, "StatusDetail", s.StatusDetail)
	if !s.EstimatedDelivery.IsZero() {
		m["EstimatedDelivery"] = s.EstimatedDelivery.UTC()
	}
	if len(s.Items) > 0 {
		m["Items"], m["ItemNames"] = itemsProperties(s.Items, s.Currency)
		m["ItemCount"] = len(s.Items)
	}
	if s.Currency != "" {
		m["Currency"] = s.Currency
	}
	return nil
}

// ShipmentMilestone builds the event for a milestone. Unique ID:
// "shipment:<ShipmentID>:<milestone>" (exceptions add the time, as a
// shipment can have several).
func (c Catalog) ShipmentMilestone(in MilestoneEvent) (Event, error) {
	baseName, ok := milestoneBase[in.Milestone]
	if !ok {
		return Event{}, &ValidationError{Field: "Milestone", Reason: "unknown milestone"}
	}
	e, err := c.base(baseName, in.Customer, in.At)
	if err != nil {
		return Event{}, err
	}
	if err := shipmentProperties(e.Properties, in.Shipment); err != nil {
		return Event{}, err
	}
	e.Properties["Status"] = string(in.Milestone)
	e.UniqueID = "shipment:" + in.Shipment.ShipmentID + ":" + string(in.Milestone)
	if in.Milestone == MilestoneException {
		e.UniqueID += ":" + strconv.FormatInt(in.At.Unix(), 10)
	}
	e.Value, e.ValueCurrency = in.Shipment.OrderValue, in.Shipment.Currency
	return e, nil
}

// ShipmentDelayed builds the "Package Delayed" event: the shipment, the
// delay kind, days late and the accommodation made. Its value is the
// accommodation's amount when it has one.
func (c Catalog) ShipmentDelayed(in DelayEvent) (Event, error) {
	if in.Kind == "" {
		return Event{}, &ValidationError{Field: "Kind", Reason: "required"}
	}
	if in.DaysLate < 0 {
		return Event{}, &ValidationError{Field: "DaysLate", Reason: "negative"}
	}
	e, err := c.base(BasePackageDelayed, in.Customer, in.At)
	if err != nil {
		return Event{}, err
	}
	if err := shipmentProperties(e.Properties, in.Shipment); err != nil {
		return Event{}, err
	}
	e.Properties["Status"] = "delayed"
	e.Properties["DelayKind"] = string(in.Kind)
	e.Properties["DaysLate"] = in.DaysLate
	if a := in.Accommodation; a.Kind != "" {
		e.Properties["Accommodation"] = a.Kind
		putString(e.Properties, "AccommodationDetail", a.Description)
		if a.Currency != "" {
			e.Properties["AccommodationAmount"] = a.Amount
			e.Properties["AccommodationCurrency"] = a.Currency
			e.Value, e.ValueCurrency = a.Amount, a.Currency
		}
	}
	id := in.DelayID
	if id == "" {
		id = string(in.Kind)
		if !in.Shipment.EstimatedDelivery.IsZero() {
			id += ":" + in.Shipment.EstimatedDelivery.UTC().Format(time.DateOnly)
		}
	}
	e.UniqueID = "shipment:" + in.Shipment.ShipmentID + ":delayed:" + id
	return e, nil
}

func (c Catalog) cashback(base, verb string, in CashbackEvent) (Event, error) {
	if err := required("EntryID", in.EntryID); err != nil {
		return Event{}, err
	}
	if !isCurrency(in.Currency) {
		return Event{}, &ValidationError{Field: "Currency", Reason: "required ISO 4217 code"}
	}
	if in.Amount.IsNegative() {
		return Event{}, &ValidationError{Field: "Amount", Reason: "negative"}
	}
	e, err := c.base(base, in.Customer, in.At)
	if err != nil {
		return Event{}, err
	}
	p := e.Properties
	p["CashbackAmount"] = in.Amount
	p["CashbackBalance"] = in.Balance
	p["Currency"] = in.Currency
	p["EntryID"] = in.EntryID
	putString(p, "OrderID", in.OrderID)
	putString(p, "Reason", in.Reason)
	if !in.ExpiresAt.IsZero() {
		p["ExpiresAt"] = in.ExpiresAt.UTC()
	}
	e.Value, e.ValueCurrency = in.Amount, in.Currency
	e.UniqueID = "cashback:" + in.EntryID + ":" + verb
	// The balance rides along as a profile property, so profile-based
	// segments see it without a separate profile import.
	e.ProfileProperties = map[string]any{c.ProfilePropertyName(PropCashbackBalance): in.Balance, c.ProfilePropertyName(PropCashbackCurrency): in.Currency}
	return e, nil
}

// CashbackIssued builds the event for credit issued to a customer.
func (c Catalog) CashbackIssued(in CashbackEvent) (Event, error) {
	return c.cashback(BaseCashbackIssued, "issued", in)
}

// CashbackRedeemed builds the event for credit spent.
func (c Catalog) CashbackRedeemed(in CashbackEvent) (Event, error) {
	return c.cashback(BaseCashbackRedeemed, "redeemed", in)
}

// CashbackExpiring builds the reminder event for credit about to expire
// (ExpiresAt required). A credit may be reminded about more than once (30
// days and 7 days before it lapses, say): the unique_id includes the UTC day
// of At, so reminders on different days are distinct events while a retry of
// the same day's reminder is de-duplicated. With At zero there is one
// reminder per entry.
func (c Catalog) CashbackExpiring(in CashbackEvent) (Event, error) {
	if in.ExpiresAt.IsZero() {
		return Event{}, &ValidationError{Field: "ExpiresAt", Reason: "required for an expiring credit"}
	}
	verb := "expiring"
	if !in.At.IsZero() {
		verb += ":" + in.At.UTC().Format("2006-01-02")
	}
	return c.cashback(BaseCashbackExpiring, verb, in)
}

func (c Catalog) caseEvent(base, kind string, in CaseEvent) (Event, error) {
	if err := required("CaseID", in.CaseID); err != nil {
		return Event{}, err
	}
	if err := required("OrderID", in.OrderID); err != nil {
		return Event{}, err
	}
	e, err := c.base(base, in.Customer, in.At)
	if err != nil {
		return Event{}, err
	}
	p := e.Properties
	p[kind+"ID"] = in.CaseID
	p["OrderID"] = in.OrderID
	putString(p, "ShipmentID", in.ShipmentID)
	putString(p, "Reason", in.Reason)
	putString(p, kind+"URL", in.URL)
	if len(in.Items) > 0 {
		p["Items"], p["ItemNames"] = itemsProperties(in.Items, "")
		p["ItemCount"] = len(in.Items)
	}
	e.UniqueID = strings.ToLower(kind) + ":" + in.CaseID + ":started"
	return e, nil
}

// ClaimStarted builds the event for a claim (lost or damaged package) the
// customer started. Properties ClaimID, ClaimURL.
func (c Catalog) ClaimStarted(in CaseEvent) (Event, error) {
	return c.caseEvent(BaseClaimStarted, "Claim", in)
}

// ReturnStarted builds the event for a return the customer started.
// Properties ReturnID, ReturnURL.
func (c Catalog) ReturnStarted(in CaseEvent) (Event, error) {
	return c.caseEvent(BaseReturnStarted, "Return", in)
}

// Profile property names (without prefix).
const (
	PropCashbackBalance    = "Cashback Balance"
	PropCashbackCurrency   = "Cashback Currency"
	PropLifetimeCashback   = "Lifetime Cashback"
	PropCustomerTier       = "Customer Tier"
	PropShipmentsDelivered = "Shipments Delivered"
	PropShipmentsDelayed   = "Shipments Delayed"
	PropLastDeliveredAt    = "Last Delivered At"
)

// ProfilePropertyName returns "<Prefix> <name>", the key under which the
// post-purchase journey keeps a value on the profile.
func (c Catalog) ProfilePropertyName(name string) string { return c.prefix() + " " + name }

// ProfileStats are the values the journey keeps on a profile. Nil or empty
// fields are left out (unchanged on the profile).
type ProfileStats struct {
	// CashbackBalance and LifetimeCashback are in CashbackCurrency, which
	// is required when either is set.
	CashbackBalance  *decimal.Decimal
	LifetimeCashback *decimal.Decimal
	CashbackCurrency string
	// CustomerTier is the scoring tier's name ("gold").
	CustomerTier       string
	ShipmentsDelivered *int
	ShipmentsDelayed   *int
	LastDeliveredAt    time.Time
}

// ProfileProperties returns the custom properties for Profile.Properties.
func (c Catalog) ProfileProperties(s ProfileStats) (map[string]any, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	m := map[string]any{}
	if s.CashbackBalance != nil || s.LifetimeCashback != nil {
		if !isCurrency(s.CashbackCurrency) {
			return nil, &ValidationError{Field: "CashbackCurrency", Reason: "required ISO 4217 code when an amount is set"}
		}
		m[c.ProfilePropertyName(PropCashbackCurrency)] = s.CashbackCurrency
	}
	if s.CashbackBalance != nil {
		m[c.ProfilePropertyName(PropCashbackBalance)] = *s.CashbackBalance
	}
	if s.LifetimeCashback != nil {
		m[c.ProfilePropertyName(PropLifetimeCashback)] = *s.LifetimeCashback
	}
	if s.CustomerTier != "" {
		m[c.ProfilePropertyName(PropCustomerTier)] = s.CustomerTier
	}
	if s.ShipmentsDelivered != nil {
		if *s.ShipmentsDelivered < 0 {
			return nil, &ValidationError{Field: "ShipmentsDelivered", Reason: "negative"}
		}
		m[c.ProfilePropertyName(PropShipmentsDelivered)] = *s.ShipmentsDelivered
	}
	if s.ShipmentsDelayed != nil {
		if *s.ShipmentsDelayed < 0 {
			return nil, &ValidationError{Field: "ShipmentsDelayed", Reason: "negative"}
		}
		m[c.ProfilePropertyName(PropShipmentsDelayed)] = *s.ShipmentsDelayed
	}
	if !s.LastDeliveredAt.IsZero() {
		m[c.ProfilePropertyName(PropLastDeliveredAt)] = s.LastDeliveredAt.UTC()
	}
	return m, nil
}
