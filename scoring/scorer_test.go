package scoring

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/internal/iso4217"
	"github.com/postpurchase/postpurchase/scoring/clv"
	"github.com/shopspring/decimal"
)

func mustScorer(t testing.TB, opts ...Options) *Scorer {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s, err := New(DefaultConfig(), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func reasonTexts(sc Score) []string {
	var out []string
	for _, r := range sc.Reasons {
		out = append(out, r.String())
	}
	return out
}

func checkFiniteScore(t *testing.T, sc Score) {
	t.Helper()
	if math.IsNaN(sc.Value) || math.IsNaN(sc.Risk) || sc.Value < 0 || sc.Value > 100 || sc.Risk < 0 || sc.Risk > 100 {
		t.Fatalf("score out of range: value %v risk %v", sc.Value, sc.Risk)
	}
	for _, r := range sc.Reasons {
		if math.IsNaN(r.Contribution) || math.IsNaN(r.Value) {
			t.Fatalf("NaN in reason %+v", r)
		}
	}
	if !sc.Tier.Valid() {
		t.Fatalf("invalid tier %q", sc.Tier)
	}
}

func TestRegistry(t *testing.T) {
	sigs := Signals()
	if len(sigs) < 40 {
		t.Fatalf("%d built-in signals, want at least 40", len(sigs))
	}
	groups := map[Group]int{}
	seen := map[string]bool{}
	for _, s := range sigs {
		if seen[s.Name] {
			t.Errorf("duplicate signal %q", s.Name)
		}
		seen[s.Name] = true
		groups[s.Group]++
		if !signalName.MatchString(s.Name) || s.Definition == "" || !s.Unit.valid() || !s.Direction.valid() || !s.Group.valid() {
			t.Errorf("signal %+v is not fully described", s.Name)
		}
		if s.Compute == nil {
			t.Errorf("signal %q has no Compute", s.Name)
		}
	}
	for _, g := range []Group{GroupValue, GroupPredicted, GroupEngagement, GroupDelivery, GroupReturns, GroupRisk} {
		if groups[g] == 0 {
			t.Errorf("group %s has no signals", g)
		}
	}
	// Standalone Compute agrees with the scorer's one-pass values.
	h := loyalHistory()
	sc, err := mustScorer(t).Score(testNow, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sigs {
		v, ok := s.Compute(testNow, h)
		w, ok2 := sc.Signals.Get(s.Name)
		if ok != ok2 || (ok && v != w) {
			t.Errorf("%s: Compute = %v,%v; Score = %v,%v", s.Name, v, ok, w, ok2)
		}
	}
}

// TestBuiltinIndices checks that builtins() lists the signals in the
// order of the sig constants agg.values writes them at, and that every
// constant is a signal: the constants' names are the signals' names in
// CamelCase, so a mismatch would also show in review.
func TestBuiltinIndices(t *testing.T) {
	bs := builtins()
	if len(bs) != nBuiltin {
		t.Fatalf("%d built-ins, nBuiltin = %d", len(bs), nBuiltin)
	}
	for i, b := range bs {
		if b.idx != i {
			t.Errorf("builtins()[%d] (%s) has idx %d", i, b.Name, b.idx)
		}
	}
	// Every value is written: a sentinel left in place would be a gap.
	var a agg
	var sc scratch
	for _, h := range []*History{loyalHistory(), riskyHistory(), {}} {
		if err := a.aggregate(h, testNow, nil, &sc); err != nil {
			t.Fatal(err)
		}
		var out [nBuiltin]float64
		for i := range out {
			out[i] = -12345.678
		}
		a.values(h, &out)
		for i, v := range out {
			if v == -12345.678 {
				t.Errorf("values does not write %s", bs[i].Name)
			}
		}
	}
}

func TestScoreLoyalAndRisky(t *testing.T) {
	s := mustScorer(t)
	loyal, err := s.Score(testNow, loyalHistory())
	if err != nil {
		t.Fatal(err)
	}
	risky, err := s.Score(testNow, riskyHistory())
	if err != nil {
		t.Fatal(err)
	}
	checkFiniteScore(t, loyal)
	checkFiniteScore(t, risky)
	if loyal.Tier != TierLoyal && loyal.Tier != TierVIP {
		t.Errorf("loyal customer tier = %s (value %.1f, risk %.1f)", loyal.Tier, loyal.Value, loyal.Risk)
	}
	if risky.Tier != TierRisky {
		t.Errorf("risky customer tier = %s (value %.1f, risk %.1f)", risky.Tier, risky.Value, risky.Risk)
	}
	if !(loyal.Value > risky.Value) || !(risky.Risk > 60) || !(loyal.Risk < 10) {
		t.Errorf("loyal %.1f/%.1f vs risky %.1f/%.1f", loyal.Value, loyal.Risk, risky.Value, risky.Risk)
	}
	lt := strings.Join(reasonTexts(loyal), "; ")
	if !strings.Contains(lt, "came back to buy on 9 more days") || !strings.Contains(lt, "$845.00 spent in total") {
		t.Errorf("loyal reasons: %s", lt)
	}
	rt := strings.Join(reasonTexts(risky), "; ")
	for _, want := range []string{"2 item-not-received claims in 60 days", "payment risk score 71/100", "uses a disposable email address"} {
		if !strings.Contains(rt, want) {
			t.Errorf("risky reasons lack %q: %s", want, rt)
		}
	}
	// Reasons are sorted by magnitude and carry the effect.
	for i := 1; i < len(risky.Reasons); i++ {
		if math.Abs(risky.Reasons[i].Contribution) > math.Abs(risky.Reasons[i-1].Contribution) {
			t.Errorf("reasons not sorted: %+v", risky.Reasons)
		}
	}
	if risky.Reasons[0].Effect != EffectRisk || risky.Reasons[0].Contribution <= 0 {
		t.Errorf("top risky reason %+v", risky.Reasons[0])
	}
	// Risk contributions add up to the risk score (no damping here).
	var sum float64
	cfg := DefaultConfig()
	cfg.Reasons, cfg.MinContribution = MaxReasons, 0
	all, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	full, _ := all.Score(testNow, riskyHistory())
	for _, r := range full.Reasons {
		if r.Effect == EffectRisk {
			sum += r.Contribution
		}
	}
	if math.Abs(sum-full.Risk) > 1e-9 {
		t.Errorf("risk contributions sum to %.6f, risk is %.6f", sum, full.Risk)
	}
}

func TestVIPCustomer(t *testing.T) {
	h := loyalHistory()
	h.Profile.Tags = []string{"VIP"}
	for i := range h.Orders {
		h.Orders[i].Total = usd("260.00")
	}
	h.Engagement.Referrals = 3
	sc, err := mustScorer(t).Score(testNow, h)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Tier != TierVIP {
		t.Errorf("tier = %s, value %.1f: %v", sc.Tier, sc.Value, reasonTexts(sc))
	}
}

// A brand with only orders still gets a score; absent parts are missing.
func TestOnlyOrdersAndMissing(t *testing.T) {
	s := mustScorer(t)
	h := &History{Orders: loyalHistory().Orders}
	sc, err := s.Score(testNow, h)
	if err != nil {
		t.Fatal(err)
	}
	checkFiniteScore(t, sc)
	if sc.Value <= 55 {
		t.Errorf("10 orders only: value %.1f, want a clearly positive score", sc.Value)
	}
	for _, name := range []string{"return_rate", "late_deliveries", "chargebacks", "email_open_rate", "probability_alive", "net_spent", "discount_share"} {
		if _, ok := sc.Signals.Get(name); ok {
			t.Errorf("%s present without its inputs", name)
		}
	}
	// Known-empty returns: return_rate is 0, not missing, and the score moves.
	h.Returns = []Return{}
	sc2, _ := s.Score(testNow, h)
	if v, ok := sc2.Signals.Get("return_rate"); !ok || v != 0 {
		t.Errorf("return_rate with no returns = %v, %v; want 0, true", v, ok)
	}
	if sc2.Value == sc.Value {
		t.Error("a known zero return rate should count, a missing one not")
	}
	// Empty history: neutral, default tier, no reasons.
	sc3, err := s.Score(testNow, &History{})
	if err != nil {
		t.Fatal(err)
	}
	if sc3.Value != 50 || sc3.Risk != 0 || sc3.Tier != TierRegular || len(sc3.Reasons) != 0 || len(sc3.Signals.Present()) != 0 {
		t.Errorf("empty history: %+v", sc3)
	}
	if sc4, err := s.Score(testNow, nil); err != nil || sc4.Value != 50 {
		t.Errorf("nil history: %+v %v", sc4, err)
	}
}

// A zero Discount means "none or unknown": discount_share is missing until
// some order records a discount, then zeros count as none.
func TestDiscountShareUnknown(t *testing.T) {
	s := mustScorer(t)
	h := &History{Orders: loyalHistory().Orders}
	sc, err := s.Score(testNow, h)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := sc.Signals.Get("discount_share"); ok {
		t.Errorf("discount_share = %v with no discount recorded, want missing", v)
	}
	h.Orders[0].Discount = usd("15.50") // 845 charged in total, 860.50 list
	sc, err = s.Score(testNow, h)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := sc.Signals.Get("discount_share"); !ok || math.Abs(v-15.5/860.5) > 1e-12 {
		t.Errorf("discount_share = %v, %v; want %v", v, ok, 15.5/860.5)
	}
}

// A purchase is a day with an order, for the tiers as for the value
// models: two orders on one day are one purchase, and the customer is
// still new; a second day makes a repeat customer.
func TestSameDayOrdersArePurchaseOnce(t *testing.T) {
	s := mustScorer(t)
	day := testNow.AddDate(0, 0, -30).Truncate(24 * time.Hour)
	h := &History{Orders: []Order{
		{ID: "1", PlacedAt: day.Add(9 * time.Hour), Total: usd("400"), Currency: "USD"},
		{ID: "2", PlacedAt: day.Add(15 * time.Hour), Total: usd("400"), Currency: "USD"},
	}}
	sc, err := s.Score(testNow, h)
	if err != nil {
		t.Fatal(err)
	}
	sum, ok, err := Summary(testNow, h, 0)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if sc.Tier != TierNew || sum.Frequency != 0 {
		t.Errorf("two orders on one day: tier %s, BG/NBD frequency %d; want new, 0", sc.Tier, sum.Frequency)
	}
	h.Orders[1].PlacedAt = day.Add(33 * time.Hour) // the next UTC day
	sc, _ = s.Score(testNow, h)
	sum, _, _ = Summary(testNow, h, 0)
	if sc.Tier == TierNew || sum.Frequency != 1 {
		t.Errorf("orders on two days: tier %s, frequency %d; want not new, 1", sc.Tier, sum.Frequency)
	}
	// No order at all (known): new, as before.
	if sc, _ := s.Score(testNow, &History{Orders: []Order{}}); sc.Tier != TierNew {
		t.Errorf("no orders: tier %s, want new", sc.Tier)
	}
}

func TestFirstOrderIsNew(t *testing.T) {
	h := &History{Orders: []Order{{ID: "1", PlacedAt: testNow.Add(-3 * time.Hour), Total: usd("35"), Currency: "EUR"}}}
	sc, err := mustScorer(t).Score(testNow, h)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Tier != TierNew {
		t.Errorf("first order tier = %s", sc.Tier)
	}
	if got := strings.Join(reasonTexts(sc), "; "); !strings.Contains(got, "€35.00 spent in total") {
		t.Errorf("reasons: %s", got)
	}
}

func TestHistoryErrors(t *testing.T) {
	s := mustScorer(t)
	cases := []struct {
		field string
		mut   func(h *History)
	}{
		{"orders[2].total", func(h *History) { h.Orders[2].Total = usd("-1") }},
		{"orders[1].placed_at", func(h *History) { h.Orders[1].PlacedAt = testNow.Add(time.Hour) }},
		{"orders[1].placed_at", func(h *History) { h.Orders[1].PlacedAt = time.Time{} }},
		{"orders[4].id", func(h *History) { h.Orders[4].ID = h.Orders[0].ID }},
		{"orders[3].currency", func(h *History) { h.Orders[3].Currency = "EUR" }},
		{"orders[0].currency", func(h *History) { h.Orders[0].Currency = "usd" }},
		{"orders[0].currency", func(h *History) { h.Orders[0].Currency = "XAU" }},
		{"orders[0].currency", func(h *History) { h.Orders[0].Currency = strings.Repeat("U", 1000) }},
		{"orders[0].discount", func(h *History) { h.Orders[0].Discount = usd("-5") }},
		{"orders[0].items", func(h *History) { h.Orders[0].Items = -2 }},
		{"risk.processor_risk_score", func(h *History) { h.Risk.ProcessorRiskScore = new(math.NaN()) }},
		{"risk.processor_risk_score", func(h *History) { h.Risk.ProcessorRiskScore = new(math.Inf(1)) }},
		{"risk.processor_risk_score", func(h *History) { h.Risk.ProcessorRiskScore = new(101.0) }},
		{"risk.chargebacks", func(h *History) { h.Risk.Chargebacks = new(-1) }},
		{"returns[0].value", func(h *History) { h.Returns[0].Value = usd("-3") }},
		{"returns[0].created_at", func(h *History) { h.Returns[0].CreatedAt = testNow.AddDate(0, 0, 1) }},
		{"shipments[0].delivered_at", func(h *History) { h.Shipments[0].DeliveredAt = testNow.AddDate(0, 0, 2) }},
		{"shipments[0].delivered_at", func(h *History) { h.Shipments[0].DeliveredAt = h.Shipments[0].ShippedAt.Add(-time.Hour) }},
		{"engagement.reviews[0].rating", func(h *History) { h.Engagement.Reviews[0].Rating = 9 }},
		{"engagement", func(h *History) { h.Engagement.EmailOpens = -1 }},
		{"claims[0].created_at", func(h *History) { h.Claims = []Claim{{Kind: ClaimDamaged}} }},
		{"support[0].at", func(h *History) { h.Support = []SupportContact{{At: testNow.AddDate(1, 0, 0)}} }},
		{"cashback.redeemed", func(h *History) { h.Cashback = &Cashback{Redeemed: usd("-1")} }},
		{"profile.created_at", func(h *History) { h.Profile.CreatedAt = testNow.AddDate(0, 1, 0) }},
	}
	for _, c := range cases {
		h := loyalHistory()
		c.mut(h)
		_, err := s.Score(testNow, h)
		var he *HistoryError
		if !errors.As(err, &he) || !errors.Is(err, ErrInvalidHistory) || he.Path != c.field {
			t.Errorf("%s: err = %v", c.field, err)
			continue
		}
		if strings.Contains(err.Error(), "o-0") || strings.Contains(err.Error(), "h1") {
			t.Errorf("%s: error leaks an identifier: %v", c.field, err)
		}
	}
	// Money follows the module's one rule (internal/iso4217).
	for _, c := range []struct {
		field string
		err   error
		mut   func(h *History)
	}{
		{"orders[2].total", ErrTooPrecise, func(h *History) { h.Orders[2].Total = usd("12.505") }},
		{"orders[2].total", ErrTooLarge, func(h *History) { h.Orders[2].Total = usd("1e14") }},
		{"orders[0].discount", ErrTooPrecise, func(h *History) { h.Orders[0].Discount = usd("0.001") }},
		{"orders[0].currency", ErrUnknownCurrency, func(h *History) { h.Orders[0].Currency = "XTS" }},
		{"returns[0].value", ErrTooPrecise, func(h *History) { h.Returns[0].Value = usd("1.001") }},
		{"orders[5].currency", nil, func(h *History) { h.Orders[5].Currency = "" }},
	} {
		h := loyalHistory()
		c.mut(h)
		_, err := s.Score(testNow, h)
		var he *HistoryError
		if !errors.As(err, &he) || he.Path != c.field || (c.err != nil && !errors.Is(err, c.err)) || !errors.Is(err, ErrInvalidHistory) {
			t.Errorf("%s: err = %v", c.field, err)
		}
	}
	jpy := &History{Orders: []Order{{PlacedAt: testNow.AddDate(0, 0, -3), Total: usd("1200"), Currency: "JPY"}}}
	if _, err := s.Score(testNow, jpy); err != nil {
		t.Errorf("1200 JPY: %v", err)
	}
	jpy.Orders[0].Total = usd("1200.5")
	if _, err := s.Score(testNow, jpy); !errors.Is(err, ErrTooPrecise) {
		t.Errorf("1200.5 JPY: %v", err)
	}

	// Many orders (heap path) still find duplicates.
	h := &History{}
	for i := range 100 {
		h.Orders = append(h.Orders, Order{ID: strconv.Itoa(i), PlacedAt: testNow.AddDate(0, 0, -i), Total: usd("1"), Currency: "USD"})
	}
	h.Orders[77].ID = "5"
	if _, err := s.Score(testNow, h); err == nil || !strings.Contains(err.Error(), "orders[77].id") {
		t.Errorf("duplicate among 100 orders: %v", err)
	}
	// Within the clock-skew allowance is fine.
	h2 := loyalHistory()
	h2.Orders[9].PlacedAt = testNow.Add(MaxClockSkew / 2)
	if _, err := s.Score(testNow, h2); err != nil {
		t.Errorf("order within clock skew: %v", err)
	}
}

func TestDeterministicAndConcurrent(t *testing.T) {
	s := mustScorer(t)
	want, err := s.Score(testNow, loyalHistory())
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				h := loyalHistory()
				if i%2 == 0 {
					h = riskyHistory()
				}
				sc, err := s.Score(testNow, h)
				if err != nil {
					errs <- err.Error()
					return
				}
				if i%2 == 1 {
					got, _ := json.Marshal(sc)
					if string(got) != string(wantJSON) {
						errs <- "different result for the same input"
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// The result does not depend on the time zone of now.
	other, _ := s.Score(testNow.In(time.FixedZone("x", -7*3600)), loyalHistory())
	if other.Value != want.Value || other.Risk != want.Risk {
		t.Error("now's time zone changed the score")
	}
}

func TestScoreJSON(t *testing.T) {
	sc, err := mustScorer(t).Score(testNow, riskyHistory())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Value   float64            `json:"value"`
		Risk    float64            `json:"risk"`
		Tier    Tier               `json:"tier"`
		Reasons []map[string]any   `json:"reasons"`
		Signals map[string]float64 `json:"signals"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Tier != TierRisky || got.Reasons[0]["text"] == "" || got.Signals["not_received_claims_60_days"] != 2 {
		t.Errorf("JSON: %s", b)
	}
	if _, ok := got.Signals["return_rate"]; ok {
		t.Error("missing signal encoded")
	}
}

func TestTierText(t *testing.T) {
	for _, tr := range Tiers() {
		b, err := json.Marshal(tr)
		if err != nil {
			t.Fatal(err)
		}
		var back Tier
		if err := json.Unmarshal(b, &back); err != nil || back != tr {
			t.Errorf("%s round trip: %s %v", tr, back, err)
		}
	}
	var bad Tier
	if err := json.Unmarshal([]byte(`"gold"`), &bad); err == nil {
		t.Error("unknown tier accepted")
	}
	if _, err := json.Marshal(Tier("gold")); err == nil {
		t.Error("unknown tier marshalled")
	}
}

func TestCustomSignal(t *testing.T) {
	subscription := Signal{
		Name: "subscription_months", Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Scale: 6, Neutral: 0,
		Definition: "Months on the coffee subscription.",
		Compute: func(now time.Time, h *History) (float64, bool) {
			if h.Profile == nil {
				return 0, false
			}
			for _, tag := range h.Profile.Tags {
				if tag == "subscriber" {
					return 18, true
				}
			}
			return 0, true
		},
		Describe: func(v float64) string { return plural(v, "month", "months") + " on the subscription" },
	}
	cfg := DefaultConfig()
	cfg.ValueWeights["subscription_months"] = 8
	cfg.Reasons = 1
	s, err := New(cfg, Options{Signals: []Signal{subscription}})
	if err != nil {
		t.Fatal(err)
	}
	h := loyalHistory()
	base, _ := s.Score(testNow, h)
	h.Profile.Tags = append(h.Profile.Tags, "subscriber")
	sc, err := s.Score(testNow, h)
	if err != nil {
		t.Fatal(err)
	}
	if !(sc.Value > base.Value) || len(sc.Reasons) != 1 || sc.Reasons[0].String() != "18 months on the subscription" {
		t.Errorf("custom signal: %.1f vs %.1f, %v", sc.Value, base.Value, reasonTexts(sc))
	}
	// Unknown in the config without registration.
	if _, err := New(cfg, Options{}); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "value_weights.subscription_months") {
		t.Errorf("unregistered signal in config: %v", err)
	}
	bad := []Signal{
		{Name: "Bad Name", Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Compute: subscription.Compute},
		{Name: "order_count", Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Compute: subscription.Compute},
		{Name: "value", Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Compute: subscription.Compute},
		{Name: "x", Group: "misc", Unit: UnitCount, Direction: MoreValue, Compute: subscription.Compute},
		{Name: "x", Group: GroupValue, Unit: UnitCount, Direction: MoreValue},
		{Name: "x", Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Scale: math.NaN(), Compute: subscription.Compute},
	}
	for _, b := range bad {
		if _, err := New(DefaultConfig(), Options{Signals: []Signal{b}}); !errors.Is(err, ErrInvalidSignal) {
			t.Errorf("signal %q accepted: %v", b.Name, err)
		}
	}
	nanSig := Signal{Name: "broken", Group: GroupRisk, Unit: UnitCount, Direction: MoreRisk,
		Compute: func(time.Time, *History) (float64, bool) { return math.NaN(), true }}
	s2, err := New(DefaultConfig(), Options{Signals: []Signal{nanSig}})
	if err != nil {
		t.Fatal(err)
	}
	var se *SignalError
	if _, err := s2.Score(testNow, loyalHistory()); !errors.As(err, &se) || se.Signal != "broken" {
		t.Errorf("NaN custom signal: %v", err)
	}
}

func TestConfigOverlayAndRoundTrip(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"value_weights": {"vip_tag": 0, "referrals": 4}, "reasons": 3}`))
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig()
	if cfg.ValueWeights["vip_tag"] != 0 || cfg.ValueWeights["referrals"] != 4 || cfg.Reasons != 3 ||
		cfg.ValueWeights["order_count"] != def.ValueWeights["order_count"] || !reflect.DeepEqual(cfg.Tiers, def.Tiers) {
		t.Errorf("overlay: %+v", cfg)
	}
	b, err := json.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, def) {
		t.Errorf("default config does not round-trip:\n%+v\n%+v", back, def)
	}
	// The Scorer keeps its own copy.
	s := mustScorer(t)
	c := s.Config()
	c.ValueWeights["order_count"] = 9
	if s.Config().ValueWeights["order_count"] == 9 {
		t.Error("Config() exposes internal state")
	}
}

// ModelValueWeights replace ValueWeights entry by entry, and only when the
// Scorer has a model.
func TestModelValueWeights(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"value_weights": {"total_spent": 2}, "model_value_weights": {"total_spent": 5, "referrals": 0}}`))
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultConfig()
	if cfg.ValueWeights["total_spent"] != 2 || cfg.ModelValueWeights["total_spent"] != 5 || cfg.ModelValueWeights["referrals"] != 0 ||
		cfg.ModelValueWeights["predicted_value_12_months"] != def.ModelValueWeights["predicted_value_12_months"] {
		t.Errorf("overlay: %v / %v", cfg.ValueWeights, cfg.ModelValueWeights)
	}
	weightOf := func(s *Scorer, name string) float64 {
		for _, u := range s.used {
			if s.reg.sigs[u.idx].Name == name {
				return u.vw
			}
		}
		return 0
	}
	plain, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	withModel, err := New(cfg, Options{Model: benchModel()})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s          *Scorer
		name       string
		want       float64
		withOrNone string
	}{
		{plain, "total_spent", 2, "without"}, {withModel, "total_spent", 5, "with"},
		{plain, "referrals", def.ValueWeights["referrals"], "without"}, {withModel, "referrals", 0, "with"},
		{plain, "repeat_purchase_days", def.ValueWeights["repeat_purchase_days"], "without"},
		{withModel, "repeat_purchase_days", def.ModelValueWeights["repeat_purchase_days"], "with"},
		{withModel, "email_open_rate", def.ValueWeights["email_open_rate"], "with"}, // no entry: ValueWeights
	} {
		if got := weightOf(c.s, c.name); got != c.want {
			t.Errorf("%s a model: %s weight %v, want %v", c.withOrNone, c.name, got, c.want)
		}
	}
	// Same history, different weights: the model's Value differs.
	a, _ := plain.Score(testNow, loyalHistory())
	b, _ := withModel.Score(testNow, loyalHistory())
	if a.Value == b.Value {
		t.Errorf("Value %v with and without a model", a.Value)
	}
}

// With a model, a customer with no purchase yet does not outrank one who
// bought once (repeat_purchase_days is 0 for both, not missing for the
// first), and one-time buyers are not ordered by the age of their order.
func TestModelNoOrdersAndOneTimeBuyers(t *testing.T) {
	s := mustScorer(t, Options{Model: benchModel()})
	score := func(h *History) Score {
		t.Helper()
		sc, err := s.Score(testNow, h)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	none := score(&History{Orders: []Order{}})
	recent := score(&History{Orders: []Order{{ID: "1", PlacedAt: testNow.AddDate(0, 0, -3), Total: usd("35"), Currency: "USD"}}})
	old := score(&History{Orders: []Order{{ID: "1", PlacedAt: testNow.AddDate(0, -8, 0), Total: usd("35"), Currency: "USD"}}})
	repeat := score(&History{Orders: []Order{
		{ID: "1", PlacedAt: testNow.AddDate(0, -8, 0), Total: usd("35"), Currency: "USD"},
		{ID: "2", PlacedAt: testNow.AddDate(0, -7, 0), Total: usd("35"), Currency: "USD"},
	}})
	if !(none.Value <= recent.Value) || recent.Value != old.Value || !(repeat.Value > recent.Value) {
		t.Errorf("Value: no orders %.2f, one recent order %.2f, one old order %.2f, two purchase days %.2f", none.Value, recent.Value, old.Value, repeat.Value)
	}
	if _, ok := recent.Signals.Get("predicted_value_12_months"); ok {
		t.Error("predicted_value_12_months present for a one-time buyer")
	}
	if v, ok := repeat.Signals.Get("predicted_value_12_months"); !ok || !(v > 0) {
		t.Errorf("predicted_value_12_months %v %v for a repeat buyer", v, ok)
	}
	if got := strings.Join(reasonTexts(none), "; "); !strings.Contains(got, "has not bought yet") {
		t.Errorf("no-order reasons: %s", got)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct{ json, path string }{
		{`{"value_weights": {"order_count": 11}}`, "value_weights.order_count"},
		{`{"value_weights": {"order_count": -1}}`, "value_weights.order_count"},
		{`{"risk_weights": {"chargebacks": 1.5}}`, "risk_weights.chargebacks"},
		{`{"model_value_weights": {"total_spent": 11}}`, "model_value_weights.total_spent"},
		{`{"model_value_weights": {"totl_spent": 1}}`, "model_value_weights.totl_spent"},
		{`{"model_value_weights": []}`, "model_value_weights"},
		{`{"value_weights": {"ordr_count": 1}}`, "value_weights.ordr_count"},
		{`{"risk_weights": {"chargebacks": "high"}}`, "risk_weights.chargebacks"},
		{`{"risk_weights": {"chargebacks": null}}`, "risk_weights.chargebacks"},
		{`{"scales": {"total_spent": 0}}`, "scales.total_spent"},
		{`{"weights": {}}`, "weights"},
		{`{"reasons": 2.5}`, "reasons"},
		{`{"reasons": 99}`, "reasons"},
		{`{"min_contribution": -1}`, "min_contribution"},
		{`{"tiers": {"default": "gold", "rules": []}}`, "tiers.default"},
		{`{"tiers": {"default": "new"}}`, "tiers.rules"},
		{`{"tiers": {"rules": [{"tier": "vip"}]}}`, "tiers.rules[0].when"},
		{`{"tiers": {"rules": [{"when": {}}]}}`, "tiers.rules[0].tier"},
		{`{"tiers": {"rules": [{"tier": "vip", "when": {"value": {"at_least": 80, "below": 70}}}]}}`, "tiers.rules[0].when.value"},
		{`{"tiers": {"rules": [{"tier": "vip", "when": {"value": {}}}]}}`, "tiers.rules[0].when.value"},
		{`{"tiers": {"rules": [{"tier": "vip", "when": {"value": {"above": 3}}}]}}`, "tiers.rules[0].when.value.above"},
		{`{"tiers": {"rules": [{"tier": "vip", "when": {"valeu": {"at_least": 3}}}]}}`, "tiers.rules[0].when.valeu"},
		{`{"tiers": {"rules": [{"tier": "vip", "when": {"value": {"at_least": 70}}}, {"tier": "risky", "when": {"risk": {"at_least": 60}}}]}}`, "tiers.rules[1]"},
		{`{"tiers": {"rules": [{"tier": "new", "when": {"order_count": {"below": 2}}}, {"tier": "loyal", "when": {"order_count": {"at_least": 1}, "value": {"at_least": 50}}}]}}`, "tiers.rules[1]"},
		{`{"value_weights": {"a": 1, "a": 2}}`, "value_weights.a"},
		{`{"value_weights": {"order count": 1}}`, `value_weights["order count"]`},
		{`[1, 2]`, ""},
		{`{"value_weights": {`, ""},
		{`{"reasons": 1e999}`, "reasons"},
	}
	for _, c := range cases {
		cfg, err := ParseConfig([]byte(c.json))
		if err == nil {
			_, err = New(cfg, Options{})
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) || ce.Path != c.path {
			t.Errorf("%s: err = %v (path %q), want path %q", c.json, err, pathOf(ce), c.path)
		}
	}
	// Disjoint rules for different tiers and overlapping rules of one tier are fine.
	ok := `{"tiers": {"default": "regular", "rules": [
		{"tier": "risky", "when": {"risk": {"at_least": 60}}},
		{"tier": "risky", "when": {"chargebacks": {"at_least": 1}, "risk": {"at_least": 20}}},
		{"tier": "vip", "when": {"risk": {"below": 20}, "value": {"at_least": 75}}}]}}`
	cfg, err := ParseConfig([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(cfg, Options{}); err != nil {
		t.Fatal(err)
	}
}

// TestConfigNumbersExact: numbers float64 would change are refused with
// ErrInexactNumber; ordinary decimals such as 0.1 are accepted.
func TestConfigNumbersExact(t *testing.T) {
	for _, c := range []struct {
		json, path string
		ok         bool
	}{
		{`{"value_weights": {"order_count": 1e-400}}`, "value_weights.order_count", false},
		{`{"value_weights": {"order_count": 10.0000000000000000001}}`, "value_weights.order_count", false},
		{`{"value_weights": {"order_count": 0.30000000000000001}}`, "value_weights.order_count", false},
		{`{"scales": {"total_spent": 123456789012345678901}}`, "scales.total_spent", false},
		{`{"tiers": {"rules": [{"tier": "vip", "when": {"value": {"at_least": 1e-99999999}}}]}}`, "tiers.rules[0].when.value.at_least", false},
		{`{"min_contribution": 0.` + strings.Repeat("0", 70) + `1}`, "min_contribution", false},
		{`{"value_weights": {"order_count": 0.1}}`, "", true},
		{`{"value_weights": {"order_count": 1e-3, "tenure_days": 2.5E0, "total_spent": 0.30000000000000004}}`, "", true},
		{`{"value_weights": {"order_count": 0e-500}}`, "", true},
	} {
		cfg, err := ParseConfig([]byte(c.json))
		if c.ok {
			if err != nil {
				t.Errorf("%s: %v", c.json, err)
			}
			continue
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrInexactNumber) || !errors.Is(err, ErrInvalidConfig) || ce.Path != c.path {
			t.Errorf("%s: err = %v (path %q), want ErrInexactNumber at %q", c.json, err, pathOf(ce), c.path)
		}
		_ = cfg
	}
}

// TestConfigErrorClipped: a document just under the size limit whose
// problem is a 900 KB key gives an error text of a few hundred bytes.
func TestConfigErrorClipped(t *testing.T) {
	long := strings.Repeat("a", 900<<10)
	for _, doc := range []string{
		`{"value_weights": {"` + long + `": 1}}`,
		`{"value_weights": {"` + long + `é": 1}}`,
		`{"tiers": {"rules": [{"tier": "vip", "when": {"` + long + `": {"at_least": 1}}}]}}`,
		`{"` + long + `": 1}`,
		`{"tiers": {"default": "` + long + `", "rules": []}}`,
	} {
		cfg, err := ParseConfig([]byte(doc))
		if err == nil {
			_, err = New(cfg, Options{})
		}
		if !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("err = %v", err)
		}
		if n := len(err.Error()); n > 300 {
			t.Errorf("error text is %d bytes", n)
		}
	}
	sig := Signal{Name: long, Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Compute: func(time.Time, *History) (float64, bool) { return 0, false }}
	if _, err := New(DefaultConfig(), Options{Signals: []Signal{sig}}); !errors.Is(err, ErrInvalidSignal) || len(err.Error()) > 300 {
		t.Errorf("signal error: %d bytes", len(err.Error()))
	}
}

func pathOf(ce *ConfigError) string {
	if ce == nil {
		return "<none>"
	}
	return ce.Path
}

func TestTierRuleOnSignal(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"tiers": {"default": "regular", "rules": [
		{"tier": "risky", "when": {"chargebacks": {"at_least": 1}}},
		{"tier": "vip", "when": {"chargebacks": {"below": 1}, "vip_tag": {"at_least": 1}}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := loyalHistory()
	h.Profile.Tags = []string{"vip"}
	if sc, _ := s.Score(testNow, h); sc.Tier != TierVIP {
		t.Errorf("tagged: %s", sc.Tier)
	}
	h.Risk.Chargebacks = new(1)
	if sc, _ := s.Score(testNow, h); sc.Tier != TierRisky {
		t.Errorf("chargeback: %s", sc.Tier)
	}
	h.Risk = nil // chargebacks missing: neither rule holds
	if sc, _ := s.Score(testNow, h); sc.Tier != TierRegular {
		t.Errorf("missing signal: %s", sc.Tier)
	}
}

func TestModelOption(t *testing.T) {
	week := 7 * 24 * time.Hour
	m := &clv.Model{
		Unit:      week,
		Purchases: clv.BGNBD{R: 0.242593, Alpha: 4.413532, A: 0.792886, B: 2.425752},
		Spend:     clv.GammaGamma{P: 6.248803, Q: 3.744588, V: 15.447747},
		Currency:  "USD",
	}
	s := mustScorer(t, Options{Model: m})
	h := loyalHistory()
	sc, err := s.Score(testNow, h)
	if err != nil {
		t.Fatal(err)
	}
	checkFiniteScore(t, sc)
	// x = 9 repeat days, t_x = 378 days, T = 426 days, in weeks.
	x, tx, T := 9, 378.0/7, 426.0/7
	pa, ok := sc.Signals.Get("probability_alive")
	if !ok || math.Abs(pa-m.Purchases.ProbabilityAlive(x, tx, T)) > 1e-12 {
		t.Errorf("probability_alive = %v, %v", pa, ok)
	}
	e90, _ := sc.Signals.Get("expected_purchases_90_days")
	if want := m.Purchases.ConditionalExpectedPurchases(90.0/7, x, tx, T); math.Abs(e90-want) > 1e-9 {
		t.Errorf("expected_purchases_90_days = %v, want %v", e90, want)
	}
	v12, ok := sc.Signals.Get("predicted_value_12_months")
	if !ok || !(v12 > 0) {
		t.Errorf("predicted_value_12_months = %v, %v", v12, ok)
	}
	// Another currency: money predictions are missing, counts stay.
	h.Orders = append([]Order(nil), h.Orders...)
	for i := range h.Orders {
		h.Orders[i].Currency = "EUR"
	}
	h.Returns[0].Currency = "EUR"
	sc2, err := s.Score(testNow, h)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sc2.Signals.Get("predicted_value_12_months"); ok {
		t.Error("value prediction across currencies")
	}
	if _, ok := sc2.Signals.Get("probability_alive"); !ok {
		t.Error("probability_alive missing")
	}
	if _, err := New(DefaultConfig(), Options{Model: &clv.Model{Unit: week}}); err == nil {
		t.Error("unfitted model accepted")
	}
}

// The inlined fast path of the money check agrees with iso4217.ToUnits on
// every amount it accepts: it only ever skips the call for amounts the
// rule accepts.
func TestAmountFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(4217, 14))
	for _, cur := range []string{"USD", "JPY", "KWD", "CLF"} {
		var a agg
		if err := a.setCurrency("orders", 0, cur); err != nil {
			t.Fatal(err)
		}
		for range 20000 {
			coef := r.Int64N(1 << uint(1+r.IntN(62)))
			exp := int32(r.IntN(40) - 25)
			d := decimal.New(coef, exp)
			f := money(d)
			_, err := iso4217.ToUnits(d, a.minor)
			if a.amountOK(d, f, cur) && err != nil {
				t.Fatalf("%s %s: fast path accepts, ToUnits says %v", d, cur, err)
			}
			if got := a.amount("orders", 0, "total", d, f, cur); (got == nil) != (err == nil) {
				t.Fatalf("%s %s: amount %v, ToUnits %v", d, cur, got, err)
			}
		}
	}
}

// With a model, a ValueWeights change that a default ModelValueWeights
// entry would replace is an error at its path (it would have no effect);
// setting the model entry too, deleting it, changing it to the weight the
// model gives anyway, or having no model is fine.
func TestModelValueWeightsShadowed(t *testing.T) {
	model := Options{Model: benchModel()}
	for _, c := range []struct {
		json     string
		opts     Options
		wantPath string // "" = no error
	}{
		{`{"value_weights": {"total_spent": 5}}`, model, "value_weights.total_spent"},
		{`{"value_weights": {"repeat_purchase_days": 4}}`, model, "value_weights.repeat_purchase_days"},
		{`{"value_weights": {"total_spent": 5}, "model_value_weights": {"total_spent": 5}}`, model, ""},
		{`{"value_weights": {"total_spent": 5}, "model_value_weights": {"total_spent": 2}}`, model, ""},
		{`{"value_weights": {"total_spent": 0}}`, model, ""}, // the model entry's 0 anyway
		{`{"value_weights": {"total_spent": 5}}`, Options{}, ""},
		{`{"value_weights": {"email_open_rate": 5}}`, model, ""}, // no model entry
	} {
		cfg, err := ParseConfig([]byte(c.json))
		if err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		_, err = New(cfg, c.opts)
		var ce *ConfigError
		switch {
		case c.wantPath == "" && err != nil:
			t.Errorf("%s (model %v): %v", c.json, c.opts.Model != nil, err)
		case c.wantPath != "" && !errors.As(err, &ce):
			t.Errorf("%s: err %v, want a *ConfigError", c.json, err)
		case c.wantPath != "" && (ce.Path != c.wantPath || !errors.Is(err, ErrInvalidConfig)):
			t.Errorf("%s: %v (path %q), want path %q and ErrInvalidConfig", c.json, err, ce.Path, c.wantPath)
		}
	}
	// Built in code: deleting the model entry keeps the ValueWeights weight.
	cfg := DefaultConfig()
	cfg.ValueWeights["total_spent"] = 5
	if _, err := New(cfg, model); err == nil {
		t.Error("code-built config: no error for a shadowed ValueWeights change")
	}
	delete(cfg.ModelValueWeights, "total_spent")
	s, err := New(cfg, model)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range s.used {
		if s.reg.sigs[u.idx].Name == "total_spent" && u.vw != 5 {
			t.Errorf("total_spent weight %v with the model entry deleted, want 5", u.vw)
		}
	}
}
