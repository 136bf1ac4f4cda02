package hub_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/hub"
)

// The hub mounted under /orders/ on the host's mux, over the Engine: the
// link in the customer's email opens the order's page.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	sim, err := simulator.New(simulator.Options{Seed: 1, Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	number, _ := sim.Ship(simulator.Plan{LabelCreatedAt: now})
	eng, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{sim}, Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	err = eng.Register(ctx, now, postpurchase.Order{ID: "#1001", CustomerID: "c1", PlacedAt: now.Add(-time.Hour), Currency: "USD", Postcode: "43215",
		Shipments: []postpurchase.Shipment{{ID: "s1", Carrier: sim.Code(), TrackingNumber: number}}})
	if err != nil {
		log.Fatal(err)
	}

	key := make([]byte, 32) // keep the keys secret and stable across restarts
	rand.Read(key)
	h, err := hub.New(eng, hub.Options{Keys: [][]byte{key}, Brand: hub.Brand{Name: "Kettle & Co"}, BaseURL: "https://kettle.example/orders/"})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/orders/", http.StripPrefix("/orders", h))

	link, _ := h.Link(now, "#1001")
	fmt.Println(strings.HasPrefix(link, "https://kettle.example/orders/track/"))

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", strings.TrimPrefix(link, "https://kettle.example"), nil))
	fmt.Println(w.Code, strings.Contains(w.Body.String(), "<h1 dir=\"auto\">Order #1001</h1>"))

	w = httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/orders/track/forged", nil))
	fmt.Println(w.Code)
	// Output:
	// true
	// 200 true
	// 404
}
