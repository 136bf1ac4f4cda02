package fedex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
)

const (
	testClientID     = "test-client-id"
	testClientSecret = "test-client-secret-DO-NOT-LOG"
	knownNumber      = "738488882438"
	unknownNumber    = "794843185271"
)

// fakeFedEx is a local FedEx: an OAuth token endpoint and a tracking
// endpoint that answers from the fixtures.
type fakeFedEx struct {
	t      testing.TB
	srv    *httptest.Server
	tokens *adaptertest.Tokens // client_id and client_secret as form fields, no HTTP Basic

	trackCalls atomic.Int32

	mu       sync.Mutex
	requests []trackRequest
	results  map[string]json.RawMessage

	track http.Handler // tracking endpoint; nil means answer from results
}

func newFake(t testing.TB) *fakeFedEx {
	f := &fakeFedEx{t: t, results: map[string]json.RawMessage{}, tokens: &adaptertest.Tokens{
		ClientID: testClientID, ClientSecret: testClientSecret, AuthStyle: oauth2.AuthStyleInParams,
		Response: func(tok string) string {
			return fmt.Sprintf(`{"access_token":%q,"token_type":"bearer","expires_in":3599,"scope":"CXS"}`, tok)
		},
		Refused: []byte(`{"transactionId":"t-1","errors":[{"code":"NOT.AUTHORIZED.ERROR","message":"The given client credentials were not valid. Please modify your request and try again."}]}`),
	}}
	for _, name := range []string{"delivered_mixed_timezone_offsets.json", "not_found_tracking_number.json", "spec_example_plus_not_found.json"} {
		var r struct {
			Output struct {
				CompleteTrackResults []json.RawMessage `json:"completeTrackResults"`
			} `json:"output"`
		}
		if err := json.Unmarshal(adaptertest.ReadFile(t, name), &r); err != nil {
			t.Fatal(err)
		}
		for _, ctr := range r.Output.CompleteTrackResults {
			var n struct {
				TrackingNumber string `json:"trackingNumber"`
			}
			_ = json.Unmarshal(ctr, &n)
			f.results[n.TrackingNumber] = ctr
		}
	}
	mux := http.NewServeMux()
	mux.Handle("POST /oauth/token", f.tokens)
	mux.HandleFunc("POST /track/v1/trackingnumbers", func(w http.ResponseWriter, r *http.Request) {
		f.trackCalls.Add(1)
		if f.track != nil {
			f.track.ServeHTTP(w, r)
			return
		}
		f.answer(w, r)
	})
	f.srv = adaptertest.NewServer(t, mux)
	return f
}

// authorized checks the bearer token of a tracking request.
func (f *fakeFedEx) authorized(w http.ResponseWriter, r *http.Request) bool {
	if !f.tokens.Authorized(r) {
		adaptertest.JSON(http.StatusUnauthorized, adaptertest.ReadFile(f.t, "error_401_not_authorized.json"))(w, r)
		return false
	}
	return true
}

// answer serves the fixture result of each requested number.
func (f *fakeFedEx) answer(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(w, r) {
		return
	}
	var req trackRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	var ctrs []json.RawMessage
	for _, ti := range req.TrackingInfo {
		n := ti.TrackingNumberInfo.TrackingNumber
		f.mu.Lock()
		ctr, ok := f.results[n]
		f.mu.Unlock()
		if !ok {
			ctr = json.RawMessage(fmt.Sprintf(`{"trackingNumber":%q,"trackResults":[{"trackingNumberInfo":{"trackingNumber":%q,"trackingNumberUniqueId":"","carrierCode":""},"error":{"code":"TRACKING.TRACKINGNUMBER.NOTFOUND","message":"Tracking number cannot be found. Please correct the tracking number and try again."}}]}`, n, n))
		}
		ctrs = append(ctrs, ctr)
	}
	body, _ := json.Marshal(map[string]any{
		"transactionId": "tx-fake",
		"output":        map[string]any{"completeTrackResults": ctrs},
	})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

func (f *fakeFedEx) config() Options {
	return Options{
		BaseURL:      f.srv.URL,
		RetryMax:     2,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
}

func (f *fakeFedEx) carrier(t testing.TB) *Carrier {
	t.Helper()
	c, err := New(testClientID, testClientSecret, f.config())
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
			return New(testClientID, testClientSecret, f.config())
		},
	}.Maker())
}

