package clv

import (
	"context"
	"math"
	"slices"
)

// GammaGamma holds the parameters of the Gamma-Gamma spend model (Fader,
// Hardie & Lee 2005, "RFM and CLV"; Hardie's note 025): a customer's
// transaction values are Gamma(P, ν) with ν ~ Gamma(Q, V). V is in the
// money unit of the fitted monetary values. The model assumes spend is
// independent of purchase frequency.
type GammaGamma struct {
	P, Q, V float64
}

// Valid reports whether the parameters are finite, positive and Q > 1
// (for Q ≤ 1 the population mean spend V·P/(Q−1) does not exist).
func (g GammaGamma) Valid() bool {
	return g.P > 0 && g.Q > 1 && g.V > 0 && finite(g.P) && finite(g.Q) && finite(g.V)
}

// GammaGammaFit is the result of FitGammaGamma.
type GammaGammaFit struct {
	Params        GammaGamma
	LogLikelihood float64 // Σ ℓ_i at Params over the repeat customers
	Customers     int     // repeat customers used (Frequency > 0, Monetary > 0)
	// LeftOut lists the indices (in the summaries passed to FitGammaGamma)
	// of repeat customers the fit could not use: their repeat purchases
	// average exactly 0 (free orders, fully discounted or refunded ones),
	// for which the Gamma spend distribution has no density. They are
	// still valid customers: ExpectedAverageValue(x, 0) shrinks them
	// towards the population mean like anyone else.
	LeftOut     []int
	Iterations  int
	Evaluations int
}

// FitGammaGamma estimates the Gamma-Gamma parameters by maximum
// likelihood from the summaries of repeat customers (Frequency > 0; the
// others are skipped, as the model is defined on repeat purchases). A
// repeat customer whose Monetary is 0 is left out of the fit and listed in
// GammaGammaFit.LeftOut: the model's Gamma spend has no density at 0, and
// one such customer must not stop the fit for everyone else.
//
// Errors: *InputError, ErrTooFewCustomers (counting repeat customers),
// ErrDegenerate (all repeat customers spend exactly the same, or the
// fitted Q ≤ 1), ErrNoConvergence, or ctx's error.
func FitGammaGamma(ctx context.Context, summaries []Summary, opts *FitOptions) (GammaGammaFit, error) {
	pen, err := opts.penalizer()
	if err != nil {
		return GammaGammaFit{}, err
	}
	var xs []int
	var ms []float64
	var sumM float64
	var leftOut []int
	for i := range summaries {
		s := &summaries[i]
		if err := s.validate(i); err != nil {
			return GammaGammaFit{}, err
		}
		if s.Frequency == 0 {
			continue
		}
		m := summaryMonetary(s)
		if !(m > 0) || !finite(m) { // validate refused m < 0; a decimal converts to a finite float or to 0
			leftOut = append(leftOut, i)
			continue
		}
		xs = append(xs, s.Frequency)
		ms = append(ms, m)
		sumM += m
	}
	if len(xs) < opts.minCustomers() {
		return GammaGammaFit{}, ErrTooFewCustomers
	}
	if slices.Min(ms) == slices.Max(ms) {
		return GammaGammaFit{}, ErrDegenerate
	}
	// Rescale money so the mean is 1; v scales with it.
	scale := float64(len(ms)) / sumM
	d := newGGData(xs, ms, scale)
	f := func(lx, grad []float64) float64 {
		p, q, v := math.Exp(lx[0]), math.Exp(lx[1]), math.Exp(lx[2])
		var g [3]float64
		ll := d.logLik(p, q, v, &g)
		th := [3]float64{p, q, v}
		val := -ll / d.n
		for i := range 3 {
			val += pen * th[i] * th[i]
			grad[i] = th[i] * (-g[i]/d.n + 2*pen*th[i])
		}
		return val
	}
	res, err := minimize(ctx, f, []float64{0, 0, 0})
	if err != nil {
		return GammaGammaFit{}, err
	}
	gp := GammaGamma{P: math.Exp(res.x[0]), Q: math.Exp(res.x[1]), V: math.Exp(res.x[2]) / scale}
	if !res.converged || !finite(gp.P) || !finite(gp.Q) || !finite(gp.V) {
		return GammaGammaFit{}, ErrNoConvergence
	}
	if !gp.Valid() {
		return GammaGammaFit{}, ErrDegenerate
	}
	orig := newGGData(xs, ms, 1)
	return GammaGammaFit{
		Params:        gp,
		LogLikelihood: orig.logLik(gp.P, gp.Q, gp.V, nil),
		Customers:     len(xs),
		LeftOut:       leftOut,
		Iterations:    res.iter,
		Evaluations:   res.evals,
	}, nil
}

