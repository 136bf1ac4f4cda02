package postpurchase

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/accommodation"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/scoring"
	"github.com/postpurchase/postpurchase/tracking"
)

// severity orders delay kinds: an incident is re-decided only when it gets
// worse (a more severe kind, or more days late).
var severity = map[tracking.DelayKind]int{
	tracking.DelayAtRisk:             1,
	tracking.DelayEstimateSlipped:    2,
	tracking.DelayFulfillmentStalled: 3,
	tracking.DelayShipmentStalled:    4,
	tracking.DelayException:          5,
	tracking.DelayAttemptFailed:      6,
	tracking.DelayLate:               7,
	tracking.DelayReturnedToSender:   8,
	tracking.DelayLost:               9,
}

// severityOf ranks a delay kind (tracking's name) in the order an incident
// escalates: at_risk lowest, lost highest; 0 for a name it does not know.
func severityOf(kind string) int {
	var k tracking.DelayKind
	if k.UnmarshalText([]byte(kind)) != nil {
		return 0
	}
	return severity[k]
}

// changed turns what one update changed on shipment i into journal
// entries, messages and decisions, in the order the journey takes:
// events → milestones → delay episodes → incident (score, policy,
// credit, tasks, message) → next check.
func (t *txn) changed(ctx context.Context, i int, ch tracking.Changes) error {
	e := t.e
	s := t.ships[i]
	sid := t.rec.Shipments[i].ID
	if ch.Added > 0 {
		st, rs := s.Status()
		text := fmt.Sprintf("%d new carrier event(s); status %s", ch.Added, st)
		if rs != carriers.ReasonNone {
			text += " (" + rs.String() + ")"
		}
		t.journal(JournalEvents, sid, "", text)
	}
	for _, m := range ch.Milestones {
		if m.Kind == tracking.MilestoneDelivered {
			t.releaseHeld(i, m.At) // announced or not, held credit is released
		}
		if age := t.now.Sub(m.At); age > e.stale {
			t.journal(JournalSkipped, sid, m.ID, fmt.Sprintf("milestone %s applied but not announced: the scan is %s old (stale after %s)", m.Kind, age.Round(time.Hour), e.stale))
			continue
		}
		if err := t.milestone(ctx, i, m); err != nil {
			return err
		}
	}
	for _, d := range ch.Delays {
		t.journal(JournalDelay, sid, d.ID, fmt.Sprintf("delay caught: %s%s", d.Kind, reasonText(d.Reason)))
	}
	for _, d := range ch.Cleared {
		t.journal(JournalCleared, sid, d.ID, fmt.Sprintf("delay cleared: %s", d.Kind))
	}
	if err := t.incident(ctx, i); err != nil {
		return err
	}
	t.rec.Shipments[i].NextCheck = e.nextCheck(t.now, s)
	return nil
}

func reasonText(r carriers.Reason) string {
	if r == carriers.ReasonNone {
		return ""
	}
	return " (" + r.String() + ")"
}

// customer returns the customer, from the Customers source when there is
// one, else the contact the order gives.
func (t *txn) customer(ctx context.Context) (Customer, error) {
	if t.cust != nil {
		return *t.cust, nil // asked once per change, however many messages
	}
	o := &t.rec.Order
	c := Customer{Contact: Contact{CustomerID: o.CustomerID, Email: o.Email}}
	if t.e.customers != nil {
		got, err := t.e.customers.Customer(ctx, o.CustomerID)
		if err != nil {
			return c, fmt.Errorf("postpurchase: customer of order %s: %w", clip(o.ID), err)
		}
		got.Contact.CustomerID = o.CustomerID
		if got.Contact.Email == "" {
			got.Contact.Email = o.Email
		}
		c = got
	}
	t.cust = &c
	return c, nil
}

