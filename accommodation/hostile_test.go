package accommodation

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

// hostileDocument is the document of the "one language" issue: an unknown
// key of 50,000 characters holding an array of 20,000 elements (about
// 90 KB). Storing every node's full JSON path made Parse allocate 1.15 GB
// for it.
func hostileDocument() []byte {
	var b strings.Builder
	b.WriteString(`{"`)
	b.WriteString(strings.Repeat("k", 50_000))
	b.WriteString(`": [`)
	for i := 0; i < 20_000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("0")
	}
	b.WriteString(`], "version": "1", "currency": "USD", "rules": []}`)
	return []byte(b.String())
}

// TestParseHostileAllocation bounds what Parse allocates for the hostile
// document: paths are built only when a problem is reported, so the cost
// is linear in the input. The bound (50 bytes allocated per input byte) is
// on bytes, not time; the old behaviour allocated over 12,000 per byte.
func TestParseHostileAllocation(t *testing.T) {
	doc := hostileDocument()
	var err error
	allocated := allocatedBy(func() { _, err = Parse(doc) })
	if !errors.Is(err, ErrUnknownField) {
		t.Fatalf("Parse = %v, want ErrUnknownField", err)
	}
	if len(err.Error()) > 1024 {
		t.Errorf("error text is %d bytes, want the key clipped: %.200s", len(err.Error()), err.Error())
	}
	if limit := uint64(50 * len(doc)); allocated > limit {
		t.Errorf("Parse allocated %d bytes for a %d-byte document (%.0f per byte); want at most %d",
			allocated, len(doc), float64(allocated)/float64(len(doc)), limit)
	}
}

// TestParseManyObjectsAllocation bounds what Parse allocates for a
// document of many small objects (a node per value, no map per object).
func TestParseManyObjectsAllocation(t *testing.T) {
	doc := []byte(`{"version": "1", "currency": "USD", "rules": [], "x": [` +
		strings.TrimSuffix(strings.Repeat(`{"a":0,"b":0},`, 60_000), ",") + `]}`)
	var err error
	allocated := allocatedBy(func() { _, err = Parse(doc) })
	if !errors.Is(err, ErrUnknownField) {
		t.Fatalf("Parse = %v, want ErrUnknownField", err)
	}
	if limit := uint64(50 * len(doc)); allocated > limit {
		t.Errorf("Parse allocated %d bytes for a %d-byte document (%.0f per byte); want at most %d",
			allocated, len(doc), float64(allocated)/float64(len(doc)), limit)
	}
	t.Logf("%d bytes allocated for %d bytes of input", allocated, len(doc))
}

// TestParseDeepPathsClipped checks that a problem deep under long keys
// names a clipped path.
func TestParseDeepPathsClipped(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	doc := `{"version": "1", "currency": "USD", "rules": [], "` + long + `": {"` + long + `": {"` + long + `": [1]}}, "version": "2"}`
	_, err := Parse([]byte(doc))
	var pe *PolicyError
	if !errors.As(err, &pe) || !errors.Is(err, ErrUnknownField) || !errors.Is(err, ErrDuplicate) {
		t.Fatalf("Parse = %v, want unknown field and duplicate key", err)
	}
	for _, p := range pe.Problems {
		if len(p.Path) > 100 || len(p.Reason) > 300 {
			t.Errorf("problem not clipped: path %d bytes, reason %d bytes: %.200s", len(p.Path), len(p.Reason), p.Error())
		}
	}
	want := `$["` + strings.Repeat("x", 64) + `…"]`
	found := false
	for _, p := range pe.Problems {
		found = found || errors.Is(p, ErrUnknownField) && p.Path == want
	}
	if !found {
		t.Errorf("no unknown-field problem at %q in %v", want, err)
	}
}

// allocatedBy returns the bytes the heap allocated while f ran (a count,
// not a time: stable enough for a bound with a wide margin).
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// BenchmarkParseHostile parses the hostile document; bytes/op is the
// figure to watch (linear in the input since paths are built lazily).
func BenchmarkParseHostile(b *testing.B) {
	doc := hostileDocument()
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Parse(doc); err == nil {
			b.Fatal("hostile document parsed")
		}
	}
}
