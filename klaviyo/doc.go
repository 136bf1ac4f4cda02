// Package klaviyo is a client for the parts of Klaviyo's REST API a
// post-purchase journey needs — Create Event, Bulk Create Events and
// profile import — plus the catalog of metrics and properties this library
// sends. Its companion package klaviyotest is a local fake of those
// endpoints for tests and examples.
//
// # Client
//
// New(apiKey, Options{...}) returns a *Client, safe for concurrent use; the
// zero Options means every default. Every request carries "Authorization:
// Klaviyo-API-Key …", "revision: 2026-07-15" (DefaultRevision, the OpenAPI
// spec the tests validate against; Options.Revision overrides it) and
// JSON:API Content-Type and Accept headers (application/vnd.api+json).
//
//   - CreateEvent(ctx, Event) sends one event (POST /api/events, 202).
//   - CreateEvents(ctx, []Event) sends many through POST
//     /api/event-bulk-create-jobs, split into requests of at most 1,000
//     events and 5 MB, never repeating a unique_id inside one request
//     (Klaviyo fails the whole request for that). Events of one profile
//     (same identifiers) share one profile entry per request, whose
//     profile properties merge the events' in input order, so the last
//     update of a property wins. Failures report how many leading events
//     were accepted (*BatchError).
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
// take their unique_id from a stable ID the caller gives (milestone ID,
// delay ID, ledger entry key, case ID). That is what makes all three calls
// safe to resend after any error; an error after a timeout or 5xx does not
// say whether Klaviyo already recorded the request.
//
// # Retries and rate limits
//
// Requests go through hashicorp/go-retryablehttp. A 429 or 503 waits at
// least as long as its Retry-After header says (seconds or an HTTP date,
// read with Options.Now, capped at a day), and a 429 holds back every
// other request to that endpoint for as long; 5xx (except 501) and transport errors such as connection resets
// wait an exponential backoff with a floor and full jitter (RetryPolicy);
// other 4xx are not retried. Every wait is at least RetryPolicy.MinWait, so
// "Retry-After: 0" (Klaviyo's "Expected available in 0 seconds") does not
// spend the retry budget back to back. A wait that would outlast the
// context's deadline is not started: the call fails at once with the last
// answer (a 429 gives the *APIError matching ErrRateLimited). The waits
// come from internal/httpretry, the module's one retry path.
//
// Each endpoint is paced client-side with golang.org/x/time/rate, with
// Klaviyo's documented limits as defaults (DefaultLimit): events 350/s and
// 3,500/min, bulk events 10/s and 150/min, profile import 75/s and
// 750/min. For each window (length W, limit L) a token bucket refills at
// 97% of L/W and holds L minus what it refills in W, so no interval of
// length W — wherever Klaviyo's fixed windows fall — sees more than L
// requests; a request takes a token from both buckets at the same instant.
// A simulation on a synthetic clock (TestLimiterNeverExceedsKlaviyoLimits)
// checks that no window goes over its limit. Limits are per account:
// processes sharing a key should split them (Options.RateLimits).
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
// duplicate_profile; see APIError.DuplicateProfileID) and ErrUnavailable
// (5xx). A request that got no answer after its retries is a
// *NetworkError, also matching ErrUnavailable; a success status with a body
// that is not the endpoint's matches ErrMalformedResponse.
//
// Events and profiles are validated before sending, and a bad one is not
// sent: a *ValidationError names the field by JSON path in Path
// ("profile.phone_number", "properties.Items[2].Name", "events[3].time").
// Checked: metric name 1–127 characters; at least one profile identifier;
// email and E.164 phone shape; time after 2000-01-01 and at most a year
// ahead; value requires an ISO 4217 currency; at most 400 properties;
// strings at most 100 KB; arrays at most 4,000 items; nesting at most 10
// levels; finite numbers; payload at most 5 MB (profiles 100 KB); backfill
// only on revisions from 2026-04-15.
//
// The API key is never logged, never part of an error — whatever the server
// echoes back in codes, details, titles, sources, meta, bodies or the
// X-Klaviyo-Req-Id header: the client masks the key, and any 8-byte
// fragment of it, in everything it keeps of an answer — and not shown when
// a Client is printed. APIError.Error() clips each text the server sent to
// 64 bytes ("…") and masks email addresses and phone numbers in it. Logging (Options.Logger, log/slog) records endpoint, attempt,
// status, duration, request ID and Retry-After — no headers, no bodies.
//
// # Event catalog
//
// Catalog builds the events; its zero value uses the prefix "Postpurchase"
// and English words. Milestone kinds, delay kinds and tiers are exactly
// the names of packages tracking and scoring (MilestoneKinds, DelayKinds,
// Tiers; a test of the root package keeps them equal), and a kind outside
// them is refused (ErrUnknownKind). Metric names are "<prefix>: <name>";
// the names differ from the metrics Klaviyo's Shopify integration creates
// ("Fulfilled Order", "Confirmed Shipment", "Marked Out for Delivery",
// "Delivered Shipment", ...), prefix or not. This is what a brand's
// marketer builds flows on:
//
//	Metric (after "<prefix>: ")     Built by                                unique_id                                  Value
//	Package Shipped                 ShipmentMilestone(shipped)              milestone:<MilestoneID>                    order value
//	Package In Transit              ShipmentMilestone(in_transit)           milestone:<MilestoneID>                    -
//	Package Out For Delivery        ShipmentMilestone(out_for_delivery)     milestone:<MilestoneID>                    -
//	Package Delivery Attempt Failed ShipmentMilestone(attempt_failed)       milestone:<MilestoneID>                    -
//	Package Available For Pickup    ShipmentMilestone(available_for_pickup) milestone:<MilestoneID>                    -
//	Package Delivered               ShipmentMilestone(delivered)            milestone:<MilestoneID>                    -
//	Package Exception               ShipmentMilestone(exception)            milestone:<MilestoneID>                    -
//	Package Returned To Sender      ShipmentMilestone(returned_to_sender)   milestone:<MilestoneID>                    -
//	Package Delayed                 ShipmentDelayed                         delay:<DelayID>                            -
//	Cashback Issued                 CashbackIssued                          cashback:<EntryKey>:issued                 amount
//	Cashback Redeemed               CashbackRedeemed                        cashback:<EntryKey>:redeemed               amount
//	Cashback Expiring               CashbackExpiring                        cashback:<EntryKey>:expiring[:<Reminder>]  amount
//	Claim Started                   ClaimStarted                            claim:<CaseID>:started                     -
//	Return Started                  ReturnStarted                           return:<CaseID>:started                    -
//
// The order's value is on Package Shipped only (each shipment is shipped
// once), so a sum of values over the journey counts an order once; credit
// amounts are on the Cashback events.
//
// Event properties (present when known):
//
//	Package * events   OrderID, OrderNumber, ShipmentID, Carrier (code, "ups"),
//	                   CarrierName ("UPS"), TrackingNumber, TrackingURL (the
//	                   brand's tracking page), Status (milestone kind, or
//	                   "delayed"), StatusText (words for the customer: "Out for
//	                   delivery"), StatusDetail (carrier text), EstimatedDelivery
//	                   ("2026-12-08", a day in the brand's time zone),
//	                   EstimatedDeliveryText ("Tuesday, December 8"), Currency,
//	                   Items, ItemNames, ItemCount
//	Package Delayed    + DelayKind (exception, attempt_failed, returned_to_sender,
//	                   fulfillment_stalled, shipment_stalled, at_risk, late,
//	                   estimate_slipped, lost), DelayID, DaysLate,
//	                   Accommodation (cashback, shipping_upgrade,
//	                   expedited_replacement, priority_support, apology),
//	                   AccommodationDetail, AccommodationAmount, AccommodationCurrency
//	Cashback *         CashbackAmount, CashbackBalance (after the change), Currency,
//	                   EntryKey, OrderID, Reason, ExpiresAt
//	Claim Started      ClaimID, ClaimURL, OrderID, ShipmentID, Reason, Items, ItemNames
//	Return Started     ReturnID, ReturnURL, OrderID, ShipmentID, Reason, Items, ItemNames
//	Items (product     list of {ProductID, VariantID, SKU, ProductName, Quantity,
//	blocks)            ItemPrice, ImageURL, ProductURL}
//
// Words for the customer (StatusText, EstimatedDeliveryText) come from
// Catalog.Words, in the brand's language; English by default.
//
// Event properties reach flows only; campaigns read profile properties.
// The events keep these on the profile as they go: Package events set
// "<prefix> Last Shipment Status" (words), "<prefix> Last Shipment Status
// Code" and "<prefix> Open Shipment Tracking URL" (null once delivered or
// returned to sender); Cashback events set "<prefix> Cashback Balance",
// "<prefix> Cashback Currency" and, when given, "<prefix> Next Cashback
// Expiry" ("2006-01-02"). Catalog.ProfileProperties builds them all for
// UpsertProfile, with "<prefix> Lifetime Cashback", "<prefix> Customer
// Tier", "<prefix> Shipments Delivered", "<prefix> Shipments Delayed" and
// "<prefix> Last Delivered At". Money is sent as exact JSON numbers from
// decimal.Decimal, with its ISO 4217 code beside it.
//
// # Performance
//
// Encoding an event costs a few microseconds and a handful of allocations,
// well under encoding/json, and the pacing sustains about 97% of Klaviyo's
// steady rate without a 429; the figures, their commands and same-run
// baselines are in BENCHMARKS.md at the repository root.
package klaviyo
