package hub

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// DefaultStrings returns the hub's English texts by key. Options.Strings
// overrides any of them: the keys are exactly these, and an override must
// keep the same {placeholders} (New refuses other keys and changed
// placeholders). Keys ending in a status, step, reason, delay kind or case
// state name ("status.in_transit", "claim.reason.damaged") follow the
// names of the carriers, tracking and postpurchase packages.
func DefaultStrings() map[string]string {
	return maps.Clone(defaultStrings)
}

var defaultStrings = map[string]string{
	"lang": "en",

	"title":          "Track your order",
	"home":           "Find another order",
	"support":        "Questions? We're here to help.",
	"support.email":  "Email us",
	"support.phone":  "Call us",
	"support.url":    "Help center",
	"logo.alt":       "{brand}",
	"skip":           "Skip to your order",
	"unavailable":    "We can't show this page right now. Please try again in a few minutes.",
	"ratelimited":    "Too many attempts. Please wait a minute and try again.",
	"badrequest":     "Something in the form was not right. Please try again.",
	"notfound.title": "We couldn't open this order",
	"notfound.body":  "The link may have expired or been copied incompletely. You can still find your order with its number.",

	"lookup.heading": "Find your order",
	"lookup.intro":   "Enter your order number and the email address or postcode you used at checkout.",
	"lookup.order":   "Order number",
	"lookup.contact": "Email or postcode",
	"lookup.submit":  "Find my order",
	"lookup.failed":  "We couldn't find an order with those details. Check the order number and try again.",

	"order.heading": "Order {order}",
	"order.placed":  "Placed {date}",
	"order.total":   "Order total",
	"order.address": "Delivering to",
	"order.city":    "Delivering to {place}",

	"verify.heading": "Confirm it's you",
	"verify.intro":   "Enter the email address or postcode from your order to see the delivery address and tracking number.",
	"verify.contact": "Email or postcode from your order",
	"verify.submit":  "Confirm",
	"verify.failed":  "That doesn't match this order. Check it and try again.",
	"verify.done":    "Thanks, you're confirmed. Details are now shown.",

	"shipment.heading":         "Package {n} of {count}",
	"shipment.carrier":         "Shipped with {carrier}",
	"shipment.tracking":        "Tracking number",
	"shipment.tracking_hidden": "Confirm it's you to see the tracking number.",
	"shipment.progress":        "Delivery progress",

	"status.unknown":              "Waiting for the carrier",
	"status.info_received":        "Label created, waiting for pickup",
	"status.in_transit":           "On its way",
	"status.out_for_delivery":     "Out for delivery today",
	"status.attempt_fail":         "Delivery attempted",
	"status.available_for_pickup": "Ready for pickup",
	"status.delivered":            "Delivered",
	"status.exception":            "Delayed",
	"status.return_to_sender":     "Returning to us",
	"status.expired":              "No recent updates",
	"status.lost":                 "Lost by the carrier",

	"reason.weather":                   "Held up by bad weather.",
	"reason.customs":                   "Waiting at customs.",
	"reason.carrier_delay":             "Held up at the carrier.",
	"reason.address_problem":           "The carrier needs a better address: contact us.",
	"reason.recipient_unavailable":     "Nobody was there to receive it; the carrier will try again.",
	"reason.recipient_moved":           "The carrier was told the recipient moved: contact us.",
	"reason.refused":                   "It was refused at delivery.",
	"reason.held_for_payment":          "Held until duties or fees are paid.",
	"reason.documents_missing":         "Customs needs documents: we're on it.",
	"reason.damaged":                   "Damaged on the way; the carrier is handling it.",
	"reason.delivered_to_neighbour":    "Left with a neighbour.",
	"reason.delivered_to_locker":       "Left in a parcel locker.",
	"reason.delivered_to_access_point": "Left at a pickup point.",

	"step.ordered":          "Ordered",
	"step.shipped":          "Shipped",
	"step.in_transit":       "In transit",
	"step.out_for_delivery": "Out for delivery",
	"step.delivered":        "Delivered",

	"estimate.window":    "Expected {from} – {to}",
	"estimate.day":       "Expected {date}",
	"estimate.none":      "We'll show a delivery date as soon as the carrier gives one.",
	"estimate.overdue":   "It was due {date}. We'll show a new date as soon as the carrier gives one.",
	"estimate.delivered": "Delivered {date}",
	"late.one":           "1 day later than we promised",
	"late.many":          "{n} days later than we promised",

	"delay.exception":           "The carrier reported a problem and is working on it.",
	"delay.attempt_failed":      "The carrier tried to deliver but couldn't.",
	"delay.returned_to_sender":  "The carrier is sending the package back to us.",
	"delay.fulfillment_stalled": "Your package is taking longer than usual to leave our warehouse.",
	"delay.shipment_stalled":    "The carrier hasn't scanned your package for a while.",
	"delay.at_risk":             "Your package may arrive later than we promised.",
	"delay.late":                "Your package is running late.",
	"delay.estimate_slipped":    "The carrier moved the delivery date.",
	"delay.lost":                "The carrier could not find your package.",

	"timeline.heading": "Tracking history",
	"timeline.more":    "Show {n} earlier updates",
	"timeline.empty":   "No updates from the carrier yet.",

	"items.heading": "In this package",
	"items.qty":     "Qty {n}",

	"claim.heading":                       "Report a problem",
	"claim.reason.not_received":           "My package hasn't arrived",
	"claim.reason.delivered_not_received": "It says delivered, but I don't have it",
	"claim.reason.damaged":                "Something arrived damaged",
	"claim.reason.missing_items":          "Something is missing",
	"claim.until":                         "You can report this until {date}.",
	"claim.items":                         "Which items?",
	"claim.note":                          "Tell us more (optional)",
	"claim.submit":                        "Send report",

	"return.heading": "Start a return",
	"return.until":   "Returns are open until {date}.",
	"return.items":   "Items to return",
	"return.note":    "Why are you returning them? (optional)",
	"return.submit":  "Start return",

	"cases.heading":                      "Your requests",
	"case.reason.not_received":           "Package not received",
	"case.reason.delivered_not_received": "Delivered but not received",
	"case.reason.damaged":                "Damaged items",
	"case.reason.missing_items":          "Missing items",
	"case.reason.return":                 "Return",
	"case.state.resolved":                "Resolved",
	"case.state.in_review":               "We're reviewing it",
	"case.ref":                           "Reference {id}",
	"case.opened":                        "Opened {date}",

	"confirm.claim":  "Thanks, we've received your report. Here's what happens next.",
	"confirm.return": "Your return has started. Here's what happens next.",

	"error.window": "This can't be reported right now: the time for it has not started or has passed.",
	"error.exists": "You've already told us about this. Your request is shown below.",
	"error.input":  "Please check the form: choose at least one item.",

	"cashback.heading":   "Your CashBack",
	"cashback.available": "{amount} to spend",
	"cashback.pending":   "{amount} on its way: yours once your order arrives",
	"cashback.expiry":    "Some of it expires {date}: spend it before then.",

	"recs.heading": "You might also like",
}

