package iso4217

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestTable checks the table's shape: sorted, upper case, the documented
// counts, and that MinorUnits, Valid, Active and Currencies agree over every
// three-letter string.
func TestTable(t *testing.T) {
	fields := strings.Fields(currencyTable)
	listed := make(map[string]int32)
	prev := ""
	count := map[int32]int{}
	for _, f := range fields {
		code, n, ok := strings.Cut(f, ":")
		if !ok || len(code) != 3 || strings.ToUpper(code) != code || len(n) != 1 {
			t.Fatalf("bad table field %q", f)
		}
		if code <= prev {
			t.Errorf("table not sorted at %s", code)
		}
		prev = code
		m, _ := strconv.Atoi(n)
		listed[code] = int32(m)
		count[int32(m)]++
	}
	if len(fields) != 170 || count[0] != 17 || count[2] != 144 || count[3] != 7 || count[4] != 2 {
		t.Errorf("table has %d codes (%v); doc says 170: 17 with 0, 144 with 2, 7 with 3, 2 with 4", len(fields), count)
	}
	withdrawn := map[string]bool{}
	for _, c := range strings.Fields(withdrawnCodes) {
		if _, ok := listed[c]; !ok {
			t.Errorf("withdrawn code %s is not in the table", c)
		}
		withdrawn[c] = true
	}
	var b [3]byte
	for b[0] = 'A'; b[0] <= 'Z'; b[0]++ {
		for b[1] = 'A'; b[1] <= 'Z'; b[1]++ {
			for b[2] = 'A'; b[2] <= 'Z'; b[2]++ {
				code := string(b[:])
				want, inTable := listed[code]
				got, ok := MinorUnits(code)
				if ok != inTable || got != want {
					t.Errorf("MinorUnits(%s) = %d, %v; table says %d, %v", code, got, ok, want, inTable)
				}
				if Valid(code) != inTable {
					t.Errorf("Valid(%s) = %v", code, Valid(code))
				}
				if Active(code) != (inTable && !withdrawn[code]) {
					t.Errorf("Active(%s) = %v", code, Active(code))
				}
			}
		}
	}
	if got := Currencies(); len(got) != 170 || got[0] != "AED" || got[169] != "ZWL" {
		t.Errorf("Currencies() = %d codes, %v … %v", len(got), got[0], got[len(got)-1])
	}
	if got := ActiveCurrencies(); len(got) != 164 {
		t.Errorf("ActiveCurrencies() has %d codes, want 164", len(got))
	}
}

func TestKnownCodes(t *testing.T) {
	for code, want := range map[string]int32{"USD": 2, "JPY": 0, "KWD": 3, "CLF": 4, "EUR": 2, "HRK": 2} {
		if got, ok := MinorUnits(code); !ok || got != want {
			t.Errorf("MinorUnits(%s) = %d, %v; want %d", code, got, ok, want)
		}
	}
	for _, code := range []string{"usd", "Usd", "XAU", "XTS", "XXX", "", "US", "USDX", "U\x00D", "\xff\xff\xff"} {
		if _, ok := MinorUnits(code); ok || Valid(code) || Active(code) {
			t.Errorf("%q accepted", code)
		}
		if err := CheckCurrency(code); !errors.Is(err, ErrUnknownCurrency) {
			t.Errorf("CheckCurrency(%q) = %v, want ErrUnknownCurrency", code, err)
		}
	}
	for _, code := range []string{"HRK", "BGN", "ANG", "CUC", "SLL", "ZWL"} {
		if !Valid(code) || Active(code) {
			t.Errorf("%s: Valid %v, Active %v; want a withdrawn code", code, Valid(code), Active(code))
		}
		if err := CheckCurrency(code); !errors.Is(err, ErrWithdrawnCurrency) {
			t.Errorf("CheckCurrency(%s) = %v, want ErrWithdrawnCurrency", code, err)
		}
		if err := CheckAmount(decimal.RequireFromString("12.50"), code); err != nil {
			t.Errorf("CheckAmount(12.50 %s) = %v: recorded money in a withdrawn code must stay readable", code, err)
		}
	}
	for _, code := range []string{"USD", "EUR", "XCG", "ZWG", "SLE", "VED", "CHE"} {
		if err := CheckCurrency(code); err != nil {
			t.Errorf("CheckCurrency(%s) = %v", code, err)
		}
	}
}

