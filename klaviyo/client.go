package klaviyo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/postpurchase/postpurchase/internal/httpretry"
)

// Defaults.
const (
	// DefaultBaseURL is Klaviyo's production API host.
	DefaultBaseURL = "https://a.klaviyo.com"
	// DefaultRevision is the API revision this package is tested against
	// (the OpenAPI spec in testdata/). Override with Options.Revision.
	DefaultRevision = "2026-07-15"
	// DefaultUserAgent is sent unless Options.UserAgent says otherwise.
	DefaultUserAgent = "postpurchase-klaviyo-go/1"
)

// Endpoint names an API operation the client calls; it is the request path.
type Endpoint string

// The endpoints the client uses.
const (
	// EndpointEvents is Create Event (POST /api/events).
	EndpointEvents Endpoint = "/api/events"
	// EndpointBulkEvents is Bulk Create Events (POST /api/event-bulk-create-jobs).
	EndpointBulkEvents Endpoint = "/api/event-bulk-create-jobs"
	// EndpointProfileImport is Create or Update Profile (POST /api/profile-import).
	EndpointProfileImport Endpoint = "/api/profile-import"
)

var endpoints = []Endpoint{EndpointEvents, EndpointBulkEvents, EndpointProfileImport}

const jsonAPI = "application/vnd.api+json"

// RetryPolicy configures retries. 429 and 503 answers (with 5xx except 501,
// and transport errors such as connection resets) are retried; other 4xx
// never. After attempt n the wait is uniform in [MinWait, min(MaxWait,
// MinWait·2^(n+1))] (a floor and full jitter), and at least the answer's
// Retry-After: "Retry-After: 0" still waits MinWait or more. A wait that
// would outlast the context's deadline is not started: the call fails at
// once with the last answer.
type RetryPolicy struct {
	// MaxRetries is how many times a request is re-sent after the first
	// attempt. Zero means 4; negative disables retries.
	MaxRetries int
	// MinWait is the floor of every wait and the first backoff step. Zero
	// means 500ms.
	MinWait time.Duration
	// MaxWait caps the backoff (not Retry-After). Zero means 30s.
	MaxWait time.Duration
}

// Limit is one endpoint's rate limit as Klaviyo documents it: at most Burst
// requests per BurstWindow and Steady requests per SteadyWindow. The client
// paces itself with two token buckets, each sized so that no interval of
// the window's length can see more than the limit, at 97% of the steady
// rate (DefaultUtilization).
type Limit struct {
	Burst int
	// BurstWindow is the burst window. Zero means one second.
	BurstWindow time.Duration
	Steady      int
	// SteadyWindow is the steady window. Zero means one minute.
	SteadyWindow time.Duration
}

func (l Limit) withDefaults() Limit {
	if l.BurstWindow == 0 {
		l.BurstWindow = time.Second
	}
	if l.SteadyWindow == 0 {
		l.SteadyWindow = time.Minute
	}
	return l
}

// SteadyRate is the sustained rate Klaviyo allows, in requests per second.
func (l Limit) SteadyRate() float64 {
	l = l.withDefaults()
	return float64(l.Steady) / l.SteadyWindow.Seconds()
}

// DefaultUtilization is the share of a documented rate the client's pacing
// aims for, leaving room for clock and network jitter.
const DefaultUtilization = 0.97

// DefaultLimit returns Klaviyo's documented limit for an endpoint (spec
// 2026-07-15, x-klaviyo-ratelimit): events 350/s and 3500/m, bulk events
// 10/s and 150/m, profile import 75/s and 750/m.
func DefaultLimit(e Endpoint) Limit {
	switch e {
	case EndpointEvents:
		return Limit{Burst: 350, Steady: 3500}
	case EndpointBulkEvents:
		return Limit{Burst: 10, Steady: 150}
	case EndpointProfileImport:
		return Limit{Burst: 75, Steady: 750}
	}
	return Limit{}
}

