package scoring

import (
	"time"

	"github.com/shopspring/decimal"
)

// History is what a host knows about one customer. Every part is optional:
// a nil pointer or a nil slice means "not known", and the signals built on
// it are missing (not zero). A non-nil empty slice means "known: none" —
// for example Returns: []Return{} for a store that tracks returns and has
// none from this customer. A brand with only Orders still gets a score.
//
// All money in one History must be in one currency (Order.Currency,
// Return.Currency, Cashback.Currency); the first one seen sets it.
type History struct {
	Profile    *Profile
	Orders     []Order
	Shipments  []Shipment
	Returns    []Return
	Claims     []Claim
	Cashback   *Cashback
	Engagement *Engagement
	Support    []SupportContact
	Risk       *RiskInputs
}

// Profile is the customer account as the store keeps it.
type Profile struct {
	CreatedAt        time.Time // account creation; zero = unknown
	EmailVerified    *bool     // nil = unknown
	MarketingConsent *bool     // accepts email marketing; nil = unknown
	Tags             []string  // merchant tags; "vip" (any case) sets vip_tag
}

// PaymentMethod is how an order was paid. Unknown values are allowed and
// count as "other".
type PaymentMethod string

// Payment methods the built-in signals distinguish.
const (
	PaymentCard           PaymentMethod = "card"
	PaymentPrepaidCard    PaymentMethod = "prepaid_card"
	PaymentWallet         PaymentMethod = "wallet"
	PaymentBuyNowPayLater PaymentMethod = "bnpl"
	PaymentCashOnDelivery PaymentMethod = "cod"
	PaymentGiftCard       PaymentMethod = "gift_card"
	PaymentBankTransfer   PaymentMethod = "bank_transfer"
)

// Order is one order the customer placed.
type Order struct {
	// ID identifies the order; two orders with the same non-empty ID are an
	// error. Shipments, returns and claims refer to it.
	ID       string
	PlacedAt time.Time       // required
	Total    decimal.Decimal // amount charged after discounts, ≥ 0
	Currency string          // ISO 4217 code of Total and Discount
	// Discount is the discount granted, ≥ 0; zero = none or unknown, so
	// discount_share is missing while every order's Discount is zero.
	Discount decimal.Decimal
	// Items is the number of units bought; 0 = unknown.
	Items      int
	Categories []string // product categories in the order
	Payment    PaymentMethod
	// ShippingAddress and BillingAddress are comparable hashes (never the
	// address itself); empty = unknown.
	ShippingAddress string
	BillingAddress  string
	ShippingCountry string // ISO 3166-1 alpha-2; empty = unknown
	BillingCountry  string
	Canceled        bool // canceled before fulfilment; excluded from spend
}

// Shipment is one package of an order and how its delivery went.
type Shipment struct {
	OrderID     string
	ShippedAt   time.Time // zero = unknown
	PromisedBy  time.Time // the delivery date promised or estimated at purchase; zero = none
	DeliveredAt time.Time // zero = not delivered (yet)
	Exceptions  int       // carrier exceptions seen (failed attempts, damage, customs, …)
	Lost        bool      // declared lost or returned to sender
}

// ReturnReason is the stated reason of a return.
type ReturnReason string

// Return reasons. Damaged, Defective, WrongItem, NotAsDescribed and Late
// are the merchant's or carrier's fault; SizeFit, ChangedMind and Other
// are the customer's choice ("opportunistic" in the returns literature).
const (
	ReturnDamaged        ReturnReason = "damaged"
	ReturnDefective      ReturnReason = "defective"
	ReturnWrongItem      ReturnReason = "wrong_item"
	ReturnNotAsDescribed ReturnReason = "not_as_described"
	ReturnLate           ReturnReason = "late"
	ReturnSizeFit        ReturnReason = "size_fit"
	ReturnChangedMind    ReturnReason = "changed_mind"
	ReturnOther          ReturnReason = "other"
)

// Return is one return request.
type Return struct {
	OrderID   string
	CreatedAt time.Time       // required
	Items     int             // units returned; 0 = unknown
	Value     decimal.Decimal // refunded value, ≥ 0
	Currency  string
	Reason    ReturnReason
	// Flagged marks a return the merchant found abusive: empty box, used or
	// worn item, swapped item.
	Flagged bool
}

// ClaimKind is what a post-purchase claim says went wrong.
type ClaimKind string

// Claim kinds.
const (
	ClaimNotReceived  ClaimKind = "not_received"
	ClaimDamaged      ClaimKind = "damaged"
	ClaimMissingItems ClaimKind = "missing_items"
)

// Claim is one claim about an order.
type Claim struct {
	OrderID   string
	CreatedAt time.Time // required
	Kind      ClaimKind
	Approved  *bool // nil = pending or unknown
}

// Cashback is the customer's store-credit history.
type Cashback struct {
	Issued   decimal.Decimal // total credit issued, ≥ 0
	Redeemed decimal.Decimal // total credit spent, ≥ 0
	Currency string
}

// Engagement is marketing and community activity. Counts cover the last
// 90 days as the host counts them.
type Engagement struct {
	EmailsReceived int
	EmailOpens     int
	EmailClicks    int
	SiteSessions   int
	Referrals      int       // customers referred (lifetime)
	Reviews        []Review  // nil = unknown
	LastActiveAt   time.Time // last open, click, visit or review; zero = unknown
}

// Review is one product review the customer wrote.
type Review struct {
	At      time.Time
	Rating  int  // 1–5
	HasText bool // more than a star rating
}

// ContactTopic is what a support contact was about.
type ContactTopic string

// Contact topics.
const (
	TopicWhereIsMyOrder ContactTopic = "where_is_my_order"
	TopicReturn         ContactTopic = "return"
	TopicDamage         ContactTopic = "damage"
	TopicComplaint      ContactTopic = "complaint"
	TopicOther          ContactTopic = "other"
)

// SupportContact is one contact with customer support.
type SupportContact struct {
	At    time.Time // required
	Topic ContactTopic
}

// RiskInputs are the fraud and identity facts a host may have from its
// payment processor or fraud tool. Each nil field is unknown.
type RiskInputs struct {
	Chargebacks        *int     // lifetime chargebacks
	Disputes           *int     // lifetime payment disputes (incl. inquiries)
	EarlyFraudWarnings *int     // issuer early fraud warnings
	ProcessorRiskScore *float64 // 0–100, higher is riskier (Stripe Radar style)
	DisposableEmail    *bool
	ProxyIP            *bool // orders placed through an anonymising proxy, VPN or Tor
	ReshipperAddress   *bool // ships to a reshipper / freight forwarder
	// BillingShippingMismatch is used when Orders carry no address hashes.
	BillingShippingMismatch *bool
	AddressChanges          *int      // shipping address changes in the last 180 days
	EmailFirstSeen          time.Time // when the email address was first seen anywhere; zero = unknown
}
