package adaptertest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
)

// update is the -update flag of every test binary that imports the package.
var update = flag.Bool("update", false, "rewrite testdata/golden files from the current parser (inspect the diff)")

// ReadFile returns the contents of testdata/name, failing tb if it cannot.
func ReadFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// goldenOpts compare trackings field by field, times by their RFC 3339 text
// (so that an offset change shows in the diff, where cmp's default would
// compare instants), and ignore Raw, which is the input itself.
var goldenOpts = cmp.Options{
	cmpopts.IgnoreFields(carriers.Tracking{}, "Raw"),
	cmp.Transformer("RFC3339", func(t time.Time) string { return t.Format(time.RFC3339Nano) }),
}

// cmpDiff compares trackings as Golden does.
func cmpDiff(want, got []carriers.Tracking) string { return cmp.Diff(want, got, goldenOpts) }

// Golden compares got with testdata/golden/name, a JSON array of the
// trackings without Raw. With -update it writes got there first.
func Golden(t *testing.T, name string, got []carriers.Tracking) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		stripped := make([]carriers.Tracking, len(got))
		copy(stripped, got)
		for i := range stripped {
			stripped[i].Raw = nil
		}
		b, err := json.MarshalIndent(stripped, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	var want []carriers.Tracking
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if diff := cmpDiff(want, got); diff != "" {
		t.Errorf("normalized trackings differ from %s (-golden +got):\n%s", path, diff)
	}
}

// CheckTrackings reports every tracking of got that breaks the
// carriers.Tracking contract for carrier code (carrierstest.CheckTracking)
// or whose Raw is not JSON. (Raw need not mention TrackingNumber: UPS's published
// example has the placeholder "string" as the package's number, and the
// adapter takes the shipment's inquiry number instead.)
func CheckTrackings(t *testing.T, code string, got []carriers.Tracking) {
	t.Helper()
	for i := range got {
		tr := &got[i]
		if err := carrierstest.CheckTracking(code, tr); err != nil {
			t.Errorf("tracking %d breaks the contract: %v", i, err)
		}
		if len(tr.Raw) == 0 || !json.Valid(tr.Raw) {
			t.Errorf("tracking %d (%s): Raw is not the package's JSON", i, tr.TrackingNumber)
		}
	}
}

// Fixtures describes a parser of carrier bodies for golden-file tests.
type Fixtures struct {
	// Code is the carrier's Code.
	Code string
	// Parse is the parser under test (ParseTrackResponse, ParseWebhook).
	Parse func(body []byte) ([]carriers.Tracking, error)
	// RawHasNumber also requires each tracking's Raw to mention its
	// number: true where the carrier's object always carries it.
	RawHasNumber bool
}

// TestGolden parses each testdata file names, in a subtest of that name,
// checks the trackings with CheckTrackings (and RawHasNumber) and compares
// them with testdata/golden/name (see Golden).
func (fx Fixtures) TestGolden(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			got, err := fx.Parse(ReadFile(t, name))
			if err != nil {
				t.Fatal(err)
			}
			CheckTrackings(t, fx.Code, got)
			for i := range got {
				if fx.RawHasNumber && !bytes.Contains(got[i].Raw, []byte(got[i].TrackingNumber)) {
					t.Errorf("tracking %d (%s): Raw is not the package's JSON", i, got[i].TrackingNumber)
				}
			}
			Golden(t, name, got)
		})
	}
}

// Bench runs op on body b.N times, reporting allocations and throughput:
// the loop of every parser benchmark.
func Bench(b *testing.B, body []byte, op func(body []byte) error) {
	b.Helper()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := op(body); err != nil {
			b.Fatal(err)
		}
	}
}
