package postpurchase

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/scoring"
)

// MessageKind is the moment a Message tells the customer about.
type MessageKind string

// The message kinds.
const (
	// MessageMilestone: a shipment reached a milestone (shipped, out for
	// delivery, delivered, ...).
	MessageMilestone MessageKind = "milestone"
	// MessageDelay: a delay was caught, with what is done about it.
	MessageDelay MessageKind = "delay"
	// MessageCashback: CashBack credit was paid or released, with the new
	// balance (sent after the ledger wrote it).
	MessageCashback MessageKind = "cashback"
	// MessageClaim: a claim was filed.
	MessageClaim MessageKind = "claim"
	// MessageReturn: a return was started.
	MessageReturn MessageKind = "return"
)

// Message is a finished notification for the customer's ESP: everything
// the event says is fixed when it is decided, so sending it again sends
// the same event. ID is the ESP's de-duplication key (Klaviyo's
// unique_id): it derives from the milestone, delay episode, ledger entry
// or case the message is about.
type Message struct {
	ID   string      `json:"id"`
	Kind MessageKind `json:"kind"`
	// At is when the moment happened (the scan's time for a milestone).
	At time.Time `json:"at"`

	// Customer is who the message goes to.
	Customer Contact `json:"customer"`

	OrderID        string `json:"order_id"`
	ShipmentID     string `json:"shipment_id,omitempty"`
	Carrier        string `json:"carrier,omitempty"`
	TrackingNumber string `json:"tracking_number,omitempty"`
	// TrackingURL is the brand's own tracking page for the order (the
	// hub's signed link), from Config.TrackingURL.
	TrackingURL string `json:"tracking_url,omitempty"`
	// Status is the shipment's status (tracking's name).
	Status string `json:"status,omitempty"`
	// EstimatedDelivery is the expected delivery date ("2006-01-02"),
	// empty if unknown; EstimatedLatest the end of the window.
	EstimatedDelivery string `json:"estimated_delivery,omitempty"`
	EstimatedLatest   string `json:"estimated_latest,omitempty"`

	// Milestone and MilestoneID (milestone messages).
	Milestone   string `json:"milestone,omitempty"`
	MilestoneID string `json:"milestone_id,omitempty"`
	// DelayKind, DelayID and DaysLate (delay messages).
	DelayKind string `json:"delay_kind,omitempty"`
	DelayID   string `json:"delay_id,omitempty"`
	DaysLate  int    `json:"days_late,omitempty"`
	// Actions are what the brand does about the delay or claim, in
	// words the flow can show ("cashback", "shipping_upgrade", ...).
	Actions []string `json:"actions,omitempty"`

	// Currency of the amounts below.
	Currency string `json:"currency,omitempty"`
	// OrderValue is set on one event of the journey only (shipped), so a
	// metric's value sum counts each order once.
	OrderValue decimal.Decimal `json:"order_value,omitzero"`
	// Cashback is the credit the message is about (delay and cashback
	// messages).
	Cashback decimal.Decimal `json:"cashback,omitzero"`
	// Balance is the customer's spendable CashBack after the credit, and
	// NextExpiry when the next credit lapses (cashback messages, read
	// from the ledger once the credit is paid).
	Balance    decimal.Decimal `json:"balance,omitzero"`
	NextExpiry time.Time       `json:"next_expiry,omitzero"`
	// CashbackPending is true when the credit is spendable only after
	// delivery.
	CashbackPending bool `json:"cashback_pending,omitempty"`

	// Tier is the customer's tier, for the profile.
	Tier string `json:"tier,omitempty"`

	// Items are the order lines in the parcel.
	Items []LineItem `json:"items,omitempty"`
	// Products are recommendations: complementary products on shipped,
	// reorder suggestions on delivered.
	Products []Product `json:"products,omitempty"`
	// ReviewURL is where to review the order (delivered).
	ReviewURL string `json:"review_url,omitempty"`

	// CaseID, CaseReason and CaseState (claim and return messages).
	CaseID     string `json:"case_id,omitempty"`
	CaseReason string `json:"case_reason,omitempty"`
	CaseState  string `json:"case_state,omitempty"`
}

