package clv

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/postpurchase/postpurchase/internal/benchcpu"
)

func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

func fitCDNOW(t testing.TB) BGNBDFit {
	t.Helper()
	fit, err := FitBGNBD(context.Background(), loadCDNOWSummary(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return fit
}

// Acceptance (issue 5): r, α, a, b within 0.1 % of FHL 2005's 0.2426,
// 4.4136, 0.7929, 2.4259; log-likelihood −9582.43.
func TestFitBGNBDCDNOW(t *testing.T) {
	fit := fitCDNOW(t)
	p := fit.Params
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"r", p.R, 0.2426}, {"alpha", p.Alpha, 4.4136}, {"a", p.A, 0.7929}, {"b", p.B, 2.4259},
	} {
		if e := relErr(c.got, c.want); e > 1e-3 {
			t.Errorf("%s = %.6f, want %.4f within 0.1%% (rel err %.2g)", c.name, c.got, c.want, e)
		}
	}
	if math.Abs(fit.LogLikelihood-(-9582.43)) > 0.005 {
		t.Errorf("log-likelihood = %.4f, want -9582.43", fit.LogLikelihood)
	}
	// Tighter: the optimum found by SciPy (scoring.md §4.1, measured) and by
	// lifetimes' Quickstart summary, to 5 significant digits.
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"r", p.R, 0.242593}, {"alpha", p.Alpha, 4.413531}, {"a", p.A, 0.792886}, {"b", p.B, 2.425753},
	} {
		if e := relErr(c.got, c.want); e > 1e-5 {
			t.Errorf("%s = %.7f, want %.6f (rel err %.2g)", c.name, c.got, c.want, e)
		}
	}
	if fit.Customers != 2357 {
		t.Errorf("customers = %d, want 2357", fit.Customers)
	}
}

// lifetimes test_conditional_expectation_returns_same_value_as_Hardie_excel_sheet.
func TestConditionalExpectedPurchasesHardie(t *testing.T) {
	p := fitCDNOW(t).Params
	got := p.ConditionalExpectedPurchases(39, 2, 30.43, 38.86)
	if math.Abs(got-1.226) > 0.001 {
		t.Errorf("E[Y(39)|2,30.43,38.86] = %.6f, want 1.226 ± 0.001", got)
	}
	// scoring.md §4.2 extra regression values (measured with lifetimes' formulas).
	if got := p.ConditionalExpectedPurchases(39, 7, 29.43, 38.86); math.Abs(got-3.337240) > 1e-4 {
		t.Errorf("customer 6 E[Y(39)] = %.6f, want 3.337240", got)
	}
	// Quickstart top 5 by E[Y(1)].
	for _, c := range []struct {
		x        int
		tx, T, w float64
	}{
		{18, 35.14, 35.86, 0.424877}, {19, 34.00, 34.14, 0.474738}, {17, 28.43, 28.86, 0.486526},
		{29, 37.71, 38.00, 0.662396}, {26, 30.86, 31.00, 0.710623},
	} {
		if got := p.ConditionalExpectedPurchases(1, c.x, c.tx, c.T); math.Abs(got-c.w) > 1e-5 {
			t.Errorf("E[Y(1)|%d,%.2f,%.2f] = %.6f, want %.6f", c.x, c.tx, c.T, got, c.w)
		}
	}
	var sum float64
	for _, s := range loadCDNOWSummary(t) {
		sum += p.ConditionalExpectedPurchases(39, s.Frequency, s.Recency, s.T)
	}
	if math.Abs(sum-1653.42) > 0.01 {
		t.Errorf("Σ E[Y(39)] = %.3f, want 1653.42", sum)
	}
}

// lifetimes test_expectation_returns_same_value_Hardie_excel_sheet.
func TestExpectedPurchasesHardie(t *testing.T) {
	p := fitCDNOW(t).Params
	ts := []float64{0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00}
	want := []float64{0.007816, 0.053185, 0.150632, 1.040494, 1.043737, 1.857972}
	for i, tt := range ts {
		if got := p.ExpectedPurchases(tt); math.Abs(got-want[i]) > 1e-5 {
			t.Errorf("E[X(%g)] = %.6f, want %.6f", tt, got, want[i])
		}
	}
	if got := p.ExpectedPurchases(0); got != 0 {
		t.Errorf("E[X(0)] = %g, want 0", got)
	}
}

