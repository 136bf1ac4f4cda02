package fedex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierhttp"
)

// Code is the carrier code of this adapter ("fedex"), returned by
// Carrier.Code and set in every Tracking and *carriers.Error it produces.
const Code = "fedex"

// Hosts of the FedEx APIs.
const (
	// ProductionBaseURL is FedEx's production API host, the default.
	ProductionBaseURL = "https://apis.fedex.com"
	// SandboxBaseURL is FedEx's test host, for sandbox credentials.
	SandboxBaseURL = "https://apis-sandbox.fedex.com"
)

// Paths below the base URL.
const (
	trackPath = "/track/v1/trackingnumbers"
	tokenPath = "/oauth/token"
)

// MaxBatch is the largest number of tracking numbers FedEx accepts in one
// Track API request.
const MaxBatch = 30

// Options are the optional settings of New. The zero value is usable:
// every field has a documented default, and New validates them once.
type Options struct {
	// BaseURL is the API host. Empty means ProductionBaseURL; use
	// SandboxBaseURL for sandbox credentials, or any absolute http(s) URL
	// (an httptest server) in tests.
	BaseURL string
	// TokenURL is the OAuth token endpoint. Empty means BaseURL +
	// "/oauth/token".
	TokenURL string
	// Locale is sent as the x-locale header and selects the language of
	// descriptions. Empty means "en_US".
	Locale string
	// HTTPClient sends the requests, token requests included. Nil means a
	// new client with a 30 s timeout per attempt.
	HTTPClient *http.Client
	// Logger receives debug records of requests and retries. Nil means no
	// logging. Credentials, tokens and recipient names are never logged.
	Logger *slog.Logger
	// RetryMax is the number of retries after the first attempt on 429, 5xx
	// (except 501) and connection errors. Zero means 3; negative means no
	// retries.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the jittered exponential backoff
	// (a Retry-After header takes precedence). Zero means 500 ms and 30 s.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// MaxRetryAfter is the longest Retry-After the adapter waits for; a
	// longer one fails at once with carriers.ErrRateLimited or
	// ErrUnavailable. Zero means 60 s.
	MaxRetryAfter time.Duration
	// MaxBodyBytes caps the size of a response body. Zero means 16 MiB;
	// negative is refused.
	MaxBodyBytes int64
	// Now returns the current time, read for Retry-After dates and token
	// expiry. Nil means time.Now.
	Now func() time.Time
}

// Carrier tracks FedEx parcels through the FedEx Track API v1. It
// implements carriers.Carrier, carriers.BatchTracker and
// carriers.WebhookParser, and is safe for concurrent use.
type Carrier struct {
	trackURL string
	locale   string
	maxBody  int64
	http     *retryablehttp.Client
	tokens   *carrierhttp.TokenCache
	log      *slog.Logger
}

// Compile-time checks of the interfaces Carrier implements.
var (
	_ carriers.Carrier       = (*Carrier)(nil)
	_ carriers.BatchTracker  = (*Carrier)(nil)
	_ carriers.WebhookParser = (*Carrier)(nil)
)

