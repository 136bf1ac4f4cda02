package klaviyo

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/postpurchase/postpurchase/internal/httpretry"
)

// errPacingDeadline: waiting for a rate-limit slot (or the pause a 429 set)
// would overrun the context deadline. It matches ErrRateLimited.
var errPacingDeadline = fmt.Errorf("%w: the rate-limit wait would exceed the context deadline", ErrRateLimited)

// endpointState is the pacing state of one endpoint.
type endpointState struct {
	name     Endpoint
	limiters []*rate.Limiter

	take sync.Mutex // serialises reserveAll

	mu          sync.Mutex
	pausedUntil time.Time // set by a 429's Retry-After
}

// newLimiters returns one token bucket per window. For a window of length W
// and limit L the bucket refills at r = min(u·L, L-1)/W and holds
// b = max(1, floor(L - r·W)) tokens, so any interval of length W admits at
// most b + r·W <= L requests, wherever Klaviyo's fixed windows fall.
func newLimiters(l Limit, u float64) []*rate.Limiter {
	l = l.withDefaults()
	mk := func(n int, w time.Duration) *rate.Limiter {
		L := float64(n)
		per := math.Min(u*L, L-1)
		if per <= 0 {
			per = u * L / 2
		}
		r := per / w.Seconds()
		b := int(math.Floor(L - r*w.Seconds() + 1e-9))
		if b < 1 {
			b = 1
		}
		return rate.NewLimiter(rate.Limit(r), b)
	}
	return []*rate.Limiter{mk(l.Burst, l.BurstWindow), mk(l.Steady, l.SteadyWindow)}
}

// pacingTransport waits for the endpoint's pacing (a Retry-After pause,
// then the token buckets) before each attempt, counts attempts and logs.
type pacingTransport struct {
	base http.RoundTripper
	log  *slog.Logger
	now  func() time.Time // reads Retry-After HTTP dates
	echo redactor         // masks the API key in logged header values
}

func (t *pacingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	cs, _ := ctx.Value(ctxKey{}).(*callState)
	if cs == nil {
		return t.base.RoundTrip(req)
	}
	attempt := cs.attempts.Add(1)
	ep := cs.ep
	if err := ep.wait(ctx); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	elapsed := time.Since(start)
	if err != nil {
		t.log.LogAttrs(ctx, slog.LevelWarn, "klaviyo: request failed",
			slog.String("endpoint", string(ep.name)), slog.Int("attempt", int(attempt)),
			slog.Duration("elapsed", elapsed), slog.String("error", unwrapURLError(err).Error()))
		return nil, err
	}
	level := slog.LevelDebug
	attrs := []slog.Attr{
		slog.String("endpoint", string(ep.name)), slog.Int("attempt", int(attempt)),
		slog.Int("status", resp.StatusCode), slog.Duration("elapsed", elapsed),
	}
	if id := resp.Header.Get("X-Klaviyo-Req-Id"); id != "" {
		attrs = append(attrs, slog.String("request_id", clip(sanitizeHeaderID(id, t.echo), maxEcho)))
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		level = slog.LevelWarn
		if d, ok := httpretry.ParseRetryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
			attrs = append(attrs, slog.Duration("retry_after", d))
			if resp.StatusCode == http.StatusTooManyRequests {
				ep.pause(time.Now().Add(d))
			}
		}
	}
	t.log.LogAttrs(ctx, level, "klaviyo: response", attrs...)
	return resp, nil
}

// pause holds every request to the endpoint until t (after a 429): Klaviyo
// answers immediate retries with 429 again.
func (ep *endpointState) pause(t time.Time) {
	ep.mu.Lock()
	if t.After(ep.pausedUntil) {
		ep.pausedUntil = t
	}
	ep.mu.Unlock()
}

func (ep *endpointState) wait(ctx context.Context) error {
	for {
		ep.mu.Lock()
		d := time.Until(ep.pausedUntil)
		ep.mu.Unlock()
		if d <= 0 {
			break
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return errPacingDeadline
		}
		tm := time.NewTimer(d)
		select {
		case <-ctx.Done():
			tm.Stop()
			return ctx.Err()
		case <-tm.C:
		}
	}
	if len(ep.limiters) == 0 {
		return nil
	}
	for {
		ep.take.Lock()
		d := reserveAll(ep.limiters, time.Now())
		ep.take.Unlock()
		if d == 0 {
			return nil
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return errPacingDeadline
		}
		tm := time.NewTimer(d)
		select {
		case <-ctx.Done():
			tm.Stop()
			return ctx.Err()
		case <-tm.C:
		}
	}
}

// reserveAll takes one token from every limiter at instant now and returns
// 0, or, when any limiter has less than a token at now, returns the longest
// wait and takes nothing. Taking all tokens at the same instant as the send
// keeps each bucket's bound true of actual send times (waiting on the
// limiters one after the other would not), and never reserving ahead means
// no tokens are lost to cancelled reservations under concurrency. Callers
// serialise calls per limiter set.
func reserveAll(lims []*rate.Limiter, now time.Time) time.Duration {
	var wait time.Duration
	for _, l := range lims {
		if tok := l.TokensAt(now); tok < 1 {
			d := time.Duration((1 - tok) / float64(l.Limit()) * float64(time.Second))
			if d <= 0 {
				d = time.Microsecond
			}
			wait = max(wait, d)
		}
	}
	if wait > 0 {
		return wait
	}
	for _, l := range lims {
		l.AllowN(now, 1)
	}
	return 0
}
