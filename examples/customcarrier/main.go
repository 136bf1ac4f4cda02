// Command customcarrier plugs a carrier adapter written from scratch into
// the Engine. Acme (acme.go) is a regional carrier with its own JSON API;
// its adapter implements carriers.Carrier in about a hundred lines and
// passes carrierstest (main_test.go). Here it tracks two orders against a
// stand-in of Acme's API on loopback, and the Engine does the rest:
// milestones, the delay, the make-good.
//
//	go run ./examples/customcarrier
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	start := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	now := start
	clock := func() time.Time { return now }
	api := &backend{now: clock, parcels: map[string][]scan{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	acme, err := NewAcme(srv.URL, srv.Client())
	if err != nil {
		return err
	}
	eng, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{acme}, Now: clock})
	if err != nil {
		return err
	}
	for i, weather := range []bool{false, true} {
		number := fmt.Sprintf("AC%08d", 1000+i)
		api.ship(number, start, weather)
		err := eng.Register(ctx, now, postpurchase.Order{
			ID: fmt.Sprintf("#A%d", i+1), CustomerID: fmt.Sprintf("c%d", i+1), PlacedAt: start.Add(-time.Hour), Currency: "USD",
			Total: decimal.RequireFromString("60.00"),
			Shipments: []postpurchase.Shipment{{ID: fmt.Sprintf("sa%d", i+1), Carrier: acme.Code(), TrackingNumber: number,
				LabelCreatedAt: start, PromisedBy: start.AddDate(0, 0, 4)}},
		})
		if err != nil {
			return err
		}
	}
	for end := start.AddDate(0, 0, 8); now.Before(end); now = now.Add(time.Hour) {
		if _, err := eng.Tick(ctx, now); err != nil {
			return err
		}
	}
	for _, id := range []string{"#A1", "#A2"} {
		js, err := eng.Journal(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "Order %s (Acme)\n", id)
		for _, j := range js {
			if j.Kind == postpurchase.JournalEvents {
				continue
			}
			fmt.Fprintf(w, "  %s  %-9s %s\n", j.At.Format("Mon Jan 2 15:04"), j.Kind, j.Text)
		}
	}
	return nil
}
