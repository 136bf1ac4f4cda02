package klaviyo

import (
	"slices"
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
	// Words are the status words and date format sent for the customer,
	// in the brand's language (zero: English).
	Words Words
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
		return &ValidationError{Path: "Catalog.Prefix", Reason: "must be valid UTF-8, at most 40 characters, without surrounding space"}
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return &ValidationError{Path: "Catalog.Prefix", Reason: "has control characters"}
		}
	}
	return nil
}

// Metric base names (without prefix).
const (
	BasePackageShipped            = "Package Shipped"
	BasePackageInTransit          = "Package In Transit"
	BasePackageOutForDelivery     = "Package Out For Delivery"
	BasePackageAttemptFailed      = "Package Delivery Attempt Failed"
	BasePackageAvailableForPickup = "Package Available For Pickup"
	BasePackageDelivered          = "Package Delivered"
	BasePackageException          = "Package Exception"
	BasePackageReturnedToSender   = "Package Returned To Sender"
	BasePackageDelayed            = "Package Delayed"
	BaseCashbackIssued            = "Cashback Issued"
	BaseCashbackRedeemed          = "Cashback Redeemed"
	BaseCashbackExpiring          = "Cashback Expiring"
	BaseClaimStarted              = "Claim Started"
	BaseReturnStarted             = "Return Started"
)

// MetricName returns the full metric name for a base name.
func (c Catalog) MetricName(base string) string { return c.prefix() + ": " + base }

// MilestoneKind is a step of a shipment's journey, with exactly the names
// of package tracking's MilestoneKind (this package does not import
// tracking; a test of the root package keeps the two sets equal). Each is
// reached once per shipment. Its value is sent as the Status property.
type MilestoneKind string

// The milestone kinds, in journey order.
const (
	MilestoneShipped            MilestoneKind = "shipped"
	MilestoneInTransit          MilestoneKind = "in_transit"
	MilestoneOutForDelivery     MilestoneKind = "out_for_delivery"
	MilestoneAttemptFailed      MilestoneKind = "attempt_failed"
	MilestoneAvailableForPickup MilestoneKind = "available_for_pickup"
	MilestoneDelivered          MilestoneKind = "delivered"
	MilestoneException          MilestoneKind = "exception"
	MilestoneReturnedToSender   MilestoneKind = "returned_to_sender"
)

// MilestoneKinds returns every milestone kind, in journey order.
func MilestoneKinds() []MilestoneKind {
	return []MilestoneKind{MilestoneShipped, MilestoneInTransit, MilestoneOutForDelivery, MilestoneAttemptFailed,
		MilestoneAvailableForPickup, MilestoneDelivered, MilestoneException, MilestoneReturnedToSender}
}

// Valid reports whether k is one of MilestoneKinds.
func (k MilestoneKind) Valid() bool { _, ok := milestoneBase[k]; return ok }

var milestoneBase = map[MilestoneKind]string{
	MilestoneShipped:            BasePackageShipped,
	MilestoneInTransit:          BasePackageInTransit,
	MilestoneOutForDelivery:     BasePackageOutForDelivery,
	MilestoneAttemptFailed:      BasePackageAttemptFailed,
	MilestoneAvailableForPickup: BasePackageAvailableForPickup,
	MilestoneDelivered:          BasePackageDelivered,
	MilestoneException:          BasePackageException,
	MilestoneReturnedToSender:   BasePackageReturnedToSender,
}

// DelayKind says how a delay was detected, with exactly the names of
// package tracking's DelayKind (a root-package test keeps them equal). Its
// value is sent as the DelayKind property.
type DelayKind string

// The delay kinds.
const (
	DelayException          DelayKind = "exception"
	DelayAttemptFailed      DelayKind = "attempt_failed"
	DelayReturnedToSender   DelayKind = "returned_to_sender"
	DelayFulfillmentStalled DelayKind = "fulfillment_stalled"
	DelayShipmentStalled    DelayKind = "shipment_stalled"
	DelayAtRisk             DelayKind = "at_risk"
	DelayLate               DelayKind = "late"
	DelayEstimateSlipped    DelayKind = "estimate_slipped"
	DelayLost               DelayKind = "lost"
)

// DelayKinds returns every delay kind, in tracking's order.
func DelayKinds() []DelayKind {
	return []DelayKind{DelayException, DelayAttemptFailed, DelayReturnedToSender, DelayFulfillmentStalled,
		DelayShipmentStalled, DelayAtRisk, DelayLate, DelayEstimateSlipped, DelayLost}
}

