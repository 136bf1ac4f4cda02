package ups_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
	"github.com/postpurchase/postpurchase/carriers/ups"
)

// serveFixture answers every number with the constructed two-package
// response.
func serveFixture(t *testing.T) http.Handler {
	return adaptertest.JSON(http.StatusOK, adaptertest.ReadFile(t, "constructed_two_packages_zones.json"))
}

func TestTrackTokenReuseAndRefresh(t *testing.T) {
	s := newUPSServer(t, `"14399"`, serveFixture(t))
	clk := adaptertest.NewClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
	c, err := ups.New("id", "secret", ups.Options{BaseURL: s.srv, Now: clk.Now,
		TransactionSrc: "shop", RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		if _, err := c.Track(ctx, knownNumber); err != nil {
			t.Fatal(err)
		}
	}
	if s.tokens.Issued() != 1 {
		t.Errorf("%d token requests for 3 tracks, want 1 (reuse)", s.tokens.Issued())
	}
	r := s.lastTrack
	if r.Header.Get("transactionSrc") != "shop" || len(r.Header.Get("transId")) != 32 || r.URL.Query().Get("locale") != "en_US" {
		t.Errorf("request headers/query: %v %v", r.Header, r.URL.RawQuery)
	}
	clk.Add(4 * time.Hour) // past expires_in (14399 s) minus the early margin
	if _, err := c.Track(ctx, knownNumber); err != nil {
		t.Fatal(err)
	}
	if s.tokens.Issued() != 2 {
		t.Errorf("%d token requests after expiry, want 2 (refresh)", s.tokens.Issued())
	}
	// A token revoked early: one 401, a fresh token, success.
	s.tokens.Revoke()
	tr, err := c.Track(ctx, knownNumber)
	if err != nil {
		t.Fatal(err)
	}
	if s.tokens.Issued() != 3 || tr.TrackingNumber != knownNumber {
		t.Errorf("after revocation: %d token requests, number %q", s.tokens.Issued(), tr.TrackingNumber)
	}
}

func TestMerchantIDOnTokenRequests(t *testing.T) {
	s := newUPSServer(t, `"3600"`, serveFixture(t))
	c, err := ups.New("id", "secret", ups.Options{BaseURL: s.srv, MerchantID: "A1B2C3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Track(context.Background(), knownNumber); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if got := s.lastToken.Get("X-Merchant-Id"); got != "A1B2C3" {
		t.Errorf("x-merchant-id = %q on the token request", got)
	}
	if got := s.lastTrack.Header.Get("X-Merchant-Id"); got != "" {
		t.Errorf("x-merchant-id = %q on the Track request, want it only on token requests", got)
	}
}

func TestTrackSelectsPackageOfMultiPackageResponse(t *testing.T) {
	s := newUPSServer(t, `3600`, serveFixture(t))
	c, err := ups.New("id", "secret", ups.Options{BaseURL: s.srv})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := c.Track(context.Background(), "1z12345e 0205271699")
	if err != nil {
		t.Fatal(err)
	}
	if tr.TrackingNumber != "1Z12345E0205271699" || tr.Status != carriers.StatusInTransit {
		t.Errorf("got %s %v", tr.TrackingNumber, tr.Status)
	}
}

func TestTrackErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   error
		code   string
	}{
		{"TW0001 in HTTP 200", 200, string(adaptertest.ReadFile(t, "not_found_tw0001.json")), carriers.ErrNotFound, "TW0001"},
		{"TV1002 in HTTP 400", 400, string(adaptertest.ReadFile(t, "error_tv1002_invalid_inquiry.json")), carriers.ErrInvalidNumber, "TV1002"},
		{"250003 in HTTP 403", 403, string(adaptertest.ReadFile(t, "error_250003_auth.json")), carriers.ErrUnauthorized, "250003"},
		{"TW0001 in HTTP 404", 404, string(adaptertest.ReadFile(t, "not_found_tw0001.json")), carriers.ErrNotFound, "TW0001"},
		{"501 not retried", 501, `{}`, carriers.ErrUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newUPSServer(t, `"3600"`, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("transId", "ups-side-id")
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			c, err := ups.New("id", "secret", ups.Options{BaseURL: s.srv, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			tr, err := c.Track(context.Background(), knownNumber)
			var ce *carriers.Error
			if !errors.Is(err, tt.want) || !errors.As(err, &ce) || tr != nil {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if ce.Code != tt.code || ce.StatusCode != tt.status || ce.RequestID != "ups-side-id" || ce.TrackingNumber != knownNumber || ce.Op != "track" {
				t.Errorf("%+v", ce)
			}
			if tt.status == 501 && s.tracks.Load() != 1 {
				t.Errorf("501 retried: %d requests", s.tracks.Load())
			}
		})
	}
}

func TestTrackBadCredentials(t *testing.T) {
	s := newUPSServer(t, `"3600"`, serveFixture(t))
	c, err := ups.New("id", "wrong-SECRET", ups.Options{BaseURL: s.srv})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Track(context.Background(), knownNumber)
	var ce *carriers.Error
	if !errors.Is(err, carriers.ErrUnauthorized) || !errors.As(err, &ce) || ce.Code != "250003" || ce.Op != "token" {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("secret in error: %v", err)
	}
}

func TestTrackInvalidNumberNoRequest(t *testing.T) {
	s := newUPSServer(t, `"3600"`, serveFixture(t))
	c, err := ups.New("id", "secret", ups.Options{BaseURL: s.srv})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"", "1Z12", "1Z/../../x", strings.Repeat("9", 35)} {
		if _, err := c.Track(context.Background(), n); !errors.Is(err, carriers.ErrInvalidNumber) {
			t.Errorf("%q: %v", n, err)
		}
	}
	if s.tokens.Requests()+int(s.tracks.Load()) != 0 {
		t.Error("requests were sent for invalid numbers")
	}
}

func TestTrackRetries(t *testing.T) {
	var n atomic.Int32
	s := newUPSServer(t, `"3600"`, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			_, _ = w.Write(adaptertest.ReadFile(t, "constructed_two_packages_zones.json"))
		}
	}))
	c, err := ups.New("id", "secret", ups.Options{BaseURL: s.srv, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Track(context.Background(), knownNumber); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 3 {
		t.Errorf("%d attempts, want 3 (429, 503, 200)", n.Load())
	}
}

func TestNewValidation(t *testing.T) {
	for _, tc := range []struct {
		id, secret string
		opts       ups.Options
	}{
		{"", "", ups.Options{}},
		{"id", "", ups.Options{}},
		{"id", "s", ups.Options{BaseURL: "ftp://x"}},
		{"id", "s", ups.Options{BaseURL: "not a url"}},
		{"id", "s", ups.Options{RetryWaitMin: time.Hour, RetryWaitMax: time.Second}},
		{"id", "s", ups.Options{MerchantID: "A1\r\nX-Evil: 1"}},
		{"id", "s", ups.Options{MaxBodyBytes: -1}},
	} {
		// A *carriers.OptionError naming the option and keeping the
		// cause (New used to rewrite the string and drop it), never
		// echoing a value.
		_, err := ups.New(tc.id, tc.secret, tc.opts)
		var oe *carriers.OptionError
		if !errors.As(err, &oe) || oe.Carrier != ups.Code || oe.Err == nil || errors.Unwrap(err) != oe.Err ||
			!strings.HasPrefix(err.Error(), "ups: ") || strings.Contains(err.Error(), "X-Evil") {
			t.Errorf("%+v: error %#v, want a *carriers.OptionError with its cause", tc, err)
		}
	}
	if _, err := ups.New("id", "s", ups.Options{BaseURL: ups.TestURL}); err != nil {
		t.Error(err)
	}
}
