package usps_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
	"github.com/postpurchase/postpurchase/carriers/usps"
)

func newCarrier(t *testing.T, s *uspsServer, secret string) *usps.Carrier {
	c, err := usps.New("id", secret, usps.Options{BaseURL: s.srv,
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTrackTokenReuseAndRevocation(t *testing.T) {
	body := adaptertest.ReadFile(t, "delivered_parcel_locker.json")
	s := newUSPSServer(t, adaptertest.JSON(http.StatusOK, body))
	c := newCarrier(t, s, "secret")
	ctx := context.Background()
	for range 3 {
		tr, err := c.Track(ctx, knownNumber)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Status != carriers.StatusDelivered {
			t.Fatalf("status %v", tr.Status)
		}
	}
	if s.tokens.Issued() != 1 {
		t.Errorf("%d token requests for 3 tracks, want 1", s.tokens.Issued())
	}
	// Another client of the same app takes a new token: ours is revoked.
	other := newCarrier(t, s, "secret")
	if _, err := other.Track(ctx, knownNumber); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Track(ctx, knownNumber); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if s.tokens.Issued() != 3 {
		t.Errorf("%d token requests, want 3", s.tokens.Issued())
	}
}

func TestTrackErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		body   string
		want   error
		code   string
	}{
		{"150001 in 400", 400, notFoundBody, carriers.ErrNotFound, "150001"},
		{"other 400", 400, `{"error":{"code":"400","message":"Invalid tracking number","errors":[{"code":"INVALID","title":"bad"}]}}`, carriers.ErrInvalidNumber, "INVALID"},
		{"429", 429, `{"error":{"code":"429","message":"Too Many Requests"}}`, carriers.ErrRateLimited, "429"},
		{"403", 403, `{"error":{"code":"403","message":"Forbidden"}}`, carriers.ErrUnauthorized, "403"},
		{"501 not retried", 501, ``, carriers.ErrUnavailable, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newUSPSServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Request-Id", "req-1")
				if tt.status == 429 {
					w.Header().Set("Retry-After", "0")
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			tr, err := newCarrier(t, s, "secret").Track(context.Background(), knownNumber)
			var ce *carriers.Error
			if !errors.Is(err, tt.want) || !errors.As(err, &ce) || tr != nil {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if ce.Code != tt.code || ce.StatusCode != tt.status || ce.RequestID != "req-1" || ce.TrackingNumber != knownNumber {
				t.Errorf("%+v", ce)
			}
			if tt.status == 501 && s.tracks.Load() != 1 {
				t.Errorf("501 retried: %d", s.tracks.Load())
			}
		})
	}
}

func TestTrackInvalidClient(t *testing.T) {
	s := newUSPSServer(t, http.NotFoundHandler())
	_, err := newCarrier(t, s, "wrong-SECRET").Track(context.Background(), knownNumber)
	var ce *carriers.Error
	if !errors.Is(err, carriers.ErrUnauthorized) || !errors.As(err, &ce) || ce.Code != "invalid_client" || ce.Op != "token" {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("secret in error: %v", err)
	}
	if s.tracks.Load() != 0 {
		t.Error("tracked without a token")
	}
}

func TestTrackInvalidNumber(t *testing.T) {
	s := newUSPSServer(t, http.NotFoundHandler())
	c := newCarrier(t, s, "secret")
	for _, n := range []string{"", "123", "9400/../../x", strings.Repeat("9", 41)} {
		if _, err := c.Track(context.Background(), n); !errors.Is(err, carriers.ErrInvalidNumber) {
			t.Errorf("%q: %v", n, err)
		}
	}
	if s.tokens.Requests()+int(s.tracks.Load()) != 0 {
		t.Error("requests sent for invalid numbers")
	}
}

func TestNewValidation(t *testing.T) {
	for _, tc := range []struct {
		id, secret string
		opts       usps.Options
	}{
		{"", "", usps.Options{}},
		{"id", "", usps.Options{}},
		{"id", "s", usps.Options{BaseURL: "ftp://x"}},
		{"id", "s", usps.Options{MaxBodyBytes: -1}},
		{"id", "s", usps.Options{RetryWaitMin: time.Hour, RetryWaitMax: time.Second}},
	} {
		// A *carriers.OptionError naming the option and keeping the
		// cause (New used to rewrite the string and drop it), never
		// echoing a value.
		_, err := usps.New(tc.id, tc.secret, tc.opts)
		var oe *carriers.OptionError
		if !errors.As(err, &oe) || oe.Carrier != usps.Code || oe.Err == nil || errors.Unwrap(err) != oe.Err ||
			!strings.HasPrefix(err.Error(), "usps: ") || strings.Contains(err.Error(), "X-Evil") {
			t.Errorf("%+v: error %#v, want a *carriers.OptionError with its cause", tc, err)
		}
	}
	if _, err := usps.New("id", "s", usps.Options{BaseURL: usps.TestURL}); err != nil {
		t.Error(err)
	}
}
