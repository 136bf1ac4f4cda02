package usps_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/postpurchase/postpurchase/carriers/usps"
)

// Track a package against a local stand-in for USPS (token endpoint and
// Tracking API v3). In production, leave BaseURL empty.
func Example() {
	body, err := os.ReadFile("testdata/in_transit_with_expected_delivery.json")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/v3/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"demo","token_type":"Bearer","expires_in":28799}`)
	})
	mux.HandleFunc("GET /tracking/v3/tracking/{number}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(body)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c, err := usps.New("id", "secret", usps.Options{BaseURL: srv.URL + "/tracking/v3"})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := c.Track(context.Background(), "9202290317456200135409")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tr.Service, "-", tr.Status)
	fmt.Println("expected", tr.Estimate.Start.Format("2006-01-02"), "date only:", tr.Estimate.DateOnly, "zone unknown:", tr.Estimate.ZoneUnknown)
	for _, e := range tr.Events {
		fmt.Printf("%s %-13s %-3s zoneUnknown=%v\n", e.Time.Format("01-02 15:04 -07:00"), e.Status, e.Code, e.ZoneUnknown)
	}
	// Output:
	// USPS Ground Advantage™ - in_transit
	// expected 2024-11-29 date only: true zone unknown: true
	// 11-26 01:44 -06:00 in_transit    10  zoneUnknown=false
	// 11-25 18:31 -06:00 in_transit    SF  zoneUnknown=false
	// 11-25 18:26 -06:00 in_transit    03  zoneUnknown=false
	// 11-23 00:00 +00:00 info_received MA  zoneUnknown=true
}
