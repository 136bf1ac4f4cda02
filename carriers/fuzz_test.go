package carriers_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postpurchase/postpurchase/carriers"
)

// FuzzDetect checks that Detect never panics and that its answer does not
// depend on spaces or letter case (within its 128-byte input bound). Seeds: every test number in
// testdata/tracking_numbers plus testdata/fuzz/FuzzDetect.
func FuzzDetect(f *testing.F) {
	for _, formats := range loadFixtures(f) {
		for _, ff := range formats {
			for _, n := range append(ff.TestNumbers.Valid, ff.TestNumbers.Invalid...) {
				f.Add(n)
			}
		}
	}
	f.Fuzz(func(t *testing.T, number string) {
		ms := carriers.Detect(number)
		for _, m := range ms {
			if m.Carrier == "" || m.Format == "" {
				t.Fatalf("Detect(%q) returned an empty match %+v", number, m)
			}
		}
		spaced := strings.ToLower(strings.Join(strings.Split(number, ""), " "))
		// Letters whose case mapping crosses into or out of ASCII, and
		// spacing that takes the input past Detect's 128-byte bound, are
		// allowed to change the answer.
		if strings.ContainsAny(number, "ıſK") || len(spaced) > 128 {
			return
		}
		again := carriers.Detect(spaced)
		if len(again) != len(ms) {
			t.Fatalf("Detect(%q) = %v but Detect(%q) = %v", number, ms, spaced, again)
		}
	})
}

// FuzzTrackingJSON decodes arbitrary bytes as a Tracking. Decoding may fail
// (with an error, never a panic); when it succeeds, encoding and decoding
// again must give the same JSON: nothing is lost or invented. Seeds are in
// testdata/fuzz/FuzzTrackingJSON and testdata/tracking_*.json.
func FuzzTrackingJSON(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "tracking_*.json"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tr carriers.Tracking
		if err := json.Unmarshal(data, &tr); err != nil {
			return
		}
		b1, err := json.Marshal(tr)
		if err != nil {
			t.Fatalf("Marshal after successful Unmarshal: %v", err)
		}
		var tr2 carriers.Tracking
		if err := json.Unmarshal(b1, &tr2); err != nil {
			t.Fatalf("re-Unmarshal of %s: %v", b1, err)
		}
		b2, err := json.Marshal(tr2)
		if err != nil {
			t.Fatal(err)
		}
		if string(b1) != string(b2) {
			t.Fatalf("not stable:\n%s\n%s", b1, b2)
		}
	})
}
