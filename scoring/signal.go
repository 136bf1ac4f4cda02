package scoring

import (
	"encoding/json"
	"math"
	"time"
)

// Group is the family a signal belongs to.
type Group string

// Signal groups.
const (
	GroupValue      Group = "value"      // value and relationship
	GroupPredicted  Group = "predicted"  // predicted value (BG/NBD, Gamma-Gamma)
	GroupEngagement Group = "engagement" // marketing and community engagement
	GroupDelivery   Group = "delivery"   // delivery experience and support
	GroupReturns    Group = "returns"    // returns and claims
	GroupRisk       Group = "risk"       // payment and identity risk
)

func (g Group) valid() bool {
	switch g {
	case GroupValue, GroupPredicted, GroupEngagement, GroupDelivery, GroupReturns, GroupRisk:
		return true
	}
	return false
}

// Unit says what a signal's number measures and how it is normalised to
// a strength in [0, 1] before weighting:
//
//   - with a positive Scale (any unit): strength = v / (v + Scale), so
//     v = Scale gives 0.5 and the strength saturates towards 1;
//   - Flag, Probability, Ratio with Scale 0: strength = v, clamped to [0, 1];
//   - Stars (1–5): strength = (v − 1) / 4;
//   - Score100 (0–100): strength = v / 100.
type Unit string

// Units.
const (
	UnitCount       Unit = "count"
	UnitDays        Unit = "days"
	UnitMoney       Unit = "money" // in the history's currency
	UnitRatio       Unit = "ratio" // 0–1
	UnitProbability Unit = "probability"
	UnitFlag        Unit = "flag" // 1 = yes, 0 = no
	UnitStars       Unit = "stars"
	UnitScore100    Unit = "score_0_100"
	UnitPurchases   Unit = "purchases" // expected number of purchases
)

func (u Unit) valid() bool {
	switch u {
	case UnitCount, UnitDays, UnitMoney, UnitRatio, UnitProbability, UnitFlag, UnitStars, UnitScore100, UnitPurchases:
		return true
	}
	return false
}

// Direction says what more of a signal means. It sets the sign of the
// signal's effect: MoreValue and LessRisk signals raise Value and damp
// Risk; LessValue and MoreRisk signals lower Value and raise Risk. Weights
// in the Config are magnitudes.
type Direction string

// Directions.
const (
	MoreValue Direction = "more_value"
	LessValue Direction = "less_value"
	MoreRisk  Direction = "more_risk"
	LessRisk  Direction = "less_risk"
)

func (d Direction) valid() bool {
	switch d {
	case MoreValue, LessValue, MoreRisk, LessRisk:
		return true
	}
	return false
}

// good reports whether more of the signal is good for the customer's standing.
func (d Direction) good() bool { return d == MoreValue || d == LessRisk }

// Signal describes one named feature of a customer's History. Built-in
// signals are listed by Signals and documented in SIGNALS.md; hosts add
// their own in Options.Signals.
type Signal struct {
	Name       string // lower_snake_case, unique
	Group      Group
	Unit       Unit
	Direction  Direction
	Definition string  // one sentence: what is computed from which inputs
	Scale      float64 // default normalisation scale, see Unit; 0 for none
	// Neutral is the value (in Unit) at which the signal neither raises
	// nor lowers Value and adds no Risk: a customer above it moves the
	// scores in the signal's Direction, one below it the other way. The
	// zero value suits counts of events (late deliveries, claims) and
	// markers (a VIP tag) whose absence is ordinary.
	Neutral float64
	// Compute returns the signal's value for h as of now, and false when
	// its inputs are absent (the signal is then missing, not zero). It must
	// be safe for concurrent use and must not retain h. A non-finite value
	// with true makes Scorer.Score fail with ErrInvalidSignal.
	Compute func(now time.Time, h *History) (float64, bool)
	// Describe renders a value for a Reason ("3 referrals"). Optional;
	// the default is "<name>: <value>".
	Describe func(v float64) string
}

// Normalisation kinds, precomputed per signal by kindOf.
const (
	kindSaturate uint8 = iota // v / (v + scale)
	kindRaw                   // v, clamped
	kindStars                 // (v − 1) / 4
	kindScore100              // v / 100
)

func kindOf(u Unit, scale float64) uint8 {
	switch {
	case scale > 0:
		return kindSaturate
	case u == UnitStars:
		return kindStars
	case u == UnitScore100:
		return kindScore100
	}
	return kindRaw
}

// strength normalises v to [0, 1] for the given unit and scale.
func strength(u Unit, scale, v float64) float64 {
	return strengthOf(kindOf(u, scale), scale, v)
}

func strengthOf(kind uint8, scale, v float64) float64 {
	var s float64
	switch kind {
	case kindSaturate:
		if !(v > 0) {
			return 0
		}
		return v / (v + scale)
	case kindStars:
		s = (v - 1) / 4
	case kindScore100:
		s = v / 100
	default:
		s = v
	}
	if !(s > 0) {
		return 0
	}
	if s > 1 {
		return 1
	}
	return s
}

// Values holds the signals computed for one customer. Missing signals
// have no value. The zero Values is empty.
type Values struct {
	reg      *registry
	v        []float64 // NaN = missing
	currency string
}

// Get returns the value of the named signal and whether it is present.
func (vs Values) Get(name string) (float64, bool) {
	if vs.reg == nil {
		return 0, false
	}
	i, ok := vs.reg.index[name]
	if !ok || math.IsNaN(vs.v[i]) {
		return 0, false
	}
	return vs.v[i], true
}

// Currency is the ISO 4217 code of the history's money signals ("" when
// the history had no money).
func (vs Values) Currency() string { return vs.currency }

// Len returns the number of signals in the registry (present or not).
func (vs Values) Len() int { return len(vs.v) }

// Present returns the names of the present signals in registry order.
func (vs Values) Present() []string {
	var out []string
	for i, v := range vs.v {
		if !math.IsNaN(v) {
			out = append(out, vs.reg.sigs[i].Name)
		}
	}
	return out
}

// MarshalJSON encodes the present signals as an object {name: value}.
func (vs Values) MarshalJSON() ([]byte, error) {
	m := make(map[string]float64, len(vs.v))
	for i, v := range vs.v {
		if !math.IsNaN(v) {
			m[vs.reg.sigs[i].Name] = v
		}
	}
	return json.Marshal(m)
}

func (vs Values) at(name string) (float64, bool) { return vs.Get(name) }
