package fedex

import (
	"encoding/json"
	"testing"

	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
)

// The largest fixture: a real delivered FedEx Ground response, 17 scans.
const benchFixture = "delivered_mixed_timezone_offsets.json"

// BenchmarkUnmarshalRaw is the baseline: json.Unmarshal of the same bytes
// into the adapter's raw structs, without normalizing.
func BenchmarkUnmarshalRaw(b *testing.B) {
	body := adaptertest.ReadFile(b, benchFixture)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var r trackResponse
		if err := json.Unmarshal(body, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTrackResponse is the full parse: decode and normalize.
func BenchmarkParseTrackResponse(b *testing.B) {
	body := adaptertest.ReadFile(b, benchFixture)
	got, err := ParseTrackResponse(body)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(got[0].Events)), "events/op")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTrackResponse(body); err != nil {
			b.Fatal(err)
		}
	}
}
