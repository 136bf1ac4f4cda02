package dhl

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
)

const (
	testAPIKey    = "test-api-key-DO-NOT-LOG"
	knownNumber   = "7777777770"
	unknownNumber = "8264715546"
)

// fakeDHL is a local Shipment Tracking – Unified endpoint answering from
// the fixtures.
type fakeDHL struct {
	t     testing.TB
	srv   *httptest.Server
	calls atomic.Int32

	mu      sync.Mutex
	queries []string // raw query of each request

	track http.Handler // nil means answer from the fixtures
}

func newFake(t testing.TB) *fakeDHL {
	f := &fakeDHL{t: t}
	f.srv = adaptertest.NewServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		if r.URL.Path != "/track/shipments" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		if f.track != nil {
			f.track.ServeHTTP(w, r)
			return
		}
		f.answer(w, r)
	}))
	return f
}

func (f *fakeDHL) answer(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.queries = append(f.queries, r.URL.RawQuery)
	f.mu.Unlock()
	if r.Header.Get("DHL-API-Key") != testAPIKey {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"title":"Unauthorized","status":401,"detail":"Invalid API key"}`)
		return
	}
	switch r.URL.Query().Get("trackingNumber") {
	case knownNumber:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(adaptertest.ReadFile(f.t, "spec_example_express.json"))
	case "00340434292135100186":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(adaptertest.ReadFile(f.t, "parcel_de_pre_transit.json"))
	case "":
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(adaptertest.ReadFile(f.t, "invalid_input_400.json"))
	default:
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(adaptertest.ReadFile(f.t, "not_found_404.json"))
	}
}

func (f *fakeDHL) config() Options {
	return Options{
		BaseURL:      f.srv.URL,
		RetryMax:     2,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
}

func (f *fakeDHL) carrier(t testing.TB) *Carrier {
	t.Helper()
	c, err := New(testAPIKey, f.config())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	carrierstest.RunConformanceTests(t, adaptertest.Harness{
		Known:   knownNumber,
		Unknown: unknownNumber,
		Make: func(t *testing.T, track http.Handler) (carriers.Carrier, error) {
			f := newFake(t)
			f.track = track // nil: answer from the fixtures
			return New(testAPIKey, f.config())
		},
	}.Maker())
}

func TestNewValidates(t *testing.T) {
	if c, err := New("k", Options{}); err != nil || c.trackURL != ProductionBaseURL+trackPath {
		t.Fatalf("New(defaults) = %v, %v", c, err)
	}
	for name, tc := range map[string]struct {
		key  string
		opts Options
	}{
		"no key":       {"", Options{}},
		"blank key":    {" ", Options{}},
		"key with CR":  {"k\r\nX-Evil: 1", Options{}},
		"relative URL": {"k", Options{BaseURL: "api-eu.dhl.com"}},
		"country":      {"k", Options{RequesterCountryCode: "DEU"}},
		"waits":        {"k", Options{RetryWaitMin: time.Second, RetryWaitMax: time.Millisecond}},
		"body":         {"k", Options{MaxBodyBytes: -1}},
	} {
		_, err := New(tc.key, tc.opts)
		var oe *carriers.OptionError
		if !errors.As(err, &oe) || oe.Err == nil || !strings.HasPrefix(err.Error(), "dhl: ") || strings.Contains(err.Error(), "X-Evil") {
			t.Errorf("%s: New error = %v, want a dhl: error", name, err)
		}
	}
}

func TestRequest(t *testing.T) {
	f := newFake(t)
	cfg := f.config()
	cfg.Service = "parcel-de"
	cfg.Language = "de"
	cfg.RecipientPostalCode = "53113"
	c, err := New(testAPIKey, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := c.Track(t.Context(), "0034 0434 2921 3510 0186")
	if err != nil {
		t.Fatal(err)
	}
	if tr.TrackingNumber != "00340434292135100186" {
		t.Errorf("Number %q", tr.TrackingNumber)
	}
	q := f.queries[0]
	for _, want := range []string{"trackingNumber=00340434292135100186", "service=parcel-de", "language=de", "recipientPostalCode=53113"} {
		if !strings.Contains(q, want) {
			t.Errorf("query %q lacks %q", q, want)
		}
	}
}

func TestErrors(t *testing.T) {
	f := newFake(t)
	c := f.carrier(t)
	_, err := c.Track(t.Context(), unknownNumber)
	var ce *carriers.Error
	if !errors.Is(err, carriers.ErrNotFound) || !errors.As(err, &ce) || ce.StatusCode != 404 || ce.Code != "No result found" || ce.Message == "" || ce.TrackingNumber != unknownNumber {
		t.Errorf("404: %#v", err)
	}

	bad, err := New("wrong-key", f.config())
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Track(t.Context(), knownNumber)
	if !errors.Is(err, carriers.ErrUnauthorized) || strings.Contains(err.Error(), "wrong-key") {
		t.Errorf("bad key: %v", err)
	}

	f.track = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(adaptertest.ReadFile(t, "invalid_input_400.json"))
	})
	if _, err = c.Track(t.Context(), "123"); !errors.Is(err, carriers.ErrInvalidNumber) || !errors.As(err, &ce) || ce.Code != "Invalid input" {
		t.Errorf("400: %v", err)
	}

	f.track = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"shipments":[]}`)
	})
	if _, err = c.Track(t.Context(), knownNumber); !errors.Is(err, carriers.ErrNotFound) {
		t.Errorf("no shipments: %v", err)
	}

	calls := f.calls.Load()
	for _, n := range []string{"", "  ", "abc/def", "1?x=1", strings.Repeat("1", 51)} {
		if _, err := c.Track(t.Context(), n); !errors.Is(err, carriers.ErrInvalidNumber) {
			t.Errorf("Track(%q): %v, want ErrInvalidNumber", n, err)
		}
	}
	if f.calls.Load() != calls {
		t.Error("invalid numbers reached DHL")
	}
}

