package dhl

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
)

// goldenFixtures are the fixtures that hold shipments.
var goldenFixtures = []string{
	"spec_example_express.json",
	"parcel_de_pre_transit.json",
}

// TestGolden compares the normalized trackings of the fixtures with
// testdata/golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	adaptertest.Fixtures{Code: Code, Parse: ParseTrackResponse, RawHasNumber: true}.TestGolden(t, goldenFixtures...)
}

// TestSpecExample pins what the DHL example teaches: id as a number, a Z
// shipment status next to an event without offset, a time frame estimate.
func TestSpecExample(t *testing.T) {
	got, err := ParseTrackResponse(adaptertest.ReadFile(t, "spec_example_express.json"))
	if err != nil {
		t.Fatal(err)
	}
	tr := got[0]
	if tr.TrackingNumber != "7777777770" {
		t.Errorf("Number %q: the numeric id must decode to its digits", tr.TrackingNumber)
	}
	if tr.Status != carriers.StatusInfoReceived {
		t.Errorf("Status %s: statusCode pre-transit decides, not the free text DELIVERED", tr.Status)
	}
	e := tr.Events[0]
	if !e.ZoneUnknown || e.Time.Format("2006-01-02T15:04:05") != "2018-03-02T07:53:47" {
		t.Errorf("event %v zoneUnknown=%v: the timestamp has no offset", e.Time, e.ZoneUnknown)
	}
	est := tr.Estimate
	if est == nil || est.DateOnly || est.ZoneUnknown || !est.Start.Equal(time.Date(2018, 8, 3, 0, 0, 0, 0, time.UTC)) ||
		!est.End.Equal(time.Date(2018, 8, 3, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("Estimate %+v, want the 2018-08-03 00:00Z–22:00Z frame", est)
	}
	if !tr.DeliveredAt.IsZero() || tr.SignedBy != "" {
		t.Error("a shipment that is not delivered must not carry DeliveredAt or SignedBy")
	}
}

func TestProblemBodies(t *testing.T) {
	cases := []struct {
		file  string
		want  error
		title string
	}{
		{"not_found_404.json", carriers.ErrNotFound, "No result found"},
		{"invalid_input_400.json", carriers.ErrInvalidNumber, "Invalid input"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ParseTrackResponse(adaptertest.ReadFile(t, tc.file))
			if got != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Code != tc.title || ce.Message == "" || ce.Carrier != Code {
				t.Errorf("error %#v: want the problem's title and detail", ce)
			}
		})
	}
}

// shipmentJSON builds a one-shipment body.
func shipmentJSON(fields string) []byte {
	return []byte(`{"shipments":[{"id":"JJD000390007882470030",` + fields + `}]}`)
}

