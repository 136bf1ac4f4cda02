package tracking

import (
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// MilestoneKind is a step of a shipment's journey worth telling the
// customer about. Each is reached at most once per shipment.
type MilestoneKind uint8

// The milestones, in journey order. The zero value is not a milestone.
const (
	// MilestoneShipped: the carrier has the parcel (its first scan other
	// than label creation).
	MilestoneShipped MilestoneKind = iota + 1
	// MilestoneInTransit: the first in-transit scan.
	MilestoneInTransit
	// MilestoneOutForDelivery: the first out-for-delivery scan.
	MilestoneOutForDelivery
	// MilestoneAttemptFailed: the first failed delivery attempt.
	MilestoneAttemptFailed
	// MilestoneAvailableForPickup: first waiting at a counter or locker.
	MilestoneAvailableForPickup
	// MilestoneDelivered: the first delivery scan.
	MilestoneDelivered
	// MilestoneException: the first exception scan.
	MilestoneException
	// MilestoneReturnedToSender: the first return-to-sender scan.
	MilestoneReturnedToSender

	numMilestoneKinds = MilestoneReturnedToSender
)

var milestoneNames = [...]string{
	0:                           "none",
	MilestoneShipped:            "shipped",
	MilestoneInTransit:          "in_transit",
	MilestoneOutForDelivery:     "out_for_delivery",
	MilestoneAttemptFailed:      "attempt_failed",
	MilestoneAvailableForPickup: "available_for_pickup",
	MilestoneDelivered:          "delivered",
	MilestoneException:          "exception",
	MilestoneReturnedToSender:   "returned_to_sender",
}

// MilestoneKinds returns every milestone kind in journey order.
func MilestoneKinds() []MilestoneKind {
	out := make([]MilestoneKind, numMilestoneKinds)
	for i := range out {
		out[i] = MilestoneKind(i + 1)
	}
	return out
}

// String returns the kind's stable name, such as "out_for_delivery".
func (k MilestoneKind) String() string {
	if k >= 1 && k <= numMilestoneKinds {
		return milestoneNames[k]
	}
	return "none"
}

// MarshalText implements encoding.TextMarshaler.
func (k MilestoneKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; an unknown name is an
// error (a stored milestone must be one this package emitted).
func (k *MilestoneKind) UnmarshalText(b []byte) error {
	for i := MilestoneKind(1); i <= numMilestoneKinds; i++ {
		if milestoneNames[i] == string(b) {
			*k = i
			return nil
		}
	}
	return &DecodeError{Reason: "unknown milestone " + quote(string(b))}
}

// milestoneOf maps an event status to the milestone its first occurrence
// reaches (MilestoneShipped is decided separately).
func milestoneOf(s carriers.Status) MilestoneKind {
	switch s {
	case carriers.StatusInTransit:
		return MilestoneInTransit
	case carriers.StatusOutForDelivery:
		return MilestoneOutForDelivery
	case carriers.StatusAttemptFail:
		return MilestoneAttemptFailed
	case carriers.StatusAvailableForPickup:
		return MilestoneAvailableForPickup
	case carriers.StatusDelivered:
		return MilestoneDelivered
	case carriers.StatusException:
		return MilestoneException
	case carriers.StatusReturnToSender:
		return MilestoneReturnedToSender
	}
	return 0
}

// Milestone is a journey step reached. It is emitted once (in
// Changes.Milestones) and kept on the shipment.
//
// Delivery is at least once on the host's side: a host that crashes after
// notifying and before saving will see the milestone again on retry, with
// the same ID, so receivers de-duplicate on ID.
//
// ID is a pure function of the shipment's identity fields (ID, lower-case
// Carrier, normalized TrackingNumber, OrderID) and Kind only: "m" and 16
// hex digits of a 64-bit FNV-1a hash. It does not depend on event times
// (At may move earlier; the ID does not), survives JSON storage, and is
// the same on every replay, so a host may use it as an idempotency key
// and as a Klaviyo unique_id. Set the identity fields before the first
// Apply and never change them: a changed field gives new IDs.
type Milestone struct {
	// ID is stable (see above).
	ID string `json:"id"`
	// Kind is which milestone.
	Kind MilestoneKind `json:"kind"`
	// At is the time of the earliest event of this kind (it moves earlier
	// if an earlier such event arrives late; the ID does not change).
	At time.Time `json:"at"`
	// Event is that earliest event.
	Event carriers.Event `json:"event"`
}
