package accommodation

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// Small value pools, so generated conditions and facts meet at boundaries.
var (
	poolInts   = []int{0, 1, 2, 3, 5, 7}
	poolScores = []string{"0", "10", "20", "50", "50.5", "100"}
	poolMoney  = []string{"0", "5.00", "10.00", "25.50", "100"}
	poolCarr   = []string{"ups", "DHL", "usps"}
	poolCtry   = []string{"US", "de", "CA"}

	factInts   = []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
	factScores = []float64{0, 9.99, 10, 10.01, 20, 49.9, 50, 50.25, 50.5, 50.75, 99.99, 100}
	factMoney  = []string{"0", "4.99", "5.00", "5.01", "10.00", "25.49", "25.50", "25.51", "100.00", "100.01", "300"}
	factCarr   = []string{"", "ups", "UPS", "dhl", "fedex"}
	factCtry   = []string{"", "us", "DE", "FR", "ca"}
)

func drawLiteral(t *rapid.T, f factID, label string) string {
	switch facts[f].kind {
	case kindEnum:
		return strconv.Quote(rapid.SampledFrom(facts[f].enums).Draw(t, label))
	case kindBool:
		return strconv.FormatBool(rapid.Bool().Draw(t, label))
	case kindInt:
		return strconv.Itoa(rapid.SampledFrom(poolInts).Draw(t, label))
	case kindScore:
		return rapid.SampledFrom(poolScores).Draw(t, label)
	case kindMoney:
		return strconv.Quote(rapid.SampledFrom(poolMoney).Draw(t, label))
	default:
		if f == factCarrier {
			return strconv.Quote(rapid.SampledFrom(poolCarr).Draw(t, label))
		}
		return strconv.Quote(rapid.SampledFrom(poolCtry).Draw(t, label))
	}
}

func drawCondition(t *rapid.T, label string) string {
	return drawConditionFor(t, factID(rapid.IntRange(0, int(numFacts)-1).Draw(t, label+".fact")), label)
}

func drawConditionFor(t *rapid.T, f factID, label string) string {
	var ops []string
	for i, n := range opNames {
		if op(i).allowed(facts[f].kind) {
			ops = append(ops, n)
		}
	}
	o := rapid.SampledFrom(ops).Draw(t, label+".op")
	var operand string
	switch o {
	case "in":
		n := rapid.IntRange(1, 3).Draw(t, label+".n")
		items := make([]string, n)
		for i := range items {
			items[i] = drawLiteral(t, f, fmt.Sprintf("%s.in%d", label, i))
		}
		operand = "[" + strings.Join(items, ", ") + "]"
	case "between":
		a, b := drawLiteral(t, f, label+".lo"), drawLiteral(t, f, label+".hi")
		if facts[f].kind == kindInt || facts[f].kind == kindScore || facts[f].kind == kindMoney {
			x, _ := decimal.NewFromString(strings.Trim(a, `"`))
			y, _ := decimal.NewFromString(strings.Trim(b, `"`))
			if x.GreaterThan(y) {
				a, b = b, a
			}
		}
		operand = "[" + a + ", " + b + "]"
	default:
		operand = drawLiteral(t, f, label+".v")
	}
	cmpJSON := fmt.Sprintf("%q: %s", o, operand)
	if rapid.IntRange(0, 3).Draw(t, label+".not") == 0 {
		cmpJSON = `"not": {` + cmpJSON + `}`
	}
	return fmt.Sprintf(`{"fact": %q, %s}`, facts[f].name, cmpJSON)
}

func drawActions(t *rapid.T, label string) string {
	switch rapid.IntRange(0, 5).Draw(t, label+".shape") {
	case 0:
		return `[{"action": "apology_only", "message": "sorry"}]`
	case 1:
		return `[{"action": "nothing"}]`
	}
	var acts []string
	switch rapid.IntRange(0, 2).Draw(t, label+".cash") {
	case 0:
		acts = append(acts, fmt.Sprintf(`{"action": "cashback", "amount": %q, "message": "c"}`,
			rapid.SampledFrom([]string{"0.01", "3.00", "7.50", "20.00"}).Draw(t, label+".amount")))
	case 1:
		acts = append(acts, fmt.Sprintf(`{"action": "cashback", "percent": %q, "cap": %q, "message": "c"}`,
			rapid.SampledFrom([]string{"0.0001", "5", "12.5", "33.3333", "100"}).Draw(t, label+".pct"),
			rapid.SampledFrom([]string{"0.01", "10.00", "40.00"}).Draw(t, label+".cap")))
	}
	if rapid.Bool().Draw(t, label+".ps") {
		acts = append(acts, `{"action": "priority_support", "message": "ps", "cost": "1.50"}`)
	}
	if rapid.Bool().Draw(t, label+".up") || len(acts) == 0 {
		acts = append(acts, `{"action": "shipping_upgrade", "on": "next_order", "message": "up", "cost": "4.00"}`)
	}
	return "[" + strings.Join(acts, ", ") + "]"
}

