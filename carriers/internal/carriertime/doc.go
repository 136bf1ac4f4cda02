// Package carriertime holds the time rules the carrier adapters of this
// module (ups, usps, fedex, dhl) share: reading carrier date-times without
// pretending a local time is UTC, placing a local wall clock in the offset
// the carrier gives or that can be derived, and turning times into the
// model's estimates, delivery times and event order.
//
// # Zones
//
// Carriers give times three ways: with an offset (kept as given, so a
// local time stays local), as a local wall clock with a separate offset or
// GMT time (InZone, ParseOffset, DeriveOffset), or as a bare local wall
// clock. The last is held as that wall clock in UTC and flagged: Local's
// ZoneUnknown, and in the model carriers.Event.ZoneUnknown,
// carriers.Estimate.ZoneUnknown and carriers.Tracking.DeliveredZoneUnknown.
// Nothing pretends such a time is UTC silently.
//
// # Parsing
//
// ParseISO reads the ISO 8601 forms of FedEx and DHL, and ParseISOField
// does so for a JSON field, failing with a *carriers.DecodeError that names
// it; ParseOffset and ParseClock read the offsets and times of day of UPS
// and USPS (each adapter adds its own quirks around them, such as USPS's
// offsets in minutes). Every time read goes through Check
// (carriers.CheckTime): an offset beyond ±14:00, which Go's parser accepts
// up to ±24:59 but its JSON encoder refuses from ±24:00, or a year that
// leaves 0000–9999 in UTC, is refused with a *carriers.DecodeError, so a
// parsed Tracking can always be stored.
//
// # Normalizing
//
// Estimate builds a carriers.Estimate from window bounds (date-only when the
// bounds are dates or midnights), DeliveredAt picks the delivery time and
// whether its zone is known, SortNewestFirst and SortNewestFirstIfNeeded
// put events newest first.
//
// The package is internal: its API serves the adapters of this module and
// may change with them.
package carriertime