// lifetimes test_probability_of_n_purchases_up_to_time_same_as_R_BTYD.
func TestProbabilityOfPurchasesBTYD(t *testing.T) {
	p := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	if got := p.ProbabilityOfPurchases(10, 2); relErr(got, 1.07869e-07) > 1e-4 {
		t.Errorf("P(N(2)=10) = %g, want 1.07869e-07", got)
	}
	if got := p.ProbabilityOfPurchases(0, 39); math.Abs(got-0.5737864) > 1e-6 {
		t.Errorf("P(N(39)=0) = %.7f, want 0.5737864", got)
	}
	want := []float64{0.0019995214, 0.0015170236, 0.0011633150, 0.0009003148, 0.0007023638,
		0.0005517902, 0.0004361913, 0.0003467171, 0.0002769613, 0.0002222260}
	for i, w := range want {
		n := 11 + i
		if got := p.ProbabilityOfPurchases(n, 30); math.Abs(got-w) > 1e-9 {
			t.Errorf("P(N(30)=%d) = %.10f, want %.10f", n, got, w)
		}
	}
	// The distribution sums to 1.
	var total float64
	for n := 0; n < 2000; n++ {
		total += p.ProbabilityOfPurchases(n, 10)
	}
	if math.Abs(total-1) > 1e-9 {
		t.Errorf("Σ_n P(N(10)=n) = %.12f, want 1", total)
	}
}

func TestProbabilityAlive(t *testing.T) {
	p := fitCDNOW(t).Params
	if got := p.ProbabilityAlive(0, 1, 1); got != 1 {
		t.Errorf("P(alive|x=0) = %g, want 1", got)
	}
	if got := p.ProbabilityAlive(1000, 10, 100); got != 0 {
		t.Errorf("P(alive|1000,10,100) = %g, want 0", got)
	}
	if got := p.ProbabilityAlive(2, 30.43, 38.86); math.Abs(got-0.726609) > 1e-5 {
		t.Errorf("P(alive) customer 1 = %.6f, want 0.726609", got)
	}
	if got := p.ProbabilityAlive(7, 29.43, 38.86); math.Abs(got-0.641801) > 1e-5 {
		t.Errorf("P(alive) customer 6 = %.6f, want 0.641801", got)
	}
	for x := 0; x < 50; x += 7 {
		for T := 1.0; T < 100; T += 13 {
			for tx := T / 5; tx <= T; tx += T / 5 {
				if x == 0 {
					tx = 0
				}
				v := p.ProbabilityAlive(x, tx, T)
				if !(v >= 0 && v <= 1) {
					t.Fatalf("P(alive|%d,%g,%g) = %g outside [0,1]", x, tx, T, v)
				}
				e := p.ConditionalExpectedPurchases(10, x, tx, T)
				if !(e >= 0) || math.IsInf(e, 0) {
					t.Fatalf("E[Y(10)|%d,%g,%g] = %g", x, tx, T, e)
				}
				if x == 0 {
					break
				}
			}
		}
	}
}

// pymc-marketing test_numerically_stable_logp (Hardie note 027).
func TestLogLikelihoodStable(t *testing.T) {
	p := BGNBD{R: 0.25, Alpha: 4.00, A: 0.80, B: 2.50}
	if got := p.LogLikelihood(0, 0, 40); math.Abs(got-(-0.59947382)) > 1e-7 {
		t.Errorf("ℓ(0,0,40) = %.8f, want -0.59947382", got)
	}
	if got := p.LogLikelihood(200, 38, 40); math.Abs(got-100.7957) > 1e-4 {
		t.Errorf("ℓ(200,38,40) = %.6f, want 100.7957", got)
	}
	// The fit's vectorised likelihood agrees with the per-customer one.
	ss := loadCDNOWSummary(t)
	q := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	var sum float64
	for _, s := range ss {
		sum += q.LogLikelihood(s.Frequency, s.Recency, s.T)
	}
	if math.Abs(sum-(-9582.4268)) > 1e-3 {
		t.Errorf("Σℓ at published params = %.4f, want -9582.4268", sum)
	}
	d := newBGData(ss, 1)
	if got := d.logLik(q.R, q.Alpha, q.A, q.B, nil); math.Abs(got-sum) > 1e-7 {
		t.Errorf("grouped likelihood %.8f != per-customer %.8f", got, sum)
	}
}

