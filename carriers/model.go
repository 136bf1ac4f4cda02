package carriers

import (
	"encoding/json"
	"time"
)

// Event is one normalized carrier scan or status update.
type Event struct {
	// Time is when the event happened, with the offset the carrier gave (or
	// could be derived), so a local time stays local. Compare with
	// time.Time.Equal/Before, not ==.
	Time time.Time `json:"time"`
	// ZoneUnknown is true when the carrier gave a local wall-clock time
	// with no offset and none could be derived: Time then holds that wall
	// clock in UTC and may be off by the destination's UTC offset. Nothing
	// pretends such a time is UTC silently.
	ZoneUnknown bool `json:"zone_unknown,omitempty"`
	// Status is the normalized status of this event.
	Status Status `json:"status"`
	// Reason refines Status (why an exception, how a delivery).
	Reason Reason `json:"reason,omitempty"`
	// Code is the carrier's own event or status code, verbatim ("OF",
	// "011", "DL"); kept even when it maps to StatusUnknown.
	Code string `json:"code,omitempty"`
	// Description is the carrier's human-readable text for the event.
	Description string `json:"description,omitempty"`
	// Location is where the event happened, as far as the carrier says.
	Location Location `json:"location,omitzero"`
}

// Location is a place as carriers report it. Every field is optional.
type Location struct {
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`       // state, province or region
	PostalCode string `json:"postal_code,omitempty"` // ZIP or postal code
	Country    string `json:"country,omitempty"`     // ISO 3166-1 alpha-2 where known
}

// IsZero reports whether no field of the location is set.
func (l Location) IsZero() bool { return l == Location{} }

// String formats the location as "City, ST 12345, US", skipping empty parts.
func (l Location) String() string {
	out := l.City
	add := func(sep, s string) {
		if s == "" {
			return
		}
		if out != "" {
			out += sep
		}
		out += s
	}
	add(", ", l.State)
	add(" ", l.PostalCode)
	add(", ", l.Country)
	return out
}

// EstimateSource says where a delivery estimate came from.
type EstimateSource string

// Sources of a delivery estimate.
const (
	// EstimateScheduled: the carrier's first scheduled delivery date.
	EstimateScheduled EstimateSource = "scheduled"
	// EstimateRescheduled: the carrier moved its estimate.
	EstimateRescheduled EstimateSource = "rescheduled"
	// EstimateCarrier: an estimate or window from the carrier with no
	// further qualification.
	EstimateCarrier EstimateSource = "carrier"
	// EstimateGuaranteed: a delivery commitment the carrier guarantees.
	EstimateGuaranteed EstimateSource = "guaranteed"
)

// Estimate is an expected delivery window. A single expected date is a
// window whose Start and End are the same day (End may carry the end of day
// when the carrier gave only a date).
type Estimate struct {
	// Start and End bound the window. End is never before Start.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// DateOnly is true when the carrier gave only a calendar date: use
	// Start's year, month and day and ignore its clock.
	DateOnly bool `json:"date_only,omitempty"`
	// ZoneUnknown is true when the carrier gave a local time with no
	// offset; see Event.ZoneUnknown.
	ZoneUnknown bool `json:"zone_unknown,omitempty"`
	// Source says where the estimate came from.
	Source EstimateSource `json:"source"`
}

// Tracking is what a carrier knows about one package: the normalized result
// of a Track call or of a parsed webhook payload.
type Tracking struct {
	// Carrier is the Code of the carrier that produced this result.
	Carrier string `json:"carrier"`
	// TrackingNumber is the tracking number as the carrier reports it.
	TrackingNumber string `json:"tracking_number"`
	// Service is the carrier's service or product name, if known.
	Service string `json:"service,omitempty"`
	// Status and Reason are the current normalized state. Adapters set them
	// from the carrier's current-status field when it has one, else from
	// the newest event.
	Status Status `json:"status"`
	Reason Reason `json:"reason,omitempty"`
	// Events are the scans, newest first. May be empty (label just
	// created, or a push payload that carries only the current status).
	Events []Event `json:"events,omitempty"`
	// Estimate is the carrier's expected delivery window, nil if none.
	Estimate *Estimate `json:"estimate,omitempty"`
	// DeliveredAt is when it was delivered; the zero time if not delivered.
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// DeliveredZoneUnknown is true when the carrier gave the delivery time
	// as a local wall clock with no offset and none could be derived; see
	// Event.ZoneUnknown.
	DeliveredZoneUnknown bool `json:"delivered_zone_unknown,omitempty"`
	// SignedBy is who signed for or received the package, if the carrier
	// says. It is personal data: do not log it.
	SignedBy string `json:"signed_by,omitempty"`
	// Raw is the carrier's own JSON for this package, for anything the
	// normalized model does not carry. It may be nil (the simulator).
	Raw json.RawMessage `json:"raw,omitempty"`
}

// Latest returns the newest event and true, or the zero Event and false if
// there are none.
func (t *Tracking) Latest() (Event, bool) {
	if t == nil || len(t.Events) == 0 {
		return Event{}, false
	}
	return t.Events[0], true
}
