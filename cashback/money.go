package cashback

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/internal/iso4217"
)

// MaxMinorUnits bounds amounts: every amount must be at most 10^15 minor
// units of its currency in magnitude (ten trillion dollars, a quadrillion
// yen). It is the module's one bound (internal/iso4217), shared with
// package accommodation; no real cashback comes near it.
const MaxMinorUnits = iso4217.MaxMinorUnits

// maxAmountText bounds the length of amount text ParseMoney accepts: a sign,
// 16 integer digits, a point and up to 46 fraction digits.
const maxAmountText = 64

// Money is an exact amount in an ISO 4217 currency. Its zero value is not
// valid money (it has no currency); build it with ParseMoney or NewMoney.
//
// Money is a plain value: it is never rounded. Arithmetic across currencies
// is an error (ErrCurrencyMismatch), never a conversion.
type Money struct {
	Amount   decimal.Decimal
	Currency string
}

// NewMoney returns amount in currency after checking that the currency is
// known and that amount fits its minor units and MaxMinorUnits. The amount
// may be zero or negative; ledger requests check positivity themselves. The
// result's amount has exactly the currency's number of decimal places.
func NewMoney(amount decimal.Decimal, currency string) (Money, error) {
	d, err := checkAmount("amount", amount, currency, false)
	if err != nil {
		return Money{}, err
	}
	return Money{Amount: d, Currency: currency}, nil
}

// ParseMoney parses amount, a plain decimal number ("12.50", "-3", "1000"),
// in currency, an upper-case ISO 4217 code. It accepts no exponent, no
// grouping separators, no spaces and no leading "+". More decimal places than
// the currency allows are an error (ErrTooPrecise) unless they are zeros:
// "12.500" USD is 12.50 USD, "12.505" USD is rejected, never rounded.
// Errors are *AmountError.
func ParseMoney(amount, currency string) (Money, error) {
	d, err := parseAmount("amount", amount, currency)
	if err != nil {
		return Money{}, err
	}
	return NewMoney(d, currency)
}

// parseAmount parses plain decimal text. field names the JSON field for errors.
func parseAmount(field, s, currency string) (decimal.Decimal, error) {
	bad := func() (decimal.Decimal, error) {
		return decimal.Decimal{}, &AmountError{Path: field, Value: clip(s), Currency: clipCurrency(currency), Err: ErrMalformedAmount}
	}
	if len(s) == 0 || len(s) > maxAmountText {
		return bad()
	}
	i := 0
	if s[0] == '-' {
		i++
	}
	digits, point, frac := 0, false, 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if point {
				frac++
			} else {
				digits++
			}
		case c == '.' && !point:
			point = true
		default:
			return bad()
		}
	}
	if digits == 0 || (point && frac == 0) {
		return bad()
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return bad()
	}
	return d, nil
}

// checkAmount validates d as an amount of currency and returns it with
// exactly the currency's decimal places. With positive set, zero and negative
// amounts are rejected.
func checkAmount(field string, d decimal.Decimal, currency string, positive bool) (decimal.Decimal, error) {
	fail := func(err error) (decimal.Decimal, error) {
		return decimal.Decimal{}, &AmountError{Path: field, Value: clipDecimal(d), Currency: clipCurrency(currency), Err: err}
	}
	minor, ok := MinorUnits(currency)
	if !ok {
		return fail(ErrUnknownCurrency)
	}
	sign := d.Sign()
	if positive && sign <= 0 {
		return fail(ErrNotPositive)
	}
	if sign == 0 {
		return decimal.New(0, -minor), nil
	}
	switch _, err := iso4217.ToUnits(d, minor); {
	case errors.Is(err, iso4217.ErrTooLarge):
		return fail(ErrTooLarge)
	case err != nil:
		return fail(ErrTooPrecise)
	}
	if d.Exponent() == -minor {
		return d, nil // already canonical: the common case, without allocating
	}
	return d.Round(minor), nil
}

