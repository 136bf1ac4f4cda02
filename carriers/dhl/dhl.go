package dhl

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierhttp"
)

// Code is the carrier code of this adapter ("dhl"), returned by
// Carrier.Code and set in every Tracking and *carriers.Error it produces.
const Code = "dhl"

// Hosts of DHL Shipment Tracking – Unified.
const (
	// ProductionBaseURL is DHL's production API host, the default.
	ProductionBaseURL = "https://api-eu.dhl.com"
	// SandboxBaseURL is DHL's test host (mocked answers for test keys).
	SandboxBaseURL = "https://api-sandbox.dhl.com"
)

// trackPath is the tracking endpoint below the base URL.
const trackPath = "/track/shipments"

// Options are the optional settings of New. The zero value is usable:
// every field has a documented default, and New validates them once.
type Options struct {
	// BaseURL is the API host. Empty means ProductionBaseURL; use
	// SandboxBaseURL for a test key, or any absolute http(s) URL (an
	// httptest server) in tests.
	BaseURL string
	// Service restricts the search to one DHL service ("express",
	// "parcel-de", "ecommerce", "freight", ...). Empty means all.
	Service string
	// Language is the language of descriptions (ISO 639-1, "de"). Empty
	// means DHL's default, English.
	Language string
	// RequesterCountryCode and OriginCountryCode (ISO 3166-1 alpha-2)
	// help DHL find the shipment. Empty means not sent.
	RequesterCountryCode string
	OriginCountryCode    string
	// RecipientPostalCode unlocks full parcel-de details for shipments to
	// that postal code. Empty means not sent. It is personal data.
	RecipientPostalCode string
	// HTTPClient sends the requests. Nil means a new client with a 30 s
	// timeout per attempt.
	HTTPClient *http.Client
	// Logger receives debug records of requests and retries. Nil means no
	// logging. The API key is never logged.
	Logger *slog.Logger
	// RetryMax is the number of retries after the first attempt on 429, 5xx
	// (except 501) and connection errors. Zero means 3; negative means no
	// retries. DHL's initial quota is 1 call per 5 s and 250 a day, so a 429
	// with a long Retry-After fails fast (see MaxRetryAfter).
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
	// Now returns the current time, read for Retry-After dates. Nil means
	// time.Now.
	Now func() time.Time
}

// Carrier tracks DHL shipments through Shipment Tracking – Unified. It
// implements carriers.Carrier and is safe for concurrent use.
type Carrier struct {
	trackURL string
	params   url.Values // fixed query parameters
	apiKey   string
	maxBody  int64
	http     *retryablehttp.Client
	log      *slog.Logger
	// answer maps responses: a 4xx problem body gives Code and Message,
	// the status gives the sentinel.
	answer carrierhttp.Answer
}

// Compile-time check of the interface Carrier implements.
var _ carriers.Carrier = (*Carrier)(nil)

// New returns an adapter for the DHL Developer Portal app whose consumer
// key is apiKey (required; sent as the DHL-API-Key header and never
// logged). It checks opts and does no I/O.
func New(apiKey string, opts Options) (*Carrier, error) {
	if err := carrierhttp.Required(Code, "apiKey", apiKey); err != nil {
		return nil, err
	}
	ep, err := carrierhttp.ResolveEndpoint(Code, opts.BaseURL, ProductionBaseURL, opts.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	params := url.Values{}
	for name, v := range map[string]string{
		"service":              opts.Service,
		"language":             opts.Language,
		"requesterCountryCode": opts.RequesterCountryCode,
		"originCountryCode":    opts.OriginCountryCode,
		"recipientPostalCode":  opts.RecipientPostalCode,
	} {
		if v = strings.TrimSpace(v); v != "" {
			params.Set(name, v)
		}
	}
	for name, cc := range map[string]string{"Options.RequesterCountryCode": opts.RequesterCountryCode, "Options.OriginCountryCode": opts.OriginCountryCode} {
		if cc != "" && len(strings.TrimSpace(cc)) != 2 {
			return nil, carrierhttp.OptionError(Code, name, errors.New("not an ISO 3166-1 alpha-2 code"))
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc, err := carrierhttp.NewClient(carrierhttp.Options{
		HTTPClient:    opts.HTTPClient,
		RetryMax:      opts.RetryMax,
		RetryWaitMin:  opts.RetryWaitMin,
		RetryWaitMax:  opts.RetryWaitMax,
		MaxRetryAfter: opts.MaxRetryAfter,
		Logger:        opts.Logger,
		Now:           opts.Now,
	})
	if err != nil {
		return nil, carrierhttp.NewError(Code, err)
	}
	return &Carrier{
		trackURL: ep.Base + trackPath,
		params:   params,
		apiKey:   apiKey,
		maxBody:  ep.MaxBody,
		http:     hc,
		log:      log,
		answer:   carrierhttp.Answer{Carrier: Code, Parse: parseBody, ErrorBody: problemDocument},
	}, nil
}

// Code returns "dhl".
func (c *Carrier) Code() string { return Code }

// Track returns what DHL knows about one tracking number. When DHL answers
// with several shipments (the same number in several services), the one
// whose id is the number is returned, else the first; ParseTrackResponse
// returns them all.
//
// Errors are *carriers.Error: carriers.ErrInvalidNumber for a number that
// cannot be a DHL number (checked before any request) or that DHL rejects
// (400), ErrNotFound (404 problem, or no shipments), ErrUnauthorized (401,
// 403), ErrRateLimited (429), ErrUnavailable (5xx, outage),
// ErrMalformedResponse, or the context's error.
func (c *Carrier) Track(ctx context.Context, number string) (*carriers.Tracking, error) {
	n, err := cleanNumber(number)
	if err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: carrierhttp.Clip(number, 64), Message: err.Error(), Err: carriers.ErrInvalidNumber}
	}
	if err := ctx.Err(); err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: n, Err: err}
	}
	q := url.Values{}
	for k, v := range c.params {
		q[k] = v
	}
	q.Set("trackingNumber", n)
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, c.trackURL+"?"+q.Encode(), nil)
	if err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: n, Err: err}
	}
	req.Header.Set("DHL-API-Key", c.apiKey)
	req.Header.Set("Accept", "application/json")

	resp, err := carrierhttp.Do(c.http, req, c.maxBody)
	if err != nil {
		return nil, carrierhttp.TransportError(Code, "track", n, err)
	}
	c.log.DebugContext(ctx, "dhl: track", "status", resp.StatusCode, "bytes", len(resp.Body))
	return c.answer.Tracking(resp, n, carrierhttp.RequestID(resp.Header))
}

// problemDocument reads an RFC 7807 problem body for carrierhttp.Answer.
func problemDocument(body []byte) (code, message string, ok bool) {
	p, ok := asProblem(body)
	return carrierhttp.Clip(p.Title.Trim(), 128), p.Detail.Trim(), ok
}

// cleanNumber drops spaces from a tracking number and checks it: 1 to 50
// letters, digits or hyphens (DHL Express waybills, parcel-de piece codes,
// eCommerce and freight numbers all fit).
func cleanNumber(n string) (string, error) {
	n = strings.Join(strings.Fields(n), "")
	if n == "" {
		return "", errors.New("empty tracking number")
	}
	if len(n) > 50 {
		return "", errors.New("tracking number longer than 50 characters")
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '-') {
			return "", errors.New("tracking number has characters other than letters, digits and hyphens")
		}
	}
	return n, nil
}
