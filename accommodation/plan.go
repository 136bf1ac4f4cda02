package accommodation

// A plan is a rule's conditions rearranged for fast evaluation; it gives
// the same answer as evaluating them in order. Traces evaluate the
// conditions in written order instead, to name the first that fails.
//
//   - Every condition on an enum or boolean fact (tier, delay_kind,
//     first_order) folds into one 64-bit mask: the facts' values set one
//     bit each in a signature, and the rule's enum conditions all hold iff
//     signature&allowed == signature.
//   - Ranges on counts and money (eq, gte, lte, between, possibly negated)
//     become compact (fact, lo, hi) checks; likewise for scores.
//   - Lists on counts and string comparisons keep the general path.
type plan struct {
	allowed uint64 // enum/bool values allowed, in signature layout
	ranges  []rangeCheck
	scores  []scoreCheck
	rest    []int // indexes into the rule's conditions
}

type rangeCheck struct {
	fact   factID
	not    bool
	lo, hi int64
}

type scoreCheck struct {
	slot   uint8
	not    bool
	lo, hi float64
}

// Signature layout: tier bits 0–5, delay_kind bits 6–15, first_order bits
// 16–17 (each fact's bit 0 is "unknown"/false).
const (
	sigTier  = 0
	sigDelay = 6
	sigFirst = 16
	sigAll   = 1<<18 - 1
)

func sigShift(f factID) uint {
	switch f {
	case factTier:
		return sigTier
	case factDelayKind:
		return sigDelay
	default: // factFirstOrder
		return sigFirst
	}
}

func signature(v *vals) uint64 {
	return 1<<(sigTier+uint64(v.n[factTier])) | 1<<(sigDelay+uint64(v.n[factDelayKind])) | 1<<(sigFirst+uint64(v.n[factFirstOrder]))
}

func makePlan(conds []cond) plan {
	p := plan{allowed: sigAll}
	for i := range conds {
		c := &conds[i]
		switch {
		case c.kind == kindEnum || c.kind == kindBool:
			shift := sigShift(c.fact)
			width := uint(len(facts[c.fact].enums) + 1)
			if c.kind == kindBool {
				width = 2
			}
			field := uint64(1)<<width - 1
			m := c.mask & field
			if c.not {
				m = ^m & field
			}
			// Restrict this fact's field, leave the others alone.
			p.allowed &= ^(field << shift) | m<<shift
		case (c.kind == kindInt || c.kind == kindMoney) && c.op != opIn:
			p.ranges = append(p.ranges, rangeCheck{fact: c.fact, not: c.not, lo: c.lo, hi: c.hi})
		case c.kind == kindScore:
			p.scores = append(p.scores, scoreCheck{slot: c.slot, not: c.not, lo: c.flo, hi: c.fhi})
		default:
			p.rest = append(p.rest, i)
		}
	}
	return p
}

// matches reports whether all of a rule's conditions hold.
func (p *plan) matches(v *vals, sig uint64, conds []cond) bool {
	if sig&p.allowed != sig {
		return false
	}
	for i := range p.ranges {
		r := &p.ranges[i]
		x := v.n[r.fact]
		if (x >= r.lo && x <= r.hi) == r.not {
			return false
		}
	}
	for i := range p.scores {
		r := &p.scores[i]
		x := v.score[r.slot]
		if (x >= r.lo && x <= r.hi) == r.not {
			return false
		}
	}
	for _, i := range p.rest {
		if !conds[i].holds(v) {
			return false
		}
	}
	return true
}
