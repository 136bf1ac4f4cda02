package dhl

import (
	"encoding/json"
	"testing"

	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
)

// The largest fixture: DHL's Express example (the only DHL fixture with
// details, a time frame and a proof of delivery).
const benchFixture = "spec_example_express.json"

// BenchmarkUnmarshalRaw is the baseline: json.Unmarshal of the same bytes
// into the adapter's raw structs, without normalizing.
func BenchmarkUnmarshalRaw(b *testing.B) {
	body := adaptertest.ReadFile(b, benchFixture)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var r response
		if err := json.Unmarshal(body, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTrackResponse is the full parse: decode and normalize.
func BenchmarkParseTrackResponse(b *testing.B) {
	body := adaptertest.ReadFile(b, benchFixture)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTrackResponse(body); err != nil {
			b.Fatal(err)
		}
	}
}
