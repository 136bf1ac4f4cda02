package fedex

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
)

// goldenFixtures are the fixtures that hold packages.
var goldenFixtures = []string{
	"delivered_mixed_timezone_offsets.json",
	"spec_example_plus_not_found.json",
}

// TestGolden compares the normalized trackings of the fixtures with
// testdata/golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	adaptertest.Fixtures{Code: Code, Parse: ParseTrackResponse, RawHasNumber: true}.TestGolden(t, goldenFixtures...)
}

// TestTimeZones pins the time-zone rules on the real mixed-offset sample.
func TestTimeZones(t *testing.T) {
	got, err := ParseTrackResponse(adaptertest.ReadFile(t, "delivered_mixed_timezone_offsets.json"))
	if err != nil {
		t.Fatal(err)
	}
	tr := got[0]
	byCode := map[string]carriers.Event{}
	for _, e := range tr.Events {
		if _, ok := byCode[e.Code]; !ok {
			byCode[e.Code] = e
		}
	}
	// Offsets are kept as FedEx gave them, not converted.
	if _, off := byCode["DL"].Time.Zone(); off != -4*3600 || byCode["DL"].ZoneUnknown {
		t.Errorf("DL event: offset %d zoneUnknown %v, want -04:00 known", off, byCode["DL"].ZoneUnknown)
	}
	if _, off := byCode["OC"].Time.Zone(); off != -5*3600 {
		t.Errorf("OC event: offset %d, want -05:00", off)
	}
	// The PU scan has no offset: flagged, wall clock kept.
	pu := byCode["PU"]
	if !pu.ZoneUnknown {
		t.Error("PU event without offset is not flagged ZoneUnknown")
	}
	if pu.Time.Format("2006-01-02T15:04:05") != "2024-08-15T00:00:00" {
		t.Errorf("PU wall clock = %v", pu.Time)
	}
	if want := time.Date(2024, 8, 20, 16, 41, 57, 0, time.UTC); !tr.DeliveredAt.Equal(want) {
		t.Errorf("DeliveredAt = %v, want %v", tr.DeliveredAt, want)
	}
	if tr.Estimate == nil || !tr.Estimate.DateOnly || tr.Estimate.Start.Day() != 21 || tr.Estimate.Source != carriers.EstimateScheduled {
		t.Errorf("Estimate = %+v, want the standard transit date 2024-08-21, date only, scheduled", tr.Estimate)
	}
}

func TestErrorFixtures(t *testing.T) {
	cases := []struct {
		file, code string
		want       error
	}{
		{"error_400_tracking_number_empty.json", "TRACKING.TRACKINGNUMBER.EMPTY", carriers.ErrInvalidNumber},
		{"error_401_not_authorized.json", "NOT.AUTHORIZED.ERROR", carriers.ErrUnauthorized},
		{"error_503_service_unavailable.json", "SERVICE.UNAVAILABLE.ERROR", carriers.ErrUnavailable},
		{"error_validation_errcd_wspod.json", "VALIDATION.ERRCD.WSPOD", carriers.ErrUnavailable},
		{"not_found_tracking_number.json", "TRACKING.TRACKINGNUMBER.NOTFOUND", carriers.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ParseTrackResponse(adaptertest.ReadFile(t, tc.file))
			if got != nil {
				t.Errorf("got trackings %v along with an error", got)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Code != tc.code || ce.Message == "" || ce.Carrier != Code || ce.RequestID == "" {
				t.Errorf("error %#v: want Code %q, a message, carrier fedex and the transactionId", err, tc.code)
			}
		})
	}
}

