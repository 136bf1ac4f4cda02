// Package carrierhttp is the HTTP plumbing shared by the carrier adapters
// (ups, fedex, usps, dhl): a go-retryablehttp client with the project's
// retry policy, bounded body reading, the mapping of HTTP statuses and
// transport failures to the carriers sentinel errors, and an OAuth 2
// client-credentials token cache.
//
// # Retry policy
//
// NewClient returns a *retryablehttp.Client whose CheckRetry
//
//   - stops as soon as the request's context is done (its error is returned),
//   - retries connection errors (except TLS certificate, scheme, invalid
//     header and redirect-loop errors, which cannot heal),
//   - retries 429 and every 5xx except 501 Not Implemented,
//   - does not retry when a 429 or 503 asks, through Retry-After, for a wait
//     longer than Options.MaxRetryAfter: the response goes back to the
//     adapter at once (it maps to carriers.ErrRateLimited or
//     carriers.ErrUnavailable) instead of blocking the caller for minutes.
//
// The waits and the deadline rule are the module's one retry path,
// internal/httpretry: a 429 or 503 waits at least its Retry-After
// (delta-seconds or an HTTP date read with Options.Now, capped at a day)
// and never less than a jittered floor; other retries wait RetryWaitMin
// plus full jitter up to RetryWaitMin·2^(attempt+1), capped at
// RetryWaitMax. A wait that would outlast the request context's deadline
// is not started: the last response goes back at once. Every wait ends
// early when the context is done. After the last attempt the last response
// is returned as is (never an opaque "giving up" error), so the adapter
// maps its status and body itself.
//
// # Logging
//
// Requests and retries are logged at debug level through the *slog.Logger
// given in Options (nothing is logged when it is nil). URLs are logged
// without their query string and user info, and header values are never
// logged, so neither credentials nor tokens reach the log.
//
// # Errors
//
// StatusError turns a non-2xx response into a *carriers.Error carrying the
// HTTP status, the request ID and the sentinel of SentinelForStatus;
// TransportError does the same for a failure without a response (the
// context's error stays reachable with errors.Is). ReadBody reads at most a
// given number of bytes and fails with ErrBodyTooLarge (wrapped in a
// *carriers.DecodeError, so it also matches carriers.ErrMalformedResponse)
// rather than reading an unbounded body.
//
// # OAuth 2
//
// TokenCache wraps golang.org/x/oauth2/clientcredentials: it fetches a token
// with the caller's context, reuses it until shortly before it expires, lets
// one caller fetch while the others wait (each still honouring its own
// context), and can be told to drop a token the carrier refused. x/oauth2
// accepts "expires_in" as a JSON number or a JSON string (UPS sends a
// string); the tests check both.
//
// NewOAuth builds an adapter's retrying client and token cache together, so
// token requests are retried and logged like the others (TokenConfig.Header
// adds UPS's x-merchant-id to them). WithToken runs the flow the adapters
// share: call the carrier with a token and, when it refuses the token
// (expired or revoked early), drop it and call once more with a fresh one.
//
// # Answers
//
// Answer maps the answer to a request for one tracking number the way the
// single-number adapters (ups, usps, dhl) do: a non-2xx status through
// StatusError, refined by the carrier's error code and message from the
// body; a 2xx body through the adapter's parser, whose errors get the
// operation, number, status and request ID; and of several trackings the one
// whose number was asked for (PickTracking). CodeSentinel maps a carrier's
// own error codes; CleanNumber, Clip, RandomID and CheckURL are the small
// helpers every adapter needs.
//
// # Constructors
//
// The part of every adapter's New that is the same for all is here:
// Required and HeaderSafe check the credentials and header values,
// ResolveEndpoint the base URL and body limit, ResolveTokenURL the token
// endpoint, and every refusal is a *carriers.OptionError naming the option
// (OptionError), with NewClient's or NewOAuth's own error kept as the cause
// (NewError).
//
// The package is internal: its API serves the four adapters of this module
// and may change with them.
package carrierhttp
