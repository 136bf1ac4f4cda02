package dhl_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/dhl"
)

// fakeDHL answers like Shipment Tracking – Unified with recorded bodies, so
// the example runs offline.
func fakeDHL() *httptest.Server {
	found, err := os.ReadFile("testdata/parcel_de_pre_transit.json")
	if err != nil {
		log.Fatal(err)
	}
	notFound, err := os.ReadFile("testdata/not_found_404.json")
	if err != nil {
		log.Fatal(err)
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("DHL-API-Key") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("trackingNumber") == "00340434292135100186" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(found)
			return
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(notFound)
	}))
}

func Example() {
	srv := fakeDHL()
	defer srv.Close()

	c, err := dhl.New("your-dhl-api-key", dhl.Options{
		BaseURL: srv.URL, // leave empty for production, or dhl.SandboxBaseURL
		Service: "parcel-de",
	})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := c.Track(context.Background(), "00340434292135100186")
	if err != nil {
		log.Fatal(err)
	}
	e, _ := tr.Latest()
	fmt.Println(tr.TrackingNumber, tr.Service, tr.Status)
	fmt.Println(e.Code, e.Time.Format("2006-01-02 15:04"), "zone unknown:", e.ZoneUnknown)

	_, err = c.Track(context.Background(), "8264715546")
	var ce *carriers.Error
	fmt.Println(errors.Is(err, carriers.ErrNotFound), errors.As(err, &ce) && ce.StatusCode == 404)
	// Output:
	// 00340434292135100186 DHL PAKET (parcel) info_received
	// pre-transit 2022-06-27 19:30 zone unknown: true
	// true true
}

func ExampleParseTrackResponse() {
	// A parcel-de shipment returned to its sender: delivered, with
	// returnFlag set.
	body := []byte(`{"shipments":[{"id":"00340434292135100186","service":"parcel-de","returnFlag":true,
		"status":{"timestamp":"2024-05-06T11:20:00+02:00","statusCode":"delivered","status":"ZU","description":"The shipment has been returned to the sender"},
		"events":[{"timestamp":"2024-05-06T11:20:00+02:00","statusCode":"delivered","status":"ZU","description":"The shipment has been returned to the sender"}]}]}`)
	trs, err := dhl.ParseTrackResponse(body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(trs[0].Status, trs[0].Reason)
	// Output:
	// return_to_sender returned
}