// Valid reports whether k is one of DelayKinds.
func (k DelayKind) Valid() bool { return slices.Contains(DelayKinds(), k) }

// Tier is a customer tier, with exactly the names of package scoring's
// Tier (a root-package test keeps them equal).
type Tier string

// The tiers, from most to least favoured.
const (
	TierVIP     Tier = "vip"
	TierLoyal   Tier = "loyal"
	TierRegular Tier = "regular"
	TierNew     Tier = "new"
	TierRisky   Tier = "risky"
)

// Tiers returns every tier, in scoring's order.
func Tiers() []Tier { return []Tier{TierVIP, TierLoyal, TierRegular, TierNew, TierRisky} }

// Valid reports whether t is one of Tiers.
func (t Tier) Valid() bool { return slices.Contains(Tiers(), t) }

// Date is a calendar day with no time zone, such as a promised or
// estimated delivery day in the brand's time zone. It has the shape of
// package tracking's Date, so klaviyo.Date(d) converts one. It is sent as
// "2006-01-02": a date-based flow then fires on that day, where a
// midnight-UTC instant would fire a day early or late in other zones.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as "2006-01-02", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.time().Format(time.DateOnly)
}

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC) }

// valid reports whether d names a real day in years 1..9999.
func (d Date) valid() bool {
	return d.Year >= 1 && d.Year <= 9999 && DateOf(d.time()) == d
}

// Words are the texts sent for the customer to read: status words and
// dates, in the brand's language. Zero fields fall back to English
// (EnglishWords).
type Words struct {
	// Milestones maps a milestone kind to its status words ("Out for
	// delivery"); kinds missing from the map use English.
	Milestones map[MilestoneKind]string
	// Delayed is the status words of a delayed shipment ("Delayed").
	Delayed string
	// FormatDate formats a date for display ("Tuesday, December 8").
	FormatDate func(Date) string
}

// EnglishWords returns the default Words.
func EnglishWords() Words {
	return Words{
		Milestones: map[MilestoneKind]string{
			MilestoneShipped:            "Shipped",
			MilestoneInTransit:          "In transit",
			MilestoneOutForDelivery:     "Out for delivery",
			MilestoneAttemptFailed:      "Delivery attempted",
			MilestoneAvailableForPickup: "Ready for pickup",
			MilestoneDelivered:          "Delivered",
			MilestoneException:          "Delivery problem",
			MilestoneReturnedToSender:   "Returned to sender",
		},
		Delayed:    "Delayed",
		FormatDate: func(d Date) string { return d.time().Format("Monday, January 2") },
	}
}

var english = EnglishWords()

func (c Catalog) milestoneWords(k MilestoneKind) string {
	if s := c.Words.Milestones[k]; s != "" {
		return s
	}
	return english.Milestones[k]
}

func (c Catalog) delayedWords() string {
	if c.Words.Delayed != "" {
		return c.Words.Delayed
	}
	return english.Delayed
}

func (c Catalog) formatDate(d Date) string {
	if c.Words.FormatDate != nil {
		return c.Words.FormatDate(d)
	}
	return english.FormatDate(d)
}

// carrierNames are the display names of the carriers package carriers
// supports, by code.
var carrierNames = map[string]string{"ups": "UPS", "fedex": "FedEx", "usps": "USPS", "dhl": "DHL"}

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
	OrderNumber string
	// Carrier is the carrier's code, as package carriers names it ("ups").
	Carrier string
	// CarrierName is the carrier's name for the customer ("UPS"). Empty
	// means the name of a known code (ups, fedex, usps, dhl), else Carrier.
	CarrierName    string
	TrackingNumber string
	// TrackingURL is the brand's own tracking page for this shipment.
	TrackingURL string
	// StatusDetail is the carrier's latest status text.
	StatusDetail string
	// EstimatedDelivery is the current delivery estimate, a day in the
	// brand's time zone (zero: unknown).
	EstimatedDelivery Date
	// OrderValue and Currency, when Currency is set, are the order's value,
	// sent as the value of the Package Shipped event only.
	OrderValue decimal.Decimal
	Currency   string
	Items      []LineItem
}