// The analytic gradient matches central differences.
func TestBGNBDGradient(t *testing.T) {
	d := newBGData(loadCDNOWSummary(t), 1.0/39)
	th := [4]float64{0.3, 0.1, 0.9, 2.1}
	var g [4]float64
	d.logLik(th[0], th[1], th[2], th[3], &g)
	for i := range 4 {
		h := 1e-6 * th[i]
		up, dn := th, th
		up[i] += h
		dn[i] -= h
		num := (d.logLik(up[0], up[1], up[2], up[3], nil) - d.logLik(dn[0], dn[1], dn[2], dn[3], nil)) / (2 * h)
		if relErr(g[i], num) > 1e-5 {
			t.Errorf("∂ℓ/∂θ%d = %.8g, numeric %.8g", i, g[i], num)
		}
	}
}

func TestFitBGNBDPenalizer(t *testing.T) {
	ss := loadCDNOWSummary(t)
	base := fitCDNOW(t).Params
	prev := base
	for _, pen := range []float64{0.1, 10} {
		fit, err := FitBGNBD(context.Background(), ss, &FitOptions{Penalizer: pen})
		if err != nil {
			t.Fatal(err)
		}
		p := fit.Params
		if !(p.R < prev.R && p.A < prev.A && p.B < prev.B) && !(p.Alpha < prev.Alpha) {
			t.Errorf("penalizer %g did not shrink: %+v vs %+v", pen, p, prev)
		}
		prev = p
	}
}

func TestFitBGNBDErrors(t *testing.T) {
	ctx := context.Background()
	good := loadCDNOWSummary(t)
	if _, err := FitBGNBD(ctx, good[:10], nil); !errors.Is(err, ErrTooFewCustomers) {
		t.Errorf("10 customers: err = %v, want ErrTooFewCustomers", err)
	}
	once := make([]Summary, 100)
	for i := range once {
		once[i] = Summary{T: float64(10 + i)}
	}
	if _, err := FitBGNBD(ctx, once, nil); !errors.Is(err, ErrDegenerate) {
		t.Errorf("everyone bought once: err = %v, want ErrDegenerate", err)
	}
	bad := []struct {
		field string
		mut   func(*Summary)
	}{
		{"recency", func(s *Summary) { s.Recency = math.NaN() }},
		{"t", func(s *Summary) { s.T = math.Inf(1) }},
		{"frequency", func(s *Summary) { s.Frequency = -1 }},
		{"recency", func(s *Summary) { s.Recency = s.T + 1 }},
		{"t", func(s *Summary) { s.T = -3 }},
		{"recency", func(s *Summary) { s.Frequency, s.Recency = 0, 5 }},
		{"recency", func(s *Summary) { s.Frequency, s.Recency = 3, 0 }},
	}
	for _, b := range bad {
		ss := append([]Summary(nil), good...)
		b.mut(&ss[5])
		_, err := FitBGNBD(ctx, ss, nil)
		var ie *InputError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) || ie.Index != 5 || ie.Field != b.field {
			t.Errorf("%s: err = %v, want *InputError at [5].%s", b.field, err, b.field)
		}
	}
	if _, err := FitBGNBD(ctx, good, &FitOptions{Penalizer: math.NaN()}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("NaN penalizer: err = %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := FitBGNBD(cctx, good, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v", err)
	}
}

func TestPredictionsRejectNaN(t *testing.T) {
	p := fitCDNOW(t).Params
	for _, v := range []float64{
		p.ConditionalExpectedPurchases(math.NaN(), 1, 1, 2),
		p.ConditionalExpectedPurchases(1, 1, 3, 2),
		p.ConditionalExpectedPurchases(math.Inf(1), 1, 1, 2),
		p.ProbabilityOfPurchases(-1, 3),
	} {
		if !math.IsNaN(v) {
			t.Errorf("invalid arguments gave %g, want NaN", v)
		}
	}
}

