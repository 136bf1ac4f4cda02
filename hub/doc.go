// Package hub is the brand's own tracking, returns and claims page: an
// http.Handler the host mounts on its site, so the customer never leaves
// the brand after checkout.
//
// The handler reads orders from a Source (the *postpurchase.Engine is
// one) and serves, relative to where it is mounted:
//
//   - GET  ./                  the lookup form: order number plus email or
//     postcode, by POST (an email never goes into a URL), compared in
//     constant time and rate limited per client (Options.VerifyRate);
//   - GET  track/<token>       one page per order: a card per shipment with
//     the status in words, a progress indicator (aria-current="step"),
//     the estimate as a date window, the carrier's timeline newest first
//     in local times ("show more" in a <details>), the line items, the
//     customer's CashBack balance, recommended products, the claims and
//     the return the Source offers, and the cases already opened;
//   - POST track/<token>       confirm the customer, file a claim, start a
//     return; answered with a redirect back to the page (POST-redirect-GET),
//     which then shows the confirmation and the case's state;
//   - GET  api/track/<token>   the same page data as JSON, for headless
//     storefronts.
//
// Links come from Handler.Link (or TrackingURL, the shape the Engine's
// messages use): the token is the last path segment, HMAC-SHA256-signed
// with Options.Keys[0], naming the order and an expiry. Keys rotate: every
// key in Options.Keys verifies. A wrong, expired or tampered token gets
// exactly the same status and bytes as an unknown order.
//
// Until the customer confirms (the lookup form, or the email or postcode
// on the page), the page hides the street address, tracking numbers, the
// order total and case notes, and never shows a scan's postal code (it
// could be the customer's, which the lookup accepts as proof); after, a
// signed, HttpOnly, SameSite=Lax session cookie (one per order, valid for
// Options.SessionTTL) reveals them. Filing a claim or a return needs the confirmation too (the
// forms carry the field, so it is one step).
//
// Everything carriers, hosts and customers supply is escaped by
// html/template, with bidirectional-override controls removed. Every
// response carries a Content-Security-Policy (no scripts at all; the one
// inline style sheet allowed by its hash), X-Content-Type-Options: nosniff,
// Referrer-Policy: no-referrer (the token is in the URL), X-Frame-Options
// and Cache-Control: no-store. Forms are protected against cross-site
// requests by net/http's CrossOriginProtection (Sec-Fetch-Site and Origin
// checks); the pages need no JavaScript.
//
// Mount it under a prefix with http.StripPrefix, without the trailing
// slash:
//
//	mux.Handle("/orders/", http.StripPrefix("/orders", h))
//
// Performance figures are in BENCHMARKS.md at the repository's root.
package hub
