package ups

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierhttp"
)

// Code is the carrier code of UPS, as carriers.Detect reports it.
const Code = "ups"

// Base URLs of the UPS APIs. The Track API lives under BaseURL +
// "/track/v1"; the OAuth token endpoint is on the same host at
// "/security/v1/oauth/token".
const (
	// ProductionURL is UPS's production host (the default).
	ProductionURL = "https://onlinetools.ups.com/api"
	// TestURL is UPS's Customer Integration Environment (CIE).
	TestURL = "https://wwwcie.ups.com/api"
)

// Options are the optional settings of New. The zero value is usable:
// every field has a documented default, and New validates them once.
type Options struct {
	// MerchantID is sent as x-merchant-id on token requests when set
	// (UPS shipper account number); empty means not sent.
	MerchantID string
	// BaseURL is the API base, ProductionURL when empty; TestURL selects
	// the CIE test host; any absolute http(s) URL works (tests).
	BaseURL string
	// TokenURL overrides the OAuth token endpoint; empty means BaseURL's
	// host + "/security/v1/oauth/token".
	TokenURL string
	// TransactionSrc is sent as the transactionSrc header; empty means
	// "postpurchase".
	TransactionSrc string
	// Locale is the locale query parameter; empty means "en_US".
	Locale string
	// HTTPClient sends the requests, token requests included. Nil means a
	// new client with a 30 s timeout per attempt.
	HTTPClient *http.Client
	// Logger receives debug records of requests and retries. Nil means no
	// logging. Credentials, tokens and query strings are never logged.
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

// Carrier is the UPS adapter: Track over the Track API v1 with OAuth 2
// client credentials, and ParseWebhook for Track Alert pushes. It is safe
// for concurrent use.
type Carrier struct {
	base    string
	src     string
	locale  string
	client  *retryablehttp.Client
	tokens  *carrierhttp.TokenCache
	maxBody int64
	answer  carrierhttp.Answer // maps Track API responses
}

var (
	_ carriers.Carrier       = (*Carrier)(nil)
	_ carriers.WebhookParser = (*Carrier)(nil)
)

// New returns an adapter for the UPS developer app whose OAuth client
// credentials are clientID and clientSecret (required; sent only to the
// token endpoint, as HTTP Basic auth, and never logged). It checks opts and
// does no I/O: the first Track fetches the token.
func New(clientID, clientSecret string, opts Options) (*Carrier, error) {
	if err := carrierhttp.Required(Code, "clientID", clientID, "clientSecret", clientSecret); err != nil {
		return nil, err
	}
	if err := carrierhttp.HeaderSafe(Code, "Options.MerchantID", opts.MerchantID, "Options.TransactionSrc", opts.TransactionSrc); err != nil {
		return nil, err
	}
	ep, err := carrierhttp.ResolveEndpoint(Code, opts.BaseURL, ProductionURL, opts.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	tokenURL, err := carrierhttp.ResolveTokenURL(Code, opts.TokenURL, ep.Origin()+"/security/v1/oauth/token")
	if err != nil {
		return nil, err
	}
	var header http.Header
	if opts.MerchantID != "" {
		header = http.Header{}
		header.Set("x-merchant-id", opts.MerchantID)
	}
	client, tokens, err := carrierhttp.NewOAuth(carrierhttp.Options{
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
		AuthStyle:    oauth2.AuthStyleInHeader,
		Header:       header,
		ParseError:   parseErrorBody,
	})
	if err != nil {
		return nil, carrierhttp.NewError(Code, err)
	}
	c := &Carrier{
		base: ep.Base, src: opts.TransactionSrc, locale: opts.Locale,
		client: client, tokens: tokens, maxBody: ep.MaxBody,
		answer: carrierhttp.Answer{
			Carrier:      Code,
			Parse:        func(body []byte, _ string) ([]carriers.Tracking, error) { return ParseTrackResponse(body) },
			ErrorBody:    errorDocument,
			CodeSentinel: sentinelForCode,
		},
	}
	if c.src == "" {
		c.src = "postpurchase"
	}
	if c.locale == "" {
		c.locale = "en_US"
	}
	return c, nil
}

// Code returns "ups".
func (c *Carrier) Code() string { return Code }

// ParseWebhook parses a Track Alert push; see the package-level
// ParseWebhook.
func (c *Carrier) ParseWebhook(body []byte) ([]carriers.Tracking, error) { return ParseWebhook(body) }

// Track fetches GET /track/v1/details/{number}. The number is trimmed,
// spaces removed and upper-cased first; anything but 7–34 letters and digits
// fails with carriers.ErrInvalidNumber without a request. When the response
// holds several packages, the one whose tracking number equals number is
// returned, else the first. Errors are *carriers.Error: UPS's HTTP-200
// TW0001 warning and 404 match carriers.ErrNotFound, TV1002
// carriers.ErrInvalidNumber, 401/403/250003 carriers.ErrUnauthorized
// (after one retry with a fresh token on 401), 429 carriers.ErrRateLimited,
// 5xx carriers.ErrUnavailable; RequestID is UPS's transId.
func (c *Carrier) Track(ctx context.Context, number string) (*carriers.Tracking, error) {
	n, ok := carrierhttp.CleanNumber(number, 7, 34)
	if !ok {
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: carrierhttp.Clip(number, 64), Message: "not 7-34 letters and digits", Err: carriers.ErrInvalidNumber}
	}
	if err := ctx.Err(); err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: n, Err: err}
	}
	q := url.Values{"locale": {c.locale}, "returnSignature": {"false"}, "returnMilestones": {"false"}, "returnPOD": {"false"}}
	endpoint := c.base + "/track/v1/details/" + url.PathEscape(n) + "?" + q.Encode()
	var resp *carrierhttp.Response
	var transID string
	err := c.tokens.WithToken(ctx, func(tok *oauth2.Token) (refused bool, err error) {
		transID = carrierhttp.RandomID(16) // one per request, at most 32 characters
		req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
		if err != nil {
			return false, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: n, Err: err}
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("transId", transID)
		req.Header.Set("transactionSrc", c.src)
		tok.SetAuthHeader(req.Request)
		resp, err = carrierhttp.Do(c.client, req, c.maxBody)
		if err != nil {
			e := carrierhttp.TransportError(Code, "track", n, err)
			e.RequestID = transID
			return false, e
		}
		return resp.StatusCode == http.StatusUnauthorized, nil
	})
	if err != nil {
		var ce *carriers.Error
		if errors.As(err, &ce) {
			ce.TrackingNumber = n
		}
		return nil, err
	}
	reqID := carrierhttp.RequestID(resp.Header, "transId", "X-Request-Id")
	if reqID == "" {
		reqID = transID
	}
	return c.answer.Tracking(resp, n, reqID)
}

// errorDocument is parseErrorBody for carrierhttp.Answer.
func errorDocument(body []byte) (code, message string, ok bool) {
	code, message = parseErrorBody(body)
	return code, message, code != ""
}

// parseErrorBody extracts the first UPS error code and message from an
// error body: {"response":{"errors":[{"code","message"}]}} or a tracking
// response carrying only warnings.
func parseErrorBody(body []byte) (code, message string) {
	var doc trackDoc
	if json.Unmarshal(body, &doc) != nil {
		return "", ""
	}
	if doc.Response != nil && len(doc.Response.Errors) > 0 {
		return string(doc.Response.Errors[0].Code), string(doc.Response.Errors[0].Message)
	}
	if doc.TrackResponse != nil {
		for _, sh := range doc.TrackResponse.Shipment {
			if len(sh.Warnings) > 0 {
				return string(sh.Warnings[0].Code), string(sh.Warnings[0].Message)
			}
		}
	}
	return "", ""
}