// MilestoneEvent is a shipment reaching a milestone.
type MilestoneEvent struct {
	Profile  Identifiers
	Shipment Shipment
	Kind     MilestoneKind
	// MilestoneID is the milestone's stable ID (tracking's Milestone.ID);
	// required. The event's unique_id derives from it.
	MilestoneID string
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
	// Amount and Currency, when Currency is set, are a credit's amount
	// (sent as properties; the credit's value is on Cashback Issued).
	Amount   decimal.Decimal
	Currency string
}

// DelayEvent is a detected delay.
type DelayEvent struct {
	Profile  Identifiers
	Shipment Shipment
	// Kind is one of DelayKinds; another is refused (ErrUnknownKind).
	Kind DelayKind
	// DelayID is the delay episode's stable ID (tracking's Delay.ID);
	// required. The event's unique_id derives from it.
	DelayID string
	// DaysLate is how late the package is against the promise (tracking's
	// definition; 0 if on time or unknown).
	DaysLate int
	// Accommodation, when Kind is set, is what was done about it.
	Accommodation Accommodation
	// At is when the delay was detected.
	At time.Time
}

// CashbackEvent is a change of a customer's cashback.
type CashbackEvent struct {
	Profile Identifiers
	// EntryKey is the ledger entry's idempotency key (cashback's
	// Entry.Key); required. The event's unique_id derives from it.
	EntryKey string
	// Amount is the amount issued, redeemed or expiring; Balance the new
	// balance. Both are in Currency (required).
	Amount   decimal.Decimal
	Balance  decimal.Decimal
	Currency string
	OrderID  string
	// ExpiresAt is when the credit expires (zero: never or unknown).
	ExpiresAt time.Time
	// NextExpiry, when set, is the day the customer's next credit lapses
	// (brand time zone), kept on the profile as "<prefix> Next Cashback
	// Expiry" for campaigns.
	NextExpiry Date
	// Reminder names which reminder of an expiring credit this is ("30d",
	// "7d"): CashbackExpiring's unique_id carries it, so each reminder is
	// one event and a retry of it is recorded once. Empty: one reminder
	// per entry.
	Reminder string
	// Reason is free text ("delay: late").
	Reason string
	At     time.Time
}

// CaseEvent is a claim or a return the customer started.
type CaseEvent struct {
	Profile Identifiers
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
		return &ValidationError{Path: field, Reason: "required"}
	}
	return nil
}

