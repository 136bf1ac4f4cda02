package accommodation_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/postpurchase/postpurchase/accommodation"
	"github.com/shopspring/decimal"
)

// The default policy treats a VIP with a late order very differently from
// a risky first order.
func ExamplePolicy_Evaluate() {
	p := accommodation.Default()

	vip := accommodation.Facts{
		Currency: "USD", Tier: accommodation.TierVIP, RiskScore: 8,
		DelayKind: accommodation.DelayLate, DaysLate: 3,
		OrderTotal: decimal.RequireFromString("180.00"), OrderCount: 11,
	}
	risky := accommodation.Facts{
		Currency: "USD", Tier: accommodation.TierNew, RiskScore: 72,
		DelayKind: accommodation.DelayLate, DaysLate: 3,
		OrderTotal: decimal.RequireFromString("180.00"), OrderCount: 1, FirstOrder: true,
	}
	for _, f := range []accommodation.Facts{vip, risky} {
		d, err := p.Evaluate(f)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s → rule %s\n", f.Tier, d.Rule)
		for _, a := range d.Actions() {
			if a.Kind == accommodation.ActionCashback {
				fmt.Printf("  %s %s %s (%s)\n", a.Kind, a.Amount().StringFixed(2), a.Currency(), a.MessageKey)
			} else {
				fmt.Printf("  %s (%s)\n", a.Kind, a.MessageKey)
			}
		}
	}
	// Output:
	// vip → rule vip-delayed
	//   cashback 27.00 USD (delay.vip.cashback)
	//   shipping_upgrade (delay.vip.upgrade)
	//   priority_support (delay.vip.priority_support)
	// new → rule risky-first-order-apology
	//   apology_only (delay.apology.standard)
}

// A decision explains itself: each rule tried and the first condition
// that failed, in words.
func ExampleDecision_Trace() {
	p, err := accommodation.Parse([]byte(`{
	  "version": "1", "currency": "USD",
	  "budgets": {"per_customer_90_days": "20.00"},
	  "rules": [
	    {"id": "vip", "when": [{"fact": "tier", "eq": "vip"}],
	     "then": [{"action": "priority_support", "message": "vip.support"}]},
	    {"id": "late", "when": [{"fact": "days_late", "gte": 2}, {"fact": "order_total", "gte": "50.00"}],
	     "then": [{"action": "cashback", "percent": "10", "cap": "15.00", "message": "late.credit"}]}
	  ]}`))
	if err != nil {
		log.Fatal(err)
	}
	d, err := p.Evaluate(accommodation.Facts{
		Currency: "USD", Tier: accommodation.TierRegular, DaysLate: 4,
		OrderTotal: decimal.RequireFromString("120.00"), CustomerCashback90Days: decimal.RequireFromString("15.00"),
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range d.Trace() {
		fmt.Printf("%s: %s: %s\n", s.Rule, s.Result, s.Reason)
	}
	fmt.Println("cashback:", d.Cashback().StringFixed(2), "reduced by:", d.ReducedBy)
	// Output:
	// vip: no_match: tier is regular, but the rule needs vip
	// late: matched: both conditions hold; cashback 12.00 USD reduced to 5.00 USD by the per_customer_90_days budget
	// cashback: 5.00 reduced by: per_customer_90_days
}

// Parse reports every problem with its JSON path.
func ExampleParse_errors() {
	_, err := accommodation.Parse([]byte(`{
	  "version": "1", "currency": "USD",
	  "rules": [
	    {"id": "all", "then": [{"action": "apology_only", "message": "sorry"}]},
	    {"id": "vip", "when": [{"fact": "tier", "gte": "vip"}, {"fact": "dayz_late", "eq": 1}],
	     "then": [{"action": "cashback", "percent": 120, "cap": "10.00", "message": "vip"}]}
	  ]}`))
	var pe *accommodation.PolicyError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			fmt.Println(p.Path)
		}
	}
	fmt.Println(errors.Is(err, accommodation.ErrUnknownFact), errors.Is(err, accommodation.ErrPercentRange))
	// Output:
	// $.rules[1].when[0].gte
	// $.rules[1].when[1].fact
	// $.rules[1].then[0].percent
	// true true
}

// Simulate shows what a policy would have cost on past situations, with
// budgets consumed in time order.
func ExampleSimulate() {
	p := accommodation.Default()
	day := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	late := func(tier accommodation.Tier, total string) accommodation.Facts {
		return accommodation.Facts{Currency: "USD", Tier: tier, DelayKind: accommodation.DelayLate, DaysLate: 3,
			OrderTotal: decimal.RequireFromString(total), OrderCount: 5, RiskScore: 10}
	}
	cases := []accommodation.Case{
		{At: day, CustomerID: "c1", OrderID: "o1", Facts: late(accommodation.TierVIP, "400.00")},
		{At: day.Add(24 * time.Hour), CustomerID: "c1", OrderID: "o2", Facts: late(accommodation.TierVIP, "400.00")},
		{At: day.Add(48 * time.Hour), CustomerID: "c1", OrderID: "o3", Facts: late(accommodation.TierVIP, "400.00")},
		{At: day.Add(time.Hour), CustomerID: "c2", OrderID: "o4", Facts: late(accommodation.TierLoyal, "60.00")},
		{At: day.Add(2 * time.Hour), CustomerID: "c3", OrderID: "o5", Facts: late(accommodation.TierRisky, "90.00")},
	}
	r, err := accommodation.Simulate(p, cases)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r)
	// Output:
	// cases 5, matched 5
	// cost 117.00 USD (cashback 81.00, withheld by budgets 15.00)
	// tier vip      cases 3, cost 102.00
	// tier loyal    cases 1, cost 15.00
	// tier risky    cases 1, cost 0.00
	// action cashback              cases 4, customers 2, cost 81.00
	// action shipping_upgrade      cases 4, customers 2, cost 36.00
	// action priority_support      cases 3, customers 1, cost 0.00
	// action apology_only          cases 1, customers 1, cost 0.00
	// budget per_order            reduced 0, skipped 0
	// budget per_customer_90_days reduced 1, skipped 0
	// budget per_day              reduced 0, skipped 0
	// rule vip-delayed: 3
	// rule loyal-late: 1
	// rule risky-tier-apology: 1
}

// What a host reads from a decision: for each action its kind, the rule
// that gave it, the message key for the notification, the shipment an
// upgrade applies to, and the amount. Facts come from a tracking delay (the
// kind is tracking's name, days late its calendar count).
func ExampleDecision_Actions() {
	d, err := accommodation.Default().Evaluate(accommodation.Facts{
		Currency: "USD", Tier: accommodation.TierVIP, RiskScore: 8,
		DelayKind: accommodation.DelayKind("late"), DaysLate: 2,
		OrderTotal: decimal.RequireFromString("120.00"), OrderCount: 6,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rule:", d.Rule)
	for _, a := range d.Actions() {
		fmt.Printf("%s rule=%s message=%s upgrade=%q amount=%s %s\n",
			a.Kind, a.Rule, a.MessageKey, a.Upgrade, a.Amount().StringFixed(2), a.Currency())
	}
	// Output:
	// rule: vip-delayed
	// cashback rule=vip-delayed message=delay.vip.cashback upgrade="" amount=18.00 USD
	// shipping_upgrade rule=vip-delayed message=delay.vip.upgrade upgrade="next_order" amount=0.00 USD
	// priority_support rule=vip-delayed message=delay.vip.priority_support upgrade="" amount=0.00 USD
}
