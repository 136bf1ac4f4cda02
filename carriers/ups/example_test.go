package ups_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/postpurchase/postpurchase/carriers/ups"
)

// Track a package against a local stand-in for UPS (token endpoint and
// Track API). In production, leave BaseURL empty.
func Example() {
	body, err := os.ReadFile("testdata/constructed_two_packages_zones.json")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /security/v1/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"token_type":"Bearer","access_token":"demo","expires_in":"14399"}`)
	})
	mux.HandleFunc("GET /api/track/v1/details/{number}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(body)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c, err := ups.New("id", "secret", ups.Options{BaseURL: srv.URL + "/api"})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := c.Track(context.Background(), "1Z12345E0205271688")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tr.TrackingNumber, tr.Status, tr.DeliveredAt.Format("2006-01-02 15:04 -07:00"))
	for _, e := range tr.Events {
		fmt.Printf("%s %-16s %-4s zoneUnknown=%v\n", e.Time.Format("01-02 15:04 -07:00"), e.Status, e.Code, e.ZoneUnknown)
	}
	// Output:
	// 1Z12345E0205271688 delivered 2024-03-26 14:30 -04:00
	// 03-26 14:30 -04:00 delivered        11   zoneUnknown=false
	// 03-26 08:15 -04:00 out_for_delivery 021  zoneUnknown=false
	// 03-26 15:47 +08:00 exception        999  zoneUnknown=false
	// 03-24 10:12 +00:00 in_transit       AR   zoneUnknown=true
}

// ParseWebhook reads a Track Alert push.
func ExampleParseWebhook() {
	body := []byte(`{"trackingNumber":"1Z204W4R0308071865","localActivityDate":"20240423","localActivityTime":"091519",
	  "gmtOffset":"-04.00","activityStatus":{"type":"I","code":"OT","description":"Out for Delivery","descriptionCode":"021"},
	  "scheduledDeliveryDate":"20240423","deliveryEndTime":"190000"}`)
	trs, err := ups.ParseWebhook(body)
	if err != nil {
		log.Fatal(err)
	}
	tr := trs[0]
	fmt.Println(tr.TrackingNumber, tr.Status, tr.Events[0].Time.Format("2006-01-02T15:04:05-07:00"))
	fmt.Println("estimate by", tr.Estimate.End.Format("2006-01-02 15:04"), "zone unknown:", tr.Estimate.ZoneUnknown)
	// Output:
	// 1Z204W4R0308071865 out_for_delivery 2024-04-23T09:15:19-04:00
	// estimate by 2024-04-23 19:00 zone unknown: true
}
