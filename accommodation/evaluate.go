package accommodation

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Budget names one of a policy's budgets. Values combine as flags: a
// Decision's ReducedBy may be BudgetPerOrder|BudgetPerDay.
type Budget uint8

// The budgets, as named in a policy's "budgets" object.
const (
	// BudgetPerOrder caps the cashback for one order, counting what was
	// already given for it (Facts.OrderCashback).
	BudgetPerOrder Budget = 1 << iota
	// BudgetPerCustomer90Days caps the cashback one customer receives in
	// any rolling 90 days (Facts.CustomerCashback90Days).
	BudgetPerCustomer90Days
	// BudgetPerDay caps the cashback the whole brand gives in a day
	// (Facts.BrandCashbackToday).
	BudgetPerDay
)

// Budgets returns the single budgets in a fixed order.
func Budgets() []Budget { return []Budget{BudgetPerOrder, BudgetPerCustomer90Days, BudgetPerDay} }

// String returns the JSON name ("per_order", "per_customer_90_days",
// "per_day"), names joined by "+" for a combination, or "none".
func (b Budget) String() string {
	if b == 0 {
		return "none"
	}
	var names []string
	for _, x := range Budgets() {
		if b&x != 0 {
			names = append(names, budgetName(x))
		}
	}
	return strings.Join(names, "+")
}

func budgetName(b Budget) string {
	switch b {
	case BudgetPerOrder:
		return "per_order"
	case BudgetPerCustomer90Days:
		return "per_customer_90_days"
	default:
		return "per_day"
	}
}

// Has reports whether b includes every flag of x.
func (b Budget) Has(x Budget) bool { return b&x == x }

// Action is one thing a Decision does for the customer. Amounts are exact
// and in the policy currency; they are kept in minor units internally and
// returned as decimals by the methods, so that evaluation itself does not
// allocate.
type Action struct {
	Kind       ActionKind
	Rule       string        // ID of the rule that contributed the action
	MessageKey string        // the notification's message key
	Upgrade    UpgradeTarget // shipping_upgrade only: which shipment
	ReducedBy  Budget        // cashback only: budgets that cut it below what was asked

	currency             string
	minor                int32
	amount, asked, costs int64
}

// Amount is the cashback granted (zero for other kinds), rounded to the
// currency's minor units with the policy's rounding mode.
func (a Action) Amount() decimal.Decimal { return fromMinor(a.amount, a.minor) }

// Requested is the cashback the rule(s) asked for before budgets; equal to
// Amount unless ReducedBy is set.
func (a Action) Requested() decimal.Decimal { return fromMinor(a.asked, a.minor) }

// Cost is what the action costs the brand: the cashback amount, or the
// estimated "cost" the policy gives for other actions (zero if none).
func (a Action) Cost() decimal.Decimal {
	if a.Kind == ActionCashback {
		return fromMinor(a.amount, a.minor)
	}
	return fromMinor(a.costs, a.minor)
}

// Currency returns the ISO 4217 code of the amounts.
func (a Action) Currency() string { return a.currency }

func (a Action) costMinor() int64 {
	if a.Kind == ActionCashback {
		return a.amount
	}
	return a.costs
}

// Decision is the outcome of evaluating a policy on one set of facts.
type Decision struct {
	// Rule is the ID of the rule that decided: the first matching rule
	// without "continue", or, if evaluation ran past the last rule, the
	// last matching rule. Empty when no rule matched.
	Rule string
	// Currency of every amount.
	Currency string
	// ReducedBy lists budgets that reduced a cashback to what fits
	// (over_budget "reduce"), possibly to nothing.
	ReducedBy Budget
	// SkippedBy lists budgets that made a matching rule give way to the
	// next one (over_budget "next_rule").
	SkippedBy Budget

	actions  [numActionKinds]Action
	n        uint8
	withheld int64
	minor    int32
	policy   *Policy
	vals     vals
}

// Matched reports whether any rule matched.
func (d *Decision) Matched() bool { return d.Rule != "" }

// Actions returns the actions in the order rules gave them, at most one of
// each kind. A continuing rule's cashback and a later rule's cashback are
// added up into one action (within budgets); another kind already present
// is not repeated. A cashback reduced to nothing is left out (see
// Withheld). The slice aliases d.
func (d *Decision) Actions() []Action { return d.actions[:d.n] }

// Action returns the action of kind k, if the decision has one.
func (d *Decision) Action(k ActionKind) (Action, bool) {
	for i := 0; i < int(d.n); i++ {
		if d.actions[i].Kind == k {
			return d.actions[i], true
		}
	}
	return Action{}, false
}

