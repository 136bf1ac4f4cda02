package carrierstest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/clip"
)

// RunConformanceTests runs the whole suite against carriers from the
// harnesses newHarness makes, one per check. Each check is a subtest, so a
// failure names the part of the contract that was broken. HTTP checks run
// only when the harness also implements HTTPHarness.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	t.Helper()
	run := func(name string, fn func(*testing.T, Harness)) {
		t.Run(name, func(t *testing.T) { fn(t, harness(t, newHarness)) })
	}
	run("Code", testCode)
	run("TrackKnown", testTrackKnown)
	run("RawIsTheCarriersJSON", testRaw)
	run("TrackUnknownIsNotFound", testTrackUnknown)
	run("CancelledContext", testCancelled)
	run("ConcurrentTrack", testConcurrent)
	t.Run("HTTP", func(t *testing.T) {
		if _, ok := harness(t, newHarness).(HTTPHarness); !ok {
			t.Skip("the harness is not an HTTPHarness")
		}
		runHTTP := func(name string, fn func(*testing.T, HTTPHarness)) {
			t.Run(name, func(t *testing.T) { fn(t, harness(t, newHarness).(HTTPHarness)) })
		}
		runHTTP("StatusMapping", testStatusMapping)
		runHTTP("GarbageBodies", testGarbage)
		runHTTP("DeadlineWhileHanging", testHanging)
	})
}

// harness makes a harness for t, closed when t ends.
func harness(t *testing.T, newHarness HarnessMaker) Harness {
	t.Helper()
	h, err := newHarness(t.Context(), t)
	if err != nil {
		t.Fatalf("making harness: %v", err)
	}
	if h == nil {
		t.Fatal("HarnessMaker returned a nil harness and no error")
	}
	t.Cleanup(h.Close)
	return h
}

func makeCarrier(t *testing.T, h Harness) carriers.Carrier {
	t.Helper()
	c, err := h.MakeCarrier(t.Context())
	if err != nil {
		t.Fatalf("MakeCarrier: %v", err)
	}
	if c == nil {
		t.Fatal("MakeCarrier returned a nil carrier and no error")
	}
	return c
}

func testCode(t *testing.T, h Harness) {
	c := makeCarrier(t, h)
	code := c.Code()
	if code == "" {
		t.Fatal("Code() is empty")
	}
	if code != strings.ToLower(strings.TrimSpace(code)) {
		t.Errorf("Code() = %q, want a lower-case identifier without spaces", code)
	}
	if c.Code() != code {
		t.Errorf("Code() is not stable: %q then %q", code, c.Code())
	}
}

// CheckTracking reports every way tr breaks the Tracking contract for a
// result of carrier code: carrier and number set, statuses valid, events
// newest first with times set, and the current status consistent with the
// newest event. It returns nil for a conforming Tracking. Adapters may call
// it on the results of their own parsers too.
func CheckTracking(code string, tr *carriers.Tracking) error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	if tr == nil {
		return errors.New("tracking is nil")
	}
	if tr.Carrier != code {
		add("Tracking.Carrier = %q, want the carrier's Code %q", tr.Carrier, code)
	}
	if tr.TrackingNumber == "" {
		add("Tracking.TrackingNumber is empty")
	}
	if !tr.Status.Valid() {
		add("Tracking.Status %d is not a defined Status", tr.Status)
	}
	if !tr.Reason.Valid() {
		add("Tracking.Reason %d is not a defined Reason", tr.Reason)
	}
	for i, e := range tr.Events {
		if e.Time.IsZero() {
			add("Events[%d] (code %q) has a zero Time", i, e.Code)
		}
		if !e.Status.Valid() || !e.Reason.Valid() {
			add("Events[%d] has an undefined Status or Reason", i)
		}
		if e.Status == carriers.StatusUnknown && e.Code == "" && e.Description == "" {
			add("Events[%d] is StatusUnknown with neither the raw Code nor a Description kept", i)
		}
		if i > 0 && e.Time.After(tr.Events[i-1].Time) && !e.ZoneUnknown && !tr.Events[i-1].ZoneUnknown {
			add("Events not newest first: Events[%d] %s is after Events[%d] %s",
				i, e.Time.Format(time.RFC3339), i-1, tr.Events[i-1].Time.Format(time.RFC3339))
		}
	}
	if latest, ok := tr.Latest(); ok && latest.Status != carriers.StatusUnknown && tr.Status != latest.Status {
		// A carrier's current status may legitimately be more specific than
		// its newest scan (a return shown on an in-transit scan, a pickup
		// location on a delivery). What it may never do is contradict the
		// newest event about delivery.
		if (tr.Status == carriers.StatusDelivered) != (latest.Status == carriers.StatusDelivered) &&
			tr.Status != carriers.StatusReturnToSender && latest.Status != carriers.StatusReturnToSender {
			add("Tracking.Status %s contradicts the newest event's status %s", tr.Status, latest.Status)
		}
	}
	if tr.Status == carriers.StatusDelivered && tr.DeliveredAt.IsZero() && len(tr.Events) > 0 {
		add("Tracking.Status is delivered but DeliveredAt is zero although events are present")
	}
	if !tr.DeliveredAt.IsZero() && tr.Status != carriers.StatusDelivered && tr.Status != carriers.StatusReturnToSender {
		add("DeliveredAt is set but Status is %s", tr.Status)
	}
	if est := tr.Estimate; est != nil {
		if est.Start.IsZero() && est.End.IsZero() {
			add("Estimate is non-nil but both Start and End are zero")
		}
		if !est.Start.IsZero() && !est.End.IsZero() && est.End.Before(est.Start) {
			add("Estimate.End %s is before Start %s", est.End, est.Start)
		}
		if est.Source == "" {
			add("Estimate.Source is empty")
		}
		checkTime(add, "Estimate.Start", est.Start)
		checkTime(add, "Estimate.End", est.End)
	}
	for i, e := range tr.Events {
		checkTime(add, "Events["+strconv.Itoa(i)+"].Time", e.Time)
	}
	checkTime(add, "DeliveredAt", tr.DeliveredAt)
	if tr.Raw != nil && !json.Valid(tr.Raw) {
		add("Tracking.Raw is not valid JSON")
	}
	if _, err := json.Marshal(tr); err != nil {
		add("Tracking does not marshal to JSON: %v", err)
	}
	return errors.Join(errs...)
}