// Options configures a Client. The zero value means every documented
// default; New validates the fields.
type Options struct {
	// BaseURL is the API host (zero: DefaultBaseURL), e.g. a
	// klaviyotest.Server's URL. An absolute http(s) URL without query.
	BaseURL string
	// HTTPClient supplies the Transport and Timeout the client uses (nil: a
	// client with a 30s timeout over a clone of http.DefaultTransport
	// keeping up to 64 idle connections). It is copied, not modified.
	HTTPClient *http.Client
	// Revision is the revision header (zero: DefaultRevision), YYYY-MM-DD
	// with an optional ".suffix".
	Revision string
	// Retry is the retry policy (zero fields: its documented defaults).
	Retry RetryPolicy
	// RateLimits replaces the limit the client paces the listed endpoints
	// with (others: DefaultLimit). Processes sharing a key should split
	// Klaviyo's limits between them.
	RateLimits map[Endpoint]Limit
	// NoRateLimits turns client-side pacing off (429s are still retried).
	NoRateLimits bool
	// BulkMaxEvents and BulkMaxBytes lower the per-request limits
	// CreateEvents splits by (zero: MaxBulkEvents and MaxBulkPayloadBytes).
	BulkMaxEvents int
	BulkMaxBytes  int
	// Logger receives request records at Debug and retries at Warn (nil:
	// discard); the API key, headers and bodies never reach it.
	Logger *slog.Logger
	// UserAgent is the User-Agent header (zero: DefaultUserAgent).
	UserAgent string
	// Now is the clock (nil: time.Now): default event times, the time
	// range check, and turning a Retry-After HTTP date into a wait. Pacing
	// and retry waits themselves use real time.
	Now func() time.Time
}

// credential holds the Authorization header value behind a pointer, so that
// printing a Client shows an address, not the key.
type credential struct {
	header string
	echo   redactor // masks the key in what servers send back
}

func (*credential) String() string   { return "[redacted]" }
func (*credential) GoString() string { return "[redacted]" }

// LogValue keeps the key out of slog output.
func (*credential) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Client talks to Klaviyo's REST API. It is safe for concurrent use. One
// Client per API key: Klaviyo's limits are per account, so every process
// sharing a key shares them (lower the limits with Options.RateLimits then).
type Client struct {
	baseURL       string
	revision      string
	userAgent     string
	cred          *credential
	rc            *retryablehttp.Client
	log           *slog.Logger
	now           func() time.Time
	eps           map[Endpoint]*endpointState
	bulkMaxEvents int
	bulkMaxBytes  int
	allowBackfill bool
}

// String never shows the API key.
func (c *Client) String() string { return "klaviyo.Client{" + c.baseURL + "}" }

// GoString never shows the API key.
func (c *Client) GoString() string { return c.String() }

// New returns a client for the private API key. It checks the key's shape
// (not its validity: that needs a request) and the options.
func New(apiKey string, opts Options) (*Client, error) {
	if apiKey == "" {
		return nil, errors.New("klaviyo: empty API key")
	}
	for _, r := range apiKey {
		if r <= 0x20 || r == 0x7f || r > 0x7e {
			return nil, errors.New("klaviyo: API key has spaces, control or non-ASCII characters")
		}
	}
	cfg := opts
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Revision == "" {
		cfg.Revision = DefaultRevision
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return nil, errors.New("klaviyo: base URL must be an absolute http(s) URL without query")
	}
	if !validRevision(cfg.Revision) {
		return nil, fmt.Errorf("klaviyo: revision %q is not YYYY-MM-DD[.suffix]", cfg.Revision)
	}
	if strings.ContainsAny(cfg.UserAgent, "\r\n") {
		return nil, errors.New("klaviyo: user agent has line breaks")
	}
	r := cfg.Retry
	switch {
	case r.MaxRetries == 0:
		r.MaxRetries = 4
	case r.MaxRetries < 0:
		r.MaxRetries = 0
	}
	if r.MinWait == 0 {
		r.MinWait = 500 * time.Millisecond
	}
	if r.MaxWait == 0 {
		r.MaxWait = 30 * time.Second
	}
	if r.MinWait < 0 || r.MaxWait < r.MinWait {
		return nil, errors.New("klaviyo: retry waits must satisfy 0 <= MinWait <= MaxWait")
	}
	if cfg.BulkMaxEvents == 0 {
		cfg.BulkMaxEvents = MaxBulkEvents
	}
	if cfg.BulkMaxBytes == 0 {
		cfg.BulkMaxBytes = MaxBulkPayloadBytes
	}
	if cfg.BulkMaxEvents < 1 || cfg.BulkMaxEvents > MaxBulkEvents {
		return nil, fmt.Errorf("klaviyo: bulk events per request must be in 1..%d", MaxBulkEvents)
	}
	if cfg.BulkMaxBytes < 4<<10 || cfg.BulkMaxBytes > MaxBulkPayloadBytes {
		return nil, fmt.Errorf("klaviyo: bulk bytes per request must be in 4 KiB..%d", MaxBulkPayloadBytes)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		baseURL:       strings.TrimRight(cfg.BaseURL, "/"),
		revision:      cfg.Revision,
		userAgent:     cfg.UserAgent,
		cred:          &credential{header: "Klaviyo-API-Key " + apiKey, echo: redactor{key: apiKey}},
		log:           logger,
		now:           cfg.Now,
		eps:           map[Endpoint]*endpointState{},
		bulkMaxEvents: cfg.BulkMaxEvents,
		bulkMaxBytes:  cfg.BulkMaxBytes,
		allowBackfill: cfg.Revision >= "2026-04-15",
	}
	for _, e := range endpoints {
		st := &endpointState{name: e}
		if !cfg.NoRateLimits {
			l, ok := cfg.RateLimits[e]
			if !ok {
				l = DefaultLimit(e)
			}
			if l.Burst < 1 || l.Steady < 1 || l.BurstWindow < 0 || l.SteadyWindow < 0 {
				return nil, fmt.Errorf("klaviyo: rate limit for %s needs positive burst and steady counts", e)
			}
			st.limiters = newLimiters(l, DefaultUtilization)
		}
		c.eps[e] = st
	}
	for e := range cfg.RateLimits {
		if _, ok := c.eps[e]; !ok {
			return nil, fmt.Errorf("klaviyo: rate limit for unknown endpoint %q", e)
		}
	}

	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	} else {
		hc.Timeout = 30 * time.Second
	}
	base := hc.Transport
	if base == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// Concurrent senders of one busy host reuse connections instead
		// of dialing anew (the default keeps only 2 idle per host).
		tr.MaxIdleConnsPerHost = 64
		base = tr
	}
	hc.Transport = &pacingTransport{base: base, log: logger, now: cfg.Now, echo: redactor{key: apiKey}}
	c.rc = &retryablehttp.Client{HTTPClient: &hc, ErrorHandler: retryablehttp.PassthroughErrorHandler}
	httpretry.Policy{MaxRetries: r.MaxRetries, MinWait: r.MinWait, MaxWait: r.MaxWait, Now: cfg.Now}.Apply(c.rc, checkRetry)
	return c, nil
}

