package clv

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/internal/benchcpu"
	"github.com/shopspring/decimal"
)

func fitCDNOWSpend(t testing.TB) GammaGammaFit {
	t.Helper()
	fit, err := FitGammaGamma(context.Background(), loadCDNOWSummary(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return fit
}

// Acceptance (issue 5): p, q, v within 1 % of the published 6.25, 3.74,
// 15.44 (Hardie note 025; lifetimes and CLVTools assert them).
func TestFitGammaGammaCDNOW(t *testing.T) {
	fit := fitCDNOWSpend(t)
	g := fit.Params
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"p", g.P, 6.25}, {"q", g.Q, 3.74}, {"v", g.V, 15.44}} {
		if e := relErr(c.got, c.want); e > 0.01 {
			t.Errorf("%s = %.5f, want %.2f within 1%% (rel err %.2g)", c.name, c.got, c.want, e)
		}
	}
	// Measured optimum (scoring.md §4.3): 6.248803, 3.744588, 15.447747.
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"p", g.P, 6.248803}, {"q", g.Q, 3.744588}, {"v", g.V, 15.447747}} {
		if e := relErr(c.got, c.want); e > 1e-4 {
			t.Errorf("%s = %.6f, want %.6f (rel err %.2g)", c.name, c.got, c.want, e)
		}
	}
	if fit.Customers != 946 {
		t.Errorf("customers = %d, want 946 repeat customers", fit.Customers)
	}
	if math.Abs(fit.LogLikelihood-(-4055.9232)) > 0.01 {
		t.Errorf("log-likelihood = %.4f, want -4055.9232", fit.LogLikelihood)
	}
}

func TestGammaGammaGradient(t *testing.T) {
	var xs []int
	var ms []float64
	for _, s := range loadCDNOWSummary(t) {
		if s.Frequency > 0 {
			xs = append(xs, s.Frequency)
			ms = append(ms, summaryMonetary(&s))
		}
	}
	d := newGGData(xs, ms, 1.0/35)
	th := [3]float64{5, 3, 0.4}
	var g [3]float64
	d.logLik(th[0], th[1], th[2], &g)
	for i := range 3 {
		h := 1e-6 * th[i]
		up, dn := th, th
		up[i] += h
		dn[i] -= h
		num := (d.logLik(up[0], up[1], up[2], nil) - d.logLik(dn[0], dn[1], dn[2], nil)) / (2 * h)
		if relErr(g[i], num) > 1e-5 {
			t.Errorf("∂ℓ/∂θ%d = %.8g, numeric %.8g", i, g[i], num)
		}
	}
}

func TestDigamma(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{
		{1, -0.5772156649015329}, {0.5, -1.9635100260214235}, {10, 2.251752589066721}, {0.01, -100.56088545786867},
	} {
		if got := digamma(c.x); math.Abs(got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
			t.Errorf("ψ(%g) = %.15g, want %.15g", c.x, got, c.want)
		}
	}
}

// lifetimes test_conditional_expected_average_profit: first 10 CDNOW
// customers, atol 0.1 ("from Hardie spreadsheet"), checked here against
// the fitted parameters to 1e-3 (scoring.md §4.3).
func TestExpectedAverageValue(t *testing.T) {
	g := fitCDNOWSpend(t).Params
	ss := loadCDNOWSummary(t)
	want := []float64{24.659, 18.911, 35.171, 35.171, 35.171, 71.463, 18.911, 35.171, 27.282, 35.171}
	for i, w := range want {
		got := g.ExpectedAverageValue(ss[i].Frequency, summaryMonetary(&ss[i]))
		if math.Abs(got-w) > 1e-3 {
			t.Errorf("customer %d: E[M] = %.4f, want %.3f", i+1, got, w)
		}
	}
	var sum float64
	for i := range ss {
		sum += g.ExpectedAverageValue(ss[i].Frequency, summaryMonetary(&ss[i]))
	}
	if mean := sum / float64(len(ss)); math.Abs(mean-35.2529588256) > 1e-3 {
		t.Errorf("mean E[M] = %.6f, want 35.25296 (lifetimes Quickstart)", mean)
	}
	if !math.IsNaN(g.ExpectedAverageValue(-1, 3)) || !math.IsNaN(g.ExpectedAverageValue(1, math.NaN())) {
		t.Error("invalid arguments must give NaN")
	}
}

// A repeat customer whose repeat purchases average $0 is left out of the
// fit and reported; the fit equals the fit without that customer.
func TestFitGammaGammaZeroSpend(t *testing.T) {
	ctx := context.Background()
	ss := loadCDNOWSummary(t)
	with := append([]Summary(nil), ss...)
	var zero []int
	for i := range with {
		if with[i].Frequency > 0 && len(zero) < 80 {
			with[i].Monetary = decimal.Zero
			zero = append(zero, i)
		}
	}
	got, err := FitGammaGamma(ctx, with, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.LeftOut, zero) || got.Customers != 946-80 {
		t.Errorf("left out %v (%d customers used), want %v", got.LeftOut, got.Customers, zero)
	}
	var without []Summary
	for i := range ss {
		if !slices.Contains(zero, i) {
			without = append(without, ss[i])
		}
	}
	want, err := FitGammaGamma(ctx, without, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Params != want.Params || len(want.LeftOut) != 0 {
		t.Errorf("params %+v, want %+v as without them", got.Params, want.Params)
	}
	if v := got.Params.ExpectedAverageValue(with[zero[0]].Frequency, 0); !(v > 0) {
		t.Errorf("expected average value of a $0 repeat buyer = %v", v)
	}
}

func TestFitGammaGammaErrors(t *testing.T) {
	ctx := context.Background()
	ss := loadCDNOWSummary(t)
	same := make([]Summary, 50)
	for i := range same {
		same[i] = Summary{Frequency: 2, Recency: 3, T: 10, Monetary: decimal.NewFromInt(20)}
	}
	if _, err := FitGammaGamma(ctx, same, nil); !errors.Is(err, ErrDegenerate) {
		t.Errorf("identical spend: err = %v, want ErrDegenerate", err)
	}
	if _, err := FitGammaGamma(ctx, ss[:40], nil); !errors.Is(err, ErrTooFewCustomers) {
		t.Errorf("few repeaters: err = %v, want ErrTooFewCustomers", err)
	}
	bad := append([]Summary(nil), ss...)
	bad[0].Monetary = decimal.NewFromInt(-3)
	bad[0].Monetary = decimal.NewFromInt(-3)
	if _, err := FitGammaGamma(ctx, bad, nil); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("negative spend: err = %v", err)
	}
}

