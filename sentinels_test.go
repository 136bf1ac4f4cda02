package postpurchase_test

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/accommodation"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/scoring"
)

// TestOneTooPrecise keeps "an amount more precise than its currency
// allows" one sentinel under one name: an error from any package matches
// every package's ErrTooPrecise.
func TestOneTooPrecise(t *testing.T) {
	_, cbErr := cashback.NewMoney(decimal.RequireFromString("1.005"), "USD")
	_, accErr := accommodation.Parse([]byte(`{"version": "1", "currency": "USD", "budgets": {"per_order": "1.005"}, "rules": []}`))
	for _, c := range []struct {
		from string
		err  error
	}{{"cashback", cbErr}, {"accommodation", accErr}} {
		for name, target := range map[string]error{
			"cashback":      cashback.ErrTooPrecise,
			"accommodation": accommodation.ErrTooPrecise,
			"scoring":       scoring.ErrTooPrecise,
		} {
			if !errors.Is(c.err, target) {
				t.Errorf("%s error %v does not match %s.ErrTooPrecise", c.from, c.err, name)
			}
		}
	}
}

// TestOneMoneyRule: the other conditions of the module's one money rule
// (internal/iso4217) have one sentinel each too, whichever package
// re-exports it.
func TestOneMoneyRule(t *testing.T) {
	for _, c := range []struct {
		name     string
		cashback error
		scoring  error
	}{
		{"ErrTooLarge", cashback.ErrTooLarge, scoring.ErrTooLarge},
		{"ErrUnknownCurrency", cashback.ErrUnknownCurrency, scoring.ErrUnknownCurrency},
	} {
		if c.cashback != c.scoring {
			t.Errorf("cashback.%s and scoring.%s are different values", c.name, c.name)
		}
	}
	_, err := cashback.NewMoney(decimal.New(1, 20), "USD")
	if !errors.Is(err, scoring.ErrTooLarge) {
		t.Errorf("cashback: 10^20 USD = %v, does not match scoring.ErrTooLarge", err)
	}
}

// TestCaseErrorsMatchTheirSentinel: WindowError and CaseExistsError match
// their sentinel whether or not Err is set (hosts' fakes build them bare),
// and unwrap to Err.
func TestCaseErrorsMatchTheirSentinel(t *testing.T) {
	cause := errors.New("cause")
	for _, c := range []struct {
		bare, withErr, sentinel error
	}{
		{&postpurchase.WindowError{}, &postpurchase.WindowError{Err: cause}, postpurchase.ErrOutsideWindow},
		{&postpurchase.CaseExistsError{}, &postpurchase.CaseExistsError{Err: cause}, postpurchase.ErrCaseExists},
	} {
		if !errors.Is(c.bare, c.sentinel) || !errors.Is(c.withErr, c.sentinel) {
			t.Errorf("%T does not match %v", c.bare, c.sentinel)
		}
		if errors.Unwrap(c.withErr) != cause {
			t.Errorf("%T: Unwrap = %v, want Err", c.withErr, errors.Unwrap(c.withErr))
		}
	}
}
