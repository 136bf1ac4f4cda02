package scoring_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
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
	// tier risky, value 56, risk 75
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
	// last order 31 days ago
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

// A host fits the value models on its own customers from the same
// Histories it scores, then scores with the fitted model attached.
func ExampleFitModel() {
	r := rand.New(rand.NewPCG(1, 2))
	var hs []*scoring.History
	for range 300 { // a small synthetic shop: each customer buys at her own pace, some stop
		h := &scoring.History{Orders: []scoring.Order{}}
		gap := 10 + r.IntN(120)
		for at := now.AddDate(0, 0, -1-r.IntN(365)); at.Before(now); at = at.AddDate(0, 0, 1+r.IntN(2*gap)) {
			h.Orders = append(h.Orders, scoring.Order{PlacedAt: at, Total: decimal.NewFromInt(int64(15 + r.IntN(60))), Currency: "USD"})
			if r.IntN(3) == 0 {
				break
			}
		}
		hs = append(hs, h)
	}
	hs = append(hs, &scoring.History{}) // a signed-up customer who never bought
	fit, err := scoring.FitModel(context.Background(), now, hs, scoring.FitOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("customers:", fit.Purchases.Customers, "without a purchase:", fit.NoPurchase, "currency:", fit.Model.Currency)
	s, err := scoring.New(scoring.DefaultConfig(), scoring.Options{Model: fit.Model})
	if err != nil {
		log.Fatal(err)
	}
	sc, err := s.Score(now, hs[0])
	if err != nil {
		log.Fatal(err)
	}
	p, _ := sc.Signals.Get("expected_purchases_12_months")
	fmt.Printf("customer 0: %d orders, %.1f expected in the next 12 months, tier %s\n", len(hs[0].Orders), p, sc.Tier)
	// Output:
	// customers: 300 without a purchase: [300] currency: USD
	// customer 0: 3 orders, 1.3 expected in the next 12 months, tier regular
}
