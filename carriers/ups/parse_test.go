package ups

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
)

// TestGolden compares the normalized trackings of the fixtures with
// testdata/golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	adaptertest.Fixtures{Code: Code, Parse: ParseTrackResponse}.TestGolden(t, "spec_example_full_fields.json", "constructed_two_packages_zones.json")
	adaptertest.Fixtures{Code: Code, Parse: ParseWebhook}.TestGolden(t, "webhook_trackalert_out_for_delivery.json", "webhook_trackalert_delivered.json")
}

// TestTimeZoneRules pins the time-zone decisions of the constructed fixture
// explicitly, so that a golden -update cannot silently change them.
func TestTimeZoneRules(t *testing.T) {
	got, err := ParseTrackResponse(adaptertest.ReadFile(t, "constructed_two_packages_zones.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d trackings, want 2 (both packages)", len(got))
	}
	p1, p2 := got[0], got[1]
	check := func(name string, e carriers.Event, want string, unknown bool) {
		t.Helper()
		if s := e.Time.Format(time.RFC3339); s != want || e.ZoneUnknown != unknown {
			t.Errorf("%s: %s unknown=%v, want %s unknown=%v", name, s, e.ZoneUnknown, want, unknown)
		}
	}
	// Stated offset wins over a GMT time that disagrees with it.
	check("offset over inconsistent GMT", p1.Events[0], "2024-03-26T14:30:12-04:00", false)
	// Offset derived from gmtDate (YYYY-MM-DD) and gmtTime (HHMMSS).
	check("derived offset", p1.Events[1], "2024-03-26T08:15:00-04:00", false)
	// 5-digit gmtTime "74700" as in UPS's spec example.
	check("5-digit gmtTime", p1.Events[2], "2024-03-26T15:47:00+08:00", false)
	// No GMT fields at all: wall clock kept, zone unknown.
	check("no GMT fields", p1.Events[3], "2024-03-24T10:12:00Z", true)
	// Track Alert style "-05.00".
	check("dotted offset", p2.Events[1], "2024-03-25T12:00:00-05:00", false)

	if p1.Events[2].Status != carriers.StatusException || p1.Events[2].Code != "999" {
		t.Errorf("unknown statusCode with type X: %v %q", p1.Events[2].Status, p1.Events[2].Code)
	}
	if p1.Status != carriers.StatusDelivered || p1.SignedBy != "DOE" || !p1.DeliveredAt.Equal(p1.Events[0].Time) {
		t.Errorf("delivered package: %v signed %q at %v", p1.Status, p1.SignedBy, p1.DeliveredAt)
	}
	est := p2.Estimate
	if est == nil || est.Source != carriers.EstimateRescheduled || !est.ZoneUnknown || est.DateOnly ||
		est.Start.Format(time.DateTime) != "2024-03-28 09:00:00" || est.End.Format(time.DateTime) != "2024-03-28 13:00:00" {
		t.Errorf("estimate = %+v", est)
	}
}