func TestParseTrackResultsKeepsPerNumberErrors(t *testing.T) {
	res, err := ParseTrackResults(adaptertest.ReadFile(t, "spec_example_plus_not_found.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("got %d results, want 2", len(res))
	}
	if res[0].Tracking == nil || res[0].Err != nil || res[0].TrackingNumber != "123456789012" {
		t.Errorf("result 0 = %+v, want the example package under the requested number", res[0])
	}
	if res[1].Tracking != nil || !errors.Is(res[1].Err, carriers.ErrNotFound) || res[1].TrackingNumber != "39936862321" {
		t.Errorf("result 1 = %+v, want not found for 39936862321", res[1])
	}
	if id := UniqueID(res[0].Tracking); id != "245822~123456789012~FDEG" {
		t.Errorf("UniqueID = %q", id)
	}
}

// event builds a minimal one-package response with one scan event and a
// latestStatusDetail of the same codes.
func event(eventType, derived, exception, delay string) []byte {
	ev := map[string]any{
		"date": "2024-08-20T12:41:57-04:00", "eventType": eventType, "derivedStatusCode": derived,
		"exceptionCode": exception, "eventDescription": "x",
	}
	ls := map[string]any{"code": eventType, "derivedCode": derived}
	if delay != "" {
		ev["delayDetail"] = map[string]any{"type": delay, "status": "DELAYED"}
		ls["delayDetail"] = ev["delayDetail"]
	}
	if exception != "" {
		ls["ancillaryDetails"] = []any{map[string]any{"reason": exception}}
	}
	b, _ := json.Marshal(map[string]any{"output": map[string]any{"completeTrackResults": []any{
		map[string]any{"trackingNumber": "123456789012", "trackResults": []any{map[string]any{
			"trackingNumberInfo": map[string]any{"trackingNumber": "123456789012"},
			"latestStatusDetail": ls,
			"scanEvents":         []any{ev},
		}}},
	}}})
	return b
}

func TestMapping(t *testing.T) {
	cases := []struct {
		name                                 string
		eventType, derived, exception, delay string
		status                               carriers.Status
		reason                               carriers.Reason
	}{
		{"delivered", "DL", "DL", "", "", carriers.StatusDelivered, carriers.ReasonNone},
		{"return delivered to shipper is not a delivery", "RS", "DL", "", "", carriers.StatusReturnToSender, carriers.ReasonReturned},
		{"return under way", "RS", "IT", "", "", carriers.StatusReturnToSender, carriers.ReasonReturning},
		{"derived DL alone is not proof of delivery", "ZZ", "DL", "", "", carriers.StatusUnknown, carriers.ReasonNone},
		{"unknown event type falls back to derived", "ZZ", "IT", "", "", carriers.StatusInTransit, carriers.ReasonNone},
		{"label created", "OC", "IN", "", "", carriers.StatusInfoReceived, carriers.ReasonNone},
		{"out for delivery", "OD", "IT", "", "", carriers.StatusOutForDelivery, carriers.ReasonNone},
		{"hold at location", "HL", "", "", "", carriers.StatusAvailableForPickup, carriers.ReasonNone},
		{"failed attempt", "DE", "DE", "08", "", carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable},
		{"failed attempt 007", "DE", "DE", "007", "", carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable},
		{"delivery exception unknown code", "DE", "DE", "X99", "", carriers.StatusException, carriers.ReasonOther},
		{"customs", "SE", "SE", "A25", "", carriers.StatusException, carriers.ReasonCustoms},
		{"package delayed", "IT", "IT", "A52", "", carriers.StatusException, carriers.ReasonCarrierDelay},
		{"weather delay", "IT", "IT", "", "WEATHER", carriers.StatusException, carriers.ReasonWeather},
		{"clearance delay", "CD", "", "", "", carriers.StatusException, carriers.ReasonCustoms},
		// Before the pickup: the carrier does not have the parcel yet.
		{"pickup delay", "PD", "", "", "", carriers.StatusException, carriers.ReasonPickupMissed},
		{"cancelled", "CA", "CA", "", "", carriers.StatusException, carriers.ReasonCancelled},
		{"running late", "", "RL", "", "", carriers.StatusException, carriers.ReasonCarrierDelay},
		{"delay does not undo a delivery", "DL", "DL", "", "WEATHER", carriers.StatusDelivered, carriers.ReasonNone},
		{"return label emailed says nothing of the parcel", "RP", "", "", "", carriers.StatusUnknown, carriers.ReasonNone},
		{"lower case", "dl", "dl", "", "", carriers.StatusDelivered, carriers.ReasonNone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTrackResponse(event(tc.eventType, tc.derived, tc.exception, tc.delay))
			if err != nil {
				t.Fatal(err)
			}
			tr := got[0]
			if tr.Status != tc.status || tr.Reason != tc.reason {
				t.Errorf("tracking %s/%s, want %s/%s", tr.Status, tr.Reason, tc.status, tc.reason)
			}
			e := tr.Events[0]
			if e.Status != tc.status || e.Reason != tc.reason {
				t.Errorf("event %s/%s, want %s/%s", e.Status, e.Reason, tc.status, tc.reason)
			}
			wantCode := tc.eventType
			if wantCode == "" {
				wantCode = tc.derived
			}
			if e.Code != wantCode {
				t.Errorf("event code %q, want the raw %q", e.Code, wantCode)
			}
		})
	}
}

