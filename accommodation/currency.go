package accommodation

import (
	"math/bits"
	"strings"

	"github.com/shopspring/decimal"
)

// iso4217 lists the active ISO 4217 alphabetic codes that have minor units,
// each followed by that number of minor units, from ISO 4217 list one as
// published on 2026-01-01 (SIX Financial Information). Codes whose minor
// unit is "N.A." (XAU, XAG, XPD, XPT, XBA–XBD, XDR, XSU, XTS, XUA, XXX) are
// left out: a cashback cannot be denominated in them.
const iso4217 = "" +
	"AED2 AFN2 ALL2 AMD2 AOA2 ARS2 AUD2 AWG2 AZN2 BAM2 BBD2 BDT2 BHD3 BIF0 " +
	"BMD2 BND2 BOB2 BOV2 BRL2 BSD2 BTN2 BWP2 BYN2 BZD2 CAD2 CDF2 CHE2 CHF2 " +
	"CHW2 CLF4 CLP0 CNY2 COP2 COU2 CRC2 CUP2 CVE2 CZK2 DJF0 DKK2 DOP2 DZD2 " +
	"EGP2 ERN2 ETB2 EUR2 FJD2 FKP2 GBP2 GEL2 GHS2 GIP2 GMD2 GNF0 GTQ2 GYD2 " +
	"HKD2 HNL2 HTG2 HUF2 IDR2 ILS2 INR2 IQD3 IRR2 ISK0 JMD2 JOD3 JPY0 KES2 " +
	"KGS2 KHR2 KMF0 KPW2 KRW0 KWD3 KYD2 KZT2 LAK2 LBP2 LKR2 LRD2 LSL2 LYD3 " +
	"MAD2 MDL2 MGA2 MKD2 MMK2 MNT2 MOP2 MRU2 MUR2 MVR2 MWK2 MXN2 MXV2 MYR2 " +
	"MZN2 NAD2 NGN2 NIO2 NOK2 NPR2 NZD2 OMR3 PAB2 PEN2 PGK2 PHP2 PKR2 PLN2 " +
	"PYG0 QAR2 RON2 RSD2 RUB2 RWF0 SAR2 SBD2 SCR2 SDG2 SEK2 SGD2 SHP2 SLE2 " +
	"SOS2 SRD2 SSP2 STN2 SVC2 SYP2 SZL2 THB2 TJS2 TMT2 TND3 TOP2 TRY2 TTD2 " +
	"TWD2 TZS2 UAH2 UGX0 USD2 USN2 UYI0 UYU2 UYW4 UZS2 VED2 VES2 VND0 VUV0 " +
	"WST2 XAD2 XAF0 XCD2 XCG2 XOF0 XPF0 YER2 ZAR2 ZMW2 ZWG2"

// minorUnits returns the number of minor units of an ISO 4217 code, and
// whether the code is known. Codes must be upper case.
func minorUnits(code string) (int32, bool) {
	if len(code) != 3 {
		return 0, false
	}
	for i := 0; i+4 <= len(iso4217); i += 5 {
		if iso4217[i:i+3] == code {
			return int32(iso4217[i+3] - '0'), true
		}
	}
	return 0, false
}

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