// Cashback is the total cashback granted.
func (d *Decision) Cashback() decimal.Decimal {
	a, _ := d.Action(ActionCashback)
	return fromMinor(a.amount, d.minor)
}

// Withheld is the cashback that matching rules asked for but budgets did
// not allow (reduce mode only; zero when nothing was cut).
func (d *Decision) Withheld() decimal.Decimal { return fromMinor(d.withheld, d.minor) }

// Cost is the total cost of the decision to the brand: cashback plus the
// estimated costs of the other actions.
func (d *Decision) Cost() decimal.Decimal {
	var c int64
	for i := 0; i < int(d.n); i++ {
		c += d.actions[i].costMinor()
	}
	return fromMinor(c, d.minor)
}

// StepResult is the outcome of trying one rule.
type StepResult string

// Step results.
const (
	StepMatched    StepResult = "matched"     // all conditions held; the rule's actions were taken
	StepNoMatch    StepResult = "no_match"    // a condition failed (Condition says which)
	StepOverBudget StepResult = "over_budget" // conditions held, but the cashback did not fit and the rule gives way
)

// Step is one rule tried during evaluation, in words.
type Step struct {
	Rule      string     `json:"rule"`
	Result    StepResult `json:"result"`
	Condition int        `json:"condition"` // index in "when" of the first failing condition; -1 if none failed
	Reason    string     `json:"reason"`
}

// Trace returns each rule tried, in order, and why it matched or not, with
// the first failing condition in words. Evaluation is deterministic, so the
// trace is rebuilt on demand from the decision's facts: Evaluate itself
// stays allocation-free. A zero Decision has no trace.
func (d *Decision) Trace() []Step {
	if d.policy == nil {
		return nil
	}
	var steps []Step
	var again Decision
	d.policy.eval(&d.vals, &again, &steps)
	return steps
}

// Evaluate decides what to do for one delayed order. It is pure and
// deterministic: the same policy and facts always give the same decision,
// and nothing outside the arguments is read. It does not allocate. The
// only errors are a *FactsError (matching ErrInvalidFacts) for facts in
// another currency or out of range; a loaded policy never fails here.
func (p *Policy) Evaluate(f Facts) (Decision, error) {
	v, err := convert(&f, p.currency, p.minor)
	if err != nil {
		return Decision{}, err
	}
	var d Decision
	p.eval(&v, &d, nil)
	return d, nil
}

// eval runs the rules on v into d; with tr non-nil it records the trace.
func (p *Policy) eval(v *vals, d *Decision, tr *[]Step) {
	d.Currency, d.minor, d.policy, d.vals = p.currency, p.minor, p, *v
	var given int64 // cashback granted so far in this decision
	sig := signature(v)
	for i := range p.rules {
		r := &p.rules[i]
		failed := -1
		if tr == nil {
			if !r.plan.matches(v, sig, r.conds) {
				continue
			}
		} else {
			for j := range r.conds {
				if !r.conds[j].holds(v) {
					failed = j
					break
				}
			}
		}
		if failed >= 0 {
			{
				c := &r.conds[failed]
				*tr = append(*tr, Step{Rule: r.id, Result: StepNoMatch, Condition: failed,
					Reason: fmt.Sprintf("%s is %s, but the rule needs %s", facts[c.fact].name, describeValue(c.fact, v, p), c.phrase)})
			}
			continue
		}
		var want, grant int64
		var cut Budget
		if r.cashback >= 0 {
			want = p.cashbackAmount(&r.actions[r.cashback], v)
			room, binding := p.room(v, given, want)
			grant = want
			if want > room {
				cut = binding
				if r.over == overNextRule {
					d.SkippedBy |= cut
					if tr != nil {
						*tr = append(*tr, Step{Rule: r.id, Result: StepOverBudget, Condition: -1,
							Reason: fmt.Sprintf("%s, but cashback %s does not fit the %s budget (%s left); trying the next rule",
								holdsText(r), p.money(want), cut, p.money(room))})
					}
					continue
				}
				grant = room
				d.ReducedBy |= cut
			}
		}
		var notes []string
		for k := range r.actions {
			a := &r.actions[k]
			if a.kind == ActionCashback {
				d.withheld += want - grant
				if tr != nil && cut != 0 {
					notes = append(notes, fmt.Sprintf("cashback %s reduced to %s by the %s budget", p.money(want), p.money(grant), cut))
				}
				if existing := d.find(ActionCashback); existing != nil {
					existing.amount += grant
					existing.asked += want
					existing.ReducedBy |= cut
					continue
				}
				if grant == 0 {
					continue
				}
			} else if d.find(a.kind) != nil {
				if tr != nil {
					notes = append(notes, fmt.Sprintf("%s already decided by an earlier rule", a.kind))
				}
				continue
			}
			d.actions[d.n] = Action{Kind: a.kind, Rule: r.id, MessageKey: a.message, Upgrade: a.upgrade,
				currency: p.currency, minor: p.minor, costs: a.cost}
			if a.kind == ActionCashback {
				d.actions[d.n].amount, d.actions[d.n].asked, d.actions[d.n].ReducedBy = grant, want, cut
			}
			d.n++
		}
		given += grant
		d.Rule = r.id
		if tr != nil {
			reason := holdsText(r)
			if len(notes) > 0 {
				reason += "; " + strings.Join(notes, "; ")
			}
			if r.cont {
				reason += "; continuing to the next rule"
			}
			*tr = append(*tr, Step{Rule: r.id, Result: StepMatched, Condition: -1, Reason: reason})
		}
		if !r.cont {
			return
		}
	}
}