// TestEveryTableCodeMaps guards the tables against typos: every listed
// movement code except the return-label ones maps to a known status.
func TestEveryTableCodeMaps(t *testing.T) {
	for code, m := range eventTypes {
		switch code {
		case "RP", "LP", "RG", "RD":
			if m.status != carriers.StatusUnknown {
				t.Errorf("%s: return-label code maps to %s", code, m.status)
			}
			continue
		}
		if m.status == carriers.StatusUnknown || !m.status.Valid() || !m.reason.Valid() {
			t.Errorf("%s maps to %s/%s", code, m.status, m.reason)
		}
		if got := classify(code, "", "", nil); got != m && code != "RS" {
			t.Errorf("classify(%s) = %v, want the table's %v", code, got, m)
		}
	}
}

func TestWrongTypes(t *testing.T) {
	base := string(adaptertest.ReadFile(t, "not_found_tracking_number.json"))
	ok := []struct{ name, body string }{
		{"number as number", `{"output":{"completeTrackResults":[{"trackingNumber":794843185271,"trackResults":[{"trackingNumberInfo":{"trackingNumber":794843185271},"scanEvents":[{"date":"2024-08-20T12:41:57-04:00","eventType":"DL","derivedStatusCode":"DL","exceptionCode":8}]}]}]}}`},
		{"nulls", `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{"trackingNumberInfo":{"trackingNumber":"1"},"latestStatusDetail":null,"scanEvents":null,"dateAndTimes":null,"estimatedDeliveryTimeWindow":{"window":{}}}]}]}}`},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTrackResponse([]byte(tc.body))
			if err != nil || len(got) != 1 {
				t.Fatalf("got %v, %v; want one tracking", got, err)
			}
		})
	}
	bad := []struct{ name, body, field string }{
		{"scanEvents object", `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{"trackingNumberInfo":{"trackingNumber":"1"},"scanEvents":{}}]}]}}`,
			"output.completeTrackResults[0].trackResults[0].scanEvents"},
		{"eventType array", `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{"scanEvents":[{"date":"2024-08-20T12:41:57-04:00"},{"eventType":["DL"]}]}]}]}}`,
			"output.completeTrackResults[0].trackResults[0].scanEvents[1].eventType"},
		{"second result bad", `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{}]},{"trackingNumber":"2","trackResults":[{"trackingNumberInfo":[]}]}]}}`,
			"output.completeTrackResults[1].trackResults[0].trackingNumberInfo"},
		{"bad date", `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{"scanEvents":[{"date":"yesterday"}]}]}]}}`,
			"output.completeTrackResults[0].trackResults[0].scanEvents[0].date"},
		{"date as number", `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{"scanEvents":[{"date":20240820}]}]}]}}`,
			"output.completeTrackResults[0].trackResults[0].scanEvents[0].date"},
		{"missing date", `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{"scanEvents":[{"eventType":"DL"}]}]}]}}`,
			"output.completeTrackResults[0].trackResults[0].scanEvents[0].date"},
		{"bad estimate", `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{"estimatedDeliveryTimeWindow":{"window":{"begins":"soon"}}}]}]}}`,
			"output.completeTrackResults[0].trackResults[0].estimatedDeliveryTimeWindow.window.begins"},
		{"output string", `{"output":"x"}`, "output"},
		{"no output", `{}`, "output"},
		{"no results array", `{"output":{}}`, "output.completeTrackResults"},
		{"truncated", base[:len(base)/2], ""},
		{"top-level array", `[1,2]`, ""},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTrackResponse([]byte(tc.body))
			if err == nil {
				t.Fatalf("got %v and no error", got)
			}
			if !errors.Is(err, carriers.ErrMalformedResponse) {
				t.Fatalf("error %v does not match ErrMalformedResponse", err)
			}
			var de *carriers.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v has no *carriers.DecodeError", err)
			}
			if tc.field != "" && de.Path != tc.field {
				t.Errorf("DecodeError.Path = %q, want %q (%v)", de.Path, tc.field, err)
			}
		})
	}
}

