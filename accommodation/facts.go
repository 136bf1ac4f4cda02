package accommodation

import (
	"errors"
	"math"
	"strconv"

	"github.com/postpurchase/postpurchase/internal/iso4217"

	"github.com/shopspring/decimal"
)

// Tier is the customer's tier: exactly the names of package scoring's
// Tier, which this package may not import (its tests pin the names). The
// empty Tier means "not scored" and equals no listed tier; any other name
// outside the set is refused by Evaluate.
type Tier string

// The tiers a policy may name, in scoring's order.
const (
	TierVIP     Tier = "vip"
	TierLoyal   Tier = "loyal"
	TierRegular Tier = "regular"
	TierNew     Tier = "new"
	TierRisky   Tier = "risky"
)

// Tiers returns the tiers a policy may name, in scoring's order.
func Tiers() []Tier { return []Tier{TierVIP, TierLoyal, TierRegular, TierNew, TierRisky} }

// DelayKind is the kind of delay the tracker detected: exactly the names
// of package tracking's DelayKind (tracking.DelayKind.String), which this
// package may not import (its tests pin the names). The empty DelayKind
// means "unknown" and equals no listed kind; any other name outside the set
// is refused by Evaluate.
type DelayKind string

// The delay kinds a policy may name, in tracking's order.
const (
	DelayException          DelayKind = "exception"           // the carrier reported an exception (weather, customs, address, damage, ...)
	DelayAttemptFailed      DelayKind = "attempt_failed"      // a delivery attempt failed
	DelayReturnedToSender   DelayKind = "returned_to_sender"  // going or gone back to the shipper
	DelayFulfillmentStalled DelayKind = "fulfillment_stalled" // label created, no carrier scan within N business days
	DelayShipmentStalled    DelayKind = "shipment_stalled"    // no new scan for longer than the lane's usual gap
	DelayAtRisk             DelayKind = "at_risk"             // the estimate is after the promise, which has not passed yet
	DelayLate               DelayKind = "late"                // the promised time passed without delivery
	DelayEstimateSlipped    DelayKind = "estimate_slipped"    // the carrier moved its estimate later than its first one
	DelayLost               DelayKind = "lost"                // the carrier says lost, or no scan beyond the lost threshold
)

// DelayKinds returns the delay kinds a policy may name, in tracking's
// order.
func DelayKinds() []DelayKind {
	return []DelayKind{DelayException, DelayAttemptFailed, DelayReturnedToSender,
		DelayFulfillmentStalled, DelayShipmentStalled, DelayAtRisk, DelayLate,
		DelayEstimateSlipped, DelayLost}
}

// Facts is what a policy decides on: one delayed order, the customer
// behind it and what they were already given. The host (the Engine) builds
// it from the score, the shipment and the ledger; this package imports none
// of them. The field comment gives the name a policy condition uses.
//
// Money fields are in Currency, which must be the policy's currency, and
// must be exact in its minor units (19.99 USD, not 19.999), non-negative
// and at most 10^15 minor units. Scores are 0–100. Counts are non-negative.
// The zero value of each field is a valid fact (an unscored customer, an
// unknown carrier, nothing given yet) except Currency.
type Facts struct {
	Currency string // ISO 4217 code of every money field; must equal the policy's

	Tier       Tier    // tier
	ValueScore float64 // value_score, 0–100
	RiskScore  float64 // risk_score, 0–100

	DelayKind DelayKind // delay_kind
	// DaysLate (days_late) is whole calendar days from the promised date
	// to the delivery date, or to today while undelivered, both dates taken
	// in the brand's time zone; 0 when on time or without a promise. It is
	// defined once, in package tracking, and the Engine fills it from
	// there; do not count it another way (business days, 24-hour periods).
	DaysLate            int // days_late
	BusinessDaysStalled int // business_days_stalled: business days without a new scan

	OrderTotal         decimal.Decimal // order_total
	OrderCount         int             // order_count: orders by this customer, this one included
	FirstOrder         bool            // first_order
	Carrier            string          // carrier, e.g. "ups"; compared case-insensitively
	DestinationCountry string          // destination_country, ISO 3166-1 alpha-2; case-insensitive

	CustomerCashback90Days decimal.Decimal // customer_cashback_90_days: cashback given to this customer in the last 90 days
	OrderAccommodations    int             // order_accommodations: accommodations already made for this order
	OrderCashback          decimal.Decimal // order_cashback: cashback already given for this order

	// BrandCashbackToday is the cashback the brand has given today, across
	// all customers; it feeds the per-day budget and is not a condition
	// fact (its name in errors is brand_cashback_today).
	BrandCashbackToday decimal.Decimal
}

