// Package klaviyotest is a local fake of the Klaviyo endpoints package
// klaviyo calls — POST /api/events, /api/event-bulk-create-jobs and
// /api/profile-import — built on net/http/httptest, for tests and examples
// (yours and ours). No network, no account.
//
// NewServer(Options) starts it; point the client at Server.URL. The fake:
//
//   - checks headers: "Authorization: Klaviyo-API-Key <key>" (401
//     not_authenticated), a well-formed revision (400 invalid, parameter
//     "revision"), Content-Type application/vnd.api+json (415) and an
//     acceptable Accept (406);
//   - checks bodies against the structure of the request schemas of
//     Klaviyo's OpenAPI spec (2026-07-15) — required members, resource
//     types, member types, identifiers, metric name length, 400 properties,
//     time range, 1,000 events per bulk request, payload size — and answers
//     400 with a JSON:API error whose source.pointer names the member. The
//     package's own tests check that these checks agree with the spec
//     (validated with getkin/kin-openapi); Options.Validate lets a test add
//     such a validator in front of the fake;
//   - answers as Klaviyo does: 202 with an empty body for events, 201
//     (created) or 200 (updated) with a profile document for profile
//     import, 409 duplicate_profile when identifiers belong to two profiles,
//     JSON:API errors otherwise, X-Klaviyo-Req-Id and RateLimit-* headers;
//   - de-duplicates events by unique_id per profile and metric (without a
//     unique_id, by the event time to the second, as Klaviyo does) and fails
//     a bulk request that repeats a unique_id for the same profile and
//     metric;
//   - enforces burst and steady limits in fixed windows with 429 throttled
//     and a whole-second Retry-After (Options.Limits, DefaultLimits; window
//     lengths are configurable, and so is the clock, Options.Now, so tests
//     can run fast), and counts a body re-sent before its Retry-After
//     passed (Stats.EarlyRetries);
//   - injects faults on request (Options.Faults with FaultSequence or
//     RandomFaults): 429, 500, 503, connection resets, slow answers, and
//     failures after the request took effect (reset or 500 after the events
//     were recorded), which is what makes a retry a duplicate;
//   - records what it accepted: Events, Profiles, ProfileByEmail, Stats.
//
// What it does not model: other endpoints, OAuth, scopes (403), revision
// retirement (410), and Klaviyo's asynchronous processing (events are
// recorded at once).
package klaviyotest