func TestHugeBody(t *testing.T) {
	for name, body := range carrierstest.Garbage() {
		t.Run(name, func(t *testing.T) {
			got, err := ParseTrackResponse(body)
			if err == nil {
				t.Fatalf("got %v and no error", got)
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) || !errors.Is(err, carriers.ErrMalformedResponse) {
				t.Errorf("error %v: want a *carriers.Error matching ErrMalformedResponse", err)
			}
		})
	}
}

func TestEventsSortedNewestFirst(t *testing.T) {
	body := `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{"scanEvents":[` +
		`{"date":"2024-08-15T10:00:00-05:00","eventType":"OC"},` +
		`{"date":"2024-08-16T10:00:00-05:00","eventType":"PU"},` +
		`{"date":"2024-08-17T10:00:00-05:00","eventType":"DL"}]}]}]}}`
	got, err := ParseTrackResponse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, e := range got[0].Events {
		codes = append(codes, e.Code)
	}
	if strings.Join(codes, ",") != "DL,PU,OC" {
		t.Errorf("events %v, want newest first", codes)
	}
	if got[0].Status != carriers.StatusDelivered || got[0].DeliveredAt.IsZero() {
		t.Errorf("status %s delivered at %v: without latestStatusDetail the newest event decides", got[0].Status, got[0].DeliveredAt)
	}
}

