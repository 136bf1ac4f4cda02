package cashback_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/cashback"
)

func TestMinorUnits(t *testing.T) {
	for code, want := range map[string]int32{
		"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "XOF": 0,
		"KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3, "LYD": 3, "IQD": 3,
		"CLF": 4, "UYW": 4, "UYI": 0, "XCG": 2, "ZWG": 2, "VED": 2, "SLE": 2, "MRU": 2,
	} {
		got, ok := cashback.MinorUnits(code)
		if !ok || got != want {
			t.Errorf("MinorUnits(%s) = %d, %v; want %d, true", code, got, ok, want)
		}
	}
	for _, code := range []string{"", "usd", "US", "USDD", "XAU", "XAG", "XDR", "XTS", "XXX", "XBA", "ABC", "BTC"} {
		if _, ok := cashback.MinorUnits(code); ok {
			t.Errorf("MinorUnits(%q) accepted", code)
		}
	}
	cs := cashback.Currencies()
	if len(cs) != 170 || cs[0] != "AED" || cs[len(cs)-1] != "ZWL" {
		t.Errorf("Currencies() = %d codes from %s to %s", len(cs), cs[0], cs[len(cs)-1])
	}
	cs[0] = "changed"
	if cashback.Currencies()[0] != "AED" {
		t.Error("Currencies shares its slice")
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		amount, currency string
		want             string // formatted result, or "" for an error
		err              error
	}{
		{"12.50", "USD", "12.50 USD", nil},
		{"12.5", "USD", "12.50 USD", nil},
		{"12", "USD", "12.00 USD", nil},
		{"12.500", "USD", "12.50 USD", nil}, // zeros beyond the minor unit are no precision
		{"0.01", "USD", "0.01 USD", nil},
		{"0", "USD", "0.00 USD", nil},
		{"-3.10", "EUR", "-3.10 EUR", nil},
		{"1000", "JPY", "1000 JPY", nil},
		{"1000.0", "JPY", "1000 JPY", nil},
		{"1.234", "KWD", "1.234 KWD", nil},
		{"0.0001", "CLF", "0.0001 CLF", nil},
		{"10000000000000.00", "USD", "10000000000000.00 USD", nil}, // 10^15 minor units: the bound
		{"-10000000000000", "USD", "-10000000000000.00 USD", nil},
		{"1000000000000000", "JPY", "1000000000000000 JPY", nil},
		{"10000000000000.01", "USD", "", cashback.ErrTooLarge},
		{"1000000000000.001", "KWD", "", cashback.ErrTooLarge},
		{"1000000000000001", "JPY", "", cashback.ErrTooLarge},
		{"12.505", "USD", "", cashback.ErrTooPrecise},
		{"0.001", "USD", "", cashback.ErrTooPrecise},
		{"1.5", "JPY", "", cashback.ErrTooPrecise},
		{"1.2345", "KWD", "", cashback.ErrTooPrecise},
		{"1000000000000000", "USD", "", cashback.ErrTooLarge},
		{"1", "XAU", "", cashback.ErrUnknownCurrency},
		{"1", "usd", "", cashback.ErrUnknownCurrency},
		{"1", "", "", cashback.ErrUnknownCurrency},
		{"", "USD", "", cashback.ErrMalformedAmount},
		{"1e3", "USD", "", cashback.ErrMalformedAmount},
		{"+1", "USD", "", cashback.ErrMalformedAmount},
		{" 1", "USD", "", cashback.ErrMalformedAmount},
		{"1,000.00", "USD", "", cashback.ErrMalformedAmount},
		{".5", "USD", "", cashback.ErrMalformedAmount},
		{"5.", "USD", "", cashback.ErrMalformedAmount},
		{"-", "USD", "", cashback.ErrMalformedAmount},
		{"1.2.3", "USD", "", cashback.ErrMalformedAmount},
		{"NaN", "USD", "", cashback.ErrMalformedAmount},
		{"0x10", "USD", "", cashback.ErrMalformedAmount},
		{"١٢", "USD", "", cashback.ErrMalformedAmount}, // Arabic-Indic digits
	}
	for _, tt := range tests {
		m, err := cashback.ParseMoney(tt.amount, tt.currency)
		if tt.err != nil {
			var ae *cashback.AmountError
			if !errors.Is(err, tt.err) || !errors.Is(err, cashback.ErrInvalidAmount) || !errors.As(err, &ae) || ae.Path != "amount" {
				t.Errorf("ParseMoney(%q, %q) = %v, %v; want *AmountError wrapping %v", tt.amount, tt.currency, m, err, tt.err)
			}
			continue
		}
		if err != nil || m.String() != tt.want {
			t.Errorf("ParseMoney(%q, %q) = %q, %v; want %q", tt.amount, tt.currency, m.String(), err, tt.want)
		}
	}
}

