package postpurchase

import (
	"time"
)

// CaseKind says whether a case is a claim or a return.
type CaseKind string

// The case kinds.
const (
	CaseClaim  CaseKind = "claim"
	CaseReturn CaseKind = "return"
)

// CaseReason is why a case was opened.
type CaseReason string

// The case reasons. Claims: not received, delivered but not received,
// damaged, missing items. Returns: the customer's return.
const (
	ReasonNotReceived          CaseReason = "not_received"
	ReasonDeliveredNotReceived CaseReason = "delivered_not_received"
	ReasonDamaged              CaseReason = "damaged"
	ReasonMissingItems         CaseReason = "missing_items"
	ReasonReturn               CaseReason = "return"
)

// ClaimReasons returns the claim reasons in the order a page offers them.
func ClaimReasons() []CaseReason {
	return []CaseReason{ReasonNotReceived, ReasonDeliveredNotReceived, ReasonDamaged, ReasonMissingItems}
}

// CaseState is where a case is.
type CaseState string

// The case states.
const (
	// CaseResolved: the Engine resolved it at once (a replacement for a
	// trusted customer; a return accepted, refunded on arrival).
	CaseResolved CaseState = "resolved"
	// CaseInReview: a person looks at it before anything is paid.
	CaseInReview CaseState = "in_review"
)

// Case is a claim or a return. Its ID is stable: it derives from the
// order, the shipment and the reason, so filing the same claim twice gives
// the same case.
type Case struct {
	ID         string     `json:"id"`
	Kind       CaseKind   `json:"kind"`
	Reason     CaseReason `json:"reason"`
	OrderID    string     `json:"order_id"`
	ShipmentID string     `json:"shipment_id"`
	// Items are the SKUs concerned (damaged, missing, returned).
	Items []string `json:"items,omitempty"`
	// Note is the customer's own words, at most MaxNoteLen bytes. It is
	// personal data: never logged.
	Note     string    `json:"note,omitempty"`
	OpenedAt time.Time `json:"opened_at"`
	State    CaseState `json:"state"`
	// Resolution says in words what was decided ("replacement sent by
	// expedited shipping", "a person reviews the claim...").
	Resolution string `json:"resolution,omitempty"`
	// Tier is the customer's tier used to decide.
	Tier string `json:"tier,omitempty"`
}

// MaxNoteLen bounds Case.Note.
const MaxNoteLen = 2000

// ClaimRequest files a claim for one shipment.
type ClaimRequest struct {
	OrderID    string
	ShipmentID string
	Reason     CaseReason
	// Items are the SKUs concerned; required for damaged and missing
	// items, ignored otherwise.
	Items []string
	Note  string
}

// ReturnRequest starts a return of delivered items.
type ReturnRequest struct {
	OrderID    string
	ShipmentID string
	// Items are the SKUs to return (at least one, none final sale).
	Items []string
	Note  string
}

// Windows are the claim and return windows. The zero value of each field
// means its default; each default says where it comes from.
type Windows struct {
	// NotReceivedQuiet is how long without any scan a domestic parcel must
	// go before "not received" can be filed. Default 7 days: USPS opens a
	// Missing Mail search 7 days after mailing, and most DTC brands'
	// shipping-protection terms (Route, Shopify Protect) use a week.
	NotReceivedQuiet time.Duration
	// NotReceivedQuietIntl is the same for international parcels.
	// Default 20 days: international parcels go quiet for long stretches
	// in customs; carriers accept international loss claims from about
	// three weeks.
	NotReceivedQuietIntl time.Duration
	// PastEstimate is how long past the end of the carrier's (or the
	// promised) delivery window "not received" can be filed even if scans
	// continue. Default 48 hours, the usual grace carriers give before a
	// delivery is considered missed.
	PastEstimate time.Duration
	// DeliveredNotReceivedFrom and DeliveredNotReceivedTo bound when
	// "delivered but not received" can be filed, after the delivery scan.
	// Defaults 5 and 30 days: parcels marked delivered often turn up
	// within a few days (neighbours, mail rooms, early scans), and
	// carriers accept such claims within about a month.
	DeliveredNotReceivedFrom time.Duration
	DeliveredNotReceivedTo   time.Duration
	// DamagedWithin bounds damaged and missing-items claims after the
	// delivery. Default 30 days, the common retail term.
	DamagedWithin time.Duration
	// ReturnWithin bounds returns after the delivery. Default 30 days,
	// the most common DTC return window.
	ReturnWithin time.Duration
}

func (w Windows) withDefaults() Windows {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	day := 24 * time.Hour
	def(&w.NotReceivedQuiet, 7*day)
	def(&w.NotReceivedQuietIntl, 20*day)
	def(&w.PastEstimate, 48*time.Hour)
	def(&w.DeliveredNotReceivedFrom, 5*day)
	def(&w.DeliveredNotReceivedTo, 30*day)
	def(&w.DamagedWithin, 30*day)
	def(&w.ReturnWithin, 30*day)
	return w
}
