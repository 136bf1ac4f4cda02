// Package httpretry is the module's one HTTP retry path, shared by package
// klaviyo and the carrier adapters (carriers/internal/carrierhttp), on top
// of hashicorp/go-retryablehttp.
//
// It decides how long to wait before a retry and whether to wait at all:
//
//   - Retry-After (RFC 9110 §10.2.3) is read as delta-seconds or as an
//     HTTP date, against an injected clock, and capped at MaxRetryAfter
//     (a day) either way (ParseRetryAfter).
//   - Backoff has a floor and full jitter: the wait after attempt n is
//     uniform in [MinWait, min(MaxWait, MinWait·2^(n+1))]. It is never
//     below MinWait, so a burst of failures cannot spend the whole retry
//     budget in milliseconds, and clients that failed together spread out.
//   - A 429 or 503 with Retry-After waits max(Retry-After, Backoff(n)):
//     never earlier than the server asked, and "Retry-After: 0" (Klaviyo's
//     "Expected available in 0 seconds") still waits the jittered floor.
//     A Retry-After longer than Policy.MaxRetryAfter is not waited for.
//   - If the wait is longer than the context's deadline allows, the retries
//     stop at once and the last answer (or transport error) is returned,
//     instead of sleeping until the deadline and returning "context
//     deadline exceeded".
//
// Policy.Apply installs the policy on a *retryablehttp.Client. Send through
// Do (or RoundTripper for code that wants an *http.Client): it computes
// each wait before deciding to retry, so the deadline rule is exact. A
// client used directly (c.Do) still gets the same waits, but its deadline
// check can only use the shortest wait the next retry could take.
package httpretry

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// MaxRetryAfter caps a parsed Retry-After, whether delta-seconds or an
// HTTP date (a far-future date once meant a wait of 174 years).
const MaxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads a Retry-After header value: delta-seconds or an HTTP
// date, relative to now; capped at MaxRetryAfter. ok is false when the value
// is absent, negative or unreadable; a date in the past yields 0 and true.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
				return MaxRetryAfter, true // all digits, beyond uint64
			}
			return 0, false
		}
		if n > uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), MaxRetryAfter), true
}

// Policy is how long to wait between attempts. Its zero value waits
// nothing; callers resolve their own defaults and call Validate.
type Policy struct {
	// MaxRetries is how many times a request is re-sent after the first
	// attempt (0: never).
	MaxRetries int
	// MinWait is the floor of every wait and the base of the exponential
	// backoff; MaxWait caps the backoff (not Retry-After).
	MinWait, MaxWait time.Duration
	// MaxRetryAfter is the longest Retry-After waited for; an answer asking
	// for longer ends the retries at once. Zero means no limit but the
	// context's deadline (and the MaxRetryAfter cap of parsing).
	MaxRetryAfter time.Duration
	// Now reads Retry-After HTTP dates (nil: time.Now). Waits and context
	// deadlines use real time.
	Now func() time.Time
	// Rand returns a uniform integer in [0, n) for n > 0 (nil: math/rand/v2).
	Rand func(n int64) int64
}

// Validate checks the policy's fields.
func (p Policy) Validate() error {
	switch {
	case p.MaxRetries < 0:
		return errors.New("httpretry: negative MaxRetries")
	case p.MinWait < 0, p.MaxWait < 0, p.MaxRetryAfter < 0:
		return errors.New("httpretry: negative wait")
	case p.MinWait > p.MaxWait:
		return errors.New("httpretry: MinWait above MaxWait")
	}
	return nil
}

func (p Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p Policy) randN(n int64) int64 {
	if p.Rand != nil {
		return p.Rand(n)
	}
	return rand.Int64N(n)
}

// Backoff returns the wait after a failed attempt n (0 for the first):
// uniform in [MinWait, min(MaxWait, MinWait·2^(n+1))].
func (p Policy) Backoff(attempt int) time.Duration {
	if p.MinWait <= 0 {
		return 0
	}
	ceil := p.MinWait
	for i := 0; i <= attempt && ceil < p.MaxWait; i++ {
		ceil *= 2
		if ceil <= 0 { // overflow
			ceil = p.MaxWait
		}
	}
	ceil = min(ceil, p.MaxWait)
	if ceil <= p.MinWait {
		return p.MinWait
	}
	return p.MinWait + time.Duration(p.randN(int64(ceil-p.MinWait)+1))
}

// retryAfter returns the Retry-After of a 429 or 503 answer.
func (p Policy) retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp == nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return 0, false
	}
	return ParseRetryAfter(resp.Header.Get("Retry-After"), p.now())
}

