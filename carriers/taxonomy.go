package carriers

import "strings"

// TaxonomyEntry is one row of the mapping from another tracking product's
// vocabulary to Status and Reason. The tables are exported through
// AfterShipTaxonomy and EasyPostTaxonomy so that hosts can show them to
// their users; FromAfterShip and FromEasyPost use the same rows.
type TaxonomyEntry struct {
	// Code is the other product's value: an AfterShip tag or "Tag_NNN"
	// subtag, an EasyPost status or status_detail.
	Code string
	// Meaning is that product's own description of the code.
	Meaning string
	// Status is the normalized status; StatusUnknown for an EasyPost
	// status_detail, which refines but does not set the status.
	Status Status
	// Reason is the normalized reason.
	Reason Reason
	// Exception, for an EasyPost status_detail, turns an in-transit or
	// unknown status into StatusException (a weather delay reported on an
	// in_transit tracker is a delay, not progress).
	Exception bool
}

// afterShip is AfterShip's tag and subtag table (aftership.com/docs/tracking/
// enum/delivery-statuses and delivery-sub-statuses, 2025-01 to 2026-07; help
// center "Learn About Delivery Sub-Status" for Exception_016–021). A bare
// tag row applies to subtags not listed.
var afterShip = []TaxonomyEntry{
	{Code: "Pending", Meaning: "New shipment, no tracking information yet", Status: StatusUnknown},
	{Code: "InfoReceived", Meaning: "Carrier has received the request and is about to pick up", Status: StatusInfoReceived},
	{Code: "InTransit", Meaning: "Accepted or picked up, on the way", Status: StatusInTransit},
	{Code: "InTransit_008", Meaning: "Problem resolved", Status: StatusInTransit},
	{Code: "InTransit_009", Meaning: "Forwarded to a different delivery address", Status: StatusInTransit, Reason: ReasonAddressProblem},
	{Code: "OutForDelivery", Meaning: "About to be delivered", Status: StatusOutForDelivery},
	{Code: "AttemptFail", Meaning: "Delivery attempted and failed", Status: StatusAttemptFail},
	{Code: "AttemptFail_001", Meaning: "Failed attempt, notice left, will retry", Status: StatusAttemptFail, Reason: ReasonRecipientUnavailable},
	{Code: "AttemptFail_002", Meaning: "Addressee not available", Status: StatusAttemptFail, Reason: ReasonRecipientUnavailable},
	{Code: "AttemptFail_003", Meaning: "Business closed", Status: StatusAttemptFail, Reason: ReasonRecipientUnavailable},
	{Code: "Delivered", Meaning: "Delivered", Status: StatusDelivered},
	{Code: "Delivered_002", Meaning: "Picked up by the customer", Status: StatusDelivered, Reason: ReasonPickedUpByRecipient},
	{Code: "Delivered_003", Meaning: "Signed by customer", Status: StatusDelivered, Reason: ReasonSignedFor},
	{Code: "Delivered_005", Meaning: "Delivered to neighbor", Status: StatusDelivered, Reason: ReasonDeliveredToNeighbour},
	{Code: "AvailableForPickup", Meaning: "Available for pickup", Status: StatusAvailableForPickup},
	{Code: "Exception", Meaning: "Shipping exception", Status: StatusException, Reason: ReasonOther},
	{Code: "Exception_002", Meaning: "Customer moved", Status: StatusException, Reason: ReasonRecipientMoved},
	{Code: "Exception_003", Meaning: "Customer refused delivery", Status: StatusException, Reason: ReasonRefused},
	{Code: "Exception_004", Meaning: "Delayed (customs clearance)", Status: StatusException, Reason: ReasonCustoms},
	{Code: "Exception_005", Meaning: "Delayed (external factors)", Status: StatusException, Reason: ReasonOther},
	{Code: "Exception_006", Meaning: "Held for payment", Status: StatusException, Reason: ReasonHeldForPayment},
	{Code: "Exception_007", Meaning: "Incorrect address", Status: StatusException, Reason: ReasonAddressProblem},
	{Code: "Exception_008", Meaning: "Pick up missed", Status: StatusException, Reason: ReasonPickupMissed},
	{Code: "Exception_009", Meaning: "Rejected by carrier", Status: StatusException, Reason: ReasonOther},
	{Code: "Exception_010", Meaning: "Returning to sender", Status: StatusReturnToSender, Reason: ReasonReturning},
	{Code: "Exception_011", Meaning: "Returned to sender", Status: StatusReturnToSender, Reason: ReasonReturned},
	{Code: "Exception_012", Meaning: "Shipment damaged", Status: StatusException, Reason: ReasonDamaged},
	{Code: "Exception_013", Meaning: "Shipment lost", Status: StatusException, Reason: ReasonLost},
	{Code: "Exception_016", Meaning: "Delayed (processing issue: vehicle, sorting error, misroute)", Status: StatusException, Reason: ReasonCarrierDelay},
	{Code: "Exception_017", Meaning: "Delayed (extreme weather)", Status: StatusException, Reason: ReasonWeather},
	{Code: "Exception_018", Meaning: "Incorrect or missing documents", Status: StatusException, Reason: ReasonDocumentsMissing},
	{Code: "Exception_019", Meaning: "Delayed (late flight)", Status: StatusException, Reason: ReasonCarrierDelay},
	{Code: "Exception_020", Meaning: "Shipment cancelled", Status: StatusException, Reason: ReasonCancelled},
	{Code: "Exception_021", Meaning: "Shipment disposed", Status: StatusException, Reason: ReasonDisposed},
	{Code: "Expired", Meaning: "No tracking information for 30 days", Status: StatusExpired},
}

