package carriers_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/postpurchase/postpurchase/carriers"
)

func TestStatusRoundTrip(t *testing.T) {
	for _, s := range carriers.Statuses() {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var got carriers.Status
		if err := json.Unmarshal(b, &got); err != nil || got != s {
			t.Errorf("JSON round trip of %s: got %s, %v", s, got, err)
		}
		txt, _ := s.MarshalText()
		if err := got.UnmarshalText(txt); err != nil || got != s {
			t.Errorf("text round trip of %s: got %s, %v", s, got, err)
		}
	}
	for _, r := range carriers.Reasons() {
		b, _ := json.Marshal(r)
		var got carriers.Reason
		if err := json.Unmarshal(b, &got); err != nil || got != r {
			t.Errorf("JSON round trip of %s: got %s, %v", r, got, err)
		}
	}
}

func TestStatusTolerant(t *testing.T) {
	for in, want := range map[string]carriers.Status{
		`"teleported"`: carriers.StatusUnknown, `"InTransit"`: carriers.StatusInTransit,
		`"OUT-FOR-DELIVERY"`: carriers.StatusOutForDelivery, `null`: carriers.StatusUnknown, `""`: carriers.StatusUnknown,
	} {
		got := carriers.StatusDelivered
		if err := json.Unmarshal([]byte(in), &got); err != nil || got != want {
			t.Errorf("Unmarshal(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	var r carriers.Reason
	if err := json.Unmarshal([]byte(`"alien_abduction"`), &r); err != nil || r != carriers.ReasonOther {
		t.Errorf("unknown reason = %s, %v; want other", r, err)
	}
	var s carriers.Status
	err := json.Unmarshal([]byte(`42`), &s)
	var de *carriers.DecodeError
	if !errors.As(err, &de) || de.Path != "status" || !errors.Is(err, carriers.ErrMalformedResponse) {
		t.Errorf("Unmarshal(42) error = %v, want a *DecodeError for field status", err)
	}
	if carriers.Status(200).String() != "unknown" || carriers.Status(200).Valid() {
		t.Error("out-of-range Status must print unknown and be invalid")
	}
}

func TestTrackingJSONRoundTrip(t *testing.T) {
	ny := time.FixedZone("EST", -5*3600)
	in := carriers.Tracking{
		Carrier: "ups", TrackingNumber: "1Z5R89390357567127", Service: "Ground",
		Status: carriers.StatusException, Reason: carriers.ReasonWeather,
		Events: []carriers.Event{
			{Time: time.Date(2026, 11, 3, 9, 30, 0, 0, ny), Status: carriers.StatusException, Reason: carriers.ReasonWeather, Code: "X", Description: "Weather", Location: carriers.Location{City: "Louisville", State: "KY", Country: "US"}},
			{Time: time.Date(2026, 11, 2, 18, 0, 0, 0, time.UTC), ZoneUnknown: true, Status: carriers.StatusUnknown, Code: "ZZ9"},
		},
		Estimate: &carriers.Estimate{Start: time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 5, 23, 59, 59, 0, time.UTC), DateOnly: true, Source: carriers.EstimateRescheduled},
		Raw:      json.RawMessage(`{"a":1}`),
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out carriers.Tracking
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
	if _, off := out.Events[0].Time.Zone(); off != -5*3600 {
		t.Errorf("event offset %d lost in round trip", off)
	}
}

func TestErrorFormatting(t *testing.T) {
	err := error(&carriers.Error{Carrier: "ups", Op: "track", TrackingNumber: "1Z", StatusCode: 200, Code: "TW0001", Message: "Tracking Information Not Found", RequestID: "r-1", Err: carriers.ErrNotFound})
	want := "carriers: ups track 1Z: HTTP 200 TW0001 Tracking Information Not Found (request r-1): carriers: tracking number not found"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant     %q", err.Error(), want)
	}
	if !errors.Is(err, carriers.ErrNotFound) {
		t.Error("errors.Is(ErrNotFound) false")
	}
}

func TestErrorTextsAreClipped(t *testing.T) {
	long := strings.Repeat("9", 10000)
	e := &carriers.Error{Carrier: "ups", Op: "track", TrackingNumber: long, StatusCode: 400, Code: long, Message: long, RequestID: long, Err: carriers.ErrInvalidNumber}
	if n := len(e.Error()); n > 700 {
		t.Errorf("Error() has %d bytes for 40 KB of fields", n)
	}
	if !strings.Contains(e.Error(), strings.Repeat("9", 64)+"…") || strings.Contains(e.Error(), strings.Repeat("9", 257)) {
		t.Errorf("Error() = %.200q…, want each field clipped with …", e.Error())
	}
	d := &carriers.DecodeError{Path: strings.Repeat("a.", 5000), Value: long, Err: errors.New("bad")}
	if n := len(d.Error()); n > 400 || !strings.Contains(d.Error(), strings.Repeat("9", 64)+"…") {
		t.Errorf("DecodeError.Error() has %d bytes: %.100q", n, d.Error())
	}
	if !errors.Is(d, carriers.ErrMalformedResponse) || errors.Unwrap(d).Error() != "bad" {
		t.Error("DecodeError lost its cause or sentinel")
	}
	o := &carriers.OptionError{Carrier: "ups", Option: "Options.BaseURL", Err: carriers.ErrUnsupported}
	if o.Error() != "ups: Options.BaseURL: "+carriers.ErrUnsupported.Error() || !errors.Is(o, carriers.ErrUnsupported) {
		t.Errorf("OptionError: %v", o)
	}
}
