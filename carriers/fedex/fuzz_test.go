package fedex

import (
	"errors"
	"testing"

	"github.com/postpurchase/postpurchase/carriers"

	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
)

// seed adds the fixtures and garbage bodies, and the wrong types FedEx is
// known for and edge shapes.
func seed(f *testing.F) {
	adaptertest.SeedFuzz(f)
	f.Add([]byte(`{"output":{"completeTrackResults":[{"trackingNumber":1,"trackResults":[{"scanEvents":[{"date":"2024-08-15T00:00:00","eventType":"RS","derivedStatusCode":"DL"}],"estimatedDeliveryTimeWindow":{"window":{"begins":"2024-08-21","ends":"2024-08-20T00:00:00-06:00"}}}]}]}}`))
	f.Add([]byte(`{"errors":[{"code":7,"message":null}]}`))
}

func FuzzParseTrackResponse(f *testing.F) {
	seed(f)
	f.Add([]byte(offset24))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseTrackResponse(body)
		adaptertest.CheckParsedStrict(t, Code, got, err)
		res, err := ParseTrackResults(body)
		if err == nil {
			for _, r := range res {
				if (r.Tracking == nil) == (r.Err == nil) {
					t.Fatalf("result %+v: want exactly one of Tracking and Err", r)
				}
			}
		}
	})
}

func FuzzParseWebhook(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseWebhook(body)
		adaptertest.CheckParsedStrict(t, Code, got, err)
	})
}

// offset24 has a time with offset +24:00, which Go's parser accepts and its
// JSON encoder refuses.
const offset24 = `{"output":{"completeTrackResults":[{"trackingNumber":"123456789012","trackResults":[{"trackingNumberInfo":{"trackingNumber":"123456789012"},"scanEvents":[{"date":"2024-08-20T12:41:57+24:00","eventType":"IT","derivedStatusCode":"IT"}]}]}]}}`

// TestOffset24Refused checks that such a time is refused where it enters,
// with a typed error naming it.
func TestOffset24Refused(t *testing.T) {
	got, err := ParseTrackResponse([]byte(offset24))
	var de *carriers.DecodeError
	if got != nil || !errors.As(err, &de) || de.Path != "output.completeTrackResults[0].trackResults[0].scanEvents[0].date" || !errors.Is(err, carriers.ErrTimeOffset) || !errors.Is(err, carriers.ErrMalformedResponse) {
		t.Fatalf("ParseTrackResponse = %v, %v; want a DecodeError at output.completeTrackResults[0].trackResults[0].scanEvents[0].date", got, err)
	}
}