func holdsText(r *rule) string {
	switch len(r.conds) {
	case 0:
		return "no conditions: matches every case"
	case 1:
		return "its condition holds (" + r.conds[0].text() + ")"
	case 2:
		return "both conditions hold"
	}
	return fmt.Sprintf("all %d conditions hold", len(r.conds))
}

func (p *Policy) money(v int64) string { return formatMinor(v, p.minor) + " " + p.currency }

func (d *Decision) find(k ActionKind) *Action {
	for i := 0; i < int(d.n); i++ {
		if d.actions[i].Kind == k {
			return &d.actions[i]
		}
	}
	return nil
}

// cashbackAmount is what a cashback action asks for on these facts.
func (p *Policy) cashbackAmount(a *actionSpec, v *vals) int64 {
	if a.pct == 0 {
		return a.fixed
	}
	return min(percentOf(v.n[factOrderTotal], a.pct, p.rounding), a.cap)
}

// room is the most cashback the budgets still allow, given what the facts
// say was already spent and what this decision already granted, and the
// budgets with less room than want.
func (p *Policy) room(v *vals, given, want int64) (int64, Budget) {
	room := int64(maxMinor)
	var binding Budget
	check := func(limit, spent int64, b Budget) {
		if limit < 0 {
			return
		}
		left := max(limit-spent-given, 0)
		if left < want {
			binding |= b
		}
		room = min(room, left)
	}
	check(p.perOrder, v.n[factOrderCashback], BudgetPerOrder)
	check(p.perCustomer, v.n[factCustomerCashback90Days], BudgetPerCustomer90Days)
	check(p.perDay, v.brand, BudgetPerDay)
	return room, binding
}

// MarshalJSON renders the decision for audit logs: rule, actions with
// amounts as decimal strings, budgets and the trace.
func (d Decision) MarshalJSON() ([]byte, error) {
	type action struct {
		Action     ActionKind    `json:"action"`
		Rule       string        `json:"rule"`
		Message    string        `json:"message,omitempty"`
		On         UpgradeTarget `json:"on,omitempty"`
		Amount     string        `json:"amount,omitempty"`
		Requested  string        `json:"requested,omitempty"`
		Cost       string        `json:"cost,omitempty"`
		ReducedBy  string        `json:"reduced_by,omitempty"`
		CurrencyID string        `json:"currency,omitempty"`
	}
	out := struct {
		Rule      string   `json:"rule"`
		Currency  string   `json:"currency,omitempty"`
		Actions   []action `json:"actions"`
		Withheld  string   `json:"withheld,omitempty"`
		ReducedBy string   `json:"reduced_by,omitempty"`
		SkippedBy string   `json:"skipped_by,omitempty"`
		Trace     []Step   `json:"trace,omitempty"`
	}{Rule: d.Rule, Currency: d.Currency, Actions: []action{}, Trace: d.Trace()}
	for _, a := range d.Actions() {
		j := action{Action: a.Kind, Rule: a.Rule, Message: a.MessageKey, On: a.Upgrade}
		if a.Kind == ActionCashback {
			j.Amount = formatMinor(a.amount, a.minor)
			j.Requested = formatMinor(a.asked, a.minor)
			j.CurrencyID = a.currency
		} else if a.costs > 0 {
			j.Cost = formatMinor(a.costs, a.minor)
			j.CurrencyID = a.currency
		}
		if a.ReducedBy != 0 {
			j.ReducedBy = a.ReducedBy.String()
		}
		out.Actions = append(out.Actions, j)
	}
	if d.withheld > 0 {
		out.Withheld = formatMinor(d.withheld, d.minor)
	}
	if d.ReducedBy != 0 {
		out.ReducedBy = d.ReducedBy.String()
	}
	if d.SkippedBy != 0 {
		out.SkippedBy = d.SkippedBy.String()
	}
	return json.Marshal(out)
}
