// Package iso4217 is the module's one table of ISO 4217 currency codes and
// their minor units, and its one rule for money, shared by every package
// that handles it (cashback, accommodation, scoring) so that they can never
// disagree on what a currency or an acceptable amount is.
//
// The rule:
//
//   - A currency is valid (Valid) if it is in the table. The table keeps a
//     few recently withdrawn codes so that money recorded in them can still
//     be read and settled, but new money (a credit issued, a policy
//     written) is only in an active code (Active, CheckCurrency).
//   - An amount (CheckAmount, ToMinor) must be exact in its currency's
//     minor units (12.50 USD, not 12.505; 1200 JPY, not 1200.5) and at most
//     MaxMinorUnits (10^15) minor units in magnitude: ten trillion dollars,
//     a quadrillion yen. The bound keeps every sum of a few amounts exact in
//     an int64 and refuses garbage early. The sign is the caller's business:
//     a package that wants only positive amounts checks that itself.
//
// Failures are *Error values carrying one of the sentinels ErrUnknownCurrency,
// ErrWithdrawnCurrency, ErrTooPrecise or ErrTooLarge. This package is
// internal, so a package that returns these errors to its users re-exports
// the sentinels it may return under the same name (var ErrTooPrecise =
// iso4217.ErrTooPrecise: cashback, accommodation and scoring all do for
// ErrTooPrecise) or wraps them in its own kinds; either way errors.Is keeps
// working, across packages too.
//
// The table follows ISO 4217 List One as published by the ISO 4217
// maintenance agency (SIX Group) for 2026-01-01.
package iso4217