// DateStyle is how a date or time is shown.
type DateStyle int

// The date styles, with how FormatDate shows each.
const (
	// Day: "Thu, Nov 5".
	Day DateStyle = iota
	// DayYear: "Thu, Nov 5, 2026".
	DayYear
	// DayTime: "Thu, Nov 5, 3:04 PM", in t's own location (a carrier scan's
	// local time, or the brand's zone).
	DayTime
	// DayTimeZone: DayTime with the zone's abbreviation when it has one
	// ("3:04 PM EST"); a bare offset is not shown.
	DayTimeZone
)

// FormatDate is the English date format the hub uses unless
// Options.FormatDate is set.
func FormatDate(t time.Time, s DateStyle) string {
	switch s {
	case DayYear:
		return t.Format("Mon, Jan 2, 2006")
	case DayTime:
		return t.Format("Mon, Jan 2, 3:04 PM")
	case DayTimeZone:
		if name, _ := t.Zone(); name == "" || name[0] == '+' || name[0] == '-' {
			return t.Format("Mon, Jan 2, 3:04 PM")
		}
		return t.Format("Mon, Jan 2, 3:04 PM MST")
	}
	return t.Format("Mon, Jan 2")
}

var placeholderRE = regexp.MustCompile(`\{[a-z]+\}`)

func placeholders(s string) []string {
	p := placeholderRE.FindAllString(s, -1)
	slices.Sort(p)
	return slices.Compact(p)
}

// fill replaces {key} placeholders in s with values given as key, value
// pairs (keys without braces).
func fill(s string, kv ...string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}