func drawPolicyJSON(t *rapid.T) string {
	var budgets []string
	for _, b := range []string{"per_order", "per_customer_90_days", "per_day"} {
		if rapid.Bool().Draw(t, b+"?") {
			budgets = append(budgets, fmt.Sprintf("%q: %q", b, rapid.SampledFrom([]string{"0", "5.00", "12.34", "30.00", "100.00"}).Draw(t, b)))
		}
	}
	budgets = append(budgets, fmt.Sprintf(`"over_budget": %q`, rapid.SampledFrom([]string{"reduce", "next_rule"}).Draw(t, "over")))
	n := rapid.IntRange(0, 8).Draw(t, "rules")
	rules := make([]string, n)
	for i := range rules {
		label := fmt.Sprintf("r%d", i)
		nc := rapid.IntRange(0, 3).Draw(t, label+".conds")
		conds := make([]string, nc)
		for j := range conds {
			conds[j] = drawCondition(t, fmt.Sprintf("%s.c%d", label, j))
		}
		extra := ""
		if rapid.IntRange(0, 2).Draw(t, label+".cont") == 0 {
			extra += `, "continue": true`
		}
		if rapid.IntRange(0, 2).Draw(t, label+".ob") == 0 {
			extra += `, "over_budget": "next_rule"`
		}
		rules[i] = fmt.Sprintf(`{"id": %q, "when": [%s], "then": %s%s}`, label, strings.Join(conds, ", "), drawActions(t, label), extra)
	}
	return fmt.Sprintf(`{"version": "p", "currency": "USD", "rounding": %q, "budgets": {%s}, "rules": [%s]}`,
		rapid.SampledFrom([]string{"half_up", "half_even", "down"}).Draw(t, "rounding"),
		strings.Join(budgets, ", "), strings.Join(rules, ",\n"))
}

func drawFacts(t *rapid.T) Facts {
	m := func(label string) decimal.Decimal {
		return decimal.RequireFromString(rapid.SampledFrom(factMoney).Draw(t, label))
	}
	return Facts{
		Currency:               "USD",
		Tier:                   Tier(rapid.SampledFrom(append([]string{""}, tierNames...)).Draw(t, "tier")),
		ValueScore:             rapid.SampledFrom(factScores).Draw(t, "value"),
		RiskScore:              rapid.SampledFrom(factScores).Draw(t, "risk"),
		DelayKind:              DelayKind(rapid.SampledFrom(append([]string{""}, delayNames...)).Draw(t, "delay")),
		DaysLate:               rapid.SampledFrom(factInts).Draw(t, "days"),
		BusinessDaysStalled:    rapid.SampledFrom(factInts).Draw(t, "stalled"),
		OrderTotal:             m("total"),
		OrderCount:             rapid.SampledFrom(factInts).Draw(t, "count"),
		FirstOrder:             rapid.Bool().Draw(t, "first"),
		Carrier:                rapid.SampledFrom(factCarr).Draw(t, "carrier"),
		DestinationCountry:     rapid.SampledFrom(factCtry).Draw(t, "country"),
		CustomerCashback90Days: m("cust90"),
		OrderAccommodations:    rapid.SampledFrom(factInts).Draw(t, "accom"),
		OrderCashback:          m("ordercash"),
		BrandCashbackToday:     m("brand"),
	}
}

