package postpurchase_test

import (
	"errors"
	"strings"
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

// TestAccommodationMoneyErrorsMatchTheModule: accommodation's money
// problems (in a policy and in facts) keep their own kind (ErrLimit,
// ErrCurrency) and match the module's one sentinel for the condition too,
// as cashback's and scoring's errors do; a problem that is not that
// condition does not.
func TestAccommodationMoneyErrorsMatchTheModule(t *testing.T) {
	pol, err := accommodation.Parse([]byte(`{"version": "1", "currency": "USD", "rules": []}`))
	if err != nil {
		t.Fatal(err)
	}
	evaluate := func(f accommodation.Facts) error {
		_, err := pol.Evaluate(f)
		return err
	}
	parse := func(doc string) error {
		_, err := accommodation.Parse([]byte(doc))
		return err
	}
	huge := decimal.New(1, 20)
	for _, c := range []struct {
		name      string
		err       error
		own, kind error   // own: the package's kind; kind: the module's sentinel (nil: none)
		not       []error // the module's sentinels it must not match
	}{
		{"facts: amount too large", evaluate(accommodation.Facts{Currency: "USD", OrderTotal: huge}),
			accommodation.ErrLimit, cashback.ErrTooLarge, []error{cashback.ErrUnknownCurrency}},
		{"facts: unknown currency", evaluate(accommodation.Facts{Currency: "XXZ"}),
			accommodation.ErrCurrency, cashback.ErrUnknownCurrency, []error{cashback.ErrTooLarge}},
		{"facts: missing currency", evaluate(accommodation.Facts{}),
			accommodation.ErrCurrency, cashback.ErrUnknownCurrency, nil},
		{"facts: another known currency", evaluate(accommodation.Facts{Currency: "EUR"}),
			accommodation.ErrCurrency, nil, []error{cashback.ErrUnknownCurrency, cashback.ErrWithdrawnCurrency}},
		{"policy: amount too large", parse(`{"version": "1", "currency": "USD", "budgets": {"per_order": "100000000000000000000"}, "rules": []}`),
			accommodation.ErrLimit, cashback.ErrTooLarge, nil},
		{"policy: unknown currency", parse(`{"version": "1", "currency": "XXZ", "rules": []}`),
			accommodation.ErrCurrency, cashback.ErrUnknownCurrency, []error{cashback.ErrWithdrawnCurrency}},
		{"policy: withdrawn currency", parse(`{"version": "1", "currency": "HRK", "rules": []}`),
			accommodation.ErrCurrency, cashback.ErrWithdrawnCurrency, []error{cashback.ErrUnknownCurrency}},
		{"policy: too many bytes", parse(`{"description": "` + strings.Repeat("x", accommodation.MaxPolicyBytes) + `"}`),
			accommodation.ErrLimit, nil, []error{cashback.ErrTooLarge}},
	} {
		if !errors.Is(c.err, c.own) {
			t.Errorf("%s: %v does not match its own kind %v", c.name, c.err, c.own)
		}
		if c.kind != nil && !errors.Is(c.err, c.kind) {
			t.Errorf("%s: %v does not match the module's %v", c.name, c.err, c.kind)
		}
		for _, n := range c.not {
			if errors.Is(c.err, n) {
				t.Errorf("%s: %v matches %v", c.name, c.err, n)
			}
		}
	}
	// The same values under scoring's names.
	if err := evaluate(accommodation.Facts{Currency: "USD", OrderTotal: huge}); !errors.Is(err, scoring.ErrTooLarge) {
		t.Errorf("facts: amount too large: %v does not match scoring.ErrTooLarge", err)
	}
	if err := evaluate(accommodation.Facts{Currency: "XXZ"}); !errors.Is(err, scoring.ErrUnknownCurrency) {
		t.Errorf("facts: unknown currency: %v does not match scoring.ErrUnknownCurrency", err)
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