func TestNewValidates(t *testing.T) {
	if c, err := New("a", "b", Options{}); err != nil || c.trackURL != ProductionBaseURL+trackPath {
		t.Fatalf("New(defaults) = %v, %v", c, err)
	}
	bad := map[string]struct {
		id, secret string
		opts       Options
	}{
		"no id":        {"", "b", Options{}},
		"no secret":    {"a", "", Options{}},
		"relative URL": {"a", "b", Options{BaseURL: "apis.fedex.com"}},
		"ftp URL":      {"a", "b", Options{BaseURL: "ftp://apis.fedex.com"}},
		"bad token":    {"a", "b", Options{TokenURL: "/oauth"}},
		"waits":        {"a", "b", Options{RetryWaitMin: time.Second, RetryWaitMax: time.Millisecond}},
		"body":         {"a", "b", Options{MaxBodyBytes: -1}},
		"locale":       {"a", "b", Options{Locale: "en_US\r\nX-Evil: 1"}},
	}
	for name, tc := range bad {
		_, err := New(tc.id, tc.secret, tc.opts)
		var oe *carriers.OptionError
		if !errors.As(err, &oe) || oe.Err == nil || !strings.HasPrefix(err.Error(), "fedex: ") || strings.Contains(err.Error(), "X-Evil") {
			t.Errorf("%s: New error = %v, want a fedex: error", name, err)
		}
	}
}

func TestTokenCachedAndSentAsForm(t *testing.T) {
	f := newFake(t)
	c := f.carrier(t)
	for range 3 {
		if _, err := c.Track(t.Context(), knownNumber); err != nil {
			t.Fatal(err)
		}
	}
	// The fake token endpoint refuses HTTP Basic and wants client_id,
	// client_secret and grant_type=client_credentials as form fields: the
	// tracks above got a token, so that is how it was asked for.
	if n := f.tokens.Requests(); n != 1 {
		t.Errorf("%d token requests for 3 tracks, want 1 (cached)", n)
	}
}

func TestTokenRefreshedWhenRefused(t *testing.T) {
	f := newFake(t)
	c := f.carrier(t)
	if _, err := c.Track(t.Context(), knownNumber); err != nil {
		t.Fatal(err)
	}
	f.tokens.Revoke("tok-1") // FedEx: "Access token expired"
	tr, err := c.Track(t.Context(), knownNumber)
	if err != nil {
		t.Fatalf("Track after the token was revoked: %v", err)
	}
	if tr.Status != carriers.StatusDelivered || f.tokens.Requests() != 2 {
		t.Errorf("status %s after %d token requests, want delivered after 2", tr.Status, f.tokens.Requests())
	}
}

func TestBadCredentials(t *testing.T) {
	f := newFake(t)
	c, err := New(testClientID, "wrong-secret", f.config())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Track(t.Context(), knownNumber)
	if !errors.Is(err, carriers.ErrUnauthorized) {
		t.Fatalf("error %v, want ErrUnauthorized", err)
	}
	var ce *carriers.Error
	if !errors.As(err, &ce) || ce.Op != "token" || ce.Carrier != Code || ce.StatusCode != http.StatusUnauthorized || ce.Code != "NOT.AUTHORIZED.ERROR" {
		t.Errorf("error %#v: want the token failure with FedEx's code", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Error("the error message contains the client secret")
	}
	if f.trackCalls.Load() != 0 {
		t.Error("tracking endpoint called without a token")
	}
}

func TestNoSecretsInLogs(t *testing.T) {
	f := newFake(t)
	var buf bytes.Buffer
	cfg := f.config()
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(testClientID, testClientSecret, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Track(t.Context(), knownNumber); err != nil {
		t.Fatal(err)
	}
	log := buf.String()
	if log == "" {
		t.Fatal("nothing logged at debug level")
	}
	for _, secret := range []string{testClientSecret, "tok-1", "CREILLY"} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q:\n%s", secret, log)
		}
	}
}

