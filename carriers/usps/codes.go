package usps

import (
	"strings"

	"github.com/postpurchase/postpurchase/carriers"
)

// mapping is the normalized meaning of one USPS code.
type mapping struct {
	Status carriers.Status
	Reason carriers.Reason
}

// eventCodes maps trackingEvents[].eventCode. Origin:
// shared/reference/carriers.md, "eventCode values seen in real data" (01,
// 03, 07, 10, A1, AD, T1, TL, SF, OF, GX, MA, 80/81/82, from USPS v3
// responses) and the legacy codes of the Perl USPS::WebTools::Tracking::Codes
// module it cites (02/52–56 notice left, 04 refused, 05 undeliverable, 06
// forwarded, 08 missent, 09 return to sender, 11 dead letter, 14/16 pickup,
// 17/43 picked up, 21–29/31 return reasons, 30 no access, 44 recall, 51
// business closed, 71 rescheduled, DX, EF). USPS Publication 199 Appendix
// G-4, the authoritative list, was not available; codes not here map to
// carriers.StatusUnknown and are kept verbatim.
//
// A return names its cause where USPS's text does (21–27, 31: address
// problem, recipient moved, not collected); the other returns are
// ReasonReturning.
var eventCodes = map[string]mapping{
	"01": {carriers.StatusDelivered, 0},                                     // Delivered
	"02": {carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable}, // Notice Left
	"03": {carriers.StatusInTransit, 0},                                     // USPS in possession of item
	"04": {carriers.StatusException, carriers.ReasonRefused},                // Refused
	"05": {carriers.StatusException, carriers.ReasonAddressProblem},         // Undeliverable as Addressed
	"06": {carriers.StatusInTransit, 0},                                     // Forwarded
	"07": {carriers.StatusInTransit, 0},                                     // Arrived at Post Office
	"08": {carriers.StatusException, carriers.ReasonCarrierDelay},           // Missent
	"09": {carriers.StatusReturnToSender, carriers.ReasonReturning},         // Return to Sender
	"10": {carriers.StatusInTransit, 0},                                     // Arrived at USPS Regional (Origin) Facility
	"11": {carriers.StatusException, carriers.ReasonOther},                  // Dead Letter
	"14": {carriers.StatusAvailableForPickup, 0},                            // Arrival at Pickup Point
	"16": {carriers.StatusAvailableForPickup, 0},                            // Available for Pickup
	"17": {carriers.StatusDelivered, carriers.ReasonPickedUpByRecipient},    // Picked Up By Agent
	"21": {carriers.StatusReturnToSender, carriers.ReasonAddressProblem},    // No Such Number
	"22": {carriers.StatusReturnToSender, carriers.ReasonAddressProblem},    // Insufficient Address
	"23": {carriers.StatusReturnToSender, carriers.ReasonRecipientMoved},    // Moved, Left No Address
	"24": {carriers.StatusReturnToSender, carriers.ReasonRecipientMoved},    // Forward Expired
	"25": {carriers.StatusReturnToSender, carriers.ReasonAddressProblem},    // Addressee Unknown
	"26": {carriers.StatusReturnToSender, carriers.ReasonRecipientMoved},    // Vacant
	"27": {carriers.StatusReturnToSender, carriers.ReasonPickupMissed},      // Unclaimed
	"28": {carriers.StatusReturnToSender, carriers.ReasonReturning},         // Deceased
	"29": {carriers.StatusReturnToSender, carriers.ReasonReturning},         // Return to Sender: Other
	"30": {carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable}, // No Access
	"31": {carriers.StatusReturnToSender, carriers.ReasonPickupMissed},      // Return to Sender: Not Picked Up
	"43": {carriers.StatusDelivered, carriers.ReasonPickedUpByRecipient},    // Picked Up
	"44": {carriers.StatusReturnToSender, carriers.ReasonReturning},         // Customer Recall
	"51": {carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable}, // Business Closed
	"52": {carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable}, // Notice Left (variant)
	"53": {carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable}, // Notice Left (variant)
	"54": {carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable}, // Notice Left (variant)
	"55": {carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable}, // Notice Left (variant)
	"56": {carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable}, // Notice Left (variant)
	"71": {carriers.StatusException, carriers.ReasonCarrierDelay},           // Rescheduled to Next Delivery Day
	"80": {carriers.StatusInTransit, 0},                                     // Picked Up by Shipping Partner
	"81": {carriers.StatusInTransit, 0},                                     // Arrived at Shipping Partner Facility
	"82": {carriers.StatusInTransit, 0},                                     // Departed Shipping Partner Facility
	"A1": {carriers.StatusInTransit, 0},                                     // Arrived at USPS Regional Facility
	"AD": {carriers.StatusInTransit, 0},                                     // Accepted at USPS Regional Destination Facility
	"DX": {carriers.StatusUnknown, 0},                                       // Delivery Status Not Updated
	"EF": {carriers.StatusInTransit, 0},                                     // Departed Sort Facility
	"GX": {carriers.StatusInfoReceived, 0},                                  // Shipping Label Created, USPS Awaiting Item
	"MA": {carriers.StatusInfoReceived, 0},                                  // Pre-Shipment, USPS Awaiting Item
	"OF": {carriers.StatusOutForDelivery, 0},                                // Out for Delivery
	"SF": {carriers.StatusInTransit, 0},                                     // Departed Post Office
	"T1": {carriers.StatusInTransit, 0},                                     // Departed USPS Regional Facility
	"TL": {carriers.StatusInTransit, 0},                                     // In Transit to Next Facility
}

