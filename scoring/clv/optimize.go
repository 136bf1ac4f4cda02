package clv

import (
	"context"
	"math"
)

// objective evaluates a smooth function at x, writes its gradient into
// grad and returns the value. It returns +Inf (or NaN) where undefined.
type objective func(x, grad []float64) float64

// optResult is the outcome of a minimisation.
type optResult struct {
	x         []float64
	f         float64
	iter      int  // BFGS iterations (plus Nelder–Mead iterations if used)
	evals     int  // objective evaluations
	converged bool // gradient criterion met
}

const (
	gradTol      = 1e-9 // ‖∇f‖∞ at which BFGS stops
	stallGradTol = 1e-6 // ‖∇f‖∞ accepted when the line search stalls
	maxIter      = 500  // BFGS iterations
	maxStep      = 4.0  // largest step in log-parameter space per iteration
	armijoC1     = 1e-4
)

// minimize finds a local minimum of f starting at x0 with BFGS (analytic
// gradient, backtracking Armijo line search, step length capped so that a
// log-parameter cannot jump by more than maxStep). If BFGS stalls without
// meeting the gradient tolerance it restarts from a Nelder–Mead polish of
// its best point, then runs BFGS once more. ctx is checked every iteration.
func minimize(ctx context.Context, f objective, x0 []float64) (optResult, error) {
	res, err := bfgs(ctx, f, x0)
	if err != nil || res.converged {
		return res, err
	}
	nm, err := nelderMead(ctx, f, res.x, 4000)
	if err != nil {
		return res, err
	}
	res2, err := bfgs(ctx, f, nm.x)
	res2.iter += res.iter + nm.iter
	res2.evals += res.evals + nm.evals
	if err != nil {
		return res2, err
	}
	if !res2.converged && nm.f < res2.f {
		res2.x, res2.f = nm.x, nm.f
	}
	return res2, nil
}

func bfgs(ctx context.Context, f objective, x0 []float64) (optResult, error) {
	n := len(x0)
	x := append([]float64(nil), x0...)
	g := make([]float64, n)
	xn := make([]float64, n)
	gn := make([]float64, n)
	p := make([]float64, n)
	s := make([]float64, n)
	y := make([]float64, n)
	hy := make([]float64, n)
	h := identity(n)
	res := optResult{}
	fx := f(x, g)
	res.evals++
	if !finite(fx) || !allFinite(g) {
		res.x, res.f = x, fx
		return res, nil
	}
	for res.iter = 0; res.iter < maxIter; res.iter++ {
		if res.iter%8 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		if normInf(g) < gradTol {
			res.converged = true
			break
		}
		// p = −H g
		for i := 0; i < n; i++ {
			var v float64
			for j := 0; j < n; j++ {
				v -= h[i][j] * g[j]
			}
			p[i] = v
		}
		slope := dot(p, g)
		if !(slope < 0) { // not a descent direction: reset to steepest descent
			h = identity(n)
			for i := range p {
				p[i] = -g[i]
			}
			slope = dot(p, g)
		}
		step := 1.0
		if pn := normInf(p); pn > maxStep {
			step = maxStep / pn
		}
		var fn float64
		accepted := false
		for ls := 0; ls < 60; ls++ {
			for i := range x {
				xn[i] = x[i] + step*p[i]
			}
			fn = f(xn, gn)
			res.evals++
			if finite(fn) && allFinite(gn) && fn <= fx+armijoC1*step*slope {
				accepted = true
				break
			}
			step *= 0.5
		}
		if !accepted {
			// Cannot make progress along p. Near the optimum this is
			// rounding noise in f; accept a small gradient as converged.
			res.converged = normInf(g) < stallGradTol
			break
		}
		for i := range x {
			s[i] = xn[i] - x[i]
			y[i] = gn[i] - g[i]
		}
		sy := dot(s, y)
		copy(x, xn)
		copy(g, gn)
		improvement := fx - fn
		fx = fn
		if sy > 1e-12*math.Sqrt(dot(s, s)*dot(y, y)) {
			// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
			rho := 1 / sy
			for i := 0; i < n; i++ {
				var v float64
				for j := 0; j < n; j++ {
					v += h[i][j] * y[j]
				}
				hy[i] = v
			}
			yhy := dot(y, hy)
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					h[i][j] += -rho*(hy[i]*s[j]+s[i]*hy[j]) + (rho*rho*yhy+rho)*s[i]*s[j]
				}
			}
		}
		if improvement <= 0 {
			// No decrease at all: rounding noise dominates.
			res.converged = normInf(g) < stallGradTol
			break
		}
	}
	if normInf(g) < gradTol {
		res.converged = true
	}
	res.x, res.f = x, fx
	return res, nil
}