// base fills the fields every message about shipment i carries.
func (t *txn) base(ctx context.Context, i int, kind MessageKind, id string, at time.Time) (Message, error) {
	c, err := t.customer(ctx)
	if err != nil {
		return Message{}, err
	}
	s := t.ships[i]
	st, _ := s.Status()
	m := Message{
		ID: id, Kind: kind, At: at, Customer: c.Contact,
		OrderID: t.rec.Order.ID, ShipmentID: t.rec.Shipments[i].ID,
		Carrier: s.Carrier, TrackingNumber: s.TrackingNumber,
		Status: st.String(), Currency: t.rec.Order.Currency,
	}
	if t.e.trackURL != nil {
		m.TrackingURL = t.e.trackURL(t.rec.Order.ID)
	}
	skus := t.items(i)
	for _, it := range t.rec.Order.Items {
		if slices.Contains(skus, it.SKU) {
			m.Items = append(m.Items, it)
		}
	}
	if est := s.Estimate(t.now); !est.Date.IsZero() {
		m.EstimatedDelivery = est.Date.String()
		if !est.Latest.IsZero() {
			m.EstimatedLatest = est.Latest.String()
		}
	}
	if inc := t.rec.Incident; inc != nil {
		m.Tier = inc.Score.Tier
	}
	return m, nil
}

// milestone decides the message for a milestone reached.
func (t *txn) milestone(ctx context.Context, i int, ms tracking.Milestone) error {
	e := t.e
	m, err := t.base(ctx, i, MessageMilestone, "milestone:"+ms.ID, ms.At)
	if err != nil {
		return err
	}
	m.Milestone, m.MilestoneID = ms.Kind.String(), ms.ID
	switch ms.Kind {
	case tracking.MilestoneShipped:
		// The order's value rides on one event of the journey only.
		if i == 0 {
			m.OrderValue = t.rec.Order.Total
		}
		m.Products = e.products(ctx, MomentShipped, &t.rec.Order)
	case tracking.MilestoneDelivered:
		m.Products = e.products(ctx, MomentDelivered, &t.rec.Order)
		if e.reviewURL != nil {
			m.ReviewURL = e.reviewURL(t.rec.Order.ID)
		}
	}
	t.effect(Effect{ID: m.ID, Kind: EffectMessage, Message: &m})
	t.journal(JournalMilestone, t.rec.Shipments[i].ID, ms.ID, fmt.Sprintf("%s (scan at %s) → message %s", ms.Kind, ms.At.Format(time.RFC3339), m.ID))
	return nil
}

// worstDelay returns the most severe active delay of a shipment.
func worstDelay(s *tracking.Shipment) (tracking.Delay, bool) {
	var w tracking.Delay
	found := false
	for _, d := range s.ActiveDelays() {
		if !found || severity[d.Kind] > severity[w.Kind] {
			w, found = d, true
		}
	}
	return w, found
}

