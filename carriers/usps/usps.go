package usps

import (
	"context"
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

// Code is the carrier code of USPS, as carriers.Detect reports it.
const Code = "usps"

// Base URLs of the USPS Tracking API v3. The OAuth token endpoint is on the
// same host at "/oauth2/v3/token".
const (
	// ProductionURL is USPS's production API (the default).
	ProductionURL = "https://apis.usps.com/tracking/v3"
	// TestURL is USPS's Testing Environment for Mailers (TEM).
	TestURL = "https://apis-tem.usps.com/tracking/v3"
)

// Config configures New. ClientID and ClientSecret are required; every other
// field has a documented zero value.
type Config struct {
	// ClientID and ClientSecret are the consumer key and secret of the
	// USPS developer app. They are sent only to the token endpoint, as
	// form parameters, and never logged.
	ClientID     string
	ClientSecret string
	// BaseURL is the Tracking API base, ProductionURL when empty; TestURL
	// selects the TEM test host; any absolute URL works (tests).
	BaseURL string
	// TokenURL overrides the OAuth token endpoint; empty means BaseURL's
	// host + "/oauth2/v3/token".
	TokenURL string
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

// Carrier is the USPS adapter: Track over the Tracking API v3 with OAuth 2
// client credentials. It is safe for concurrent use. It does not implement
// carriers.WebhookParser: see the package documentation.
type Carrier struct {
	base    string
	client  *retryablehttp.Client
	tokens  *carrierhttp.TokenCache
	maxBody int64
	answer  carrierhttp.Answer // maps Tracking API responses
}

var _ carriers.Carrier = (*Carrier)(nil)

// New checks cfg and returns an adapter. It does no I/O: the first Track
// fetches the token.
func New(cfg Config) (*Carrier, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("usps: ClientID and ClientSecret are required")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = ProductionURL
	}
	u, err := carrierhttp.CheckURL(base)
	if err != nil {
		return nil, errors.New("usps: BaseURL must be an absolute http(s) URL")
	}
	tokenURL := cfg.TokenURL
	if tokenURL == "" {
		tokenURL = u.Scheme + "://" + u.Host + "/oauth2/v3/token"
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
		Scopes:       []string{"tracking"},
		AuthStyle:    oauth2.AuthStyleInParams,
		ParseError:   parseErrorBody,
	})
	if err != nil {
		return nil, errors.New("usps: " + strings.TrimPrefix(err.Error(), "carrierhttp: "))
	}
	return &Carrier{
		base: base, client: client, tokens: tokens, maxBody: carrierhttp.DefaultMaxBody,
		answer: carrierhttp.Answer{
			Carrier:      Code,
			Parse:        func(body []byte, _ string) ([]carriers.Tracking, error) { return ParseTrackResponse(body) },
			ErrorBody:    errorDocument,
			CodeSentinel: sentinelForCode,
		},
	}, nil
}

// Code returns "usps".
func (c *Carrier) Code() string { return Code }

// Track fetches GET /tracking/{number}?expand=DETAIL. The number is
// trimmed, spaces removed and upper-cased first; anything but 10–40 letters
// and digits fails with carriers.ErrInvalidNumber without a request. Errors
// are *carriers.Error: HTTP 400 with code 150001 and HTTP 404 match
// carriers.ErrNotFound, other 400s carriers.ErrInvalidNumber, 401/403 and
// OAuth invalid_client carriers.ErrUnauthorized (after one retry with a
// fresh token on 401: USPS revokes a token when a newer one is issued), 429
// carriers.ErrRateLimited (Retry-After honoured while retrying), 5xx
// carriers.ErrUnavailable.
func (c *Carrier) Track(ctx context.Context, number string) (*carriers.Tracking, error) {
	n, ok := carrierhttp.CleanNumber(number, 10, 40)
	if !ok {
		return nil, &carriers.Error{Carrier: Code, Op: "track", Number: carrierhttp.Clip(number, 256), Message: "not 10-40 letters and digits", Err: carriers.ErrInvalidNumber}
	}
	if err := ctx.Err(); err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", Number: n, Err: err}
	}
	endpoint := c.base + "/tracking/" + url.PathEscape(n) + "?expand=DETAIL"
	var resp *carrierhttp.Response
	err := c.tokens.WithToken(ctx, func(tok *oauth2.Token) (refused bool, err error) {
		req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
		if err != nil {
			return false, &carriers.Error{Carrier: Code, Op: "track", Number: n, Err: err}
		}
		req.Header.Set("Accept", "application/json")
		tok.SetAuthHeader(req.Request)
		resp, err = carrierhttp.Do(c.client, req, c.maxBody)
		if err != nil {
			return false, carrierhttp.TransportError(Code, "track", n, err)
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
	return c.answer.Tracking(resp, n, carrierhttp.RequestID(resp.Header))
}

// errorDocument is parseErrorBody for carrierhttp.Answer.
func errorDocument(body []byte) (code, message string, ok bool) {
	code, message = parseErrorBody(body)
	return code, message, code != ""
}