// factID names a condition fact.
type factID uint8

const (
	factTier factID = iota
	factValueScore
	factRiskScore
	factDelayKind
	factDaysLate
	factBusinessDaysStalled
	factOrderTotal
	factOrderCount
	factFirstOrder
	factCarrier
	factDestinationCountry
	factCustomerCashback90Days
	factOrderAccommodations
	factOrderCashback
	numFacts
)

// factKind is the type of a fact, which decides its operators and literals.
type factKind uint8

const (
	kindEnum   factKind = iota // a string from a fixed set: eq, in
	kindString                 // a free string: eq, in
	kindBool                   // eq
	kindInt                    // non-negative integer: eq, in, gte, lte, between
	kindScore                  // number 0–100: eq, gte, lte, between
	kindMoney                  // amount in the policy currency: eq, gte, lte, between
)

func (k factKind) String() string {
	return [...]string{"enum", "string", "boolean", "integer", "score", "money"}[k]
}

type factInfo struct {
	name  string
	kind  factKind
	enums []string // kindEnum: allowed values, bit i+1 (bit 0 is "unknown")
}

var tierNames = []string{"vip", "loyal", "regular", "new", "risky"}
var delayNames = []string{"exception", "attempt_failed", "returned_to_sender",
	"fulfillment_stalled", "shipment_stalled", "at_risk", "late",
	"estimate_slipped", "lost"}

// facts is the fact table, indexed by factID. It is never modified.
var facts = [numFacts]factInfo{
	factTier:                   {name: "tier", kind: kindEnum, enums: tierNames},
	factValueScore:             {name: "value_score", kind: kindScore},
	factRiskScore:              {name: "risk_score", kind: kindScore},
	factDelayKind:              {name: "delay_kind", kind: kindEnum, enums: delayNames},
	factDaysLate:               {name: "days_late", kind: kindInt},
	factBusinessDaysStalled:    {name: "business_days_stalled", kind: kindInt},
	factOrderTotal:             {name: "order_total", kind: kindMoney},
	factOrderCount:             {name: "order_count", kind: kindInt},
	factFirstOrder:             {name: "first_order", kind: kindBool},
	factCarrier:                {name: "carrier", kind: kindString},
	factDestinationCountry:     {name: "destination_country", kind: kindString},
	factCustomerCashback90Days: {name: "customer_cashback_90_days", kind: kindMoney},
	factOrderAccommodations:    {name: "order_accommodations", kind: kindInt},
	factOrderCashback:          {name: "order_cashback", kind: kindMoney},
}

// FactNames returns the names conditions may use, in a fixed order.
func FactNames() []string {
	out := make([]string, numFacts)
	for i := range facts {
		out[i] = facts[i].name
	}
	return out
}

func lookupFact(name string) (factID, bool) {
	for i := range facts {
		if facts[i].name == name {
			return factID(i), true
		}
	}
	return 0, false
}

// enumIndex returns the bit of s in the enum (0 = unknown/empty), or -1.
func enumIndex(names []string, s string) int {
	if s == "" {
		return 0
	}
	for i, n := range names {
		if n == s {
			return i + 1
		}
	}
	return -1
}

// vals are facts converted for evaluation, indexed by fact: enums as bit
// indexes (0 = unknown), booleans as 0/1, counts and money (in minor units)
// as int64; scores and strings in their own slots. Converting once keeps
// evaluation free of allocations and of per-fact branching.
type vals struct {
	n     [numFacts]int64
	score [2]float64 // value_score, risk_score
	str   [2]string  // carrier, destination_country
	brand int64      // brand_cashback_today, minor units
}

// slot returns the index of f in vals.score or vals.str.
func slot(f factID) uint8 {
	if f == factRiskScore || f == factDestinationCountry {
		return 1
	}
	return 0
}

