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
	if len(events) != 14 {
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
	// The order value is on Package Shipped only.
	for i, e := range events[:8] {
		if hasValue := e.ValueCurrency != ""; hasValue != (i == 0) {
			t.Errorf("%s: value %v %q", e.Metric, e.Value, e.ValueCurrency)
		}
		if e.UniqueID != "milestone:ms-"+e.Properties["Status"].(string) {
			t.Errorf("%s: unique_id %q", e.Metric, e.UniqueID)
		}
	}
	if !events[0].Value.Equal(decimal.RequireFromString("42")) || events[0].ValueCurrency != "USD" {
		t.Errorf("shipped value %v %s", events[0].Value, events[0].ValueCurrency)
	}
	delayed := events[8]
	if delayed.Metric != "Acme: Package Delayed" || delayed.UniqueID != "delay:dl-1" ||
		delayed.Properties["DaysLate"] != 2 || delayed.Properties["Accommodation"] != "cashback" ||
		delayed.Properties["DelayKind"] != "late" || delayed.Properties["StatusText"] != "Delayed" ||
		delayed.ValueCurrency != "" || !delayed.Value.IsZero() {
		t.Errorf("delayed = %+v", delayed)
	}
	issued := events[9]
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
			_, err := cat.ShipmentMilestone(klaviyo.MilestoneEvent{Profile: cust, Kind: klaviyo.MilestoneShipped, MilestoneID: "m", At: t0, Shipment: klaviyo.Shipment{OrderID: "o"}})
			return err
		}(), "Shipment.ShipmentID"},
		"unknown milestone": {func() error {
			_, err := cat.ShipmentMilestone(klaviyo.MilestoneEvent{Profile: cust, Kind: "teleported", MilestoneID: "m", At: t0})
			return err
		}(), "Kind"},
		"no milestone id": {func() error {
			_, err := cat.ShipmentMilestone(klaviyo.MilestoneEvent{Profile: cust, Kind: klaviyo.MilestoneShipped, At: t0})
			return err
		}(), "MilestoneID"},
		"no time": {func() error {
			_, err := cat.ShipmentMilestone(klaviyo.MilestoneEvent{Profile: cust, Kind: klaviyo.MilestoneShipped, MilestoneID: "m"})
			return err
		}(), "At"},
		"no delay kind": {func() error {
			_, err := cat.ShipmentDelayed(klaviyo.DelayEvent{Profile: cust, At: t0})
			return err
		}(), "Kind"},
		"no delay id": {func() error {
			_, err := cat.ShipmentDelayed(klaviyo.DelayEvent{Profile: cust, Kind: klaviyo.DelayLate, At: t0})
			return err
		}(), "DelayID"},
		"bad estimate": {func() error {
			_, err := cat.ShipmentMilestone(klaviyo.MilestoneEvent{Profile: cust, Kind: klaviyo.MilestoneShipped, MilestoneID: "m", At: t0,
				Shipment: klaviyo.Shipment{OrderID: "o", ShipmentID: "s", EstimatedDelivery: klaviyo.Date{Year: 2026, Month: 2, Day: 30}}})
			return err
		}(), "Shipment.EstimatedDelivery"},
		"cashback currency": {func() error {
			_, err := cat.CashbackIssued(klaviyo.CashbackEvent{Profile: cust, EntryKey: "e", At: t0})
			return err
		}(), "Currency"},
		"expiring without date": {func() error {
			_, err := cat.CashbackExpiring(klaviyo.CashbackEvent{Profile: cust, EntryKey: "e", Currency: "USD", At: t0})
			return err
		}(), "ExpiresAt"},
		"claim id": {func() error {
			_, err := cat.ClaimStarted(klaviyo.CaseEvent{Profile: cust, OrderID: "o", At: t0})
			return err
		}(), "CaseID"},
		"bad prefix": {func() error {
			_, err := klaviyo.Catalog{Prefix: " x"}.ReturnStarted(klaviyo.CaseEvent{Profile: cust, CaseID: "c", OrderID: "o", At: t0})
			return err
		}(), "Catalog.Prefix"},
		"profile stats currency": {func() error {
			d := decimal.NewFromInt(1)
			_, err := cat.ProfileProperties(klaviyo.ProfileStats{LifetimeCashback: &d})
			return err
		}(), "CashbackCurrency"},
	} {
		var ve *klaviyo.ValidationError
		if !errors.As(tc.err, &ve) || ve.Path != tc.field || !errors.Is(tc.err, klaviyo.ErrInvalid) {
			t.Errorf("%s: err %v, want field %s", name, tc.err, tc.field)
		}
	}
}

