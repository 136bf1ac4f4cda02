package postpurchase_test

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

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