// incident opens the order's incident at its first delay, or re-decides
// it when it got worse, and records what the policy decides: one
// make-good per order per incident, topped up as it worsens.
func (t *txn) incident(ctx context.Context, i int) error {
	e := t.e
	s := t.ships[i]
	d, ok := worstDelay(s)
	if !ok {
		return nil
	}
	daysLate := s.DaysLate(t.now)
	inc := t.rec.Incident
	sid := t.rec.Shipments[i].ID
	if inc == nil {
		snap, err := t.score(ctx)
		if err != nil {
			return err
		}
		inc = &Incident{ID: d.ID, OpenedAt: t.now, Score: snap, Credited: decimal.Zero}
		t.rec.Incident = inc
		j := t.journal(JournalScore, sid, inc.ID, fmt.Sprintf("incident opened by %s; customer scored %s: value %.0f, risk %.0f, %d earlier order(s) (this order excluded)",
			d.Kind, snap.Tier, snap.Value, snap.Risk, snap.Orders))
		j.Score = &inc.Score
	} else if severity[d.Kind] <= severityOf(inc.Worst) && daysLate <= inc.DaysLate {
		// Nothing got worse; a message held back yesterday goes out now.
		if inc.Unsent != nil {
			return t.delayMessage(ctx, i, d, daysLate, nil, decimal.Zero, false)
		}
		return nil
	}
	prevWorst := inc.Worst
	if severity[d.Kind] > severityOf(inc.Worst) {
		inc.Worst = d.Kind.String()
	}
	inc.DaysLate = max(inc.DaysLate, daysLate)

	facts, err := t.facts(ctx, i, inc)
	if err != nil {
		return err
	}
	dec, err := e.policy.Evaluate(facts)
	if err != nil {
		return fmt.Errorf("postpurchase: policy on order %s: %w", clip(t.rec.Order.ID), err)
	}
	inc.Rule = dec.Rule

	// Credit: the rule's level for the incident as it is now, less what
	// was already credited, within what the budgets allow now.
	topUp, want := topUpOf(&dec, inc.Credited)
	var actions []string
	var did []string
	if topUp.IsPositive() {
		inc.Credits++
		key := "credit:" + inc.ID + ":" + strconv.Itoa(inc.Credits)
		c := &Credit{
			Key: key, CustomerID: t.rec.Order.CustomerID, Amount: topUp, Currency: t.rec.Order.Currency,
			Reason: "delay " + d.Kind.String() + " (rule " + dec.Rule + ")", OrderID: t.rec.Order.ID, DelayID: d.ID,
			At: t.now, Pending: e.onDeliver && s.DeliveredAt().IsZero() && !arrivesNot(inc),
		}
		if e.expiry > 0 {
			c.ExpiresAt = t.now.Add(e.expiry)
		}
		if cu, err := t.customer(ctx); err == nil {
			c.Notify = &cu.Contact
		} else {
			return err
		}
		inc.Credited = inc.Credited.Add(topUp)
		if c.Pending {
			inc.Held = append(inc.Held, HeldCredit{Key: key, ShipmentID: sid, Amount: topUp})
		}
		t.effect(Effect{ID: key, Kind: EffectCredit, Credit: c})
		actions = append(actions, "cashback")
		did = append(did, "credit "+money(topUp, c.Currency)+" ("+key+")")
	}
	for _, a := range dec.Actions() {
		var kind TaskKind
		switch a.Kind {
		case accommodation.ActionExpeditedReplacement:
			kind = TaskReplacement
		case accommodation.ActionShippingUpgrade:
			kind = TaskShippingUpgrade
		case accommodation.ActionPrioritySupport:
			kind = TaskPrioritySupport
		case accommodation.ActionApologyOnly:
			actions = append(actions, string(a.Kind))
			continue
		default:
			continue
		}
		if slices.Contains(inc.Tasks, kind) {
			continue
		}
		inc.Tasks = append(inc.Tasks, kind)
		task := &Task{ID: "task:" + inc.ID + ":" + string(kind), Kind: kind, OrderID: t.rec.Order.ID, ShipmentID: sid,
			CustomerID: t.rec.Order.CustomerID, Expedited: kind == TaskReplacement, Rule: a.Rule, Items: t.items(i)}
		t.effect(Effect{ID: task.ID, Kind: EffectTask, Task: task})
		actions = append(actions, string(a.Kind))
		did = append(did, string(kind))
	}
	escalated := prevWorst != inc.Worst
	if !escalated && len(did) == 0 {
		// Re-evaluated: nothing new to decide; a message held back
		// yesterday goes out now.
		if inc.Unsent != nil {
			return t.delayMessage(ctx, i, d, daysLate, nil, decimal.Zero, false)
		}
		return nil
	}
	text := fmt.Sprintf("decision on %s, %d day(s) late, tier %s: rule %q", d.Kind, daysLate, inc.Score.Tier, dec.Rule)
	switch {
	case len(did) > 0:
		text += " → " + strings.Join(did, ", ")
	case slices.Contains(actions, string(accommodation.ActionApologyOnly)):
		text += " → an apology"
	default:
		text += " → nothing new"
	}
	if held := want.Sub(topUp); held.IsPositive() {
		text += "; budgets withheld " + money(held, dec.Currency)
	}
	j := t.journal(JournalDecision, sid, d.ID, text)
	j.Rule, j.Score = dec.Rule, &inc.Score

	// A parcel that will not arrive (lost, coming back, replaced) does
	// not hold its credit back any longer.
	if arrivesNot(inc) {
		t.releaseHeld(i, t.now)
	}
	return t.delayMessage(ctx, i, d, daysLate, actions, topUp, e.onDeliver && s.DeliveredAt().IsZero() && !arrivesNot(inc))
}

