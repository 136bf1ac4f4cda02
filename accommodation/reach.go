package accommodation

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// Reachability analysis.
//
// Facts are independent dimensions, so the cases a rule matches form a
// product of one set per fact: the intersection of that rule's conditions
// on the fact (the whole domain when it has none). A rule is unreachable
//   - if one of its sets is empty (its conditions contradict each other), or
//   - if an earlier rule that always decides when it matches (no
//     "continue", and no chance of giving way to a budget) has, fact by
//     fact, a superset of its sets: that rule matches every case the later
//     one would.
//
// Sets are exact: enums and booleans are bit masks, strings are finite or
// co-finite sets, numbers are unions of intervals with open or closed ends
// (integer facts normalise open ends to closed ones). The analysis never
// reports a reachable rule; it may miss a rule shadowed only by several
// earlier rules together.

// fset is the set of values a fact may take.
type fset struct {
	kind  factKind
	mask  uint64   // enum, bool
	neg   bool     // string: true when the set is everything except strs
	strs  []string // string: sorted, normalised
	ivals []ival   // int, score, money: sorted, disjoint, normalised
}

// ival is an interval of float64 values. Every number the package compares
// (integers ≤ 10^9, money ≤ 10^15 minor units, scores) is exact in float64.
type ival struct {
	lo, hi         float64
	loOpen, hiOpen bool
}

func openRank(open bool) int {
	if open {
		return 1
	}
	return 0
}

func universe(f factID) fset {
	info := &facts[f]
	s := fset{kind: info.kind}
	switch info.kind {
	case kindEnum:
		s.mask = 1<<uint(len(info.enums)+1) - 1
	case kindBool:
		s.mask = 3
	case kindString:
		s.neg = true
	case kindScore:
		s.ivals = []ival{{lo: 0, hi: 100}}
	default: // int, money: non-negative
		s.ivals = []ival{{lo: 0, hi: math.Inf(1), hiOpen: true}}
	}
	return s
}

// condSet is the set of values for which cd holds, within the fact's domain.
func condSet(cd *cond) fset {
	s := fset{kind: cd.kind}
	switch cd.kind {
	case kindEnum, kindBool:
		s.mask = cd.mask
	case kindString:
		s.strs = cd.strs
	case kindInt, kindMoney:
		if cd.op == opIn {
			for _, x := range cd.ints {
				s.ivals = append(s.ivals, ival{lo: float64(x), hi: float64(x)})
			}
		} else {
			s.ivals = []ival{{lo: i2f(cd.lo), hi: i2f(cd.hi), loOpen: cd.lo == math.MinInt64, hiOpen: cd.hi == math.MaxInt64}}
		}
	case kindScore:
		s.ivals = []ival{{lo: cd.flo, hi: cd.fhi, loOpen: math.IsInf(cd.flo, -1), hiOpen: math.IsInf(cd.fhi, 1)}}
	}
	s = s.normalize()
	if cd.not {
		s = s.complement(cd.fact)
	}
	return s.intersect(universe(cd.fact))
}

func i2f(x int64) float64 {
	switch x {
	case math.MinInt64:
		return math.Inf(-1)
	case math.MaxInt64:
		return math.Inf(1)
	}
	return float64(x)
}

func (s fset) discrete() bool { return s.kind == kindInt || s.kind == kindMoney }

func (s fset) empty() bool {
	switch s.kind {
	case kindEnum, kindBool:
		return s.mask == 0
	case kindString:
		return !s.neg && len(s.strs) == 0
	}
	return len(s.ivals) == 0
}

func (s fset) complement(f factID) fset {
	switch s.kind {
	case kindEnum, kindBool:
		s.mask = universe(f).mask &^ s.mask
		return s
	case kindString:
		s.neg = !s.neg
		return s
	}
	out := fset{kind: s.kind}
	lo, loOpen := math.Inf(-1), true
	for _, iv := range s.ivals {
		out.ivals = append(out.ivals, ival{lo: lo, loOpen: loOpen, hi: iv.lo, hiOpen: !iv.loOpen})
		lo, loOpen = iv.hi, !iv.hiOpen
	}
	out.ivals = append(out.ivals, ival{lo: lo, loOpen: loOpen, hi: math.Inf(1), hiOpen: true})
	return out.normalize()
}