func TestMapping(t *testing.T) {
	ev := func(code, status string) string {
		return `{"timestamp":"2024-05-02T10:00:00+02:00","statusCode":"` + code + `","status":"` + status + `","description":"d"}`
	}
	cases := []struct {
		name, fields string
		status       carriers.Status
		reason       carriers.Reason
		code         string
	}{
		{"pre-transit", `"status":` + ev("pre-transit", "x") + `,"events":[` + ev("pre-transit", "x") + `]`, carriers.StatusInfoReceived, carriers.ReasonNone, "pre-transit"},
		{"transit", `"status":` + ev("transit", "x") + `,"events":[` + ev("transit", "x") + `]`, carriers.StatusInTransit, carriers.ReasonNone, "transit"},
		{"delivered", `"status":` + ev("delivered", "x") + `,"events":[` + ev("delivered", "x") + `]`, carriers.StatusDelivered, carriers.ReasonNone, "delivered"},
		{"failure", `"status":` + ev("failure", "x") + `,"events":[` + ev("failure", "x") + `]`, carriers.StatusException, carriers.ReasonOther, "failure"},
		{"unknown", `"status":` + ev("unknown", "x") + `,"events":[` + ev("unknown", "x") + `]`, carriers.StatusUnknown, carriers.ReasonNone, "unknown"},
		{"new code kept", `"status":` + ev("out-for-delivery", "x") + `,"events":[` + ev("out-for-delivery", "x") + `]`, carriers.StatusUnknown, carriers.ReasonNone, "out-for-delivery"},
		{"returned to sender", `"returnFlag":true,"status":` + ev("delivered", "x") + `,"events":[` + ev("delivered", "x") + `]`, carriers.StatusReturnToSender, carriers.ReasonReturned, "delivered"},
		{"returning", `"returnFlag":"true","status":` + ev("transit", "x") + `,"events":[` + ev("transit", "x") + `]`, carriers.StatusReturnToSender, carriers.ReasonReturning, "transit"},
		{"parcel-de out for delivery", `"service":"parcel-de","status":` + ev("transit", "PO") + `,"events":[` + ev("transit", "PO") + `]`, carriers.StatusOutForDelivery, carriers.ReasonNone, "PO"},
		{"parcel-de Packstation", `"status":` + ev("transit", "ZF") + `,"events":[` + ev("transit", "ZF") + `]`, carriers.StatusAvailableForPickup, carriers.ReasonNone, "ZF"},
		{"parcel-de attempt", `"status":` + ev("failure", "ZN") + `,"events":[` + ev("failure", "ZN") + `]`, carriers.StatusAttemptFail, carriers.ReasonNone, "ZN"},
		{"parcel-de delivered", `"status":` + ev("delivered", "ZU") + `,"events":[` + ev("delivered", "ZU") + `]`, carriers.StatusDelivered, carriers.ReasonNone, "ZU"},
		{"parcel-de pickup failed", `"status":` + ev("failure", "AN") + `,"events":[` + ev("failure", "AN") + `]`, carriers.StatusException, carriers.ReasonPickupMissed, "AN"},
		{"unknown parcel-de code kept", `"status":` + ev("transit", "QX") + `,"events":[` + ev("transit", "QX") + `]`, carriers.StatusInTransit, carriers.ReasonNone, "QX"},
		{"no status object: newest event", `"events":[` + ev("transit", "x") + `]`, carriers.StatusInTransit, carriers.ReasonNone, "transit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTrackResponse(shipmentJSON(tc.fields))
			if err != nil {
				t.Fatal(err)
			}
			tr := got[0]
			if tr.Status != tc.status || tr.Reason != tc.reason {
				t.Errorf("tracking %s/%s, want %s/%s", tr.Status, tr.Reason, tc.status, tc.reason)
			}
			if e := tr.Events[0]; e.Code != tc.code {
				t.Errorf("event code %q, want %q", e.Code, tc.code)
			}
			if err := carrierstest.CheckTracking(Code, &tr); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestEveryTableCodeMaps(t *testing.T) {
	for code, m := range parcelDECodes {
		if !m.status.Valid() || !m.reason.Valid() {
			t.Errorf("%s maps to an invalid %v", code, m)
		}
		if m.status == carriers.StatusUnknown && code != "DD" && code != "GT" {
			t.Errorf("%s maps to unknown", code)
		}
		if got, c := classify(&event{Status: text(code)}, false); got != m || c != code {
			t.Errorf("classify(%s) = %v %q", code, got, c)
		}
	}
}

func TestDelivered(t *testing.T) {
	body := shipmentJSON(`"status":{"timestamp":"2024-05-02T14:31:00+02:00","statusCode":"delivered","status":"ZU","description":"Delivered"},` +
		`"details":{"proofOfDelivery":{"timestamp":"2024-05-02T14:31:00+02:00","signed":{"@type":"Person","givenName":"Erika","familyName":"Mustermann"}}},` +
		`"events":[{"timestamp":"2024-05-02T14:31:00+02:00","statusCode":"delivered","status":"ZU","description":"Delivered","location":{"address":{"addressLocality":"Bonn","countryCode":"de","postalCode":"53113"}}},` +
		`{"timestamp":"2024-05-02T08:02:00+02:00","statusCode":"transit","status":"PO","description":"In delivery"}]`)
	got, err := ParseTrackResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	tr := got[0]
	if tr.Status != carriers.StatusDelivered || tr.Reason != carriers.ReasonSignedFor || tr.SignedBy != "Erika Mustermann" {
		t.Errorf("status %s/%s signed by %q", tr.Status, tr.Reason, tr.SignedBy)
	}
	if _, off := tr.DeliveredAt.Zone(); off != 2*3600 || tr.DeliveredAt.Hour() != 14 {
		t.Errorf("DeliveredAt %v, want 14:31+02:00", tr.DeliveredAt)
	}
	if loc := tr.Events[0].Location; loc.City != "Bonn" || loc.Country != "DE" || loc.PostalCode != "53113" {
		t.Errorf("location %+v", loc)
	}
}

// TestDeliveredZoneUnknown: a delivery time without an offset (parcel-de
// sends local times) is flagged, never passed off as UTC; a delivery event
// with an offset wins over a proof of delivery without one.
func TestDeliveredZoneUnknown(t *testing.T) {
	for _, tc := range []struct {
		name, pod, event string
		want             string
		unknown          bool
	}{
		{"neither has an offset", "2024-05-02T14:31:00", "2024-05-02T14:30:00", "2024-05-02T14:31:00Z", true},
		{"event offset wins", "2024-05-02T14:31:00", "2024-05-02T14:30:00+02:00", "2024-05-02T14:30:00+02:00", false},
		{"proof offset", "2024-05-02T14:31:00+02:00", "2024-05-02T14:30:00", "2024-05-02T14:31:00+02:00", false},
		{"no proof, event without offset", "", "2024-05-02T14:30:00", "2024-05-02T14:30:00Z", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := shipmentJSON(`"status":{"statusCode":"delivered"},"details":{"proofOfDelivery":{"timestamp":"` + tc.pod + `"}},` +
				`"events":[{"timestamp":"` + tc.event + `","statusCode":"delivered","status":"ZU"}]`)
			got, err := ParseTrackResponse(body)
			if err != nil {
				t.Fatal(err)
			}
			tr := got[0]
			if tr.DeliveredAt.Format(time.RFC3339) != tc.want || tr.DeliveredZoneUnknown != tc.unknown {
				t.Errorf("DeliveredAt %s zone unknown %v, want %s %v", tr.DeliveredAt.Format(time.RFC3339), tr.DeliveredZoneUnknown, tc.want, tc.unknown)
			}
		})
	}
}

func TestWrongTypes(t *testing.T) {
	bad := []struct{ name, body, field string }{
		{"shipments object", `{"shipments":{"id":[]}}`, "shipments"},
		{"id array", `{"shipments":[{"id":"1"},{"id":[1]}]}`, "shipments[1].id"},
		{"events number", `{"shipments":[{"id":"1","events":12}]}`, "shipments[0].events"},
		{"bad timestamp", `{"shipments":[{"id":"1","events":[{"timestamp":"2024-05-02T10:00:00+02:00"},{"timestamp":"noon"}]}]}`, "shipments[0].events[1].timestamp"},
		{"missing timestamp", `{"shipments":[{"id":"1","events":[{"statusCode":"transit"}]}]}`, "shipments[0].events[0].timestamp"},
		{"bad estimate", `{"shipments":[{"id":"1","estimatedTimeOfDelivery":"tomorrow"}]}`, "shipments[0].estimatedTimeOfDelivery"},
		{"missing id", `{"shipments":[{"service":"express"}]}`, "shipments[0].id"},
		{"no shipments", `{}`, "shipments"},
		{"location string", `{"shipments":[{"id":"1","events":[{"timestamp":"2024-05-02","location":"Bonn"}]}]}`, "shipments[0].events[0].location"},
		{"truncated", `{"shipments":[{"id":"1","events":[{"timest`, ""},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTrackResponse([]byte(tc.body))
			if err == nil {
				t.Fatalf("got %v and no error", got)
			}
			var de *carriers.DecodeError
			if !errors.Is(err, carriers.ErrMalformedResponse) || !errors.As(err, &de) {
				t.Fatalf("error %v: want a DecodeError matching ErrMalformedResponse", err)
			}
			if tc.field != "" && de.Path != tc.field {
				t.Errorf("DecodeError.Path = %q, want %q", de.Path, tc.field)
			}
		})
	}
	ok := []string{
		`{"shipments":[{"id":7777777770,"returnFlag":null,"events":[{"timestamp":"2018-03-02","statusCode":null}]}]}`,
		`{"shipments":[{"id":"1","estimatedDeliveryTimeFrame":{},"details":{"proofOfDelivery":null}}]}`,
	}
	for _, body := range ok {
		if got, err := ParseTrackResponse([]byte(body)); err != nil || len(got) != 1 {
			t.Errorf("%s: %v %v", body, got, err)
		}
	}
	if _, err := ParseTrackResponse([]byte(`{"shipments":[]}`)); !errors.Is(err, carriers.ErrNotFound) {
		t.Errorf("empty shipments: %v, want ErrNotFound", err)
	}
}

