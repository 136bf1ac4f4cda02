package dhl

import (
	"strings"

	"github.com/postpurchase/postpurchase/carriers"
)

// mapping is a normalized status and reason for a carrier code.
type mapping struct {
	status carriers.Status
	reason carriers.Reason
}

// statusCodes maps the simplified statusCode of a shipment's status and
// events.
//
// Origin: DHL Shipment Tracking – Unified OpenAPI v1.3.1 (vendored by
// netzoio/netzo, service-openapi-dhl-shipment-tracking-unified), enum
// statusCode: pre-transit (awaiting shipment), transit (accepted or picked
// up, on the way), delivered, failure (not delivered: doorbell, moved,
// address; or an unforeseen event: customs, expired at the service point,
// returned), unknown (no simplified code) — see
// ../shared/reference/carriers.md §b DHL.
var statusCodes = map[string]mapping{
	"pre-transit": {carriers.StatusInfoReceived, carriers.ReasonNone},
	"transit":     {carriers.StatusInTransit, carriers.ReasonNone},
	"delivered":   {carriers.StatusDelivered, carriers.ReasonNone},
	"failure":     {carriers.StatusException, carriers.ReasonOther},
	"unknown":     {carriers.StatusUnknown, carriers.ReasonNone},
}

// parcelDECodes maps the short event codes that Post & Parcel Germany
// (service parcel-de) sends in the status field since 2024-04-29 (the
// former text moved to remark).
//
// Origin: DHL's status_1.csv (developer.dhl.com/sites/default/files/
// 2024-10/status_1.csv), rows for parcel-de, as quoted by
// kreuzhofer/omarchy-shipment-tracker docs/research/dhl-official-apis.md
// and ../shared/reference/carriers.md §b DHL (secondary: the CSV itself was
// not retrieved). DD (data service) and GT (money transfer) say nothing of
// where the parcel is and map to StatusUnknown on purpose.
var parcelDECodes = map[string]mapping{
	"VA": {carriers.StatusInfoReceived, carriers.ReasonNone},       // electronic pre-advice
	"ES": {carriers.StatusInTransit, carriers.ReasonNone},          // first processed by DHL
	"AA": {carriers.StatusInTransit, carriers.ReasonNone},          // departed
	"EE": {carriers.StatusInTransit, carriers.ReasonNone},          // arrived
	"NB": {carriers.StatusInTransit, carriers.ReasonNone},          // normal processing
	"AE": {carriers.StatusInTransit, carriers.ReasonNone},          // picked up from the sender
	"ZO": {carriers.StatusInTransit, carriers.ReasonNone},          // customs
	"PO": {carriers.StatusOutForDelivery, carriers.ReasonNone},     // in delivery
	"LA": {carriers.StatusAvailableForPickup, carriers.ReasonNone}, // in storage, awaiting pickup
	"ZF": {carriers.StatusAvailableForPickup, carriers.ReasonNone}, // at agency, post office or Packstation
	"ZN": {carriers.StatusAttemptFail, carriers.ReasonNone},        // delivery attempt not successful
	"ZU": {carriers.StatusDelivered, carriers.ReasonNone},          // delivered
	"AN": {carriers.StatusException, carriers.ReasonPickupMissed},  // pickup from the sender failed
	"BV": {carriers.StatusException, carriers.ReasonOther},         // exception
	"DD": {carriers.StatusUnknown, carriers.ReasonNone},            // data service
	"GT": {carriers.StatusUnknown, carriers.ReasonNone},            // money transfer
}

// parcelDECauses holds the parcel-de codes whose text names a cause although
// their own status is a normal one: when DHL's statusCode "failure" says
// the event went wrong, the cause is the reason.
var parcelDECauses = map[string]carriers.Reason{
	"ZO": carriers.ReasonCustoms, // customs
}

// classify maps one DHL status object (a shipment's status or an event):
// the parcel-de short code in status when there is one, else statusCode.
// returned is the shipment's returnFlag: DHL shows a shipment returned to
// its sender as statusCode delivered with returnFlag true (DHL support
// article 47001251916), so a delivery of a returned shipment is
// StatusReturnToSender/ReasonReturned. statusCode "failure" is DHL's
// coarse verdict: it makes a parcel-de code that only says the parcel is
// moving an exception, with the cause that code names (see
// parcelDECauses), so neither the failure nor the cause is lost. code is
// the raw code to keep.
func classify(e *event, returned bool) (m mapping, code string) {
	if e == nil {
		return mapping{}, ""
	}
	sc := strings.ToLower(e.StatusCode.Trim())
	short := strings.ToUpper(e.Status.Trim())
	if pm, ok := parcelDECodes[short]; ok {
		m, code = pm, short
		if sc == "failure" && (m.status == carriers.StatusInfoReceived || m.status == carriers.StatusInTransit || m.status == carriers.StatusOutForDelivery) {
			m = mapping{carriers.StatusException, carriers.ReasonOther}
			if c, ok := parcelDECauses[short]; ok {
				m.reason = c
			}
		}
	} else {
		m, code = statusCodes[sc], e.StatusCode.Trim()
		if isShortCode(short) {
			// A parcel-de code this table does not know: keep it as the
			// raw code; the status comes from statusCode.
			code = short
		}
	}
	if returned && m.status == carriers.StatusDelivered {
		m = mapping{carriers.StatusReturnToSender, carriers.ReasonReturned}
	}
	return m, code
}

// isShortCode reports whether s looks like a parcel-de event code: two
// upper-case ASCII letters.
func isShortCode(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}