// arrivesNot reports whether the incident's parcel will not arrive.
func arrivesNot(inc *Incident) bool {
	return inc.Worst == tracking.DelayLost.String() || inc.Worst == tracking.DelayReturnedToSender.String() || slices.Contains(inc.Tasks, TaskReplacement)
}

// delayMessage decides the delay message telling what is new: at most one
// per order per day; what a held-back message had to say rides on the
// next one.
func (t *txn) delayMessage(ctx context.Context, i int, d tracking.Delay, daysLate int, actions []string, cashback decimal.Decimal, pending bool) error {
	inc := t.rec.Incident
	sid := t.rec.Shipments[i].ID
	if u := inc.Unsent; u != nil {
		for _, a := range u.Actions {
			if !slices.Contains(actions, a) {
				actions = append(actions, a)
			}
		}
		cashback = cashback.Add(u.Cashback)
		pending = pending || u.Pending
	}
	today := t.now.In(t.e.loc).Format(time.DateOnly)
	if t.rec.LastDelayMessage == today {
		inc.Unsent = &Unsent{Actions: actions, Cashback: cashback, Pending: pending}
		t.journal(JournalSkipped, sid, d.ID, "delay message held back until tomorrow: one already sent today")
		return nil
	}
	inc.Unsent = nil
	inc.Messages++
	m, err := t.base(ctx, i, MessageDelay, "delay:"+inc.ID+":"+strconv.Itoa(inc.Messages), t.now)
	if err != nil {
		return err
	}
	m.DelayKind, m.DelayID, m.DaysLate, m.Actions = d.Kind.String(), d.ID, daysLate, actions
	m.Tier = inc.Score.Tier
	if cashback.IsPositive() {
		m.Cashback, m.CashbackPending = cashback, pending
	}
	t.rec.LastDelayMessage = today
	t.effect(Effect{ID: m.ID, Kind: EffectMessage, Message: &m})
	t.journal(JournalEffect, sid, m.ID, "delay message "+m.ID)
	return nil
}

// items returns the SKUs in shipment i.
func (t *txn) items(i int) []string {
	if sp := t.rec.Order.Shipments[i]; len(sp.Items) > 0 {
		return slices.Clone(sp.Items)
	}
	out := make([]string, len(t.rec.Order.Items))
	for j, it := range t.rec.Order.Items {
		out[j] = it.SKU
	}
	return out
}

// score scores the customer without the order at hand: a delay must not
// demote a VIP mid-incident, nor the order being made good count for them.
func (t *txn) score(ctx context.Context) (ScoreSnapshot, error) {
	c, err := t.customer(ctx)
	if err != nil {
		return ScoreSnapshot{}, err
	}
	h := withoutOrder(c.History, t.rec.Order.ID)
	sc, err := t.e.scorer.Score(t.now, h)
	if err != nil {
		return ScoreSnapshot{}, fmt.Errorf("postpurchase: scoring customer of order %s: %w", clip(t.rec.Order.ID), err)
	}
	snap := ScoreSnapshot{Value: sc.Value, Risk: sc.Risk, Tier: sc.Tier.String()}
	for _, r := range sc.Reasons {
		if len(snap.Reasons) == 3 {
			break
		}
		snap.Reasons = append(snap.Reasons, r.String())
	}
	if h != nil {
		for _, o := range h.Orders {
			if !o.Canceled {
				snap.Orders++
			}
		}
	}
	return snap, nil
}

