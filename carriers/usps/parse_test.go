package usps

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
)

// TestGolden compares the normalized trackings of the fixtures with
// testdata/golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	adaptertest.Fixtures{Code: Code, Parse: ParseTrackResponse, RawHasNumber: true}.TestGolden(t,
		"delivered_parcel_locker.json", "in_transit_with_expected_delivery.json", "constructed_alert_offsets.json")
}

func TestTimeZoneRules(t *testing.T) {
	check := func(name string, e carriers.Event, want string, unknown bool) {
		t.Helper()
		if s := e.Time.Format(time.RFC3339); s != want || e.ZoneUnknown != unknown {
			t.Errorf("%s: %s unknown=%v, want %s unknown=%v", name, s, e.ZoneUnknown, want, unknown)
		}
	}
	got, err := ParseTrackResponse(adaptertest.ReadFile(t, "in_transit_with_expected_delivery.json"))
	if err != nil {
		t.Fatal(err)
	}
	ev := got[0].Events
	check("local + GMTOffset", ev[0], "2024-11-26T01:44:00-06:00", false)
	// GMTTimestamp a day early: local time and stated offset win.
	check("inconsistent GMT", ev[1], "2024-11-25T18:31:00-06:00", false)
	// MA event without any GMT field.
	check("no GMT fields", ev[3], "2024-11-23T00:00:00Z", true)
	est := got[0].Estimate
	if est == nil || !est.DateOnly || !est.ZoneUnknown || est.Source != carriers.EstimateScheduled || est.Start.Format(time.DateOnly) != "2024-11-29" {
		t.Errorf("expected delivery: %+v", est)
	}

	got, err = ParseTrackResponse(adaptertest.ReadFile(t, "constructed_alert_offsets.json"))
	if err != nil {
		t.Fatal(err)
	}
	tr := got[0]
	check("GMTOffset -420 as minutes", tr.Events[0], "2024-12-02T15:05:00-07:00", false)
	check("derived from GMTTimestamp", tr.Events[1], "2024-12-02T06:10:00-07:00", false)
	check("eventTimestamp with Z", tr.Events[2], "2024-12-01T22:00:00Z", false)
	if tr.Events[2].Status != carriers.StatusUnknown || tr.Events[2].Code != "Q9" {
		t.Errorf("unknown code: %+v", tr.Events[2])
	}
	if tr.Status != carriers.StatusAttemptFail || tr.Reason != carriers.ReasonRecipientUnavailable || tr.Service != "Priority Mail®" {
		t.Errorf("status %v service %q", tr.Status, tr.Service)
	}
	if e := tr.Estimate; e == nil || e.Source != carriers.EstimateCarrier || e.DateOnly ||
		e.Start.Format(time.DateTime) != "2024-12-03 10:00:00" || e.End.Format(time.DateTime) != "2024-12-03 14:00:00" {
		t.Errorf("predicted window: %+v", e)
	}

	got, err = ParseTrackResponse(adaptertest.ReadFile(t, "delivered_parcel_locker.json"))
	if err != nil {
		t.Fatal(err)
	}
	tr = got[0]
	if tr.Status != carriers.StatusDelivered || tr.Reason != carriers.ReasonDeliveredToLocker ||
		tr.DeliveredAt.Format(time.RFC3339) != "2024-11-22T13:58:00-05:00" || tr.Service != "USPS Ground Advantage™" {
		t.Errorf("delivered: %v %v %v %q", tr.Status, tr.Reason, tr.DeliveredAt, tr.Service)
	}
}

