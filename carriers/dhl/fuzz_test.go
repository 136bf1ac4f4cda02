package dhl

import (
	"errors"
	"testing"

	"github.com/postpurchase/postpurchase/carriers"

	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
)

func FuzzParseTrackResponse(f *testing.F) {
	adaptertest.SeedFuzz(f)
	f.Add([]byte(`{"shipments":[{"id":7777777770,"returnFlag":"true","status":{"timestamp":"2024-05-02","statusCode":"delivered","status":"ZU"},"events":[{"timestamp":"2024-05-02T10:00:00","statusCode":"delivered"},{"timestamp":"2024-05-03T10:00:00+02:00","status":"PO"}],"estimatedDeliveryTimeFrame":{"estimatedFrom":"2024-05-04","estimatedThrough":"2024-05-03T00:00:00Z"},"details":{"proofOfDelivery":{"timestamp":"2024-05-02T10:00:00","signed":{"name":null}}}}]}`))
	f.Add([]byte(offset24))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseTrackResponse(body)
		adaptertest.CheckParsedStrict(t, Code, got, err)
		if err == nil && len(got) == 0 {
			t.Fatal("no trackings and no error")
		}
	})
}

// offset24 has a time with offset +24:00, which Go's parser accepts and its
// JSON encoder refuses.
const offset24 = `{"shipments":[{"id":"1234567890","events":[{"timestamp":"2024-05-02T10:00:00+24:00","statusCode":"transit"}]}]}`

// TestOffset24Refused checks that such a time is refused where it enters,
// with a typed error naming it.
func TestOffset24Refused(t *testing.T) {
	got, err := ParseTrackResponse([]byte(offset24))
	var de *carriers.DecodeError
	if got != nil || !errors.As(err, &de) || de.Path != "shipments[0].events[0].timestamp" || !errors.Is(err, carriers.ErrTimeOffset) || !errors.Is(err, carriers.ErrMalformedResponse) {
		t.Fatalf("ParseTrackResponse = %v, %v; want a DecodeError at shipments[0].events[0].timestamp", got, err)
	}
}