// checkTime reports a time carriers.CheckTime refuses: one whose offset is
// beyond ±14:00 (Go's JSON encoder refuses ±24:xx) or whose year leaves
// 0000–9999, in its offset or in UTC.
func checkTime(add func(string, ...any), field string, at time.Time) {
	if err := carriers.CheckTime(at); err != nil {
		add("%s %s: %v", field, at.Format(time.RFC3339), err)
	}
}

// CheckRaw reports how tr.Raw fails to be the escape hatch it promises:
// the carrier's own JSON for the package tracked. It must be valid JSON, an
// object, and hold the tracking number (compared as
// carriers.NormalizeNumber does) as one of its string or number values: a
// Raw holding another package's data, or the carrier's whole multi-package
// answer reduced to nothing recognisable, fails. A nil Raw is allowed (a
// carrier with no JSON of its own, such as the simulator).
func CheckRaw(tr *carriers.Tracking) error {
	if tr == nil || tr.Raw == nil {
		return nil
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(tr.Raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil || d.More() {
		return errors.New("Tracking.Raw is not one valid JSON value")
	}
	if _, ok := v.(map[string]any); !ok {
		return fmt.Errorf("Tracking.Raw is a JSON %T, want an object", v)
	}
	want := carriers.NormalizeNumber(tr.TrackingNumber)
	if want == "" || !holds(v, want, 0) {
		return fmt.Errorf("Tracking.Raw does not hold the tracking number %q", clip.String(tr.TrackingNumber, clip.Input))
	}
	return nil
}

// holds reports whether v holds a string or number equal to number once
// normalized, looking at most 64 levels deep.
func holds(v any, number string, depth int) bool {
	if depth > 64 {
		return false
	}
	switch x := v.(type) {
	case string:
		return carriers.NormalizeNumber(x) == number
	case json.Number:
		return string(x) == number
	case map[string]any:
		for _, e := range x {
			if holds(e, number, depth+1) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if holds(e, number, depth+1) {
				return true
			}
		}
	}
	return false
}

func testTrackKnown(t *testing.T, h Harness) {
	c := makeCarrier(t, h)
	tr, err := c.Track(t.Context(), h.KnownNumber())
	if err != nil {
		t.Fatalf("Track(known number): %v", err)
	}
	if tr == nil {
		t.Fatal("Track(known number) returned nil Tracking and nil error")
	}
	if len(tr.Events) == 0 {
		t.Fatal("Track(known number) returned no events; the harness must name a number with at least one")
	}
	if err := CheckTracking(c.Code(), tr); err != nil {
		t.Error(err)
	}
}

func testRaw(t *testing.T, h Harness) {
	c := makeCarrier(t, h)
	tr, err := c.Track(t.Context(), h.KnownNumber())
	if err != nil {
		t.Fatalf("Track(known number): %v", err)
	}
	if err := CheckRaw(tr); err != nil {
		t.Error(err)
	}
}

func testTrackUnknown(t *testing.T, h Harness) {
	c := makeCarrier(t, h)
	tr, err := c.Track(t.Context(), h.UnknownNumber())
	if !errors.Is(err, carriers.ErrNotFound) {
		t.Fatalf("Track(unknown number) error = %v, want one matching carriers.ErrNotFound", err)
	}
	if tr != nil {
		t.Errorf("Track(unknown number) returned a Tracking along with the error")
	}
	var ce *carriers.Error
	if errors.As(err, &ce) && ce.Carrier != c.Code() {
		t.Errorf("*carriers.Error.Carrier = %q, want %q", ce.Carrier, c.Code())
	}
}

func testCancelled(t *testing.T, h Harness) {
	c := makeCarrier(t, h)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	tr, err := c.Track(ctx, h.KnownNumber())
	if err == nil {
		t.Fatal("Track with a cancelled context succeeded; it must return the context's error")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Track with a cancelled context: error %v does not match context.Canceled", err)
	}
	if tr != nil {
		t.Error("Track with a cancelled context returned a Tracking along with the error")
	}
}

func testConcurrent(t *testing.T, h Harness) {
	c := makeCarrier(t, h)
	const n = 8
	errc := make(chan error, n)
	for range n {
		go func() {
			_, err := c.Track(t.Context(), h.KnownNumber())
			errc <- err
		}()
	}
	for range n {
		if err := <-errc; err != nil {
			t.Errorf("concurrent Track: %v", err)
		}
	}
}

// statusCase is one canned HTTP answer and the sentinel it must map to.
type statusCase struct {
	name   string
	status int
	header http.Header
	body   string
	want   error
}

func testStatusMapping(t *testing.T, h HTTPHarness) {
	cases := []statusCase{
		{"401", http.StatusUnauthorized, nil, `{}`, carriers.ErrUnauthorized},
		{"403", http.StatusForbidden, nil, `{}`, carriers.ErrUnauthorized},
		{"404", http.StatusNotFound, nil, `{}`, carriers.ErrNotFound},
		{"429", http.StatusTooManyRequests, http.Header{"Retry-After": {"0"}}, `{}`, carriers.ErrRateLimited},
		{"500", http.StatusInternalServerError, nil, `{}`, carriers.ErrUnavailable},
		{"503", http.StatusServiceUnavailable, http.Header{"Retry-After": {"0"}}, `<html><body>down for maintenance</body></html>`, carriers.ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := h.MakeCarrierWithHandler(t.Context(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header()[k] = v
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			if err != nil {
				t.Fatalf("MakeCarrierWithHandler: %v", err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			tr, err := c.Track(ctx, h.KnownNumber())
			if !errors.Is(err, tc.want) {
				t.Fatalf("HTTP %d: error = %v, want one matching %v", tc.status, err, tc.want)
			}
			if tr != nil {
				t.Errorf("HTTP %d: a Tracking was returned along with the error", tc.status)
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) {
				t.Fatalf("HTTP %d: error %T is not a *carriers.Error", tc.status, err)
			}
			if ce.StatusCode != tc.status {
				t.Errorf("HTTP %d: *carriers.Error.StatusCode = %d", tc.status, ce.StatusCode)
			}
		})
	}
}

// Garbage returns the bodies the suite serves to check that parsing never
// panics and always fails with a typed error: empty, not JSON, truncated,
// wrong types, deeply nested, and a 10 MB document. Adapters' fuzz targets
// can seed from it.
func Garbage() map[string][]byte {
	huge := make([]byte, 0, 10<<20+64)
	huge = append(huge, `{"x":"`...)
	huge = append(huge, bytes.Repeat([]byte("a"), 10<<20)...)
	huge = append(huge, `"}`...)
	return map[string][]byte{
		"empty":        {},
		"whitespace":   []byte(" \n\t "),
		"null":         []byte("null"),
		"not json":     []byte("<html><body>Bad Gateway</body></html>"),
		"truncated":    []byte(`{"output":{"completeTrackResults":[{"trackingNumber":"12`),
		"array":        []byte(`[1,2,3]`),
		"string":       []byte(`"hello"`),
		"number":       []byte(`12345`),
		"empty object": []byte(`{}`),
		"wrong types":  []byte(`{"trackResponse":7,"output":"x","shipments":{"id":[]},"trackingEvents":"none","status":[],"events":12}`),
		"deep":         append(bytes.Repeat([]byte("["), 10000), bytes.Repeat([]byte("]"), 10000)...),
		"invalid utf8": []byte("{\"a\":\"\xff\xfe\"}"),
		"10MB":         huge,
	}
}

func testGarbage(t *testing.T, h HTTPHarness) {
	for name, body := range Garbage() {
		t.Run(name, func(t *testing.T) {
			c, err := h.MakeCarrierWithHandler(t.Context(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(body)
			}))
			if err != nil {
				t.Fatalf("MakeCarrierWithHandler: %v", err)
			}
			var tr *carriers.Tracking
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("Track panicked on a %s body: %v", name, p)
					}
				}()
				tr, err = c.Track(t.Context(), h.KnownNumber())
			}()
			if err == nil {
				t.Fatalf("Track succeeded on a %s body (got %+v); want an error", name, tr)
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) {
				t.Errorf("error for a %s body is %T (%v), want a *carriers.Error", name, err, err)
			}
			if !errors.Is(err, carriers.ErrMalformedResponse) && !errors.Is(err, carriers.ErrNotFound) {
				t.Errorf("error for a %s body = %v, want ErrMalformedResponse (or ErrNotFound for a well-formed empty answer)", name, err)
			}
		})
	}
}

func testHanging(t *testing.T, h HTTPHarness) {
	release := make(chan struct{})
	defer close(release)
	c, err := h.MakeCarrierWithHandler(t.Context(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	if err != nil {
		t.Fatalf("MakeCarrierWithHandler: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Track(ctx, h.KnownNumber())
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Track against a hanging server: error %v does not match context.DeadlineExceeded", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Track did not return within 20s of its context's 200ms deadline")
	}
}