// TestDeliveredZoneUnknown: a delivery scan without zone information, or a
// package DEL date (which never has a zone), sets DeliveredZoneUnknown; a
// delivery scan with an offset does not.
func TestDeliveredZoneUnknown(t *testing.T) {
	for _, tc := range []struct {
		name, pkg string
		want      string
		unknown   bool
	}{
		{"scan with offset", `"activity":[{"date":"20240301","time":"093000","gmtOffset":"-05:00","status":{"type":"D","statusCode":"011"}}]`,
			"2024-03-01T09:30:00-05:00", false},
		{"scan without zone", `"activity":[{"date":"20240301","time":"093000","status":{"type":"D","statusCode":"011"}}]`,
			"2024-03-01T09:30:00Z", true},
		{"DEL date and time", `"currentStatus":{"type":"D","code":"FS"},"deliveryDate":[{"type":"DEL","date":"20240301"}],"deliveryTime":{"type":"DEL","endTime":"101500"}`,
			"2024-03-01T10:15:00Z", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTrackResponse([]byte(`{"trackResponse":{"shipment":[{"package":[{"trackingNumber":"1Z12345E0205271688",` + tc.pkg + `}]}]}}`))
			if err != nil {
				t.Fatal(err)
			}
			tr := got[0]
			if tr.Status != carriers.StatusDelivered || tr.DeliveredAt.Format(time.RFC3339) != tc.want || tr.DeliveredZoneUnknown != tc.unknown {
				t.Errorf("%s: DeliveredAt %s zone unknown %v, want %s %v", tr.Status, tr.DeliveredAt.Format(time.RFC3339), tr.DeliveredZoneUnknown, tc.want, tc.unknown)
			}
		})
	}
	// A Track Alert delivery without gmtOffset.
	got, err := ParseWebhook([]byte(`{"trackingNumber":"1Z204W4R0308071865","localActivityDate":"20240423","localActivityTime":"091519",
	  "activityStatus":{"type":"D","code":"FS","descriptionCode":"011"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if tr := got[0]; tr.Status != carriers.StatusDelivered || !tr.DeliveredZoneUnknown || tr.DeliveredAt.Format(time.RFC3339) != "2024-04-23T09:15:19Z" {
		t.Errorf("webhook: %s at %s zone unknown %v", tr.Status, tr.DeliveredAt, tr.DeliveredZoneUnknown)
	}
}

func TestParseTrackResponseErrors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want error
		code string
	}{
		{"TW0001 in 200", adaptertest.ReadFile(t, "not_found_tw0001.json"), carriers.ErrNotFound, "TW0001"},
		{"TV1002", adaptertest.ReadFile(t, "error_tv1002_invalid_inquiry.json"), carriers.ErrInvalidNumber, "TV1002"},
		{"250003", adaptertest.ReadFile(t, "error_250003_auth.json"), carriers.ErrUnauthorized, "250003"},
		{"empty shipment list", []byte(`{"trackResponse":{"shipment":[]}}`), carriers.ErrNotFound, ""},
		{"empty", nil, carriers.ErrMalformedResponse, ""},
		{"null", []byte(`null`), carriers.ErrMalformedResponse, ""},
		{"object without trackResponse", []byte(`{}`), carriers.ErrMalformedResponse, ""},
		{"truncated", adaptertest.ReadFile(t, "spec_example_full_fields.json")[:900], carriers.ErrMalformedResponse, ""},
		{"shipment not an array", []byte(`{"trackResponse":{"shipment":{"package":[]}}}`), carriers.ErrMalformedResponse, ""},
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
	for _, tt := range []struct {
		body, field string
	}{
		{`{"trackResponse":{"shipment":[{"package":[{"trackingNumber":"1Z","activity":[{"time":"101010"}]}]}]}}`,
			"trackResponse.shipment[0].package[0].activity[0].date"},
		{`{"trackResponse":{"shipment":[{"package":[{"trackingNumber":"1Z","activity":[{"date":"20240101"},{"date":"2024-13-45"}]}]}]}}`,
			"trackResponse.shipment[0].package[0].activity[1].date"},
		{`{"trackResponse":{"shipment":[{"package":[{"trackingNumber":"1Z","activity":[{"date":"20240101","time":"99:99"}]}]}]}}`,
			"trackResponse.shipment[0].package[0].activity[0].time"},
		{`{"trackResponse":{"shipment":[{"package":[{"activity":[]}]}]}}`,
			"trackResponse.shipment[0].package[0].trackingNumber"},
		// A wrong JSON type: the path keeps its array indices, as the
		// other fields do (carriers.DecodeError's documented form).
		{`{"trackResponse":{"shipment":[{"package":[{"trackingNumber":"1Z","activity":"none"}]}]}}`,
			"trackResponse.shipment[0].package[0].activity"},
		{`{"trackResponse":7}`, "trackResponse"},
	} {
		_, err := ParseTrackResponse([]byte(tt.body))
		var de *carriers.DecodeError
		if !errors.As(err, &de) || de.Path != tt.field {
			t.Errorf("%s:\n  error %v\n  want DecodeError at %s", tt.body, err, tt.field)
		}
		if !errors.Is(err, carriers.ErrMalformedResponse) {
			t.Errorf("%s: %v is not ErrMalformedResponse", tt.body, err)
		}
	}
}

// TestWrongTypesTolerated: numbers where strings are documented, and the
// reverse, as UPS does.
func TestWrongTypesTolerated(t *testing.T) {
	body := `{"trackResponse":{"shipment":[{"inquiryNumber":1234567,"package":[{"packageCount":"2","trackingNumber":null,
	  "activity":[{"date":20240301,"time":93000,"gmtOffset":"-05:00","status":{"type":"D","statusCode":11,"description":true},
	  "location":{"address":{"city":{"name":"x"},"postalCode":30303}}}]}]}]}}`
	got, err := ParseTrackResponse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	tr := got[0]
	if tr.TrackingNumber != "1234567" || tr.Status != carriers.StatusDelivered || tr.Events[0].Code != "11" ||
		tr.Events[0].Location.PostalCode != "30303" || tr.Events[0].Location.City != "" ||
		tr.Events[0].Time.Format(time.RFC3339) != "2024-03-01T09:30:00-05:00" {
		t.Errorf("%+v", tr)
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		typ, code, sc string
		want          carriers.Status
		reason        carriers.Reason
		raw           string
	}{
		{"D", "FS", "011", carriers.StatusDelivered, 0, "011"},
		{"I", "OT", "021", carriers.StatusOutForDelivery, 0, "021"},
		{"X", "", "032", carriers.StatusException, carriers.ReasonWeather, "032"},
		{"X", "SR", "003", carriers.StatusException, carriers.ReasonOther, "003"}, // type X overrides "ready for UPS"
		// A customs hold: type X over statusCode 092 "Customs Clearance in
		// Progress" keeps the cause the finer code names.
		{"X", "", "092", carriers.StatusException, carriers.ReasonCustoms, "092"},
		{"X", "RZ", "", carriers.StatusException, carriers.ReasonCustoms, "RZ"},
		{"X", "", "012", carriers.StatusException, carriers.ReasonCustoms, "012"},
		{"I", "", "092", carriers.StatusInTransit, 0, "092"}, // in progress, no exception: no reason
		{"D", "", "092", carriers.StatusDelivered, 0, "092"}, // a cause never dresses a delivery
		// statusCode 013 "Exception" says "other"; the activity code BB
		// names the cause.
		{"", "BB", "013", carriers.StatusException, carriers.ReasonCustoms, "013"},
		{"X", "BB", "", carriers.StatusException, carriers.ReasonCustoms, "BB"},
		{"X", "", "084", carriers.StatusException, carriers.ReasonOther, "084"}, // "Cleared" names no cause
		{"I", "", "034", carriers.StatusReturnToSender, carriers.ReasonReturned, "034"},
		{"I", "AR", "", carriers.StatusInTransit, 0, "AR"},
		{"D", "", "", carriers.StatusDelivered, 0, "D"},
		{"", "", "161", carriers.StatusAvailableForPickup, carriers.ReasonDeliveredToAccessPoint, "161"},
		{"Q", "QQ", "777", carriers.StatusUnknown, 0, "777"},
		{"", "", "000", carriers.StatusUnknown, 0, "000"},
	} {
		m, raw := classify(tt.typ, tt.code, tt.sc)
		if m.Status != tt.want || m.Reason != tt.reason || raw != tt.raw {
			t.Errorf("classify(%q,%q,%q) = %v/%v %q, want %v/%v %q", tt.typ, tt.code, tt.sc, m.Status, m.Reason, raw, tt.want, tt.reason, tt.raw)
		}
	}
	// Every table entry is a defined status and reason.
	for k, m := range statusCodes {
		if !m.Status.Valid() || !m.Reason.Valid() || strings.HasPrefix(k, "0") && k != "0" {
			t.Errorf("statusCodes[%q] = %+v", k, m)
		}
	}
}

// TestParseDate: UPS's package dates. Offsets and clock times are read by
// carriertime (ParseOffset, ParseClock), whose tests hold UPS's forms
// ("-04.00", the 5-digit "74700").
func TestParseDate(t *testing.T) {
	for _, s := range []string{"20240230", "2024131", "string", "99999999"} {
		if _, ok := parseDate(s); ok {
			t.Errorf("parseDate(%q) accepted", s)
		}
	}
}

func TestWebhookErrors(t *testing.T) {
	for _, body := range []string{``, `null`, `[]x`, `{"trackingNumber":"1Z"}`, `{"localActivityDate":"20240101"}`, `[1]`, `"x"`} {
		got, err := ParseWebhook([]byte(body))
		if !errors.Is(err, carriers.ErrMalformedResponse) || got != nil {
			t.Errorf("%q: %v, %v", body, got, err)
		}
	}
	_, err := ParseWebhook([]byte(`{"trackingNumber":"1Z","localActivityDate":"2024x"}`))
	var de *carriers.DecodeError
	if !errors.As(err, &de) || de.Path != "localActivityDate" {
		t.Errorf("field: %v", err)
	}
	// An array of alerts yields one tracking each.
	one := bytes.TrimSpace(adaptertest.ReadFile(t, "webhook_trackalert_delivered.json"))
	got, err := ParseWebhook(append(append(append([]byte("["), one...), ','), append(one, ']')...))
	if err != nil || len(got) != 2 {
		t.Fatalf("array: %d, %v", len(got), err)
	}
}

func TestHugeBodies(t *testing.T) {
	for name, body := range carrierstest.Garbage() {
		if _, err := ParseTrackResponse(body); !errors.Is(err, carriers.ErrMalformedResponse) {
			t.Errorf("ParseTrackResponse(%s): %v", name, err)
		}
		if _, err := ParseWebhook(body); !errors.Is(err, carriers.ErrMalformedResponse) {
			t.Errorf("ParseWebhook(%s): %v", name, err)
		}
	}
	// 2 MB of valid activities (over 10 000 events): parsed, not refused.
	var b bytes.Buffer
	b.WriteString(`{"trackResponse":{"shipment":[{"package":[{"trackingNumber":"1ZHUGE","activity":[`)
	act := `{"date":"20240101","time":"101010","gmtOffset":"-05:00","status":{"type":"I","code":"AR","statusCode":"005","description":"Arrived"}}`
	for i := 0; b.Len() < 2<<20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(act)
	}
	b.WriteString(`]}]}]}}`)
	got, err := ParseTrackResponse(b.Bytes())
	if err != nil || len(got) != 1 || len(got[0].Events) < 10000 {
		t.Fatalf("2 MB body: %v", err)
	}
}

func FuzzParseTrackResponse(f *testing.F) {
	adaptertest.SeedFuzz(f)
	f.Add([]byte(endOf9999))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseTrackResponse(body)
		adaptertest.CheckParsed(t, Code, got, err)
		if err == nil && len(got) == 0 {
			t.Fatal("no error and no tracking")
		}
	})
}

func FuzzParseWebhook(f *testing.F) {
	adaptertest.SeedFuzz(f)
	f.Add([]byte(`[{"trackingNumber":"1Z","localActivityDate":"20240101","gmtOffset":"-04.00"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseWebhook(body)
		adaptertest.CheckParsed(t, Code, got, err)
		if err != nil && !errors.Is(err, carriers.ErrMalformedResponse) {
			t.Fatalf("error %v is not ErrMalformedResponse", err)
		}
		for _, tr := range got {
			if len(tr.Events) != 1 {
				t.Fatalf("%d events in one push: %+v", len(tr.Events), tr)
			}
		}
	})
}

func BenchmarkParseTrackResponse(b *testing.B) {
	body := adaptertest.ReadFile(b, "spec_example_full_fields.json")
	b.Run("full", func(b *testing.B) {
		adaptertest.Bench(b, body, func(body []byte) error { _, err := ParseTrackResponse(body); return err })
	})
	b.Run("baseline-unmarshal", func(b *testing.B) {
		adaptertest.Bench(b, body, func(body []byte) error { var doc trackDoc; return json.Unmarshal(body, &doc) })
	})
}

// endOf9999 is an activity at 23:30 on the last day of 9999, 5 hours west
// of UTC: in UTC it is in year 10000, which RFC 3339 cannot write.
const endOf9999 = `{"trackResponse":{"shipment":[{"package":[{"trackingNumber":"1Z999AA10123456784","activity":[` +
	`{"date":"99991231","time":"233000","gmtOffset":"-05:00","status":{"type":"I","code":"AR","statusCode":"005"}}]}]}]}}`

// TestUnencodableTimesRefused: a time that cannot be stored is refused with
// a typed error naming it; a gmtOffset of +24:00 is no offset.
func TestUnencodableTimesRefused(t *testing.T) {
	got, err := ParseTrackResponse([]byte(endOf9999))
	var de *carriers.DecodeError
	if got != nil || !errors.As(err, &de) || de.Path != "trackResponse.shipment[0].package[0].activity[0].date" || !errors.Is(err, carriers.ErrTimeRange) {
		t.Fatalf("ParseTrackResponse = %v, %v; want a DecodeError at the activity date", got, err)
	}
	got, err = ParseTrackResponse([]byte(strings.Replace(strings.Replace(endOf9999, "99991231", "20240301", 1), "-05:00", "+24:00", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if e := got[0].Events[0]; !e.ZoneUnknown {
		t.Errorf("event %+v: want zone unknown for gmtOffset +24:00", e)
	}
}
