package clv

import (
	"context"
	"math"
	"slices"
)

// BGNBD holds the four parameters of the BG/NBD model (Fader, Hardie & Lee
// 2005, "Counting Your Customers the Easy Way"): while alive, a customer
// buys at Poisson rate λ ~ Gamma(R, Alpha); after each purchase she drops
// out with probability p ~ Beta(A, B). Alpha is in the time unit of the
// summaries the model was fitted on; every time argument of the methods
// uses that unit too.
type BGNBD struct {
	R, Alpha, A, B float64
}

// Valid reports whether all four parameters are finite and positive.
func (p BGNBD) Valid() bool {
	return p.R > 0 && p.Alpha > 0 && p.A > 0 && p.B > 0 &&
		finite(p.R) && finite(p.Alpha) && finite(p.A) && finite(p.B)
}

// BGNBDFit is the result of FitBGNBD.
type BGNBDFit struct {
	Params BGNBD
	// LogLikelihood is Σ ℓ_i at Params over all customers, in the time unit
	// of the summaries (comparable with published values).
	LogLikelihood float64
	Customers     int // number of summaries used
	Iterations    int // optimiser iterations
	Evaluations   int // likelihood evaluations
}

// FitOptions tune a fit. The zero value is ready to use.
type FitOptions struct {
	// Penalizer adds Penalizer·Σθ² to the mean negative log-likelihood, as
	// lifetimes' penalizer_coef does, shrinking the parameters. 0 (the
	// default) gives the plain maximum-likelihood estimate.
	Penalizer float64
	// MinCustomers is the smallest number of summaries accepted; 0 means
	// DefaultMinCustomers. Values below 5 are raised to 5.
	MinCustomers int
}

// DefaultMinCustomers is the smallest sample FitBGNBD and FitGammaGamma
// accept by default. Four (or three) parameters need far more data than
// this to be useful; the floor only stops plainly meaningless fits.
const DefaultMinCustomers = 30

func (o *FitOptions) minCustomers() int {
	if o == nil || o.MinCustomers == 0 {
		return DefaultMinCustomers
	}
	return max(o.MinCustomers, 5)
}

func (o *FitOptions) penalizer() (float64, error) {
	if o == nil {
		return 0, nil
	}
	if !finite(o.Penalizer) || o.Penalizer < 0 {
		return 0, inputErr(-1, "options.penalizer", "must be a finite number >= 0")
	}
	return o.Penalizer, nil
}

// bgData is the fit's working set: customers grouped by identical
// (x, t_x, T), with ln(α+T) and ln(α+t_x) evaluated once per distinct time.
type bgData struct {
	n      float64   // total weight (customers)
	maxX   int       // largest frequency
	x      []int     // per group with x > 0
	w      []float64 // per group weight
	ti     []int32   // index into tVals
	txi    []int32   // index into txVals
	tVals  []float64 // distinct T (scaled)
	t0w    []float64 // weight of x = 0 customers per distinct T
	txVals []float64 // distinct t_x (scaled)

	// scratch per evaluation
	lnT, invT, lnTx, invTx   []float64
	sr, dr, sb, db, sab, dab []float64
}

func newBGData(ss []Summary, scale float64) *bgData {
	d := &bgData{}
	tvals := make([]float64, 0, len(ss))
	txvals := make([]float64, 0, len(ss))
	for i := range ss {
		tvals = append(tvals, ss[i].T*scale)
		if ss[i].Frequency > 0 {
			txvals = append(txvals, ss[i].Recency*scale)
		}
		d.maxX = max(d.maxX, ss[i].Frequency)
	}
	slices.Sort(tvals)
	slices.Sort(txvals)
	d.tVals = slices.Compact(tvals)
	d.txVals = slices.Compact(txvals)
	d.t0w = make([]float64, len(d.tVals))
	type key struct {
		x     int
		tx, t int32
	}
	groups := make(map[key]int, len(ss))
	for i := range ss {
		ti, _ := slices.BinarySearch(d.tVals, ss[i].T*scale)
		d.n++
		if ss[i].Frequency == 0 {
			d.t0w[ti]++
			continue
		}
		txi, _ := slices.BinarySearch(d.txVals, ss[i].Recency*scale)
		k := key{ss[i].Frequency, int32(txi), int32(ti)}
		if g, ok := groups[k]; ok {
			d.w[g]++
			continue
		}
		groups[k] = len(d.x)
		d.x = append(d.x, k.x)
		d.w = append(d.w, 1)
		d.ti = append(d.ti, k.t)
		d.txi = append(d.txi, k.tx)
	}
	d.lnT = make([]float64, len(d.tVals))
	d.invT = make([]float64, len(d.tVals))
	d.lnTx = make([]float64, len(d.txVals))
	d.invTx = make([]float64, len(d.txVals))
	m := d.maxX + 1
	d.sr, d.dr = make([]float64, m), make([]float64, m)
	d.sb, d.db = make([]float64, m), make([]float64, m)
	d.sab, d.dab = make([]float64, m), make([]float64, m)
	return d
}

