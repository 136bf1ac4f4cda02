// Package usps is the carriers.Carrier adapter for USPS: the Tracking API v3
// (GET /tracking/v3/tracking/{trackingNumber}?expand=DETAIL) with OAuth 2
// client credentials.
//
//	c, err := usps.New(key, secret, usps.Options{})
//	tr, err := c.Track(ctx, "9400109104250532908587")
//
// ParseTrackResponse is a pure function usable on stored bodies without a
// Carrier.
//
// # Authentication and HTTP
//
// Tokens come from POST /oauth2/v3/token with the credentials as form
// parameters and scope "tracking" (golang.org/x/oauth2/clientcredentials,
// AuthStyleInParams). A token is reused until a minute before it expires; a
// 401 drops it and retries once with a fresh one, because USPS revokes a
// token when the same app takes a newer one. Retries (429 honouring
// Retry-After, 5xx except 501, connection errors; capped exponential
// backoff with jitter; the context ends every wait) come from the shared
// carrierhttp client.
//
// # Status mapping
//
// Each trackingEvents[].eventCode maps through the table in codes.go (codes
// seen in real v3 data plus the legacy Web Tools codes, with their origin);
// deliveries are refined from USPS's wording ("Delivered, Parcel Locker" →
// carriers.ReasonDeliveredToLocker). Unknown codes give
// carriers.StatusUnknown and are kept in Event.Code. Tracking.Status comes
// from statusCategory ("Delivered", "Moving Through Network", "Alert", ...),
// except that a coarse category ("Moving Through Network", "Alert") gives
// way to a more specific newest event (out for delivery, notice left), and
// a category that names no cause ("Alert", "Return to Sender") takes the
// cause the newest event names (refused, moved, not collected).
//
// # Times
//
// eventTimestamp is the local time of the scan without an offset. With
// GMTOffset ("-05:00"; the spec's "-420" is read as minutes) the event time
// is that wall clock in that offset; without GMTOffset but with
// GMTTimestamp, the offset is derived (local − GMT, to the quarter hour);
// with neither (MA, GX and 80-series events often have none) the wall clock
// is kept in UTC and the event is ZoneUnknown. When GMTOffset and
// GMTTimestamp disagree (a published sample has GMTTimestamp a day early)
// the local time and the stated offset win. An eventTimestamp with its own
// Z or offset is taken as written unless GMTOffset says otherwise. Delivery
// estimates (predicted date or timestamp with its window, else expected,
// else guaranteed) are local without an offset: ZoneUnknown, and DateOnly
// when the time is midnight. DeliveredAt is the delivery event's time, with
// DeliveredZoneUnknown set when that event's zone is unknown.
//
// # Errors
//
// HTTP 400 with code 150001 ("A status update is not yet available") and
// HTTP 404 match carriers.ErrNotFound; other 400s carriers.ErrInvalidNumber;
// OAuth invalid_client and HTTP 401/403 carriers.ErrUnauthorized; 429
// carriers.ErrRateLimited; 5xx carriers.ErrUnavailable. The *carriers.Error
// keeps USPS's code and title. Bodies that are not the documented JSON match
// carriers.ErrMalformedResponse with a *carriers.DecodeError naming the
// JSON path. Strings where numbers or booleans are documented (USPS sends
// "true") and the reverse are read tolerantly. Bodies above 16 MB are
// refused without being read whole.
//
// # Webhooks: not implemented
//
// USPS pushes tracking updates through its "Subscriptions - Tracking" v3
// API, but its notification body is not in any primary source available to
// this project (only third-party summaries, which agree on the subscription
// request and the X-HMAC header but not on the pushed payload). Rather than
// guess a format, the adapter does not implement carriers.WebhookParser;
// hosts poll with Track.
//
// # Performance and fuzzing
//
// Benchmark figures (BenchmarkParseTrackResponse against a baseline that
// only json.Unmarshals the same body) are in BENCHMARKS.md at the
// repository root. The parsers are fuzzed with:
//
//	go test -run=^$ -fuzz='^FuzzParseTrackResponse$' -fuzztime=30s -fuzzminimizetime=5s ./carriers/usps
//
// Bound -fuzzminimizetime: by default the fuzzer spends up to a minute
// minimizing each new input, and on these parsers that leaves it
// minimizing nearly all the time.
package usps
