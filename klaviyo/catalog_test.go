package klaviyo_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/klaviyo"
)

// Metrics Klaviyo's Shopify integration creates (help.klaviyo.com article
// 115005080447, "Shopify data reference").
var shopifyMetrics = []string{
	"Placed Order", "Ordered Product", "Fulfilled Order", "Fulfilled Partial Order", "Cancelled Order",
	"Refunded Order", "Confirmed Shipment", "Marked Out for Delivery", "Delivered Shipment",
	"Started Checkout", "Checkout Started", "Viewed Product", "Added to Cart", "Active on Site",
}

func TestCatalogNamesDoNotCollide(t *testing.T) {
	events := catalogEvents(t)
	if len(events) != 13 {
		t.Fatalf("%d catalog events", len(events))
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, prefix := range []string{"", "Acme", "Shop"} {
		cat := klaviyo.Catalog{Prefix: prefix}
		for _, e := range events {
			base := strings.TrimPrefix(e.Metric, "Acme: ")
			full := cat.MetricName(base)
			for _, s := range shopifyMetrics {
				if strings.EqualFold(full, s) || strings.EqualFold(base, s) {
					t.Errorf("%q collides with Shopify's %q", full, s)
				}
			}
			if prefix == "Acme" {
				if names[full] {
					t.Errorf("metric %q used twice", full)
				}
				names[full] = true
				if !strings.Contains(string(doc), "//\t"+base) {
					t.Errorf("package doc table lacks %q", base)
				}
			}
		}
	}
}

func TestCatalogEvents(t *testing.T) {
	events := catalogEvents(t)
	ids := map[string]bool{}
	for _, e := range events {
		if e.UniqueID == "" || ids[e.UniqueID+e.Metric] {
			t.Errorf("%s: unique_id %q missing or repeated", e.Metric, e.UniqueID)
		}
		ids[e.UniqueID+e.Metric] = true
		if !e.Time.Equal(t0) {
			t.Errorf("%s: time %v", e.Metric, e.Time)
		}
	}
	delayed := events[7]
	if delayed.Metric != "Acme: Package Delayed" || delayed.UniqueID != "shipment:s1:delayed:estimate_missed:2026-03-04" ||
		delayed.Properties["DaysLate"] != 2 || delayed.Properties["Accommodation"] != "cashback" ||
		delayed.ValueCurrency != "USD" || !delayed.Value.Equal(decimal.NewFromInt(5)) {
		t.Errorf("delayed = %+v", delayed)
	}
	issued := events[8]
	if issued.ProfileProperties["Acme Cashback Balance"] == nil || issued.Properties["CashbackBalance"] == nil {
		t.Errorf("cashback issued = %+v", issued)
	}
	// Building twice gives the same event: unique IDs come from the domain.
	again := catalogEvents(t)
	for i := range events {
		if events[i].UniqueID != again[i].UniqueID {
			t.Errorf("unique_id not deterministic: %q vs %q", events[i].UniqueID, again[i].UniqueID)
		}
	}
}

func TestCatalogRejects(t *testing.T) {
	cat := klaviyo.Catalog{}
	cust := klaviyo.Identifiers{Email: "a@b.co"}
	for name, tc := range map[string]struct {
		err   error
		field string
	}{
		"no shipment id": {func() error {
			_, err := cat.ShipmentMilestone(klaviyo.MilestoneEvent{Customer: cust, Milestone: klaviyo.MilestoneShipped, At: t0, Shipment: klaviyo.Shipment{OrderID: "o"}})
			return err
		}(), "Shipment.ShipmentID"},
		"unknown milestone": {func() error {
			_, err := cat.ShipmentMilestone(klaviyo.MilestoneEvent{Customer: cust, Milestone: "teleported", At: t0})
			return err
		}(), "Milestone"},
		"no time": {func() error {
			_, err := cat.ShipmentMilestone(klaviyo.MilestoneEvent{Customer: cust, Milestone: klaviyo.MilestoneShipped})
			return err
		}(), "At"},
		"no delay kind": {func() error {
			_, err := cat.ShipmentDelayed(klaviyo.DelayEvent{Customer: cust, At: t0})
			return err
		}(), "Kind"},
		"cashback currency": {func() error {
			_, err := cat.CashbackIssued(klaviyo.CashbackEvent{Customer: cust, EntryID: "e", At: t0})
			return err
		}(), "Currency"},
		"expiring without date": {func() error {
			_, err := cat.CashbackExpiring(klaviyo.CashbackEvent{Customer: cust, EntryID: "e", Currency: "USD", At: t0})
			return err
		}(), "ExpiresAt"},
		"claim id": {func() error {
			_, err := cat.ClaimStarted(klaviyo.CaseEvent{Customer: cust, OrderID: "o", At: t0})
			return err
		}(), "CaseID"},
		"bad prefix": {func() error {
			_, err := klaviyo.Catalog{Prefix: " x"}.ReturnStarted(klaviyo.CaseEvent{Customer: cust, CaseID: "c", OrderID: "o", At: t0})
			return err
		}(), "Catalog.Prefix"},
		"profile stats currency": {func() error {
			d := decimal.NewFromInt(1)
			_, err := cat.ProfileProperties(klaviyo.ProfileStats{LifetimeCashback: &d})
			return err
		}(), "CashbackCurrency"},
	} {
		var ve *klaviyo.ValidationError
		if !errors.As(tc.err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: err %v, want field %s", name, tc.err, tc.field)
		}
	}
}

func TestCashbackExpiringRemindersAreDistinctPerDay(t *testing.T) {
	var c klaviyo.Catalog
	in := klaviyo.CashbackEvent{
		Customer: klaviyo.Identifiers{ExternalID: "cust-1"}, EntryID: "e-1",
		Amount: decimal.RequireFromString("5.00"), Balance: decimal.RequireFromString("5.00"), Currency: "USD",
		ExpiresAt: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
	}
	ids := map[string]bool{}
	for _, at := range []time.Time{
		time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),  // 30 days before
		time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC), // a retry the same day
		time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC), // 7 days before
	} {
		in.At = at
		e, err := c.CashbackExpiring(in)
		if err != nil {
			t.Fatal(err)
		}
		ids[e.UniqueID] = true
	}
	if len(ids) != 2 {
		t.Errorf("unique_ids %v: want one per reminder day (2)", ids)
	}
}
