package carriers

import (
	"encoding/json"
	"strings"
)

// Status is the normalized state of a shipment or of one carrier event.
//
// The zero value is StatusUnknown, which is also what any carrier code this
// package does not recognise maps to: decoding never fails because a carrier
// invented a new code (the raw code is kept in Event.Code).
//
// Status marshals to and from the lower-case names returned by String, in
// JSON and in any encoding that uses encoding.TextMarshaler. Unmarshalling a
// name this version does not know yields StatusUnknown and no error.
type Status uint8

// The normalized statuses. Their numeric order is not a progression: how a
// shipment's state advances is the tracking package's business.
const (
	// StatusUnknown: no information, or a carrier code that is not mapped.
	StatusUnknown Status = iota
	// StatusInfoReceived: a label was created; the carrier does not yet
	// have the parcel (AfterShip InfoReceived, EasyPost pre_transit).
	StatusInfoReceived
	// StatusInTransit: the carrier has the parcel and it is moving.
	StatusInTransit
	// StatusOutForDelivery: on the vehicle for delivery today.
	StatusOutForDelivery
	// StatusAttemptFail: a delivery attempt failed; the carrier usually
	// retries or holds the parcel.
	StatusAttemptFail
	// StatusAvailableForPickup: waiting at a counter, locker or access point
	// for the recipient to collect.
	StatusAvailableForPickup
	// StatusDelivered: delivered to the recipient or the place they chose.
	StatusDelivered
	// StatusException: something went wrong (held, damaged, lost, customs,
	// weather, address problem...); Reason says what.
	StatusException
	// StatusReturnToSender: the parcel is going, or has gone, back to the
	// shipper. Reason is ReasonReturned once the shipper has it back; on the
	// way it is the cause when the carrier names one (ReasonAddressProblem,
	// ReasonRecipientMoved, ReasonRefused, ReasonPickupMissed, ...), else
	// ReasonReturning.
	StatusReturnToSender
	// StatusExpired: no tracking information for a long time; the carrier
	// or the tracking service stopped following the number.
	StatusExpired

	numStatuses = int(StatusExpired) + 1
)

var statusNames = [numStatuses]string{
	StatusUnknown:            "unknown",
	StatusInfoReceived:       "info_received",
	StatusInTransit:          "in_transit",
	StatusOutForDelivery:     "out_for_delivery",
	StatusAttemptFail:        "attempt_fail",
	StatusAvailableForPickup: "available_for_pickup",
	StatusDelivered:          "delivered",
	StatusException:          "exception",
	StatusReturnToSender:     "return_to_sender",
	StatusExpired:            "expired",
}

// Statuses returns every defined Status in declaration order, StatusUnknown
// first.
func Statuses() []Status {
	s := make([]Status, numStatuses)
	for i := range s {
		s[i] = Status(i)
	}
	return s
}

// String returns the status's stable lower-case name, such as "in_transit".
// A value outside the defined range prints as "unknown".
func (s Status) String() string {
	if int(s) < numStatuses {
		return statusNames[s]
	}
	return statusNames[StatusUnknown]
}

// Valid reports whether s is one of the defined statuses.
func (s Status) Valid() bool { return int(s) < numStatuses }

// ParseStatus returns the Status whose String is name, ignoring case and
// accepting '-' or ' ' for '_' and AfterShip-style CamelCase names
// ("InTransit"). ok is false, and the Status is StatusUnknown, for a name it
// does not know.
func ParseStatus(name string) (s Status, ok bool) {
	key := normalizeName(name)
	for i, n := range statusKeys {
		if n == key {
			return Status(i), true
		}
	}
	return StatusUnknown, false
}

// statusKeys and reasonKeys are the names in normalizeName's form, computed
// once so that decoding does not rebuild them for every value.
var (
	statusKeys = normalizedNames(statusNames[:])
	reasonKeys = normalizedNames(reasonNames[:])
)

func normalizedNames(names []string) []string {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = normalizeName(n)
	}
	return keys
}

