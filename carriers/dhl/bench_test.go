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
	adaptertest.Bench(b, body, func(body []byte) error { var r response; return json.Unmarshal(body, &r) })
}

// BenchmarkParseTrackResponse is the full parse: decode and normalize.
func BenchmarkParseTrackResponse(b *testing.B) {
	body := adaptertest.ReadFile(b, benchFixture)
	adaptertest.Bench(b, body, func(body []byte) error { _, err := ParseTrackResponse(body); return err })
}