func TestGarbage(t *testing.T) {
	for name, body := range carrierstest.Garbage() {
		t.Run(name, func(t *testing.T) {
			got, err := ParseTrackResponse(body)
			var ce *carriers.Error
			if err == nil || !errors.As(err, &ce) || !errors.Is(err, carriers.ErrMalformedResponse) {
				t.Errorf("got %v, %v: want a *carriers.Error matching ErrMalformedResponse", got, err)
			}
		})
	}
}

func TestEstimates(t *testing.T) {
	cases := []struct {
		name, fields string
		want         *carriers.Estimate
	}{
		{"single midnight is a date", `"estimatedTimeOfDelivery":"2024-05-03T00:00:00+02:00"`,
			&carriers.Estimate{Start: time.Date(2024, 5, 2, 22, 0, 0, 0, time.UTC), End: time.Date(2024, 5, 3, 21, 59, 59, 999999999, time.UTC), DateOnly: true, Source: carriers.EstimateCarrier}},
		{"window without offsets", `"estimatedDeliveryTimeFrame":{"estimatedFrom":"2024-05-03T10:00:00","estimatedThrough":"2024-05-03T13:00:00"}`,
			&carriers.Estimate{Start: time.Date(2024, 5, 3, 10, 0, 0, 0, time.UTC), End: time.Date(2024, 5, 3, 13, 0, 0, 0, time.UTC), ZoneUnknown: true, Source: carriers.EstimateCarrier}},
		{"empty frame falls back", `"estimatedDeliveryTimeFrame":{},"estimatedTimeOfDelivery":"2024-05-03"`,
			&carriers.Estimate{Start: time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 5, 3, 23, 59, 59, 999999999, time.UTC), DateOnly: true, Source: carriers.EstimateCarrier}},
		{"none", `"service":"express"`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTrackResponse(shipmentJSON(tc.fields))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got[0].Estimate); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmptyEventDropped(t *testing.T) {
	got, err := ParseTrackResponse(shipmentJSON(`"events":[{"timestamp":"2024-05-02T10:00:00Z","statusCode":"transit"},{"timestamp":"2024-05-01T10:00:00Z"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got[0].Events) != 1 {
		t.Fatalf("events %+v: want the empty event dropped", got[0].Events)
	}
}

// TestFailureKeepsCause checks that statusCode "failure" (DHL's coarse
// verdict) and the cause a parcel-de code names both survive.
func TestFailureKeepsCause(t *testing.T) {
	for _, tc := range []struct {
		sc, short string
		want      mapping
	}{
		{"failure", "ZO", mapping{carriers.StatusException, carriers.ReasonCustoms}},
		{"transit", "ZO", mapping{carriers.StatusInTransit, carriers.ReasonNone}},
		{"failure", "NB", mapping{carriers.StatusException, carriers.ReasonOther}},
		{"failure", "ZN", mapping{carriers.StatusAttemptFail, carriers.ReasonNone}},
		{"failure", "AN", mapping{carriers.StatusException, carriers.ReasonPickupMissed}},
		{"failure", "", mapping{carriers.StatusException, carriers.ReasonOther}},
	} {
		got, _ := classify(&event{StatusCode: text(tc.sc), Status: text(tc.short)}, false)
		if got != tc.want {
			t.Errorf("classify(%s, %s) = %v, want %v", tc.sc, tc.short, got, tc.want)
		}
	}
}
