package adaptertest

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
)

// SeedFuzz adds to f every testdata/*.json file and the conformance suite's
// garbage bodies (carrierstest.Garbage) but those of 64 KB or more, which
// would slow every mutation.
func SeedFuzz(f *testing.F) {
	f.Helper()
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
	// The 10 MB body and the 20 KB deeply nested one stay out: each
	// execution on them costs milliseconds, so minimizing a mutation of one
	// stalls the fuzzer for minutes. The conformance suite and the unit
	// tests still parse both.
	for name, b := range carrierstest.Garbage() {
		if len(b) < 1<<14 && name != "deep" {
			f.Add(b)
		}
	}
}

// CheckParsed is the property every parse of outside input must have, for
// fuzz targets: either a typed *carriers.Error of carrier code and no
// trackings, or trackings each with the carrier's code, a
// number, valid statuses and reasons, events with times set and newest
// first (among those whose zone is known), a sane estimate, a delivery
// time only on a delivered (or returned) package, every time accepted by
// carriers.CheckTime, and a tracking that marshals to JSON, and decodes
// back, also with its times in UTC (as the tracking package stores them).
func CheckParsed(t *testing.T, code string, got []carriers.Tracking, err error) {
	t.Helper()
	if err != nil {
		var ce *carriers.Error
		if !errors.As(err, &ce) || ce.Carrier != code {
			t.Fatalf("error %T %v is not a %s *carriers.Error", err, err, code)
		}
		if got != nil {
			t.Fatalf("%d trackings returned along with an error", len(got))
		}
		return
	}
	for i := range got {
		tr := &got[i]
		if tr.Carrier != code || tr.TrackingNumber == "" || !tr.Status.Valid() || !tr.Reason.Valid() {
			t.Fatalf("tracking %d breaks invariants: %+v", i, tr)
		}
		for j, e := range tr.Events {
			if e.Time.IsZero() || !e.Status.Valid() || !e.Reason.Valid() {
				t.Fatalf("tracking %d event %d breaks invariants: %+v", i, j, e)
			}
			if j > 0 && !e.ZoneUnknown && !tr.Events[j-1].ZoneUnknown && e.Time.After(tr.Events[j-1].Time) {
				t.Fatalf("tracking %d: events not newest first at %d", i, j)
			}
		}
		if est := tr.Estimate; est != nil && (est.End.Before(est.Start) || est.Source == "") {
			t.Fatalf("tracking %d: bad estimate %+v", i, est)
		}
		if !tr.DeliveredAt.IsZero() && tr.Status != carriers.StatusDelivered {
			t.Fatalf("tracking %d: DeliveredAt set with status %s", i, tr.Status)
		}
		if tr.DeliveredZoneUnknown && tr.DeliveredAt.IsZero() {
			t.Fatalf("tracking %d: DeliveredZoneUnknown without DeliveredAt", i)
		}
		checkMarshals(t, i, tr)
	}
}

// checkMarshals fails unless tr's times pass carriers.CheckTime and tr
// marshals to JSON and decodes back, as is and with every time in UTC.
func checkMarshals(t *testing.T, i int, tr *carriers.Tracking) {
	t.Helper()
	times := []time.Time{tr.DeliveredAt}
	for _, e := range tr.Events {
		times = append(times, e.Time)
	}
	if tr.Estimate != nil {
		times = append(times, tr.Estimate.Start, tr.Estimate.End)
	}
	for _, at := range times {
		if err := carriers.CheckTime(at); err != nil {
			t.Fatalf("tracking %d: time %s: %v", i, at.Format(time.RFC3339), err)
		}
	}
	utc := *tr
	utc.DeliveredAt = tr.DeliveredAt.UTC()
	utc.Events = make([]carriers.Event, len(tr.Events))
	for j, e := range tr.Events {
		e.Time = e.Time.UTC()
		utc.Events[j] = e
	}
	if tr.Estimate != nil {
		e := *tr.Estimate
		e.Start, e.End = e.Start.UTC(), e.End.UTC()
		utc.Estimate = &e
	}
	for _, v := range []*carriers.Tracking{tr, &utc} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("tracking %d does not marshal: %v", i, err)
		}
		var back carriers.Tracking
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("tracking %d does not decode back: %v", i, err)
		}
	}
}

// CheckParsedStrict is CheckParsed plus what the FedEx and DHL parsers also
// guarantee: no event that is StatusUnknown with neither a code nor a text
// (they drop such scans), and no estimate without a start.
func CheckParsedStrict(t *testing.T, code string, got []carriers.Tracking, err error) {
	t.Helper()
	CheckParsed(t, code, got, err)
	for i := range got {
		for j, e := range got[i].Events {
			if e.Status == carriers.StatusUnknown && e.Code == "" && e.Description == "" {
				t.Fatalf("tracking %d event %d: unknown status with nothing kept", i, j)
			}
		}
		if est := got[i].Estimate; est != nil && est.Start.IsZero() {
			t.Fatalf("tracking %d: estimate without a start %+v", i, est)
		}
	}
}
