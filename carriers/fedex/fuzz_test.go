package fedex

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
)

// seed adds every JSON fixture and the suite's garbage bodies (but the
// 10 MB one, which would slow every mutation) to f.
func seed(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for name, b := range carrierstest.Garbage() {
		if len(b) < 1<<16 {
			f.Add(b)
		}
		_ = name
	}
	// Wrong types FedEx is known for, and edge shapes.
	f.Add([]byte(`{"output":{"completeTrackResults":[{"trackingNumber":1,"trackResults":[{"scanEvents":[{"date":"2024-08-15T00:00:00","eventType":"RS","derivedStatusCode":"DL"}],"estimatedDeliveryTimeWindow":{"window":{"begins":"2024-08-21","ends":"2024-08-20T00:00:00-06:00"}}}]}]}}`))
	f.Add([]byte(`{"errors":[{"code":7,"message":null}]}`))
}

// checkResult is the property every parse must have: either trackings that
// honour the model's basic invariants, or a typed error; never a panic.
func checkResult(t *testing.T, got []carriers.Tracking, err error) {
	if err != nil {
		var ce *carriers.Error
		if !errors.As(err, &ce) || ce.Carrier != Code {
			t.Fatalf("error %T %v is not a fedex *carriers.Error", err, err)
		}
		if got != nil {
			t.Fatalf("trackings returned along with an error")
		}
		return
	}
	for i := range got {
		tr := &got[i]
		if tr.Carrier != Code || tr.Number == "" || !tr.Status.Valid() || !tr.Reason.Valid() {
			t.Fatalf("tracking %d breaks invariants: %+v", i, tr)
		}
		for j, e := range tr.Events {
			if e.Time.IsZero() || !e.Status.Valid() || !e.Reason.Valid() {
				t.Fatalf("tracking %d event %d breaks invariants: %+v", i, j, e)
			}
			if e.Status == carriers.StatusUnknown && e.Code == "" && e.Description == "" {
				t.Fatalf("tracking %d event %d: unknown status with nothing kept", i, j)
			}
			if j > 0 && !e.ZoneUnknown && e.Time.After(tr.Events[j-1].Time) && !tr.Events[j-1].ZoneUnknown {
				t.Fatalf("tracking %d: events not newest first at %d", i, j)
			}
		}
		if est := tr.Estimate; est != nil && (est.Start.IsZero() || est.End.Before(est.Start) || est.Source == "") {
			t.Fatalf("tracking %d: bad estimate %+v", i, est)
		}
		if !tr.DeliveredAt.IsZero() && tr.Status != carriers.StatusDelivered {
			t.Fatalf("tracking %d: DeliveredAt set with status %s", i, tr.Status)
		}
	}
}

func FuzzParseTrackResponse(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseTrackResponse(body)
		checkResult(t, got, err)
		res, err := ParseTrackResults(body)
		if err == nil {
			for _, r := range res {
				if (r.Tracking == nil) == (r.Err == nil) {
					t.Fatalf("result %+v: want exactly one of Tracking and Err", r)
				}
			}
		}
	})
}

func FuzzParseWebhook(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseWebhook(body)
		checkResult(t, got, err)
	})
}
