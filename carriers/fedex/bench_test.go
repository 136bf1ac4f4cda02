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
	adaptertest.Bench(b, body, func(body []byte) error { var r trackResponse; return json.Unmarshal(body, &r) })
}

// BenchmarkParseTrackResponse is the full parse: decode and normalize.
func BenchmarkParseTrackResponse(b *testing.B) {
	body := adaptertest.ReadFile(b, benchFixture)
	got, err := ParseTrackResponse(body)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(got[0].Events)), "events/op")
	adaptertest.Bench(b, body, func(body []byte) error { _, err := ParseTrackResponse(body); return err })
}
