package accommodation

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Case is one past situation to replay: when the decision would have been
// made, who and which order, and the facts at that moment.
type Case struct {
	At         time.Time
	CustomerID string
	OrderID    string
	Facts      Facts
}

// window is the rolling period of the per-customer budget.
const window = 90 * 24 * time.Hour

// Simulator replays cases through a policy in time order, keeping the
// budgets' running totals itself, and accumulates a Report. It is how a
// merchant tries a policy on past shipments before turning it on.
//
// The simulator replaces four facts of every case with what the policy
// itself would have given so far: CustomerCashback90Days (cashback to the
// customer in the 90 days up to and including At), OrderCashback and
// OrderAccommodations (cashback and decisions with actions for the order)
// and BrandCashbackToday (cashback given on At's UTC day). The question it
// answers is "what would this policy have cost", so history from outside
// the simulation does not count.
//
// A Simulator is not safe for concurrent use.
type Simulator struct {
	p         *Policy
	last      time.Time
	started   bool
	customers map[string]*customerState
	orders    map[string]*orderState
	day       int64
	daySpent  int64
	ruleIndex map[string]int

	scratchCustomer customerState
	scratchOrder    orderState
	customerSlab    []customerState
	orderSlab       []orderState

	cases, matched           int
	cost, cashback, withheld int64
	tiers                    [6]tierAcc
	actions                  [numActionKinds]actionAcc
	rules                    []int
	reduced, skipped         [3]int
}

type customerState struct {
	spends  []spend // cashback within the window, oldest first
	sum     int64
	reached uint8 // action kinds this customer has received
}

type spend struct {
	at     int64 // unix nanoseconds
	amount int64
}

type orderState struct {
	cash  int64
	count int
}

type tierAcc struct {
	cases          int
	cost, cashback int64
}

type actionAcc struct {
	cases, customers int
	cost             int64
}

// NewSimulator returns a simulator for p with empty budgets.
func NewSimulator(p *Policy) *Simulator {
	s := &Simulator{p: p, customers: map[string]*customerState{}, orders: map[string]*orderState{},
		ruleIndex: make(map[string]int, len(p.rules)), rules: make([]int, len(p.rules))}
	for i := range p.rules {
		s.ruleIndex[p.rules[i].id] = i
	}
	return s
}