// New returns an adapter for the FedEx Developer Portal project whose API
// key and secret key are clientID and clientSecret (OAuth 2 client
// credentials, required; sent only to the token endpoint and never
// logged). It checks opts and does no I/O: the first Track fetches the
// token.
func New(clientID, clientSecret string, opts Options) (*Carrier, error) {
	if err := carrierhttp.Required(Code, "clientID", clientID, "clientSecret", clientSecret); err != nil {
		return nil, err
	}
	ep, err := carrierhttp.ResolveEndpoint(Code, opts.BaseURL, ProductionBaseURL, opts.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	tokenURL, err := carrierhttp.ResolveTokenURL(Code, opts.TokenURL, ep.Base+tokenPath)
	if err != nil {
		return nil, err
	}
	locale := opts.Locale
	if locale == "" {
		locale = "en_US"
	}
	if err := carrierhttp.HeaderSafe(Code, "Options.Locale", locale); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc, tokens, err := carrierhttp.NewOAuth(carrierhttp.Options{
		HTTPClient:    opts.HTTPClient,
		RetryMax:      opts.RetryMax,
		RetryWaitMin:  opts.RetryWaitMin,
		RetryWaitMax:  opts.RetryWaitMax,
		MaxRetryAfter: opts.MaxRetryAfter,
		Logger:        opts.Logger,
		Now:           opts.Now,
	}, carrierhttp.TokenConfig{
		Carrier:      Code,
		TokenURL:     tokenURL,
		ClientID:     clientID,
		ClientSecret: clientSecret,
		// FedEx takes client_id and client_secret as form fields.
		AuthStyle:  oauth2.AuthStyleInParams,
		ParseError: parseTokenError,
	})
	if err != nil {
		return nil, carrierhttp.NewError(Code, err)
	}
	return &Carrier{
		trackURL: ep.Base + trackPath,
		locale:   locale,
		maxBody:  ep.MaxBody,
		http:     hc,
		tokens:   tokens,
		log:      log,
	}, nil
}

// parseTokenError reads FedEx's {"errors":[{"code","message"}]} from a
// refused token request.
func parseTokenError(body []byte) (code, message string) {
	var r trackResponse
	if json.Unmarshal(body, &r) != nil || len(r.Errors) == 0 {
		return "", ""
	}
	return r.Errors[0].Code.Trim(), carrierhttp.Clip(r.Errors[0].Message.Trim(), 256)
}

// Code returns "fedex".
func (c *Carrier) Code() string { return Code }

// MaxBatch returns 30, the most numbers one TrackBatch call accepts.
func (c *Carrier) MaxBatch() int { return MaxBatch }

// Track returns what FedEx knows about one tracking number. number may also
// be a trackingNumberUniqueId as FedEx reports it ("12028~738488882438~FDEG",
// see UniqueID) to pick one of several shipments that share a reused
// number; with a plain number and several shipments, the one with the most
// recent scan is returned.
//
// Errors are *carriers.Error: carriers.ErrInvalidNumber for a number that
// cannot be a FedEx number (checked before any request) or that FedEx
// rejects, ErrNotFound (TRACKING.TRACKINGNUMBER.NOTFOUND), ErrUnauthorized
// (credentials refused), ErrRateLimited, ErrUnavailable (outage, 5xx,
// VALIDATION.ERRCD.WSPOD), ErrMalformedResponse, or the context's error.
func (c *Carrier) Track(ctx context.Context, number string) (*carriers.Tracking, error) {
	res, err := c.TrackBatch(ctx, []string{number})
	if err != nil {
		return nil, err
	}
	if res[0].Err != nil {
		return nil, res[0].Err
	}
	return res[0].Tracking, nil
}

// query is one number to ask FedEx about.
type query struct {
	number   string // as FedEx knows it
	uniqueID string // optional trackingNumberUniqueId
}

// TrackBatch tracks up to MaxBatch numbers in one request. Results are in
// the order of numbers, one per number (duplicates included); a number
// FedEx does not know has a result whose Err wraps carriers.ErrNotFound, a
// malformed number one whose Err wraps ErrInvalidNumber. The returned error
// is for failures of the whole request (credentials, outage, rate limit,
// malformed response, cancellation), or more than MaxBatch numbers
// (carriers.ErrUnsupported).
func (c *Carrier) TrackBatch(ctx context.Context, numbers []string) ([]carriers.TrackResult, error) {
	if len(numbers) > MaxBatch {
		return nil, &carriers.Error{Carrier: Code, Op: "track", Message: fmt.Sprintf("%d numbers in one batch, at most %d are allowed", len(numbers), MaxBatch), Err: carriers.ErrUnsupported}
	}
	out := make([]carriers.TrackResult, len(numbers))
	qs := make([]query, 0, len(numbers))
	index := make(map[query]int, len(numbers)) // query → position in qs
	perNumber := make([]int, len(numbers))     // number → position in qs, -1 if invalid
	for i, n := range numbers {
		out[i].TrackingNumber = n
		q, err := parseNumber(n)
		if err != nil {
			out[i].Err = &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: carrierhttp.Clip(n, 64), Message: err.Error(), Err: carriers.ErrInvalidNumber}
			perNumber[i] = -1
			continue
		}
		k, seen := index[q]
		if !seen {
			k = len(qs)
			index[q] = k
			qs = append(qs, q)
		}
		perNumber[i] = k
	}
	if len(qs) == 0 {
		return out, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: single(numbers), Err: err}
	}
	results, err := c.send(ctx, qs, single(numbers))
	if err != nil {
		var ce *carriers.Error
		// A whole-response "not found" or "invalid number" is about the
		// numbers, not the request: report it per number.
		if errors.As(err, &ce) && (errors.Is(err, carriers.ErrNotFound) || errors.Is(err, carriers.ErrInvalidNumber)) && len(numbers) > 1 {
			for i := range out {
				if out[i].Err == nil {
					e := *ce
					e.TrackingNumber = out[i].TrackingNumber
					out[i].Err = &e
				}
			}
			return out, nil
		}
		return nil, err
	}
	given := make([]bool, len(qs))
	for i := range out {
		k := perNumber[i]
		if k < 0 {
			continue
		}
		out[i].Tracking, out[i].Err = pick(results, qs[k])
		if t := out[i].Tracking; t != nil && given[k] {
			// The same number twice: each result gets its own Tracking.
			c := *t
			c.Events = slices.Clone(t.Events)
			out[i].Tracking = &c
		}
		given[k] = true
	}
	return out, nil
}

