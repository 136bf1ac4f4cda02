// Package carriers is the normalized model of parcel tracking that the rest
// of postpurchase stands on: the status taxonomy (Status, Reason), carrier
// events and trackings (Event, Tracking), tracking-number detection
// (Detect, NormalizeNumber), the Carrier contract that adapters implement,
// and typed errors.
//
// # Adapters
//
// Each carrier lives in its own sub-package (ups, fedex, usps, dhl) and
// implements Carrier; simulator is a deterministic carrier for tests and
// examples; carrierstest is the conformance suite any adapter, ours or a
// third party's, runs with one call.
//
// # Status taxonomy
//
// Status is deliberately coarse (nine states plus unknown) and Reason
// carries the detail. The mapping from AfterShip's tags and subtags and from
// EasyPost's status and status_detail values is in FromAfterShip and
// FromEasyPost; the full table is in TAXONOMY.md next to this file, generated
// from the same table the functions use (go test -run TestTaxonomyDoc -update
// rewrites it). Carrier codes this package does not know decode to
// StatusUnknown and keep the raw code: decoding never fails because a carrier
// invented a new code.
//
// # Errors
//
// Adapters return *Error, which unwraps to a sentinel (ErrNotFound,
// ErrInvalidNumber, ErrUnauthorized, ErrRateLimited, ErrUnavailable,
// ErrMalformedResponse, ErrUnsupported) for errors.Is and keeps the carrier's
// HTTP status (StatusCode), code, message and request ID for errors.As.
// Malformed input is described by a *DecodeError naming the JSON path
// (Path).
//
// # Constructors
//
// Every adapter's New takes its required credentials as arguments and the
// rest in one Options struct, passed by value, whose zero value means the
// documented defaults and which New validates once; Options.Now is the
// injected clock (nil means time.Now) used wherever the adapter reads the
// time. The HTTP adapters (ups, fedex, usps, dhl) declare the same transport
// fields, with the same meaning and defaults: HTTPClient, Logger, RetryMax,
// RetryWaitMin, RetryWaitMax, MaxRetryAfter, MaxBodyBytes and Now. They are
// repeated in each Options rather than embedded from a shared struct, so a
// literal stays flat (ups.Options{HTTPClient: c, Now: now}) and each
// adapter's documentation lists all its options; one implementation serves
// them all, and a test keeps the declarations in step.
//
// # Detection
//
// Detect recognises UPS (1Z and waybill), FedEx (Express 12, Ground 15,
// SSCC-18, Ground 96, Express 34, ASTRA 32, GSN 34), USPS (IMpb 20–34 digits
// with or without the 420+ZIP routing prefix; USPS 20 under Publication 91,
// whose check digit covers the implied application identifier "91", and
// Publication 109), UPU S10, DHL (Express waybills by check digit; piece IDs
// JJD… and JVGL…, eCommerce GM… and 14-digit numbers by format), Amazon
// Logistics, OnTrac and LaserShip numbers by format and check digit (see
// Match.Format). Benchmark figures are in BENCHMARKS.md at the repository
// root.
package carriers
