package adaptertest

import (
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
// or whose Raw is not JSON. (Raw need not mention Number: UPS's published
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
			t.Errorf("tracking %d (%s): Raw is not the package's JSON", i, tr.Number)
		}
	}
}