func BenchmarkFitBGNBD(b *testing.B) {
	ss := loadCDNOWSummary(b)
	ctx := context.Background()
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	for b.Loop() {
		if _, err := FitBGNBD(ctx, ss, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitBGNBDNelderMead is the baseline: the same likelihood
// minimised by Nelder–Mead alone, as scoring.md §6 measured with SciPy.
func BenchmarkFitBGNBDNelderMead(b *testing.B) {
	ss := loadCDNOWSummary(b)
	d := newBGData(ss, 1.0/38.86)
	f := func(lx, grad []float64) float64 {
		return -d.logLik(math.Exp(lx[0]), math.Exp(lx[1]), math.Exp(lx[2]), math.Exp(lx[3]), nil) / d.n
	}
	ctx := context.Background()
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	for b.Loop() {
		res, err := nelderMead(ctx, f, []float64{0, 0, 0, 0}, 10000)
		if err != nil {
			b.Fatal(err)
		}
		if math.Abs(math.Exp(res.x[0])-0.242593) > 1e-4 {
			b.Fatalf("nelder-mead r = %g", math.Exp(res.x[0]))
		}
	}
}

// When the data show no heterogeneity in dropout the likelihood peaks at
// a, b → ∞ with a/(a+b) = p fixed. Predictions must stay finite and match
// the limit E[Y(t)] = P(alive)·(1/p)·(1 − ((α+T)/(α+T+p·t))^(r+x)).
func TestConditionalExpectedPurchasesLargeAB(t *testing.T) {
	p := BGNBD{R: 0.4755, Alpha: 13.959, A: 1.22e13, B: 8.21e13}
	pd := p.A / (p.A + p.B)
	for _, c := range []struct {
		x        int
		tx, T, t float64
	}{{7, 112, 179, 90}, {0, 0, 30, 365}, {3, 20, 200, 30}} {
		got := p.ConditionalExpectedPurchases(c.t, c.x, c.tx, c.T)
		alive := p.ProbabilityAlive(c.x, c.tx, c.T)
		want := alive / pd * (1 - math.Pow((p.Alpha+c.T)/(p.Alpha+c.T+pd*c.t), p.R+float64(c.x)))
		if relErr(got, want) > 1e-6 {
			t.Errorf("E[Y(%g)|%d,%g,%g] = %.8g, want limit %.8g", c.t, c.x, c.tx, c.T, got, want)
		}
	}
}

func TestHyp2F1(t *testing.T) {
	// 2F1(1,1;2;z) = −ln(1−z)/z; 2F1(a,b;b;z) = (1−z)^−a.
	for _, z := range []float64{0.01, 0.3, 0.7, 0.95, 0.999} {
		got, ok := hyp2f1(1, 1, 2, z)
		if want := -math.Log1p(-z) / z; !ok || relErr(got, want) > 1e-12 {
			t.Errorf("2F1(1,1;2;%g) = %.15g, want %.15g", z, got, want)
		}
		got, ok = hyp2f1(0.3, 2.5, 2.5, z)
		if want := math.Pow(1-z, -0.3); !ok || relErr(got, want) > 1e-12 {
			t.Errorf("2F1(0.3,2.5;2.5;%g) = %.15g, want %.15g", z, got, want)
		}
	}
}

// TestHyp2F1BatchMatchesLockstep checks that summing the largest z first
// and then every z from the stored coefficients gives the same bits as
// the plain lock-step series, on random parameters in the ranges the
// BG/NBD predictions use (both forms of the conditional expectation),
// series longer than the coefficient buffer and failing ones included.
func TestHyp2F1BatchMatchesLockstep(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 17))
	for i := range 3000 {
		a := math.Exp(r.Float64()*12 - 4) // 0.02 … 3000
		b := math.Exp(r.Float64()*12 - 4)
		x := float64(r.IntN(60))
		var aa, bb, cc float64
		if rr := math.Exp(r.Float64()*6 - 3); rr+x > a-1 {
			aa, bb, cc = a+b-1-rr, a-1, a+b+x-1
		} else {
			aa, bb, cc = rr+x, b+x, a+b+x-1
		}
		if i%50 == 0 {
			cc = -r.Float64() // c ≤ 0: may divide by zero
		}
		n := 1 + r.IntN(16)
		zs := make([]float64, n)
		top := 0.999 * r.Float64()
		for k := range zs {
			zs[k] = top * r.Float64()
		}
		zs[r.IntN(n)] = top
		got, want := make([]float64, n), make([]float64, n)
		okGot := hyp2f1Batch(aa, bb, cc, zs, got)
		okWant := hyp2f1Lockstep(aa, bb, cc, zs, want)
		if okGot != okWant {
			t.Fatalf("2F1(%v, %v; %v; %v): ok %v, lock step %v", aa, bb, cc, zs, okGot, okWant)
		}
		if !okGot {
			continue
		}
		for k := range got {
			if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
				t.Fatalf("2F1(%v, %v; %v; %v) = %v, lock step %v", aa, bb, cc, zs[k], got[k], want[k])
			}
		}
	}
}
