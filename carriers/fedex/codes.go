package fedex

import (
	"strings"

	"github.com/postpurchase/postpurchase/carriers"
)

// mapping is a normalized status and reason for a carrier code.
type mapping struct {
	status carriers.Status
	reason carriers.Reason
}

// eventTypes maps scanEvents[].eventType (and latestStatusDetail.code).
//
// Origin: FedEx "Tracking Status Codes" page, vendored by karrio in
// modules/connectors/fedex/vendor/Tracking-Status-Codes.html (commit
// deea10f8568b), as summarised in ../shared/reference/carriers.md §b FedEx:
// the "Movement" and "Regulatory" tables, plus AE (arriving early), seen in
// real data. Where a 2-letter code has two meanings (EA, CA, RC, SP) the
// movement meaning is used: eventType is a movement code, and the
// possession codes (CA Carrier, RC Recipient, SH, CU, BR, TP) are not
// eventTypes. The return-label codes RP, LP, RG and RD report on a return
// label, not on where the parcel is, and map to StatusUnknown on purpose.
// RS is handled in classify (a return delivered back to the shipper arrives
// as RS with derivedStatusCode DL).
var eventTypes = map[string]mapping{
	"AA": {carriers.StatusInTransit, carriers.ReasonNone},           // At Airport
	"AC": {carriers.StatusInTransit, carriers.ReasonNone},           // At Canada Post facility
	"AD": {carriers.StatusInTransit, carriers.ReasonNone},           // At Delivery
	"AE": {carriers.StatusInTransit, carriers.ReasonNone},           // Shipment arriving early (real data)
	"AF": {carriers.StatusInTransit, carriers.ReasonNone},           // At local FedEx Facility
	"AO": {carriers.StatusInTransit, carriers.ReasonNone},           // Shipment arriving On-time
	"AP": {carriers.StatusInfoReceived, carriers.ReasonNone},        // At Pickup (not yet picked up)
	"AR": {carriers.StatusInTransit, carriers.ReasonNone},           // Arrived at FedEx location
	"AX": {carriers.StatusInTransit, carriers.ReasonNone},           // At USPS facility
	"CA": {carriers.StatusException, carriers.ReasonCancelled},      // Shipment Cancelled
	"CC": {carriers.StatusInTransit, carriers.ReasonNone},           // Cleared Customs
	"CD": {carriers.StatusException, carriers.ReasonCustoms},        // Clearance Delay
	"CH": {carriers.StatusInTransit, carriers.ReasonNone},           // Location Changed
	"CP": {carriers.StatusInTransit, carriers.ReasonNone},           // Clearance in Progress
	"DD": {carriers.StatusException, carriers.ReasonCarrierDelay},   // Delivery Delay
	"DE": {carriers.StatusException, carriers.ReasonOther},          // Delivery Exception (exceptionCode refines)
	"DL": {carriers.StatusDelivered, carriers.ReasonNone},           // Delivered
	"DP": {carriers.StatusInTransit, carriers.ReasonNone},           // Departed
	"DR": {carriers.StatusInTransit, carriers.ReasonNone},           // Vehicle furnished but not used
	"DS": {carriers.StatusInfoReceived, carriers.ReasonNone},        // Vehicle Dispatched (to pick up)
	"DY": {carriers.StatusException, carriers.ReasonCarrierDelay},   // Delay
	"EA": {carriers.StatusInTransit, carriers.ReasonNone},           // Enroute to Airport / Export Approved
	"ED": {carriers.StatusInTransit, carriers.ReasonNone},           // Enroute to Delivery
	"EO": {carriers.StatusInTransit, carriers.ReasonNone},           // Enroute to Origin Airport
	"EP": {carriers.StatusInfoReceived, carriers.ReasonNone},        // Enroute to Pickup
	"FD": {carriers.StatusInTransit, carriers.ReasonNone},           // At FedEx Destination
	"HL": {carriers.StatusAvailableForPickup, carriers.ReasonNone},  // Hold at Location
	"HP": {carriers.StatusAvailableForPickup, carriers.ReasonNone},  // Ready for Recipient Pickup
	"IT": {carriers.StatusInTransit, carriers.ReasonNone},           // In Transit
	"IX": {carriers.StatusInTransit, carriers.ReasonNone},           // In transit (see Details)
	"LO": {carriers.StatusInTransit, carriers.ReasonNone},           // Left Origin
	"OC": {carriers.StatusInfoReceived, carriers.ReasonNone},        // Order Created / shipment information sent
	"OD": {carriers.StatusOutForDelivery, carriers.ReasonNone},      // Out for Delivery
	"OF": {carriers.StatusInTransit, carriers.ReasonNone},           // At FedEx origin facility
	"OW": {carriers.StatusInTransit, carriers.ReasonNone},           // On the way ("Ow" in the table)
	"OX": {carriers.StatusInTransit, carriers.ReasonNone},           // Shipment information sent to USPS
	"PD": {carriers.StatusException, carriers.ReasonPickupMissed},   // Pickup Delay (not picked up yet: not possession)
	"PF": {carriers.StatusInTransit, carriers.ReasonNone},           // Plane in Flight
	"PL": {carriers.StatusInTransit, carriers.ReasonNone},           // Plane Landed
	"PM": {carriers.StatusInTransit, carriers.ReasonNone},           // In Progress
	"PU": {carriers.StatusInTransit, carriers.ReasonNone},           // Picked Up
	"PX": {carriers.StatusInTransit, carriers.ReasonNone},           // Picked up (see Details)
	"RC": {carriers.StatusInTransit, carriers.ReasonNone},           // CDO cancelled
	"RM": {carriers.StatusInTransit, carriers.ReasonNone},           // CDO modified
	"RR": {carriers.StatusInTransit, carriers.ReasonNone},           // CDO requested
	"RS": {carriers.StatusReturnToSender, carriers.ReasonReturning}, // Return to Shipper (see classify)
	"RP": {carriers.StatusUnknown, carriers.ReasonNone},             // Return label link emailed
	"LP": {carriers.StatusUnknown, carriers.ReasonNone},             // Return label link cancelled
	"RG": {carriers.StatusUnknown, carriers.ReasonNone},             // Return label link expiring
	"RD": {carriers.StatusUnknown, carriers.ReasonNone},             // Return label link expired
	"SE": {carriers.StatusException, carriers.ReasonOther},          // Shipment Exception (exceptionCode refines)
	"SF": {carriers.StatusInTransit, carriers.ReasonNone},           // At Sort Facility
	"SP": {carriers.StatusInTransit, carriers.ReasonNone},           // Split Status
	"TR": {carriers.StatusInTransit, carriers.ReasonNone},           // Transfer
}