// Wait returns the wait before retrying after attempt n got resp (nil for
// a transport error): max(Retry-After, Backoff(n)) for a 429 or 503 with
// Retry-After, Backoff(n) otherwise. ok is false when the Retry-After is
// longer than MaxRetryAfter (set): that answer is not worth waiting for.
func (p Policy) Wait(attempt int, resp *http.Response) (wait time.Duration, ok bool) {
	b := p.Backoff(attempt)
	ra, has := p.retryAfter(resp)
	if !has {
		return b, true
	}
	if p.MaxRetryAfter > 0 && ra > p.MaxRetryAfter {
		return ra, false
	}
	return max(ra, b), true
}

// minWait is the shortest wait Wait can return after resp.
func (p Policy) minWait(resp *http.Response) time.Duration {
	ra, _ := p.retryAfter(resp)
	return max(ra, p.MinWait)
}

// Fits reports whether waiting d leaves time before ctx's deadline (always
// true without a deadline).
func Fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// CheckRetry returns a retryablehttp.CheckRetry: stop when ctx is done
// (its error); otherwise ask decide (nil: retryablehttp.DefaultRetryPolicy)
// whether the outcome is worth retrying, and stop at once, returning the
// last answer, when the answer's Retry-After is beyond MaxRetryAfter or the
// shortest possible wait does not fit before ctx's deadline.
func (p Policy) CheckRetry(decide retryablehttp.CheckRetry) retryablehttp.CheckRetry {
	if decide == nil {
		decide = retryablehttp.DefaultRetryPolicy
	}
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, ctxErr
		}
		retry, cerr := decide(ctx, resp, err)
		if !retry || cerr != nil {
			return retry, cerr
		}
		if ra, has := p.retryAfter(resp); has && p.MaxRetryAfter > 0 && ra > p.MaxRetryAfter {
			return false, nil
		}
		if !Fits(ctx, p.minWait(resp)) {
			return false, nil
		}
		return true, nil
	}
}

// BackoffFunc returns the retryablehttp.Backoff of the policy: Wait for the
// attempt (its minWait and maxWait arguments are ignored: the policy's
// own apply).
func (p Policy) BackoffFunc() retryablehttp.Backoff {
	return func(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
		d, _ := p.Wait(attempt, resp)
		return d
	}
}

// Apply installs the policy on c: RetryMax, RetryWaitMin, RetryWaitMax,
// CheckRetry (with decide, see CheckRetry) and Backoff.
func (p Policy) Apply(c *retryablehttp.Client, decide retryablehttp.CheckRetry) {
	c.RetryMax = p.MaxRetries
	c.RetryWaitMin, c.RetryWaitMax = p.MinWait, p.MaxWait
	c.CheckRetry = p.CheckRetry(decide)
	c.Backoff = p.BackoffFunc()
}

// Do sends req through c, deciding each wait before deciding to retry: the
// wait c.Backoff gives for this attempt is computed when c.CheckRetry says
// "retry", and when it does not fit before the context's deadline the
// retries stop at once with the last answer. c is not modified; its other
// settings (HTTP client, logger, hooks, error handler) apply.
func Do(c *retryablehttp.Client, req *retryablehttp.Request) (*http.Response, error) {
	attempt := 0
	var next time.Duration
	call := &retryablehttp.Client{
		HTTPClient:      c.HTTPClient,
		Logger:          c.Logger,
		RetryWaitMin:    c.RetryWaitMin,
		RetryWaitMax:    c.RetryWaitMax,
		RetryMax:        c.RetryMax,
		RequestLogHook:  c.RequestLogHook,
		ResponseLogHook: c.ResponseLogHook,
		ErrorHandler:    c.ErrorHandler,
		PrepareRetry:    c.PrepareRetry,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			check := c.CheckRetry
			if check == nil {
				check = retryablehttp.DefaultRetryPolicy
			}
			retry, cerr := check(ctx, resp, err)
			n := attempt
			attempt++
			if !retry || cerr != nil || n >= c.RetryMax {
				return retry, cerr
			}
			backoff := c.Backoff
			if backoff == nil {
				backoff = retryablehttp.DefaultBackoff
			}
			next = backoff(c.RetryWaitMin, c.RetryWaitMax, n, resp)
			if !Fits(ctx, next) {
				return false, nil
			}
			return true, nil
		},
		Backoff: func(time.Duration, time.Duration, int, *http.Response) time.Duration { return next },
	}
	return call.Do(req)
}

// RoundTripper returns an http.RoundTripper sending every request through
// Do(c, …), for code that takes an *http.Client (an OAuth 2 token source).
// Like retryablehttp.RoundTripper, a failure without a response returns
// the *url.Error's cause.
func RoundTripper(c *retryablehttp.Client) http.RoundTripper { return roundTripper{c} }

type roundTripper struct{ c *retryablehttp.Client }

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	resp, err := Do(rt.c, rreq)
	if ue, ok := err.(*url.Error); ok {
		return resp, ue.Err
	}
	return resp, err
}