func TestRetries(t *testing.T) {
	cases := []struct {
		name     string
		retry    string
		statuses []int
		calls    int32
		want     error
	}{
		{"429 then success", "0", []int{429}, 2, nil},
		{"503 twice then success", "", []int{503, 503}, 3, nil},
		{"quota exhausted: long Retry-After fails fast", "86400", []int{429}, 1, carriers.ErrRateLimited},
		{"501 not retried", "", []int{501}, 1, carriers.ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			var n atomic.Int32
			f.track = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if i := int(n.Add(1)) - 1; i < len(tc.statuses) {
					if tc.retry != "" {
						w.Header().Set("Retry-After", tc.retry)
					}
					w.WriteHeader(tc.statuses[i])
					return
				}
				f.answer(w, r)
			})
			tr, err := f.carrier(t).Track(t.Context(), knownNumber)
			if tc.want == nil && (err != nil || tr == nil) {
				t.Fatalf("Track: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if got := f.calls.Load(); got != tc.calls {
				t.Errorf("%d requests, want %d", got, tc.calls)
			}
		})
	}
}

func TestSeveralShipments(t *testing.T) {
	f := newFake(t)
	f.track = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"shipments":[`+
			`{"id":"JVGL0000000001","service":"freight","events":[{"timestamp":"2024-05-01T10:00:00Z","statusCode":"transit"}]},`+
			`{"id":"1234567890","service":"express","events":[{"timestamp":"2024-05-02T10:00:00Z","statusCode":"delivered"}]}]}`)
	})
	tr, err := f.carrier(t).Track(t.Context(), "1234567890")
	if err != nil {
		t.Fatal(err)
	}
	if tr.TrackingNumber != "1234567890" || tr.Status != carriers.StatusDelivered {
		t.Errorf("picked %s (%s), want the shipment whose id is the number", tr.TrackingNumber, tr.Status)
	}
}

func TestNoSecretsInLogs(t *testing.T) {
	f := newFake(t)
	var buf bytes.Buffer
	cfg := f.config()
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.RecipientPostalCode = "53113"
	c, err := New(testAPIKey, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Track(t.Context(), knownNumber); err != nil {
		t.Fatal(err)
	}
	if buf.Len() == 0 {
		t.Fatal("nothing logged at debug level")
	}
	for _, secret := range []string{testAPIKey, "53113"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log contains %q:\n%s", secret, buf.String())
		}
	}
}

// TestClock checks that Options.Now is the clock the adapter reads: a
// Retry-After HTTP date one day after the injected now is longer than
// MaxRetryAfter and fails at once (by the wall clock the date is years
// past and would be retried at once).
func TestClock(t *testing.T) {
	f := newFake(t)
	var n atomic.Int32
	f.track = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "Thu, 02 Jan 2020 00:00:00 GMT")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		f.answer(w, r)
	})
	opts := f.config()
	opts.Now = adaptertest.NewClock(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)).Now
	c, err := New(testAPIKey, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Track(t.Context(), knownNumber); !errors.Is(err, carriers.ErrRateLimited) || n.Load() != 1 {
		t.Errorf("Track: %v after %d requests, want ErrRateLimited after 1", err, n.Load())
	}
}