func (s fset) intersect(t fset) fset {
	switch s.kind {
	case kindEnum, kindBool:
		s.mask &= t.mask
		return s
	case kindString:
		return strIntersect(s, t)
	}
	// Both lists are sorted and disjoint: merge them in one pass.
	out := fset{kind: s.kind}
	a, b := s.ivals, t.ivals
	for i, j := 0, 0; i < len(a) && j < len(b); {
		iv := a[i]
		if b[j].lo > iv.lo || b[j].lo == iv.lo && b[j].loOpen {
			iv.lo, iv.loOpen = b[j].lo, b[j].loOpen
		}
		if b[j].hi < iv.hi || b[j].hi == iv.hi && b[j].hiOpen {
			iv.hi, iv.hiOpen = b[j].hi, b[j].hiOpen
		}
		out.ivals = append(out.ivals, iv)
		if endsBefore(a[i], b[j]) {
			i++
		} else {
			j++
		}
	}
	return out.normalize()
}

// endsBefore reports whether x ends no later than y.
func endsBefore(x, y ival) bool {
	return x.hi < y.hi || x.hi == y.hi && (x.hiOpen || !y.hiOpen)
}

// within reports whether interval x lies inside interval y.
func within(x, y ival) bool {
	loOK := y.lo < x.lo || y.lo == x.lo && (!y.loOpen || x.loOpen)
	hiOK := x.hi < y.hi || x.hi == y.hi && (!y.hiOpen || x.hiOpen)
	return loOK && hiOK
}

// subsetOf reports whether every value of s is in t, without allocating.
// Both sets must be normalised (maximal intervals), so each interval of s
// lies inside a single interval of t if s ⊆ t. It returns the work done.
func (s fset) subsetOf(t fset) (bool, int) {
	switch s.kind {
	case kindEnum, kindBool:
		return s.mask&^t.mask == 0, 1
	case kindString:
		work := len(s.strs) + len(t.strs)
		switch {
		case !s.neg && !t.neg:
			for _, x := range s.strs {
				if _, ok := slices.BinarySearch(t.strs, x); !ok {
					return false, work
				}
			}
			return true, work
		case !s.neg && t.neg:
			for _, x := range s.strs {
				if _, ok := slices.BinarySearch(t.strs, x); ok {
					return false, work
				}
			}
			return true, work
		case s.neg && !t.neg:
			return false, 1
		default:
			for _, x := range t.strs {
				if _, ok := slices.BinarySearch(s.strs, x); !ok {
					return false, work
				}
			}
			return true, work
		}
	}
	j := 0
	for _, x := range s.ivals {
		for j < len(t.ivals) && endsBefore(t.ivals[j], x) && !within(x, t.ivals[j]) {
			j++
		}
		if j == len(t.ivals) || !within(x, t.ivals[j]) {
			return false, len(s.ivals) + len(t.ivals)
		}
	}
	return true, len(s.ivals) + len(t.ivals)
}

func strIntersect(s, t fset) fset {
	out := fset{kind: kindString}
	switch {
	case !s.neg && !t.neg:
		for _, x := range s.strs {
			if _, ok := slices.BinarySearch(t.strs, x); ok {
				out.strs = append(out.strs, x)
			}
		}
	case !s.neg && t.neg:
		for _, x := range s.strs {
			if _, ok := slices.BinarySearch(t.strs, x); !ok {
				out.strs = append(out.strs, x)
			}
		}
	case s.neg && !t.neg:
		return strIntersect(t, s)
	default:
		out.neg = true
		out.strs = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(s.strs), t.strs...))))
	}
	return out
}

