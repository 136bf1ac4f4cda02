package klaviyo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/klaviyo"
	"github.com/postpurchase/postpurchase/klaviyo/klaviyotest"
)

func deliveredEvent(t testing.TB, shipmentID string) klaviyo.Event {
	t.Helper()
	e, err := klaviyo.Catalog{}.ShipmentMilestone(klaviyo.MilestoneEvent{
		Profile:     klaviyo.Identifiers{Email: "ada@example.com", CustomerID: "cust-1"},
		Kind:        klaviyo.MilestoneDelivered,
		MilestoneID: "m-" + shipmentID + "-delivered",
		At:          t0,
		Shipment: klaviyo.Shipment{
			OrderID: "ord-1", ShipmentID: shipmentID, OrderNumber: "#1001",
			Carrier: "UPS", TrackingNumber: "1Z999AA10123456784",
			TrackingURL:       "https://shop.example.com/track/abc",
			EstimatedDelivery: klaviyo.DateOf(t0.Add(-24 * time.Hour)),
			OrderValue:        decimal.RequireFromString("59.90"), Currency: "EUR",
			Items: []klaviyo.LineItem{{ProductID: "p1", SKU: "SKU-1", Name: "Mug", Quantity: 2, Price: decimal.RequireFromString("19.95")}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCreateEventAccepted(t *testing.T) {
	srv := newFake(t, klaviyotest.Options{})
	c := newClient(t, srv)
	if err := c.CreateEvent(context.Background(), deliveredEvent(t, "shp-1")); err != nil {
		t.Fatal(err)
	}
	evs := srv.Events()
	if len(evs) != 1 {
		t.Fatalf("fake accepted %d events, want 1", len(evs))
	}
	got := evs[0]
	// Only Package Shipped carries the order value.
	if got.Metric != "Postpurchase: Package Delivered" || got.UniqueID != "milestone:m-shp-1-delivered" ||
		!got.Time.Equal(t0) || got.Value != "" || got.ValueCurrency != "" || got.Email != "ada@example.com" {
		t.Errorf("accepted event = %+v", got)
	}
	if got.Properties["TrackingURL"] != "https://shop.example.com/track/abc" || got.Properties["Status"] != "delivered" ||
		got.Properties["StatusText"] != "Delivered" || got.Properties["CarrierName"] != "UPS" ||
		got.Properties["EstimatedDelivery"] != "2026-03-01" || got.Properties["EstimatedDeliveryText"] != "Sunday, March 1" {
		t.Errorf("properties = %v", got.Properties)
	}
	items := got.Properties["Items"].([]any)
	if item := items[0].(map[string]any); item["ItemPrice"] != json.Number("19.95") || item["Quantity"] != json.Number("2") {
		t.Errorf("line item = %v", item)
	}
}

func TestFixtureRequestAccepted(t *testing.T) {
	// Klaviyo's own example body (testdata/create-event.request.json) must
	// pass both the fake's checks and the OpenAPI spec.
	body, err := os.ReadFile("testdata/create-event.request.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := newFake(t, klaviyotest.Options{})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Klaviyo-API-Key "+testKey)
	req.Header.Set("revision", klaviyo.DefaultRevision)
	req.Header.Set("Content-Type", "application/vnd.api+json")
	req.Header.Set("Accept", "application/vnd.api+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || len(b) != 0 {
		t.Fatalf("status %d body %q, want 202 and empty", resp.StatusCode, b)
	}
	if n := len(srv.Events()); n != 1 {
		t.Fatalf("accepted %d events", n)
	}
}

func TestHeaders(t *testing.T) {
	var got http.Header
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer ts.Close()
	c, err := klaviyo.New(testKey, klaviyo.Options{BaseURL: ts.URL, UserAgent: "shop/2"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateEvent(context.Background(), deliveredEvent(t, "s")); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Authorization": "Klaviyo-API-Key " + testKey,
		"Revision":      "2026-07-15",
		"Content-Type":  "application/vnd.api+json",
		"Accept":        "application/vnd.api+json",
		"User-Agent":    "shop/2",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, got.Get(k), v)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, tc := range map[string]struct {
		key  string
		opts klaviyo.Options
	}{
		"empty key":      {key: ""},
		"key with space": {key: "pk_ abc"},
		"key newline":    {key: "pk_abc\n"},
		"bad revision":   {key: "k", opts: klaviyo.Options{Revision: "July 2026"}},
		"bad url":        {key: "k", opts: klaviyo.Options{BaseURL: "a.klaviyo.com"}},
		"bad limit":      {key: "k", opts: klaviyo.Options{RateLimits: map[klaviyo.Endpoint]klaviyo.Limit{klaviyo.EndpointEvents: klaviyo.Limit{}}}},
		"unknown ep":     {key: "k", opts: klaviyo.Options{RateLimits: map[klaviyo.Endpoint]klaviyo.Limit{"/api/x": klaviyo.Limit{Burst: 1, Steady: 1}}}},
		"bulk limits":    {key: "k", opts: klaviyo.Options{BulkMaxEvents: 1001, BulkMaxBytes: 0}},
		"retry waits":    {key: "k", opts: klaviyo.Options{Retry: klaviyo.RetryPolicy{MinWait: time.Second, MaxWait: time.Millisecond}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := klaviyo.New(tc.key, tc.opts)
			if err == nil {
				t.Fatal("New succeeded")
			}
			if tc.key != "" && tc.key != "k" && strings.Contains(err.Error(), tc.key) {
				t.Errorf("error quotes the key: %v", err)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	srv := newFake(t, klaviyotest.Options{Faults: klaviyotest.FaultSequence(klaviyotest.FaultThrottle), RetryAfter: 1})
	c := newClient(t, srv)
	if err := c.CreateEvent(context.Background(), deliveredEvent(t, "s1")); err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	if st.Requests != 2 || st.Injected[klaviyotest.FaultThrottle] != 1 || st.EarlyRetries != 0 || st.Accepted != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestRetriesServerErrorsAndResets(t *testing.T) {
	srv := newFake(t, klaviyotest.Options{Faults: klaviyotest.FaultSequence(
		klaviyotest.FaultServerError, klaviyotest.FaultReset, klaviyotest.FaultUnavailable, klaviyotest.FaultSlow)})
	c := newClient(t, srv)
	if err := c.CreateEvent(context.Background(), deliveredEvent(t, "s1")); err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Requests != 4 || st.Accepted != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestRetryAfterAcceptIsDeduplicated(t *testing.T) {
	srv := newFake(t, klaviyotest.Options{Faults: klaviyotest.FaultSequence(
		klaviyotest.FaultResetAfterAccept, klaviyotest.FaultServerErrorAfterAccept)})
	c := newClient(t, srv)
	if err := c.CreateEvent(context.Background(), deliveredEvent(t, "s1")); err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Requests != 3 || st.Accepted != 1 || st.Duplicates != 2 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestClientErrorsNotRetried(t *testing.T) {
	srv := newFake(t, klaviyotest.Options{APIKey: "pk_other"})
	c := newClient(t, srv)
	err := c.CreateEvent(context.Background(), deliveredEvent(t, "s1"))
	var ae *klaviyo.APIError
	if !errors.As(err, &ae) || !errors.Is(err, klaviyo.ErrUnauthorized) || errors.Is(err, klaviyo.ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	if ae.StatusCode != 401 || ae.Code() != "not_authenticated" || ae.Attempts != 1 || ae.RequestID == "" {
		t.Errorf("APIError = %+v", ae)
	}
	if n := srv.Stats().Requests; n != 1 {
		t.Errorf("%d requests, want 1 (no retry of 401)", n)
	}
}

func TestRetriesExhausted(t *testing.T) {
	srv := newFake(t, klaviyotest.Options{Faults: func(klaviyotest.RequestInfo) klaviyotest.Fault { return klaviyotest.FaultServerError }})
	c := newClient(t, srv, klaviyo.Options{Retry: klaviyo.RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}})
	err := c.CreateEvent(context.Background(), deliveredEvent(t, "s1"))
	var ae *klaviyo.APIError
	if !errors.As(err, &ae) || !errors.Is(err, klaviyo.ErrUnavailable) || ae.Attempts != 3 || ae.StatusCode != 500 {
		t.Fatalf("err = %v (%+v)", err, ae)
	}
	resets := klaviyotest.Options{Faults: func(klaviyotest.RequestInfo) klaviyotest.Fault { return klaviyotest.FaultReset }}
	c = newClient(t, newFake(t, resets), klaviyo.Options{Retry: klaviyo.RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}})
	err = c.CreateEvent(context.Background(), deliveredEvent(t, "s1"))
	var ne *klaviyo.NetworkError
	if !errors.As(err, &ne) || !errors.Is(err, klaviyo.ErrUnavailable) || ne.Attempts != 2 || ne.Endpoint != klaviyo.EndpointEvents || ne.Err == nil {
		t.Fatalf("err = %v, want a *NetworkError matching ErrUnavailable after 2 attempts", err)
	}
}

// A wait that would outlast the context's deadline is not started: the
// call fails at once with the last answer (the package doc's promise), and
// a cancelled context ends a wait that has started.
func TestWaitBeyondDeadlineFailsAtOnce(t *testing.T) {
	// A Retry-After (an hour) longer than the deadline (a minute): the 429
	// comes back at once as an *APIError matching ErrRateLimited.
	srv := newFake(t, klaviyotest.Options{Faults: klaviyotest.FaultSequence(klaviyotest.FaultThrottle), RetryAfter: 3600})
	c := newClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := c.CreateEvent(ctx, deliveredEvent(t, "s1"))
	var ae *klaviyo.APIError
	if !errors.As(err, &ae) || !errors.Is(err, klaviyo.ErrRateLimited) || errors.Is(err, context.DeadlineExceeded) ||
		ae.StatusCode != 429 || ae.RetryAfter != time.Hour || ae.Attempts != 1 {
		t.Fatalf("err = %v, want the 429 *APIError at once", err)
	}
	if ctx.Err() != nil || srv.Stats().Requests != 1 {
		t.Fatalf("ctx %v after %d requests: did not fail at once", ctx.Err(), srv.Stats().Requests)
	}
	// The 429 paused the endpoint for an hour: the next call cannot be
	// sent before the deadline either, and says so at once.
	err = c.CreateEvent(ctx, deliveredEvent(t, "s2"))
	if !errors.Is(err, klaviyo.ErrRateLimited) || errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		t.Fatalf("paused endpoint: err = %v, ctx %v", err, ctx.Err())
	}

	// A backoff (an hour) longer than the deadline after a 500.
	srv = newFake(t, klaviyotest.Options{Faults: func(klaviyotest.RequestInfo) klaviyotest.Fault { return klaviyotest.FaultServerError }})
	c = newClient(t, srv, klaviyo.Options{Retry: klaviyo.RetryPolicy{MaxRetries: 5, MinWait: time.Hour, MaxWait: time.Hour}})
	err = c.CreateEvent(ctx, deliveredEvent(t, "s1"))
	if !errors.As(err, &ae) || !errors.Is(err, klaviyo.ErrUnavailable) || ae.StatusCode != 500 || ctx.Err() != nil {
		t.Fatalf("err = %v, want the 500 *APIError at once", err)
	}

	// Without a deadline the wait starts, and cancelling ends it.
	srv = newFake(t, klaviyotest.Options{Faults: func(klaviyotest.RequestInfo) klaviyotest.Fault { return klaviyotest.FaultServerError }})
	c = newClient(t, srv, klaviyo.Options{Retry: klaviyo.RetryPolicy{MaxRetries: 5, MinWait: time.Hour, MaxWait: time.Hour}})
	cctx, ccancel := context.WithCancel(context.Background())
	go func() {
		for srv.Stats().Requests == 0 {
			time.Sleep(time.Millisecond)
		}
		ccancel()
	}()
	if err := c.CreateEvent(cctx, deliveredEvent(t, "s1")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// "Retry-After: 0" (Klaviyo's "Expected available in 0 seconds") on every
// answer: the client waits at least RetryPolicy.MinWait between attempts
// instead of spending its retry budget back to back (it once spent it in
// 2 ms). Only lower bounds on the gaps are checked; timers guarantee them.
func TestRetryAfterZeroKeepsTheFloor(t *testing.T) {
	throttled, err := os.ReadFile("testdata/error-429-throttled.json")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var arrivals []time.Time
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/vnd.api+json")
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write(throttled)
	}))
	defer ts.Close()
	const floor = 25 * time.Millisecond
	c, err := klaviyo.New(testKey, klaviyo.Options{BaseURL: ts.URL, Retry: klaviyo.RetryPolicy{MaxRetries: 3, MinWait: floor, MaxWait: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.CreateEvent(context.Background(), deliveredEvent(t, "s1"))
	var ae *klaviyo.APIError
	if !errors.As(err, &ae) || !errors.Is(err, klaviyo.ErrRateLimited) || ae.Attempts != 4 {
		t.Fatalf("err = %v, want a 429 after 4 attempts", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(arrivals); i++ {
		if gap := arrivals[i].Sub(arrivals[i-1]); gap < floor {
			t.Errorf("attempt %d came %v after the previous one, below the floor %v", i+1, gap, floor)
		}
	}
}

// Options.Now reads Retry-After HTTP dates: a date 2 s after the client's
// clock means a 2 s wait, whatever the machine's clock says.
func TestRetryAfterDateUsesTheClock(t *testing.T) {
	clock := time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", clock.Add(2*time.Second).Format(http.TimeFormat))
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer ts.Close()
	c, err := klaviyo.New(testKey, klaviyo.Options{BaseURL: ts.URL, Now: func() time.Time { return clock }, Retry: klaviyo.RetryPolicy{MaxRetries: -1}})
	if err != nil {
		t.Fatal(err)
	}
	e := deliveredEvent(t, "s1")
	e.Time = clock.Add(-time.Hour)
	var ae *klaviyo.APIError
	if err := c.CreateEvent(context.Background(), e); !errors.As(err, &ae) || ae.RetryAfter != 2*time.Second {
		t.Fatalf("err = %v, want Retry-After 2s read against the client's clock", err)
	}
}

func TestValidationRejectsLocally(t *testing.T) {
	good := func() klaviyo.Event {
		return klaviyo.Event{Metric: "M", Profile: klaviyo.Identifiers{Email: "a@b.co"}, Properties: map[string]any{"k": "v"}, Time: t0}
	}
	many := map[string]any{}
	for i := range 401 {
		many[fmt.Sprint("p", i)] = i
	}
	deep := map[string]any{"x": 1}
	for range 11 {
		deep = map[string]any{"x": deep}
	}
	cases := []struct {
		name  string
		edit  func(*klaviyo.Event)
		field string
	}{
		{"empty metric", func(e *klaviyo.Event) { e.Metric = " " }, "metric.name"},
		{"long metric", func(e *klaviyo.Event) { e.Metric = strings.Repeat("é", 128) }, "metric.name"},
		{"no identifier", func(e *klaviyo.Event) { e.Profile = klaviyo.Identifiers{} }, "profile"},
		{"bad email", func(e *klaviyo.Event) { e.Profile.Email = "ada" }, "profile.email"},
		{"bad phone", func(e *klaviyo.Event) { e.Profile.PhoneNumber = "555-1234" }, "profile.phone_number"},
		{"old time", func(e *klaviyo.Event) { e.Time = time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC) }, "time"},
		{"future time", func(e *klaviyo.Event) { e.Time = time.Now().AddDate(1, 1, 0) }, "time"},
		{"value without currency", func(e *klaviyo.Event) { e.Value = decimal.NewFromInt(5) }, "value_currency"},
		{"bad currency", func(e *klaviyo.Event) { e.ValueCurrency = "usd" }, "value_currency"},
		{"too many properties", func(e *klaviyo.Event) { e.Properties = many }, "properties"},
		{"long string", func(e *klaviyo.Event) { e.Properties["big"] = strings.Repeat("x", 100<<10+1) }, "properties.big"},
		{"NaN", func(e *klaviyo.Event) { e.Properties["n"] = []any{1.0, nan()} }, "properties.n[1]"},
		{"too deep", func(e *klaviyo.Event) { e.Properties["d"] = deep }, "properties.d.x.x.x.x.x.x.x.x.x"},
		{"big array", func(e *klaviyo.Event) { e.Properties["a"] = make([]string, 4001) }, "properties.a"},
		{"empty key", func(e *klaviyo.Event) { e.Properties[""] = 1 }, "properties"},
		{"unencodable", func(e *klaviyo.Event) { e.Properties["f"] = func() {} }, "properties.f"},
		{"profile property", func(e *klaviyo.Event) { e.ProfileProperties = map[string]any{"x": []any{nan()}} }, "profile.properties.x[0]"},
	}
	srv := newFake(t, klaviyotest.Options{})
	c := newClient(t, srv)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := good()
			tc.edit(&e)
			err := c.CreateEvent(context.Background(), e)
			var ve *klaviyo.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, klaviyo.ErrInvalid) {
				t.Fatalf("err = %v, want ValidationError", err)
			}
			if ve.Path != tc.field {
				t.Errorf("field = %q, want %q (%v)", ve.Path, tc.field, err)
			}
			berr := c.CreateEvents(context.Background(), []klaviyo.Event{good(), e})
			if !errors.As(berr, &ve) || !strings.HasPrefix(ve.Path, "events[1].") {
				t.Errorf("bulk err = %v", berr)
			}
		})
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Fatalf("%d requests sent for invalid events", n)
	}
	e := good()
	e.Backfill = true
	c2 := newClient(t, srv, klaviyo.Options{Revision: "2026-01-15"})
	if err := c2.Validate(e); err == nil || !strings.Contains(err.Error(), "backfill") {
		t.Errorf("backfill on 2026-01-15: %v", err)
	}
	if err := c.Validate(e); err != nil {
		t.Errorf("backfill on 2026-07-15: %v", err)
	}
}

func nan() float64 { z := 0.0; return z / z }

func TestDerivedUniqueIDDeterministic(t *testing.T) {
	e := klaviyo.Event{Metric: "Viewed", Profile: klaviyo.Identifiers{Email: "a@b.co"}, Time: t0,
		Properties: map[string]any{"b": 1, "a": []any{"x", decimal.RequireFromString("1.50")}}}
	id1, err := klaviyo.DeriveUniqueID(t0, e)
	if err != nil {
		t.Fatal(err)
	}
	e2 := e
	e2.Properties = map[string]any{"a": []any{"x", decimal.RequireFromString("1.50")}, "b": 1}
	id2, _ := klaviyo.DeriveUniqueID(t0.Add(time.Hour), e2) // now is unused: Time is set
	e2.Properties["b"] = 2
	id3, _ := klaviyo.DeriveUniqueID(t0, e2)
	if id1 != id2 || id1 == id3 || !strings.HasPrefix(id1, "pp1-") {
		t.Fatalf("ids %q %q %q", id1, id2, id3)
	}
	// The client sends exactly that ID; two sends are one event.
	srv := newFake(t, klaviyotest.Options{})
	c := newClient(t, srv)
	for range 2 {
		if err := c.CreateEvent(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if evs := srv.Events(); len(evs) != 1 || evs[0].UniqueID != id1 || srv.Stats().Duplicates != 1 {
		t.Fatalf("events %+v stats %+v", evs, srv.Stats())
	}
	// A zero time becomes the client clock's now, fixed before sending.
	c = newClient(t, srv, klaviyo.Options{Now: func() time.Time { return t0 }})
	e.Time = time.Time{}
	body, err := c.EncodeEvent(nil, e)
	if err != nil || !bytes.Contains(body, []byte(`"time":"2026-03-02T15:04:05Z"`)) || !bytes.Contains(body, []byte(id1)) {
		t.Fatalf("body %s err %v", body, err)
	}
}

// Two processes (two clients with different clocks) sending the same
// domain event, with its Time set, are recorded once; with a zero Time each
// call stands for its own "now", as the Event.UniqueID doc says.
func TestDerivedUniqueIDAcrossProcesses(t *testing.T) {
	srv := newFake(t, klaviyotest.Options{NoRateLimits: true})
	a := newClient(t, srv, klaviyo.Options{Now: func() time.Time { return t0.Add(time.Minute) }})
	b := newClient(t, srv, klaviyo.Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	e := klaviyo.Event{Metric: "Shipped", Profile: klaviyo.Identifiers{Email: "a@b.co"}, Time: t0,
		Properties: map[string]any{"order": "1001"}}
	for _, c := range []*klaviyo.Client{a, b, a} {
		if err := c.CreateEvent(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if st := srv.Stats(); st.Accepted != 1 || st.Duplicates != 2 {
		t.Fatalf("with Time set: stats %+v, want 1 accepted and 2 duplicates", st)
	}
	e.Time = time.Time{}
	for _, c := range []*klaviyo.Client{a, b} {
		if err := c.CreateEvent(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if st := srv.Stats(); st.Accepted != 3 {
		t.Fatalf("with a zero Time: stats %+v, want each call's own now (2 more accepted)", st)
	}
}

func TestCreateEventsSplits(t *testing.T) {
	srv := newFake(t, klaviyotest.Options{NoRateLimits: true})
	c := newClient(t, srv, klaviyo.Options{BulkMaxEvents: 100, BulkMaxBytes: 0})
	var events []klaviyo.Event
	for i := range 250 {
		events = append(events, klaviyo.Event{
			Metric:     "M",
			Profile:    klaviyo.Identifiers{Email: fmt.Sprintf("c%d@example.com", i%7)},
			Properties: map[string]any{"i": i},
			Time:       t0,
			UniqueID:   fmt.Sprint("u", i),
		})
	}
	if err := c.CreateEvents(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Requests != 3 || st.Accepted != 250 {
		t.Fatalf("stats %+v, want 3 requests (100+100+50)", st)
	}

	// A unique_id repeated inside what would be one request starts a new one.
	srv2 := newFake(t, klaviyotest.Options{NoRateLimits: true})
	c2 := newClient(t, srv2)
	dup := []klaviyo.Event{events[0], events[1], events[0], events[2]}
	if err := c2.CreateEvents(context.Background(), dup); err != nil {
		t.Fatal(err)
	}
	if st := srv2.Stats(); st.Requests != 2 || st.Accepted != 3 || st.Duplicates != 1 {
		t.Fatalf("stats %+v", st)
	}

	// The byte limit splits too.
	srv3 := newFake(t, klaviyotest.Options{NoRateLimits: true})
	c3 := newClient(t, srv3, klaviyo.Options{BulkMaxEvents: 0, BulkMaxBytes: 8 << 10})
	if err := c3.CreateEvents(context.Background(), events[:200]); err != nil {
		t.Fatal(err)
	}
	if st := srv3.Stats(); st.Requests < 3 || st.Accepted != 200 {
		t.Fatalf("stats %+v", st)
	}
}

func TestCreateEventsPartialFailure(t *testing.T) {
	var n int
	var mu sync.Mutex
	srv := newFake(t, klaviyotest.Options{NoRateLimits: true, Validate: func(r *http.Request, body []byte) error {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n == 2 {
			return errors.New("rejected for the test")
		}
		return nil
	}})
	c := newClient(t, srv, klaviyo.Options{BulkMaxEvents: 10, BulkMaxBytes: 0})
	var events []klaviyo.Event
	for i := range 35 {
		events = append(events, klaviyo.Event{Metric: "M", Profile: klaviyo.Identifiers{CustomerID: "x"}, Properties: map[string]any{}, Time: t0, UniqueID: fmt.Sprint(i)})
	}
	err := c.CreateEvents(context.Background(), events)
	var be *klaviyo.BatchError
	if !errors.As(err, &be) || be.Accepted != 10 || be.Total != 35 || !errors.Is(err, klaviyo.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}

func TestUpsertProfile(t *testing.T) {
	srv := newFake(t, klaviyotest.Options{})
	v := spec(t)
	c := newClient(t, srv)
	ctx := context.Background()
	bal := decimal.RequireFromString("12.50")
	props, err := klaviyo.Catalog{}.ProfileProperties(klaviyo.ProfileStats{CashbackBalance: &bal, CashbackCurrency: "USD", CustomerTier: klaviyo.TierVIP})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.UpsertProfile(ctx, klaviyo.Profile{Email: "ada@example.com", FirstName: "Ada", Title: "Engineer", Properties: props})
	if err != nil || !res.Created || res.ProfileID == "" {
		t.Fatalf("create: %+v %v", res, err)
	}
	res2, err := c.UpsertProfile(ctx, klaviyo.Profile{Email: "ada@example.com", LastName: "Lovelace", Clear: []string{"title"},
		Properties: map[string]any{"Note": nil}, UnsetProperties: []string{"Postpurchase Customer Tier"}})
	if err != nil || res2.Created || res2.ProfileID != res.ProfileID {
		t.Fatalf("update: %+v %v", res2, err)
	}
	p, _ := srv.ProfileByEmail("ada@example.com")
	wantAttrs := map[string]any{"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}
	if d := cmp.Diff(wantAttrs, p.Attributes); d != "" {
		t.Errorf("attributes (-want +got):\n%s", d)
	}
	wantProps := map[string]any{"Postpurchase Cashback Balance": json.Number("12.5"), "Postpurchase Cashback Currency": "USD", "Note": nil}
	if d := cmp.Diff(wantProps, p.Properties); d != "" {
		t.Errorf("properties (-want +got):\n%s", d)
	}

	// The fake's answer is a valid PostProfileResponse.
	body, _ := klaviyo.EncodeProfile(nil, klaviyo.Profile{Email: "ada@example.com"})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/profile-import", bytes.NewReader(body))
	req.Header.Set("Authorization", "Klaviyo-API-Key "+testKey)
	req.Header.Set("revision", klaviyo.DefaultRevision)
	req.Header.Set("Content-Type", "application/vnd.api+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := v.Response(req, body, resp.StatusCode, resp.Header, rb); err != nil {
		t.Errorf("fake's profile answer does not match the spec: %v", err)
	}

	// Identifiers on two profiles: 409 duplicate_profile.
	other, err := c.UpsertProfile(ctx, klaviyo.Profile{PhoneNumber: "+15005550006"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpsertProfile(ctx, klaviyo.Profile{Email: "ada@example.com", PhoneNumber: "+15005550006"})
	var ae *klaviyo.APIError
	if !errors.As(err, &ae) || !errors.Is(err, klaviyo.ErrDuplicateProfile) || ae.DuplicateProfileID() != other.ProfileID {
		t.Fatalf("err = %v", err)
	}
}

func TestProfileValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		p     klaviyo.Profile
		field string
	}{
		"no identifier":   {klaviyo.Profile{FirstName: "A"}, "data.attributes"},
		"set and cleared": {klaviyo.Profile{Email: "a@b.co", FirstName: "A", Clear: []string{"first_name"}}, "data.attributes.first_name"},
		"not clearable":   {klaviyo.Profile{Email: "a@b.co", Clear: []string{"email"}}, "Clear[0]"},
		"cleared twice":   {klaviyo.Profile{Email: "a@b.co", Clear: []string{"title", "locale", "title"}}, "Clear[2]"},
		"set and unset":   {klaviyo.Profile{Email: "a@b.co", Properties: map[string]any{"x": 1}, UnsetProperties: []string{"x"}}, "data.meta.patch_properties.unset[0]"},
		"too big":         {klaviyo.Profile{Email: "a@b.co", Properties: map[string]any{"a": strings.Repeat("x", 60<<10), "b": strings.Repeat("x", 60<<10)}}, "data"},
		"bad phone":       {klaviyo.Profile{PhoneNumber: "0123"}, "data.attributes.phone_number"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := klaviyo.EncodeProfile(nil, tc.p)
			var ve *klaviyo.ValidationError
			if !errors.As(err, &ve) || ve.Path != tc.field {
				t.Fatalf("err = %v, want field %q", err, tc.field)
			}
		})
	}
}

func TestBodiesMatchSpec(t *testing.T) {
	v := spec(t)
	c, err := klaviyo.New(testKey, klaviyo.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string, body []byte) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, "https://a.klaviyo.com"+path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Klaviyo-API-Key "+testKey)
		r.Header.Set("Revision", klaviyo.DefaultRevision)
		r.Header.Set("Content-Type", "application/vnd.api+json")
		return r
	}
	for _, e := range catalogEvents(t) {
		body, err := c.EncodeEvent(nil, e)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Request(post("/api/events", body), body); err != nil {
			t.Errorf("%s: %v\n%s", e.Metric, err, body)
		}
	}
	min := klaviyo.Event{Metric: "M", Profile: klaviyo.Identifiers{ProfileID: "01GDDKASAP8TKDDA2GRZDSVP4H"}, Backfill: true}
	body, _ := c.EncodeEvent(nil, min)
	if err := v.Request(post("/api/events", body), body); err != nil {
		t.Errorf("minimal event: %v\n%s", err, body)
	}
	// The spec does catch a broken body (so the checks above mean something).
	bad := bytes.Replace(body, []byte(`"properties":{}`), []byte(`"properties":[]`), 1)
	if err := v.Request(post("/api/events", bad), bad); err == nil {
		t.Error("spec accepted properties as an array")
	}
	for _, p := range []klaviyo.Profile{
		{Email: "a@b.co"},
		{ProfileID: "01GDDKASAP8TKDDA2GRZDSVP4H", PhoneNumber: "+15005550006", CustomerID: "x", FirstName: "A", LastName: "B",
			Organization: "O", Locale: "en-US", Title: "T", Image: "https://x/i.png",
			Location:   &klaviyo.Location{City: "Paris", Country: "France", Latitude: "48.8566", Longitude: "2.3522", Timezone: "Europe/Paris"},
			Properties: map[string]any{"a": 1, "b": nil}, UnsetProperties: []string{"c", "d"}},
		{CustomerID: "x", Clear: []string{"first_name", "location"}},
	} {
		body, err := klaviyo.EncodeProfile(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Request(post("/api/profile-import", body), body); err != nil {
			t.Errorf("profile %+v: %v\n%s", p, err, body)
		}
	}
}

// catalogEvents builds one event of each kind in the catalog.
func catalogEvents(t testing.TB) []klaviyo.Event {
	t.Helper()
	cat := klaviyo.Catalog{Prefix: "Acme"}
	cust := klaviyo.Identifiers{Email: "ada@example.com", PhoneNumber: "+15005550006"}
	s := klaviyo.Shipment{OrderID: "o1", ShipmentID: "s1", Carrier: "DHL", TrackingNumber: "JD0002", TrackingURL: "https://acme.example/t/1",
		EstimatedDelivery: klaviyo.DateOf(t0.Add(48 * time.Hour)), OrderValue: decimal.RequireFromString("42.00"), Currency: "USD", Items: []klaviyo.LineItem{{Name: "Tea", Quantity: 1}}}
	var out []klaviyo.Event
	add := func(e klaviyo.Event, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	for _, m := range klaviyo.MilestoneKinds() {
		add(cat.ShipmentMilestone(klaviyo.MilestoneEvent{Profile: cust, Shipment: s, Kind: m, MilestoneID: "ms-" + string(m), At: t0}))
	}
	add(cat.ShipmentDelayed(klaviyo.DelayEvent{Profile: cust, Shipment: s, Kind: klaviyo.DelayLate, DelayID: "dl-1", DaysLate: 2, At: t0,
		Accommodation: klaviyo.Accommodation{Kind: "cashback", Description: "5 USD credit", Amount: decimal.NewFromInt(5), Currency: "USD"}}))
	cb := klaviyo.CashbackEvent{Profile: cust, EntryKey: "e1", Amount: decimal.NewFromInt(5), Balance: decimal.RequireFromString("12.5"),
		Currency: "USD", OrderID: "o1", ExpiresAt: t0.AddDate(0, 3, 0), At: t0}
	add(cat.CashbackIssued(cb))
	add(cat.CashbackRedeemed(cb))
	cb.Reminder, cb.NextExpiry = "7d", klaviyo.Date{Year: 2026, Month: 6, Day: 2}
	add(cat.CashbackExpiring(cb))
	cs := klaviyo.CaseEvent{Profile: cust, CaseID: "c1", OrderID: "o1", ShipmentID: "s1", Reason: "damaged", URL: "https://acme.example/hub", At: t0}
	add(cat.ClaimStarted(cs))
	add(cat.ReturnStarted(cs))
	return out
}

func TestAPIKeyNeverLogged(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&buf, &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := newFake(t, klaviyotest.Options{Faults: klaviyotest.FaultSequence(
		klaviyotest.FaultThrottle, klaviyotest.FaultServerError, klaviyotest.FaultReset)})
	c := newClient(t, srv, klaviyo.Options{Logger: logger})
	var errs []error
	errs = append(errs, c.CreateEvent(context.Background(), deliveredEvent(t, "s1")))
	// 401 path (wrong key at the fake) and exhausted retries.
	bad := newFake(t, klaviyotest.Options{APIKey: "pk_someone_else"})
	c2 := newClient(t, bad, klaviyo.Options{Logger: logger})
	errs = append(errs, c2.CreateEvent(context.Background(), deliveredEvent(t, "s1")))
	dead := newFake(t, klaviyotest.Options{Faults: func(klaviyotest.RequestInfo) klaviyotest.Fault { return klaviyotest.FaultReset }})
	c3 := newClient(t, dead, klaviyo.Options{Logger: logger, Retry: klaviyo.RetryPolicy{MaxRetries: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}})
	errs = append(errs, c3.CreateEvent(context.Background(), deliveredEvent(t, "s1")))
	_, err := c3.UpsertProfile(context.Background(), klaviyo.Profile{Email: "a@b.co"})
	errs = append(errs, err)

	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if !strings.Contains(out, `"status":429`) || !strings.Contains(out, "request failed") {
		t.Fatalf("log does not show the retries:\n%s", out)
	}
	secret := testKey[len("pk_test_"):]
	if strings.Contains(out, secret) {
		t.Fatalf("API key in log output:\n%s", out)
	}
	for _, err := range errs {
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Fatalf("API key in error: %v", err)
		}
	}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%v", *c)} {
		if strings.Contains(s, secret) {
			t.Fatalf("API key in formatted client: %s", s)
		}
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Events of one profile that set profile properties are applied in input
// order: issued → balance 5, issued → 10, redeemed → 5 leaves 5 (grouping
// by identical profile entries once left 10). Other profiles' events in
// between do not change that.
func TestCreateEventsLastProfileUpdateWins(t *testing.T) {
	srv := newFake(t, klaviyotest.Options{})
	c := newClient(t, srv)
	ada := klaviyo.Identifiers{Email: "ada@example.com"}
	bob := klaviyo.Identifiers{Email: "bob@example.com"}
	cat := klaviyo.Catalog{}
	build := func(f func(klaviyo.CashbackEvent) (klaviyo.Event, error), who klaviyo.Identifiers, key, amount, balance string, at time.Time) klaviyo.Event {
		t.Helper()
		e, err := f(klaviyo.CashbackEvent{Profile: who, EntryKey: key, Amount: decimal.RequireFromString(amount),
			Balance: decimal.RequireFromString(balance), Currency: "USD", At: at})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	events := []klaviyo.Event{
		build(cat.CashbackIssued, ada, "e1", "5", "5", t0),
		build(cat.CashbackIssued, bob, "b1", "3", "3", t0),
		build(cat.CashbackIssued, ada, "e2", "5", "10", t0.Add(time.Hour)),
		build(cat.CashbackRedeemed, ada, "e3", "5", "5", t0.Add(2*time.Hour)),
	}
	if err := c.CreateEvents(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Requests; n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	for who, want := range map[string]string{"ada@example.com": "5", "bob@example.com": "3"} {
		p, ok := srv.ProfileByEmail(who)
		if !ok {
			t.Fatalf("no profile %s", who)
		}
		if got := p.Properties["Postpurchase Cashback Balance"]; got != json.Number(want) {
			t.Errorf("%s: balance %v, want %s", who, got, want)
		}
	}
	if n := len(srv.Events()); n != 4 {
		t.Errorf("%d events accepted, want 4", n)
	}
}
