package scoring

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/internal/iso4217"
	"github.com/postpurchase/postpurchase/scoring/clv"
	"github.com/shopspring/decimal"
)

// MaxClockSkew is how far after now a timestamp in a History may lie
// before it counts as "in the future" and is rejected.
const MaxClockSkew = 5 * time.Minute

// agg is one pass over a History: everything the built-in signals need.
// It is filled by aggregate without heap allocation for histories of up
// to smallN orders, shipments and returns.
type agg struct {
	currency string
	minor    int32   // minor units of currency
	fastMax  float64 // amounts below this (in units) are well within 10^15 minor units
	counts           // no pointers: resetting it needs no write barriers
}

type counts struct {
	nowDay int64
	limit  int64 // Unix seconds after which a timestamp is in the future

	hasOrders                     bool
	nOrders, nCanceled            int
	firstDay, lastDay             int64
	distinctDays                  int
	orders365                     int
	total, discount, maxOrder     float64
	items                         int
	categories                    int
	paymentKnown, prepaid         int
	addrPairs, addrMismatch       int
	countryPairs, countryMismatch int
	repeatAvg                     float64 // mean repeat-day total (x > 0)

	hasShipments                        bool
	nShip, promised, late, late90, lost int
	exceptions, overdueOpen             int
	daysLateSum, maxLate                float64
	delivered                           int
	deliveryDaysSum                     float64
	splitOrders                         int

	hasReturns                                 bool
	nReturns, returnItems, flagged, withReason int
	opportunistic                              int
	returnValue, returnValue365                float64

	hasClaims                             bool
	nClaims, inr365, inr60, dmg365, mi365 int
	claims60, denied, early               int

	hasSupport          bool
	wismo90, contacts90 int

	reviews, reviewsText  int
	ratingSum, lastRating float64
	lastReview            int // index of the latest review, -1 = none

	hasPred bool
	pred    clv.Prediction
}

// smallN bounds the scratch buffers of aggregate; longer histories use the
// heap.
const smallN = 64

// scratch is aggregate's working memory. A Scorer recycles it (with the
// agg) through a pool, so the buffers are neither allocated nor zeroed per
// call; a zero scratch is ready to use.
type scratch struct {
	days      [smallN]dayAmount
	orderKeys [smallN]uint64 // idKey of h.Orders[i].ID
	shipKeys  [smallN]uint64 // idKey of h.Shipments[i].OrderID
}

// idKey condenses an identifier to its length and last 8 bytes, where
// order numbers differ; equal strings have equal keys, so comparing keys
// first skips most string comparisons and the full comparison settles a
// key match.
func idKey(s string) uint64 {
	n := len(s)
	var k uint64
	switch {
	case n >= 8:
		t := s[n-8:]
		k = uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
	case n >= 4: // first and last 4 bytes, overlapping: all of s
		t := s[n-4:]
		k = uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(t[0])<<32 | uint64(t[1])<<40 | uint64(t[2])<<48 | uint64(t[3])<<56
	default:
		for i := 0; i < n; i++ {
			k = k<<8 | uint64(s[i])
		}
	}
	return k ^ uint64(n)*0x9e3779b97f4a7c15
}

type dayAmount struct {
	day int64
	amt float64
}

func day(t time.Time) int64 { return dayOf(t.Unix()) }