func TestCheckAmountExamples(t *testing.T) {
	for _, tc := range []struct {
		amount, currency string
		want             error
		minor            int64
	}{
		{"0", "USD", nil, 0},
		{"12.50", "USD", nil, 1250},
		{"12.5", "USD", nil, 1250},
		{"12.500000", "USD", nil, 1250},
		{"-12.5", "USD", nil, -1250},
		{"1200", "JPY", nil, 1200},
		{"1.234", "KWD", nil, 1234},
		{"0.0001", "CLF", nil, 1},
		{"10000000000000", "USD", nil, MaxMinorUnits},
		{"-10000000000000", "USD", nil, -MaxMinorUnits},
		{"1000000000000000", "JPY", nil, MaxMinorUnits},
		{"10000000000000.00000000000000000000", "USD", nil, MaxMinorUnits},
		{"1e13", "USD", nil, MaxMinorUnits},
		{"12.505", "USD", ErrTooPrecise, 0},
		{"1200.5", "JPY", ErrTooPrecise, 0},
		{"1e-9999", "USD", ErrTooPrecise, 0},
		{"-0.001", "USD", ErrTooPrecise, 0},
		{"0.123456789012345678901234567890", "USD", ErrTooPrecise, 0},
		{"10000000000000.01", "USD", ErrTooLarge, 0},
		{"10000000000000.001", "USD", ErrTooLarge, 0}, // too large whatever its precision
		{"-10000000000000.01", "USD", ErrTooLarge, 0},
		{"1000000000000001", "JPY", ErrTooLarge, 0},
		{"1e9999", "USD", ErrTooLarge, 0},
		{"123456789012345678901234567890", "USD", ErrTooLarge, 0},
		{"12.50", "XAU", ErrUnknownCurrency, 0},
		{"12.50", "usd", ErrUnknownCurrency, 0},
	} {
		d := decimal.RequireFromString(tc.amount)
		v, err := ToMinor(d, tc.currency)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("ToMinor(%s %s) error = %v, want %v", tc.amount, tc.currency, err, tc.want)
			continue
		}
		if v != tc.minor {
			t.Errorf("ToMinor(%s %s) = %d, want %d", tc.amount, tc.currency, v, tc.minor)
		}
		if err2 := CheckAmount(d, tc.currency); !errors.Is(err2, tc.want) || (err2 == nil) != (err == nil) {
			t.Errorf("CheckAmount(%s %s) = %v, ToMinor said %v", tc.amount, tc.currency, err2, err)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Err != tc.want {
				t.Errorf("ToMinor(%s %s) error %T %v is not an *Error carrying %v", tc.amount, tc.currency, err, err, tc.want)
			}
			if len(err.Error()) > 200 {
				t.Errorf("error text is %d bytes: %.80q", len(err.Error()), err.Error())
			}
		}
	}
}

func TestErrorText(t *testing.T) {
	err := CheckAmount(decimal.RequireFromString("12.505"), "USD")
	if got, want := err.Error(), "iso4217: 12.505 USD: more decimal places than allowed (2 decimal places)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	err = CheckAmount(decimal.New(1, -2_000_000_000), "USD")
	if got, want := err.Error(), "iso4217: 1e-2000000000 USD: more decimal places than allowed (2 decimal places)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	err = CheckCurrency(strings.Repeat("x", 10000))
	if len(err.Error()) > 100 || !strings.Contains(err.Error(), "…") {
		t.Errorf("unknown currency text not clipped: %d bytes", len(err.Error()))
	}
	if got, want := CheckCurrency("HRK").Error(), "iso4217: HRK: withdrawn currency"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{strings.Repeat("a", 65), strings.Repeat("a", 64) + "…"},
		{strings.Repeat("a", 63) + "é", strings.Repeat("a", 63) + "…"}, // never splits a rune
		{"a\xffb", "a\uFFFDb"},
	} {
		if got := Clip(tc.in); got != tc.want {
			t.Errorf("Clip(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "s")
		if raw := rapid.SliceOf(rapid.Byte()).Draw(t, "raw"); len(raw) > 0 {
			s += string(raw)
		}
		got := Clip(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Clip(%q) = %q is not valid UTF-8", s, got)
		}
		if len(strings.TrimSuffix(got, "…")) > 64 {
			t.Fatalf("Clip kept %d bytes", len(got))
		}
	})
}

