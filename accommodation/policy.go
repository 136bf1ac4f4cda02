package accommodation

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/postpurchase/postpurchase/internal/iso4217"
	"github.com/shopspring/decimal"
)

// Limits on a policy document. Documents beyond them are rejected with
// ErrLimit; they keep loading and reachability analysis fast.
const (
	MaxPolicyBytes     = 1 << 20 // 1 MiB
	MaxRules           = 500
	MaxConditions      = 32 // per rule
	MaxListLen         = 256
	maxIntLiteral      = 1_000_000_000
	maxMessageKeyLen   = 128
	maxDescriptionLen  = 1024
	maxRuleIDLen       = 64
	maxVersionLen      = 64
	maxNumberLen       = 64 // characters of a money or percent literal
	maxActionsPerRule  = numActionKinds
	defaultPolicyLabel = "default"
)

// ActionKind names what a rule does for the customer.
type ActionKind string

// The action kinds, as written in a policy's "action" member.
const (
	// ActionCashback credits the customer: a fixed amount, or a percent of
	// the order total with a cap, within the budgets.
	ActionCashback ActionKind = "cashback"
	// ActionShippingUpgrade upgrades shipping on the replacement or on the
	// customer's next order (see UpgradeTarget).
	ActionShippingUpgrade ActionKind = "shipping_upgrade"
	// ActionExpeditedReplacement ships a replacement now, expedited.
	ActionExpeditedReplacement ActionKind = "expedited_replacement"
	// ActionPrioritySupport routes the customer to the priority queue.
	ActionPrioritySupport ActionKind = "priority_support"
	// ActionApologyOnly sends an apology and gives nothing else.
	ActionApologyOnly ActionKind = "apology_only"
	// ActionNothing does nothing; it lets a rule stop evaluation on
	// purpose (for instance to keep a case away from later rules).
	ActionNothing ActionKind = "nothing"
)

const numActionKinds = 6

var actionKinds = [numActionKinds]ActionKind{ActionCashback, ActionShippingUpgrade,
	ActionExpeditedReplacement, ActionPrioritySupport, ActionApologyOnly, ActionNothing}

func actionIndex(k ActionKind) int {
	for i, a := range actionKinds {
		if a == k {
			return i
		}
	}
	return -1
}

// UpgradeTarget says which shipment a shipping upgrade applies to.
type UpgradeTarget string

// Upgrade targets, as written in a shipping_upgrade action's "on" member.
const (
	UpgradeReplacement UpgradeTarget = "replacement"
	UpgradeNextOrder   UpgradeTarget = "next_order"
)

// overMode is what a rule does when its cashback does not fit a budget.
type overMode uint8

const (
	overReduce   overMode = iota // give what fits, and say so
	overNextRule                 // skip this rule, try the next
)

// Policy is a loaded, validated accommodation policy. It is immutable and
// safe for concurrent use. Build one with Parse, Load or Default.
type Policy struct {
	version     string
	currency    string
	minor       int32
	rounding    Rounding
	perOrder    int64 // -1: no budget
	perCustomer int64
	perDay      int64
	rules       []rule
}

type rule struct {
	id          string
	description string
	conds       []cond
	actions     []actionSpec
	cont        bool
	over        overMode
	cashback    int // index of the cashback action, or -1
	plan        plan
}

type actionSpec struct {
	kind    ActionKind
	message string
	upgrade UpgradeTarget
	fixed   int64 // cashback: fixed amount in minor units (when pct == 0)
	pct     int64 // cashback: percent × 10^4
	cap     int64 // cashback: cap for a percent, minor units
	cost    int64 // other actions: estimated cost to the brand, minor units
}

// Version returns the policy's version string.
func (p *Policy) Version() string { return p.version }

// Currency returns the policy's ISO 4217 currency code.
func (p *Policy) Currency() string { return p.currency }

// BudgetPerDay returns the brand's per-day budget (budgets.per_day) and
// true, or false when the policy sets none. Only that budget reads
// Facts.BrandCashbackToday: a decision on a brand total at or over the
// budget gives the least the brand's total can make it give.
func (p *Policy) BudgetPerDay() (decimal.Decimal, bool) {
	if p.perDay < 0 {
		return decimal.Decimal{}, false
	}
	return fromMinor(p.perDay, p.minor), true
}

// RuleIDs returns the rule IDs in evaluation order.
func (p *Policy) RuleIDs() []string {
	ids := make([]string, len(p.rules))
	for i := range p.rules {
		ids[i] = p.rules[i].id
	}
	return ids
}