// flaky answers with the given statuses first, then from the fixtures.
func flaky(f *fakeFedEx, header http.Header, statuses ...int) http.Handler {
	var n atomic.Int32
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(statuses) {
			for k, v := range header {
				w.Header()[k] = v
			}
			w.WriteHeader(statuses[i])
			if statuses[i] >= 500 {
				_, _ = io.WriteString(w, `{"errors":[{"code":"SERVICE.UNAVAILABLE.ERROR","message":"try later"}]}`)
			}
			return
		}
		f.answer(w, r)
	})
}

func TestRetries(t *testing.T) {
	cases := []struct {
		name     string
		header   http.Header
		statuses []int
		calls    int32
		want     error
	}{
		{"503 then success", nil, []int{503, 503}, 3, nil},
		{"429 with Retry-After then success", http.Header{"Retry-After": {"0"}}, []int{429}, 2, nil},
		{"500 until retries run out", nil, []int{500, 500, 500, 500}, 3, carriers.ErrUnavailable},
		{"501 is not retried", nil, []int{501}, 1, carriers.ErrUnavailable},
		{"Retry-After beyond the limit is not waited for", http.Header{"Retry-After": {"3600"}}, []int{429}, 1, carriers.ErrRateLimited},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.track = flaky(f, tc.header, tc.statuses...)
			c := f.carrier(t)
			start := time.Now()
			tr, err := c.Track(t.Context(), knownNumber)
			if tc.want == nil {
				if err != nil || tr == nil {
					t.Fatalf("Track: %v", err)
				}
			} else if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if got := f.trackCalls.Load(); got != tc.calls {
				t.Errorf("%d tracking requests, want %d", got, tc.calls)
			}
			if time.Since(start) > 20*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func TestErrorResponses(t *testing.T) {
	cases := []struct {
		file   string
		status int
		want   error
		code   string
	}{
		{"error_400_tracking_number_empty.json", 400, carriers.ErrInvalidNumber, "TRACKING.TRACKINGNUMBER.EMPTY"},
		{"error_503_service_unavailable.json", 503, carriers.ErrUnavailable, "SERVICE.UNAVAILABLE.ERROR"},
		// The FedEx code says more than the status: WSPOD is "try again later".
		{"error_validation_errcd_wspod.json", 400, carriers.ErrUnavailable, "VALIDATION.ERRCD.WSPOD"},
		{"error_validation_errcd_wspod.json", 200, carriers.ErrUnavailable, "VALIDATION.ERRCD.WSPOD"},
		{"not_found_tracking_number.json", 200, carriers.ErrNotFound, "TRACKING.TRACKINGNUMBER.NOTFOUND"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.file, tc.status), func(t *testing.T) {
			f := newFake(t)
			body := adaptertest.ReadFile(t, tc.file)
			f.track = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write(body)
			})
			cfg := f.config()
			cfg.RetryMax = -1
			c, err := New(testClientID, testClientSecret, cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Track(t.Context(), unknownNumber)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Code != tc.code || ce.StatusCode != tc.status || ce.RequestID == "" || ce.TrackingNumber != unknownNumber {
				t.Errorf("error %#v: want code %s, HTTP %d, the transactionId and the number", ce, tc.code, tc.status)
			}
		})
	}
}

func TestTrackBatch(t *testing.T) {
	f := newFake(t)
	c := f.carrier(t)
	numbers := []string{knownNumber, unknownNumber, "bad number!", "7384 8888 2438", "123456789012"}
	res, err := c.TrackBatch(t.Context(), numbers)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(numbers) {
		t.Fatalf("%d results for %d numbers", len(res), len(numbers))
	}
	for i, r := range res {
		if r.TrackingNumber != numbers[i] {
			t.Errorf("result %d is for %q, want %q", i, r.TrackingNumber, numbers[i])
		}
		if (r.Tracking == nil) == (r.Err == nil) {
			t.Errorf("result %d: exactly one of Tracking and Err must be set: %+v", i, r)
		}
	}
	if res[0].Tracking == nil || res[0].Tracking.Status != carriers.StatusDelivered {
		t.Errorf("known number: %+v", res[0])
	}
	if !errors.Is(res[1].Err, carriers.ErrNotFound) {
		t.Errorf("unknown number: %v, want ErrNotFound", res[1].Err)
	}
	if !errors.Is(res[2].Err, carriers.ErrInvalidNumber) {
		t.Errorf("malformed number: %v, want ErrInvalidNumber", res[2].Err)
	}
	if res[3].Tracking == nil || res[3].Tracking.TrackingNumber != knownNumber {
		t.Errorf("known number with spaces: %+v", res[3])
	}
	if res[3].Tracking == res[0].Tracking {
		t.Error("the same number twice shares one *Tracking")
	}
	if res[4].Tracking == nil || res[4].Tracking.Status != carriers.StatusException {
		t.Errorf("spec example: %+v", res[4])
	}
	if len(f.requests) != 1 {
		t.Fatalf("%d requests, want 1", len(f.requests))
	}
	req := f.requests[0]
	if !req.IncludeDetailedScans || len(req.TrackingInfo) != 3 {
		t.Errorf("request %+v: want detailed scans and the 3 distinct valid numbers", req)
	}
	if _, err := c.TrackBatch(t.Context(), make([]string, MaxBatch+1)); !errors.Is(err, carriers.ErrUnsupported) {
		t.Error("TrackBatch accepted more than MaxBatch numbers")
	}
	if c.MaxBatch() != 30 {
		t.Errorf("MaxBatch = %d", c.MaxBatch())
	}
}