// reference computes the rule with big.Rat: ErrTooLarge when |d| × 10^minor
// exceeds MaxMinorUnits, else ErrTooPrecise when it is not whole.
func reference(d decimal.Decimal, minor int32) (int64, error) {
	r := new(big.Rat).SetFrac(d.Coefficient(), big.NewInt(1))
	exp := int64(d.Exponent()) + int64(minor)
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(absInt(exp)), nil)
	if exp >= 0 {
		r.Mul(r, new(big.Rat).SetInt(p))
	} else {
		r.Quo(r, new(big.Rat).SetInt(p))
	}
	if new(big.Rat).Abs(r).Cmp(new(big.Rat).SetInt64(MaxMinorUnits)) > 0 {
		return 0, ErrTooLarge
	}
	if !r.IsInt() {
		return 0, ErrTooPrecise
	}
	return r.Num().Int64(), nil
}

func absInt(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// TestToMinorProperty checks ToMinor against the big.Rat reference on
// decimals of every shape: short and long coefficients, with and without
// trailing zeros, small and large exponents, both signs, every currency.
func TestToMinorProperty(t *testing.T) {
	codes := Currencies()
	rapid.Check(t, func(t *rapid.T) {
		code := rapid.SampledFrom(codes).Draw(t, "currency")
		minor, _ := MinorUnits(code)
		var d decimal.Decimal
		switch rapid.IntRange(0, 3).Draw(t, "shape") {
		case 0: // an exact amount near the bound, maybe padded with zeros
			v := rapid.Int64Range(-MaxMinorUnits-10, MaxMinorUnits+10).Draw(t, "minor units")
			pad := rapid.IntRange(0, 25).Draw(t, "pad")
			c := new(big.Int).Mul(big.NewInt(v), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(pad)), nil))
			d = decimal.NewFromBigInt(c, -minor-int32(pad))
		case 1: // an int64 coefficient with any small exponent
			c := rapid.Int64().Draw(t, "coefficient")
			d = decimal.New(c, rapid.Int32Range(-40, 40).Draw(t, "exp"))
		case 2: // near the bound, with extra digits that may be zero
			v := MaxMinorUnits + rapid.Int64Range(-2, 2).Draw(t, "offset")
			k := rapid.SampledFrom([]int{1, 2, 3, 20}).Draw(t, "extra digits")
			scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
			rest := rapid.SampledFrom([]int64{0, 1, 5}).Draw(t, "rest")
			c := new(big.Int).Add(new(big.Int).Mul(big.NewInt(v), scale), big.NewInt(rest))
			if rapid.Bool().Draw(t, "negative") {
				c.Neg(c)
			}
			d = decimal.NewFromBigInt(c, -minor-int32(k))
		default: // a long coefficient
			digits := rapid.StringMatching(`-?[1-9][0-9]{0,39}`).Draw(t, "digits")
			c, _ := new(big.Int).SetString(digits, 10)
			d = decimal.NewFromBigInt(c, rapid.Int32Range(-60, 30).Draw(t, "exp"))
		}
		want, wantErr := reference(d, minor)
		got, err := ToMinor(d, code)
		if !errors.Is(err, wantErr) || (err == nil) != (wantErr == nil) || got != want {
			t.Fatalf("ToMinor(%s %s) = %d, %v; want %d, %v", d, code, got, err, want, wantErr)
		}
		if err == nil && !decimal.New(got, -minor).Equal(d) {
			t.Fatalf("ToMinor(%s %s) = %d does not round-trip", d, code, got)
		}
	})
}

func TestToMinorDoesNotAllocate(t *testing.T) {
	d := decimal.RequireFromString("1234.56")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ToMinor(d, "USD"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ToMinor allocates %v times per call", allocs)
	}
}

func BenchmarkToMinor(b *testing.B) {
	d := decimal.RequireFromString("1234.56")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ToMinor(d, "USD"); err != nil {
			b.Fatal(err)
		}
	}
}
