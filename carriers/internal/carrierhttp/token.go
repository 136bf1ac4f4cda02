package carrierhttp

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/internal/httpretry"
)

// DefaultEarlyExpiry is how long before its stated expiry a cached token is
// replaced, so a token does not expire between the check and the carrier's
// clock.
const DefaultEarlyExpiry = 60 * time.Second

// TokenConfig configures a TokenCache.
type TokenConfig struct {
	// Carrier is the carrier's Code, used in errors.
	Carrier string
	// TokenURL, ClientID and ClientSecret are the client-credentials
	// grant's endpoint and credentials. All three are required.
	TokenURL     string
	ClientID     string
	ClientSecret string
	// Scopes and EndpointParams are sent with the token request; nil means
	// none.
	Scopes         []string
	EndpointParams url.Values
	// AuthStyle says how the credentials travel: oauth2.AuthStyleInHeader
	// (HTTP Basic, UPS) or oauth2.AuthStyleInParams (form fields, USPS and
	// FedEx). The zero value lets x/oauth2 try both.
	AuthStyle oauth2.AuthStyle
	// HTTPClient sends the token requests. Nil means http.DefaultClient;
	// NewOAuth passes the adapter's retrying client (through
	// httpretry.RoundTripper).
	HTTPClient *http.Client
	// Header holds extra headers sent with every token request (UPS's
	// x-merchant-id); nil means none.
	Header http.Header
	// EarlyExpiry: see DefaultEarlyExpiry, used when zero.
	EarlyExpiry time.Duration
	// Now returns the current time, for expiry. Nil means time.Now.
	Now func() time.Time
	// ParseError optionally extracts the carrier's own error code and
	// message from a failed token response body (UPS answers with its
	// {"response":{"errors":[...]}} shape rather than RFC 6749's).
	ParseError func(body []byte) (code, message string)
}

// TokenCache fetches OAuth 2 client-credentials tokens through
// golang.org/x/oauth2/clientcredentials and reuses each until shortly before
// it expires. It is safe for concurrent use: one caller fetches while the
// others wait, each still honouring its own context.
type TokenCache struct {
	cfg  TokenConfig
	cc   clientcredentials.Config
	lock chan struct{} // one slot: held while reading or fetching

	tok    *oauth2.Token
	expiry time.Time // zero: no stated expiry, valid until invalidated
}

// NewTokenCache checks cfg and returns a cache with no token yet.
func NewTokenCache(cfg TokenConfig) (*TokenCache, error) {
	switch {
	case cfg.TokenURL == "":
		return nil, errors.New("carrierhttp: token URL is empty")
	case cfg.ClientID == "":
		return nil, errors.New("carrierhttp: client ID is empty")
	case cfg.ClientSecret == "":
		return nil, errors.New("carrierhttp: client secret is empty")
	}
	if u, err := url.Parse(cfg.TokenURL); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, errors.New("carrierhttp: token URL is not an absolute URL")
	}
	if cfg.EarlyExpiry == 0 {
		cfg.EarlyExpiry = DefaultEarlyExpiry
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if len(cfg.Header) > 0 {
		hc := *cfg.HTTPClient
		next := hc.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		hc.Transport = headerTransport{next: next, header: cfg.Header.Clone()}
		cfg.HTTPClient = &hc
	}
	return &TokenCache{
		cfg: cfg,
		cc: clientcredentials.Config{
			ClientID:       cfg.ClientID,
			ClientSecret:   cfg.ClientSecret,
			TokenURL:       cfg.TokenURL,
			Scopes:         cfg.Scopes,
			EndpointParams: cfg.EndpointParams,
			AuthStyle:      cfg.AuthStyle,
		},
		lock: make(chan struct{}, 1),
	}, nil
}

// Token returns a valid token, fetching a new one when none is cached or the
// cached one is about to expire. Failures are *carriers.Error with Op
// "token": refused credentials (invalid_client, 401, 403) match
// carriers.ErrUnauthorized, 429 carriers.ErrRateLimited, 5xx and transport
// failures carriers.ErrUnavailable; a done context yields its error.
func (c *TokenCache) Token(ctx context.Context) (*oauth2.Token, error) {
	select {
	case c.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, &carriers.Error{Carrier: c.cfg.Carrier, Op: "token", Err: ctx.Err()}
	}
	defer func() { <-c.lock }()

	now := c.cfg.Now()
	if c.tok != nil && (c.expiry.IsZero() || now.Before(c.expiry.Add(-c.cfg.EarlyExpiry))) {
		return c.tok, nil
	}
	tok, err := c.cc.Token(context.WithValue(ctx, oauth2.HTTPClient, c.cfg.HTTPClient))
	if err != nil {
		return nil, c.tokenError(ctx, err)
	}
	c.tok = tok
	c.expiry = time.Time{}
	if life := lifetime(tok); life > 0 {
		c.expiry = now.Add(life)
	}
	return tok, nil
}

