package ups

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
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

// Config configures New. ClientID and ClientSecret are required; every other
// field has a documented zero value.
type Config struct {
	// ClientID and ClientSecret are the OAuth client credentials of the
	// UPS developer app. They are sent only to the token endpoint, as
	// HTTP Basic auth, and never logged.
	ClientID     string
	ClientSecret string
	// MerchantID is sent as x-merchant-id on token requests when set
	// (UPS shipper account number); empty means not sent.
	MerchantID string
	// BaseURL is the API base, ProductionURL when empty; TestURL selects
	// the CIE test host; any absolute URL works (tests).
	BaseURL string
	// TokenURL overrides the OAuth token endpoint; empty means BaseURL's
	// host + "/security/v1/oauth/token".
	TokenURL string
	// TransactionSrc is sent as the transactionSrc header; empty means
	// "postpurchase".
	TransactionSrc string
	// Locale is the locale query parameter; empty means "en_US".
	Locale string
	// HTTPClient sends the requests; nil means a client with a 30 s
	// timeout per attempt.
	HTTPClient *http.Client
	// Logger receives debug records of requests and retries (no
	// credentials, tokens or query strings). Nil means no logging.
	Logger *slog.Logger
	// RetryMax, RetryWaitMin and RetryWaitMax bound retries of 429 and
	// 5xx (except 501) answers; zero values mean 3, 500 ms and 30 s, a
	// negative RetryMax means no retries. See carrierhttp.Options.
	RetryMax     int
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// Now returns the current time (token expiry, Retry-After dates); nil
	// means time.Now.
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

// New checks cfg and returns an adapter. It does no I/O: the first Track
// fetches the token.
func New(cfg Config) (*Carrier, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("ups: ClientID and ClientSecret are required")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = ProductionURL
	}
	u, err := carrierhttp.CheckURL(base)
	if err != nil {
		return nil, errors.New("ups: BaseURL must be an absolute http(s) URL")
	}
	tokenURL := cfg.TokenURL
	if tokenURL == "" {
		tokenURL = u.Scheme + "://" + u.Host + "/security/v1/oauth/token"
	}
	var header http.Header
	if cfg.MerchantID != "" {
		header = http.Header{}
		header.Set("x-merchant-id", cfg.MerchantID)
	}
	client, tokens, err := carrierhttp.NewOAuth(carrierhttp.Options{
		HTTPClient:   cfg.HTTPClient,
		RetryMax:     cfg.RetryMax,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		Logger:       cfg.Logger,
		Now:          cfg.Now,
	}, carrierhttp.TokenConfig{
		Carrier:      Code,
		TokenURL:     tokenURL,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		AuthStyle:    oauth2.AuthStyleInHeader,
		Header:       header,
		ParseError:   parseErrorBody,
	})
	if err != nil {
		return nil, errors.New("ups: " + strings.TrimPrefix(err.Error(), "carrierhttp: "))
	}
	c := &Carrier{
		base: base, src: cfg.TransactionSrc, locale: cfg.Locale,
		client: client, tokens: tokens, maxBody: carrierhttp.DefaultMaxBody,
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
		return nil, &carriers.Error{Carrier: Code, Op: "track", Number: carrierhttp.Clip(number, 256), Message: "not 7-34 letters and digits", Err: carriers.ErrInvalidNumber}
	}
	if err := ctx.Err(); err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", Number: n, Err: err}
	}
	q := url.Values{"locale": {c.locale}, "returnSignature": {"false"}, "returnMilestones": {"false"}, "returnPOD": {"false"}}
	endpoint := c.base + "/track/v1/details/" + url.PathEscape(n) + "?" + q.Encode()
	var resp *carrierhttp.Response
	var transID string
	err := c.tokens.WithToken(ctx, func(tok *oauth2.Token) (refused bool, err error) {
		transID = carrierhttp.RandomID(16) // one per request, at most 32 characters
		req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
		if err != nil {
			return false, &carriers.Error{Carrier: Code, Op: "track", Number: n, Err: err}
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
			ce.Number = n
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