// lifetimes Quickstart CLV (BG/NBD refit, time=12, discount 0.01). With
// the correct monthly period for weekly data (freq="W", 4.345 weeks) and,
// to show the documentation's unit slip, with freq="D" (30 "days" that are
// really weeks).
func TestDiscountedValueQuickstart(t *testing.T) {
	bg := fitCDNOW(t).Params
	gg := fitCDNOWSpend(t).Params
	ss := loadCDNOWSummary(t)
	weekly := []float64{36.278, 4.637, 8.344, 8.344, 8.344, 283.524, 6.881, 8.344, 43.354, 8.344}
	daily := []float64{140.096211, 18.943467, 38.180574, 38.180574, 38.180574, 1003.868107, 28.109683,
		38.180574, 167.418216, 38.180574}
	for i := range weekly {
		s := ss[i]
		avg := gg.ExpectedAverageValue(s.Frequency, summaryMonetary(&s))
		w := DiscountedValue(bg, s.Frequency, s.Recency, s.T, avg, Horizon{Periods: 12, PeriodLength: 4.345, DiscountRate: 0.01})
		if math.Abs(w-weekly[i]) > 0.002 {
			t.Errorf("customer %d, freq W: %.4f, want %.3f", i+1, w, weekly[i])
		}
		d := DiscountedValue(bg, s.Frequency, s.Recency, s.T, avg, Horizon{Periods: 12, PeriodLength: 30, DiscountRate: 0.01})
		if relErr(d, daily[i]) > 2e-5 {
			t.Errorf("customer %d, freq D: %.6f, want %.6f", i+1, d, daily[i])
		}
	}
	// MonthlyHorizon for a weekly model: 365.25/12/7 weeks per month.
	h := MonthlyHorizon(12, 0.01, 7*24*time.Hour)
	if math.Abs(h.PeriodLength-4.348214) > 1e-6 {
		t.Errorf("weekly month = %.6f weeks", h.PeriodLength)
	}
	m := &Model{Unit: 7 * 24 * time.Hour, Purchases: bg, Spend: gg, MonthlyDiscountRate: 0.01}
	v, err := m.CustomerValue(ss[0], h)
	if err != nil {
		t.Fatal(err)
	}
	if v.LessThan(decimal.NewFromFloat(36.2)) || v.GreaterThan(decimal.NewFromFloat(36.4)) {
		t.Errorf("customer 1 12-month value = %s, want ≈ 36.3", v)
	}
	// Predict agrees with the pieces.
	pr := m.Predict(ss[0].Frequency, ss[0].Recency, ss[0].T, summaryMonetary(&ss[0]))
	if math.Abs(pr.Value12Month-v.InexactFloat64()) > 0.006 {
		t.Errorf("Predict value %.4f != CustomerValue %s", pr.Value12Month, v)
	}
	if math.Abs(pr.ProbabilityAlive-0.726609) > 1e-5 {
		t.Errorf("Predict P(alive) = %.6f", pr.ProbabilityAlive)
	}
	if e := bg.ConditionalExpectedPurchases(90.0/7, 2, 30.43, 38.86); math.Abs(pr.Purchases90Days-e) > 1e-12 {
		t.Errorf("Predict 90 days = %.8f, want %.8f", pr.Purchases90Days, e)
	}
	if !math.IsNaN(DiscountedValue(bg, 1, 2, 3, 10, Horizon{})) {
		t.Error("zero horizon must give NaN")
	}
	if _, err := m.CustomerValue(ss[0], Horizon{Periods: 12, PeriodLength: -1}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("bad horizon: err = %v", err)
	}
	noSpend := &Model{Unit: 24 * time.Hour, Purchases: bg}
	if _, err := noSpend.CustomerValue(ss[0], h); !errors.Is(err, ErrNotFitted) {
		t.Errorf("no spend model: err = %v", err)
	}
	if pr := noSpend.Predict(2, 30, 40, 10); !math.IsNaN(pr.Value12Month) || math.IsNaN(pr.ProbabilityAlive) {
		t.Errorf("no spend model prediction: %+v", pr)
	}
}

func BenchmarkFitGammaGamma(b *testing.B) {
	ss := loadCDNOWSummary(b)
	ctx := context.Background()
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	for b.Loop() {
		if _, err := FitGammaGamma(ctx, ss, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPredict(b *testing.B) {
	m := &Model{
		Unit:                24 * time.Hour,
		Purchases:           BGNBD{R: 0.2426, Alpha: 4.4136 * 7, A: 0.7929, B: 2.4259},
		Spend:               GammaGamma{P: 6.25, Q: 3.74, V: 15.44},
		MonthlyDiscountRate: 0.01,
	}
	b.ReportAllocs()
	var sink float64
	defer benchcpu.Start(b)()
	for b.Loop() {
		sink += m.Predict(9, 380, 400, 42).Value12Month
	}
	_ = sink
}