// TestDeliveredZoneUnknown: DeliveredAt carries the delivery event's zone
// knowledge.
func TestDeliveredZoneUnknown(t *testing.T) {
	for _, tc := range []struct {
		name, zone string
		want       string
		unknown    bool
	}{
		{"GMTOffset", `,"GMTOffset":"-05:00"`, "2024-11-22T13:58:00-05:00", false},
		{"no GMT fields", ``, "2024-11-22T13:58:00Z", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"trackingNumber":"9400111899223197428490","statusCategory":"Delivered","status":"Delivered, In/At Mailbox",` +
				`"trackingEvents":[{"eventType":"Delivered, In/At Mailbox","eventTimestamp":"2024-11-22T13:58:00","eventCode":"01"` + tc.zone + `}]}`
			got, err := ParseTrackResponse([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			tr := got[0]
			if tr.Status != carriers.StatusDelivered || tr.DeliveredAt.Format(time.RFC3339) != tc.want || tr.DeliveredZoneUnknown != tc.unknown {
				t.Errorf("%s: DeliveredAt %s zone unknown %v, want %s %v", tr.Status, tr.DeliveredAt.Format(time.RFC3339), tr.DeliveredZoneUnknown, tc.want, tc.unknown)
			}
		})
	}
}

func TestParseTrackResponseErrors(t *testing.T) {
	notFound := []byte(`{"apiVersion":"v3","error":{"code":"400","message":"Bad Request","errors":[{"status":"400","code":"150001",
	  "title":"12: A status update is not yet available on your package. It will be available when the shipper provides an update or the package is delivered to USPS.","detail":""}]}}`)
	tests := []struct {
		name string
		body []byte
		want error
		code string
	}{
		{"150001", notFound, carriers.ErrNotFound, "150001"},
		{"invalid_client", adaptertest.ReadFile(t, "error_oauth_invalid_client.json"), carriers.ErrUnauthorized, "invalid_client"},
		{"placeholder error", adaptertest.ReadFile(t, "error_spec_placeholder.json"), carriers.ErrUnavailable, "string"},
		{"empty", nil, carriers.ErrMalformedResponse, ""},
		{"null", []byte(`null`), carriers.ErrMalformedResponse, ""},
		{"empty object", []byte(`{}`), carriers.ErrMalformedResponse, ""},
		{"empty array", []byte(`[]`), carriers.ErrNotFound, ""},
		{"truncated", adaptertest.ReadFile(t, "delivered_parcel_locker.json")[:2000], carriers.ErrMalformedResponse, ""},
		{"events not an array", []byte(`{"trackingNumber":"9400","trackingEvents":"none"}`), carriers.ErrMalformedResponse, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTrackResponse(tt.body)
			if !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Carrier != Code || ce.Code != tt.code {
				t.Errorf("error %#v: want *carriers.Error with code %q", err, tt.code)
			}
		})
	}
}

func TestDecodeErrorPaths(t *testing.T) {
	for _, tt := range []struct{ body, field string }{
		{`{"trackingNumber":"9400","trackingEvents":[{"eventCode":"01"}]}`, "trackingEvents[0].eventTimestamp"},
		{`{"trackingNumber":"9400","trackingEvents":[{"eventTimestamp":"2024-01-01T10:00:00"},{"eventTimestamp":"yesterday"}]}`, "trackingEvents[1].eventTimestamp"},
		{`[{"trackingNumber":"9400"},{"trackingEvents":[]}]`, "[1].trackingNumber"},
		{`{"trackingNumber":"9400","trackingEvents":"none"}`, "trackingEvents"},
	} {
		_, err := ParseTrackResponse([]byte(tt.body))
		var de *carriers.DecodeError
		if !errors.As(err, &de) || de.Path != tt.field || !errors.Is(err, carriers.ErrMalformedResponse) {
			t.Errorf("%s:\n  error %v\n  want DecodeError at %s", tt.body, err, tt.field)
		}
	}
}

func TestParseOffset(t *testing.T) {
	for s, want := range map[string]int{"-05:00": -5 * 3600, "-420": -7 * 3600, "-500": -5 * 3600, "+0530": 5*3600 + 1800, "-5": -5 * 3600, "+10:30": 10*3600 + 1800} {
		if got, ok := parseOffset(s); !ok || got != want {
			t.Errorf("parseOffset(%q) = %d %v, want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "-", "-15:00", "abc", "-05:0", "+123456"} {
		if _, ok := parseOffset(s); ok {
			t.Errorf("parseOffset(%q) accepted", s)
		}
	}
}

func TestGarbageBodies(t *testing.T) {
	for name, body := range carrierstest.Garbage() {
		if _, err := ParseTrackResponse(body); !errors.Is(err, carriers.ErrMalformedResponse) && !errors.Is(err, carriers.ErrNotFound) {
			t.Errorf("ParseTrackResponse(%s): %v", name, err)
		}
	}
	// A long valid history is parsed, not refused.
	var b bytes.Buffer
	b.WriteString(`{"trackingNumber":"9400111899223197428490","trackingEvents":[`)
	for i := 0; b.Len() < 2<<20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"eventType":"In Transit to Next Facility","eventTimestamp":"2024-11-20T01:11:00","GMTTimestamp":"2024-11-20T06:11:52Z","GMTOffset":"-05:00","eventCode":"TL"}`)
	}
	b.WriteString(`]}`)
	got, err := ParseTrackResponse(b.Bytes())
	if err != nil || len(got[0].Events) < 10000 {
		t.Fatalf("2 MB body: %v", err)
	}
}

func FuzzParseTrackResponse(f *testing.F) {
	adaptertest.SeedFuzz(f)
	f.Add([]byte(`{"trackingNumber":"9400100000000000000000","expectedDeliveryTimeStamp":"9999-12-31T23:00:00-05:00","trackingEvents":[{"eventTimestamp":"2024-12-05T08:00:00+24:00","eventCode":"10"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseTrackResponse(body)
		adaptertest.CheckParsed(t, Code, got, err)
		if err == nil && len(got) == 0 {
			t.Fatal("no error and no tracking")
		}
	})
}

func BenchmarkParseTrackResponse(b *testing.B) {
	body := adaptertest.ReadFile(b, "delivered_parcel_locker.json")
	b.Run("full", func(b *testing.B) {
		adaptertest.Bench(b, body, func(body []byte) error { _, err := ParseTrackResponse(body); return err })
	})
	b.Run("baseline-unmarshal", func(b *testing.B) {
		adaptertest.Bench(b, body, func(body []byte) error { var doc rawTracking; return json.Unmarshal(body, &doc) })
	})
}

// A return that reached its sender is reported by USPS as a delivery
// ("Delivered, To Original Sender", event code 01): it is a return to
// sender, received back, never a delivery to the recipient (the trap the
// reference notes describe for FedEx RS+DL and DHL returnFlag).
func TestDeliveredToOriginalSender(t *testing.T) {
	body := []byte(`{"trackingNumber":"9400100000000000000000","statusCategory":"Delivered",
		"status":"Delivered, To Original Sender","trackingEvents":[
		{"eventType":"Delivered, To Original Sender","eventTimestamp":"2024-12-09T10:15:00","GMTOffset":"-05:00","eventCode":"01","eventCity":"AUSTIN","name":"J DOE"},
		{"eventType":"Return to Sender","eventTimestamp":"2024-12-05T08:00:00","GMTOffset":"-05:00","eventCode":"09"}]}`)
	got, err := ParseTrackResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	tr := got[0]
	if tr.Status != carriers.StatusReturnToSender || tr.Reason != carriers.ReasonReturned {
		t.Errorf("status %v/%v, want return_to_sender/returned", tr.Status, tr.Reason)
	}
	if e := tr.Events[0]; e.Status != carriers.StatusReturnToSender || e.Reason != carriers.ReasonReturned || e.Code != "01" {
		t.Errorf("event %v/%v code %q, want return_to_sender/returned with code 01", e.Status, e.Reason, e.Code)
	}
	if !tr.DeliveredAt.IsZero() || tr.SignedBy != "" {
		t.Errorf("delivered at %v signed by %q: a return is not a delivery", tr.DeliveredAt, tr.SignedBy)
	}
}

// TestNamedReasonSurvives checks that a cause the newest scan names is not
// lost to a category that names none ("Alert", "Return to Sender"), and
// that a return names its cause.
func TestNamedReasonSurvives(t *testing.T) {
	for _, tc := range []struct {
		category, code, text string
		status               carriers.Status
		reason               carriers.Reason
	}{
		{"Alert", "04", "Refused", carriers.StatusException, carriers.ReasonRefused},
		{"Alert", "11", "Dead Letter", carriers.StatusException, carriers.ReasonOther},
		{"Return to Sender", "23", "Moved, Left No Address", carriers.StatusReturnToSender, carriers.ReasonRecipientMoved},
		{"Return to Sender", "31", "Return to Sender: Not Picked Up", carriers.StatusReturnToSender, carriers.ReasonPickupMissed},
		{"Return to Sender", "09", "Return to Sender", carriers.StatusReturnToSender, carriers.ReasonReturning},
	} {
		body := []byte(`{"trackingNumber":"9400100000000000000000","statusCategory":"` + tc.category + `","trackingEvents":[` +
			`{"eventType":"` + tc.text + `","eventTimestamp":"2024-12-05T08:00:00","GMTOffset":"-05:00","eventCode":"` + tc.code + `"}]}`)
		got, err := ParseTrackResponse(body)
		if err != nil {
			t.Fatal(err)
		}
		if tr := got[0]; tr.Status != tc.status || tr.Reason != tc.reason || tr.Events[0].Reason != tc.reason {
			t.Errorf("%s + %s: %v/%v (event %v), want %v/%v", tc.category, tc.code, tr.Status, tr.Reason, tr.Events[0].Reason, tc.status, tc.reason)
		}
	}
}

// TestUnencodableTimesRefused: an eventTimestamp with offset +24:00 (Go's
// parser accepts it, its JSON encoder does not) is refused with a typed
// error naming it; a GMTOffset of +24:00 is no offset (the event's zone is
// unknown); an estimate with such a time is skipped.
func TestUnencodableTimesRefused(t *testing.T) {
	body := []byte(`{"trackingNumber":"9400100000000000000000","statusCategory":"In Transit","trackingEvents":[` +
		`{"eventType":"Arrived","eventTimestamp":"2024-12-05T08:00:00+24:00","eventCode":"10"}]}`)
	got, err := ParseTrackResponse(body)
	var de *carriers.DecodeError
	if got != nil || !errors.As(err, &de) || de.Path != "trackingEvents[0].eventTimestamp" || !errors.Is(err, carriers.ErrTimeOffset) {
		t.Fatalf("ParseTrackResponse = %v, %v; want a DecodeError at trackingEvents[0].eventTimestamp", got, err)
	}
	body = []byte(`{"trackingNumber":"9400100000000000000000","statusCategory":"In Transit",` +
		`"expectedDeliveryTimeStamp":"2024-12-07T10:00:00-24:00","trackingEvents":[` +
		`{"eventType":"Arrived","eventTimestamp":"2024-12-05T08:00:00","GMTOffset":"+24:00","eventCode":"10"}]}`)
	got, err = ParseTrackResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	if e := got[0].Events[0]; !e.ZoneUnknown || got[0].Estimate != nil {
		t.Errorf("event %+v, estimate %+v: want zone unknown and no estimate", e, got[0].Estimate)
	}
	if _, err := json.Marshal(got[0]); err != nil {
		t.Fatal(err)
	}
}
