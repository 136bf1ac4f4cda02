package dhl

import (
	"testing"

	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
)

func FuzzParseTrackResponse(f *testing.F) {
	adaptertest.SeedFuzz(f)
	f.Add([]byte(`{"shipments":[{"id":7777777770,"returnFlag":"true","status":{"timestamp":"2024-05-02","statusCode":"delivered","status":"ZU"},"events":[{"timestamp":"2024-05-02T10:00:00","statusCode":"delivered"},{"timestamp":"2024-05-03T10:00:00+02:00","status":"PO"}],"estimatedDeliveryTimeFrame":{"estimatedFrom":"2024-05-04","estimatedThrough":"2024-05-03T00:00:00Z"},"details":{"proofOfDelivery":{"timestamp":"2024-05-02T10:00:00","signed":{"name":null}}}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseTrackResponse(body)
		adaptertest.CheckParsedStrict(t, Code, got, err)
		if err == nil && len(got) == 0 {
			t.Fatal("no trackings and no error")
		}
	})
}
