package accommodation

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/postpurchase/postpurchase/internal/iso4217"
	"github.com/shopspring/decimal"
)

// maxMinor bounds every amount the package handles, in minor units: the
// module's one bound, iso4217.MaxMinorUnits (10^15). Bounded amounts keep
// all arithmetic exact in int64.
const maxMinor = iso4217.MaxMinorUnits

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
	s := strconv.FormatInt(v, 10)
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
	return "rounding(" + strconv.Itoa(int(r)) + ")"
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