// normalizeName lower-cases name and drops '_', '-' and ' ' so that
// "in_transit", "InTransit" and "in-transit" compare equal.
func normalizeName(name string) string {
	if len(name) > 64 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c == '-' || c == ' ':
			continue
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. Unknown names decode to
// StatusUnknown without error.
func (s *Status) UnmarshalText(b []byte) error {
	*s, _ = ParseStatus(string(b))
	return nil
}

// UnmarshalJSON accepts a JSON string (any name; unknown names become
// StatusUnknown) or null (StatusUnknown). Any other JSON type is an error,
// because it is not a status at all.
func (s *Status) UnmarshalJSON(b []byte) error {
	return unmarshalEnumJSON(b, "status", s.UnmarshalText)
}

// Reason refines a Status: why an exception happened, how a delivery was
// made. The zero value ReasonNone means no detail. Like Status it marshals to
// stable lower-case names and tolerates names it does not know (they decode
// to ReasonOther).
type Reason uint8

// The normalized reasons.
const (
	// ReasonNone: no detail given.
	ReasonNone Reason = iota
	// ReasonOther: a detail the taxonomy has no name for (or a name this
	// version does not know).
	ReasonOther
	// ReasonWeather: delayed by weather or a natural event.
	ReasonWeather
	// ReasonCustoms: held or delayed in customs clearance.
	ReasonCustoms
	// ReasonCarrierDelay: delayed by the carrier's own processing (sorting
	// error, missed connection, vehicle, capacity, late flight, misroute).
	ReasonCarrierDelay
	// ReasonAddressProblem: incorrect, incomplete or undeliverable address.
	ReasonAddressProblem
	// ReasonRecipientUnavailable: nobody to receive it, business closed,
	// no access.
	ReasonRecipientUnavailable
	// ReasonRecipientMoved: the recipient moved.
	ReasonRecipientMoved
	// ReasonRefused: the recipient refused the parcel.
	ReasonRefused
	// ReasonHeldForPayment: duties, taxes or fees must be paid first.
	ReasonHeldForPayment
	// ReasonDocumentsMissing: missing or incorrect shipping documents.
	ReasonDocumentsMissing
	// ReasonDamaged: the parcel was damaged.
	ReasonDamaged
	// ReasonLost: the carrier has lost the parcel.
	ReasonLost
	// ReasonCancelled: the shipment was cancelled or its label voided.
	ReasonCancelled
	// ReasonDisposed: the parcel was destroyed or disposed of (seized,
	// prohibited contents).
	ReasonDisposed
	// ReasonReturning: on its way back to the sender.
	ReasonReturning
	// ReasonReturned: received back by the sender.
	ReasonReturned
	// ReasonPickupMissed: the carrier missed the pickup, or the recipient
	// did not collect in time.
	ReasonPickupMissed
	// ReasonDeliveredToNeighbour: delivered to a neighbour.
	ReasonDeliveredToNeighbour
	// ReasonDeliveredToLocker: delivered to a parcel locker.
	ReasonDeliveredToLocker
	// ReasonDeliveredToAccessPoint: delivered to an access point, post
	// office or other collection location.
	ReasonDeliveredToAccessPoint
	// ReasonPickedUpByRecipient: the recipient collected it.
	ReasonPickedUpByRecipient
	// ReasonSignedFor: delivered and signed for.
	ReasonSignedFor

	numReasons = int(ReasonSignedFor) + 1
)

var reasonNames = [numReasons]string{
	ReasonNone:                   "none",
	ReasonOther:                  "other",
	ReasonWeather:                "weather",
	ReasonCustoms:                "customs",
	ReasonCarrierDelay:           "carrier_delay",
	ReasonAddressProblem:         "address_problem",
	ReasonRecipientUnavailable:   "recipient_unavailable",
	ReasonRecipientMoved:         "recipient_moved",
	ReasonRefused:                "refused",
	ReasonHeldForPayment:         "held_for_payment",
	ReasonDocumentsMissing:       "documents_missing",
	ReasonDamaged:                "damaged",
	ReasonLost:                   "lost",
	ReasonCancelled:              "cancelled",
	ReasonDisposed:               "disposed",
	ReasonReturning:              "returning",
	ReasonReturned:               "returned",
	ReasonPickupMissed:           "pickup_missed",
	ReasonDeliveredToNeighbour:   "delivered_to_neighbour",
	ReasonDeliveredToLocker:      "delivered_to_locker",
	ReasonDeliveredToAccessPoint: "delivered_to_access_point",
	ReasonPickedUpByRecipient:    "picked_up_by_recipient",
	ReasonSignedFor:              "signed_for",
}

// Reasons returns every defined Reason in declaration order.
func Reasons() []Reason {
	r := make([]Reason, numReasons)
	for i := range r {
		r[i] = Reason(i)
	}
	return r
}

// String returns the reason's stable lower-case name, such as "weather".
func (r Reason) String() string {
	if int(r) < numReasons {
		return reasonNames[r]
	}
	return reasonNames[ReasonOther]
}

// Valid reports whether r is one of the defined reasons.
func (r Reason) Valid() bool { return int(r) < numReasons }

// ParseReason returns the Reason whose String is name (case-insensitive, '-'
// and ' ' accepted for '_'). ok is false, and the Reason is ReasonOther, for
// a name it does not know; the empty string is ReasonNone.
func ParseReason(name string) (r Reason, ok bool) {
	if name == "" {
		return ReasonNone, true
	}
	key := normalizeName(name)
	for i, n := range reasonKeys {
		if n == key {
			return Reason(i), true
		}
	}
	return ReasonOther, false
}

// MarshalText implements encoding.TextMarshaler.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. Unknown names decode to
// ReasonOther without error.
func (r *Reason) UnmarshalText(b []byte) error {
	*r, _ = ParseReason(string(b))
	return nil
}

// UnmarshalJSON accepts a JSON string or null; see UnmarshalText.
func (r *Reason) UnmarshalJSON(b []byte) error {
	return unmarshalEnumJSON(b, "reason", r.UnmarshalText)
}

// unmarshalEnumJSON decodes a JSON string or null and hands the text to set.
func unmarshalEnumJSON(b []byte, what string, set func([]byte) error) error {
	if string(b) == "null" {
		return set(nil)
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &DecodeError{Path: what, Err: err}
	}
	return set([]byte(s))
}