// String formats m as "12.50 USD", with the currency's decimal places.
func (m Money) String() string {
	return formatAmount(m.Amount, m.Currency) + " " + m.Currency
}

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Amount.IsZero() }

// Add returns m+o. Different currencies are ErrCurrencyMismatch.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, mismatch(m.Currency, o.Currency)
	}
	return Money{Amount: m.Amount.Add(o.Amount), Currency: m.Currency}, nil
}

// Sub returns m-o. Different currencies are ErrCurrencyMismatch.
func (m Money) Sub(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, mismatch(m.Currency, o.Currency)
	}
	return Money{Amount: m.Amount.Sub(o.Amount), Currency: m.Currency}, nil
}

// Cmp compares m and o: -1, 0 or +1. Different currencies are
// ErrCurrencyMismatch.
func (m Money) Cmp(o Money) (int, error) {
	if m.Currency != o.Currency {
		return 0, mismatch(m.Currency, o.Currency)
	}
	return m.Amount.Cmp(o.Amount), nil
}

func mismatch(a, b string) error {
	return &FieldError{Path: "currency", Reason: fmt.Sprintf("%s and %s", clipCurrency(a), clipCurrency(b)), Err: ErrCurrencyMismatch}
}

type moneyJSON struct {
	Amount   json.RawMessage `json:"amount"`
	Currency string          `json:"currency"`
}

// MarshalJSON encodes m as {"amount":"12.50","currency":"USD"}: the amount is
// a string with the currency's decimal places, so no JSON reader turns it
// into a float.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	}{formatAmount(m.Amount, m.Currency), m.Currency})
}

// UnmarshalJSON decodes {"amount":"12.50","currency":"USD"}. The amount may
// be a JSON string or number; either way it goes through ParseMoney's rules.
// Unknown fields are rejected.
func (m *Money) UnmarshalJSON(b []byte) error {
	var w moneyJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return &FieldError{Path: "money", Reason: "not a money object: " + jsonReason(err)}
	}
	text, err := amountText(w.Amount)
	if err != nil {
		return &FieldError{Path: "amount", Reason: err.Error()}
	}
	v, err := ParseMoney(text, w.Currency)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// amountText returns the text of a JSON amount: a string's contents or a
// number's literal.
func amountText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", fmt.Errorf("missing")
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("not a string")
		}
		return s, nil
	}
	if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
		return string(raw), nil
	}
	return "", fmt.Errorf("not a number or string")
}

// formatAmount renders d with the currency's decimal places, or as is for
// an unknown currency.
func formatAmount(d decimal.Decimal, currency string) string {
	if minor, ok := MinorUnits(currency); ok {
		return d.StringFixed(minor)
	}
	return d.String()
}

// clip makes outside text fit an error message: at most 64 bytes, then
// "…", with control characters, invalid UTF-8 and other non-graphic runes
// shown as "?".
func clip(s string) string {
	const n = 64
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsGraphic(r) {
			r = '?'
		}
		if b.Len()+utf8.RuneLen(r) > n {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// clipDecimal renders d for an error message without expanding huge
// exponents.
func clipDecimal(d decimal.Decimal) string {
	e := d.Exponent()
	if e > 64 || e < -64 {
		return clip(d.Coefficient().String()) + fmt.Sprintf("e%d", e)
	}
	return clip(d.String())
}

// clipCurrency shows a currency code in a message: codes are short; anything
// else is clipped.
func clipCurrency(c string) string {
	if len(c) > 8 {
		return clip(c[:8])
	}
	return clip(c)
}

// jsonReason gives a JSON decoding error's gist without echoing the input.
func jsonReason(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("syntax error at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return fmt.Sprintf("%s: wrong type %s, want %s", e.Field, e.Value, e.Type)
		}
		return fmt.Sprintf("wrong type %s, want %s", e.Value, e.Type)
	}
	s := err.Error()
	if strings.HasPrefix(s, "json: unknown field ") {
		return "unknown field " + clip(strings.TrimPrefix(s, "json: unknown field "))
	}
	return "malformed JSON"
}