// normalize drops empty intervals, closes open ends of integer intervals,
// sorts, and merges overlapping or adjacent intervals.
func (s fset) normalize() fset {
	if s.kind != kindInt && s.kind != kindMoney && s.kind != kindScore {
		return s
	}
	var out []ival
	for _, iv := range s.ivals {
		if s.discrete() {
			if iv.loOpen && !math.IsInf(iv.lo, 0) {
				iv.lo, iv.loOpen = math.Floor(iv.lo)+1, false
			} else if !iv.loOpen {
				iv.lo = math.Ceil(iv.lo)
			}
			if iv.hiOpen && !math.IsInf(iv.hi, 0) {
				iv.hi, iv.hiOpen = math.Ceil(iv.hi)-1, false
			} else if !iv.hiOpen {
				iv.hi = math.Floor(iv.hi)
			}
		}
		if iv.lo > iv.hi || iv.lo == iv.hi && (iv.loOpen || iv.hiOpen) {
			continue
		}
		out = append(out, iv)
	}
	// By lower bound, a closed bound before an open one at the same value
	// (bounds are never NaN: literals and facts are checked).
	slices.SortFunc(out, func(a, b ival) int {
		return cmp.Or(cmp.Compare(a.lo, b.lo), cmp.Compare(openRank(a.loOpen), openRank(b.loOpen)))
	})
	merged := out[:0:0]
	for _, iv := range out {
		if n := len(merged); n > 0 {
			last := &merged[n-1]
			touch := iv.lo < last.hi || iv.lo == last.hi && !(iv.loOpen && last.hiOpen)
			if s.discrete() && iv.lo == last.hi+1 {
				touch = true
			}
			if touch {
				if iv.hi > last.hi || iv.hi == last.hi && !iv.hiOpen {
					last.hi, last.hiOpen = iv.hi, iv.hiOpen
				}
				continue
			}
		}
		merged = append(merged, iv)
	}
	s.ivals = merged
	return s
}

// ruleSets is the per-fact set of cases a rule matches; nil = whole domain.
type ruleSets [numFacts]*fset

func setsOf(r *rule) (ruleSets, factID, bool) {
	var rs ruleSets
	for i := range r.conds {
		cd := &r.conds[i]
		s := condSet(cd)
		if prev := rs[cd.fact]; prev != nil {
			s = prev.intersect(s)
		}
		rs[cd.fact] = &s
		if s.empty() {
			return rs, cd.fact, false
		}
	}
	return rs, 0, true
}

// alwaysDecides reports whether a matching rule always ends evaluation.
func (p *Policy) alwaysDecides(r *rule) bool {
	if r.cont {
		return false
	}
	if r.cashback >= 0 && r.over == overNextRule && (p.perOrder >= 0 || p.perCustomer >= 0 || p.perDay >= 0) {
		return false
	}
	return true
}

// maxReachWork bounds the reachability analysis (roughly, values
// compared). Real policies need a few thousand; only adversarial documents
// (hundreds of rules with long lists) come near it.
const maxReachWork = 20_000_000

// covers reports whether every case matched by b is matched by a, and the
// work done.
func covers(a, b *ruleSets, universes *[numFacts]fset) (bool, int) {
	work := 0
	for f := factID(0); f < numFacts; f++ {
		if a[f] == nil {
			continue
		}
		bs := b[f]
		if bs == nil {
			bs = &universes[f]
		}
		ok, w := bs.subsetOf(*a[f])
		work += w
		if !ok {
			return false, work
		}
	}
	return true, work
}

// checkReachability reports every unreachable rule of a compiled policy.
// rulePath is the JSON path of rules[j]. Reachability runs only on
// documents without other problems, so every rule compiled and j is also
// the rule's index in the document.
func rulePath(j int) string { return "$.rules[" + strconv.Itoa(j) + "]" }

func checkReachability(p *Policy, ps *problems) {
	sets := make([]ruleSets, len(p.rules))
	live := make([]bool, len(p.rules))
	var universes [numFacts]fset
	for f := range universes {
		universes[f] = universe(factID(f))
	}
	work := 0
	for j := range p.rules {
		r := &p.rules[j]
		rs, f, ok := setsOf(r)
		if !ok {
			ps.add(rulePath(j), ErrUnreachable, "rule %s can never match: its conditions on %s contradict each other", strconv.Quote(r.id), facts[f].name)
			continue
		}
		sets[j], live[j] = rs, true
		for i := 0; i < j; i++ {
			if !live[i] || !p.alwaysDecides(&p.rules[i]) {
				continue
			}
			ok, w := covers(&sets[i], &rs, &universes)
			if work += w; work > maxReachWork {
				ps.add("$.rules", ErrLimit, "too complex to check that every rule can be reached (over %d comparisons); use fewer rules or shorter lists", maxReachWork)
				return
			}
			if ok {
				why := "matches every case it would"
				if len(p.rules[i].conds) == 0 {
					why = "has no conditions and matches everything"
				}
				ps.add(rulePath(j), ErrUnreachable, "rule %s is never reached: the earlier rule %s (rules[%d]) %s and always decides",
					strconv.Quote(r.id), strconv.Quote(p.rules[i].id), i, why)
				break
			}
		}
	}
}