// cumulative fills s[k] = Σ_{j<k} ln(v+j) and d[k] = Σ_{j<k} 1/(v+j).
func cumulative(v float64, s, d []float64) {
	s[0], d[0] = 0, 0
	for k := 1; k < len(s); k++ {
		u := v + float64(k-1)
		s[k] = s[k-1] + math.Log(u)
		d[k] = d[k-1] + 1/u
	}
}

// logLik returns Σ w_i ℓ_i and its gradient with respect to (r, α, a, b).
func (d *bgData) logLik(r, alpha, a, b float64, grad *[4]float64) float64 {
	for i, t := range d.tVals {
		d.lnT[i] = math.Log(alpha + t)
		d.invT[i] = 1 / (alpha + t)
	}
	for i, t := range d.txVals {
		d.lnTx[i] = math.Log(alpha + t)
		d.invTx[i] = 1 / (alpha + t)
	}
	cumulative(r, d.sr, d.dr)
	cumulative(b, d.sb, d.db)
	cumulative(a+b, d.sab, d.dab)
	lnAlpha, lnA := math.Log(alpha), math.Log(a)
	var ll, gr, gal, ga, gb float64
	// x = 0: ℓ = r ln α − r ln(α+T)
	var w0 float64
	for i, w := range d.t0w {
		if w == 0 {
			continue
		}
		w0 += w
		ll -= w * r * d.lnT[i]
		gr -= w * d.lnT[i]
		gal -= w * r * d.invT[i]
	}
	ll += w0 * r * lnAlpha
	gr += w0 * lnAlpha
	gal += w0 * r / alpha
	for g, x := range d.x {
		w := d.w[g]
		fx := float64(x)
		lnT, invT := d.lnT[d.ti[g]], d.invT[d.ti[g]]
		lnTx, invTx := d.lnTx[d.txi[g]], d.invTx[d.txi[g]]
		lnB := d.sb[x] - d.sb[x-1] // ln(b+x−1)
		invB := d.db[x] - d.db[x-1]
		a1 := d.sr[x] + r*lnAlpha
		a2 := d.sb[x] - d.sab[x]
		a3 := -(r + fx) * lnT
		a4 := lnA - lnB - (r+fx)*lnTx
		var l, w3, w4 float64
		if a3 >= a4 {
			e := math.Exp(a4 - a3)
			l = a3 + math.Log(1+e)
			w4 = e / (1 + e)
			w3 = 1 - w4
		} else {
			e := math.Exp(a3 - a4)
			l = a4 + math.Log(1+e)
			w3 = e / (1 + e)
			w4 = 1 - w3
		}
		ll += w * (a1 + a2 + l)
		gr += w * (d.dr[x] + lnAlpha - w3*lnT - w4*lnTx)
		gal += w * (r/alpha - (r+fx)*(w3*invT+w4*invTx))
		ga += w * (w4/a - d.dab[x])
		gb += w * (d.db[x] - d.dab[x] - w4*invB)
	}
	if grad != nil {
		*grad = [4]float64{gr, gal, ga, gb}
	}
	return ll
}

