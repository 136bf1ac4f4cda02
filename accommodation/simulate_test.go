package accommodation

import (
	"bufio"
	"errors"
	"hash/fnv"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// cdnowCases replays every CDNOW purchase as an order that runs into a
// delay three days later. Order values, counts and dates are real; the
// delay kind, days late and risk are derived from a hash of customer and
// date, because the data set has no shipping data.
func cdnowCases(t testing.TB) []Case {
	t.Helper()
	f, err := os.Open("testdata/CDNOW_sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []Case
	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 5 {
			continue
		}
		cust, date, value := fields[0], fields[2], fields[4]
		day, err := time.Parse("20060102", date)
		if err != nil {
			t.Fatalf("date %q: %v", date, err)
		}
		total, err := decimal.NewFromString(value)
		if err != nil {
			t.Fatalf("value %q: %v", value, err)
		}
		counts[cust]++
		n := counts[cust]
		h := fnv.New64a()
		h.Write([]byte(cust + "/" + date + "/" + strconv.Itoa(n)))
		x := h.Sum64()
		tier := TierNew
		switch {
		case n >= 7:
			tier = TierVIP
		case n >= 4:
			tier = TierLoyal
		case n >= 2:
			tier = TierRegular
		}
		risk := float64(x % 100)
		if x>>8%10 == 0 {
			tier = TierRisky
		}
		kinds := DelayKinds()
		cases = append(cases, Case{
			At:         day.Add(72 * time.Hour),
			CustomerID: cust,
			OrderID:    cust + "-" + strconv.Itoa(n),
			Facts: Facts{
				Currency:            "USD",
				Tier:                tier,
				RiskScore:           risk,
				ValueScore:          float64(min(100, n*10)),
				DelayKind:           kinds[x>>16%uint64(len(kinds))],
				DaysLate:            int(x >> 24 % 9),
				BusinessDaysStalled: int(x >> 32 % 8),
				OrderTotal:          total,
				OrderCount:          n,
				FirstOrder:          n == 1,
				Carrier:             []string{"ups", "usps", "fedex", "dhl"}[x>>40%4],
				DestinationCountry:  "US",
			},
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 6919 {
		t.Fatalf("read %d purchases, want 6919", len(cases))
	}
	// The file is grouped by customer; replay needs time order.
	slices.SortStableFunc(cases, func(a, b Case) int { return a.At.Compare(b.At) })
	return cases
}

func TestSimulateCDNOW(t *testing.T) {
	cases := cdnowCases(t)
	p := Default()
	// A tight brand budget so that every budget bites at least once.
	data := strings.Replace(string(DefaultJSON()), `"per_day": "2500.00"`, `"per_day": "60.00"`, 1)
	data = strings.Replace(data, `"per_order": "50.00"`, `"per_order": "20.00"`, 1)
	tight := mustParse(t, data)
	for _, pol := range []*Policy{p, tight} {
		rep, err := Simulate(pol, cases)
		if err != nil {
			t.Fatal(err)
		}
		checkReport(t, rep, len(cases))
		t.Logf("report:\n%s", rep)
		// Replay case by case and recheck every budget from the decisions.
		sim := NewSimulator(pol)
		decisions := make([]Decision, len(cases))
		for i, c := range cases {
			if decisions[i], err = sim.Add(c); err != nil {
				t.Fatal(err)
			}
		}
		checkBudgets(t, pol, cases, decisions)
	}
	rep, _ := Simulate(tight, cases)
	for _, b := range Budgets() {
		if s := rep.Budgets[b]; s.Reduced+s.Skipped == 0 {
			t.Errorf("budget %s never bit with tight budgets", b)
		}
	}
	// The default policy treats VIPs and risky customers very differently.
	rep, _ = Simulate(p, cases)
	vip, risky := rep.ByTier[TierVIP], rep.ByTier[TierRisky]
	if vip.Cases == 0 || risky.Cases == 0 || !vip.Cashback.IsPositive() || !risky.Cashback.IsZero() {
		t.Errorf("vip %+v, risky %+v", vip, risky)
	}
}

// tester is what the checks need from *testing.T and *rapid.T.
type tester interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// checkReport checks a report's internal consistency.
func checkReport(t tester, r *Report, n int) {
	t.Helper()
	if r.Cases != n {
		t.Errorf("cases = %d, want %d", r.Cases, n)
	}
	sumTiers, sumCash, cases := decimal.Zero, decimal.Zero, 0
	for _, ts := range r.ByTier {
		sumTiers = sumTiers.Add(ts.Cost)
		sumCash = sumCash.Add(ts.Cashback)
		cases += ts.Cases
	}
	if !sumTiers.Equal(r.Cost) || !sumCash.Equal(r.Cashback) || cases != r.Cases {
		t.Errorf("tiers add up to cost %s cashback %s cases %d; report says %s %s %d", sumTiers, sumCash, cases, r.Cost, r.Cashback, r.Cases)
	}
	sumActions := decimal.Zero
	for _, a := range r.ByAction {
		sumActions = sumActions.Add(a.Cost)
		if a.Customers > a.Cases {
			t.Errorf("action reached %d customers in %d cases", a.Customers, a.Cases)
		}
	}
	if !sumActions.Equal(r.Cost) {
		t.Errorf("actions add up to %s, cost is %s", sumActions, r.Cost)
	}
	if !r.ByAction[ActionCashback].Cost.Equal(r.Cashback) {
		t.Errorf("cashback action cost %s != cashback %s", r.ByAction[ActionCashback].Cost, r.Cashback)
	}
	decided := 0
	for _, k := range r.ByRule {
		decided += k
	}
	if decided != r.Matched {
		t.Errorf("rules decided %d cases, matched %d", decided, r.Matched)
	}
}

// checkBudgets recomputes every budget from the decisions and checks none
// was exceeded.
func checkBudgets(t tester, p *Policy, cases []Case, decisions []Decision) {
	t.Helper()
	perOrder := map[string]int64{}
	type entry struct {
		at     time.Time
		amount int64
	}
	perCustomer := map[string][]entry{}
	perDay := map[int64]int64{}
	for i, c := range cases {
		g := decisions[i].cashbackMinor()
		if g == 0 {
			continue
		}
		perOrder[c.OrderID] += g
		if p.perOrder >= 0 && perOrder[c.OrderID] > p.perOrder {
			t.Fatalf("case %d: order %s got %d > per_order %d", i, c.OrderID, perOrder[c.OrderID], p.perOrder)
		}
		day := floorDiv(c.At.Unix(), 86400)
		perDay[day] += g
		if p.perDay >= 0 && perDay[day] > p.perDay {
			t.Fatalf("case %d: day got %d > per_day %d", i, perDay[day], p.perDay)
		}
		perCustomer[c.CustomerID] = append(perCustomer[c.CustomerID], entry{c.At, g})
		var sum int64
		for _, e := range perCustomer[c.CustomerID] {
			if e.at.After(c.At.Add(-window)) {
				sum += e.amount
			}
		}
		if p.perCustomer >= 0 && sum > p.perCustomer {
			t.Fatalf("case %d: customer %s got %d in 90 days > %d", i, c.CustomerID, sum, p.perCustomer)
		}
	}
}

func TestSimulatorBudgetsAcrossCases(t *testing.T) {
	p := mustParse(t, `{"version": "1", "currency": "USD",
		"budgets": {"per_order": "15.00", "per_customer_90_days": "25.00", "per_day": "40.00"},
		"rules": [{"id": "credit", "then": [{"action": "cashback", "amount": "10.00", "message": "m"}]}]}`)
	day0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	c := func(at time.Time, cust, order string) Case {
		return Case{At: at, CustomerID: cust, OrderID: order, Facts: Facts{Currency: "USD"}}
	}
	steps := []struct {
		c    Case
		want string
	}{
		{c(day0, "ann", "a1"), "10.00"},
		{c(day0.Add(time.Hour), "ann", "a1"), "5.00"},                   // per order: 15 - 10
		{c(day0.Add(2*time.Hour), "ann", "a2"), "10.00"},                // customer: 25 - 15
		{c(day0.Add(3*time.Hour), "ann", "a3"), "0.00"},                 // customer budget spent
		{c(day0.Add(4*time.Hour), "bob", "b1"), "10.00"},                // day: 35 of 40
		{c(day0.Add(5*time.Hour), "cat", "c1"), "5.00"},                 // day: 40 of 40
		{c(day0.Add(24*time.Hour), "cat", "c2"), "10.00"},               // new UTC day
		{c(day0.Add(90*24*time.Hour), "ann", "a4"), "10.00"},            // ann's first spends left the window exactly at 90 days
		{c(day0.Add(90*24*time.Hour+time.Minute), "ann", "a5"), "0.00"}, // 10:00 and 11:00 spends still inside: 25 used
		{c(day0.Add(90*24*time.Hour+time.Hour), "ann", "a6"), "5.00"},   // the 10:00 spend (5.00) left
	}
	s := NewSimulator(p)
	var decisions []Decision
	var cases []Case
	for i, st := range steps {
		d, err := s.Add(st.c)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Cashback().StringFixed(2); got != st.want {
			t.Errorf("step %d: cashback %s, want %s; trace %+v", i, got, st.want, d.Trace())
		}
		decisions = append(decisions, d)
		cases = append(cases, st.c)
	}
	checkBudgets(t, p, cases, decisions)
	rep := s.Report()
	if rep.Budgets[BudgetPerOrder].Reduced != 1 || rep.Budgets[BudgetPerCustomer90Days].Reduced != 3 || rep.Budgets[BudgetPerDay].Reduced != 1 {
		t.Errorf("budget stats: %+v", rep.Budgets)
	}
	if got := rep.ByAction[ActionCashback]; got.Customers != 3 || got.Cases != 8 {
		t.Errorf("cashback reached %d customers in %d cases, want 3 in 8", got.Customers, got.Cases)
	}

	if _, err := s.Add(c(day0, "dan", "d1")); !errors.Is(err, ErrOutOfOrder) {
		t.Errorf("out of order: got %v", err)
	}
	if _, err := s.Add(Case{At: day0.Add(100 * 24 * time.Hour), Facts: Facts{Currency: "EUR"}}); !errors.Is(err, ErrInvalidFacts) {
		t.Errorf("bad facts: got %v", err)
	}
	if s.Report().Cases != len(steps) {
		t.Errorf("rejected cases changed the report")
	}
}

func TestSimulateSortsAndReportsBadCase(t *testing.T) {
	p := mustParse(t, `{"version": "1", "currency": "USD", "budgets": {"per_day": "10.00"},
		"rules": [{"id": "credit", "then": [{"action": "cashback", "amount": "6.00", "message": "m"}]}]}`)
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := []Case{
		{At: t0.Add(2 * time.Hour), CustomerID: "late", OrderID: "2", Facts: Facts{Currency: "USD", Tier: TierVIP}},
		{At: t0.Add(1 * time.Hour), CustomerID: "early", OrderID: "1", Facts: Facts{Currency: "USD"}},
	}
	rep, err := Simulate(p, cases)
	if err != nil {
		t.Fatal(err)
	}
	// The earlier case (index 1) gets the full 6.00; the later VIP gets 4.00.
	if got := rep.ByTier[TierVIP].Cashback.StringFixed(2); got != "4.00" {
		t.Errorf("vip cashback %s, want 4.00 (cases must run in time order)", got)
	}
	if cases[0].CustomerID != "late" {
		t.Error("Simulate reordered the caller's slice")
	}
	cases[1].Facts.RiskScore = 101
	if _, err := Simulate(p, cases); err == nil || !errors.Is(err, ErrInvalidFacts) || !strings.Contains(err.Error(), "case 1") {
		t.Errorf("bad case: got %v", err)
	}
}