func TestTrackBatchNotFoundForAll(t *testing.T) {
	f := newFake(t)
	f.track = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"transactionId":"x","errors":[{"code":"NOT.FOUND.ERROR","message":"The resource you requested is no longer available."}]}`)
	})
	res, err := f.carrier(t).TrackBatch(t.Context(), []string{"111111111111", "222222222222"})
	if err != nil {
		t.Fatalf("a whole-response not found must be reported per number, got %v", err)
	}
	for _, r := range res {
		var ce *carriers.Error
		if !errors.As(r.Err, &ce) || !errors.Is(r.Err, carriers.ErrNotFound) || ce.TrackingNumber != r.TrackingNumber {
			t.Errorf("result %+v, want ErrNotFound naming its number", r)
		}
	}
}

func TestLocalValidation(t *testing.T) {
	f := newFake(t)
	c := f.carrier(t)
	for _, n := range []string{"", "   ", "12345$", strings.Repeat("1", 41), "a~b", "~~"} {
		if _, err := c.Track(t.Context(), n); !errors.Is(err, carriers.ErrInvalidNumber) {
			t.Errorf("Track(%q) error %v, want ErrInvalidNumber", n, err)
		}
	}
	if f.tokens.Requests()+int(f.trackCalls.Load()) != 0 {
		t.Error("invalid numbers reached FedEx")
	}
}

// TestReusedNumber: FedEx answers a reused number with several
// trackResults, told apart by trackingNumberUniqueId.
func TestReusedNumber(t *testing.T) {
	f := newFake(t)
	older := `{"trackingNumberInfo":{"trackingNumber":"111111111111","trackingNumberUniqueId":"11111~111111111111~FDEG"},` +
		`"latestStatusDetail":{"code":"DL","derivedCode":"DL"},` +
		`"scanEvents":[{"date":"2023-01-05T10:00:00-05:00","eventType":"DL","derivedStatusCode":"DL"}]}`
	newer := `{"trackingNumberInfo":{"trackingNumber":"111111111111","trackingNumberUniqueId":"22222~111111111111~FDEG"},` +
		`"latestStatusDetail":{"code":"IT","derivedCode":"IT"},` +
		`"scanEvents":[{"date":"2024-03-05T10:00:00-05:00","eventType":"IT","derivedStatusCode":"IT"}]}`
	f.results["111111111111"] = json.RawMessage(`{"trackingNumber":"111111111111","trackResults":[` + older + `,` + newer + `]}`)
	c := f.carrier(t)

	tr, err := c.Track(t.Context(), "111111111111")
	if err != nil {
		t.Fatal(err)
	}
	if UniqueID(tr) != "22222~111111111111~FDEG" {
		t.Errorf("plain number picked %q, want the shipment with the newest scan", UniqueID(tr))
	}
	tr, err = c.Track(t.Context(), "11111~111111111111~FDEG")
	if err != nil {
		t.Fatal(err)
	}
	if UniqueID(tr) != "11111~111111111111~FDEG" || tr.Status != carriers.StatusDelivered {
		t.Errorf("unique ID picked %q (%s)", UniqueID(tr), tr.Status)
	}
	if got := f.requests[1].TrackingInfo[0].TrackingNumberInfo; got.TrackingNumberUniqueID != "11111~111111111111~FDEG" || got.TrackingNumber != "111111111111" {
		t.Errorf("request %+v: want the number and its unique ID", got)
	}
	_, err = c.Track(t.Context(), "99999~111111111111~FDEG")
	if !errors.Is(err, carriers.ErrNotFound) {
		t.Errorf("unknown unique ID: %v, want ErrNotFound", err)
	}
	all, err := ParseTrackResponse([]byte(`{"output":{"completeTrackResults":[` + string(f.results["111111111111"]) + `]}}`))
	if err != nil || len(all) != 2 {
		t.Errorf("ParseTrackResponse returned %d trackings (%v), want both shipments", len(all), err)
	}
}

func TestWebhook(t *testing.T) {
	body := adaptertest.ReadFile(t, "webhook_shipment_visibility.json")
	const token = "webhook-security-token"
	sig := SignWebhook(body, token)
	if err := VerifyWebhookSignature(body, sig, token); err != nil {
		t.Fatalf("valid signature refused: %v", err)
	}
	for name, tc := range map[string]struct {
		body       []byte
		sig, token string
	}{
		"other token":    {body, sig, "other"},
		"tampered body":  {append(bytes.Clone(body), ' '), sig, token},
		"empty":          {body, "", token},
		"not base64":     {body, "%%%", token},
		"no token given": {body, sig, ""},
	} {
		if err := VerifyWebhookSignature(tc.body, tc.sig, tc.token); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", name, err)
		}
	}
	c := newFake(t).carrier(t)
	var wp carriers.WebhookParser = c
	got, err := wp.ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].TrackingNumber != knownNumber || got[0].Status != carriers.StatusDelivered {
		t.Fatalf("ParseWebhook = %+v", got)
	}
	if err := carrierstest.CheckTracking(Code, &got[0]); err != nil {
		t.Error(err)
	}
	_, err = ParseWebhook([]byte(`{"outputMetaData":[],"output":{"completeTrackResults":{}}}`))
	var ce *carriers.Error
	if !errors.Is(err, carriers.ErrMalformedResponse) || !errors.As(err, &ce) || ce.Op != "webhook" {
		t.Errorf("malformed webhook: %v", err)
	}
}

// FedEx answers a token it cannot read with HTTP 400 and BAD.REQUEST.ERROR
// ("The given JWT is invalid"): refused credentials, not a bad number, so a
// fresh token is fetched and the error is ErrUnauthorized.
func TestInvalidJWTIsUnauthorized(t *testing.T) {
	f := newFake(t)
	body := []byte(`{"transactionId":"624deea6-b709-470c-8c39-4b5511281492","errors":[{"code":"BAD.REQUEST.ERROR","message":"The given JWT is invalid. Please modify your request and try again."}]}`)
	f.track = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(body)
	})
	cfg := f.config()
	cfg.RetryMax = -1
	c, err := New(testClientID, testClientSecret, cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Track(t.Context(), knownNumber)
	if !errors.Is(err, carriers.ErrUnauthorized) || errors.Is(err, carriers.ErrInvalidNumber) {
		t.Fatalf("error %v, want ErrUnauthorized", err)
	}
	if n := f.tokens.Requests(); n != 2 {
		t.Errorf("%d token requests, want 2 (a fresh token after the refusal)", n)
	}
}

// TestClock checks that Options.Now is the clock token expiry reads: the
// token (expires_in 3599) is reused until the injected clock passes its
// expiry, then fetched anew.
func TestClock(t *testing.T) {
	f := newFake(t)
	clk := adaptertest.NewClock(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	opts := f.config()
	opts.Now = clk.Now
	c, err := New(testClientID, testClientSecret, opts)
	if err != nil {
		t.Fatal(err)
	}
	track := func() {
		t.Helper()
		if _, err := c.Track(t.Context(), knownNumber); err != nil {
			t.Fatal(err)
		}
	}
	track()
	clk.Add(50 * time.Minute)
	track()
	if n := f.tokens.Requests(); n != 1 {
		t.Errorf("%d token requests within the token's life, want 1", n)
	}
	clk.Add(time.Hour)
	track()
	if n := f.tokens.Requests(); n != 2 {
		t.Errorf("%d token requests after the injected clock passed expiry, want 2", n)
	}
}