// validRevision checks YYYY-MM-DD[.suffix].
func validRevision(s string) bool {
	date, suffix, hasSuffix := strings.Cut(s, ".")
	if hasSuffix && (suffix == "" || strings.ContainsAny(suffix, " \t\r\n")) {
		return false
	}
	_, err := time.Parse("2006-01-02", date)
	return err == nil
}

// Revision returns the revision header value the client sends.
func (c *Client) Revision() string { return c.revision }

type ctxKey struct{}

// callState travels in the request context to the pacing transport.
type callState struct {
	ep       *endpointState
	attempts atomic.Int32
}

// result of one API call.
type response struct {
	status   int
	header   http.Header
	body     []byte
	attempts int
}

// post sends body to the endpoint with retries and pacing. A non-2xx
// answer is returned as *APIError.
func (c *Client) post(ctx context.Context, ep Endpoint, body []byte, maxRead int64) (*response, error) {
	cs := &callState{ep: c.eps[ep]}
	ctx = context.WithValue(ctx, ctxKey{}, cs)
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+string(ep), body)
	if err != nil {
		return nil, fmt.Errorf("klaviyo: POST %s: %w", ep, err)
	}
	h := req.Header
	h.Set("Authorization", c.cred.header)
	h.Set("Revision", c.revision)
	h.Set("Content-Type", jsonAPI)
	h.Set("Accept", jsonAPI)
	h.Set("User-Agent", c.userAgent)

	resp, err := httpretry.Do(c.rc, req)
	attempts := int(cs.attempts.Load())
	if err != nil {
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("klaviyo: POST %s: %w", ep, ctx.Err())
		case errors.Is(err, errPacingDeadline):
			return nil, fmt.Errorf("klaviyo: POST %s: %w", ep, errPacingDeadline)
		}
		return nil, &NetworkError{Method: http.MethodPost, Endpoint: ep, Attempts: attempts, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	out := &response{status: resp.StatusCode, header: resp.Header, attempts: attempts}
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	limit := maxRead
	if !ok {
		limit = maxErrorBody
	}
	out.body, _ = io.ReadAll(io.LimitReader(resp.Body, limit))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if ok {
		return out, nil
	}
	ae := &APIError{
		Method:     http.MethodPost,
		Endpoint:   ep,
		StatusCode: resp.StatusCode,
		RequestID:  sanitizeHeaderID(resp.Header.Get("X-Klaviyo-Req-Id"), c.cred.echo),
		Attempts:   attempts,
	}
	ae.RetryAfter, _ = httpretry.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	ae.parseErrorBody(resp.Header.Get("Content-Type"), out.body, c.cred.echo)
	return out, ae
}

// unwrapURLError drops *url.Error's "Post \"https://…\"" prefix: the URL
// is known, and keeping errors short helps logs.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// checkRetry decides which outcomes are retried (httpretry adds the
// waits and the deadline rule): not a pacing wait that cannot finish
// before the deadline; otherwise retryablehttp's default policy (transport
// errors except TLS/scheme/redirect ones; 429; 5xx except 501).
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if err != nil && errors.Is(err, errPacingDeadline) {
		return false, err
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}