// single returns the number when numbers has exactly one, for errors.
func single(numbers []string) string {
	if len(numbers) == 1 {
		return carrierhttp.Clip(numbers[0], 64)
	}
	return ""
}

// parseNumber checks a tracking number (or trackingNumberUniqueId) and
// returns the query for it.
func parseNumber(n string) (query, error) {
	n = strings.Join(strings.Fields(n), "")
	var q query
	if strings.Contains(n, "~") {
		parts := strings.Split(n, "~")
		if len(parts) != 3 {
			return q, errors.New("a trackingNumberUniqueId has the form qualifier~number~carrier")
		}
		q.uniqueID = n
		n = parts[1]
	}
	if n == "" {
		return q, errors.New("empty tracking number")
	}
	if len(n) > 40 {
		return q, errors.New("tracking number longer than 40 characters")
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return q, errors.New("tracking number has characters other than letters and digits")
		}
	}
	q.number = strings.ToUpper(n)
	return q, nil
}

// pick returns the tracking (or the error) for q among results.
func pick(results []result, q query) (*carriers.Tracking, error) {
	var best *carriers.Tracking
	var firstErr error
	matched := false
	for i := range results {
		r := &results[i]
		if !strings.EqualFold(r.requested, q.number) {
			continue
		}
		matched = true
		if q.uniqueID != "" && r.uniqueID != "" && !strings.EqualFold(r.uniqueID, q.uniqueID) {
			continue
		}
		if r.tracking == nil {
			if firstErr == nil && r.err != nil {
				e := *r.err
				firstErr = &e
			}
			continue
		}
		if best == nil || newer(r.tracking, best) {
			best = r.tracking
		}
	}
	switch {
	case best != nil:
		return best, nil
	case firstErr != nil:
		return nil, firstErr
	case matched:
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: q.number,
			Message: "no shipment with trackingNumberUniqueId " + carrierhttp.Clip(q.uniqueID, 64), Err: carriers.ErrNotFound}
	default:
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: q.number,
			Err: &carriers.DecodeError{Path: "output.completeTrackResults", Value: q.number, Err: errors.New("no result for the requested number")}}
	}
}

