package accommodation

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/postpurchase/postpurchase/internal/iso4217"
	"github.com/shopspring/decimal"
)

func usd(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

// got summarises a decision for comparison.
type got struct {
	Rule      string
	Actions   []string // kind[:amount][:reducedBy]
	ReducedBy Budget
	SkippedBy Budget
	Withheld  string
}

func summary(d Decision) got {
	g := got{Rule: d.Rule, ReducedBy: d.ReducedBy, SkippedBy: d.SkippedBy, Withheld: d.Withheld().StringFixed(d.minor)}
	for _, a := range d.Actions() {
		s := string(a.Kind)
		if a.Kind == ActionCashback {
			s += ":" + a.Amount().StringFixed(a.minor)
		}
		if a.ReducedBy != 0 {
			s += ":" + a.ReducedBy.String()
		}
		g.Actions = append(g.Actions, s)
	}
	return g
}

func TestEvaluateDefaultPolicy(t *testing.T) {
	p := Default()
	base := Facts{Currency: "USD", OrderTotal: usd("80.00"), OrderCount: 3, RiskScore: 10, ValueScore: 50}
	with := func(mod func(*Facts)) Facts { f := base; mod(&f); return f }
	tests := []struct {
		name  string
		facts Facts
		want  got
	}{
		{"vip late", with(func(f *Facts) { f.Tier, f.DelayKind, f.DaysLate, f.OrderTotal = TierVIP, DelayLate, 3, usd("180.00") }),
			got{Rule: "vip-delayed", Actions: []string{"cashback:27.00", "shipping_upgrade", "priority_support"}, Withheld: "0.00"}},
		{"vip late, cap", with(func(f *Facts) { f.Tier, f.DelayKind, f.OrderTotal = TierVIP, DelayLate, usd("900.00") }),
			got{Rule: "vip-delayed", Actions: []string{"cashback:30.00", "shipping_upgrade", "priority_support"}, Withheld: "0.00"}},
		{"vip lost", with(func(f *Facts) { f.Tier, f.DelayKind = TierVIP, DelayLost }),
			got{Rule: "vip-lost", Actions: []string{"expedited_replacement", "cashback:16.00", "priority_support"}, Withheld: "0.00"}},
		{"vip at risk", with(func(f *Facts) { f.Tier, f.DelayKind = TierVIP, DelayAtRisk }),
			got{Rule: "vip-heads-up", Actions: []string{"shipping_upgrade", "priority_support"}, Withheld: "0.00"}},
		{"vip estimate slipped", with(func(f *Facts) { f.Tier, f.DelayKind = TierVIP, DelayEstimateSlipped }),
			got{Rule: "vip-heads-up", Actions: []string{"shipping_upgrade", "priority_support"}, Withheld: "0.00"}},
		{"vip attempt failed", with(func(f *Facts) { f.Tier, f.DelayKind = TierVIP, DelayAttemptFailed }),
			got{Rule: "vip-heads-up", Actions: []string{"shipping_upgrade", "priority_support"}, Withheld: "0.00"}},
		{"vip returned to sender", with(func(f *Facts) { f.Tier, f.DelayKind = TierVIP, DelayReturnedToSender }),
			got{Rule: "vip-lost", Actions: []string{"expedited_replacement", "cashback:16.00", "priority_support"}, Withheld: "0.00"}},
		{"vip exception", with(func(f *Facts) { f.Tier, f.DelayKind = TierVIP, DelayException }),
			got{Rule: "vip-delayed", Actions: []string{"cashback:12.00", "shipping_upgrade", "priority_support"}, Withheld: "0.00"}},
		{"risky first order", with(func(f *Facts) {
			f.Tier, f.DelayKind, f.DaysLate, f.FirstOrder, f.OrderCount, f.RiskScore = TierNew, DelayLate, 6, true, 1, 72
		}), got{Rule: "risky-first-order-apology", Actions: []string{"apology_only"}, Withheld: "0.00"}},
		{"risky tier lost", with(func(f *Facts) { f.Tier, f.DelayKind = TierRisky, DelayLost }),
			got{Rule: "risky-tier-apology", Actions: []string{"apology_only"}, Withheld: "0.00"}},
		{"vip with high risk", with(func(f *Facts) { f.Tier, f.DelayKind, f.RiskScore = TierVIP, DelayLate, 80 }),
			got{Rule: "high-risk-apology", Actions: []string{"apology_only"}, Withheld: "0.00"}},
		{"loyal late", with(func(f *Facts) { f.Tier, f.DelayKind, f.DaysLate = TierLoyal, DelayLate, 2 }),
			got{Rule: "loyal-late", Actions: []string{"cashback:8.00", "shipping_upgrade"}, Withheld: "0.00"}},
		{"new customer lost, low risk", with(func(f *Facts) { f.Tier, f.DelayKind, f.FirstOrder = TierNew, DelayLost, true }),
			got{Rule: "lost-low-risk-replacement", Actions: []string{"expedited_replacement"}, Withheld: "0.00"}},
		{"regular very late", with(func(f *Facts) { f.Tier, f.DelayKind, f.DaysLate = TierRegular, DelayLate, 7 }),
			got{Rule: "long-delay-credit", Actions: []string{"cashback:5.00"}, Withheld: "0.00"}},
		{"regular very late, customer budget spent", with(func(f *Facts) {
			f.Tier, f.DelayKind, f.DaysLate, f.CustomerCashback90Days = TierRegular, DelayLate, 7, usd("72.00")
		}), got{Rule: "apology", Actions: []string{"apology_only"}, SkippedBy: BudgetPerCustomer90Days, Withheld: "0.00"}},
		{"regular slightly late", with(func(f *Facts) { f.Tier, f.DelayKind, f.DaysLate = TierRegular, DelayLate, 1 }),
			got{Rule: "apology", Actions: []string{"apology_only"}, Withheld: "0.00"}},
		{"vip stalled adds priority support once", with(func(f *Facts) {
			f.Tier, f.DelayKind, f.BusinessDaysStalled = TierVIP, DelayShipmentStalled, 6
		}), got{Rule: "vip-delayed", Actions: []string{"priority_support", "cashback:12.00", "shipping_upgrade"}, Withheld: "0.00"}},
		{"vip late, brand day budget nearly spent", with(func(f *Facts) {
			f.Tier, f.DelayKind, f.OrderTotal, f.BrandCashbackToday = TierVIP, DelayLate, usd("180.00"), usd("2490.50")
		}), got{Rule: "vip-delayed", Actions: []string{"cashback:9.50:per_day", "shipping_upgrade", "priority_support"}, ReducedBy: BudgetPerDay, Withheld: "17.50"}},
		{"vip late, order already compensated", with(func(f *Facts) {
			f.Tier, f.DelayKind, f.OrderTotal, f.OrderCashback = TierVIP, DelayLate, usd("180.00"), usd("50.00")
		}), got{Rule: "vip-delayed", Actions: []string{"shipping_upgrade", "priority_support"}, ReducedBy: BudgetPerOrder, Withheld: "27.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := p.Evaluate(tt.facts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summary(d)); diff != "" {
				t.Errorf("decision (-want +got):\n%s\ntrace: %+v", diff, d.Trace())
			}
		})
	}
}

