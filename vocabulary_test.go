package postpurchase_test

import (
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/accommodation"
	"github.com/postpurchase/postpurchase/klaviyo"
	"github.com/postpurchase/postpurchase/scoring"
	"github.com/postpurchase/postpurchase/tracking"
)

func names[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	slices.Sort(out)
	return out
}

func stringers[T interface{ String() string }](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.String()
	}
	slices.Sort(out)
	return out
}

// TestVocabulary keeps the packages speaking one language: the delay
// kinds and milestones tracking can emit are exactly those the policy and
// the Klaviyo catalog know, and the tiers are scoring's everywhere.
func TestVocabulary(t *testing.T) {
	delays := stringers(tracking.DelayKinds())
	if got := names(accommodation.DelayKinds()); !slices.Equal(got, delays) {
		t.Errorf("accommodation delay kinds %v, tracking's %v", got, delays)
	}
	if got := names(klaviyo.DelayKinds()); !slices.Equal(got, delays) {
		t.Errorf("klaviyo delay kinds %v, tracking's %v", got, delays)
	}
	milestones := stringers(tracking.MilestoneKinds())
	if got := names(klaviyo.MilestoneKinds()); !slices.Equal(got, milestones) {
		t.Errorf("klaviyo milestones %v, tracking's %v", got, milestones)
	}
	tiers := names(scoring.Tiers())
	if got := names(accommodation.Tiers()); !slices.Equal(got, tiers) {
		t.Errorf("accommodation tiers %v, scoring's %v", got, tiers)
	}
	if got := names(klaviyo.Tiers()); !slices.Equal(got, tiers) {
		t.Errorf("klaviyo tiers %v, scoring's %v", got, tiers)
	}

	// Every kind tracking emits is accepted, not merely listed.
	policy := accommodation.Default()
	cat := klaviyo.Catalog{}
	prof := klaviyo.Identifiers{CustomerID: "c1"}
	ship := klaviyo.Shipment{OrderID: "#1", ShipmentID: "s1", Carrier: "ups"}
	at := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	for _, k := range tracking.DelayKinds() {
		for _, tier := range scoring.Tiers() {
			f := accommodation.Facts{Currency: policy.Currency(), Tier: accommodation.Tier(tier), DelayKind: accommodation.DelayKind(k.String()),
				DaysLate: 2, OrderTotal: decimal.RequireFromString("80.00"), OrderCount: 3, ValueScore: 70, RiskScore: 10}
			if _, err := policy.Evaluate(f); err != nil {
				t.Errorf("policy refuses tracking's delay kind %s for tier %s: %v", k, tier, err)
			}
		}
		if _, err := cat.ShipmentDelayed(klaviyo.DelayEvent{Profile: prof, Shipment: ship, Kind: klaviyo.DelayKind(k.String()), DelayID: "d-" + k.String(), At: at}); err != nil {
			t.Errorf("catalog refuses tracking's delay kind %s: %v", k, err)
		}
	}
	for _, k := range tracking.MilestoneKinds() {
		if _, err := cat.ShipmentMilestone(klaviyo.MilestoneEvent{Profile: prof, Shipment: ship, Kind: klaviyo.MilestoneKind(k.String()), MilestoneID: "m-" + k.String(), At: at}); err != nil {
			t.Errorf("catalog refuses tracking's milestone %s: %v", k, err)
		}
	}
	for _, tier := range scoring.Tiers() {
		if _, err := cat.ProfileProperties(klaviyo.ProfileStats{CustomerTier: klaviyo.Tier(tier)}); err != nil {
			t.Errorf("catalog refuses scoring's tier %s: %v", tier, err)
		}
	}
	// And an unknown name is refused everywhere.
	if _, err := cat.ShipmentDelayed(klaviyo.DelayEvent{Profile: prof, Shipment: ship, Kind: "failed_attempt", DelayID: "d", At: at}); err == nil {
		t.Error("catalog accepts the unknown delay kind failed_attempt")
	}
	if _, err := policy.Evaluate(accommodation.Facts{Currency: policy.Currency(), DelayKind: "failed_attempt"}); err == nil {
		t.Error("policy accepts the unknown delay kind failed_attempt")
	}
}
