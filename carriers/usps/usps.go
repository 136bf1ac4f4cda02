package usps

import (
	"context"
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

// Options are the optional settings of New. The zero value is usable:
// every field has a documented default, and New validates them once.
type Options struct {
	// BaseURL is the Tracking API base, ProductionURL when empty; TestURL
	// selects the TEM test host; any absolute http(s) URL works (tests).
	BaseURL string
	// TokenURL overrides the OAuth token endpoint; empty means BaseURL's
	// host + "/oauth2/v3/token".
	TokenURL string
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

// New returns an adapter for the USPS developer app whose consumer key and
// secret are clientID and clientSecret (required; sent only to the token
// endpoint, as form parameters, and never logged). It checks opts and does
// no I/O: the first Track fetches the token.
func New(clientID, clientSecret string, opts Options) (*Carrier, error) {
	if err := carrierhttp.Required(Code, "clientID", clientID, "clientSecret", clientSecret); err != nil {
		return nil, err
	}
	ep, err := carrierhttp.ResolveEndpoint(Code, opts.BaseURL, ProductionURL, opts.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	tokenURL, err := carrierhttp.ResolveTokenURL(Code, opts.TokenURL, ep.Origin()+"/oauth2/v3/token")
	if err != nil {
		return nil, err
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
		Scopes:       []string{"tracking"},
		AuthStyle:    oauth2.AuthStyleInParams,
		ParseError:   parseErrorBody,
	})
	if err != nil {
		return nil, carrierhttp.NewError(Code, err)
	}
	return &Carrier{
		base: ep.Base, client: client, tokens: tokens, maxBody: ep.MaxBody,
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
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: carrierhttp.Clip(number, 64), Message: "not 10-40 letters and digits", Err: carriers.ErrInvalidNumber}
	}
	if err := ctx.Err(); err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: n, Err: err}
	}
	endpoint := c.base + "/tracking/" + url.PathEscape(n) + "?expand=DETAIL"
	var resp *carrierhttp.Response
	err := c.tokens.WithToken(ctx, func(tok *oauth2.Token) (refused bool, err error) {
		req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
		if err != nil {
			return false, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: n, Err: err}
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
			ce.TrackingNumber = n
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