// dayOf returns the UTC day number of Unix second s.
func dayOf(s int64) int64 {
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// money converts a decimal amount to float64 for use as a signal value
// (signals are statistical features; amounts stay decimal in History).
func money(d decimal.Decimal) float64 {
	f, _ := d.Float64()
	return f
}

func (a *agg) setCurrency(field string, i int, cur string) error {
	if cur == "" {
		return nil
	}
	if a.currency == "" {
		minor, ok := iso4217.MinorUnits(cur)
		if !ok {
			return &HistoryError{Path: histPath(field, i, "currency"), Reason: "is not an ISO 4217 currency code", Err: ErrUnknownCurrency}
		}
		a.currency, a.minor = cur, minor
		a.fastMax = 0.9e15
		for range minor {
			a.fastMax /= 10
		}
		return nil
	}
	if cur != a.currency {
		return histErr(field, i, "currency", "differs from the history's currency "+a.currency)
	}
	return nil
}

// amountOK is the fast path of amount, small enough to be inlined: the
// usual amount (a currency, an exponent of at least −minor, so a whole
// number of minor units, and a float64 value under 0.9·10^15 minor units,
// so under the bound whatever float64's relative error of 10^-16) passes
// without a call. Everything else goes to amount, which decides; the
// answer is the same either way.
func (a *agg) amountOK(d decimal.Decimal, f float64, cur string) bool {
	return cur != "" && f < a.fastMax && d.Exponent() >= -a.minor
}

// amount checks a non-negative amount d (f is its float64 value) against
// the module's one money rule (internal/iso4217): a non-zero amount needs
// a currency, and must be exact in its minor units and at most 10^15 of
// them. cur has passed setCurrency, so it is "" or the history's currency.
func (a *agg) amount(field string, i int, sub string, d decimal.Decimal, f float64, cur string) error {
	if a.amountOK(d, f, cur) {
		return nil
	}
	if cur == "" {
		if d.IsZero() {
			return nil
		}
		return histErr(field, i, "currency", "is required with a non-zero "+sub)
	}
	if _, err := iso4217.ToUnits(d, a.minor); err != nil {
		return &HistoryError{Path: histPath(field, i, sub), Reason: "is not an amount of " + cur, Err: err}
	}
	return nil
}

// future reports whether t lies more than MaxClockSkew after now (to the
// second).
func (a *agg) future(t time.Time) bool { return t.Unix() > a.limit }

// aggregate validates h and fills a, using sc as working memory. model
// may be nil.
func (a *agg) aggregate(h *History, now time.Time, model *clv.Model, sc *scratch) error {
	a.currency = ""
	a.counts = counts{nowDay: day(now), limit: now.Add(MaxClockSkew).Unix(), lastReview: -1}
	if p := h.Profile; p != nil && !p.CreatedAt.IsZero() && a.future(p.CreatedAt) {
		return histErr("profile", -1, "created_at", "is in the future")
	}
	if err := a.orders(h, sc); err != nil {
		return err
	}
	if err := a.shipments(h, sc); err != nil {
		return err
	}
	if err := a.returns(h); err != nil {
		return err
	}
	if err := a.claims(h, sc); err != nil {
		return err
	}
	if c := h.Cashback; c != nil {
		if c.Issued.Sign() < 0 {
			return histErr("cashback", -1, "issued", "must not be negative")
		}
		if c.Redeemed.Sign() < 0 {
			return histErr("cashback", -1, "redeemed", "must not be negative")
		}
		if err := a.setCurrency("cashback", -1, c.Currency); err != nil {
			return err
		}
		if err := a.amount("cashback", -1, "issued", c.Issued, money(c.Issued), c.Currency); err != nil {
			return err
		}
		if err := a.amount("cashback", -1, "redeemed", c.Redeemed, money(c.Redeemed), c.Currency); err != nil {
			return err
		}
	}
	if e := h.Engagement; e != nil {
		switch {
		case e.EmailsReceived < 0, e.EmailOpens < 0, e.EmailClicks < 0, e.SiteSessions < 0, e.Referrals < 0:
			return histErr("engagement", -1, "", "counts must not be negative")
		case !e.LastActiveAt.IsZero() && a.future(e.LastActiveAt):
			return histErr("engagement", -1, "last_active_at", "is in the future")
		}
		for i := range e.Reviews {
			r := &e.Reviews[i]
			if r.Rating < 1 || r.Rating > 5 {
				return histErr("engagement.reviews", i, "rating", "must be between 1 and 5")
			}
			if r.At.IsZero() || a.future(r.At) {
				return histErr("engagement.reviews", i, "at", "is missing or in the future")
			}
			a.reviews++
			a.ratingSum += float64(r.Rating)
			if r.HasText {
				a.reviewsText++
			}
			var last time.Time
			if a.lastReview >= 0 {
				last = e.Reviews[a.lastReview].At
			}
			if !r.At.Before(last) {
				a.lastReview, a.lastRating = i, float64(r.Rating)
			}
		}
	}
	if h.Support != nil {
		a.hasSupport = true
		for i := range h.Support {
			c := &h.Support[i]
			if c.At.IsZero() || a.future(c.At) {
				return histErr("support", i, "at", "is missing or in the future")
			}
			if a.nowDay-day(c.At) < 90 {
				a.contacts90++
				if c.Topic == TopicWhereIsMyOrder {
					a.wismo90++
				}
			}
		}
	}
	if r := h.Risk; r != nil {
		for _, c := range []struct {
			name string
			v    *int
		}{{"chargebacks", r.Chargebacks}, {"disputes", r.Disputes}, {"early_fraud_warnings", r.EarlyFraudWarnings}, {"address_changes", r.AddressChanges}} {
			if c.v != nil && *c.v < 0 {
				return histErr("risk", -1, c.name, "must not be negative")
			}
		}
		if s := r.ProcessorRiskScore; s != nil && !(*s >= 0 && *s <= 100) {
			return histErr("risk", -1, "processor_risk_score", "must be a number from 0 to 100")
		}
		if !r.EmailFirstSeen.IsZero() && a.future(r.EmailFirstSeen) {
			return histErr("risk", -1, "email_first_seen", "is in the future")
		}
	}
	if model != nil && a.nOrders > 0 {
		a.predict(model)
	}
	return nil
}

func (a *agg) orders(h *History, sc *scratch) error {
	if h.Orders == nil {
		return nil
	}
	a.hasOrders = true
	n := len(h.Orders)
	days := sc.days[:0]
	if n > smallN {
		days = make([]dayAmount, 0, n)
	}
	var catBuf [smallN]string // on the stack: no write barriers, nothing kept
	cats := catBuf[:0]
	var ids map[string]int
	if n > smallN {
		ids = make(map[string]int, n)
	}
	for i := range h.Orders {
		o := &h.Orders[i]
		sec := o.PlacedAt.Unix()
		switch {
		case o.PlacedAt.IsZero():
			return histErr("orders", i, "placed_at", "is required")
		case sec > a.limit:
			return histErr("orders", i, "placed_at", "is in the future")
		case o.Total.Sign() < 0:
			return histErr("orders", i, "total", "must not be negative")
		case o.Discount.Sign() < 0:
			return histErr("orders", i, "discount", "must not be negative")
		case o.Items < 0:
			return histErr("orders", i, "items", "must not be negative")
		}
		if o.Currency != a.currency { // the same currency needs no call
			if err := a.setCurrency("orders", i, o.Currency); err != nil {
				return err
			}
		}
		total, discount := money(o.Total), 0.0
		if o.Discount.Sign() != 0 { // money(0) is 0
			discount = money(o.Discount)
		}
		if !a.amountOK(o.Total, total, o.Currency) {
			if err := a.amount("orders", i, "total", o.Total, total, o.Currency); err != nil {
				return err
			}
		}
		if !a.amountOK(o.Discount, discount, o.Currency) {
			if err := a.amount("orders", i, "discount", o.Discount, discount, o.Currency); err != nil {
				return err
			}
		}
		if o.ID != "" {
			if ids != nil {
				if j, dup := ids[o.ID]; dup {
					return histErr("orders", i, "id", "duplicates orders["+strconv.Itoa(j)+"].id")
				}
				ids[o.ID] = i
			} else {
				k := idKey(o.ID)
				sc.orderKeys[i] = k
				for j, kj := range sc.orderKeys[:i] {
					if kj == k && h.Orders[j].ID == o.ID {
						return histErr("orders", i, "id", "duplicates orders["+strconv.Itoa(j)+"].id")
					}
				}
			}
		} else if ids == nil {
			sc.orderKeys[i] = idKey("")
		}
		if o.Canceled {
			a.nCanceled++
			continue
		}
		a.nOrders++
		a.total += total
		a.discount += discount
		if total > a.maxOrder {
			a.maxOrder = total
		}
		a.items += o.Items
		d := dayOf(sec)
		days = append(days, dayAmount{d, total})
		if a.nowDay-d < 365 {
			a.orders365++
		}
		for _, c := range o.Categories {
			if c != "" && !slices.Contains(cats, c) {
				cats = append(cats, c)
			}
		}
		if o.Payment != "" {
			a.paymentKnown++
			if o.Payment == PaymentPrepaidCard {
				a.prepaid++
			}
		}
		if o.ShippingAddress != "" && o.BillingAddress != "" {
			a.addrPairs++
			if o.ShippingAddress != o.BillingAddress {
				a.addrMismatch++
			}
		}
		if o.ShippingCountry != "" && o.BillingCountry != "" {
			a.countryPairs++
			if o.ShippingCountry != o.BillingCountry && !strings.EqualFold(o.ShippingCountry, o.BillingCountry) {
				a.countryMismatch++
			}
		}
	}
	a.categories = len(cats)
	if len(days) == 0 {
		return nil
	}
	if len(days) <= smallN {
		for i := 1; i < len(days); i++ {
			for j := i; j > 0 && days[j].day < days[j-1].day; j-- {
				days[j], days[j-1] = days[j-1], days[j]
			}
		}
	} else {
		slices.SortFunc(days, func(x, y dayAmount) int { return int(x.day - y.day) })
	}
	a.firstDay, a.lastDay = days[0].day, days[len(days)-1].day
	a.distinctDays = 1
	var repeatSum float64
	for i := 1; i < len(days); i++ {
		if days[i].day != days[i-1].day {
			a.distinctDays++
		}
		if days[i].day != a.firstDay {
			repeatSum += days[i].amt
		}
	}
	if a.distinctDays > 1 {
		a.repeatAvg = repeatSum / float64(a.distinctDays-1)
	}
	return nil
}

func (a *agg) shipments(h *History, sc *scratch) error {
	if h.Shipments == nil {
		return nil
	}
	a.hasShipments = true
	ss := h.Shipments
	keyed := len(ss) <= smallN
	for i := range ss {
		s := &ss[i]
		shipped, delivered := !s.ShippedAt.IsZero(), !s.DeliveredAt.IsZero()
		var shippedDay, deliveredDay int64
		if shipped {
			sec := s.ShippedAt.Unix()
			if sec > a.limit {
				return histErr("shipments", i, "shipped_at", "is in the future")
			}
			shippedDay = dayOf(sec)
		}
		if delivered {
			sec := s.DeliveredAt.Unix()
			if sec > a.limit {
				return histErr("shipments", i, "delivered_at", "is in the future")
			}
			deliveredDay = dayOf(sec)
		}
		switch {
		case delivered && shipped && s.DeliveredAt.Before(s.ShippedAt):
			return histErr("shipments", i, "delivered_at", "is before shipped_at")
		case s.Exceptions < 0:
			return histErr("shipments", i, "exceptions", "must not be negative")
		}
		a.nShip++
		a.exceptions += s.Exceptions
		if s.Lost {
			a.lost++
		}
		if delivered && shipped {
			a.delivered++
			a.deliveryDaysSum += float64(deliveredDay - shippedDay)
		}
		if !s.PromisedBy.IsZero() {
			pd := day(s.PromisedBy)
			var late int64
			switch {
			case delivered:
				late = deliveredDay - pd
			case !s.Lost && a.nowDay > pd:
				late = a.nowDay - pd
				a.overdueOpen++
			}
			if delivered || pd < a.nowDay || s.Lost {
				a.promised++ // outcome known
			}
			if late > 0 {
				a.late++
				a.daysLateSum += float64(late)
				if float64(late) > a.maxLate {
					a.maxLate = float64(late)
				}
				if a.nowDay-pd < 90 {
					a.late90++
				}
			}
		}
		if s.OrderID != "" {
			// count an order once, at its second shipment
			seen := 0
			if keyed {
				k := idKey(s.OrderID)
				sc.shipKeys[i] = k
				for j := 0; j < i && seen < 2; j++ {
					if sc.shipKeys[j] == k && ss[j].OrderID == s.OrderID {
						seen++
					}
				}
			} else {
				for j := 0; j < i && seen < 2; j++ {
					if ss[j].OrderID == s.OrderID {
						seen++
					}
				}
			}
			if seen == 1 {
				a.splitOrders++
			}
		} else if keyed {
			sc.shipKeys[i] = idKey("")
		}
	}
	return nil
}

func (a *agg) returns(h *History) error {
	if h.Returns == nil {
		return nil
	}
	a.hasReturns = true
	for i := range h.Returns {
		r := &h.Returns[i]
		switch {
		case r.CreatedAt.IsZero():
			return histErr("returns", i, "created_at", "is required")
		case a.future(r.CreatedAt):
			return histErr("returns", i, "created_at", "is in the future")
		case r.Value.Sign() < 0:
			return histErr("returns", i, "value", "must not be negative")
		case r.Items < 0:
			return histErr("returns", i, "items", "must not be negative")
		}
		if err := a.setCurrency("returns", i, r.Currency); err != nil {
			return err
		}
		v := money(r.Value)
		if err := a.amount("returns", i, "value", r.Value, v, r.Currency); err != nil {
			return err
		}
		a.nReturns++
		a.returnItems += r.Items
		a.returnValue += v
		if a.nowDay-day(r.CreatedAt) < 365 {
			a.returnValue365 += v
		}
		if r.Flagged {
			a.flagged++
		}
		if r.Reason != "" {
			a.withReason++
			switch r.Reason {
			case ReturnSizeFit, ReturnChangedMind, ReturnOther:
				a.opportunistic++
			}
		}
	}
	return nil
}

func (a *agg) claims(h *History, sc *scratch) error {
	if h.Claims == nil {
		return nil
	}
	a.hasClaims = true
	for i := range h.Claims {
		c := &h.Claims[i]
		switch {
		case c.CreatedAt.IsZero():
			return histErr("claims", i, "created_at", "is required")
		case a.future(c.CreatedAt):
			return histErr("claims", i, "created_at", "is in the future")
		}
		a.nClaims++
		age := a.nowDay - day(c.CreatedAt)
		if age < 60 {
			a.claims60++
		}
		if c.Approved != nil && !*c.Approved {
			a.denied++
		}
		switch c.Kind {
		case ClaimNotReceived:
			if age < 365 {
				a.inr365++
			}
			if age < 60 {
				a.inr60++
			}
		case ClaimDamaged:
			if age < 365 {
				a.dmg365++
			}
		case ClaimMissingItems:
			if age < 365 {
				a.mi365++
			}
		}
		if c.Kind == ClaimNotReceived || c.Kind == ClaimMissingItems {
			keyed := len(h.Orders) <= smallN
			k := idKey(c.OrderID)
			for j := range h.Orders {
				o := &h.Orders[j]
				if keyed && sc.orderKeys[j] != k {
					continue
				}
				if o.ID != "" && o.ID == c.OrderID {
					if c.CreatedAt.Sub(o.PlacedAt) < 7*24*time.Hour {
						a.early++
					}
					break
				}
			}
		}
	}
	return nil
}

// predict runs the fitted model for the customer's (x, t_x, T).
func (a *agg) predict(m *clv.Model) {
	perDay := float64(24*time.Hour) / float64(m.Unit)
	x := a.distinctDays - 1
	tx := float64(a.lastDay-a.firstDay) * perDay
	T := float64(a.nowDay-a.firstDay) * perDay
	p := m.Predict(x, tx, T, a.repeatAvg)
	if m.Currency != "" && a.currency != "" && m.Currency != a.currency {
		p.AverageValue, p.Value12Month = math.NaN(), math.NaN()
	}
	a.pred = p
	a.hasPred = true
}
