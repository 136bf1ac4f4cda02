package fedex_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/postpurchase/postpurchase/carriers/fedex"
)

// fakeFedEx serves a FedEx token endpoint and a tracking endpoint that
// answers with a recorded real response, so the example runs offline.
func fakeFedEx() *httptest.Server {
	body, err := os.ReadFile("testdata/delivered_mixed_timezone_offsets.json")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"example-token","token_type":"bearer","expires_in":3599}`)
	})
	mux.HandleFunc("POST /track/v1/trackingnumbers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	return httptest.NewServer(mux)
}

func Example() {
	srv := fakeFedEx()
	defer srv.Close()

	c, err := fedex.New("your-api-key", "your-secret-key", fedex.Options{
		BaseURL: srv.URL, // leave empty for production, or fedex.SandboxBaseURL
	})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := c.Track(context.Background(), "738488882438")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tr.TrackingNumber, tr.Service, tr.Status)
	fmt.Println("delivered at", tr.DeliveredAt)
	latest, _ := tr.Latest()
	fmt.Println("latest:", latest.Code, latest.Description, "in", latest.Location)
	oldest := tr.Events[len(tr.Events)-1]
	fmt.Println("oldest:", oldest.Code, oldest.Time.Format("2006-01-02 15:04"), "zone unknown:", oldest.ZoneUnknown)
	fmt.Println("standard transit:", tr.Estimate.Start.Format("2006-01-02"), tr.Estimate.Source)
	// Output:
	// 738488882438 FedEx Ground delivered
	// delivered at 2024-08-20 12:41:57 -0400 -0400
	// latest: DL Delivered in Blue Point, NY 11715, US
	// oldest: PU 2024-08-15 00:00 zone unknown: true
	// standard transit: 2024-08-21 scheduled
}

func ExampleParseTrackResponse() {
	body := []byte(`{"output":{"completeTrackResults":[{"trackingNumber":"123456789012","trackResults":[{
		"trackingNumberInfo":{"trackingNumber":"123456789012"},
		"latestStatusDetail":{"code":"DE","derivedCode":"DE","ancillaryDetails":[{"reason":"08"}]},
		"scanEvents":[{"date":"2024-08-20T17:02:00-04:00","eventType":"DE","derivedStatusCode":"DE",
			"eventDescription":"Delivery exception","exceptionCode":"08",
			"exceptionDescription":"Customer not available or business closed"}]}]}]}}`)
	trs, err := fedex.ParseTrackResponse(body)
	if err != nil {
		log.Fatal(err)
	}
	e, _ := trs[0].Latest()
	fmt.Println(trs[0].Status, trs[0].Reason)
	fmt.Println(e.Code, e.Description)
	// Output:
	// attempt_fail recipient_unavailable
	// DE Delivery exception: Customer not available or business closed
}

func ExampleVerifyWebhookSignature() {
	body := []byte(`{"output":{"completeTrackResults":[]}}`)
	sig := fedex.SignWebhook(body, "security-token") // what FedEx sends in fdx-signature
	fmt.Println(fedex.VerifyWebhookSignature(body, sig, "security-token"))
	fmt.Println(fedex.VerifyWebhookSignature(body, sig, "another-token"))
	// Output:
	// <nil>
	// fedex: webhook signature does not match
}