// Every kind outside the shared vocabulary is refused with ErrUnknownKind;
// every kind inside it is accepted.
func TestCatalogVocabulary(t *testing.T) {
	cat := klaviyo.Catalog{}
	cust := klaviyo.Identifiers{Email: "a@b.co"}
	s := klaviyo.Shipment{OrderID: "o", ShipmentID: "s"}
	for _, k := range []klaviyo.DelayKind{"stalled", "estimate_missed", "failed_attempt", "Late", ""} {
		_, err := cat.ShipmentDelayed(klaviyo.DelayEvent{Profile: cust, Shipment: s, Kind: k, DelayID: "d", At: t0})
		if err == nil || (k != "" && !errors.Is(err, klaviyo.ErrUnknownKind)) || !errors.Is(err, klaviyo.ErrInvalid) {
			t.Errorf("delay kind %q: %v", k, err)
		}
	}
	for _, k := range klaviyo.DelayKinds() {
		if _, err := cat.ShipmentDelayed(klaviyo.DelayEvent{Profile: cust, Shipment: s, Kind: k, DelayID: "d", At: t0}); err != nil {
			t.Errorf("delay kind %q: %v", k, err)
		}
	}
	for _, k := range []klaviyo.MilestoneKind{"ready_for_pickup", "failed_attempt", "label_created"} {
		_, err := cat.ShipmentMilestone(klaviyo.MilestoneEvent{Profile: cust, Shipment: s, Kind: k, MilestoneID: "m", At: t0})
		if !errors.Is(err, klaviyo.ErrUnknownKind) {
			t.Errorf("milestone %q: %v", k, err)
		}
	}
	seen := map[string]bool{}
	for _, k := range klaviyo.MilestoneKinds() {
		e, err := cat.ShipmentMilestone(klaviyo.MilestoneEvent{Profile: cust, Shipment: s, Kind: k, MilestoneID: "m-" + string(k), At: t0})
		if err != nil || seen[e.Metric] || e.Properties["StatusText"] == "" {
			t.Errorf("milestone %q: %v %+v", k, err, e)
		}
		seen[e.Metric] = true
	}
	for _, tier := range []klaviyo.Tier{"gold", "VIP"} {
		if _, err := cat.ProfileProperties(klaviyo.ProfileStats{CustomerTier: tier}); !errors.Is(err, klaviyo.ErrUnknownKind) {
			t.Errorf("tier %q: %v", tier, err)
		}
	}
	for _, tier := range klaviyo.Tiers() {
		if _, err := cat.ProfileProperties(klaviyo.ProfileStats{CustomerTier: tier}); err != nil {
			t.Errorf("tier %q: %v", tier, err)
		}
	}
	if _, err := cat.ProfileProperties(klaviyo.ProfileStats{LastShipmentStatus: "stalled"}); !errors.Is(err, klaviyo.ErrUnknownKind) {
		t.Errorf("last status: %v", err)
	}
}

func TestCashbackExpiringRemindersAreDistinct(t *testing.T) {
	var c klaviyo.Catalog
	in := klaviyo.CashbackEvent{
		Profile: klaviyo.Identifiers{CustomerID: "cust-1"}, EntryKey: "e-1",
		Amount: decimal.RequireFromString("5.00"), Balance: decimal.RequireFromString("5.00"), Currency: "USD",
		ExpiresAt: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
	}
	ids := map[string]bool{}
	for _, r := range []struct {
		reminder string
		at       time.Time
	}{
		{"30d", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)},
		{"30d", time.Date(2026, 12, 2, 0, 1, 0, 0, time.UTC)}, // a retry after midnight: same event
		{"7d", time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC)},
	} {
		in.Reminder, in.At = r.reminder, r.at
		e, err := c.CashbackExpiring(in)
		if err != nil {
			t.Fatal(err)
		}
		ids[e.UniqueID] = true
	}
	if len(ids) != 2 || !ids["cashback:e-1:expiring:30d"] {
		t.Errorf("unique_ids %v: want one per reminder (2)", ids)
	}
}
