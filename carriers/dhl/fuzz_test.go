package dhl

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
)

func FuzzParseTrackResponse(f *testing.F) {
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
	for _, b := range carrierstest.Garbage() {
		if len(b) < 1<<16 { // the 10 MB body would slow every mutation
			f.Add(b)
		}
	}
	f.Add([]byte(`{"shipments":[{"id":7777777770,"returnFlag":"true","status":{"timestamp":"2024-05-02","statusCode":"delivered","status":"ZU"},"events":[{"timestamp":"2024-05-02T10:00:00","statusCode":"delivered"},{"timestamp":"2024-05-03T10:00:00+02:00","status":"PO"}],"estimatedDeliveryTimeFrame":{"estimatedFrom":"2024-05-04","estimatedThrough":"2024-05-03T00:00:00Z"},"details":{"proofOfDelivery":{"timestamp":"2024-05-02T10:00:00","signed":{"name":null}}}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseTrackResponse(body)
		if err != nil {
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Carrier != Code || got != nil {
				t.Fatalf("error %T %v is not a dhl *carriers.Error (or trackings came with it)", err, err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatal("no trackings and no error")
		}
		for i := range got {
			tr := &got[i]
			if tr.Carrier != Code || tr.Number == "" || !tr.Status.Valid() || !tr.Reason.Valid() {
				t.Fatalf("tracking %d breaks invariants: %+v", i, tr)
			}
			for j, e := range tr.Events {
				if e.Time.IsZero() || !e.Status.Valid() || (e.Status == carriers.StatusUnknown && e.Code == "" && e.Description == "") {
					t.Fatalf("tracking %d event %d breaks invariants: %+v", i, j, e)
				}
				if j > 0 && !e.ZoneUnknown && !tr.Events[j-1].ZoneUnknown && e.Time.After(tr.Events[j-1].Time) {
					t.Fatalf("tracking %d: events not newest first at %d", i, j)
				}
			}
			if est := tr.Estimate; est != nil && (est.Start.IsZero() || est.End.Before(est.Start) || est.Source == "") {
				t.Fatalf("tracking %d: bad estimate %+v", i, est)
			}
			if !tr.DeliveredAt.IsZero() && tr.Status != carriers.StatusDelivered {
				t.Fatalf("tracking %d: DeliveredAt with status %s", i, tr.Status)
			}
		}
	})
}