// Contact identifies the customer to the ESP. It is personal data: never
// logged.
type Contact struct {
	CustomerID string `json:"customer_id"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	FirstName  string `json:"first_name,omitempty"`
}

// Notifier sends messages to the customer's ESP. Send must be idempotent
// by Message.ID: the Engine sends each message at least once (again after
// a crash), and the ESP must record it once. The Klaviyo notifier
// (NewKlaviyoNotifier) uses the ID as the event's unique_id; any ESP can
// implement Notifier.
type Notifier interface {
	Send(ctx context.Context, m Message) error
}

// Product is a product suggestion.
type Product struct {
	SKU      string          `json:"sku"`
	Name     string          `json:"name"`
	URL      string          `json:"url,omitempty"`
	ImageURL string          `json:"image_url,omitempty"`
	Price    decimal.Decimal `json:"price,omitzero"`
	Currency string          `json:"currency,omitempty"`
}

// Moment is when recommendations are asked for.
type Moment string

// The recommendation moments.
const (
	// MomentShipped: complementary products for the Shipped event.
	MomentShipped Moment = "shipped"
	// MomentDelivered: reorder suggestions for the Delivered event.
	MomentDelivered Moment = "delivered"
	// MomentPage: products for the customer's tracking page.
	MomentPage Moment = "page"
)

// Recommender suggests products for an order. The Engine asks it when it
// decides a Shipped or Delivered message (the answer is stored with the
// message), and the hub asks it when it renders a page.
type Recommender interface {
	Recommend(ctx context.Context, m Moment, o *Order) ([]Product, error)
}

// Customer is what the Engine knows of a customer: how to reach them and
// their history for scoring.
type Customer struct {
	Contact Contact
	// History is the customer's history for scoring. Orders the Engine
	// makes good are excluded from it by ID before scoring. Nil means
	// unknown (the customer scores as new).
	History *scoring.History
}

// Customers is where the Engine finds customers. An unknown customer is
// not an error: return a Customer with only Contact.CustomerID set.
type Customers interface {
	Customer(ctx context.Context, customerID string) (Customer, error)
}

// TaskKind is a non-cash action the host carries out.
type TaskKind string

// The task kinds.
const (
	// TaskReplacement: ship a replacement (Task.Expedited says how).
	TaskReplacement TaskKind = "replacement"
	// TaskShippingUpgrade: upgrade shipping on the customer's next order.
	TaskShippingUpgrade TaskKind = "shipping_upgrade"
	// TaskPrioritySupport: route the customer to priority support.
	TaskPrioritySupport TaskKind = "priority_support"
	// TaskReview: a person reviews a claim before anything is paid.
	TaskReview TaskKind = "review"
	// TaskRefund: refund returned items once they arrive.
	TaskRefund TaskKind = "refund"
)

// Task is a non-cash action for the host, decided by the Engine.
type Task struct {
	// ID is stable (it derives from the incident or case).
	ID         string   `json:"id"`
	Kind       TaskKind `json:"kind"`
	OrderID    string   `json:"order_id"`
	ShipmentID string   `json:"shipment_id,omitempty"`
	CustomerID string   `json:"customer_id"`
	// CaseID is the claim or return the task serves, if any.
	CaseID string `json:"case_id,omitempty"`
	// Items are the SKUs concerned (replacement, refund).
	Items []string `json:"items,omitempty"`
	// Expedited is true for a replacement sent by expedited shipping.
	Expedited bool `json:"expedited,omitempty"`
	// Rule is the policy rule that decided it.
	Rule string `json:"rule,omitempty"`
}

// TaskHandler receives the tasks the Engine decides. Handle must be
// idempotent by Task.ID (it is called at least once per task).
type TaskHandler interface {
	Handle(ctx context.Context, t Task) error
}