// eventCauses holds the event types whose text names a cause although their
// own status is a normal one: when a delay with no specific type ("LOCAL",
// "GENERAL") makes such an event an exception, the cause is the reason.
// "CC" (Cleared Customs) reports the end of a hold and names no cause.
var eventCauses = map[string]carriers.Reason{
	"CP": carriers.ReasonCustoms, // Clearance in Progress
}

// derivedCodes maps scanEvents[].derivedStatusCode and
// latestStatusDetail.derivedCode, FedEx's coarse status, used when the
// eventType is missing or not in eventTypes.
//
// Origin: the derived codes seen in FedEx responses (reference notes §b
// FedEx, "Seen in real data": IN label created, RL running late; the
// fixtures: PU, IT, DL) and the movement codes of the same names above.
// DL is deliberately absent: a derived DL on an unknown eventType is not
// proof of delivery to the consignee (a return arrives as RS + DL), so it
// stays StatusUnknown with the raw code kept.
var derivedCodes = map[string]mapping{
	"IN": {carriers.StatusInfoReceived, carriers.ReasonNone},        // Initiated / Label created
	"PU": {carriers.StatusInTransit, carriers.ReasonNone},           // Picked up
	"IT": {carriers.StatusInTransit, carriers.ReasonNone},           // In transit
	"OD": {carriers.StatusOutForDelivery, carriers.ReasonNone},      // Out for delivery
	"DE": {carriers.StatusException, carriers.ReasonOther},          // Delivery exception
	"SE": {carriers.StatusException, carriers.ReasonOther},          // Shipment exception
	"DY": {carriers.StatusException, carriers.ReasonCarrierDelay},   // Delay
	"DD": {carriers.StatusException, carriers.ReasonCarrierDelay},   // Delivery delay
	"RL": {carriers.StatusException, carriers.ReasonCarrierDelay},   // Running late (real data)
	"CA": {carriers.StatusException, carriers.ReasonCancelled},      // Cancelled
	"HL": {carriers.StatusAvailableForPickup, carriers.ReasonNone},  // Hold at location
	"HP": {carriers.StatusAvailableForPickup, carriers.ReasonNone},  // Ready for pickup
	"RS": {carriers.StatusReturnToSender, carriers.ReasonReturning}, // Return to shipper
}

