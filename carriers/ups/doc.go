// Package ups is the carriers.Carrier adapter for UPS: the Track API v1
// (GET /api/track/v1/details/{inquiryNumber}) with OAuth 2 client
// credentials, and the Track Alert webhook payload.
//
//	c, err := ups.New(id, secret, ups.Options{})
//	tr, err := c.Track(ctx, "1Z023E2X0214323462")
//
// ParseTrackResponse and ParseWebhook are pure functions usable on stored
// or pushed bodies without a Carrier.
//
// # Authentication and HTTP
//
// Tokens come from POST /security/v1/oauth/token with HTTP Basic client
// authentication (golang.org/x/oauth2/clientcredentials,
// AuthStyleInHeader); UPS's "expires_in" is a JSON string, which x/oauth2
// reads. A token is reused until a minute before it expires, and a 401
// answer drops it and retries once with a fresh one. Requests carry a fresh
// transId (kept as the RequestID of errors) and transactionSrc. Retries
// (429 honouring Retry-After, 5xx except 501, connection errors; capped
// exponential backoff with jitter; the context ends every wait) come from
// the shared carrierhttp client.
//
// # Status mapping
//
// Each activity carries a type (D, I, M, MV, X, P, ...), a 2-letter code
// and a 3-digit statusCode. The statusCode table (all 170 UPS
// "Status/Description Codes") is the most specific and wins; the 2-letter
// movement and delivery codes come next; the type is the fallback and
// overrides a finer code that merely says "moving" when the type says
// delivered or exception. A reason a finer code names is never lost to the
// coarser type: type X over statusCode 092 ("Customs Clearance in
// Progress") is an exception for customs, not "other". Codes in no table give carriers.StatusUnknown and
// are kept in Event.Code. The tables are in codes.go with their origin.
// Tracking.Status comes from currentStatus when present, else from the
// newest activity.
//
// # Times
//
// Activity date and time are local to the scan. With a gmtOffset the event
// time is that wall clock in that offset; without one but with gmtDate and
// gmtTime, the offset is derived (local − GMT, to the quarter hour); with
// neither (UPS's own Postman sample), the wall clock is kept in UTC and the
// event is marked ZoneUnknown. When the stated offset and the GMT fields
// disagree, the local time and stated offset win. gmtTime is read in every
// form seen: "HHMMSS", "HH:MM:SS" and "74700" (leading zero dropped);
// gmtOffset as "+08:00", "-04.00", "-0400" or "-4". Package-level
// deliveryDate and deliveryTime carry no zone at all
// (UPS-API/api-documentation#187): the Estimate is ZoneUnknown, built from
// the rescheduled date (RDD) over the scheduled one (SDD), with the
// deliveryTime window when given and DateOnly otherwise. DeliveredAt is the
// delivery scan's time, else the package's DEL date and time; it has
// DeliveredZoneUnknown set when that time has no zone (always for the DEL
// date).
//
// # Errors
//
// The warning TW0001 inside an HTTP 200 body and HTTP 404 match
// carriers.ErrNotFound; TV1002 (and HTTP 400) carriers.ErrInvalidNumber;
// 250003/250002 and HTTP 401/403 carriers.ErrUnauthorized; 429
// carriers.ErrRateLimited; 5xx carriers.ErrUnavailable. Bodies that are not
// the documented JSON match carriers.ErrMalformedResponse and carry a
// *carriers.DecodeError with the JSON path. Documented string fields are
// read tolerantly: a number or boolean where a string is documented is
// taken as written, and an object or array where a scalar belongs reads as
// empty (the fields the adapter cannot do without, such as an activity
// date, are then reported missing with their path). Bodies above 16 MB are
// refused without being read whole.
//
// # Webhooks
//
// ParseWebhook reads Track Alert's TrackingEventRequest: one event per push,
// the local activity date/time with gmtOffset ("-04.00") or GMT
// date/time, the scheduled delivery date and window, and for deliveries the
// receiver. UPS documents no signature on these requests; authenticate them
// on the host's side before parsing.
//
// # Performance and fuzzing
//
// Benchmark figures (BenchmarkParseTrackResponse against a baseline that
// only json.Unmarshals the same body) are in BENCHMARKS.md at the
// repository root. The parsers are fuzzed with:
//
//	go test -run=^$ -fuzz='^FuzzParseTrackResponse$' -fuzztime=30s -fuzzminimizetime=5s ./carriers/ups
//	go test -run=^$ -fuzz='^FuzzParseWebhook$' -fuzztime=30s -fuzzminimizetime=5s ./carriers/ups
//
// Bound -fuzzminimizetime: by default the fuzzer spends up to a minute
// minimizing each new input, and on these parsers that leaves it
// minimizing nearly all the time.
package ups