// convert validates f against the policy's currency and converts it.
func convert(f *Facts, currency string, minor int32) (vals, error) {
	var v vals
	if f.Currency != currency {
		// A code not in the table is also the module's unknown currency;
		// a known one is only not the policy's.
		var money error
		if _, ok := iso4217.MinorUnits(f.Currency); !ok {
			money = iso4217.ErrUnknownCurrency
		}
		if f.Currency == "" {
			return v, &FactsError{Path: "currency", Reason: "missing; the policy is in " + currency, Err: ErrCurrency, money: money}
		}
		return v, &FactsError{Path: "currency", Reason: strconv.Quote(iso4217.Clip(f.Currency)) + " does not match the policy currency " + currency, Err: ErrCurrency, money: money}
	}
	t := enumIndex(tierNames, string(f.Tier))
	if t < 0 {
		return v, &FactsError{Path: "tier", Reason: "unknown tier " + strconv.Quote(iso4217.Clip(string(f.Tier))), Err: ErrInvalidValue}
	}
	d := enumIndex(delayNames, string(f.DelayKind))
	if d < 0 {
		return v, &FactsError{Path: "delay_kind", Reason: "unknown delay kind " + strconv.Quote(iso4217.Clip(string(f.DelayKind))), Err: ErrInvalidValue}
	}
	v.n[factTier], v.n[factDelayKind] = int64(t), int64(d)
	if !validScore(f.ValueScore) {
		return v, &FactsError{Path: "value_score", Reason: "must be a number from 0 to 100", Err: ErrInvalidValue}
	}
	if !validScore(f.RiskScore) {
		return v, &FactsError{Path: "risk_score", Reason: "must be a number from 0 to 100", Err: ErrInvalidValue}
	}
	v.score = [2]float64{f.ValueScore, f.RiskScore}
	for i, n := range [4]int{f.DaysLate, f.BusinessDaysStalled, f.OrderCount, f.OrderAccommodations} {
		if n < 0 {
			return v, &FactsError{Path: intSlotName(i), Reason: "must not be negative", Err: ErrInvalidValue}
		}
		v.n[[4]factID{factDaysLate, factBusinessDaysStalled, factOrderCount, factOrderAccommodations}[i]] = int64(n)
	}
	if f.FirstOrder {
		v.n[factFirstOrder] = 1
	}
	if len(f.Carrier) > maxStringLen {
		return v, &FactsError{Path: "carrier", Reason: "longer than 64 bytes", Err: ErrInvalidValue}
	}
	v.str[0] = f.Carrier
	if c := f.DestinationCountry; c != "" && !isCountry(c) {
		return v, &FactsError{Path: "destination_country", Reason: "not an ISO 3166-1 alpha-2 code", Err: ErrInvalidValue}
	}
	v.str[1] = f.DestinationCountry
	var ok bool
	if v.n[factOrderTotal], ok = moneyFact(f.OrderTotal, minor); !ok {
		return v, moneyError("order_total", f.OrderTotal, minor, currency)
	}
	if v.n[factCustomerCashback90Days], ok = moneyFact(f.CustomerCashback90Days, minor); !ok {
		return v, moneyError("customer_cashback_90_days", f.CustomerCashback90Days, minor, currency)
	}
	if v.n[factOrderCashback], ok = moneyFact(f.OrderCashback, minor); !ok {
		return v, moneyError("order_cashback", f.OrderCashback, minor, currency)
	}
	if v.brand, ok = moneyFact(f.BrandCashbackToday, minor); !ok {
		return v, moneyError("brand_cashback_today", f.BrandCashbackToday, minor, currency)
	}
	return v, nil
}

// intSlotName is the fact name of vals.ints[i].
func intSlotName(i int) string {
	return [4]string{"days_late", "business_days_stalled", "order_count", "order_accommodations"}[i]
}

// moneyFact converts a money fact to minor units under the module's one
// rule (iso4217), refusing negative amounts. It does not allocate.
func moneyFact(d decimal.Decimal, minor int32) (int64, bool) {
	v, err := iso4217.ToUnits(d, minor)
	return v, err == nil && v >= 0
}

func moneyError(field string, d decimal.Decimal, minor int32, currency string) error {
	if d.IsNegative() {
		return &FactsError{Path: field, Reason: "negative amount", Err: ErrNegativeAmount}
	}
	_, err := iso4217.ToUnits(d, minor)
	if errors.Is(err, iso4217.ErrTooPrecise) {
		return &FactsError{Path: field, Reason: "more decimal places than " + currency + " has minor units", Err: ErrTooPrecise}
	}
	return &FactsError{Path: field, Reason: "amount too large (over 10^15 minor units)", Err: ErrLimit, money: iso4217.ErrTooLarge}
}

func validScore(x float64) bool {
	return !math.IsNaN(x) && x >= 0 && x <= 100
}

func isCountry(s string) bool {
	if len(s) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// maxStringLen bounds carrier names and other short strings.
const maxStringLen = 64

func (k factKind) article() string {
	if k == kindEnum || k == kindInt {
		return "an " + k.String()
	}
	return "a " + k.String()
}