// nelderMead minimises f (gradient ignored) from x0 with the standard
// reflection/expansion/contraction/shrink moves and an initial simplex of
// unit steps in log-parameter space.
func nelderMead(ctx context.Context, f objective, x0 []float64, iters int) (optResult, error) {
	n := len(x0)
	scratch := make([]float64, n)
	eval := func(x []float64) float64 {
		v := f(x, scratch)
		if !finite(v) {
			return math.Inf(1)
		}
		return v
	}
	pts := make([][]float64, n+1)
	vals := make([]float64, n+1)
	for i := range pts {
		pts[i] = append([]float64(nil), x0...)
		if i > 0 {
			pts[i][i-1] += 0.5
		}
		vals[i] = eval(pts[i])
	}
	res := optResult{evals: n + 1}
	cen := make([]float64, n)
	xr := make([]float64, n)
	xe := make([]float64, n)
	for res.iter = 0; res.iter < iters; res.iter++ {
		if res.iter%64 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		// order: best first
		for i := 1; i <= n; i++ {
			for j := i; j > 0 && vals[j] < vals[j-1]; j-- {
				vals[j], vals[j-1] = vals[j-1], vals[j]
				pts[j], pts[j-1] = pts[j-1], pts[j]
			}
		}
		if math.Abs(vals[n]-vals[0]) <= 1e-14*(1+math.Abs(vals[0])) && spread(pts) < 1e-10 {
			break
		}
		for i := range cen {
			cen[i] = 0
			for k := 0; k < n; k++ {
				cen[i] += pts[k][i]
			}
			cen[i] /= float64(n)
		}
		for i := range xr {
			xr[i] = cen[i] + (cen[i] - pts[n][i])
		}
		fr := eval(xr)
		res.evals++
		switch {
		case fr < vals[0]:
			for i := range xe {
				xe[i] = cen[i] + 2*(cen[i]-pts[n][i])
			}
			fe := eval(xe)
			res.evals++
			if fe < fr {
				copy(pts[n], xe)
				vals[n] = fe
			} else {
				copy(pts[n], xr)
				vals[n] = fr
			}
		case fr < vals[n-1]:
			copy(pts[n], xr)
			vals[n] = fr
		default:
			// contraction (outside if the reflection helped, else inside)
			if fr < vals[n] {
				for i := range xe {
					xe[i] = cen[i] + 0.5*(xr[i]-cen[i])
				}
			} else {
				for i := range xe {
					xe[i] = cen[i] + 0.5*(pts[n][i]-cen[i])
				}
			}
			fc := eval(xe)
			res.evals++
			if fc < math.Min(fr, vals[n]) {
				copy(pts[n], xe)
				vals[n] = fc
			} else {
				for k := 1; k <= n; k++ {
					for i := range pts[k] {
						pts[k][i] = pts[0][i] + 0.5*(pts[k][i]-pts[0][i])
					}
					vals[k] = eval(pts[k])
					res.evals++
				}
			}
		}
	}
	best := 0
	for i := range vals {
		if vals[i] < vals[best] {
			best = i
		}
	}
	res.x, res.f = pts[best], vals[best]
	return res, nil
}

func spread(pts [][]float64) float64 {
	var m float64
	for k := 1; k < len(pts); k++ {
		for i := range pts[k] {
			m = math.Max(m, math.Abs(pts[k][i]-pts[0][i]))
		}
	}
	return m
}

func identity(n int) [][]float64 {
	h := make([][]float64, n)
	for i := range h {
		h[i] = make([]float64, n)
		h[i][i] = 1
	}
	return h
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func normInf(a []float64) float64 {
	var m float64
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func allFinite(a []float64) bool {
	for _, v := range a {
		if !finite(v) {
			return false
		}
	}
	return true
}
