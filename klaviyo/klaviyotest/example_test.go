package klaviyotest_test

import (
	"bytes"
	"fmt"
	"log"
	"net/http"

	"github.com/postpurchase/postpurchase/klaviyo/klaviyotest"
)

// The fake answers like Klaviyo: 202 with no body for an event, JSON:API
// errors otherwise, and faults on request.
func ExampleNewServer() {
	fake, err := klaviyotest.NewServer(klaviyotest.Options{
		APIKey: "pk_test",
		Faults: klaviyotest.FaultSequence(klaviyotest.FaultThrottle),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	body := []byte(`{"data":{"type":"event","attributes":{"properties":{},"unique_id":"u1",
		"metric":{"data":{"type":"metric","attributes":{"name":"Viewed Tracking Page"}}},
		"profile":{"data":{"type":"profile","attributes":{"email":"ada@example.com"}}}}}}`)
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, fake.URL+klaviyotest.PathEvents, bytes.NewReader(body))
		req.Header.Set("Authorization", "Klaviyo-API-Key pk_test")
		req.Header.Set("revision", "2026-07-15")
		req.Header.Set("Content-Type", "application/vnd.api+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	fmt.Println(len(fake.Events()), fake.Stats().EarlyRetries)
	// Output:
	// 429 1
	// 429 1
	// 0 1
}