// lifetime returns how long tok is valid from when it was issued. x/oauth2
// parses "expires_in" whether it is a JSON number or a JSON string (UPS),
// but clientcredentials hands back only the absolute Expiry computed from
// the wall clock; the raw field is read first so that an injected clock
// works, and Expiry is the fallback.
func lifetime(tok *oauth2.Token) time.Duration {
	var secs float64
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		secs = v
	case string:
		secs, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
	}
	if secs > 0 && secs < 1e9 {
		return time.Duration(secs) * time.Second
	}
	if !tok.Expiry.IsZero() {
		if d := time.Until(tok.Expiry); d > 0 {
			return d
		}
	}
	return 0
}

// Invalidate drops the cached token if it is tok's access token, so that the
// next Token call fetches a fresh one. Adapters call it when the carrier
// answers 401 to a request made with tok (tokens can be revoked early: USPS
// revokes the previous token when a new one is issued).
func (c *TokenCache) Invalidate(tok *oauth2.Token) {
	if tok == nil {
		return
	}
	c.lock <- struct{}{}
	if c.tok != nil && c.tok.AccessToken == tok.AccessToken {
		c.tok = nil
	}
	<-c.lock
}

// headerTransport adds fixed headers to every request.
type headerTransport struct {
	next   http.RoundTripper
	header http.Header
}

// RoundTrip implements http.RoundTripper.
func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, vs := range h.header {
		r.Header.Del(k)
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return h.next.RoundTrip(r)
}

// NewOAuth returns the retrying client of an adapter that authenticates
// with OAuth 2 client credentials (NewClient(o)) and its token cache
// (NewTokenCache(tc)). Unless tc sets them, token requests go through that
// client, so they are retried and logged like the others, and expiry uses
// o's clock.
func NewOAuth(o Options, tc TokenConfig) (*retryablehttp.Client, *TokenCache, error) {
	client, err := NewClient(o)
	if err != nil {
		return nil, nil, err
	}
	if tc.HTTPClient == nil {
		tc.HTTPClient = &http.Client{Transport: httpretry.RoundTripper(client)}
	}
	if tc.Now == nil {
		tc.Now = o.Now
	}
	tokens, err := NewTokenCache(tc)
	if err != nil {
		return nil, nil, err
	}
	return client, tokens, nil
}

// WithToken calls try with a valid token (see Token). When try reports that
// the carrier refused the token (refused: an HTTP 401, or the carrier's
// code for an expired or revoked token), the token is dropped and try is
// called once more with a fresh one; that second answer stands, refused or
// not. The error is Token's (a *carriers.Error with Op "token") or try's.
func (c *TokenCache) WithToken(ctx context.Context, try func(tok *oauth2.Token) (refused bool, err error)) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		refused, err := try(tok)
		if !refused || attempt > 0 {
			return err
		}
		c.Invalidate(tok)
	}
}

// tokenError maps a failed token fetch to a *carriers.Error.
func (c *TokenCache) tokenError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &carriers.Error{Carrier: c.cfg.Carrier, Op: "token", Err: ctxErr}
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		e := TransportError(c.cfg.Carrier, "token", "", err)
		if strings.HasPrefix(err.Error(), "oauth2: cannot parse") || strings.Contains(err.Error(), "missing access_token") {
			e.Err = &carriers.DecodeError{Path: "access_token", Err: err}
		}
		return e
	}
	e := &carriers.Error{Carrier: c.cfg.Carrier, Op: "token", Code: re.ErrorCode, Message: re.ErrorDescription}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
		e.StatusCode = status
		e.RequestID = RequestID(re.Response.Header)
	}
	if c.cfg.ParseError != nil && e.Code == "" {
		e.Code, e.Message = c.cfg.ParseError(re.Body)
	}
	switch {
	case status == http.StatusTooManyRequests:
		e.Err = carriers.ErrRateLimited
	case status >= 500:
		e.Err = carriers.ErrUnavailable
	case re.ErrorCode != "" || status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusBadRequest:
		// invalid_client, invalid_grant, unauthorized_client,
		// invalid_scope...: the configured credentials do not work.
		e.Err = carriers.ErrUnauthorized
	default:
		e.Err = SentinelForStatus(status)
	}
	e.Message = Clip(e.Message, 256)
	return e
}
