// Package dhl is the DHL adapter of postpurchase: it tracks shipments of
// every DHL division through Shipment Tracking – Unified (GET
// https://api-eu.dhl.com/track/shipments, one number per call, API key in
// the DHL-API-Key header).
//
// # Use
//
//	c, err := dhl.New(key, dhl.Options{})
//	tr, err := c.Track(ctx, "00340434292135100186")
//
// Options can narrow the search (Service, OriginCountryCode,
// RequesterCountryCode), choose the language, and pass RecipientPostalCode,
// which DHL requires for full parcel-de details. Requests go through a
// retrying client: 429 and 5xx except 501 are retried with jittered
// exponential backoff, Retry-After is honoured, and a Retry-After longer than
// MaxRetryAfter (DHL's daily quota) fails at once with
// carriers.ErrRateLimited. ParseTrackResponse is the pure parser behind
// Track and returns every shipment of a response; Track returns the one
// whose id is the number.
//
// # Mapping
//
// The tables in codes.go name their origin. statusCode (pre-transit,
// transit, delivered, failure, unknown) gives the status; for Post & Parcel
// Germany the short event code in status (VA, ES, AA, EE, NB, PO, LA, ZF,
// ZN, ZU, AE, AN, BV, ZO, DD, GT) is more specific and wins: PO is out for
// delivery, LA and ZF available for pickup, ZN a failed attempt. returnFlag
// marks a shipment going back to its sender: the shipment is
// StatusReturnToSender, and a delivery of it (statusCode delivered) is
// ReasonReturned, never a delivery to the recipient. Codes not in the tables
// map to carriers.StatusUnknown with the raw code kept in Event.Code.
//
// The estimate is estimatedDeliveryTimeFrame, else estimatedTimeOfDelivery
// (carriers.EstimateCarrier); bare dates and midnight bounds make a
// date-only estimate. DeliveredAt is details.proofOfDelivery.timestamp (or
// the delivery event when the proof has no offset); when neither has an
// offset it is the wall clock in UTC with DeliveredZoneUnknown set. SignedBy
// is the proof's signer and is personal data.
//
// # Times
//
// DHL timestamps come with Z or an offset ("2018-03-02T07:53:47Z"), without
// one ("2022-06-27T19:30:00", as parcel-de sends), or as bare dates. An
// event without an offset has ZoneUnknown set and its wall clock in UTC;
// nothing pretends it is UTC.
//
// # Errors
//
// Failures are *carriers.Error; DHL's RFC 7807 problem bodies give Code
// (title) and Message (detail). 404 matches carriers.ErrNotFound (as does a
// 200 with no shipments), 400 ErrInvalidNumber, 401/403 ErrUnauthorized,
// 429 ErrRateLimited, 5xx ErrUnavailable. The shipment id arrives as a JSON
// number in DHL's own examples although the schema says string: it is read
// either way. Bodies that are not the documented JSON fail with a
// *carriers.DecodeError naming the JSON path (shipments[0].events[3].timestamp).
//
// # Performance
//
// BenchmarkParseTrackResponse (decode and normalize) against its baseline
// BenchmarkUnmarshalRaw (json.Unmarshal of the same bytes into the raw
// structs, including the copy of each shipment for Tracking.Raw), on the
// largest fixture (DHL's 4.7 KB Express example, one event):
//
//	go test -run '^$' -bench . -benchmem ./carriers/dhl
//
// Measured on a shared 2-core machine under heavy load (load average 12-16),
// where wall-clock figures swung 3x between runs; user CPU time of 20000
// iterations, median of three interleaved runs: 2.26 s baseline vs 2.25 s
// full parse (1.0x). Allocations: 57 per response for the baseline, 61 for
// the full parse (4 added by normalizing one shipment with one event).
//
// # Push
//
// DHL's Shipment Tracking – Unified Push API delivers updates to a webhook,
// but its payload is not documented in any source available to this
// package (DHL's guide says only that the structure differs per division),
// so the adapter does not implement carriers.WebhookParser rather than guess
// a format.
package dhl