// FitBGNBD estimates the BG/NBD parameters by maximum likelihood from
// customer summaries (Frequency, Recency, T; Monetary is ignored). Times
// are rescaled internally so the longest T is 1, and the optimiser works
// on log-parameters (BFGS with analytic gradient, Nelder–Mead fallback).
//
// Errors: *InputError (ErrInvalidInput) for an unusable summary,
// ErrTooFewCustomers, ErrDegenerate when nobody bought twice,
// ErrNoConvergence, or ctx's error.
func FitBGNBD(ctx context.Context, summaries []Summary, opts *FitOptions) (BGNBDFit, error) {
	pen, err := opts.penalizer()
	if err != nil {
		return BGNBDFit{}, err
	}
	if len(summaries) < opts.minCustomers() {
		return BGNBDFit{}, ErrTooFewCustomers
	}
	var maxT float64
	repeaters := 0
	for i := range summaries {
		if err := summaries[i].validate(i); err != nil {
			return BGNBDFit{}, err
		}
		maxT = math.Max(maxT, summaries[i].T)
		if summaries[i].Frequency > 0 {
			repeaters++
		}
	}
	if repeaters == 0 || maxT == 0 {
		return BGNBDFit{}, ErrDegenerate
	}
	scale := 1 / maxT
	d := newBGData(summaries, scale)
	f := func(lx, grad []float64) float64 {
		r, al, a, b := math.Exp(lx[0]), math.Exp(lx[1]), math.Exp(lx[2]), math.Exp(lx[3])
		var g [4]float64
		ll := d.logLik(r, al, a, b, &g)
		th := [4]float64{r, al, a, b}
		v := -ll / d.n
		for i := range 4 {
			v += pen * th[i] * th[i]
			grad[i] = th[i] * (-g[i]/d.n + 2*pen*th[i])
		}
		return v
	}
	res, err := minimize(ctx, f, []float64{0, 0, 0, 0})
	if err != nil {
		return BGNBDFit{}, err
	}
	p := BGNBD{R: math.Exp(res.x[0]), Alpha: math.Exp(res.x[1]) / scale, A: math.Exp(res.x[2]), B: math.Exp(res.x[3])}
	if !res.converged || !p.Valid() {
		return BGNBDFit{}, ErrNoConvergence
	}
	fit := BGNBDFit{Params: p, Customers: len(summaries), Iterations: res.iter, Evaluations: res.evals}
	// Σ ℓ in original units: ℓ_scaled = ℓ − x·ln(scale).
	sumX := 0.0
	for i := range summaries {
		sumX += float64(summaries[i].Frequency)
	}
	fit.LogLikelihood = d.logLik(p.R, p.Alpha*scale, p.A, p.B, nil) + sumX*math.Log(scale)
	return fit, nil
}

// LogLikelihood returns ℓ for one customer with frequency x, recency tx
// and age T (FHL 2005 eq. 6, computed in logs as in Hardie's note 027).
func (p BGNBD) LogLikelihood(x int, tx, T float64) float64 {
	fx := float64(x)
	a1 := lgamma(p.R+fx) - lgamma(p.R) + p.R*math.Log(p.Alpha)
	a2 := lgamma(p.A+p.B) + lgamma(p.B+fx) - lgamma(p.B) - lgamma(p.A+p.B+fx)
	a3 := -(p.R + fx) * math.Log(p.Alpha+T)
	if x == 0 {
		return a1 + a2 + a3
	}
	a4 := math.Log(p.A) - math.Log(p.B+fx-1) - (p.R+fx)*math.Log(p.Alpha+tx)
	m := math.Max(a3, a4)
	return a1 + a2 + m + math.Log(math.Exp(a3-m)+math.Exp(a4-m))
}

// ProbabilityAlive returns P(alive | x, tx, T) (Hardie note 021): exactly 1
// for x = 0, and computed without overflow for extreme histories.
func (p BGNBD) ProbabilityAlive(x int, tx, T float64) float64 {
	if x == 0 {
		return 1
	}
	fx := float64(x)
	logDiv := (p.R+fx)*math.Log((p.Alpha+T)/(p.Alpha+tx)) + math.Log(p.A/(p.B+fx-1))
	// expit(−logDiv)
	if logDiv >= 0 {
		e := math.Exp(-logDiv)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(logDiv))
}

// ExpectedPurchases returns E[X(t)], the expected number of purchases in
// (0, t] of a customer who has just made her first purchase (FHL eq. 9).
func (p BGNBD) ExpectedPurchases(t float64) float64 {
	return p.ConditionalExpectedPurchases(t, 0, 0, 0)
}

