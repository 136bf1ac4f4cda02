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
// delivery, LA and ZF available for pickup, ZN a failed attempt; with
// statusCode failure, a code that only says the parcel is moving becomes an
// exception with the cause that code names (ZO: customs). returnFlag
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
// # Performance and fuzzing
//
// Benchmark figures (BenchmarkParseTrackResponse against a baseline that
// only json.Unmarshals the same body) are in BENCHMARKS.md at the
// repository root. The parsers are fuzzed with:
//
//	go test -run=^$ -fuzz='^FuzzParseTrackResponse$' -fuzztime=30s -fuzzminimizetime=5s ./carriers/dhl
//
// Bound -fuzzminimizetime: by default the fuzzer spends up to a minute
// minimizing each new input, and on these parsers that leaves it
// minimizing nearly all the time.
//
// # Push
//
// DHL's Shipment Tracking – Unified Push API delivers updates to a webhook,
// but its payload is not documented in any source available to this
// package (DHL's guide says only that the structure differs per division),
// so the adapter does not implement carriers.WebhookParser rather than guess
// a format.
package dhl
