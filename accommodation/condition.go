package accommodation

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// op is a comparison operator.
type op uint8

const (
	opEq op = iota
	opIn
	opGte
	opLte
	opBetween
)

var opNames = [...]string{"eq", "in", "gte", "lte", "between"}

func lookupOp(s string) (op, bool) {
	for i, n := range opNames {
		if n == s {
			return op(i), true
		}
	}
	return 0, false
}

// allowed reports whether an operator applies to a fact kind.
func (o op) allowed(k factKind) bool {
	switch k {
	case kindEnum, kindString:
		return o == opEq || o == opIn
	case kindBool:
		return o == opEq
	case kindInt:
		return true
	default: // score, money
		return o != opIn
	}
}

func operatorsFor(k factKind) string {
	var names []string
	for i, n := range opNames {
		if op(i).allowed(k) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// cond is a compiled condition.
type cond struct {
	fact factID
	kind factKind
	op   op
	not  bool
	slot uint8 // index into vals.score or vals.str
	// Operands, by kind:
	//   enum, bool: mask (enum bit 0 = unknown; bool bit 0 = false, bit 1 = true)
	//   string: strs (lower case for carrier, upper case for country)
	//   int, money: lo, hi (eq: lo == hi; gte: hi = MaxInt64; lte: lo = MinInt64), ints for in
	//   score: flo, fhi (same convention with ±Inf)
	mask     uint64
	strs     []string
	ints     []int64
	lo, hi   int64
	flo, fhi float64
	phrase   string // what the rule needs, in words: "at least 2", "not one of vip, loyal"
}

// holds evaluates the condition on v. It does not allocate.
func (c *cond) holds(v *vals) bool {
	var r bool
	switch c.kind {
	case kindInt, kindMoney:
		x := v.n[c.fact]
		if c.op == opIn {
			for _, y := range c.ints {
				if x == y {
					r = true
					break
				}
			}
		} else {
			r = x >= c.lo && x <= c.hi
		}
	case kindEnum, kindBool:
		r = c.mask&(1<<uint64(v.n[c.fact])) != 0
	case kindScore:
		x := v.score[c.slot]
		r = x >= c.flo && x <= c.fhi
	case kindString:
		s := v.str[c.slot]
		for _, x := range c.strs {
			if strings.EqualFold(x, s) {
				r = true
				break
			}
		}
	}
	return r != c.not
}

// describeValue renders the fact's value in v, for traces.
func describeValue(f factID, v *vals, p *Policy) string {
	info := &facts[f]
	switch info.kind {
	case kindEnum:
		if bit := v.n[f]; bit > 0 {
			return info.enums[bit-1]
		}
		return "unknown"
	case kindBool:
		return strconv.FormatBool(v.n[f] == 1)
	case kindString:
		if s := v.str[slot(f)]; s != "" {
			return strconv.Quote(s)
		}
		return "unknown"
	case kindMoney:
		return formatMinor(v.n[f], p.minor) + " " + p.currency
	case kindInt:
		return strconv.FormatInt(v.n[f], 10)
	default:
		return strconv.FormatFloat(v.score[slot(f)], 'f', -1, 64)
	}
}

// cond compiles one condition object.
func (c *compiler) cond(n *node) (cond, bool) {
	var cd cond
	if !n.object(c.ps, "fact", "not", "eq", "in", "gte", "lte", "between") {
		return cd, false
	}
	fn := n.get("fact")
	if fn == nil {
		c.ps.add(n.at("fact"), ErrMissingField, "missing fact (one of %s)", strings.Join(FactNames(), ", "))
		return cd, false
	}
	name, ok := c.str(fn)
	if !ok {
		return cd, false
	}
	f, ok := lookupFact(name)
	if !ok {
		c.ps.add(fn.path(), ErrUnknownFact, "unknown fact %s (known: %s)", strconv.Quote(clip(name)), strings.Join(FactNames(), ", "))
		return cd, false
	}
	cd.fact, cd.kind, cd.slot = f, facts[f].kind, slot(f)
	opNode := n
	if m := n.get("not"); m != nil {
		for _, v := range n.vals {
			if _, isOp := lookupOp(v.key); isOp {
				c.ps.add(n.path(), ErrBadComparison, "a condition has one operator; put the comparison inside \"not\"")
				return cd, false
			}
		}
		if m.kind == jObject && m.get("not") != nil {
			c.ps.add(m.get("not").path(), ErrBadComparison, "not cannot be nested; write the comparison itself")
			return cd, false
		}
		if !m.object(c.ps, opNames[:]...) {
			return cd, false
		}
		cd.not = true
		opNode = m
	}
	var opKey string
	count := 0
	for _, v := range opNode.vals {
		if _, ok := lookupOp(v.key); ok {
			opKey = v.key
			count++
		}
	}
	switch {
	case count == 0:
		c.ps.add(opNode.path(), ErrMissingField, "missing operator (one of %s for %s)", operatorsFor(cd.kind), name)
		return cd, false
	case count > 1:
		c.ps.add(opNode.path(), ErrBadComparison, "a condition has exactly one operator; write two conditions to combine them")
		return cd, false
	}
	cd.op, _ = lookupOp(opKey)
	lit := opNode.get(opKey)
	if !cd.op.allowed(cd.kind) {
		c.ps.add(lit.path(), ErrBadComparison, "operator %s does not apply to %s, %s fact (use %s)", opKey, name, cd.kind.article(), operatorsFor(cd.kind))
		return cd, false
	}
	if !c.operands(&cd, lit, name) {
		return cd, false
	}
	cd.phrase = c.phrase(&cd)
	return cd, true
}

// operands reads the literal(s) of cd's operator from lit.
func (c *compiler) operands(cd *cond, lit *node, name string) bool {
	switch cd.op {
	case opIn:
		if lit.kind != jArray || len(lit.vals) == 0 {
			c.ps.add(lit.path(), ErrBadComparison, "in needs a non-empty array of %s values, not %s", cd.kind, describeNode(lit))
			return false
		}
		if len(lit.vals) > MaxListLen {
			c.ps.add(lit.path(), ErrLimit, "%d values; at most %d are allowed", len(lit.vals), MaxListLen)
			return false
		}
		ok := true
		for _, e := range lit.vals {
			ok = c.literal(cd, e, name, true) && ok
		}
		if ok && cd.kind == kindInt {
			slices.Sort(cd.ints)
			cd.ints = slices.Compact(cd.ints)
		}
		if ok && cd.kind == kindString {
			slices.Sort(cd.strs)
			cd.strs = slices.Compact(cd.strs)
		}
		return ok
	case opBetween:
		if lit.kind != jArray || len(lit.vals) != 2 {
			c.ps.add(lit.path(), ErrBadComparison, "between needs an array of two bounds [low, high], not %s", describeNode(lit))
			return false
		}
		var lo cond
		lo.fact, lo.kind, lo.op = cd.fact, cd.kind, opEq
		hi := lo
		if !c.literal(&lo, lit.vals[0], name, false) || !c.literal(&hi, lit.vals[1], name, false) {
			return false
		}
		if cd.kind == kindScore {
			cd.flo, cd.fhi = lo.flo, hi.flo
			if cd.flo > cd.fhi {
				c.ps.add(lit.path(), ErrInvalidValue, "between bounds are reversed: low %s is above high %s", fmtFloat(cd.flo), fmtFloat(cd.fhi))
				return false
			}
		} else {
			cd.lo, cd.hi = lo.lo, hi.lo
			if cd.lo > cd.hi {
				c.ps.add(lit.path(), ErrInvalidValue, "between bounds are reversed: low is above high")
				return false
			}
		}
		return true
	default:
		if !c.literal(cd, lit, name, false) {
			return false
		}
		switch cd.op {
		case opGte:
			cd.hi, cd.fhi = math.MaxInt64, math.Inf(1)
		case opLte:
			cd.hi, cd.fhi = cd.lo, cd.flo
			cd.lo, cd.flo = math.MinInt64, math.Inf(-1)
		case opEq:
			cd.hi, cd.fhi = cd.lo, cd.flo
		}
		return true
	}
}

// literal reads one literal into cd (mask, strs, ints for lists; lo/flo for
// single values).
func (c *compiler) literal(cd *cond, n *node, name string, list bool) bool {
	wrong := func(want string) bool {
		c.ps.add(n.path(), ErrBadComparison, "%s is %s fact; compare it with %s, not %s", name, cd.kind.article(), want, describeNode(n))
		return false
	}
	switch cd.kind {
	case kindEnum:
		if n.kind != jString {
			return wrong("a string")
		}
		names := facts[cd.fact].enums
		i := enumIndex(names, n.str)
		if i <= 0 {
			c.ps.add(n.path(), ErrInvalidValue, "unknown %s %s (known: %s)", name, strconv.Quote(clip(n.str)), strings.Join(names, ", "))
			return false
		}
		cd.mask |= 1 << uint(i)
	case kindBool:
		if n.kind != jBool {
			return wrong("true or false")
		}
		if n.b {
			cd.mask |= 2
		} else {
			cd.mask |= 1
		}
	case kindString:
		if n.kind != jString {
			return wrong("a string")
		}
		s := n.str
		if cd.fact == factDestinationCountry {
			if !isCountry(s) {
				c.ps.add(n.path(), ErrInvalidValue, "%s is not an ISO 3166-1 alpha-2 country code", strconv.Quote(clip(s)))
				return false
			}
			s = strings.ToUpper(s)
		} else {
			if s == "" || len(s) > maxStringLen {
				c.ps.add(n.path(), ErrInvalidValue, "carrier must be 1 to %d bytes", maxStringLen)
				return false
			}
			s = strings.ToLower(s)
		}
		cd.strs = append(cd.strs, strings.Clone(s)) // not a view of the whole document
	case kindInt:
		if n.kind != jNumber {
			return wrong("a whole number")
		}
		v, err := strconv.ParseInt(n.str, 10, 64)
		if err != nil {
			if f, ferr := strconv.ParseFloat(n.str, 64); ferr == nil && f == math.Trunc(f) && math.Abs(f) < 1e18 {
				v, err = int64(f), nil // 2e1, 20.0
			}
		}
		if err != nil {
			c.ps.add(n.path(), ErrBadComparison, "%s is a whole number; %s is not", name, clip(n.str))
			return false
		}
		if v < 0 || v > maxIntLiteral {
			c.ps.add(n.path(), ErrInvalidValue, "%s must be from 0 to %d, not %d", name, maxIntLiteral, v)
			return false
		}
		if list {
			cd.ints = append(cd.ints, v)
		} else {
			cd.lo = v
		}
	case kindScore:
		if n.kind != jNumber {
			return wrong("a number from 0 to 100")
		}
		f, err := strconv.ParseFloat(n.str, 64)
		if err != nil || f < 0 || f > 100 {
			c.ps.add(n.path(), ErrInvalidValue, "%s is a score from 0 to 100; %s is outside it", name, clip(n.str))
			return false
		}
		cd.flo = f
	case kindMoney:
		v, ok := c.moneyKind(n, ErrBadComparison)
		if !ok {
			return false
		}
		cd.lo = v
	}
	return true
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// phrase renders what the condition needs, in words.
func (c *compiler) phrase(cd *cond) string {
	var s string
	val := func(lo int64, f float64) string {
		switch cd.kind {
		case kindMoney:
			return formatMinor(lo, c.minor) + " " + c.currency
		case kindScore:
			return fmtFloat(f)
		}
		return strconv.FormatInt(lo, 10)
	}
	switch cd.kind {
	case kindEnum, kindBool, kindString:
		var items []string
		switch cd.kind {
		case kindEnum:
			for i, n := range facts[cd.fact].enums {
				if cd.mask&(1<<uint(i+1)) != 0 {
					items = append(items, n)
				}
			}
		case kindBool:
			if cd.mask&1 != 0 {
				items = append(items, "false")
			}
			if cd.mask&2 != 0 {
				items = append(items, "true")
			}
		default:
			for _, x := range cd.strs {
				items = append(items, strconv.Quote(x))
			}
		}
		if cd.op == opIn && len(items) > 1 {
			s = "one of " + strings.Join(items, ", ")
		} else {
			s = strings.Join(items, ", ")
		}
	default:
		switch cd.op {
		case opEq:
			s = val(cd.lo, cd.flo)
		case opIn:
			items := make([]string, len(cd.ints))
			for i, x := range cd.ints {
				items[i] = strconv.FormatInt(x, 10)
			}
			s = "one of " + strings.Join(items, ", ")
		case opGte:
			s = "at least " + val(cd.lo, cd.flo)
		case opLte:
			s = "at most " + val(cd.hi, cd.fhi)
		case opBetween:
			s = "between " + val(cd.lo, cd.flo) + " and " + val(cd.hi, cd.fhi)
		}
	}
	if cd.not {
		return "not " + s
	}
	return s
}

// text renders the whole condition: "days_late is at least 2".
func (cd *cond) text() string { return facts[cd.fact].name + " is " + cd.phrase }