// withoutOrder returns h without the order orderID (and what refers to
// it), sharing what it does not change.
func withoutOrder(h *scoring.History, orderID string) *scoring.History {
	if h == nil {
		return &scoring.History{Orders: []scoring.Order{}}
	}
	cp := *h
	cp.Orders = slices.DeleteFunc(slices.Clone(h.Orders), func(o scoring.Order) bool { return o.ID == orderID })
	if h.Shipments != nil {
		cp.Shipments = slices.DeleteFunc(slices.Clone(h.Shipments), func(s scoring.Shipment) bool { return s.OrderID == orderID })
	}
	if h.Returns != nil {
		cp.Returns = slices.DeleteFunc(slices.Clone(h.Returns), func(r scoring.Return) bool { return r.OrderID == orderID })
	}
	if h.Claims != nil {
		cp.Claims = slices.DeleteFunc(slices.Clone(h.Claims), func(c scoring.Claim) bool { return c.OrderID == orderID })
	}
	return &cp
}

// facts builds the policy's facts for shipment i's incident.
func (t *txn) facts(ctx context.Context, i int, inc *Incident) (accommodation.Facts, error) {
	e := t.e
	s := t.ships[i]
	o := &t.rec.Order
	cust, err := t.creditTotal(ctx, o.CustomerID, t.now.Add(-90*24*time.Hour))
	if err != nil {
		return accommodation.Facts{}, err
	}
	y, mo, dd := t.now.In(e.loc).Date()
	brand, err := t.creditTotal(ctx, "", time.Date(y, mo, dd, 0, 0, 0, 0, e.loc))
	if err != nil {
		return accommodation.Facts{}, err
	}
	dest := s.Destination
	if k := strings.IndexByte(dest, '-'); k >= 0 {
		dest = dest[:k]
	}
	f := accommodation.Facts{
		Currency:               o.Currency,
		Tier:                   accommodation.Tier(inc.Score.Tier),
		ValueScore:             inc.Score.Value,
		RiskScore:              inc.Score.Risk,
		DelayKind:              accommodation.DelayKind(inc.Worst),
		DaysLate:               inc.DaysLate,
		BusinessDaysStalled:    t.businessDaysStalled(s),
		OrderTotal:             o.Total,
		OrderCount:             inc.Score.Orders + 1,
		FirstOrder:             inc.Score.Orders == 0,
		Carrier:                s.Carrier,
		DestinationCountry:     dest,
		CustomerCashback90Days: cust,
		OrderAccommodations:    inc.Credits + len(inc.Tasks),
		OrderCashback:          inc.Credited,
		BrandCashbackToday:     brand,
	}
	return f, nil
}

// creditTotal reads a budget's total for a decision: the store's, plus
// the credit this change decided already (not committed yet). The read is
// kept for the commit (see Store.Commit): the first of each key, so that
// the commit fails if credit was added since any decision of this change.
func (t *txn) creditTotal(ctx context.Context, customerID string, since time.Time) (decimal.Decimal, error) {
	r, err := t.e.store.CreditTotal(ctx, customerID, since)
	if err != nil {
		return decimal.Decimal{}, err
	}
	if !slices.ContainsFunc(t.reads, func(b BudgetRead) bool { return b.CustomerID == customerID }) {
		t.reads = append(t.reads, r)
	}
	total := r.Total
	for _, ef := range t.c.Effects {
		if c := ef.Credit; ef.Kind == EffectCredit && c != nil && (customerID == "" || c.CustomerID == customerID) && !ef.At.Before(since) {
			total = total.Add(c.Amount)
		}
	}
	return total, nil
}