func (c Catalog) base(metric string, id Identifiers, at time.Time) (Event, error) {
	if err := c.Validate(); err != nil {
		return Event{}, err
	}
	if at.IsZero() {
		return Event{}, &ValidationError{Path: "At", Reason: "required (when it happened)"}
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

func (c Catalog) shipmentProperties(m map[string]any, s Shipment) error {
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
	name := s.CarrierName
	if name == "" {
		name = carrierNames[strings.ToLower(s.Carrier)]
	}
	if name == "" {
		name = s.Carrier
	}
	putString(m, "CarrierName", name)
	putString(m, "TrackingNumber", s.TrackingNumber)
	putString(m, "TrackingURL", s.TrackingURL)
	putString(m, "StatusDetail", s.StatusDetail)
	if !s.EstimatedDelivery.IsZero() {
		if !s.EstimatedDelivery.valid() {
			return &ValidationError{Path: "Shipment.EstimatedDelivery", Reason: "not a calendar day"}
		}
		m["EstimatedDelivery"] = s.EstimatedDelivery.String()
		m["EstimatedDeliveryText"] = c.formatDate(s.EstimatedDelivery)
	}
	if len(s.Items) > 0 {
		m["Items"], m["ItemNames"] = itemsProperties(s.Items, s.Currency)
		m["ItemCount"] = len(s.Items)
	}
	if s.Currency != "" {
		if !isCurrency(s.Currency) {
			return &ValidationError{Path: "Shipment.Currency", Reason: "not an ISO 4217 code"}
		}
		m["Currency"] = s.Currency
	}
	return nil
}

// shipmentProfile returns the profile properties a shipment event keeps:
// the last status (words and code) and the tracking URL of the open
// shipment, cleared (null) when the shipment reaches delivered or
// returned_to_sender.
func (c Catalog) shipmentProfile(s Shipment, code, words string, closed bool) map[string]any {
	p := map[string]any{
		c.ProfilePropertyName(PropLastShipmentStatus):     words,
		c.ProfilePropertyName(PropLastShipmentStatusCode): code,
	}
	switch {
	case closed:
		p[c.ProfilePropertyName(PropOpenShipmentTrackingURL)] = nil
	case s.TrackingURL != "":
		p[c.ProfilePropertyName(PropOpenShipmentTrackingURL)] = s.TrackingURL
	}
	return p
}

// ShipmentMilestone builds the event for a milestone: metric "Package
// <milestone>", unique_id "milestone:<MilestoneID>". Properties Status
// (the kind) and StatusText (its words), CarrierName, EstimatedDelivery
// ("2006-01-02") and EstimatedDeliveryText (display), and the shipment's.
// Only Package Shipped carries the order value. The profile gets "<prefix>
// Last Shipment Status" and "... Code" and "<prefix> Open Shipment
// Tracking URL" (null once delivered or returned to sender).
func (c Catalog) ShipmentMilestone(in MilestoneEvent) (Event, error) {
	baseName, ok := milestoneBase[in.Kind]
	if !ok {
		return Event{}, &ValidationError{Path: "Kind", Reason: "unknown milestone kind", Err: ErrUnknownKind}
	}
	if err := required("MilestoneID", in.MilestoneID); err != nil {
		return Event{}, err
	}
	e, err := c.base(baseName, in.Profile, in.At)
	if err != nil {
		return Event{}, err
	}
	if err := c.shipmentProperties(e.Properties, in.Shipment); err != nil {
		return Event{}, err
	}
	words := c.milestoneWords(in.Kind)
	e.Properties["Status"] = string(in.Kind)
	e.Properties["StatusText"] = words
	e.UniqueID = "milestone:" + in.MilestoneID
	if in.Kind == MilestoneShipped && in.Shipment.Currency != "" {
		e.Value, e.ValueCurrency = in.Shipment.OrderValue, in.Shipment.Currency
	}
	closed := in.Kind == MilestoneDelivered || in.Kind == MilestoneReturnedToSender
	e.ProfileProperties = c.shipmentProfile(in.Shipment, string(in.Kind), words, closed)
	return e, nil
}

// ShipmentDelayed builds the "Package Delayed" event: the shipment, the
// delay kind, days late and the accommodation made; unique_id
// "delay:<DelayID>". A kind outside DelayKinds is refused
// (ErrUnknownKind). It carries no value (a credit's value is on Cashback
// Issued). The profile's last shipment status becomes "delayed".
func (c Catalog) ShipmentDelayed(in DelayEvent) (Event, error) {
	if in.Kind == "" {
		return Event{}, &ValidationError{Path: "Kind", Reason: "required"}
	}
	if !in.Kind.Valid() {
		return Event{}, &ValidationError{Path: "Kind", Reason: "unknown delay kind", Err: ErrUnknownKind}
	}
	if err := required("DelayID", in.DelayID); err != nil {
		return Event{}, err
	}
	if in.DaysLate < 0 {
		return Event{}, &ValidationError{Path: "DaysLate", Reason: "negative"}
	}
	e, err := c.base(BasePackageDelayed, in.Profile, in.At)
	if err != nil {
		return Event{}, err
	}
	if err := c.shipmentProperties(e.Properties, in.Shipment); err != nil {
		return Event{}, err
	}
	words := c.delayedWords()
	e.Properties["Status"] = "delayed"
	e.Properties["StatusText"] = words
	e.Properties["DelayKind"] = string(in.Kind)
	e.Properties["DelayID"] = in.DelayID
	e.Properties["DaysLate"] = in.DaysLate
	if a := in.Accommodation; a.Kind != "" {
		e.Properties["Accommodation"] = a.Kind
		putString(e.Properties, "AccommodationDetail", a.Description)
		if a.Currency != "" {
			if !isCurrency(a.Currency) {
				return Event{}, &ValidationError{Path: "Accommodation.Currency", Reason: "not an ISO 4217 code"}
			}
			e.Properties["AccommodationAmount"] = a.Amount
			e.Properties["AccommodationCurrency"] = a.Currency
		}
	}
	e.UniqueID = "delay:" + in.DelayID
	e.ProfileProperties = c.shipmentProfile(in.Shipment, "delayed", words, false)
	return e, nil
}

func (c Catalog) cashback(base, verb string, in CashbackEvent) (Event, error) {
	if err := required("EntryKey", in.EntryKey); err != nil {
		return Event{}, err
	}
	if !isCurrency(in.Currency) {
		return Event{}, &ValidationError{Path: "Currency", Reason: "required ISO 4217 code"}
	}
	if in.Amount.IsNegative() {
		return Event{}, &ValidationError{Path: "Amount", Reason: "negative"}
	}
	if !in.NextExpiry.IsZero() && !in.NextExpiry.valid() {
		return Event{}, &ValidationError{Path: "NextExpiry", Reason: "not a calendar day"}
	}
	e, err := c.base(base, in.Profile, in.At)
	if err != nil {
		return Event{}, err
	}
	p := e.Properties
	p["CashbackAmount"] = in.Amount
	p["CashbackBalance"] = in.Balance
	p["Currency"] = in.Currency
	p["EntryKey"] = in.EntryKey
	putString(p, "OrderID", in.OrderID)
	putString(p, "Reason", in.Reason)
	if !in.ExpiresAt.IsZero() {
		p["ExpiresAt"] = in.ExpiresAt.UTC()
	}
	e.Value, e.ValueCurrency = in.Amount, in.Currency
	e.UniqueID = "cashback:" + in.EntryKey + ":" + verb
	// The balance rides along as a profile property, so profile-based
	// segments and campaigns see it without a separate profile import.
	e.ProfileProperties = map[string]any{c.ProfilePropertyName(PropCashbackBalance): in.Balance, c.ProfilePropertyName(PropCashbackCurrency): in.Currency}
	if !in.NextExpiry.IsZero() {
		e.ProfileProperties[c.ProfilePropertyName(PropNextCashbackExpiry)] = in.NextExpiry.String()
	}
	return e, nil
}

// CashbackIssued builds the event for credit issued to a customer;
// unique_id "cashback:<EntryKey>:issued", value the amount.
func (c Catalog) CashbackIssued(in CashbackEvent) (Event, error) {
	return c.cashback(BaseCashbackIssued, "issued", in)
}

// CashbackRedeemed builds the event for credit spent; unique_id
// "cashback:<EntryKey>:redeemed", value the amount.
func (c Catalog) CashbackRedeemed(in CashbackEvent) (Event, error) {
	return c.cashback(BaseCashbackRedeemed, "redeemed", in)
}

// CashbackExpiring builds the reminder event for credit about to expire
// (ExpiresAt required); unique_id "cashback:<EntryKey>:expiring", plus
// ":<Reminder>" when set, so the 30-day and 7-day reminders of one credit
// are distinct events while a retry of either is recorded once.
func (c Catalog) CashbackExpiring(in CashbackEvent) (Event, error) {
	if in.ExpiresAt.IsZero() {
		return Event{}, &ValidationError{Path: "ExpiresAt", Reason: "required for an expiring credit"}
	}
	verb := "expiring"
	if in.Reminder != "" {
		if r := idProblem(in.Reminder); r != "" || len(in.Reminder) > 64 {
			return Event{}, &ValidationError{Path: "Reminder", Reason: "must be at most 64 bytes of printable text"}
		}
		verb += ":" + in.Reminder
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
	e, err := c.base(base, in.Profile, in.At)
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
// customer started; unique_id "claim:<CaseID>:started". Properties
// ClaimID, ClaimURL.
func (c Catalog) ClaimStarted(in CaseEvent) (Event, error) {
	return c.caseEvent(BaseClaimStarted, "Claim", in)
}

// ReturnStarted builds the event for a return the customer started;
// unique_id "return:<CaseID>:started". Properties ReturnID, ReturnURL.
func (c Catalog) ReturnStarted(in CaseEvent) (Event, error) {
	return c.caseEvent(BaseReturnStarted, "Return", in)
}

// Profile property names (without prefix).
const (
	PropCashbackBalance    = "Cashback Balance"
	PropCashbackCurrency   = "Cashback Currency"
	PropLifetimeCashback   = "Lifetime Cashback"
	PropNextCashbackExpiry = "Next Cashback Expiry"
	PropCustomerTier       = "Customer Tier"
	PropShipmentsDelivered = "Shipments Delivered"
	PropShipmentsDelayed   = "Shipments Delayed"
	PropLastDeliveredAt    = "Last Delivered At"
	// PropLastShipmentStatus holds the status words ("Out for delivery"),
	// PropLastShipmentStatusCode the code ("out_for_delivery", "delayed").
	PropLastShipmentStatus     = "Last Shipment Status"
	PropLastShipmentStatusCode = "Last Shipment Status Code"
	// PropOpenShipmentTrackingURL is the brand tracking page of the
	// shipment on its way (null when none).
	PropOpenShipmentTrackingURL = "Open Shipment Tracking URL"
)

// ProfilePropertyName returns "<Prefix> <name>", the key under which the
// post-purchase journey keeps a value on the profile.
func (c Catalog) ProfilePropertyName(name string) string { return c.prefix() + " " + name }

// ProfileStats are the values the journey keeps on a profile, for
// campaigns (event properties reach only flows). Nil or empty fields are
// left out (unchanged on the profile).
type ProfileStats struct {
	// CashbackBalance and LifetimeCashback are in CashbackCurrency, which
	// is required when either is set.
	CashbackBalance  *decimal.Decimal
	LifetimeCashback *decimal.Decimal
	CashbackCurrency string
	// NextCashbackExpiry is the day the next credit lapses (brand time
	// zone), sent as "2006-01-02".
	NextCashbackExpiry Date
	// CustomerTier is the scoring tier (vip, loyal, regular, new, risky);
	// another is refused (ErrUnknownKind).
	CustomerTier       Tier
	ShipmentsDelivered *int
	ShipmentsDelayed   *int
	LastDeliveredAt    time.Time
	// LastShipmentStatus is a milestone kind or "delayed"; its words (in
	// the catalog's language) and code are sent.
	LastShipmentStatus string
	// OpenShipmentTrackingURL is the brand tracking page of the shipment
	// on its way.
	OpenShipmentTrackingURL string
}

// ProfileProperties returns the custom properties for Profile.Properties.
func (c Catalog) ProfileProperties(s ProfileStats) (map[string]any, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	m := map[string]any{}
	if s.CashbackBalance != nil || s.LifetimeCashback != nil {
		if !isCurrency(s.CashbackCurrency) {
			return nil, &ValidationError{Path: "CashbackCurrency", Reason: "required ISO 4217 code when an amount is set"}
		}
		m[c.ProfilePropertyName(PropCashbackCurrency)] = s.CashbackCurrency
	}
	if s.CashbackBalance != nil {
		m[c.ProfilePropertyName(PropCashbackBalance)] = *s.CashbackBalance
	}
	if s.LifetimeCashback != nil {
		m[c.ProfilePropertyName(PropLifetimeCashback)] = *s.LifetimeCashback
	}
	if !s.NextCashbackExpiry.IsZero() {
		if !s.NextCashbackExpiry.valid() {
			return nil, &ValidationError{Path: "NextCashbackExpiry", Reason: "not a calendar day"}
		}
		m[c.ProfilePropertyName(PropNextCashbackExpiry)] = s.NextCashbackExpiry.String()
	}
	if s.CustomerTier != "" {
		if !s.CustomerTier.Valid() {
			return nil, &ValidationError{Path: "CustomerTier", Reason: "unknown tier", Err: ErrUnknownKind}
		}
		m[c.ProfilePropertyName(PropCustomerTier)] = string(s.CustomerTier)
	}
	if s.ShipmentsDelivered != nil {
		if *s.ShipmentsDelivered < 0 {
			return nil, &ValidationError{Path: "ShipmentsDelivered", Reason: "negative"}
		}
		m[c.ProfilePropertyName(PropShipmentsDelivered)] = *s.ShipmentsDelivered
	}
	if s.ShipmentsDelayed != nil {
		if *s.ShipmentsDelayed < 0 {
			return nil, &ValidationError{Path: "ShipmentsDelayed", Reason: "negative"}
		}
		m[c.ProfilePropertyName(PropShipmentsDelayed)] = *s.ShipmentsDelayed
	}
	if !s.LastDeliveredAt.IsZero() {
		m[c.ProfilePropertyName(PropLastDeliveredAt)] = s.LastDeliveredAt.UTC()
	}
	switch k := s.LastShipmentStatus; {
	case k == "":
	case k == "delayed":
		m[c.ProfilePropertyName(PropLastShipmentStatus)] = c.delayedWords()
		m[c.ProfilePropertyName(PropLastShipmentStatusCode)] = k
	case MilestoneKind(k).Valid():
		m[c.ProfilePropertyName(PropLastShipmentStatus)] = c.milestoneWords(MilestoneKind(k))
		m[c.ProfilePropertyName(PropLastShipmentStatusCode)] = k
	default:
		return nil, &ValidationError{Path: "LastShipmentStatus", Reason: "not a milestone kind or \"delayed\"", Err: ErrUnknownKind}
	}
	putString(m, c.ProfilePropertyName(PropOpenShipmentTrackingURL), s.OpenShipmentTrackingURL)
	return m, nil
}