//go:embed default_policy.json
var defaultPolicyJSON []byte

// DefaultJSON returns a copy of the default policy document, for a merchant
// to start editing from.
func DefaultJSON() []byte { return bytes.Clone(defaultPolicyJSON) }

// Default returns the default policy (see the package documentation). It
// panics only if the embedded document is invalid, which the package's own
// tests rule out.
func Default() *Policy {
	p, err := Parse(defaultPolicyJSON)
	if err != nil {
		panic("accommodation: embedded default policy is invalid: " + err.Error())
	}
	return p
}

// Load reads a policy document from r (at most MaxPolicyBytes) and parses
// it with Parse.
func Load(r io.Reader) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPolicyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("accommodation: reading policy: %w", err)
	}
	return Parse(data)
}

// Parse validates a policy document and compiles it. On failure the error
// is a *PolicyError listing every problem found (up to 100), each with its
// JSON path and a kind matching one of the Err* sentinels. A policy that
// parses cannot fail at evaluation time: every fact name, operator,
// literal, amount and rule has been checked, and no rule is unreachable.
func Parse(data []byte) (*Policy, error) {
	var ps problems
	if len(data) > MaxPolicyBytes {
		ps.add("$", ErrLimit, "document is larger than %d bytes", MaxPolicyBytes)
		return nil, ps.err()
	}
	root := parseTree(data, &ps)
	if root == nil {
		return nil, ps.err()
	}
	p := compile(root, &ps)
	if len(ps.list) == 0 {
		checkReachability(p, &ps)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return p, nil
}

func compile(root *node, ps *problems) *Policy {
	p := &Policy{perOrder: -1, perCustomer: -1, perDay: -1}
	if !root.object(ps, "version", "description", "currency", "rounding", "budgets", "rules") {
		return p
	}
	// Currency first: money literals everywhere depend on it.
	currencyOK := false
	if n := root.get("currency"); n == nil {
		ps.add("$.currency", ErrCurrency, "missing currency (an ISO 4217 code such as \"USD\")")
	} else if n.kind != jString {
		ps.add(n.path(), ErrCurrency, "must be an ISO 4217 code string, not %s", describeNode(n))
	} else if m, ok := iso4217.MinorUnits(n.str); !ok {
		hint := ""
		if iso4217.Valid(strings.ToUpper(n.str)) {
			hint = " (codes are upper case)"
		}
		ps.addMoney(n.path(), ErrCurrency, iso4217.ErrUnknownCurrency, "%s is not an ISO 4217 currency with minor units%s", strconv.Quote(iso4217.Clip(n.str)), hint)
	} else if !iso4217.Active(n.str) {
		ps.addMoney(n.path(), ErrCurrency, iso4217.ErrWithdrawnCurrency, "%s is withdrawn from ISO 4217: a policy needs an active currency", n.str)
	} else {
		p.currency, p.minor, currencyOK = strings.Clone(n.str), m, true
	}
	c := compiler{ps: ps, minor: p.minor, currencyOK: currencyOK, currency: p.currency}

	if n := root.get("version"); n == nil {
		ps.add("$.version", ErrMissingField, "missing version")
	} else if s, ok := c.str(n); ok {
		if s == "" || len(s) > maxVersionLen {
			ps.add(n.path(), ErrInvalidValue, "version must be 1 to %d characters", maxVersionLen)
		}
		p.version = strings.Clone(s)
	}
	if n := root.get("description"); n != nil {
		if s, ok := c.str(n); ok && len(s) > maxDescriptionLen {
			ps.add(n.path(), ErrLimit, "description longer than %d bytes", maxDescriptionLen)
		}
	}
	if n := root.get("rounding"); n != nil {
		if s, ok := c.str(n); ok {
			switch s {
			case "half_up":
				p.rounding = RoundHalfUp
			case "half_even":
				p.rounding = RoundHalfEven
			case "down":
				p.rounding = RoundDown
			default:
				ps.add(n.path(), ErrInvalidValue, "unknown rounding %s (known: half_up, half_even, down)", strconv.Quote(s))
			}
		}
	}
	defaultOver := overReduce
	if n := root.get("budgets"); n != nil && n.object(ps, "per_order", "per_customer_90_days", "per_day", "over_budget") {
		for _, b := range []struct {
			name string
			dst  *int64
		}{{"per_order", &p.perOrder}, {"per_customer_90_days", &p.perCustomer}, {"per_day", &p.perDay}} {
			if m := n.get(b.name); m != nil {
				if v, ok := c.money(m); ok {
					*b.dst = v
				}
			}
		}
		if m := n.get("over_budget"); m != nil {
			defaultOver, _ = c.overMode(m)
		}
	}
	n := root.get("rules")
	switch {
	case n == nil:
		ps.add("$.rules", ErrMissingField, "missing rules (an array, possibly empty)")
	case n.kind != jArray:
		ps.add(n.path(), ErrWrongType, "must be an array, not %s", describeNode(n))
	case len(n.vals) > MaxRules:
		ps.add(n.path(), ErrLimit, "%d rules; at most %d are allowed", len(n.vals), MaxRules)
	default:
		ids := map[string]*node{}
		for _, rn := range n.vals {
			r, ok := c.rule(rn, defaultOver)
			if !ok {
				continue
			}
			if prev, dup := ids[r.id]; dup {
				ps.add(rn.at("id"), ErrDuplicate, "rule ID %s is already used at %s", strconv.Quote(r.id), prev.path())
				continue
			}
			ids[r.id] = rn
			p.rules = append(p.rules, r)
		}
	}
	return p
}

type compiler struct {
	ps         *problems
	minor      int32
	currency   string
	currencyOK bool
}

func (c *compiler) str(n *node) (string, bool) {
	if n.kind != jString {
		c.ps.add(n.path(), ErrWrongType, "must be a string, not %s", describeNode(n))
		return "", false
	}
	return n.str, true
}

func (c *compiler) overMode(n *node) (overMode, bool) {
	s, ok := c.str(n)
	if !ok {
		return overReduce, false
	}
	switch s {
	case "reduce":
		return overReduce, true
	case "next_rule":
		return overNextRule, true
	}
	c.ps.add(n.path(), ErrInvalidValue, "unknown over_budget %s (known: reduce, next_rule)", strconv.Quote(s))
	return overReduce, false
}

// decimalOf reads a decimal from a JSON number or a string holding a plain
// decimal ("12.50"). Other types are reported with kind.
func (c *compiler) decimalOf(n *node, kind error, what string) (decimal.Decimal, bool) {
	switch n.kind {
	case jNumber:
		if len(n.str) > maxNumberLen {
			// Decimal parsing is superlinear in the digits: a long
			// literal is refused before it is parsed.
			c.ps.add(n.path(), ErrLimit, "%s %s is longer than %d characters", what, clip(n.str), maxNumberLen)
			return decimal.Decimal{}, false
		}
		d, err := decimal.NewFromString(n.str)
		if err != nil {
			c.ps.add(n.path(), ErrInvalidValue, "%s %s cannot be represented exactly", what, clip(n.str))
			return decimal.Decimal{}, false
		}
		return d, true
	case jString:
		if !plainDecimal(n.str) {
			c.ps.add(n.path(), ErrInvalidValue, "%s must be a decimal such as \"12.50\", not %s", what, strconv.Quote(clip(n.str)))
			return decimal.Decimal{}, false
		}
		d, err := decimal.NewFromString(n.str)
		if err != nil {
			c.ps.add(n.path(), ErrInvalidValue, "%s %s is not a decimal", what, strconv.Quote(clip(n.str)))
			return decimal.Decimal{}, false
		}
		return d, true
	}
	c.ps.add(n.path(), kind, "%s must be a decimal string or number, not %s", what, describeNode(n))
	return decimal.Decimal{}, false
}

// money reads a non-negative amount exact in the policy currency.
func (c *compiler) money(n *node) (int64, bool) {
	return c.moneyKind(n, ErrWrongType)
}

func (c *compiler) moneyKind(n *node, typeKind error) (int64, bool) {
	d, ok := c.decimalOf(n, typeKind, "amount")
	if !ok {
		return 0, false
	}
	if d.IsNegative() {
		c.ps.add(n.path(), ErrNegativeAmount, "amount %s is negative", iso4217.ClipDecimal(d))
		return 0, false
	}
	if !c.currencyOK {
		return 0, true // precision and size cannot be judged without a currency
	}
	v, err := iso4217.ToUnits(d, c.minor)
	switch {
	case errors.Is(err, iso4217.ErrTooPrecise):
		c.ps.add(n.path(), ErrTooPrecise, "amount %s has more decimal places than %s allows (%d)", iso4217.ClipDecimal(d), c.currency, c.minor)
	case err != nil:
		c.ps.addMoney(n.path(), ErrLimit, iso4217.ErrTooLarge, "amount %s is too large (over 10^15 minor units)", iso4217.ClipDecimal(d))
	}
	return v, err == nil
}

func plainDecimal(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	i := 0
	if s[0] == '-' {
		i++
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i+1 < len(s):
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// clip makes outside text fit an error message (iso4217.Clip: at most 64
// bytes, then "…").
func clip(s string) string { return iso4217.Clip(s) }

func validRuleID(s string) bool {
	if s == "" || len(s) > maxRuleIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			i > 0 && (c == '-' || c == '_' || c == '.')
		if !ok {
			return false
		}
	}
	return true
}

func validMessageKey(s string) bool {
	if s == "" || len(s) > maxMessageKeyLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

func (c *compiler) rule(n *node, defaultOver overMode) (rule, bool) {
	r := rule{over: defaultOver, cashback: -1}
	if !n.object(c.ps, "id", "description", "when", "then", "continue", "over_budget") {
		return r, false
	}
	before := len(c.ps.list)
	if m := n.get("id"); m == nil {
		c.ps.add(n.at("id"), ErrMissingField, "missing rule id")
	} else if s, ok := c.str(m); ok {
		if !validRuleID(s) {
			c.ps.add(m.path(), ErrInvalidValue, "rule id %s must be 1 to %d letters, digits, '-', '_' or '.', starting with a letter or digit", strconv.Quote(clip(s)), maxRuleIDLen)
		}
		r.id = strings.Clone(s)
	}
	if m := n.get("description"); m != nil {
		if s, ok := c.str(m); ok {
			if len(s) > maxDescriptionLen {
				c.ps.add(m.path(), ErrLimit, "description longer than %d bytes", maxDescriptionLen)
			}
			r.description = strings.Clone(s)
		}
	}
	if m := n.get("continue"); m != nil {
		if m.kind != jBool {
			c.ps.add(m.path(), ErrWrongType, "must be true or false, not %s", describeNode(m))
		} else {
			r.cont = m.b
		}
	}
	if m := n.get("over_budget"); m != nil {
		r.over, _ = c.overMode(m)
	}
	if m := n.get("when"); m != nil {
		switch {
		case m.kind != jArray:
			c.ps.add(m.path(), ErrWrongType, "must be an array of conditions, not %s", describeNode(m))
		case len(m.vals) > MaxConditions:
			c.ps.add(m.path(), ErrLimit, "%d conditions; at most %d are allowed", len(m.vals), MaxConditions)
		default:
			for _, cn := range m.vals {
				if cd, ok := c.cond(cn); ok {
					r.conds = append(r.conds, cd)
				}
			}
		}
	}
	m := n.get("then")
	switch {
	case m == nil:
		c.ps.add(n.at("then"), ErrMissingField, "missing then (the rule's actions)")
	case m.kind != jArray:
		c.ps.add(m.path(), ErrWrongType, "must be an array of actions, not %s", describeNode(m))
	case len(m.vals) == 0:
		c.ps.add(m.path(), ErrMissingField, "a rule needs at least one action (use {\"action\": \"nothing\"} to stop on purpose)")
	case len(m.vals) > maxActionsPerRule:
		c.ps.add(m.path(), ErrLimit, "%d actions; at most one of each kind (%d) is allowed", len(m.vals), maxActionsPerRule)
	default:
		var seen [numActionKinds]bool
		for _, an := range m.vals {
			a, ok := c.action(an)
			if !ok {
				continue
			}
			i := actionIndex(a.kind)
			if seen[i] {
				c.ps.add(an.path(), ErrDuplicate, "a rule may have one %s action", a.kind)
				continue
			}
			seen[i] = true
			r.actions = append(r.actions, a)
		}
		if (seen[actionIndex(ActionApologyOnly)] || seen[actionIndex(ActionNothing)]) && len(m.vals) > 1 {
			c.ps.add(m.path(), ErrInvalidValue, "apology_only and nothing must be a rule's only action")
		}
	}
	for i, a := range r.actions {
		if a.kind == ActionCashback {
			r.cashback = i
		}
	}
	r.plan = makePlan(r.conds)
	return r, len(c.ps.list) == before
}

func (c *compiler) action(n *node) (actionSpec, bool) {
	var a actionSpec
	if !n.object(c.ps, "action", "message", "amount", "percent", "cap", "on", "cost") {
		return a, false
	}
	before := len(c.ps.list)
	kn := n.get("action")
	if kn == nil {
		c.ps.add(n.at("action"), ErrMissingField, "missing action (one of %s)", kindList())
		return a, false
	}
	s, ok := c.str(kn)
	if !ok {
		return a, false
	}
	a.kind = ActionKind(s)
	if actionIndex(a.kind) < 0 {
		c.ps.add(kn.path(), ErrInvalidValue, "unknown action %s (known: %s)", strconv.Quote(clip(s)), kindList())
		return a, false
	}
	if m := n.get("message"); m == nil {
		if a.kind != ActionNothing {
			c.ps.add(n.at("message"), ErrMissingField, "missing message key for the %s notification", a.kind)
		}
	} else if s, ok := c.str(m); ok {
		if !validMessageKey(s) {
			c.ps.add(m.path(), ErrInvalidValue, "message key must be 1 to %d printable characters without spaces", maxMessageKeyLen)
		}
		a.message = strings.Clone(s)
	}
	only := func(field string, kinds ...ActionKind) *node {
		m := n.get(field)
		if m == nil {
			return nil
		}
		for _, k := range kinds {
			if a.kind == k {
				return m
			}
		}
		c.ps.add(m.path(), ErrUnknownField, "field %s does not apply to a %s action", strconv.Quote(field), a.kind)
		return nil
	}
	amount := only("amount", ActionCashback)
	percent := only("percent", ActionCashback)
	capN := only("cap", ActionCashback)
	on := only("on", ActionShippingUpgrade)
	cost := only("cost", ActionShippingUpgrade, ActionExpeditedReplacement, ActionPrioritySupport)
	switch a.kind {
	case ActionCashback:
		switch {
		case amount != nil && percent != nil:
			c.ps.add(n.path(), ErrInvalidValue, "a cashback has either an amount or a percent, not both")
		case amount != nil:
			if v, ok := c.money(amount); ok {
				if v == 0 {
					c.ps.add(amount.path(), ErrInvalidValue, "a fixed cashback must be more than zero")
				}
				a.fixed = v
			}
			if capN != nil {
				c.ps.add(capN.path(), ErrUnknownField, "cap applies to a percent cashback only")
			}
		case percent != nil:
			a.pct, _ = c.percent(percent)
			if capN == nil {
				c.ps.add(n.at("cap"), ErrMissingField, "a percent cashback needs a cap (the most it may give)")
			} else if v, ok := c.money(capN); ok {
				if v == 0 {
					c.ps.add(capN.path(), ErrInvalidValue, "a cap must be more than zero")
				}
				a.cap = v
			}
		default:
			c.ps.add(n.at("amount"), ErrMissingField, "a cashback needs an amount or a percent")
		}
	case ActionShippingUpgrade:
		if on == nil {
			c.ps.add(n.at("on"), ErrMissingField, "a shipping upgrade needs on: \"replacement\" or \"next_order\"")
		} else if s, ok := c.str(on); ok {
			switch UpgradeTarget(s) {
			case UpgradeReplacement, UpgradeNextOrder:
				a.upgrade = UpgradeTarget(strings.Clone(s))
			default:
				c.ps.add(on.path(), ErrInvalidValue, "unknown target %s (known: replacement, next_order)", strconv.Quote(clip(s)))
			}
		}
	}
	if cost != nil {
		a.cost, _ = c.money(cost)
	}
	return a, len(c.ps.list) == before
}

func kindList() string {
	names := make([]string, len(actionKinds))
	for i, k := range actionKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// percent reads a percent in (0, 100] with at most four decimals, scaled
// by 10^4.
func (c *compiler) percent(n *node) (int64, bool) {
	d, ok := c.decimalOf(n, ErrWrongType, "percent")
	if !ok {
		return 0, false
	}
	// Convert first: comparing a decimal with a huge exponent would expand it.
	v, err := iso4217.ToUnits(d, 4)
	if errors.Is(err, iso4217.ErrTooPrecise) && d.IsPositive() {
		c.ps.add(n.path(), ErrTooPrecise, "percent %s has more than four decimal places", iso4217.ClipDecimal(d))
		return 0, false
	}
	if err != nil || v <= 0 || v > 100*percentScale {
		c.ps.add(n.path(), ErrPercentRange, "percent %s must be more than 0 and at most 100", iso4217.ClipDecimal(d))
		return 0, false
	}
	return v, true
}
