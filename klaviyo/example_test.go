package klaviyo_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/klaviyo"
	"github.com/postpurchase/postpurchase/klaviyo/klaviyotest"
)

// Send a "Package Delivered" event to a local fake of Klaviyo and show what
// it recorded.
func Example() {
	fake, err := klaviyotest.NewServer(klaviyotest.Options{APIKey: "pk_example"})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	client, err := klaviyo.New("pk_example", klaviyo.Options{BaseURL: fake.URL})
	if err != nil {
		log.Fatal(err)
	}

	at := time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)
	event, err := klaviyo.Catalog{}.ShipmentMilestone(klaviyo.MilestoneEvent{
		Profile:     klaviyo.Identifiers{Email: "ada@example.com"},
		Kind:        klaviyo.MilestoneDelivered,
		MilestoneID: "ms_shp_1_delivered",
		At:          at,
		Shipment: klaviyo.Shipment{
			OrderID: "1001", ShipmentID: "shp_1", Carrier: "UPS", TrackingNumber: "1Z999AA10123456784",
			TrackingURL: "https://shop.example.com/track/shp_1",
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.CreateEvent(context.Background(), event); err != nil {
		log.Fatal(err)
	}
	for _, e := range fake.Events() {
		fmt.Println(e.Metric, e.UniqueID, e.Properties["TrackingURL"])
	}
	// Output:
	// Postpurchase: Package Delivered milestone:ms_shp_1_delivered https://shop.example.com/track/shp_1
}

// A retry after a reset that hit an already-accepted request is recorded
// once: the event's unique_id de-duplicates it.
func Example_retries() {
	fake, err := klaviyotest.NewServer(klaviyotest.Options{
		Faults: klaviyotest.FaultSequence(klaviyotest.FaultServerError, klaviyotest.FaultResetAfterAccept),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	client, err := klaviyo.New("pk_example", klaviyo.Options{BaseURL: fake.URL, Retry: klaviyo.RetryPolicy{MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}})
	if err != nil {
		log.Fatal(err)
	}
	event, err := klaviyo.Catalog{Prefix: "Acme"}.CashbackIssued(klaviyo.CashbackEvent{
		Profile: klaviyo.Identifiers{CustomerID: "cust_42"}, EntryKey: "ledger_7",
		Amount: decimal.RequireFromString("5.00"), Balance: decimal.RequireFromString("12.50"), Currency: "USD",
		At: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.CreateEvent(context.Background(), event); err != nil {
		log.Fatal(err)
	}
	st := fake.Stats()
	fmt.Printf("requests %d, accepted %d, duplicates %d\n", st.Requests, st.Accepted, st.Duplicates)
	e := fake.Events()[0]
	fmt.Println(e.Metric, e.Value, e.ValueCurrency, e.UniqueID)
	// Output:
	// requests 3, accepted 1, duplicates 1
	// Acme: Cashback Issued 5 USD cashback:ledger_7:issued
}

// Keep post-purchase values on the profile; an empty field is left alone,
// Clear sends null.
func ExampleClient_UpsertProfile() {
	fake, err := klaviyotest.NewServer(klaviyotest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	client, err := klaviyo.New("pk_example", klaviyo.Options{BaseURL: fake.URL})
	if err != nil {
		log.Fatal(err)
	}
	balance := decimal.RequireFromString("12.50")
	delivered := 3
	props, err := klaviyo.Catalog{}.ProfileProperties(klaviyo.ProfileStats{
		CashbackBalance: &balance, CashbackCurrency: "USD", CustomerTier: klaviyo.TierLoyal, ShipmentsDelivered: &delivered,
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.UpsertProfile(context.Background(), klaviyo.Profile{Email: "ada@example.com", FirstName: "Ada", Properties: props})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", res.Created)
	res, err = client.UpsertProfile(context.Background(), klaviyo.Profile{Email: "ada@example.com", Clear: []string{"first_name"}})
	if err != nil {
		log.Fatal(err)
	}
	p, _ := fake.ProfileByEmail("ada@example.com")
	fmt.Println("created:", res.Created, "first name:", p.Attributes["first_name"], "tier:", p.Properties["Postpurchase Customer Tier"])
	// Output:
	// created: true
	// created: false first name: <nil> tier: loyal
}

// Invalid events are rejected before sending, with the field named.
func ExampleValidationError() {
	client, err := klaviyo.New("pk_example", klaviyo.Options{})
	if err != nil {
		log.Fatal(err)
	}
	err = client.CreateEvent(context.Background(), klaviyo.Event{
		Metric:  "Postpurchase: Package Delivered",
		Profile: klaviyo.Identifiers{PhoneNumber: "555-0100"},
	})
	var ve *klaviyo.ValidationError
	fmt.Println(errors.As(err, &ve), errors.Is(err, klaviyo.ErrInvalid), ve.Path)
	fmt.Println(err)
	// Output:
	// true true profile.phone_number
	// klaviyo: invalid profile.phone_number: not in E.164 format (+ and 8 to 15 digits)
}

// Klaviyo's errors arrive as *APIError, classified by sentinels.
func ExampleAPIError() {
	fake, err := klaviyotest.NewServer(klaviyotest.Options{APIKey: "pk_right"})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	client, err := klaviyo.New("pk_wrong", klaviyo.Options{BaseURL: fake.URL})
	if err != nil {
		log.Fatal(err)
	}
	err = client.CreateEvent(context.Background(), klaviyo.Event{Metric: "M", Profile: klaviyo.Identifiers{Email: "a@example.com"}})
	var ae *klaviyo.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.StatusCode, ae.Code(), errors.Is(err, klaviyo.ErrUnauthorized), ae.Attempts)
	}
	// Output:
	// 401 not_authenticated true 1
}

// The catalog names metrics under a prefix and gives each event a
// unique_id derived from the domain, never random.
func ExampleCatalog() {
	cat := klaviyo.Catalog{Prefix: "Acme"}
	e, err := cat.ShipmentDelayed(klaviyo.DelayEvent{
		Profile:  klaviyo.Identifiers{Email: "ada@example.com"},
		Shipment: klaviyo.Shipment{OrderID: "1001", ShipmentID: "shp_1", Carrier: "ups", EstimatedDelivery: klaviyo.Date{Year: 2026, Month: time.March, Day: 6}},
		Kind:     klaviyo.DelayLate, DelayID: "dly_9", DaysLate: 2,
		Accommodation: klaviyo.Accommodation{Kind: "cashback", Amount: decimal.NewFromInt(5), Currency: "USD"},
		At:            time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Metric)
	fmt.Println(e.UniqueID)
	fmt.Println(e.Properties["DelayKind"], e.Properties["DaysLate"], e.Properties["Accommodation"])
	fmt.Println(e.Properties["StatusText"], "·", e.Properties["CarrierName"], "·", e.Properties["EstimatedDelivery"], "·", e.Properties["EstimatedDeliveryText"])
	// Output:
	// Acme: Package Delayed
	// delay:dly_9
	// late 2 cashback
	// Delayed · UPS · 2026-03-06 · Friday, March 6
}