import (
	"errors"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// MaxMinorUnits bounds the magnitude of every amount, in minor units of its
// currency: 10^15 (ten trillion dollars, a quadrillion yen, a trillion
// Kuwaiti dinars).
const MaxMinorUnits int64 = 1_000_000_000_000_000

// Sentinel errors, carried by *Error in its Err field.
var (
	// ErrUnknownCurrency: the code is not in the table (not ISO 4217, not
	// upper case, or a code without minor units such as XAU or XTS).
	ErrUnknownCurrency = errors.New("unknown currency")
	// ErrWithdrawnCurrency: the code is in the table but withdrawn, so it
	// may be read but no new money may be created in it.
	ErrWithdrawnCurrency = errors.New("withdrawn currency")
	// ErrTooPrecise: the amount has more decimal places than the currency
	// has minor units (12.505 USD, 1200.5 JPY), or than the scale ToUnits
	// was given. Amounts are never rounded.
	ErrTooPrecise = errors.New("more decimal places than allowed")
	// ErrTooLarge: the amount is more than MaxMinorUnits minor units in
	// magnitude.
	ErrTooLarge = errors.New("over 10^15 minor units")
)

// Error reports a currency or an amount that breaks the rule: which
// currency, which amount (clipped for display), and why (Err, one of the
// sentinels).
type Error struct {
	// Currency is the code as given, clipped to at most 64 bytes.
	Currency string
	// Amount is the amount as given, clipped to at most 64 bytes; empty
	// when only the currency was checked.
	Amount string
	// Err is ErrUnknownCurrency, ErrWithdrawnCurrency, ErrTooPrecise or
	// ErrTooLarge.
	Err error
}

// Error implements error, e.g. "iso4217: 12.505 USD: more decimal places
// than allowed (2 decimal places)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("iso4217: ")
	if e.Amount != "" {
		b.WriteString(e.Amount)
		b.WriteByte(' ')
	}
	if Valid(e.Currency) {
		b.WriteString(e.Currency)
	} else {
		b.WriteString(strconv.Quote(e.Currency))
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	if e.Err == ErrTooPrecise {
		if n, ok := MinorUnits(e.Currency); ok {
			b.WriteString(" (")
			b.WriteString(strconv.Itoa(int(n)))
			b.WriteString(" decimal places)")
		}
	}
	return b.String()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// entry bits in table: the low 3 bits hold minor units + 1 (0 = not in the
// table); bit 3 marks a withdrawn code.
const (
	entryMinor     = 0x07
	entryWithdrawn = 0x08
)

// table maps every three-letter upper-case code, as a base-26 index, to its
// entry. It is built once from currencyTable and never modified.
var table = func() *[26 * 26 * 26]uint8 {
	var t [26 * 26 * 26]uint8
	for _, f := range strings.Fields(currencyTable) {
		n := f[4] - '0'
		t[index(f[:3])] = n + 1
	}
	for _, c := range strings.Fields(withdrawnCodes) {
		t[index(c)] |= entryWithdrawn
	}
	return &t
}()

// index returns the base-26 index of a three-letter upper-case code, or -1.
func index(code string) int {
	if len(code) != 3 {
		return -1
	}
	i := 0
	for k := 0; k < 3; k++ {
		c := code[k]
		if c < 'A' || c > 'Z' {
			return -1
		}
		i = i*26 + int(c-'A')
	}
	return i
}

func entry(code string) uint8 {
	i := index(code)
	if i < 0 {
		return 0
	}
	return table[i]
}

// MinorUnits reports the number of decimal places ISO 4217 gives currency
// (USD 2, JPY 0, KWD 3, CLF 4) and whether the code is in the table
// (Valid). Codes must be upper case.
//
// The table covers every code of ISO 4217 List One that has numeric minor
// units, including the fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI,
// UYW) and the newest codes (VED, SLE, ZWG, XCG), plus six codes withdrawn
// recently (ANG, BGN, CUC, HRK, SLL, ZWL) so that a ledger holding credit
// issued in them can still be read and settled. Codes whose minor units ISO
// lists as "N.A." (precious metals XAU, XAG, XPT, XPD; units of account XDR,
// XSU, XUA, XBA-XBD; the test code XTS and XXX) are not money a customer
// can spend and are not in the table.
func MinorUnits(currency string) (int32, bool) {
	e := entry(currency)
	if e == 0 {
		return 0, false
	}
	return int32(e&entryMinor) - 1, true
}

// Valid reports whether currency is in the table: an active code or one of
// the withdrawn codes kept so that recorded money can still be read. Use it
// when reading amounts already recorded; use Active before creating new
// money.
func Valid(currency string) bool { return entry(currency) != 0 }

// Active reports whether currency is in the table and not withdrawn: the
// codes in which new money (a credit, a policy's amounts) may be created.
// HRK, BGN and the other withdrawn codes are Valid but not Active.
func Active(currency string) bool {
	e := entry(currency)
	return e != 0 && e&entryWithdrawn == 0
}

// CheckCurrency returns nil if currency is Active, and otherwise an *Error
// whose Err is ErrWithdrawnCurrency (Valid but withdrawn) or
// ErrUnknownCurrency.
func CheckCurrency(currency string) error {
	switch e := entry(currency); {
	case e == 0:
		return &Error{Currency: Clip(currency), Err: ErrUnknownCurrency}
	case e&entryWithdrawn != 0:
		return &Error{Currency: currency, Err: ErrWithdrawnCurrency}
	}
	return nil
}

// CheckAmount returns nil if amount is an acceptable amount of currency:
// currency is Valid (withdrawn codes included: see Active for new money),
// amount is exact in its minor units and at most MaxMinorUnits minor units
// in magnitude. Otherwise it returns an *Error whose Err is
// ErrUnknownCurrency, ErrTooPrecise or ErrTooLarge. It does not allocate when
// the amount is acceptable.
func CheckAmount(amount decimal.Decimal, currency string) error {
	_, err := ToMinor(amount, currency)
	return err
}

// ToMinor checks amount as CheckAmount does and returns it as an exact
// count of minor units (12.50 USD is 1250), with its sign. It never
// rounds. It does not allocate when the amount is acceptable.
func ToMinor(amount decimal.Decimal, currency string) (int64, error) {
	minor, ok := MinorUnits(currency)
	if !ok {
		return 0, &Error{Currency: Clip(currency), Amount: ClipDecimal(amount), Err: ErrUnknownCurrency}
	}
	v, err := toMinor(amount, minor)
	if err != nil {
		return 0, &Error{Currency: currency, Amount: ClipDecimal(amount), Err: err}
	}
	return v, nil
}

// ToUnits returns amount × 10^places as an exact int64 under the same
// rule: ErrTooLarge when its magnitude exceeds MaxMinorUnits, else
// ErrTooPrecise when it is not whole. Errors are the bare sentinels. ToMinor
// is ToUnits with the currency's minor units; call ToUnits directly when
// they are already known (a hot path) or for another fixed-point quantity
// (a percent with four decimals). It never expands a huge exponent and
// does not allocate when the result is acceptable.
func ToUnits(amount decimal.Decimal, places int32) (int64, error) {
	return toMinor(amount, places)
}

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
	100000000, 1000000000, 10000000000, 100000000000, 1000000000000,
	10000000000000, 100000000000000, 1000000000000000, 10000000000000000,
	100000000000000000, 1000000000000000000}

// toMinor converts d to a signed count of minor units (d × 10^minor),
// returning ErrTooLarge when its magnitude exceeds MaxMinorUnits (whatever
// its precision) and otherwise ErrTooPrecise when it is not a whole number of
// minor units. Coefficients of up to 18 digits (all amounts in practice)
// take an exact int64 path without allocating.
func toMinor(d decimal.Decimal, minor int32) (int64, error) {
	nd := int64(d.NumDigits())
	shift := int64(d.Exponent()) + int64(minor)
	if shift == 0 && nd <= 15 {
		// The common case: written with exactly the currency's decimals
		// ("12.50" USD) and below 10^15 minor units.
		return d.CoefficientInt64(), nil
	}
	if d.IsZero() {
		return 0, nil
	}
	// |d| × 10^minor ≥ 10^(nd-1+shift): more than 10^15 when that exponent
	// is 16 or more.
	if nd-1+shift >= 16 {
		return 0, ErrTooLarge
	}
	if -shift >= nd {
		// |d| × 10^minor < 1: not a whole number of minor units.
		return 0, ErrTooPrecise
	}
	if nd > 18 {
		// A long coefficient (many trailing zeros, or an over-precise
		// amount): the exact, allocating path. Here shift < 0, since
		// nd-1+shift < 16.
		var q, r big.Int
		q.QuoRem(d.Coefficient(), new(big.Int).Exp(big.NewInt(10), big.NewInt(-shift), nil), &r)
		q.Abs(&q)
		if !q.IsInt64() || q.Int64() > MaxMinorUnits || (q.Int64() == MaxMinorUnits && r.Sign() != 0) {
			return 0, ErrTooLarge
		}
		if r.Sign() != 0 {
			return 0, ErrTooPrecise
		}
		if d.IsNegative() {
			return -q.Int64(), nil
		}
		return q.Int64(), nil
	}
	c := d.CoefficientInt64() // |c| < 10^18
	neg := c < 0
	if neg {
		c = -c
	}
	var v int64
	if shift >= 0 {
		// nd-1+shift < 16 and nd ≥ 1, so shift ≤ 15.
		hi, lo := bits.Mul64(uint64(c), uint64(pow10[shift]))
		if hi != 0 || lo > uint64(MaxMinorUnits) {
			return 0, ErrTooLarge
		}
		v = int64(lo)
	} else {
		// 0 < -shift < nd ≤ 18.
		p := pow10[-shift]
		v = c / p
		rem := c % p
		if v > MaxMinorUnits || (v == MaxMinorUnits && rem != 0) {
			return 0, ErrTooLarge
		}
		if rem != 0 {
			return 0, ErrTooPrecise
		}
	}
	if neg {
		v = -v
	}
	return v, nil
}

// maxEcho is how many bytes of outside input an error message echoes.
const maxEcho = 64

// Clip makes outside text fit an error message: at most 64 bytes of it,
// cut at a rune boundary and followed by "…" when cut. Invalid UTF-8 is
// shown as U+FFFD. It is the module's one rule for echoed input.
func Clip(s string) string {
	if len(s) <= maxEcho && utf8.ValidString(s) {
		return s
	}
	cut := false
	for {
		if len(s) > maxEcho {
			i := maxEcho
			for i > 0 && !utf8.RuneStart(s[i]) {
				i--
			}
			s, cut = s[:i], true
		}
		if utf8.ValidString(s) {
			break
		}
		// Replacement may lengthen the text: cut again.
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if cut {
		s += "…"
	}
	return s
}

// ClipDecimal renders d for an error message, clipped as Clip does, without
// ever expanding a huge exponent (1e-9999 stays short, and 1e-2000000000
// does not allocate gigabytes).
func ClipDecimal(d decimal.Decimal) string {
	e := d.Exponent()
	if e > maxEcho || e < -maxEcho {
		return Clip(d.Coefficient().String()) + "e" + strconv.Itoa(int(e))
	}
	return Clip(d.String())
}

// currencyTable lists every code in the table with its minor units,
// "CODE:N" separated by spaces, sorted by code.
//
// There are 170 codes: 17 with 0 decimal places, 144 with 2, 7 with 3, 2 with 4.
const currencyTable = "AED:2 AFN:2 ALL:2 AMD:2 ANG:2 AOA:2 ARS:2 AUD:2 AWG:2 AZN:2 BAM:2 BBD:2 BDT:2 BGN:2 BHD:3 BIF:0 BMD:2 BND:2 BOB:2 BOV:2 BRL:2 BSD:2 BTN:2 BWP:2 BYN:2 BZD:2 CAD:2 CDF:2 CHE:2 CHF:2 CHW:2 CLF:4 CLP:0 CNY:2 COP:2 COU:2 CRC:2 CUC:2 CUP:2 CVE:2 CZK:2 DJF:0 DKK:2 DOP:2 DZD:2 EGP:2 ERN:2 ETB:2 EUR:2 FJD:2 FKP:2 GBP:2 GEL:2 GHS:2 GIP:2 GMD:2 GNF:0 GTQ:2 GYD:2 HKD:2 HNL:2 HRK:2 HTG:2 HUF:2 IDR:2 ILS:2 INR:2 IQD:3 IRR:2 ISK:0 JMD:2 JOD:3 JPY:0 KES:2 KGS:2 KHR:2 KMF:0 KPW:2 KRW:0 KWD:3 KYD:2 KZT:2 LAK:2 LBP:2 LKR:2 LRD:2 LSL:2 LYD:3 MAD:2 MDL:2 MGA:2 MKD:2 MMK:2 MNT:2 MOP:2 MRU:2 MUR:2 MVR:2 MWK:2 MXN:2 MXV:2 MYR:2 MZN:2 NAD:2 NGN:2 NIO:2 NOK:2 NPR:2 NZD:2 OMR:3 PAB:2 PEN:2 PGK:2 PHP:2 PKR:2 PLN:2 PYG:0 QAR:2 RON:2 RSD:2 RUB:2 RWF:0 SAR:2 SBD:2 SCR:2 SDG:2 SEK:2 SGD:2 SHP:2 SLE:2 SLL:2 SOS:2 SRD:2 SSP:2 STN:2 SVC:2 SYP:2 SZL:2 THB:2 TJS:2 TMT:2 TND:3 TOP:2 TRY:2 TTD:2 TWD:2 TZS:2 UAH:2 UGX:0 USD:2 USN:2 UYI:0 UYU:2 UYW:4 UZS:2 VED:2 VES:2 VND:0 VUV:0 WST:2 XAF:0 XCD:2 XCG:2 XOF:0 XPF:0 YER:2 ZAR:2 ZMW:2 ZWG:2 ZWL:2"

// withdrawnCodes are the codes of currencyTable that ISO 4217 has withdrawn
// (List Three) and that the table keeps only so that recorded money can be
// read: ANG (replaced by XCG, 2025), BGN (Bulgaria joined the euro,
// 2026-01-01), CUC (2021), HRK (Croatia joined the euro, 2023), SLL
// (redenominated as SLE, 2022) and ZWL (replaced by ZWG, 2024).
const withdrawnCodes = "ANG BGN CUC HRK SLL ZWL"

// Currencies returns every code in the table (Valid), sorted, in a new
// slice.
func Currencies() []string {
	fields := strings.Fields(currencyTable)
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f[:3]
	}
	return out
}

// ActiveCurrencies returns every Active code, sorted, in a new slice.
func ActiveCurrencies() []string {
	all := Currencies()
	out := all[:0]
	for _, c := range all {
		if Active(c) {
			out = append(out, c)
		}
	}
	return out
}
