package clv

import "math"

// digamma returns ψ(x) for x > 0 using the recurrence ψ(x) = ψ(x+1) − 1/x
// up to x ≥ 6 and the asymptotic series beyond (error < 1e-13).
func digamma(x float64) float64 {
	if !(x > 0) || math.IsInf(x, 1) {
		if math.IsInf(x, 1) {
			return math.Inf(1)
		}
		return math.NaN()
	}
	var r float64
	for x < 6 {
		r -= 1 / x
		x++
	}
	f := 1 / (x * x)
	// ψ(x) ~ ln x − 1/(2x) − Σ B_2k/(2k x^2k)
	t := f * (-1.0/12 + f*(1.0/120+f*(-1.0/252+f*(1.0/240+f*(-1.0/132+f*(691.0/32760+f*(-1.0/12)))))))
	return r + math.Log(x) - 0.5/x + t
}

// lgamma returns ln Γ(x) for x > 0.
func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// lbeta returns ln B(a, b).
func lbeta(a, b float64) float64 {
	return lgamma(a) + lgamma(b) - lgamma(a+b)
}

// maxSeriesTerms bounds the hypergeometric series; with 0 ≤ z < 1 it is
// only reached for z within about 1e-5 of 1, far outside the range the
// BG/NBD predictions use.
const maxSeriesTerms = 1_000_000

// hyp2f1 evaluates the Gauss hypergeometric series 2F1(a, b; c; z) for
// 0 ≤ z < 1 and c > 0. It reports false if the series did not converge.
func hyp2f1(a, b, c, z float64) (float64, bool) {
	zs := [1]float64{z}
	var out [1]float64
	ok := hyp2f1Batch(a, b, c, zs[:], out[:])
	return out[0], ok
}

// hyp2f1Batch writes 2F1(a, b; c; zs[k]) into out[k] for up to 16 values
// 0 ≤ z < 1, sharing the series coefficients. The term ratio is
// ρ(j)·z with ρ(j) = (a+j)(b+j)/((c+j)(1+j)), a product of two Möbius
// functions of j, each monotone for j ≥ 0; so for all later j
// ρ ≤ max(f,1)·max(g,1) for either pairing (f, g) of the factors. The
// series stops when that bound puts the whole tail below 1e-15 of the sum
// of the largest z, which converges last. It reports false on
// non-convergence or overflow.
//
// The series of the largest z runs first, alone, and decides the number
// of terms; the coefficients it computed are then summed for every z in
// registers, four at a time. Each sum takes the same operations in the
// same order as summing all z in lock step (hyp2f1Lockstep, which failures
// still use), so the results are the same to the bit.
func hyp2f1Batch(a, b, c float64, zs, out []float64) bool {
	n := len(zs)
	if n == 0 {
		return true
	}
	out = out[:n]
	kmax := 0
	for k := range n {
		if zs[k] > zs[kmax] {
			kmax = k
		}
	}
	var coefs [seriesBuffer]float64
	terms := hyp2f1Terms(a, b, c, zs[kmax], &coefs)
	if terms < 0 {
		return hyp2f1Lockstep(a, b, c, zs, out)
	}
	stored := min(terms, len(coefs))
	cs := coefs[:stored]
	for k := 0; k < n; k += 4 {
		// A group of four z (the last one padded with zeros).
		var z [4]float64
		copy(z[:], zs[k:])
		p0, p1, p2, p3 := 1.0, 1.0, 1.0, 1.0
		s0, s1, s2, s3 := 1.0, 1.0, 1.0, 1.0
		for _, cf := range cs {
			p0 *= z[0]
			p1 *= z[1]
			p2 *= z[2]
			p3 *= z[3]
			s0 += cf * p0
			s1 += cf * p1
			s2 += cf * p2
			s3 += cf * p3
		}
		// Beyond the buffer the coefficients are computed again, by the
		// same recurrence, so to the same bits.
		cf := cs[len(cs)-1]
		for j := stored; j < terms; j++ {
			fj := float64(j)
			cf *= (a + fj) * (b + fj) / ((c + fj) * (fj + 1))
			p0 *= z[0]
			p1 *= z[1]
			p2 *= z[2]
			p3 *= z[3]
			s0 += cf * p0
			s1 += cf * p1
			s2 += cf * p2
			s3 += cf * p3
		}
		sums := [4]float64{s0, s1, s2, s3}
		copy(out[k:], sums[:])
	}
	return true
}