type ggData struct {
	n    float64
	xv   []float64 // distinct frequencies
	xi   []int32   // per customer: index into xv
	m    []float64 // per customer: scaled monetary value
	xlnm []float64 // per customer: x·ln m·p-coefficient parts (x ln m + x ln x), and ln m
	lnm  []float64
	// per distinct x scratch
	lg, dg []float64
}

func newGGData(xs []int, ms []float64, scale float64) *ggData {
	d := &ggData{n: float64(len(xs))}
	xv := make([]float64, len(xs))
	for i, x := range xs {
		xv[i] = float64(x)
	}
	slices.Sort(xv)
	d.xv = slices.Compact(xv)
	d.xi = make([]int32, len(xs))
	d.m = make([]float64, len(xs))
	d.lnm = make([]float64, len(xs))
	d.xlnm = make([]float64, len(xs))
	for i, x := range xs {
		k, _ := slices.BinarySearch(d.xv, float64(x))
		d.xi[i] = int32(k)
		d.m[i] = ms[i] * scale
		d.lnm[i] = math.Log(d.m[i])
		fx := float64(x)
		d.xlnm[i] = fx*d.lnm[i] + fx*math.Log(fx)
	}
	d.lg = make([]float64, 2*len(d.xv))
	d.dg = make([]float64, 2*len(d.xv))
	return d
}

// logLik returns Σ ℓ_i (note 025 eq. 1a) and its gradient in (p, q, v).
func (d *ggData) logLik(p, q, v float64, grad *[3]float64) float64 {
	for k, x := range d.xv {
		d.lg[2*k] = lgamma(p*x + q)
		d.lg[2*k+1] = lgamma(p * x)
		if grad != nil {
			d.dg[2*k] = digamma(p*x + q)
			d.dg[2*k+1] = digamma(p * x)
		}
	}
	lgq, lnv := lgamma(q), math.Log(v)
	var dgq float64
	if grad != nil {
		dgq = digamma(q)
	}
	var ll, gp, gq, gv float64
	for i, k := range d.xi {
		x := d.xv[k]
		px := p * x
		xm := x*d.m[i] + v
		lnxm := math.Log(xm)
		ll += d.lg[2*k] - d.lg[2*k+1] - lgq + q*lnv + (px-1)*d.lnm[i] + px*math.Log(x) - (px+q)*lnxm
		if grad != nil {
			gp += x*(d.dg[2*k]-d.dg[2*k+1]) + d.xlnm[i] - x*lnxm
			gq += d.dg[2*k] - dgq + lnv - lnxm
			gv += q/v - (px+q)/xm
		}
	}
	if grad != nil {
		*grad = [3]float64{gp, gq, gv}
	}
	return ll
}

// PopulationMean returns V·P/(Q−1), the mean spend per transaction in the
// population (the expected average value of a customer with no repeat
// purchases).
func (g GammaGamma) PopulationMean() float64 {
	return g.V * g.P / (g.Q - 1)
}

// ExpectedAverageValue returns E[M | x, m], the expected mean transaction
// value of a customer with x repeat purchases averaging m (note 025 eq. 5):
// a weighted mean of the population mean and m, with weight on m growing
// with x. For x = 0 it is the population mean. It returns NaN for invalid
// arguments or parameters.
func (g GammaGamma) ExpectedAverageValue(x int, m float64) float64 {
	if x < 0 || !(m >= 0) || math.IsInf(m, 0) || !g.Valid() {
		return math.NaN()
	}
	px := g.P * float64(x)
	w := px / (px + g.Q - 1)
	return (1-w)*g.PopulationMean() + w*m
}