// exceptionCode is what a FedEx exception code adds to an event.
type exceptionCode struct {
	reason carriers.Reason
	// attempt: the code reports a failed delivery attempt, so a
	// Delivery/Shipment Exception event is an AttemptFail.
	attempt bool
	// delay: the code reports a delay, so an otherwise normal event is an
	// Exception with reason.
	delay bool
}

// exceptionCodes maps scanEvents[].exceptionCode and
// latestStatusDetail.ancillaryDetails[].reason.
//
// Origin: the codes with their FedEx texts seen in real data and in the
// FedEx OpenAPI example (reference notes §b FedEx): 08 / 007 / 15 customer
// not available or business closed, A47 redirected to a nearby FedEx
// location, A52 package delayed, A3 tendered at a FedEx facility
// (informational), A25 available for clearance. Codes not listed keep the
// event's own mapping.
var exceptionCodes = map[string]exceptionCode{
	"08":  {reason: carriers.ReasonRecipientUnavailable, attempt: true},
	"007": {reason: carriers.ReasonRecipientUnavailable, attempt: true},
	"15":  {reason: carriers.ReasonRecipientUnavailable, attempt: true},
	"A47": {reason: carriers.ReasonOther},
	"A52": {reason: carriers.ReasonCarrierDelay, delay: true},
	"A3":  {reason: carriers.ReasonNone},
	"A25": {reason: carriers.ReasonCustoms},
}

// delayTypes maps delayDetail.type when delayDetail.status is DELAYED.
//
// Origin: FedEx OpenAPI schema DelayDetail (karrio vendor/track.json):
// type WEATHER | OPERATIONAL | LOCAL | GENERAL | CLEARANCE, status
// DELAYED | ON_TIME | EARLY.
var delayTypes = map[string]carriers.Reason{
	"WEATHER":     carriers.ReasonWeather,
	"OPERATIONAL": carriers.ReasonCarrierDelay,
	"LOCAL":       carriers.ReasonOther,
	"GENERAL":     carriers.ReasonOther,
	"CLEARANCE":   carriers.ReasonCustoms,
}