// ConditionalExpectedPurchases returns E[Y(t) | x, tx, T], the expected
// number of purchases in (T, T+t] of a customer with frequency x, recency
// tx and age T (FHL eq. 10). It returns NaN for invalid arguments.
//
// The hypergeometric term is evaluated in its Euler-transformed form
// (1−z)^(r+x)·2F1(r+x, b+x; a+b+x−1; z) = (1−z)^(a−1)·2F1(a+b−1−r, a−1;
// a+b+x−1; z), whose series converges quickly even for large x.
func (p BGNBD) ConditionalExpectedPurchases(t float64, x int, tx, T float64) float64 {
	if !(t >= 0) || x < 0 || !(tx >= 0) || !(T >= tx) || math.IsInf(t, 0) || math.IsInf(T, 0) {
		return math.NaN()
	}
	if t == 0 {
		return 0
	}
	var one [1]float64
	p.conditionalBatch(x, tx, T, []float64{t}, one[:])
	return one[0]
}

// conditionalBatch writes E[Y(ts[k]) | x, tx, T] into out[k] for up to 16
// horizons, sharing the hypergeometric series between them.
//
// The term (1−z)^(r+x)·2F1(r+x, b+x; a+b+x−1; z) is evaluated either
// directly or in its Euler-transformed form (1−z)^(a−1)·2F1(a+b−1−r, a−1;
// a+b+x−1; z), whichever series decays faster: its terms behave like
// j^(r+x−a)·z^j directly and j^(a−2−r−x)·z^j transformed, so the Euler form
// is used when r+x > a−1 (large x) and the direct form otherwise (large a,
// as when the fit drives a and b to infinity).
func (p BGNBD) conditionalBatch(x int, tx, T float64, ts []float64, out []float64) {
	fx := float64(x)
	cc := p.A + p.B + fx - 1
	var aa, bb, pow float64
	if p.R+fx > p.A-1 {
		aa, bb, pow = p.A+p.B-1-p.R, p.A-1, p.A-1
	} else {
		aa, bb, pow = p.R+fx, p.B+fx, p.R+fx
	}
	var z [16]float64
	n := len(ts)
	for k, t := range ts[:n] {
		z[k] = t / (p.Alpha + T + t)
	}
	var sum [16]float64
	if !hyp2f1Batch(aa, bb, cc, z[:n], sum[:n]) {
		for k := range n {
			out[k] = math.NaN()
		}
		return
	}
	lnAT := math.Log(p.Alpha + T)
	den := 1.0
	if x > 0 {
		den = 1 + p.A/(p.B+fx-1)*math.Exp((p.R+fx)*(lnAT-math.Log(p.Alpha+tx)))
	}
	lead := cc / (p.A - 1) / den
	// (1−z)^pow with 1−z = (α+T)/(α+T+t). All logarithms first, then all
	// exponentials: independent calls overlap in the processor, a log
	// feeding its exp does not.
	var e [16]float64
	for k := range n {
		e[k] = pow * (lnAT - math.Log(p.Alpha+T+ts[k]))
	}
	for k := range n {
		out[k] = lead * (1 - math.Exp(e[k])*sum[k])
	}
}

// ProbabilityOfPurchases returns P(X(t) = n), the probability that a new
// customer makes exactly n purchases in (0, t] (FHL eq. 8).
func (p BGNBD) ProbabilityOfPurchases(n int, t float64) float64 {
	if n < 0 || !(t >= 0) || math.IsInf(t, 0) {
		return math.NaN()
	}
	fn := float64(n)
	lb := lbeta(p.A, p.B)
	lnRatio := math.Log(p.Alpha / (p.Alpha + t))
	lnZ := math.Log(t / (p.Alpha + t))
	// Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n in logs
	lterm := lgamma(p.R+fn) - lgamma(p.R) - lgamma(fn+1) + p.R*lnRatio
	if n > 0 {
		lterm += fn * lnZ
	}
	first := math.Exp(lbeta(p.A, p.B+fn)-lb) * math.Exp(lterm)
	if n == 0 {
		return first
	}
	// Σ_{j<n} Γ(r+j)/(Γ(r) j!) (t/(α+t))^j, iteratively
	zz := t / (p.Alpha + t)
	var s float64
	c := 1.0
	for j := 0; j < n; j++ {
		s += c
		c *= (p.R + float64(j)) / float64(j+1) * zz
	}
	second := math.Exp(lbeta(p.A+1, p.B+fn-1)-lb) * (1 - math.Exp(p.R*lnRatio)*s)
	return first + second
}