// statusCategories maps the response's statusCategory, the current state.
// Origin: values seen in real v3 responses ("Delivered", "Moving Through
// Network", "Accepted") and the categories of USPS's public tracking page
// ("Pre-Shipment", "Out for Delivery", "Available for Pickup", "Delivery
// Attempt", "Alert", "Return to Sender"). Compared case-insensitively.
var statusCategories = map[string]mapping{
	"delivered":              {carriers.StatusDelivered, 0},
	"moving through network": {carriers.StatusInTransit, 0},
	"in transit":             {carriers.StatusInTransit, 0},
	"accepted":               {carriers.StatusInTransit, 0},
	"pre-shipment":           {carriers.StatusInfoReceived, 0},
	"out for delivery":       {carriers.StatusOutForDelivery, 0},
	"available for pickup":   {carriers.StatusAvailableForPickup, 0},
	"delivery attempt":       {carriers.StatusAttemptFail, 0},
	"alert":                  {carriers.StatusException, carriers.ReasonOther},
	"return to sender":       {carriers.StatusReturnToSender, carriers.ReasonReturning},
}

// deliveredReason refines a delivery from USPS's wording ("Delivered,
// Parcel Locker", "Delivered, Individual Picked Up at Post Office").
func deliveredReason(text string) carriers.Reason {
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "parcel locker"):
		return carriers.ReasonDeliveredToLocker
	case strings.Contains(t, "picked up at post office"), strings.Contains(t, "picked up at postal facility"):
		return carriers.ReasonPickedUpByRecipient
	case strings.Contains(t, "left with individual"):
		return carriers.ReasonSignedFor
	case strings.Contains(t, "neighbor"), strings.Contains(t, "neighbour"):
		return carriers.ReasonDeliveredToNeighbour
	}
	return 0
}

// toSender reports whether USPS's delivery wording says the parcel was
// delivered back to its sender ("Delivered, To Original Sender"): a return
// received by the shipper, not a delivery to the recipient.
func toSender(text string) bool {
	return strings.Contains(strings.ToLower(text), "sender")
}

// returned is the mapping of a delivery back to the sender.
var returned = mapping{carriers.StatusReturnToSender, carriers.ReasonReturned}

// classifyEvent maps one event's code (and, for deliveries, its wording).
func classifyEvent(code, eventType string) mapping {
	m := eventCodes[strings.ToUpper(strings.TrimSpace(code))]
	if m.Status == carriers.StatusDelivered && toSender(eventType) {
		return returned
	}
	if m.Status == carriers.StatusDelivered && m.Reason == 0 {
		m.Reason = deliveredReason(eventType)
	}
	return m
}