// classify maps one FedEx status (an event's eventType, derivedStatusCode,
// exceptionCode and delayDetail, or the same fields of latestStatusDetail)
// to a normalized status and reason. Unknown codes yield StatusUnknown;
// callers keep the raw code. A reason one of the fields names is never lost
// to a coarser one: an exception or failed attempt whose reason is none or
// "other" takes the exceptionCode's reason, else the event type's cause
// (see eventCauses).
func classify(eventType, derived, exception string, delay *delayDetail) mapping {
	eventType = strings.ToUpper(eventType)
	derived = strings.ToUpper(derived)
	m, ok := eventTypes[eventType]
	switch {
	case eventType == "RS" || (!ok && derived == "RS"):
		// A return: on its way back, or (derived DL) delivered back to
		// the shipper.
		m = mapping{carriers.StatusReturnToSender, carriers.ReasonReturning}
		if derived == "DL" {
			m.reason = carriers.ReasonReturned
		}
	case ok:
	default:
		m = derivedCodes[derived] // zero mapping (StatusUnknown) if absent
	}

	if x, known := exceptionCodes[strings.ToUpper(exception)]; known {
		switch {
		case x.attempt && m.status == carriers.StatusException:
			m = mapping{carriers.StatusAttemptFail, x.reason}
		case x.delay && delayable(m.status):
			m = mapping{carriers.StatusException, x.reason}
		}
	}
	if delay != nil && strings.EqualFold(delay.Status.Trim(), "DELAYED") && delayable(m.status) {
		r, known := delayTypes[strings.ToUpper(delay.Type.Trim())]
		if !known {
			r = carriers.ReasonOther
		}
		m = mapping{carriers.StatusException, r}
	}
	if (m.status == carriers.StatusException || m.status == carriers.StatusAttemptFail) && vague(m.reason) {
		x := exceptionCodes[strings.ToUpper(exception)]
		c, caused := eventCauses[eventType]
		switch {
		case !vague(x.reason):
			m.reason = x.reason
		case caused:
			m.reason = c
		case x.reason != carriers.ReasonNone:
			m.reason = x.reason
		}
	}
	return m
}

// vague reports whether r says nothing specific.
func vague(r carriers.Reason) bool { return r == carriers.ReasonNone || r == carriers.ReasonOther }

// delayable reports whether a delay turns status into an exception: only
// states in which the parcel is still on its way.
func delayable(s carriers.Status) bool {
	return s == carriers.StatusInfoReceived || s == carriers.StatusInTransit || s == carriers.StatusOutForDelivery
}

// errorCodes maps FedEx error codes (top-level errors[].code and
// trackResults[].error.code) to sentinels.
//
// Origin: FedEx OpenAPI error examples and real fixtures (reference notes
// §b FedEx "Errors"): TRACKING.TRACKINGNUMBER.EMPTY (400),
// NOT.AUTHORIZED.ERROR (401, token expired), BAD.REQUEST.ERROR (400, "The
// given JWT is invalid": a refused token, not a bad number), FORBIDDEN.ERROR (403),
// NOT.FOUND.ERROR (404), INTERNAL.SERVER.ERROR (500),
// SERVICE.UNAVAILABLE.ERROR (503), VALIDATION.ERRCD.WSPOD ("try again
// later"), per-number TRACKING.TRACKINGNUMBER.NOTFOUND, alert
// TRACKING.DATA.NOTFOUND.
var errorCodes = map[string]error{
	"NOT.AUTHORIZED.ERROR":             carriers.ErrUnauthorized,
	"FORBIDDEN.ERROR":                  carriers.ErrUnauthorized,
	"BAD.REQUEST.ERROR":                carriers.ErrUnauthorized,
	"TRACKING.TRACKINGNUMBER.EMPTY":    carriers.ErrInvalidNumber,
	"TRACKING.TRACKINGNUMBER.INVALID":  carriers.ErrInvalidNumber,
	"NOT.FOUND.ERROR":                  carriers.ErrNotFound,
	"TRACKING.TRACKINGNUMBER.NOTFOUND": carriers.ErrNotFound,
	"TRACKING.DATA.NOTFOUND":           carriers.ErrNotFound,
	"INTERNAL.SERVER.ERROR":            carriers.ErrUnavailable,
	"SERVICE.UNAVAILABLE.ERROR":        carriers.ErrUnavailable,
	"VALIDATION.ERRCD.WSPOD":           carriers.ErrUnavailable,
}

// sentinelForCode returns the sentinel of a FedEx error code and whether the
// code is known.
func sentinelForCode(code string) (error, bool) {
	err, ok := errorCodes[strings.ToUpper(strings.TrimSpace(code))]
	return err, ok
}
