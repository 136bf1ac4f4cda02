package accommodation

import (
	"math/bits"
	"strings"

	"github.com/postpurchase/postpurchase/internal/iso4217"
	"github.com/shopspring/decimal"
)

// minorUnits returns the number of minor units of an ISO 4217 code, and
// whether the code is known (the module's one table, shared with package
// cashback). Codes must be upper case.
func minorUnits(code string) (int32, bool) { return iso4217.MinorUnits(code) }

// maxMinor bounds every amount the package handles, in minor units
// (10^15: ten trillion dollars, a quadrillion yen). Bounded amounts keep all
// arithmetic exact in int64.
const maxMinor = 1_000_000_000_000_000

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
	100000000, 1000000000, 10000000000, 100000000000, 1000000000000,
	10000000000000, 100000000000000, 1000000000000000, 10000000000000000,
	100000000000000000, 1000000000000000000}

// toMinorResult says why a conversion failed.
type toMinorResult uint8

const (
	minorOK toMinorResult = iota
	minorNegative
	minorTooPrecise
	minorTooLarge
)

// toMinor converts d to an exact count of minor units (d × 10^minor). It
// never rounds: an amount with more precision than the currency allows is
// rejected. It does not allocate.
func toMinor(d decimal.Decimal, minor int32) (int64, toMinorResult) {
	if d.IsZero() {
		return 0, minorOK
	}
	if d.IsNegative() {
		return 0, minorNegative
	}
	if d.NumDigits() > 18 {
		// Rare: a long coefficient (many trailing zeros, or a huge or
		// over-precise amount). Take the exact, allocating path, after
		// ruling out amounts too large by magnitude alone.
		if int64(d.NumDigits())-1+int64(d.Exponent())+int64(minor) >= 16 {
			return 0, minorTooLarge
		}
		s := d.Shift(minor)
		if !s.IsInteger() {
			return 0, minorTooPrecise
		}
		if s.GreaterThan(decimal.New(maxMinor, 0)) {
			return 0, minorTooLarge
		}
		return s.IntPart(), minorOK
	}
	c := d.CoefficientInt64() // < 10^18
	shift := int64(d.Exponent()) + int64(minor)
	switch {
	case shift >= 0:
		if shift > 15 {
			return 0, minorTooLarge
		}
		hi, lo := bits.Mul64(uint64(c), uint64(pow10[shift]))
		if hi != 0 || lo > maxMinor {
			return 0, minorTooLarge
		}
		return int64(lo), minorOK
	default:
		if shift < -18 {
			return 0, minorTooPrecise
		}
		p := pow10[-shift]
		if c%p != 0 {
			return 0, minorTooPrecise
		}
		v := c / p
		if v > maxMinor {
			return 0, minorTooLarge
		}
		return v, minorOK
	}
}

// fromMinor returns minor units as a decimal with exactly minor decimals.
func fromMinor(v int64, minor int32) decimal.Decimal {
	return decimal.New(v, -minor)
}

// formatMinor renders minor units with the currency's decimals, e.g.
// "12.50" for 1250 USD cents. It does not allocate a decimal.
func formatMinor(v int64, minor int32) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := itoa(v)
	if minor > 0 {
		if len(s) <= int(minor) {
			s = strings.Repeat("0", int(minor)-len(s)+1) + s
		}
		s = s[:len(s)-int(minor)] + "." + s[len(s)-int(minor):]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for v > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return string(buf[i:])
}

// Rounding is how a percent of an order total is rounded to the currency's
// minor units. The zero value is RoundHalfUp.
type Rounding uint8

// Rounding modes. Amounts are never negative, so "up" and "away from zero"
// agree.
const (
	// RoundHalfUp rounds to the nearest minor unit, halves up
	// (12.345 → 12.35). The default ("half_up" in JSON).
	RoundHalfUp Rounding = iota
	// RoundHalfEven rounds to the nearest minor unit, halves to the even
	// neighbour (12.345 → 12.34, 12.355 → 12.36); "half_even" in JSON.
	RoundHalfEven
	// RoundDown truncates toward zero (12.349 → 12.34): never gives a
	// fraction of a cent more than the percent; "down" in JSON.
	RoundDown
)

// String returns the JSON name of the rounding mode.
func (r Rounding) String() string {
	switch r {
	case RoundHalfUp:
		return "half_up"
	case RoundHalfEven:
		return "half_even"
	case RoundDown:
		return "down"
	}
	return "rounding(" + itoa(int64(r)) + ")"
}

// percentScale is the fixed-point scale of percents: four decimals.
const percentScale = 10_000

// percentOf returns total × pct/(100 × percentScale) rounded with r.
// total ≤ maxMinor and pct ≤ 100 × percentScale, so the exact product fits
// in 128 bits and the quotient in int64.
func percentOf(total, pct int64, r Rounding) int64 {
	const den = 100 * percentScale
	hi, lo := bits.Mul64(uint64(total), uint64(pct))
	q, rem := bits.Div64(hi, lo, den)
	switch r {
	case RoundHalfUp:
		if rem*2 >= den {
			q++
		}
	case RoundHalfEven:
		if rem*2 > den || (rem*2 == den && q%2 == 1) {
			q++
		}
	}
	return int64(q)
}
