package scoring_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/postpurchase/postpurchase/scoring"
	"github.com/shopspring/decimal"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// A customer with two item-not-received claims right after a first order,
// and a payment processor that flags the order.
func Example() {
	s, err := scoring.New(scoring.DefaultConfig(), scoring.Options{})
	if err != nil {
		log.Fatal(err)
	}
	placed := now.AddDate(0, 0, -20)
	h := &scoring.History{
		Orders: []scoring.Order{{ID: "1001", PlacedAt: placed, Total: decimal.RequireFromString("640.00"), Currency: "USD"}},
		Claims: []scoring.Claim{
			{OrderID: "1001", CreatedAt: placed.AddDate(0, 0, 5), Kind: scoring.ClaimNotReceived},
			{OrderID: "1001", CreatedAt: placed.AddDate(0, 0, 12), Kind: scoring.ClaimNotReceived},
		},
		Risk: &scoring.RiskInputs{ProcessorRiskScore: new(71.0)},
	}
	sc, err := s.Score(now, h)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("tier %s, value %.0f, risk %.0f\n", sc.Tier, sc.Value, sc.Risk)
	for _, r := range sc.Reasons {
		fmt.Printf("%+.1f %s: %s\n", r.Contribution, r.Effect, r)
	}
	// Output:
	// tier risky, value 54, risk 75
	// +24.8 risk: payment risk score 71/100
	// +17.2 risk: 2 claims per order
	// +12.0 risk: 2 item-not-received claims in 60 days
	// +9.8 risk: 2 item-not-received claims in 12 months
	// +5.7 risk: 2 claims in 60 days
}

// A host adds its own signal and weight without forking: months on a
// subscription, read from its own profile tags.
func Example_customSignal() {
	months := scoring.Signal{
		Name: "subscription_months", Group: scoring.GroupValue, Unit: scoring.UnitCount,
		Direction: scoring.MoreValue, Scale: 6, Definition: "Months on the coffee subscription.",
		Compute: func(now time.Time, h *scoring.History) (float64, bool) {
			if h.Profile == nil {
				return 0, false
			}
			return float64(len(h.Profile.Tags)), true // stand-in for the host's lookup
		},
		Describe: func(v float64) string { return fmt.Sprintf("%.0f months on the subscription", v) },
	}
	cfg, err := scoring.ParseConfig([]byte(`{"value_weights": {"subscription_months": 6}, "reasons": 2}`))
	if err != nil {
		log.Fatal(err)
	}
	s, err := scoring.New(cfg, scoring.Options{Signals: []scoring.Signal{months}})
	if err != nil {
		log.Fatal(err)
	}
	h := &scoring.History{
		Profile: &scoring.Profile{Tags: []string{"m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"}},
		Orders: []scoring.Order{
			{ID: "a", PlacedAt: now.AddDate(0, -9, 0), Total: decimal.RequireFromString("24.00"), Currency: "EUR"},
			{ID: "b", PlacedAt: now.AddDate(0, -1, 0), Total: decimal.RequireFromString("24.00"), Currency: "EUR"},
		},
	}
	sc, err := s.Score(now, h)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sc.Tier)
	for _, r := range sc.Reasons {
		fmt.Println(r)
	}
	// Output:
	// loyal
	// 9 months on the subscription
	// €48.00 spent in total
}

// Configuration errors name the JSON path.
func ExampleParseConfig() {
	_, err := scoring.ParseConfig([]byte(`{"tiers": {"default": "regular", "rules": [
		{"tier": "vip",   "when": {"value": {"at_least": 70}}},
		{"tier": "risky", "when": {"risk":  {"at_least": 60}}}]}}`))
	var ce *scoring.ConfigError
	if errors.As(err, &ce) {
		fmt.Println(ce.Path)
	}
	fmt.Println(err)
	// Output:
	// tiers.rules[1]
	// scoring: config: tiers.rules[1]: overlaps tiers.rules[0] (vip): a customer can match both; add a condition that separates them
}

func ExampleTier() {
	t := scoring.TierVIP
	b, _ := t.MarshalText()
	var back scoring.Tier
	err := back.UnmarshalText([]byte("gold"))
	fmt.Println(string(b), err)
	// Output:
	// vip scoring: unknown tier "gold" (want vip, loyal, regular, new or risky)
}
