package klaviyotest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/klaviyo/internal/spectest"
)

const key = "pk_fake"

func spec(t testing.TB) *spectest.Validator {
	v, err := spectest.Load("../testdata/openapi-2026-07-15-trimmed.json")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func start(t testing.TB, cfg Options) *Server {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = key
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func post(t testing.TB, s *Server, path string, body []byte, edit func(http.Header)) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Klaviyo-API-Key "+key)
	req.Header.Set("revision", "2026-07-15")
	req.Header.Set("Content-Type", "application/vnd.api+json")
	req.Header.Set("Accept", "application/vnd.api+json")
	if edit != nil {
		edit(req.Header)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b
}

func fixture(t testing.TB) []byte {
	b, err := os.ReadFile("testdata/create-event.request.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func errorCode(t testing.TB, b []byte) (string, string) {
	t.Helper()
	var doc struct {
		Errors []struct {
			Code   string            `json:"code"`
			Source map[string]string `json:"source"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Errors) != 1 {
		t.Fatalf("not a JSON:API error document: %s", b)
	}
	e := doc.Errors[0]
	return e.Code, e.Source["pointer"] + e.Source["parameter"]
}

func TestHeaderChecks(t *testing.T) {
	s := start(t, Options{})
	body := fixture(t)
	for name, tc := range map[string]struct {
		edit   func(http.Header)
		path   string
		status int
		code   string
	}{
		"ok":            {nil, PathEvents, 202, ""},
		"no key":        {func(h http.Header) { h.Del("Authorization") }, PathEvents, 401, "not_authenticated"},
		"wrong key":     {func(h http.Header) { h.Set("Authorization", "Klaviyo-API-Key pk_x") }, PathEvents, 401, "not_authenticated"},
		"bearer":        {func(h http.Header) { h.Set("Authorization", "Bearer "+key) }, PathEvents, 401, "not_authenticated"},
		"no revision":   {func(h http.Header) { h.Del("revision") }, PathEvents, 400, "invalid"},
		"bad revision":  {func(h http.Header) { h.Set("revision", "latest") }, PathEvents, 400, "invalid"},
		"content type":  {func(h http.Header) { h.Set("Content-Type", "text/plain") }, PathEvents, 415, "unsupported_media_type"},
		"accept":        {func(h http.Header) { h.Set("Accept", "text/html") }, PathEvents, 406, "not_acceptable"},
		"unknown path":  {nil, "/api/lists", 404, "not_found"},
		"trailing path": {nil, "/api/events/", 404, "not_found"},
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := post(t, s, tc.path, body, tc.edit)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, b)
			}
			if tc.code == "" {
				if len(b) != 0 {
					t.Errorf("202 with body %q", b)
				}
				return
			}
			if got, _ := errorCode(t, b); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.api+json" {
				t.Errorf("error content type %q", ct)
			}
		})
	}
}

// bodyCases are request bodies with small mutations: the fake's own checks
// and the OpenAPI spec (kin-openapi) must agree on which are valid.
func bodyCases(t testing.TB) map[string]struct {
	path string
	body string
} {
	ev := string(fixture(t))
	rep := func(old, new string) string {
		if !strings.Contains(ev, old) {
			t.Fatalf("fixture lacks %q", old)
		}
		return strings.Replace(ev, old, new, 1)
	}
	bulk := `{"data":{"type":"event-bulk-create-job","attributes":{"events-bulk-create":{"data":[{"type":"event-bulk-create","attributes":{"profile":{"data":{"type":"profile","attributes":{"email":"a@b.co"}}},"events":{"data":[{"type":"event","attributes":{"properties":{"x":1},"metric":{"data":{"type":"metric","attributes":{"name":"M"}}},"unique_id":"u1","time":"2026-01-02T03:04:05Z","value":1.5,"value_currency":"USD"}}]}}}]}}}}`
	profile := `{"data":{"type":"profile","attributes":{"email":"a@b.co","first_name":null,"properties":{"x":null}},"meta":{"patch_properties":{"unset":["y"]}}}}`
	return map[string]struct {
		path string
		body string
	}{
		"event ok":            {PathEvents, ev},
		"event no properties": {PathEvents, rep(`"properties": {`, `"props": {`)},
		"event properties array": {PathEvents, rep(`"properties": {
        "PasswordResetLink": "https://www.yourwebsite.com/reset-password?unique_token=12345"
      }`, `"properties": []`)},
		"event wrong type":        {PathEvents, rep(`"type": "event"`, `"type": "events"`)},
		"event no metric":         {PathEvents, rep(`"metric"`, `"metrik"`)},
		"event metric type":       {PathEvents, rep(`"type": "metric"`, `"type": "metrics"`)},
		"event metric no name":    {PathEvents, rep(`"name": "Reset Password"`, `"title": "x"`)},
		"event no profile":        {PathEvents, rep(`"profile": {`, `"person": {`)},
		"event profile type":      {PathEvents, rep(`"type": "profile"`, `"type": "person"`)},
		"event time not a date":   {PathEvents, rep(`"properties": {`, `"time": "yesterday", "properties": {`)},
		"event value string":      {PathEvents, rep(`"properties": {`, `"value": "9.99", "properties": {`)},
		"event nulls":             {PathEvents, rep(`"properties": {`, `"time": null, "value": null, "value_currency": null, "unique_id": null, "backfill": null, "properties": {`)},
		"event email number":      {PathEvents, rep(`"email": "customer@email.com"`, `"email": 7`)},
		"bulk ok":                 {PathBulkEvents, bulk},
		"bulk wrong job type":     {PathBulkEvents, strings.Replace(bulk, `"event-bulk-create-job"`, `"event-bulk-create"`, 1)},
		"bulk no events":          {PathBulkEvents, strings.Replace(bulk, `"events":`, `"evts":`, 1)},
		"bulk event no metric":    {PathBulkEvents, strings.Replace(bulk, `"metric":`, `"metrik":`, 1)},
		"bulk data not array":     {PathBulkEvents, strings.Replace(strings.Replace(bulk, `"events-bulk-create":{"data":[`, `"events-bulk-create":{"data":`, 1), `]}}}}`, `}}}}`, 1)},
		"profile ok":              {PathProfileImport, profile},
		"profile wrong type":      {PathProfileImport, strings.Replace(profile, `"type":"profile"`, `"type":"profiles"`, 1)},
		"profile no attributes":   {PathProfileImport, strings.Replace(profile, `"attributes":`, `"attrs":`, 1)},
		"profile properties list": {PathProfileImport, strings.Replace(profile, `"properties":{"x":null}`, `"properties":[1]`, 1)},
		"profile unset number":    {PathProfileImport, strings.Replace(profile, `"unset":["y"]`, `"unset":5`, 1)},
	}
}

func TestBodyChecksAgreeWithSpec(t *testing.T) {
	v := spec(t)
	s := start(t, Options{NoRateLimits: true})
	for name, tc := range bodyCases(t) {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, "https://a.klaviyo.com"+tc.path, nil)
			req.Header.Set("revision", "2026-07-15")
			req.Header.Set("Content-Type", "application/vnd.api+json")
			specErr := v.Request(req, []byte(tc.body))
			resp, b := post(t, s, tc.path, []byte(tc.body), nil)
			fakeOK := resp.StatusCode < 300
			if fakeOK != (specErr == nil) {
				t.Fatalf("fake answered %d (%s), spec says %v", resp.StatusCode, b, specErr)
			}
			if !fakeOK {
				if code, ptr := errorCode(t, b); code != "invalid" || !strings.HasPrefix(ptr, "/data") {
					t.Errorf("error %s at %q", code, ptr)
				}
			}
		})
	}
}

func TestDedupeAndBulkDuplicates(t *testing.T) {
	s := start(t, Options{})
	body := fixture(t)
	for range 3 {
		if resp, b := post(t, s, PathEvents, body, nil); resp.StatusCode != 202 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	}
	// No unique_id and no time: Klaviyo keys on the receive second; the
	// three sends above land in at most a few seconds.
	if st := s.Stats(); st.Accepted+st.Duplicates != 3 || st.Accepted > 2 {
		t.Fatalf("stats %+v", st)
	}
	entry := `{"type":"event","attributes":{"properties":{},"unique_id":"same","metric":{"data":{"type":"metric","attributes":{"name":"M"}}}}}`
	bulk := `{"data":{"type":"event-bulk-create-job","attributes":{"events-bulk-create":{"data":[{"type":"event-bulk-create","attributes":{"profile":{"data":{"type":"profile","attributes":{"email":"z@b.co"}}},"events":{"data":[` + entry + `,` + entry + `]}}}]}}}}`
	before := s.Stats().Accepted
	resp, b := post(t, s, PathBulkEvents, []byte(bulk), nil)
	if resp.StatusCode != 400 || s.Stats().Accepted != before {
		t.Fatalf("bulk with a repeated unique_id: %d %s", resp.StatusCode, b)
	}

	// The rule is per profile, not per set of identifiers: groups whose
	// identifiers resolve to one profile share it.
	group := func(attrs string) string {
		return `{"type":"event-bulk-create","attributes":{"profile":{"data":{"type":"profile","attributes":` + attrs + `}},"events":{"data":[` + entry + `]}}}`
	}
	bulkOf := func(groups ...string) []byte {
		return []byte(`{"data":{"type":"event-bulk-create-job","attributes":{"events-bulk-create":{"data":[` + strings.Join(groups, ",") + `]}}}}`)
	}
	imp := `{"data":{"type":"profile","attributes":{"email":"q@b.co","external_id":"c9"}}}`
	if resp, b := post(t, s, PathProfileImport, []byte(imp), nil); resp.StatusCode != 201 {
		t.Fatalf("profile import: %d %s", resp.StatusCode, b)
	}
	for name, tc := range map[string]struct {
		body []byte
		want int
	}{
		"existing profile by email and by external_id":       {bulkOf(group(`{"email":"q@b.co"}`), group(`{"external_id":"c9"}`)), 400},
		"new profile, identifier linked by an earlier group": {bulkOf(group(`{"email":"n@b.co","external_id":"n1"}`), group(`{"external_id":"n1"}`)), 400},
		"two different profiles":                             {bulkOf(group(`{"email":"d1@b.co"}`), group(`{"email":"d2@b.co"}`)), 202},
	} {
		before := s.Stats().Accepted
		resp, b := post(t, s, PathBulkEvents, tc.body, nil)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d: %s", name, resp.StatusCode, tc.want, b)
		}
		if tc.want == 400 && s.Stats().Accepted != before {
			t.Errorf("%s: a rejected request recorded events", name)
		}
	}
}

func TestRateLimitsWithFakeClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s := start(t, Options{Now: clock, Limits: map[string]Limit{PathEvents: {Burst: 3, BurstWindow: time.Second, Steady: 5, SteadyWindow: time.Minute}}})
	body := fixture(t)
	send := func(i int) (*http.Response, []byte) {
		// Distinct bodies: the early-retry check is per body.
		b := bytes.Replace(body, []byte(`"Reset Password"`), []byte(`"Reset Password `+string(rune('A'+i))+`"`), 1)
		return post(t, s, PathEvents, b, nil)
	}
	for i := range 3 {
		if resp, _ := send(i); resp.StatusCode != 202 || resp.Header.Get("RateLimit-Limit") != "5, 3;w=1, 5;w=60" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, resp.Header.Get("RateLimit-Limit"))
		}
	}
	resp, b := send(3)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("4th in a second: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if code, _ := errorCode(t, b); code != "throttled" {
		t.Fatalf("code %s", code)
	}
	// The same body again before its Retry-After: counted as early.
	advance(500 * time.Millisecond)
	if resp, _ := send(3); resp.StatusCode != 429 || s.Stats().EarlyRetries != 1 {
		t.Fatalf("early retry: %d, stats %+v", resp.StatusCode, s.Stats())
	}
	// That second 429 said Retry-After: 1 again, from t=0.5s.
	advance(time.Second)
	for i := 3; i < 5; i++ {
		if resp, _ := send(i); resp.StatusCode != 202 {
			t.Fatalf("request %d after the burst window: %d", i, resp.StatusCode)
		}
	}
	advance(2 * time.Second)
	resp, _ = send(6)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "57" {
		t.Fatalf("steady window full: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if st := s.Stats(); st.Throttled != 2 || st.Accepted != 5 {
		t.Fatalf("stats %+v", st)
	}
}

func TestProfileImport(t *testing.T) {
	v := spec(t)
	s := start(t, Options{})
	check := func(body string, wantStatus int) map[string]any {
		t.Helper()
		resp, b := post(t, s, PathProfileImport, []byte(body), nil)
		if resp.StatusCode != wantStatus {
			t.Fatalf("status %d want %d: %s", resp.StatusCode, wantStatus, b)
		}
		req, _ := http.NewRequest(http.MethodPost, "https://a.klaviyo.com"+PathProfileImport, nil)
		req.Header.Set("revision", "2026-07-15")
		req.Header.Set("Content-Type", "application/vnd.api+json")
		if err := v.Response(req, []byte(body), resp.StatusCode, resp.Header, b); err != nil {
			t.Fatalf("answer does not match the spec: %v\n%s", err, b)
		}
		var doc map[string]any
		_ = json.Unmarshal(b, &doc)
		return doc
	}
	check(`{"data":{"type":"profile","attributes":{"email":"a@b.co","first_name":"Ada","location":{"city":"Paris"},"properties":{"tier":"gold","n":1}}}}`, 201)
	check(`{"data":{"type":"profile","attributes":{"email":"a@b.co","first_name":null,"last_name":"L","properties":{"n":2}},"meta":{"patch_properties":{"unset":"tier"}}}}`, 200)
	p, ok := s.ProfileByEmail("a@b.co")
	if !ok || p.Attributes["first_name"] != nil || p.Attributes["last_name"] != "L" || p.Properties["tier"] != nil || p.Properties["n"] != json.Number("2") {
		t.Fatalf("profile %+v", p)
	}
	if loc, _ := p.Attributes["location"].(map[string]any); loc["city"] != "Paris" {
		t.Fatalf("location %v", p.Attributes["location"])
	}
	check(`{"data":{"type":"profile","attributes":{"phone_number":"+15005550006"}}}`, 201)
	resp, b := post(t, s, PathProfileImport, []byte(`{"data":{"type":"profile","attributes":{"email":"a@b.co","phone_number":"+15005550006"}}}`), nil)
	if resp.StatusCode != 409 || !bytes.Contains(b, []byte(`"duplicate_profile_id":"`)) {
		t.Fatalf("409 expected: %d %s", resp.StatusCode, b)
	}
	resp, _ = post(t, s, PathProfileImport, []byte(`{"data":{"type":"profile","id":"nope","attributes":{}}}`), nil)
	if resp.StatusCode != 404 {
		t.Fatalf("unknown id: %d", resp.StatusCode)
	}
}

func TestFaults(t *testing.T) {
	s := start(t, Options{Faults: FaultSequence(FaultServerError, FaultUnavailable, FaultReset, FaultResetAfterAccept, FaultServerErrorAfterAccept, FaultThrottle), RetryAfter: 2})
	body := fixture(t)
	for _, want := range []int{500, 503} {
		if resp, _ := post(t, s, PathEvents, body, nil); resp.StatusCode != want {
			t.Fatalf("status %d want %d", resp.StatusCode, want)
		}
	}
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, s.URL+PathEvents, bytes.NewReader(body))
		req.Header.Set("Authorization", "Klaviyo-API-Key "+key)
		req.Header.Set("revision", "2026-07-15")
		req.Header.Set("Content-Type", "application/vnd.api+json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Fatal("reset fault answered")
		}
	}
	if resp, _ := post(t, s, PathEvents, body, nil); resp.StatusCode != 500 {
		t.Fatalf("after-accept 500: %d", resp.StatusCode)
	}
	if resp, _ := post(t, s, PathEvents, body, nil); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("throttle: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	st := s.Stats()
	if st.Accepted != 1 || st.Duplicates != 1 || len(st.Injected) != 6 {
		t.Fatalf("stats %+v", st)
	}
	if FaultSlow.String() != "slow" || Fault(99).String() != "fault(?)" {
		t.Error("fault names")
	}
}

func TestRandomFaultsDeterministic(t *testing.T) {
	a := RandomFaults(1, FaultRates{Throttle: 0.2, Reset: 0.2})
	b := RandomFaults(1, FaultRates{Throttle: 0.2, Reset: 0.2})
	counts := map[Fault]int{}
	for i := range 1000 {
		fa, fb := a(RequestInfo{Seq: i}), b(RequestInfo{Seq: i})
		if fa != fb {
			t.Fatal("same seed, different faults")
		}
		counts[fa]++
	}
	if counts[FaultThrottle] < 150 || counts[FaultReset] < 150 || counts[NoFault] < 500 {
		t.Fatalf("counts %v", counts)
	}
}

func TestNewServerRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Options{
		{Revision: "x"}, {RetryAfter: -1},
		{Limits: map[string]Limit{"/api/x": {Burst: 1, BurstWindow: 1, Steady: 1, SteadyWindow: 1}}},
		{Limits: map[string]Limit{PathEvents: {}}},
	} {
		if s, err := NewServer(cfg); err == nil {
			s.Close()
			t.Errorf("NewServer(%+v) succeeded", cfg)
		}
	}
}

// FuzzCheckBody: the fake's body checks never panic, and what they accept
// has the members the fake relies on.
func FuzzCheckBody(f *testing.F) {
	f.Add(uint8(0), fixture(f))
	for _, tc := range bodyCases(f) {
		p := uint8(0)
		switch tc.path {
		case PathBulkEvents:
			p = 1
		case PathProfileImport:
			p = 2
		}
		f.Add(p, []byte(tc.body))
	}
	paths := []string{PathEvents, PathBulkEvents, PathProfileImport}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, p uint8, body []byte) {
		path := paths[int(p)%3]
		doc, err := checkBody(path, body, now)
		if err != nil {
			if err.status != 400 || err.detail == "" {
				t.Fatalf("bad error %+v", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatal("accepted invalid JSON")
		}
		for _, ev := range doc.events {
			if ev.metric == "" || ev.properties == nil {
				t.Fatalf("accepted event without metric or properties: %+v", ev)
			}
		}
		if path == PathProfileImport && doc.profile == nil {
			t.Fatal("no profile")
		}
	})
}
