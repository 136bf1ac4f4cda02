// Package klaviyo is a client for the parts of Klaviyo's REST API a
// post-purchase journey needs — Create Event, Bulk Create Events and
// profile import — plus the catalog of metrics and properties this library
// sends. Its companion package klaviyotest is a local fake of those
// endpoints for tests and examples.
//
// # Client
//
// New(apiKey, options...) returns a *Client, safe for concurrent use. Every
// request carries "Authorization: Klaviyo-API-Key …", "revision:
// 2026-07-15" (DefaultRevision, the OpenAPI spec the tests validate
// against; WithRevision overrides it) and JSON:API Content-Type and Accept
// headers (application/vnd.api+json).
//
//   - CreateEvent(ctx, Event) sends one event (POST /api/events, 202).
//   - CreateEvents(ctx, []Event) sends many through POST
//     /api/event-bulk-create-jobs, split into requests of at most 1,000
//     events and 5 MB, never repeating a unique_id inside one request
//     (Klaviyo fails the whole request for that); events of one profile are
//     grouped. Failures report how many leading events were accepted
//     (*BatchError).
//   - UpsertProfile(ctx, Profile) uses POST /api/profile-import (201
//     created, 200 updated). Absent versus null: an empty field is left out
//     and leaves the stored value alone; Profile.Clear sends null, which
//     clears it; UnsetProperties removes custom properties.
//
// Every event carries a unique_id: the caller's, or one derived from the
// event's content (DeriveUniqueID) — never random. Klaviyo records the
// first event per unique_id, profile and metric, so retries, and a second
// process sending the same domain event, are recorded once, provided the
// event has its Time (or a UniqueID) set: a zero Time stands for each
// call's "now" and so derives a different unique_id. The catalog's events
// always carry both. That is what
// makes all three calls safe to resend after any error; an error after a
// timeout or 5xx does not say whether Klaviyo already recorded the request.
//
// # Retries and rate limits
//
// Requests go through hashicorp/go-retryablehttp. A 429 waits exactly as
// long as its Retry-After header says (seconds or an HTTP date) and holds
// back every other request to that endpoint for as long; 5xx (except 501)
// and transport errors such as connection resets wait a capped, jittered
// exponential backoff (RetryPolicy); other 4xx are not retried. The context
// is honoured while waiting: a wait that cannot end before the deadline
// fails at once.
//
// Each endpoint is paced client-side with golang.org/x/time/rate, with
// Klaviyo's documented limits as defaults (DefaultLimit): events 350/s and
// 3,500/min, bulk events 10/s and 150/min, profile import 75/s and
// 750/min. For each window (length W, limit L) a token bucket refills at
// 97% of L/W and holds L minus what it refills in W, so no interval of
// length W — wherever Klaviyo's fixed windows fall — sees more than L
// requests; a request takes a token from both buckets at the same instant.
// A simulation on a synthetic clock (TestLimiterNeverExceedsKlaviyoLimits)
// sends 97.3% of the steady rate for 10 minutes with no window over its
// limit. Limits are per account: processes sharing a key should split them
// (WithRateLimit).
//
// # Errors
//
// A non-2xx answer is an *APIError: status, every JSON:API error object
// (id, code, title, detail, source pointer or parameter, meta), the
// X-Klaviyo-Req-Id request ID, Retry-After and the attempt count. Bodies
// that are not JSON:API (an HTML page from a proxy) keep at most 512 bytes
// in APIError.Body and never reach Error(). errors.Is matches ErrRateLimited
// (429), ErrUnauthorized (401, or 403 with a Klaviyo error body), ErrInvalid
// (400, 413, 415, 422, and local validation), ErrDuplicateProfile (409
// duplicate_profile; see APIError.DuplicateProfileID) and ErrServer (5xx).
//
// Events and profiles are validated before sending, and a bad one is not
// sent: a *ValidationError names the field by JSON path
// ("profile.phone_number", "properties.Items[2].Name", "events[3].time").
// Checked: metric name 1–127 characters; at least one profile identifier;
// email and E.164 phone shape; time after 2000-01-01 and at most a year
// ahead; value requires an ISO 4217 currency; at most 400 properties;
// strings at most 100 KB; arrays at most 4,000 items; nesting at most 10
// levels; finite numbers; payload at most 5 MB (profiles 100 KB); backfill
// only on revisions from 2026-04-15.
//
// The API key is never logged, never part of an error, and not shown when
// a Client is printed. Logging (WithLogger, log/slog) records endpoint,
// attempt, status, duration, request ID and Retry-After — no headers, no
// bodies.
//
// # Event catalog
//
// Catalog builds the events; its zero value uses the prefix
// "Postpurchase". Metric names are "<prefix>: <name>"; the names differ
// from the metrics Klaviyo's Shopify integration creates ("Fulfilled
// Order", "Confirmed Shipment", "Marked Out for Delivery", "Delivered
// Shipment", ...), prefix or not. This is what a brand's marketer builds
// flows on:
//
//	Metric (after "<prefix>: ")  Built by                     unique_id                                 Value
//	Package Shipped              ShipmentMilestone(shipped)    shipment:<ShipmentID>:shipped             order value
//	Package In Transit           ShipmentMilestone(in_transit) shipment:<ShipmentID>:in_transit          order value
//	Package Out For Delivery     ShipmentMilestone(...)        shipment:<ShipmentID>:out_for_delivery    order value
//	Package Delivered            ShipmentMilestone(...)        shipment:<ShipmentID>:delivered           order value
//	Package Ready For Pickup     ShipmentMilestone(...)        shipment:<ShipmentID>:available_for_pickup order value
//	Package Returned To Sender   ShipmentMilestone(...)        shipment:<ShipmentID>:returned_to_sender  order value
//	Package Exception            ShipmentMilestone(exception)  shipment:<ShipmentID>:exception:<unix>    order value
//	Package Delayed              ShipmentDelayed               shipment:<ShipmentID>:delayed:<kind>:<EDD> credit amount
//	Cashback Issued              CashbackIssued                cashback:<EntryID>:issued                 amount
//	Cashback Redeemed            CashbackRedeemed              cashback:<EntryID>:redeemed               amount
//	Cashback Expiring            CashbackExpiring              cashback:<EntryID>:expiring:<day of At>  amount
//	Claim Started                ClaimStarted                  claim:<CaseID>:started                    -
//	Return Started               ReturnStarted                 return:<CaseID>:started                   -
//
// Event properties (present when known):
//
//	Package * events   OrderID, OrderNumber, ShipmentID, Carrier, TrackingNumber,
//	                   TrackingURL (the brand's tracking page), Status (milestone, or
//	                   "delayed"), StatusDetail (carrier text), EstimatedDelivery
//	                   (RFC 3339), Currency, Items, ItemNames, ItemCount
//	Package Delayed    + DelayKind (exception, stalled, estimate_slipped,
//	                   estimate_missed, failed_attempt, lost), DaysLate,
//	                   Accommodation (cashback, shipping_upgrade,
//	                   expedited_replacement, priority_support, apology),
//	                   AccommodationDetail, AccommodationAmount, AccommodationCurrency
//	Cashback *         CashbackAmount, CashbackBalance (after the change), Currency,
//	                   EntryID, OrderID, Reason, ExpiresAt; the event also sets the
//	                   profile's "<prefix> Cashback Balance" and "<prefix> Cashback Currency"
//	Claim Started      ClaimID, ClaimURL, OrderID, ShipmentID, Reason, Items, ItemNames
//	Return Started     ReturnID, ReturnURL, OrderID, ShipmentID, Reason, Items, ItemNames
//	Items (product     list of {ProductID, VariantID, SKU, ProductName, Quantity,
//	blocks)            ItemPrice, ImageURL, ProductURL}
//
// Money is sent as exact JSON numbers from decimal.Decimal, with its ISO
// 4217 code beside it. Profile properties (Catalog.ProfileProperties, for
// UpsertProfile): "<prefix> Cashback Balance", "<prefix> Cashback
// Currency", "<prefix> Lifetime Cashback", "<prefix> Customer Tier",
// "<prefix> Shipments Delivered", "<prefix> Shipments Delayed",
// "<prefix> Last Delivered At".
//
// # Performance
//
// Encoding, with a reused buffer (2 line items, 1.4 KB body), on the shared
// 2-core test machine:
//
//	go test -run '^$' -bench EncodeEvent -benchtime 20000x ./klaviyo
//	BenchmarkEncodeEvent/klaviyo                 6.7 µs/op   152 B/op    7 allocs/op
//	BenchmarkEncodeEvent/encoding-json-baseline  122 µs/op  3361 B/op   83 allocs/op
//
// Sustained throughput against klaviyotest with Klaviyo's Create Event
// limits (windows divided by -klaviyo.timescale), 16 senders:
//
//	go test -run '^$' -bench SustainedThroughput -benchtime 14000x ./klaviyo -args -klaviyo.timescale=5
//	285.0 events/s = 97.73% of the allowed 291.7/s, 0 429s, over 4.1 steady windows (12 s each)
//	go test -run '^$' -bench SustainedThroughput -benchtime 12000x ./klaviyo   (timescale 10)
//	570.8 events/s = 97.85% of the allowed 583.3/s, 0 429s, over 3.5 steady windows (6 s each)
//
// Baseline from the same machine before the pacing took tokens without
// reservations (waiting on reservations, then cancelling them, leaked
// tokens under 16 concurrent senders): 80.4% (timescale 10) and 55.3%
// (timescale 5) of the allowed rate. On a synthetic clock the pacing
// reaches 97.3% (TestLimiterNeverExceedsKlaviyoLimits). At Klaviyo's real
// windows (timescale 1) the same figures need minutes per run; the shape
// is scale-free.
package klaviyo