const budgetPolicy = `{
  "version": "t", "currency": "USD",
  "budgets": {"per_order": "20.00", "per_customer_90_days": "30.00", "per_day": "100.00"},
  "rules": [
    {"id": "base", "when": [{"fact": "days_late", "gte": 1}],
     "then": [{"action": "cashback", "amount": "8.00", "message": "base"}, {"action": "priority_support", "message": "ps"}], "continue": true},
    {"id": "big", "when": [{"fact": "order_total", "gte": "100.00"}],
     "then": [{"action": "cashback", "percent": "12.5", "cap": "15.00", "message": "big"}, {"action": "priority_support", "message": "ps2"}]},
    {"id": "strict", "when": [{"fact": "carrier", "eq": "UPS"}],
     "then": [{"action": "cashback", "amount": "25.00", "message": "strict"}], "over_budget": "next_rule"},
    {"id": "rest", "then": [{"action": "apology_only", "message": "sorry"}]}
  ]}`

func TestEvaluateBudgetsAndContinue(t *testing.T) {
	p := mustParse(t, budgetPolicy)
	tests := []struct {
		name  string
		facts Facts
		want  got
	}{
		{"continue adds cashback, keeps first priority support",
			Facts{Currency: "USD", DaysLate: 2, OrderTotal: usd("100.00")},
			got{Rule: "big", Actions: []string{"cashback:20.00:per_order", "priority_support"}, ReducedBy: BudgetPerOrder, Withheld: "0.50"}},
		{"percent rounds half up: 12.5% of 100.04 = 12.505",
			Facts{Currency: "USD", OrderTotal: usd("100.04")},
			got{Rule: "big", Actions: []string{"cashback:12.51", "priority_support"}, Withheld: "0.00"}},
		{"customer budget reduces",
			Facts{Currency: "USD", DaysLate: 1, OrderTotal: usd("10.00"), CustomerCashback90Days: usd("25.00")},
			got{Rule: "rest", Actions: []string{"cashback:5.00:per_customer_90_days", "priority_support", "apology_only"}, ReducedBy: BudgetPerCustomer90Days, Withheld: "3.00"}},
		{"next_rule gives way",
			Facts{Currency: "USD", Carrier: "ups"},
			got{Rule: "rest", Actions: []string{"apology_only"}, SkippedBy: BudgetPerOrder, Withheld: "0.00"}},
		{"all budgets spent: reduce to nothing",
			Facts{Currency: "USD", DaysLate: 3, BrandCashbackToday: usd("100.00")},
			got{Rule: "rest", Actions: []string{"priority_support", "apology_only"}, ReducedBy: BudgetPerDay, Withheld: "8.00"}},
		{"spent beyond a budget still gives nothing",
			Facts{Currency: "USD", DaysLate: 3, OrderCashback: usd("500.00")},
			got{Rule: "rest", Actions: []string{"priority_support", "apology_only"}, ReducedBy: BudgetPerOrder, Withheld: "8.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := p.Evaluate(tt.facts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summary(d)); diff != "" {
				t.Errorf("decision (-want +got):\n%s\ntrace: %+v", diff, d.Trace())
			}
		})
	}
}