// Add replays one case and returns its decision. Cases must come in time
// order: an earlier At than the previous case's is ErrOutOfOrder. Invalid
// facts give a *FactsError; neither error changes the simulator's state.
func (s *Simulator) Add(c Case) (Decision, error) {
	if s.started && c.At.Before(s.last) {
		return Decision{}, fmt.Errorf("%w: %s is before %s", ErrOutOfOrder, c.At.UTC().Format(time.RFC3339Nano), s.last.UTC().Format(time.RFC3339Nano))
	}
	p := s.p
	v, err := convert(&c.Facts, p.currency, p.minor)
	if err != nil {
		return Decision{}, err
	}
	at := c.At.UnixNano()
	day := floorDiv(c.At.Unix(), 86400)
	cust, custKnown := s.customers[c.CustomerID]
	if !custKnown {
		cust = &s.scratchCustomer
		*cust = customerState{}
	}
	// Spends at or before At − 90 days have left the window; they are
	// dropped once the case is accepted.
	cut := at - int64(window)
	k, inWindow := 0, cust.sum
	for k < len(cust.spends) && cust.spends[k].at <= cut {
		inWindow -= cust.spends[k].amount
		k++
	}
	ord, ordKnown := s.orders[c.OrderID]
	if !ordKnown {
		ord = &s.scratchOrder
		*ord = orderState{}
	}
	daySpent := s.daySpent
	if !s.started || day != s.day {
		daySpent = 0
	}
	v.n[factCustomerCashback90Days], v.n[factOrderCashback], v.brand = inWindow, ord.cash, daySpent
	v.n[factOrderAccommodations] = int64(ord.count)

	var d Decision
	p.eval(&v, &d, nil)

	// Check every running total before changing any state.
	granted := d.cashbackMinor()
	costMinor := d.costMinor()
	if _, ok := addChecked(s.cost, costMinor); !ok {
		return Decision{}, ErrOverflow
	}
	if _, ok := addChecked(daySpent, granted); !ok {
		return Decision{}, ErrOverflow
	}
	if _, ok := addChecked(s.withheld, d.withheld); !ok {
		return Decision{}, ErrOverflow
	}
	if k > 0 {
		cust.spends = append(cust.spends[:0], cust.spends[k:]...)
		cust.sum = inWindow
	}

	s.started, s.last, s.day = true, c.At, day
	s.daySpent = daySpent + granted
	s.cases++
	t := &s.tiers[v.n[factTier]]
	t.cases++
	t.cost += costMinor
	t.cashback += granted
	s.cost += costMinor
	s.cashback += granted
	s.withheld += d.withheld
	for i, b := range Budgets() {
		if d.ReducedBy&b != 0 {
			s.reduced[i]++
		}
		if d.SkippedBy&b != 0 {
			s.skipped[i]++
		}
	}
	if d.Matched() {
		s.matched++
		s.rules[s.ruleIndex[d.Rule]]++
	}
	substantive := false
	for _, a := range d.Actions() {
		i := actionIndex(a.Kind)
		acc := &s.actions[i]
		acc.cases++
		acc.cost += a.costMinor()
		if cust.reached&(1<<uint(i)) == 0 {
			cust.reached |= 1 << uint(i)
			acc.customers++
		}
		if a.Kind != ActionNothing {
			substantive = true
		}
	}
	if granted > 0 {
		cust.spends = append(cust.spends, spend{at: at, amount: granted})
		cust.sum += granted
		ord.cash += granted
	}
	if substantive {
		ord.count++
	}
	// Remember a customer or order only once something happened to it.
	if !custKnown && (cust.reached != 0 || len(cust.spends) > 0) {
		s.customers[c.CustomerID] = s.newCustomer(*cust)
	}
	if !ordKnown && (ord.count > 0 || ord.cash > 0) {
		s.orders[c.OrderID] = s.newOrder(*ord)
	}
	return d, nil
}

// newCustomer and newOrder allocate states in slabs: one allocation per
// thousand customers or orders instead of one each.
func (s *Simulator) newCustomer(c customerState) *customerState {
	if len(s.customerSlab) == cap(s.customerSlab) {
		s.customerSlab = make([]customerState, 0, 1024)
	}
	s.customerSlab = append(s.customerSlab, c)
	return &s.customerSlab[len(s.customerSlab)-1]
}

func (s *Simulator) newOrder(o orderState) *orderState {
	if len(s.orderSlab) == cap(s.orderSlab) {
		s.orderSlab = make([]orderState, 0, 1024)
	}
	s.orderSlab = append(s.orderSlab, o)
	return &s.orderSlab[len(s.orderSlab)-1]
}