func TestEstimateFallbacks(t *testing.T) {
	mk := func(extra string) string {
		return `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{` + extra + `}]}]}}`
	}
	cases := []struct {
		name, body string
		want       *carriers.Estimate
	}{
		{"window", mk(`"estimatedDeliveryTimeWindow":{"window":{"begins":"2024-08-21T08:00:00-04:00","ends":"2024-08-21T12:00:00-04:00"}}`),
			&carriers.Estimate{Start: time.Date(2024, 8, 21, 12, 0, 0, 0, time.UTC), End: time.Date(2024, 8, 21, 16, 0, 0, 0, time.UTC), Source: carriers.EstimateCarrier}},
		{"empty window falls back to ESTIMATED_DELIVERY", mk(`"estimatedDeliveryTimeWindow":{"window":{}},"dateAndTimes":[{"type":"ESTIMATED_DELIVERY","dateTime":"2024-08-22T00:00:00-06:00"}]`),
			&carriers.Estimate{Start: time.Date(2024, 8, 22, 6, 0, 0, 0, time.UTC), End: time.Date(2024, 8, 23, 5, 59, 59, 999999999, time.UTC), DateOnly: true, Source: carriers.EstimateCarrier}},
		{"bare date", mk(`"dateAndTimes":[{"type":"ESTIMATED_DELIVERY","dateTime":"2024-08-22"}]`),
			&carriers.Estimate{Start: time.Date(2024, 8, 22, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 8, 22, 23, 59, 59, 999999999, time.UTC), DateOnly: true, Source: carriers.EstimateCarrier}},
		{"local time without offset", mk(`"estimatedDeliveryTimeWindow":{"window":{"begins":"2024-08-21T08:00:00","ends":"2024-08-21T12:00:00"}}`),
			&carriers.Estimate{Start: time.Date(2024, 8, 21, 8, 0, 0, 0, time.UTC), End: time.Date(2024, 8, 21, 12, 0, 0, 0, time.UTC), ZoneUnknown: true, Source: carriers.EstimateCarrier}},
		{"none", mk(`"estimatedDeliveryTimeWindow":{"window":{}}`), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTrackResponse([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got[0].Estimate); diff != "" {
				t.Errorf("estimate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeliveredSignedFor(t *testing.T) {
	body := `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{` +
		`"latestStatusDetail":{"code":"DL","derivedCode":"DL"},` +
		`"dateAndTimes":[{"type":"ACTUAL_DELIVERY","dateTime":"2007-09-27T10:00:00"}],` +
		`"deliveryDetails":{"signedByName":"J SMITH","receivedByName":"X"},` +
		`"scanEvents":[{"date":"2007-09-27T10:00:00-05:00","eventType":"DL","derivedStatusCode":"DL"}]}]}]}}`
	got, err := ParseTrackResponse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	tr := got[0]
	if tr.SignedBy != "J SMITH" || tr.Reason != carriers.ReasonSignedFor {
		t.Errorf("SignedBy %q reason %s", tr.SignedBy, tr.Reason)
	}
	// ACTUAL_DELIVERY has no offset: the delivery scan's offset wins.
	if _, off := tr.DeliveredAt.Zone(); off != -5*3600 {
		t.Errorf("DeliveredAt %v, want the scan's -05:00", tr.DeliveredAt)
	}
}

// TestDeliveredZoneUnknown: when neither ACTUAL_DELIVERY nor the delivery
// scan has an offset, DeliveredAt is the wall clock in UTC, flagged.
func TestDeliveredZoneUnknown(t *testing.T) {
	for _, tc := range []struct {
		name, actual, scan string
		want               string
		unknown            bool
	}{
		{"neither has an offset", "2007-09-27T10:00:00", "2007-09-27T09:58:00", "2007-09-27T10:00:00Z", true},
		{"scan offset wins", "2007-09-27T10:00:00", "2007-09-27T09:58:00-05:00", "2007-09-27T09:58:00-05:00", false},
		{"actual offset", "2007-09-27T10:00:00-05:00", "2007-09-27T09:58:00", "2007-09-27T10:00:00-05:00", false},
		{"actual date only", "2007-09-27", "", "2007-09-27T00:00:00Z", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scans := ""
			if tc.scan != "" {
				scans = `,"scanEvents":[{"date":"` + tc.scan + `","eventType":"DL","derivedStatusCode":"DL"}]`
			}
			body := `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{` +
				`"latestStatusDetail":{"code":"DL","derivedCode":"DL"},` +
				`"dateAndTimes":[{"type":"ACTUAL_DELIVERY","dateTime":"` + tc.actual + `"}]` + scans + `}]}]}}`
			got, err := ParseTrackResponse([]byte(body))
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

func TestEmptyScanDropped(t *testing.T) {
	body := `{"output":{"completeTrackResults":[{"trackingNumber":"1","trackResults":[{"scanEvents":[` +
		`{"date":"2024-08-16T10:00:00-05:00","eventType":"","derivedStatusCode":"","derivedStatus":"In transit"},` +
		`{"date":"2024-08-15T10:00:00-05:00"}]}]}]}}`
	got, err := ParseTrackResponse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got[0].Events); n != 1 || got[0].Events[0].Description != "In transit" {
		t.Fatalf("events %+v: want the scan with derivedStatus text kept and the empty one dropped", got[0].Events)
	}
	if err := carrierstest.CheckTracking(Code, &got[0]); err != nil {
		t.Error(err)
	}
}

// TestNamedReasonSurvives checks that a cause one field names is not lost
// to a coarser verdict of another.
func TestNamedReasonSurvives(t *testing.T) {
	delayed := func(typ string) *delayDetail {
		return &delayDetail{Type: text(typ), Status: "DELAYED"}
	}
	for _, tc := range []struct {
		name                      string
		eventType, derived, xcode string
		delay                     *delayDetail
		want                      mapping
	}{
		{"clearance in progress, general delay", "CP", "", "", delayed("GENERAL"), mapping{carriers.StatusException, carriers.ReasonCustoms}},
		{"in transit, available for clearance, local delay", "IT", "", "A25", delayed("LOCAL"), mapping{carriers.StatusException, carriers.ReasonCustoms}},
		{"clearance in progress, weather delay", "CP", "", "", delayed("WEATHER"), mapping{carriers.StatusException, carriers.ReasonWeather}},
		{"clearance in progress, no delay", "CP", "", "", nil, mapping{carriers.StatusInTransit, carriers.ReasonNone}},
		{"cleared customs, general delay", "CC", "", "", delayed("GENERAL"), mapping{carriers.StatusException, carriers.ReasonOther}},
		{"shipment exception, available for clearance", "SE", "", "A25", nil, mapping{carriers.StatusException, carriers.ReasonCustoms}},
		{"delivery exception, redirected", "DE", "", "A47", nil, mapping{carriers.StatusException, carriers.ReasonOther}},
		{"delivery exception, customer not available", "DE", "", "08", nil, mapping{carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable}},
	} {
		if got := classify(tc.eventType, tc.derived, tc.xcode, tc.delay); got != tc.want {
			t.Errorf("%s: classify = %v, want %v", tc.name, got, tc.want)
		}
	}
}