func TestRoundingModes(t *testing.T) {
	tests := []struct {
		rounding, total, want string
	}{
		{"half_up", "100.04", "12.51"},   // 12.505
		{"half_even", "100.04", "12.50"}, // 12.505 → even
		{"half_even", "100.12", "12.52"}, // 12.515 → even
		{"down", "100.07", "12.50"},      // 12.50875
		{"half_up", "0.03", "0.00"},      // 0.00375
		{"half_up", "0.04", "0.01"},      // 0.005
	}
	for _, tt := range tests {
		t.Run(tt.rounding+"/"+tt.total, func(t *testing.T) {
			p := mustParse(t, `{"version": "1", "currency": "USD", "rounding": "`+tt.rounding+`", "rules": [
				{"id": "r", "then": [{"action": "cashback", "percent": "12.5", "cap": "1000", "message": "m"}]}]}`)
			d, err := p.Evaluate(Facts{Currency: "USD", OrderTotal: usd(tt.total)})
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Cashback().StringFixed(2); got != tt.want {
				t.Errorf("cashback = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMinorUnitCurrencies(t *testing.T) {
	tests := []struct {
		currency, total, percent, want string
	}{
		{"JPY", "12345", "10", "1235"},          // 1234.5 → half up
		{"KWD", "12.345", "10", "1.235"},        // 1.2345 → 1.235 (half up)
		{"KWD", "0.001", "50", "0.001"},         // 0.0005 → 0.001
		{"BHD", "1000", "33.3333", "333.333"},   // 333.333
		{"CLF", "1.0000", "12.3456", "0.1235"},  // four minor units
		{"USD", "1000000000.00", "100", "5.00"}, // cap 5.00
	}
	for _, tt := range tests {
		t.Run(tt.currency+"/"+tt.total, func(t *testing.T) {
			m, _ := iso4217.MinorUnits(tt.currency)
			capv := "5.00"
			if tt.currency != "USD" {
				capv = "1000000"
			}
			p := mustParse(t, `{"version": "1", "currency": "`+tt.currency+`", "rules": [
				{"id": "r", "then": [{"action": "cashback", "percent": "`+tt.percent+`", "cap": "`+capv+`", "message": "m"}]}]}`)
			d, err := p.Evaluate(Facts{Currency: tt.currency, OrderTotal: decimal.RequireFromString(tt.total)})
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Cashback().StringFixed(m); got != tt.want {
				t.Errorf("cashback = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEvaluateConditions(t *testing.T) {
	// One rule per condition; the facts must match exactly the rules named.
	p := mustParse(t, `{"version": "1", "currency": "USD", "rules": [
		{"id": "c-tier-in", "when": [{"fact": "tier", "in": ["vip", "loyal"]}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-tier-not", "when": [{"fact": "tier", "not": {"eq": "risky"}}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-delay", "when": [{"fact": "delay_kind", "eq": "late"}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-value", "when": [{"fact": "value_score", "between": [40, 60.5]}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-risk", "when": [{"fact": "risk_score", "lte": 20}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-days", "when": [{"fact": "days_late", "in": [3, 5]}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-stalled", "when": [{"fact": "business_days_stalled", "not": {"between": [1, 4]}}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-total", "when": [{"fact": "order_total", "eq": "49.99"}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-count", "when": [{"fact": "order_count", "gte": 10}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-first", "when": [{"fact": "first_order", "eq": false}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-carrier", "when": [{"fact": "carrier", "in": ["FedEx", "ups"]}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-country", "when": [{"fact": "destination_country", "not": {"in": ["us", "CA"]}}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-cust", "when": [{"fact": "customer_cashback_90_days", "lte": "0"}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-accom", "when": [{"fact": "order_accommodations", "eq": 0}], "then": [{"action": "nothing"}], "continue": true},
		{"id": "c-ordercash", "when": [{"fact": "order_cashback", "gte": 0.01}], "then": [{"action": "nothing"}], "continue": true}
	]}`)
	tests := []struct {
		name  string
		facts Facts
		want  []string
	}{
		{"zero facts", Facts{Currency: "USD"}, []string{"c-tier-not", "c-risk", "c-stalled", "c-first", "c-country", "c-cust", "c-accom"}},
		{"all", Facts{Currency: "USD", Tier: TierLoyal, DelayKind: DelayLate, ValueScore: 60.5, RiskScore: 20, DaysLate: 5,
			BusinessDaysStalled: 5, OrderTotal: usd("49.990"), OrderCount: 10, Carrier: "FEDEX", DestinationCountry: "de",
			OrderCashback: usd("0.01")}, []string{"c-tier-in", "c-tier-not", "c-delay", "c-value", "c-risk", "c-days", "c-stalled",
			"c-total", "c-count", "c-first", "c-carrier", "c-country", "c-cust", "c-accom", "c-ordercash"}},
		{"none", Facts{Currency: "USD", Tier: TierRisky, DelayKind: DelayLost, ValueScore: 60.51, RiskScore: 20.01, DaysLate: 4,
			BusinessDaysStalled: 4, OrderTotal: usd("49.98"), OrderCount: 9, FirstOrder: true, Carrier: "dhl", DestinationCountry: "Ca",
			CustomerCashback90Days: usd("0.01"), OrderAccommodations: 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := p.Evaluate(tt.facts)
			if err != nil {
				t.Fatal(err)
			}
			var matched []string
			for _, s := range d.Trace() {
				if s.Result == StepMatched {
					matched = append(matched, s.Rule)
				}
			}
			if diff := cmp.Diff(tt.want, matched); diff != "" {
				t.Errorf("matched rules (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluateInvalidFacts(t *testing.T) {
	p := Default()
	ok := Facts{Currency: "USD"}
	tests := []struct {
		field string
		mod   func(*Facts)
	}{
		{"currency", func(f *Facts) { f.Currency = "" }},
		{"currency", func(f *Facts) { f.Currency = "EUR" }},
		{"tier", func(f *Facts) { f.Tier = "gold" }},
		{"delay_kind", func(f *Facts) { f.DelayKind = "Late" }},
		{"value_score", func(f *Facts) { f.ValueScore = math.NaN() }},
		{"risk_score", func(f *Facts) { f.RiskScore = 100.5 }},
		{"risk_score", func(f *Facts) { f.RiskScore = -1 }},
		{"days_late", func(f *Facts) { f.DaysLate = -1 }},
		{"order_count", func(f *Facts) { f.OrderCount = -3 }},
		{"order_total", func(f *Facts) { f.OrderTotal = usd("-0.01") }},
		{"order_total", func(f *Facts) { f.OrderTotal = usd("19.999") }},
		{"order_total", func(f *Facts) { f.OrderTotal = usd("1e20") }},
		{"customer_cashback_90_days", func(f *Facts) { f.CustomerCashback90Days = usd("0.001") }},
		{"brand_cashback_today", func(f *Facts) { f.BrandCashbackToday = usd("-1") }},
		{"destination_country", func(f *Facts) { f.DestinationCountry = "U1" }},
		{"carrier", func(f *Facts) { f.Carrier = strings.Repeat("x", 65) }},
	}
	for _, tt := range tests {
		f := ok
		tt.mod(&f)
		_, err := p.Evaluate(f)
		var fe *FactsError
		if !errors.As(err, &fe) || !errors.Is(err, ErrInvalidFacts) {
			t.Errorf("%s: got %v, want a *FactsError", tt.field, err)
			continue
		}
		if fe.Path != tt.field {
			t.Errorf("field = %q, want %q (%v)", fe.Path, tt.field, err)
		}
	}
	// Trailing zeros are exact, not extra precision.
	if _, err := p.Evaluate(Facts{Currency: "USD", OrderTotal: usd("19.990000000000000000000")}); err != nil {
		t.Errorf("trailing zeros: %v", err)
	}
}

func TestTraceInWords(t *testing.T) {
	p := mustParse(t, budgetPolicy)
	d, err := p.Evaluate(Facts{Currency: "USD", Carrier: "UPS", OrderTotal: usd("40.00")})
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Rule: "base", Result: StepNoMatch, Condition: 0, Reason: "days_late is 0, but the rule needs at least 1"},
		{Rule: "big", Result: StepNoMatch, Condition: 0, Reason: "order_total is 40.00 USD, but the rule needs at least 100.00 USD"},
		{Rule: "strict", Result: StepOverBudget, Condition: -1, Reason: `its condition holds (carrier is "ups"), but cashback 25.00 USD does not fit the per_order budget (20.00 USD left); trying the next rule`},
		{Rule: "rest", Result: StepMatched, Condition: -1, Reason: "no conditions: matches every case"},
	}
	if diff := cmp.Diff(want, d.Trace()); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
	d, _ = p.Evaluate(Facts{Currency: "USD", DaysLate: 2, OrderTotal: usd("100.00")})
	tr := d.Trace()
	if len(tr) != 2 || !strings.Contains(tr[0].Reason, "continuing to the next rule") ||
		!strings.Contains(tr[1].Reason, "cashback 12.50 USD reduced to 12.00 USD by the per_order budget") ||
		!strings.Contains(tr[1].Reason, "priority_support already decided by an earlier rule") {
		t.Errorf("trace: %+v", tr)
	}
	var zero Decision
	if zero.Trace() != nil {
		t.Error("zero decision has a trace")
	}
}

func TestDecisionJSON(t *testing.T) {
	p := Default()
	d, err := p.Evaluate(Facts{Currency: "USD", Tier: TierVIP, DelayKind: DelayLate, OrderTotal: usd("180.00"), BrandCashbackToday: usd("2490.50")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Rule    string `json:"rule"`
		Actions []struct {
			Action, Amount, Requested, ReducedBy string
		} `json:"actions"`
		Withheld string `json:"withheld"`
		Trace    []Step `json:"trace"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Rule != "vip-delayed" || out.Actions[0].Amount != "9.50" || out.Actions[0].Requested != "27.00" ||
		out.Withheld != "17.50" || len(out.Trace) == 0 {
		t.Errorf("JSON: %s", b)
	}
}

func TestEvaluateDoesNotAllocate(t *testing.T) {
	p := Default()
	f := Facts{Currency: "USD", Tier: TierVIP, DelayKind: DelayLate, DaysLate: 3, OrderTotal: usd("180.00"),
		CustomerCashback90Days: usd("12.00"), Carrier: "ups", DestinationCountry: "US"}
	allocs := testing.AllocsPerRun(100, func() {
		d, err := p.Evaluate(f)
		if err != nil || len(d.Actions()) == 0 {
			panic("unexpected decision")
		}
	})
	if allocs != 0 {
		t.Errorf("Evaluate allocates %.1f times per call", allocs)
	}
}
