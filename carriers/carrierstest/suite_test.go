package carrierstest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
)

func TestCheckTracking(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	good := func() *carriers.Tracking {
		return &carriers.Tracking{
			Carrier: "x", TrackingNumber: "1", Status: carriers.StatusDelivered, DeliveredAt: t0.Add(time.Hour),
			Events: []carriers.Event{
				{Time: t0.Add(time.Hour), Status: carriers.StatusDelivered, Code: "DL"},
				{Time: t0, Status: carriers.StatusInTransit, Code: "IT"},
			},
		}
	}
	if err := carrierstest.CheckTracking("x", good()); err != nil {
		t.Fatalf("conforming tracking rejected: %v", err)
	}
	cases := map[string]struct {
		mutate func(*carriers.Tracking)
		want   string
	}{
		"wrong carrier":   {func(tr *carriers.Tracking) { tr.Carrier = "y" }, "Tracking.Carrier"},
		"no number":       {func(tr *carriers.Tracking) { tr.TrackingNumber = "" }, "TrackingNumber is empty"},
		"oldest first":    {func(tr *carriers.Tracking) { tr.Events[0], tr.Events[1] = tr.Events[1], tr.Events[0] }, "newest first"},
		"zero time":       {func(tr *carriers.Tracking) { tr.Events[1].Time = time.Time{} }, "zero Time"},
		"contradiction":   {func(tr *carriers.Tracking) { tr.Status = carriers.StatusInTransit; tr.DeliveredAt = time.Time{} }, "contradicts"},
		"raw code lost":   {func(tr *carriers.Tracking) { tr.Events[1].Status = carriers.StatusUnknown; tr.Events[1].Code = "" }, "raw Code"},
		"no delivered at": {func(tr *carriers.Tracking) { tr.DeliveredAt = time.Time{} }, "DeliveredAt is zero"},
		"bad estimate": {func(tr *carriers.Tracking) {
			tr.Estimate = &carriers.Estimate{Start: t0, End: t0.Add(-time.Hour), Source: carriers.EstimateCarrier}
		}, "before Start"},
		"undefined status": {func(tr *carriers.Tracking) { tr.Status = 200 }, "not a defined Status"},
	}
	for name, tc := range cases {
		tr := good()
		tc.mutate(tr)
		err := carrierstest.CheckTracking("x", tr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CheckTracking = %v, want an error mentioning %q", name, err, tc.want)
		}
	}
}

func TestGarbageIsGarbage(t *testing.T) {
	g := carrierstest.Garbage()
	if len(g["10MB"]) < 10<<20 {
		t.Errorf("10MB body is %d bytes", len(g["10MB"]))
	}
	if len(g) < 10 {
		t.Errorf("only %d garbage bodies", len(g))
	}
}

func TestCheckRaw(t *testing.T) {
	tr := func(number, raw string) *carriers.Tracking {
		out := &carriers.Tracking{Carrier: "x", TrackingNumber: number}
		if raw != "" {
			out.Raw = []byte(raw)
		}
		return out
	}
	for name, tc := range map[string]struct {
		tr   *carriers.Tracking
		want string // "" for no error
	}{
		"nil raw":              {tr("1Z1", ""), ""},
		"number in a field":    {tr("1Z1", `{"package":{"trackingNumber":"1z 1"}}`), ""},
		"number as a number":   {tr("1234567890", `{"id":1234567890,"events":[]}`), ""},
		"number deep in array": {tr("JJD1", `{"a":[{"b":[{"c":"JJD1"}]}]}`), ""},
		"not json":             {tr("1Z1", `{"a":`), "not one valid JSON value"},
		"two values":           {tr("1Z1", `{"a":"1Z1"} {}`), "not one valid JSON value"},
		"an array":             {tr("1Z1", `["1Z1"]`), "want an object"},
		"another package":      {tr("1Z1", `{"trackingNumber":"1Z2"}`), "does not hold the tracking number"},
		"number only in a key": {tr("1Z1", `{"1Z1":true}`), "does not hold the tracking number"},
	} {
		err := carrierstest.CheckRaw(tc.tr)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CheckRaw = %v, want %q", name, err, tc.want)
		}
	}
}

func TestCheckTrackingTimesAndJSON(t *testing.T) {
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.FixedZone("", 24*3600))
	tr := &carriers.Tracking{Carrier: "x", TrackingNumber: "1", Status: carriers.StatusInTransit,
		Events: []carriers.Event{{Time: at, Status: carriers.StatusInTransit, Code: "IT"}}, Raw: []byte(`{`)}
	err := carrierstest.CheckTracking("x", tr)
	for _, want := range []string{"Events[0].Time", "UTC offset", "Raw is not valid JSON", "does not marshal"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckTracking = %v, want it to mention %q", err, want)
		}
	}
}