// newer reports whether a's newest event is after b's.
func newer(a, b *carriers.Tracking) bool {
	la, okA := a.Latest()
	lb, okB := b.Latest()
	return okA && (!okB || la.Time.After(lb.Time))
}

// trackRequest is the body of POST /track/v1/trackingnumbers.
type trackRequest struct {
	IncludeDetailedScans bool           `json:"includeDetailedScans"`
	TrackingInfo         []trackingInfo `json:"trackingInfo"`
}

type trackingInfo struct {
	TrackingNumberInfo requestNumber `json:"trackingNumberInfo"`
}

type requestNumber struct {
	TrackingNumber         string `json:"trackingNumber"`
	TrackingNumberUniqueID string `json:"trackingNumberUniqueId,omitempty"`
}

// send posts the queries and parses the answer, refreshing the token once
// if FedEx refuses it.
func (c *Carrier) send(ctx context.Context, qs []query, number string) ([]result, error) {
	req := trackRequest{IncludeDetailedScans: true, TrackingInfo: make([]trackingInfo, len(qs))}
	for i, q := range qs {
		req.TrackingInfo[i].TrackingNumberInfo = requestNumber{TrackingNumber: q.number, TrackingNumberUniqueID: q.uniqueID}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: number, Err: err}
	}
	var results []result
	first := true
	err = c.tokens.WithToken(ctx, func(tok *oauth2.Token) (refused bool, err error) {
		results, err = c.post(ctx, tok, body, number)
		// The token may have expired or been revoked early: WithToken
		// fetches a new one and tries once more.
		refused = errors.Is(err, carriers.ErrUnauthorized)
		if refused && first {
			c.log.DebugContext(ctx, "fedex: token refused, retrying with a new token")
		}
		first = false
		return refused, err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// post sends one tracking request with tok.
func (c *Carrier) post(ctx context.Context, tok *oauth2.Token, body []byte, number string) ([]result, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, c.trackURL, body)
	if err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: number, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("X-locale", c.locale)
	// Echoed by FedEx and logged, to find a request in FedEx's logs.
	txID := carrierhttp.RandomID(12)
	req.Header.Set("X-customer-transaction-id", txID)

	resp, err := carrierhttp.Do(c.http, req, c.maxBody)
	if err != nil {
		return nil, carrierhttp.TransportError(Code, "track", number, err)
	}
	c.log.DebugContext(ctx, "fedex: track", "status", resp.StatusCode, "bytes", len(resp.Body), "customer_transaction_id", txID)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, statusError(resp, number)
	}
	results, err := parseBody(resp.Body, "track")
	if err != nil {
		var ce *carriers.Error
		if errors.As(err, &ce) {
			ce.StatusCode = resp.StatusCode
			if ce.TrackingNumber == "" {
				ce.TrackingNumber = number
			}
			if ce.RequestID == "" {
				ce.RequestID = carrierhttp.RequestID(resp.Header)
			}
		}
		return nil, err
	}
	for i := range results {
		if e := results[i].err; e != nil {
			e.StatusCode = resp.StatusCode
		}
	}
	return results, nil
}

// statusError maps a non-2xx answer: the HTTP status first, refined by the
// FedEx error code in the body when there is one.
func statusError(resp *carrierhttp.Response, number string) *carriers.Error {
	e := carrierhttp.StatusError(Code, "track", number, resp)
	var r trackResponse
	if json.Unmarshal(resp.Body, &r) == nil {
		if id := r.TransactionID.Trim(); id != "" && e.RequestID == "" {
			e.RequestID = id
		}
		if len(r.Errors) > 0 {
			e.Code = r.Errors[0].Code.Trim()
			e.Message = carrierhttp.Clip(r.Errors[0].Message.Trim(), 256)
			// The FedEx code says more than the status (WSPOD on a 400 is
			// "try again later"), except that a 429 is always throttling.
			if s, ok := sentinelForCode(e.Code); ok && resp.StatusCode != http.StatusTooManyRequests {
				e.Err = s
			}
		}
	}
	return e
}