// easyPostStatus is EasyPost's Tracker status table (docs.easypost.com/docs/
// trackers; easypost-csharp Models/API/Tracker.cs).
var easyPostStatus = []TaxonomyEntry{
	{Code: "unknown", Meaning: "Unknown", Status: StatusUnknown},
	{Code: "pre_transit", Meaning: "Label created, not yet with the carrier", Status: StatusInfoReceived},
	{Code: "in_transit", Meaning: "In transit", Status: StatusInTransit},
	{Code: "out_for_delivery", Meaning: "Out for delivery", Status: StatusOutForDelivery},
	{Code: "delivered", Meaning: "Delivered", Status: StatusDelivered},
	{Code: "available_for_pickup", Meaning: "Available for pickup", Status: StatusAvailableForPickup},
	{Code: "return_to_sender", Meaning: "Returning or returned to sender", Status: StatusReturnToSender, Reason: ReasonReturning},
	{Code: "failure", Meaning: "Delivery failed", Status: StatusException, Reason: ReasonOther},
	{Code: "cancelled", Meaning: "Cancelled", Status: StatusException, Reason: ReasonCancelled},
	{Code: "error", Meaning: "Tracking error", Status: StatusUnknown},
}

// easyPostDetail is EasyPost's status_detail table (same sources).
var easyPostDetail = []TaxonomyEntry{
	{Code: "address_correction", Meaning: "Address corrected", Reason: ReasonAddressProblem},
	{Code: "arrived_at_destination", Meaning: "Arrived at destination"},
	{Code: "arrived_at_facility", Meaning: "Arrived at facility"},
	{Code: "arrived_at_pickup_location", Meaning: "Arrived at pickup location"},
	{Code: "awaiting_information", Meaning: "Awaiting information"},
	{Code: "cancelled", Meaning: "Cancelled", Reason: ReasonCancelled, Exception: true},
	{Code: "damaged", Meaning: "Damaged", Reason: ReasonDamaged, Exception: true},
	{Code: "delayed", Meaning: "Delayed", Reason: ReasonCarrierDelay, Exception: true},
	{Code: "delivery_exception", Meaning: "Delivery exception", Reason: ReasonOther, Exception: true},
	{Code: "departed_facility", Meaning: "Departed facility"},
	{Code: "departed_origin_facility", Meaning: "Departed origin facility"},
	{Code: "expired", Meaning: "Tracking expired"},
	{Code: "failure", Meaning: "Failure", Reason: ReasonOther, Exception: true},
	{Code: "held", Meaning: "Held", Reason: ReasonOther, Exception: true},
	{Code: "in_transit", Meaning: "In transit"},
	{Code: "label_created", Meaning: "Label created"},
	{Code: "lost", Meaning: "Lost", Reason: ReasonLost, Exception: true},
	{Code: "missorted", Meaning: "Missorted", Reason: ReasonCarrierDelay, Exception: true},
	{Code: "out_for_delivery", Meaning: "Out for delivery"},
	{Code: "received_at_destination_facility", Meaning: "Received at destination facility"},
	{Code: "received_at_origin_facility", Meaning: "Received at origin facility"},
	{Code: "refused", Meaning: "Refused", Reason: ReasonRefused, Exception: true},
	{Code: "return", Meaning: "Return", Reason: ReasonReturning},
	{Code: "status_update", Meaning: "Status update"},
	{Code: "transferred_to_destination_carrier", Meaning: "Transferred to destination carrier"},
	{Code: "transit_exception", Meaning: "Transit exception", Reason: ReasonCarrierDelay, Exception: true},
	{Code: "unknown", Meaning: "Unknown"},
	{Code: "weather_delay", Meaning: "Weather delay", Reason: ReasonWeather, Exception: true},
}

