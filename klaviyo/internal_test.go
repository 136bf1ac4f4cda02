package klaviyo

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseErrorFixtures(t *testing.T) {
	for _, tc := range []struct {
		file, code, pointer, param string
		status                     int
		sentinel                   error
	}{
		{"error-400-invalid-include.json", "invalid", "", "include", 400, ErrInvalid},
		{"error-409-duplicate-profile.json", "duplicate_profile", "/data/attributes", "", 409, ErrDuplicateProfile},
		{"error-429-throttled.json", "throttled", "/data", "", 429, ErrRateLimited},
	} {
		body, err := os.ReadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		e := &APIError{Method: "POST", Endpoint: EndpointEvents, StatusCode: tc.status, RequestID: "req-1"}
		e.parseErrorBody("application/vnd.api+json", body, redactor{})
		if len(e.Errors) != 1 {
			t.Fatalf("%s: %d error objects", tc.file, len(e.Errors))
		}
		o := e.Errors[0]
		if o.Code != tc.code || o.Source.Pointer != tc.pointer || o.Source.Parameter != tc.param || o.Status != tc.status || o.ID == "" || o.Detail == "" {
			t.Errorf("%s: %+v", tc.file, o)
		}
		if !e.Is(tc.sentinel) {
			t.Errorf("%s: does not match %v", tc.file, tc.sentinel)
		}
		if msg := e.Error(); !strings.Contains(msg, tc.code) || !strings.Contains(msg, "req-1") || !strings.HasPrefix(msg, "klaviyo: ") {
			t.Errorf("%s: message %q", tc.file, msg)
		}
	}
	e := &APIError{StatusCode: 409}
	b, _ := os.ReadFile("testdata/error-409-duplicate-profile.json")
	e.parseErrorBody("application/vnd.api+json", b, redactor{})
	if e.DuplicateProfileID() != "01H8HKMDG8F4MN7PSRZ4YQYNVQ" {
		t.Errorf("duplicate id %q", e.DuplicateProfileID())
	}
}

func TestParseErrorNonJSON(t *testing.T) {
	html := "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>" + strings.Repeat("x", 2000) + "</body></html>"
	for _, tc := range []struct {
		ct, body string
		status   int
		unauth   bool
	}{
		{"text/html; charset=UTF-8", html, 403, false},
		{"", "", 502, false},
		{"application/json", `{"message":"upstream"}`, 500, false},
		{"application/vnd.api+json", `{"errors":[{"status":"403","code":"permission_denied","title":7,"detail":null,"source":"x"}]}`, 403, true},
		{"application/json", `{"errors": [1, "x", null]}`, 400, false},
	} {
		e := &APIError{Method: "POST", Endpoint: EndpointEvents, StatusCode: tc.status}
		e.parseErrorBody(tc.ct, []byte(tc.body), redactor{})
		if len(e.Body) > maxRawBody {
			t.Errorf("raw body kept %d bytes", len(e.Body))
		}
		if e.Is(ErrUnauthorized) != tc.unauth {
			t.Errorf("%q: ErrUnauthorized = %v", tc.body, !tc.unauth)
		}
		if strings.Contains(e.Error(), "<html") {
			t.Errorf("message shows body: %s", e.Error())
		}
	}
}

// TestLimiterNeverExceedsKlaviyoLimits drives the client's token buckets
// with a synthetic clock (rate.Limiter's *At methods): a greedy sender
// asks for a slot as soon as one is free for 10 simulated minutes. No
// fixed window, at any offset, sees more than Klaviyo's limit, and the
// sustained rate is at least 95% of the steady limit.
func TestLimiterNeverExceedsKlaviyoLimits(t *testing.T) {
	for _, ep := range endpoints {
		l := DefaultLimit(ep).withDefaults()
		lims := newLimiters(l, DefaultUtilization)
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		end := start.Add(10 * time.Minute)
		var sent []time.Time
		now := start
		for now.Before(end) {
			if d := reserveAll(lims, now); d > 0 {
				now = now.Add(d)
				continue
			}
			sent = append(sent, now)
		}
		for _, w := range []struct {
			win   time.Duration
			limit int
		}{{l.BurstWindow, l.Burst}, {l.SteadyWindow, l.Steady}} {
			for _, off := range []time.Duration{0, w.win / 3, w.win / 2, 7 * w.win / 9} {
				counts := map[int64]int{}
				for _, s := range sent {
					counts[int64((s.Sub(start)+w.win-off)/w.win)]++
				}
				for k, n := range counts {
					if n > w.limit {
						t.Errorf("%s: window %v offset %v #%d saw %d requests, limit %d", ep, w.win, off, k, n, w.limit)
					}
				}
			}
		}
		got := float64(len(sent)) / end.Sub(start).Seconds()
		t.Logf("%s: %d requests in 10 simulated minutes = %.2f/s, %.1f%% of the allowed %.2f/s", ep, len(sent), got, 100*got/l.SteadyRate(), l.SteadyRate())
		if ratio := got / l.SteadyRate(); ratio < 0.95 || ratio > 1 {
			t.Errorf("%s: sustained %.2f/s = %.3f of the allowed %.2f/s", ep, got, ratio, l.SteadyRate())
		}
	}
}

func TestLimiterShape(t *testing.T) {
	for _, ep := range endpoints {
		l := DefaultLimit(ep).withDefaults()
		for i, lim := range newLimiters(l, DefaultUtilization) {
			L, W := l.Burst, l.BurstWindow
			if i == 1 {
				L, W = l.Steady, l.SteadyWindow
			}
			if got := float64(lim.Burst()) + float64(lim.Limit())*W.Seconds(); got > float64(L)+1e-9 {
				t.Errorf("%s window %v: burst+rate*W = %v > %d", ep, W, got, L)
			}
		}
	}
}

func TestPlanBulk(t *testing.T) {
	c, err := New("k", Options{Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	var events []Event
	for i := range 2500 {
		events = append(events, Event{Metric: "M", Profile: Identifiers{Email: fmt.Sprintf("c%d@x.io", i%9)}, UniqueID: fmt.Sprint(i)})
	}
	items, err := c.encodeBulkItems(events)
	if err != nil {
		t.Fatal(err)
	}
	if ends := planBulk(items, MaxBulkEvents, MaxBulkPayloadBytes); fmt.Sprint(ends) != "[1000 2000 2500]" {
		t.Errorf("ends = %v", ends)
	}
	// Each request body is valid JSON, under the byte limit, and holds
	// every event of its run once.
	ends := planBulk(items, MaxBulkEvents, 20<<10)
	start := 0
	for _, end := range ends {
		body, err := appendBulkBody(nil, items[start:end])
		if err != nil {
			t.Fatal(err)
		}
		if len(body) > 20<<10 {
			t.Fatalf("body %d bytes", len(body))
		}
		var doc struct {
			Data struct {
				Attributes struct {
					EBC struct {
						Data []struct {
							Attributes struct {
								Events struct {
									Data []json.RawMessage `json:"data"`
								} `json:"events"`
							} `json:"attributes"`
						} `json:"data"`
					} `json:"events-bulk-create"`
				} `json:"attributes"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, g := range doc.Data.Attributes.EBC.Data {
			n += len(g.Attributes.Events.Data)
		}
		if n != end-start {
			t.Fatalf("run [%d,%d) body holds %d events", start, end, n)
		}
		start = end
	}
	if start != len(items) {
		t.Fatalf("plan covers %d of %d", start, len(items))
	}
}