func addChecked(a, b int64) (int64, bool) {
	s, carry := bits.Add64(uint64(a), uint64(b), 0)
	if carry != 0 || s > 1<<62 {
		return 0, false
	}
	return int64(s), true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (d *Decision) cashbackMinor() int64 {
	if a := d.find(ActionCashback); a != nil {
		return a.amount
	}
	return 0
}

func (d *Decision) costMinor() int64 {
	var c int64
	for i := 0; i < int(d.n); i++ {
		c += d.actions[i].costMinor()
	}
	return c
}

// Report is what a policy would have done over a set of cases.
type Report struct {
	minor    int32
	Currency string
	Cases    int // cases replayed
	Matched  int // cases where some rule matched

	Cost     decimal.Decimal // cashback plus the estimated cost of other actions
	Cashback decimal.Decimal // cashback granted
	Withheld decimal.Decimal // cashback asked for but cut by budgets

	ByTier   map[Tier]TierStats         // by the case's tier; "" is unscored
	ByAction map[ActionKind]ActionStats // every action kind, reached or not
	ByRule   map[string]int             // decisions per deciding rule, every rule listed
	Budgets  map[Budget]BudgetStats     // every single budget the policy sets
}

// TierStats is the part of a Report for one tier.
type TierStats struct {
	Cases    int
	Cost     decimal.Decimal
	Cashback decimal.Decimal
}

// ActionStats is the part of a Report for one action kind.
type ActionStats struct {
	Cases     int             // decisions that included the action
	Customers int             // distinct customers who received it
	Cost      decimal.Decimal // cashback granted, or estimated cost
}

// BudgetStats says how often one budget bit.
type BudgetStats struct {
	Reduced int // cases where it cut a cashback (over_budget "reduce")
	Skipped int // cases where it made a rule give way (over_budget "next_rule")
}

// Report returns the totals so far. It may be called at any time.
func (s *Simulator) Report() *Report {
	p := s.p
	m := func(v int64) decimal.Decimal { return fromMinor(v, p.minor) }
	r := &Report{minor: p.minor, Currency: p.currency, Cases: s.cases, Matched: s.matched,
		Cost: m(s.cost), Cashback: m(s.cashback), Withheld: m(s.withheld),
		ByTier: map[Tier]TierStats{}, ByAction: map[ActionKind]ActionStats{},
		ByRule: map[string]int{}, Budgets: map[Budget]BudgetStats{}}
	for i, t := range s.tiers {
		if t.cases == 0 {
			continue
		}
		name := Tier("")
		if i > 0 {
			name = Tier(tierNames[i-1])
		}
		r.ByTier[name] = TierStats{Cases: t.cases, Cost: m(t.cost), Cashback: m(t.cashback)}
	}
	for i, a := range s.actions {
		r.ByAction[actionKinds[i]] = ActionStats{Cases: a.cases, Customers: a.customers, Cost: m(a.cost)}
	}
	for i := range p.rules {
		r.ByRule[p.rules[i].id] = s.rules[i]
	}
	limits := [3]int64{p.perOrder, p.perCustomer, p.perDay}
	for i, b := range Budgets() {
		if limits[i] >= 0 {
			r.Budgets[b] = BudgetStats{Reduced: s.reduced[i], Skipped: s.skipped[i]}
		}
	}
	return r
}

// Simulate replays cases through p in time order (cases with equal times
// keep their order; the slice is not modified) and reports what the policy
// would have done. See Simulator for how budgets are kept. An invalid case
// stops the simulation with an error naming its index.
func Simulate(p *Policy, cases []Case) (*Report, error) {
	order := make([]int, len(cases))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cases[a].At.Compare(cases[b].At) })
	s := NewSimulator(p)
	for _, i := range order {
		if _, err := s.Add(cases[i]); err != nil {
			return nil, fmt.Errorf("accommodation: case %d: %w", i, err)
		}
	}
	return s.Report(), nil
}

// String renders the report as a short plain-text summary with a stable
// order, for logs and examples.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cases %d, matched %d\n", r.Cases, r.Matched)
	fmt.Fprintf(&b, "cost %s %s (cashback %s, withheld by budgets %s)\n", r.Cost.StringFixed(r.minor), r.Currency, r.Cashback.StringFixed(r.minor), r.Withheld.StringFixed(r.minor))
	tiers := append([]Tier{""}, Tiers()...)
	for _, t := range tiers {
		ts, ok := r.ByTier[t]
		if !ok {
			continue
		}
		name := string(t)
		if name == "" {
			name = "unscored"
		}
		fmt.Fprintf(&b, "tier %-8s cases %d, cost %s\n", name, ts.Cases, ts.Cost.StringFixed(r.minor))
	}
	for _, k := range actionKinds {
		if a := r.ByAction[k]; a.Cases > 0 {
			fmt.Fprintf(&b, "action %-21s cases %d, customers %d, cost %s\n", k, a.Cases, a.Customers, a.Cost.StringFixed(r.minor))
		}
	}
	for _, bud := range Budgets() {
		if bs, ok := r.Budgets[bud]; ok {
			fmt.Fprintf(&b, "budget %-20s reduced %d, skipped %d\n", bud, bs.Reduced, bs.Skipped)
		}
	}
	rules := make([]string, 0, len(r.ByRule))
	for id := range r.ByRule {
		rules = append(rules, id)
	}
	slices.SortFunc(rules, func(a, c string) int {
		return cmp.Or(cmp.Compare(r.ByRule[c], r.ByRule[a]), cmp.Compare(a, c))
	})
	for _, id := range rules {
		if n := r.ByRule[id]; n > 0 {
			fmt.Fprintf(&b, "rule %s: %d\n", id, n)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