// budgets puts the budget reads in the commit when it adds credit: only
// then can it take a budget over (Store.Commit). The brand's read goes in
// only when the policy sets a per-day budget, the one budget that reads
// the brand's total (accommodation.Policy.BudgetPerDay): the brand's
// version is the one every credit commit contends on, so a policy without
// a per-day budget does not pay for it. With one, any credit depends on
// the brand's total (at a total at the budget there is no room left).
func (t *txn) budgets() {
	t.c.Budgets = t.c.Budgets[:0]
	for _, ef := range t.c.Effects {
		if ef.Kind != EffectCredit {
			continue
		}
		for _, r := range t.reads {
			if r.CustomerID != "" || t.e.perDay {
				t.c.Budgets = append(t.c.Budgets, r)
			}
		}
		return
	}
}

// topUpOf is the credit a decision adds to an incident already credited
// with credited: the rule's level for the incident as it is now, less
// what was credited, within what the budgets allow now; want is what the
// rule asked for on top of credited, before the budgets.
func topUpOf(dec *accommodation.Decision, credited decimal.Decimal) (topUp, want decimal.Decimal) {
	topUp, want = decimal.Zero, decimal.Zero
	if a, ok := dec.Action(accommodation.ActionCashback); ok {
		want = a.Requested().Sub(credited)
		topUp = decimal.Min(want, a.Amount())
		if topUp.IsNegative() {
			topUp = decimal.Zero
		}
	}
	return topUp, want
}

// businessDaysStalled counts business days since the last scan (or the
// label) in the brand's time zone.
func (t *txn) businessDaysStalled(s *tracking.Shipment) int {
	last := s.LastScanAt()
	if last.IsZero() {
		last = s.LabelCreatedAt
	}
	if last.IsZero() || s.Terminal() {
		return 0
	}
	cal := t.e.rules.Config().Calendar
	if cal == nil {
		cal = tracking.NewCalendar()
	}
	return cal.BusinessDaysBetween(tracking.DateOf(last.In(t.e.loc)), tracking.DateOf(t.now.In(t.e.loc)))
}

// releaseHeld releases the incident's held credits of shipment i: at its
// delivery, spendable ReleaseDelay later; or at once when the parcel will
// not arrive.
func (t *txn) releaseHeld(i int, deliveredAt time.Time) {
	inc := t.rec.Incident
	if inc == nil || len(inc.Held) == 0 {
		return
	}
	sid := t.rec.Shipments[i].ID
	delivered := !t.ships[i].DeliveredAt().IsZero()
	keep := inc.Held[:0]
	for _, h := range inc.Held {
		if h.ShipmentID != sid {
			keep = append(keep, h) // a sibling parcel's credit waits for that parcel
			continue
		}
		r := &Release{Key: "release:" + h.Key, CreditKey: h.Key, CustomerID: t.rec.Order.CustomerID, Currency: t.rec.Order.Currency, At: t.now,
			Amount: h.Amount, Notify: &Contact{CustomerID: t.rec.Order.CustomerID, Email: t.rec.Order.Email}}
		why := "the parcel will not arrive"
		if delivered {
			why = "delivered"
			if t.e.release > 0 {
				r.AvailableAt = deliveredAt.Add(t.e.release)
			}
		}
		t.effect(Effect{ID: r.Key, Kind: EffectRelease, Release: r})
		t.journal(JournalEffect, sid, r.Key, "held cashback "+h.Key+" released: "+why)
	}
	inc.Held = keep
}

// products asks the Recommender, best effort: a failing recommender costs
// the message its suggestions, never the message.
func (e *Engine) products(ctx context.Context, m Moment, o *Order) []Product {
	if e.recommend == nil {
		return nil
	}
	ps, err := e.recommend.Recommend(ctx, m, o)
	if err != nil {
		e.log.Warn("postpurchase: recommender failed; sending without suggestions", "moment", m, "err", err)
		return nil
	}
	return ps
}