func TestNewMoneyHugeExponents(t *testing.T) {
	// Values built in code, not parsed, may carry any exponent; checking them
	// must not try to expand 10^2147483647.
	for _, tt := range []struct {
		d   decimal.Decimal
		err error
	}{
		{decimal.New(1, 2147483647), cashback.ErrTooLarge},
		{decimal.New(1, -2147483648), cashback.ErrTooPrecise},
		{decimal.New(5, 13), cashback.ErrTooLarge},
		{decimal.New(1, 13), nil},
		{decimal.New(5, 12), nil},
		{decimal.New(1500, -3), nil},
		{decimal.New(1501, -3), cashback.ErrTooPrecise},
	} {
		m, err := cashback.NewMoney(tt.d, "USD")
		if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("NewMoney(%s) = %v, %v; want %v", tt.d.Coefficient(), m, err, tt.err)
		}
	}
}

func TestMoneyArithmetic(t *testing.T) {
	a, _ := cashback.ParseMoney("10.00", "USD")
	b, _ := cashback.ParseMoney("2.55", "USD")
	e, _ := cashback.ParseMoney("1.00", "EUR")
	if s, err := a.Add(b); err != nil || s.String() != "12.55 USD" {
		t.Errorf("Add = %v, %v", s, err)
	}
	if s, err := a.Sub(b); err != nil || s.String() != "7.45 USD" {
		t.Errorf("Sub = %v, %v", s, err)
	}
	if c, err := b.Cmp(a); err != nil || c != -1 {
		t.Errorf("Cmp = %d, %v", c, err)
	}
	if _, err := a.Add(e); !errors.Is(err, cashback.ErrCurrencyMismatch) {
		t.Errorf("USD + EUR: %v, want ErrCurrencyMismatch", err)
	}
	if _, err := a.Sub(e); !errors.Is(err, cashback.ErrCurrencyMismatch) {
		t.Errorf("USD - EUR: %v, want ErrCurrencyMismatch", err)
	}
	if _, err := a.Cmp(e); !errors.Is(err, cashback.ErrCurrencyMismatch) {
		t.Errorf("cmp USD EUR: %v, want ErrCurrencyMismatch", err)
	}
}

func TestMoneyJSON(t *testing.T) {
	m, _ := cashback.ParseMoney("7.5", "KWD")
	b, err := json.Marshal(m)
	if err != nil || string(b) != `{"amount":"7.500","currency":"KWD"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back cashback.Money
	if err := json.Unmarshal(b, &back); err != nil || !back.Amount.Equal(m.Amount) || back.Currency != "KWD" {
		t.Fatalf("Unmarshal = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"amount":12.25,"currency":"USD"}`), &back); err != nil || back.String() != "12.25 USD" {
		t.Errorf("number amount: %v, %v", back, err)
	}
	for in, want := range map[string]error{
		`{"amount":"1.001","currency":"USD"}`:   cashback.ErrTooPrecise,
		`{"amount":1e2,"currency":"USD"}`:       cashback.ErrMalformedAmount,
		`{"amount":"1","currency":"XXX"}`:       cashback.ErrUnknownCurrency,
		`{"amount":"1","currency":"USD","x":1}`: cashback.ErrInvalidRequest,
		`{"currency":"USD"}`:                    cashback.ErrInvalidRequest,
		`{"amount":true,"currency":"USD"}`:      cashback.ErrInvalidRequest,
		`[1]`:                                   cashback.ErrInvalidRequest,
		`{"amount":"1","currency":"USD"`:        nil, // the json package rejects it first
	} {
		err := json.Unmarshal([]byte(in), &back)
		if err == nil || (want != nil && !errors.Is(err, want)) {
			t.Errorf("Unmarshal(%s) = %v, want %v", in, err, want)
		}
	}
}
