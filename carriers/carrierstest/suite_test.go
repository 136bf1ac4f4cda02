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
