package accommodation

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// policy50 is a 50-rule policy in which the benchmark's facts fail each of
// the first 49 rules on its last (fourth) condition, so Evaluate does
// close to the most work a 50-rule policy can ask for.
func policy50(tb testing.TB) *Policy {
	var rules []string
	for i := 0; i < 49; i++ {
		rules = append(rules, fmt.Sprintf(`{"id": "r%02d", "description": "days late exactly %d",
			"when": [{"fact": "tier", "in": ["vip", "loyal"]}, {"fact": "risk_score", "lte": 60},
			         {"fact": "order_total", "gte": "10.00"}, {"fact": "days_late", "eq": %d}],
			"then": [{"action": "cashback", "percent": "%d", "cap": "40.00", "message": "m%d"},
			         {"action": "priority_support", "message": "ps"}]}`, i, i+100, i+100, i%20+1, i))
	}
	rules = append(rules, `{"id": "catch-all", "when": [{"fact": "carrier", "not": {"in": ["dhl", "usps"]}}, {"fact": "destination_country", "eq": "US"}],
		"then": [{"action": "cashback", "percent": "12.5", "cap": "30.00", "message": "late"}, {"action": "shipping_upgrade", "on": "next_order", "message": "up"}]}`)
	p, err := Parse([]byte(`{"version": "bench", "currency": "USD",
		"budgets": {"per_order": "50.00", "per_customer_90_days": "75.00", "per_day": "2500.00"},
		"rules": [` + strings.Join(rules, ",") + `]}`))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

var benchFacts = Facts{Currency: "USD", Tier: TierVIP, DelayKind: DelayLate, DaysLate: 3, RiskScore: 12, ValueScore: 80,
	OrderTotal: decimal.RequireFromString("182.40"), OrderCount: 9, Carrier: "ups", DestinationCountry: "us",
	CustomerCashback90Days: decimal.RequireFromString("20.00"), BrandCashbackToday: decimal.RequireFromString("1200.00")}

var sinkDecision Decision

// BenchmarkEvaluate: a 50-rule policy, facts that reach the last rule.
// Target: under 1 µs and 0 allocations (no trace).
func BenchmarkEvaluate(b *testing.B) {
	p := policy50(b)
	b.ReportAllocs()
	for b.Loop() {
		d, err := p.Evaluate(benchFacts)
		if err != nil || d.Rule != "catch-all" {
			b.Fatalf("decision %q, %v", d.Rule, err)
		}
		sinkDecision = d
	}
}

// BenchmarkEvaluateDefault: the 12-rule default policy, as a baseline.
func BenchmarkEvaluateDefault(b *testing.B) {
	p := Default()
	b.ReportAllocs()
	for b.Loop() {
		d, _ := p.Evaluate(benchFacts)
		sinkDecision = d
	}
}

// BenchmarkEvaluateTrace: the 50-rule policy with the trace rendered in
// words, for comparison with BenchmarkEvaluate.
func BenchmarkEvaluateTrace(b *testing.B) {
	p := policy50(b)
	b.ReportAllocs()
	for b.Loop() {
		d, _ := p.Evaluate(benchFacts)
		if len(d.Trace()) != 50 {
			b.Fatal("short trace")
		}
	}
}

// BenchmarkParse: loading and validating the 50-rule policy.
func BenchmarkParse(b *testing.B) {
	p := policy50(b)
	_ = p
	var rules []string
	for i := 0; i < 49; i++ {
		rules = append(rules, fmt.Sprintf(`{"id": "r%02d", "when": [{"fact": "tier", "in": ["vip", "loyal"]}, {"fact": "days_late", "eq": %d}], "then": [{"action": "cashback", "amount": "5.00", "message": "m"}]}`, i, i))
	}
	data := []byte(doc(strings.Join(rules, ",")))
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSimulate replays 1,000,000 cases (200,000 customers, one order
// each case, a case every 30 s) through the default policy per iteration
// and reports cases per second.
func BenchmarkSimulate(b *testing.B) {
	const n = 1_000_000
	p := Default()
	customers := make([]string, 200_000)
	for i := range customers {
		customers[i] = fmt.Sprintf("cust-%06d", i)
	}
	orders := make([]string, n)
	for i := range orders {
		orders[i] = fmt.Sprintf("order-%07d", i)
	}
	templates := make([]Facts, 1024)
	for i := range templates {
		x := uint64(i)*0x9E3779B97F4A7C15 + 1
		templates[i] = Facts{Currency: "USD", Tier: Tiers()[x%5], DelayKind: DelayKinds()[x>>8%9], DaysLate: int(x >> 16 % 8),
			BusinessDaysStalled: int(x >> 20 % 7), RiskScore: float64(x >> 24 % 100), ValueScore: float64(x >> 32 % 100),
			OrderTotal: decimal.New(int64(500+x>>40%30000), -2), OrderCount: int(1 + x>>48%12), FirstOrder: x>>52%4 == 0,
			Carrier: "ups", DestinationCountry: "US"}
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s := NewSimulator(p)
		for i := 0; i < n; i++ {
			c := Case{At: start.Add(time.Duration(i) * 30 * time.Second), CustomerID: customers[(i*7919)%len(customers)],
				OrderID: orders[i], Facts: templates[(i*31)%len(templates)]}
			if _, err := s.Add(c); err != nil {
				b.Fatal(err)
			}
		}
		if r := s.Report(); r.Cases != n {
			b.Fatal("lost cases")
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}