// AfterShipTaxonomy returns a copy of the AfterShip tag/subtag table.
func AfterShipTaxonomy() []TaxonomyEntry { return append([]TaxonomyEntry(nil), afterShip...) }

// EasyPostTaxonomy returns copies of the EasyPost status and status_detail
// tables.
func EasyPostTaxonomy() (statuses, details []TaxonomyEntry) {
	return append([]TaxonomyEntry(nil), easyPostStatus...), append([]TaxonomyEntry(nil), easyPostDetail...)
}

func find(table []TaxonomyEntry, code string) (TaxonomyEntry, bool) {
	for _, e := range table {
		if strings.EqualFold(e.Code, code) {
			return e, true
		}
	}
	return TaxonomyEntry{}, false
}

// FromAfterShip maps an AfterShip tag and subtag ("Exception",
// "Exception_017") to Status and Reason. A subtag not in the table falls back
// to its tag; a tag not in the table is StatusUnknown with ReasonNone (so a
// new AfterShip code never breaks decoding).
func FromAfterShip(tag, subtag string) (Status, Reason) {
	if subtag != "" {
		if e, ok := find(afterShip, subtag); ok {
			return e.Status, e.Reason
		}
		if tag == "" {
			tag, _, _ = strings.Cut(subtag, "_")
		}
	}
	if e, ok := find(afterShip, tag); ok {
		return e.Status, e.Reason
	}
	return StatusUnknown, ReasonNone
}

// FromEasyPost maps an EasyPost tracker status and status_detail
// ("in_transit", "weather_delay") to Status and Reason. A detail that means
// trouble turns an in_transit, out_for_delivery or unknown status into
// StatusException. Unknown values map to StatusUnknown / ReasonNone.
func FromEasyPost(status, detail string) (Status, Reason) {
	s, r := StatusUnknown, ReasonNone
	if e, ok := find(easyPostStatus, status); ok {
		s, r = e.Status, e.Reason
	}
	if d, ok := find(easyPostDetail, detail); ok {
		if d.Reason != ReasonNone {
			r = d.Reason
		}
		if d.Exception && (s == StatusInTransit || s == StatusOutForDelivery || s == StatusUnknown) {
			s = StatusException
		}
	}
	return s, r
}
