package carrierhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
)

// tokenServer issues tokens "tok-1", "tok-2", ... with the given expires_in
// JSON value to "id"/"secret" sent the way authStyle says (and refuses them
// sent the other way with invalid_client).
func tokenServer(t *testing.T, expiresIn string, authStyle oauth2.AuthStyle) (*httptest.Server, *adaptertest.Tokens) {
	t.Helper()
	tokens := &adaptertest.Tokens{ClientID: "id", ClientSecret: "secret", AuthStyle: authStyle,
		Response: func(tok string) string {
			return fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer","expires_in":%s,"status":"approved"}`, tok, expiresIn)
		}}
	return adaptertest.NewServer(t, tokens), tokens
}

func TestTokenExpiresInStringOrNumber(t *testing.T) {
	// UPS sends "expires_in":"14399" (a string); most servers a number.
	for _, expiresIn := range []string{`"14399"`, `14399`} {
		t.Run(expiresIn, func(t *testing.T) {
			srv, n := tokenServer(t, expiresIn, oauth2.AuthStyleInHeader)
			clock := adaptertest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
			tc, err := NewTokenCache(TokenConfig{Carrier: "ups", TokenURL: srv.URL, ClientID: "id", ClientSecret: "secret",
				AuthStyle: oauth2.AuthStyleInHeader, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			tok, err := tc.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "tok-1" || lifetime(tok) != 14399*time.Second {
				t.Fatalf("token %q lifetime %v", tok.AccessToken, lifetime(tok))
			}
			// Reused while valid.
			clock.Add(3 * time.Hour)
			if tok, _ = tc.Token(ctx); tok.AccessToken != "tok-1" || n.Issued() != 1 {
				t.Fatalf("not reused: %q after %d fetches", tok.AccessToken, n.Issued())
			}
			// Refreshed within EarlyExpiry of the expiry.
			clock.Add(14399*time.Second - 3*time.Hour - 30*time.Second)
			if tok, _ = tc.Token(ctx); tok.AccessToken != "tok-2" || n.Issued() != 2 {
				t.Fatalf("not refreshed: %q after %d fetches", tok.AccessToken, n.Issued())
			}
		})
	}
}

func TestTokenParamsAuthAndInvalidate(t *testing.T) {
	srv, n := tokenServer(t, `3600`, oauth2.AuthStyleInParams)
	tc, err := NewTokenCache(TokenConfig{Carrier: "usps", TokenURL: srv.URL, ClientID: "id", ClientSecret: "secret",
		AuthStyle: oauth2.AuthStyleInParams, Scopes: []string{"tracking"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok1, err := tc.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tc.Invalidate(&oauth2.Token{AccessToken: "someone-else"})
	if tok, _ := tc.Token(ctx); tok.AccessToken != tok1.AccessToken {
		t.Fatal("invalidating another token dropped the cached one")
	}
	tc.Invalidate(tok1)
	tok2, err := tc.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok2.AccessToken == tok1.AccessToken || n.Issued() != 2 {
		t.Fatalf("after Invalidate: %q, %d fetches", tok2.AccessToken, n.Issued())
	}
}

func TestTokenConcurrentSingleFetch(t *testing.T) {
	srv, n := tokenServer(t, `3600`, oauth2.AuthStyleInHeader)
	tc, err := NewTokenCache(TokenConfig{Carrier: "ups", TokenURL: srv.URL, ClientID: "id", ClientSecret: "secret", AuthStyle: oauth2.AuthStyleInHeader})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := tc.Token(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n.Issued() != 1 {
		t.Errorf("%d fetches for concurrent callers, want 1", n.Issued())
	}
}

func TestTokenInvalidClient(t *testing.T) {
	srv, _ := tokenServer(t, `3600`, oauth2.AuthStyleInParams)
	tc, err := NewTokenCache(TokenConfig{Carrier: "usps", TokenURL: srv.URL, ClientID: "id", ClientSecret: "wrong-SECRET", AuthStyle: oauth2.AuthStyleInParams})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tc.Token(context.Background())
	var ce *carriers.Error
	if !errors.As(err, &ce) || !errors.Is(err, carriers.ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if ce.Code != "invalid_client" || ce.StatusCode != 401 || ce.Op != "token" {
		t.Errorf("%+v", ce)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("secret in error: %v", err)
	}
}

func TestTokenErrorMapping(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		want   error
		code   string
	}{
		{429, `{}`, carriers.ErrRateLimited, ""},
		{503, `<html>down</html>`, carriers.ErrUnavailable, ""},
		{401, `{"response":{"errors":[{"code":"250003","message":"Invalid Access License number"}]}}`, carriers.ErrUnauthorized, "250003"},
		{200, `{"token_type":"Bearer"}`, carriers.ErrMalformedResponse, ""},
		{200, `not json`, carriers.ErrMalformedResponse, ""},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(tt.status)
			_, _ = io.WriteString(w, tt.body)
		}))
		tc, err := NewTokenCache(TokenConfig{Carrier: "ups", TokenURL: srv.URL, ClientID: "id", ClientSecret: "secret",
			AuthStyle: oauth2.AuthStyleInHeader, ParseError: func(b []byte) (string, string) {
				var e struct {
					Response struct {
						Errors []struct{ Code, Message string }
					}
				}
				if json.Unmarshal(b, &e) != nil || len(e.Response.Errors) == 0 {
					return "", ""
				}
				return e.Response.Errors[0].Code, e.Response.Errors[0].Message
			}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = tc.Token(context.Background())
		srv.Close()
		var ce *carriers.Error
		if !errors.Is(err, tt.want) || !errors.As(err, &ce) || ce.Code != tt.code {
			t.Errorf("%d %s: %v (code %q), want %v code %q", tt.status, tt.body, err, ce.Code, tt.want, tt.code)
		}
	}
}

func TestTokenContextCancelledWhileWaiting(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"t","expires_in":"3600"}`)
	}))
	defer srv.Close()
	defer close(release)
	tc, err := NewTokenCache(TokenConfig{Carrier: "ups", TokenURL: srv.URL, ClientID: "id", ClientSecret: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := tc.Token(ctx); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestNewTokenCacheValidation(t *testing.T) {
	for _, cfg := range []TokenConfig{
		{ClientID: "a", ClientSecret: "b"},
		{TokenURL: "https://x/token", ClientSecret: "b"},
		{TokenURL: "https://x/token", ClientID: "a"},
		{TokenURL: "/relative", ClientID: "a", ClientSecret: "b"},
	} {
		if _, err := NewTokenCache(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestWithToken(t *testing.T) {
	srv, n := tokenServer(t, `3600`, oauth2.AuthStyleInHeader)
	tc, err := NewTokenCache(TokenConfig{Carrier: "ups", TokenURL: srv.URL, ClientID: "id", ClientSecret: "secret", AuthStyle: oauth2.AuthStyleInHeader})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Accepted at once: one call, the cached token.
	var seen []string
	if err := tc.WithToken(ctx, func(tok *oauth2.Token) (bool, error) {
		seen = append(seen, tok.AccessToken)
		return false, nil
	}); err != nil || strings.Join(seen, ",") != "tok-1" {
		t.Fatalf("accepted: %v %v", seen, err)
	}
	// Refused once: dropped, fetched again, called again.
	seen = nil
	if err := tc.WithToken(ctx, func(tok *oauth2.Token) (bool, error) {
		seen = append(seen, tok.AccessToken)
		return len(seen) == 1, nil
	}); err != nil || strings.Join(seen, ",") != "tok-1,tok-2" || n.Issued() != 2 {
		t.Fatalf("refused once: %v %v, %d fetches", seen, err, n.Issued())
	}
	// Refused twice: the second answer stands, no third call.
	seen = nil
	errRefused := errors.New("refused")
	err = tc.WithToken(ctx, func(tok *oauth2.Token) (bool, error) {
		seen = append(seen, tok.AccessToken)
		return true, errRefused
	})
	if !errors.Is(err, errRefused) || strings.Join(seen, ",") != "tok-2,tok-3" {
		t.Fatalf("refused twice: %v %v", seen, err)
	}
	// A token that cannot be had is Token's error; try is not called.
	bad, err := NewTokenCache(TokenConfig{Carrier: "ups", TokenURL: srv.URL, ClientID: "id", ClientSecret: "wrong", AuthStyle: oauth2.AuthStyleInHeader})
	if err != nil {
		t.Fatal(err)
	}
	err = bad.WithToken(ctx, func(*oauth2.Token) (bool, error) {
		t.Error("try called without a token")
		return false, nil
	})
	var ce *carriers.Error
	if !errors.As(err, &ce) || ce.Op != "token" || !errors.Is(err, carriers.ErrUnauthorized) {
		t.Errorf("token failure: %v", err)
	}
}

func TestNewOAuthHeaderAndClock(t *testing.T) {
	var got http.Header
	tokens := &adaptertest.Tokens{ClientID: "id", ClientSecret: "secret", AuthStyle: oauth2.AuthStyleInHeader}
	srv := adaptertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		tokens.ServeHTTP(w, r)
	}))
	clock := adaptertest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	header := http.Header{}
	header.Set("x-merchant-id", "A1B2C3")
	client, tc, err := NewOAuth(Options{Now: clock.Now, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond},
		TokenConfig{Carrier: "ups", TokenURL: srv.URL, ClientID: "id", ClientSecret: "secret", AuthStyle: oauth2.AuthStyleInHeader, Header: header})
	if err != nil || client == nil {
		t.Fatal(err)
	}
	if _, err := tc.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Merchant-Id") != "A1B2C3" {
		t.Errorf("token request headers %v", got)
	}
	// The token cache reads the client's clock: past expires_in (3600 s),
	// a new token is fetched.
	clock.Add(2 * time.Hour)
	if tok, err := tc.Token(context.Background()); err != nil || tok.AccessToken != "tok-2" {
		t.Errorf("after expiry: %v, %v", tok, err)
	}
	if _, _, err := NewOAuth(Options{RetryWaitMin: time.Hour, RetryWaitMax: time.Second}, TokenConfig{TokenURL: srv.URL, ClientID: "id", ClientSecret: "s"}); err == nil {
		t.Error("bad Options accepted")
	}
	if _, _, err := NewOAuth(Options{}, TokenConfig{TokenURL: srv.URL}); err == nil {
		t.Error("bad TokenConfig accepted")
	}
}
