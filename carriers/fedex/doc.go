// Package fedex is the FedEx adapter of postpurchase: it tracks parcels
// through the FedEx Track API v1 (POST /track/v1/trackingnumbers, up to 30
// numbers per request) and reads FedEx's Shipment Visibility webhook
// payloads.
//
// # Use
//
//	c, err := fedex.New(key, secret, fedex.Options{})
//	tr, err := c.Track(ctx, "123456789012")
//
// New takes the project's API key and secret key; the adapter gets OAuth 2
// client-credentials tokens from /oauth/token (client_id and client_secret
// as form fields), caches each until shortly before it expires, and fetches
// a new one when FedEx refuses the cached one (NOT.AUTHORIZED.ERROR).
// Requests go through a retrying client: 429 and 5xx except 501 are retried
// with jittered exponential backoff, Retry-After is honoured, and every wait
// ends when the context does. Carrier also implements carriers.BatchTracker
// (TrackBatch, 30 numbers per call) and carriers.WebhookParser.
//
// ParseTrackResponse is the pure parser behind Track, usable on stored
// bodies; ParseTrackResults keeps per-number errors. A reused number that
// FedEx answers with several shipments yields one Tracking per shipment;
// Track returns the one with the newest scan, or exactly the one named by a
// trackingNumberUniqueId ("12028~738488882438~FDEG", see UniqueID).
//
// # Mapping
//
// Statuses come from the tables in codes.go, whose comments name their
// origin: scanEvents[].eventType (FedEx's movement and regulatory codes),
// with derivedStatusCode as context and fallback, exceptionCode for the
// reason (and to tell a failed attempt from another delivery exception), and
// delayDetail (DELAYED) for delays; a delay with no specific type keeps the
// cause the exception code or event type names (Clearance in Progress:
// customs). An eventType RS with derivedStatusCode
// DL is a return delivered back to the shipper (StatusReturnToSender,
// ReasonReturned), never a delivery; a derived DL on an unknown eventType
// is not taken as a delivery either. Codes not in the tables map to
// carriers.StatusUnknown with the raw code kept in Event.Code. The tracking's
// status comes from latestStatusDetail, else from the newest scan.
//
// The estimate is estimatedDeliveryTimeWindow when its window is not empty,
// else dateAndTimes ESTIMATED_DELIVERY, else standardTransitTimeWindow
// (reported as carriers.EstimateScheduled). Bounds that are bare dates or
// exactly midnight (FedEx writes dates as midnight with an offset) make a
// date-only estimate. DeliveredAt is ACTUAL_DELIVERY (or the delivery scan
// when ACTUAL_DELIVERY has no offset); when neither has an offset it is the
// wall clock in UTC with DeliveredZoneUnknown set. SignedBy is signedByName,
// else receivedByName, and is personal data.
//
// # Times
//
// FedEx scan times carry an offset, and one response may mix offsets
// (-04:00 and -05:00): each event keeps its own. Some scans come without an
// offset (a PU at "2024-08-15T00:00:00" in a real response): such an event
// has ZoneUnknown set and its wall clock in UTC; nothing pretends it is UTC.
//
// # Webhooks
//
// ParseWebhook reads the Shipment Visibility (Advanced Integrated
// Visibility) payload, {transactionId, outputMetaData, output:
// {completeTrackResults}}, whose results have the Track API's shape.
// Authenticate the push first: VerifyWebhookSignature checks the
// fdx-signature header, Base64(HMAC-SHA256(security token, raw body)).
//
// # Errors
//
// Failures are *carriers.Error with the FedEx code and message and the
// transactionId as RequestID. NOT.AUTHORIZED.ERROR and FORBIDDEN.ERROR match
// carriers.ErrUnauthorized; TRACKING.TRACKINGNUMBER.EMPTY and .INVALID
// ErrInvalidNumber; NOT.FOUND.ERROR and the per-number
// TRACKING.TRACKINGNUMBER.NOTFOUND ErrNotFound; SERVICE.UNAVAILABLE.ERROR,
// INTERNAL.SERVER.ERROR and VALIDATION.ERRCD.WSPOD ErrUnavailable; other
// codes follow the HTTP status. Bodies that are not the documented JSON
// (wrong types, truncated, over the size limit) fail with a
// *carriers.DecodeError naming the JSON path, such as
// output.completeTrackResults[0].trackResults[0].scanEvents[3].date.
//
// # Performance and fuzzing
//
// Benchmark figures (BenchmarkParseTrackResponse against a baseline that
// only json.Unmarshals the same body) are in BENCHMARKS.md at the
// repository root. The parsers are fuzzed with:
//
//	go test -run=^$ -fuzz='^FuzzParseTrackResponse$' -fuzztime=30s -fuzzminimizetime=5s ./carriers/fedex
//	go test -run=^$ -fuzz='^FuzzParseWebhook$' -fuzztime=30s -fuzzminimizetime=5s ./carriers/fedex
//
// Bound -fuzzminimizetime: by default the fuzzer spends up to a minute
// minimizing each new input, and on these parsers that leaves it
// minimizing nearly all the time.
package fedex
