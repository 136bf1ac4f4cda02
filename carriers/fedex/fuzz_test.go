package fedex

import (
	"testing"

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