// TestPropertyEvaluate: evaluation is deterministic and never exceeds a
// budget, whatever the policy and facts.
func TestPropertyEvaluate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p, err := Parse([]byte(drawPolicyJSON(t)))
		if err != nil {
			t.Skip("generated policy does not load") // unreachable rules are common
		}
		f := drawFacts(t)
		d1, err := p.Evaluate(f)
		if err != nil {
			t.Fatalf("Evaluate: %v", err)
		}
		d2, _ := p.Evaluate(f)
		if diff := cmp.Diff(summary(d1), summary(d2)); diff != "" {
			t.Fatalf("not deterministic:\n%s", diff)
		}
		if diff := cmp.Diff(d1.Trace(), d2.Trace()); diff != "" {
			t.Fatalf("trace not deterministic:\n%s", diff)
		}
		v, _ := convert(&f, "USD", 2)
		granted := d1.cashbackMinor()
		for _, b := range []struct {
			limit, spent int64
		}{{p.perOrder, v.n[factOrderCashback]}, {p.perCustomer, v.n[factCustomerCashback90Days]}, {p.perDay, v.brand}} {
			if b.limit >= 0 && granted > max(0, b.limit-b.spent) {
				t.Fatalf("granted %d with limit %d and %d spent", granted, b.limit, b.spent)
			}
		}
		if granted < 0 || d1.withheld < 0 {
			t.Fatalf("negative amounts: granted %d withheld %d", granted, d1.withheld)
		}
		// The deciding rule is the last one the trace shows as matched.
		last := ""
		for _, st := range d1.Trace() {
			if st.Result == StepMatched {
				last = st.Rule
			}
		}
		if last != d1.Rule {
			t.Fatalf("decision by %q, trace's last match %q", d1.Rule, last)
		}
	})
}

// TestPropertyReachability: every rule the analysis calls unreachable
// really is: whenever its conditions hold, an earlier rule that always
// decides holds too (or its conditions never hold at all).
func TestPropertyReachability(t *testing.T) {
	reported := 0
	rapid.Check(t, func(t *rapid.T) {
		var ps problems
		root := parseTree([]byte(drawPolicyJSON(t)), &ps)
		if root == nil {
			t.Fatalf("generated JSON does not parse: %v", ps.err())
		}
		p := compile(root, &ps)
		if len(ps.list) > 0 {
			t.Fatalf("generated policy has problems: %v", ps.err())
		}
		checkReachability(p, &ps)
		for _, pr := range ps.list {
			reported++
			j, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(pr.Path, "$.rules["), "]"))
			if err != nil {
				t.Fatalf("path %q", pr.Path)
			}
			for k := 0; k < 30; k++ {
				f := drawFacts(t)
				v, err := convert(&f, "USD", 2)
				if err != nil {
					t.Fatal(err)
				}
				if !matches(&p.rules[j], &v) {
					continue
				}
				shadowed := false
				for i := 0; i < j; i++ {
					if p.alwaysDecides(&p.rules[i]) && matches(&p.rules[i], &v) {
						shadowed = true
						break
					}
				}
				if !shadowed {
					t.Fatalf("%s, yet facts %+v reach it", pr.Reason, f)
				}
			}
		}
	})
	t.Logf("unreachable rules checked: %d", reported)
}

func matches(r *rule, v *vals) bool {
	for i := range r.conds {
		if !r.conds[i].holds(v) {
			return false
		}
	}
	return true
}

// TestPropertySimulation: across a random stream of cases, no budget is
// ever exceeded, and the report adds up.
func TestPropertySimulation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p, err := Parse([]byte(drawPolicyJSON(t)))
		if err != nil {
			t.Skip("generated policy does not load")
		}
		n := rapid.IntRange(1, 60).Draw(t, "cases")
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		cases := make([]Case, n)
		for i := range cases {
			at = at.Add(time.Duration(rapid.SampledFrom([]int{0, 1, 6, 24, 24 * 30, 24 * 89, 24 * 90}).Draw(t, "gap")) * time.Hour)
			cust := rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "cust")
			cases[i] = Case{At: at, CustomerID: cust, OrderID: cust + rapid.SampledFrom([]string{"1", "2"}).Draw(t, "order"), Facts: drawFacts(t)}
		}
		s := NewSimulator(p)
		decisions := make([]Decision, n)
		for i, c := range cases {
			if decisions[i], err = s.Add(c); err != nil {
				t.Fatal(err)
			}
		}
		checkBudgets(t, p, cases, decisions)
		checkReport(t, s.Report(), n)
	})
}

// TestPropertyPlan: the fast plan agrees with the conditions in order.
func TestPropertyPlan(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var ps problems
		root := parseTree([]byte(drawPolicyJSON(t)), &ps)
		p := compile(root, &ps)
		if len(ps.list) > 0 {
			t.Fatalf("generated policy has problems: %v", ps.err())
		}
		f := drawFacts(t)
		v, err := convert(&f, "USD", 2)
		if err != nil {
			t.Fatal(err)
		}
		sig := signature(&v)
		for i := range p.rules {
			r := &p.rules[i]
			if got, want := r.plan.matches(&v, sig, r.conds), matches(r, &v); got != want {
				t.Fatalf("rule %s: plan says %v, conditions say %v, facts %+v", r.id, got, want, f)
			}
		}
	})
}