// seriesBuffer is the number of coefficients hyp2f1Batch keeps; beyond
// it (z near 1) they are computed again for every group of four z.
const seriesBuffer = 128

// hyp2f1Terms runs the series of 2F1(a, b; c; z) alone with the stopping
// rule of hyp2f1Lockstep for zmax = z, stores the first coefficients in
// coefs and returns the number of terms added; −1 if the series fails
// (hyp2f1Lockstep then reports it).
func hyp2f1Terms(a, b, c, z float64, coefs *[seriesBuffer]float64) int {
	rest := 1 - z
	coef, pw, sum := 1.0, 1.0, 1.0
	for j := 0; j < maxSeriesTerms; j++ {
		fj := float64(j)
		coef *= (a + fj) * (b + fj) / ((c + fj) * (fj + 1))
		if j < len(coefs) {
			coefs[j] = coef
		}
		pw *= z
		sum += coef * pw
		if coef == 0 {
			return j + 1
		}
		if nj := fj + 1; a+nj >= 0 && b+nj >= 0 {
			term := math.Abs(coef * pw)
			tol := 1e-15 * math.Abs(sum)
			if !(term*z > tol*rest) { // see hyp2f1Lockstep
				q1 := max((a+nj)/(c+nj), 1) * max((b+nj)/(nj+1), 1)
				q2 := max((a+nj)/(nj+1), 1) * max((b+nj)/(c+nj), 1)
				q := min(q1, q2) * z
				if q < 1 && term*q <= tol*(1-q) {
					return j + 1
				}
			}
		}
		if math.IsInf(sum, 0) || math.IsNaN(sum) {
			return -1
		}
	}
	return -1
}

// hyp2f1Lockstep is hyp2f1Batch summing all z in lock step, term by term.
func hyp2f1Lockstep(a, b, c float64, zs, out []float64) bool {
	var pwBuf [16]float64
	n := len(zs)
	pw, out := pwBuf[:n], out[:n] // one bounds check here, none in the loops
	kmax := 0
	for k := range n {
		pw[k] = 1
		out[k] = 1
		if zs[k] > zs[kmax] {
			kmax = k
		}
	}
	zmax := zs[kmax]
	rest := 1 - zmax
	coef := 1.0
	for j := 0; j < maxSeriesTerms; j++ {
		fj := float64(j)
		coef *= (a + fj) * (b + fj) / ((c + fj) * (fj + 1))
		for k, z := range zs {
			pw[k] *= z
			out[k] += coef * pw[k]
		}
		if coef == 0 {
			return true
		}
		// Bound the ratios from index j+1 on.
		nj := fj + 1
		if a+nj >= 0 && b+nj >= 0 {
			term := math.Abs(coef * pw[kmax])
			tol := 1e-15 * math.Abs(out[kmax])
			// The bound q below is at least zmax (a product of factors
			// ≥ 1 times zmax, rounded monotonically), so the tail test
			// term·q ≤ tol·(1−q) cannot pass while term·zmax > tol·(1−zmax):
			// skip the four divisions of the bound until then. The
			// decision, and so every result bit, is the same as testing
			// on every term.
			if !(term*zmax > tol*rest) {
				q1 := max((a+nj)/(c+nj), 1) * max((b+nj)/(nj+1), 1)
				q2 := max((a+nj)/(nj+1), 1) * max((b+nj)/(c+nj), 1)
				q := min(q1, q2) * zmax
				if q < 1 && term*q <= tol*(1-q) {
					return true
				}
			}
		}
		if math.IsInf(out[kmax], 0) || math.IsNaN(out[kmax]) {
			return false
		}
	}
	return false
}
