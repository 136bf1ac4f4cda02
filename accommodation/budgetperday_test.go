package accommodation

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestBudgetPerDay: the per-day budget as the policy sets it, in its
// currency, and none when it sets none.
func TestBudgetPerDay(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want string // "" for none
	}{
		{`{"version": "1", "currency": "USD", "budgets": {"per_day": "2500.00"}, "rules": []}`, "2500"},
		{`{"version": "1", "currency": "VND", "budgets": {"per_day": "800000000000"}, "rules": []}`, "800000000000"},
		{`{"version": "1", "currency": "BHD", "budgets": {"per_day": "0.125"}, "rules": []}`, "0.125"},
		{`{"version": "1", "currency": "USD", "budgets": {"per_day": "0"}, "rules": []}`, "0"},
		{`{"version": "1", "currency": "USD", "budgets": {"per_order": "50"}, "rules": []}`, ""},
		{`{"version": "1", "currency": "USD", "rules": []}`, ""},
	} {
		p, err := Parse([]byte(tc.doc))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := p.BudgetPerDay()
		switch {
		case ok != (tc.want != ""):
			t.Errorf("%s: BudgetPerDay set = %v", tc.doc, ok)
		case ok && !got.Equal(decimal.RequireFromString(tc.want)):
			t.Errorf("%s: BudgetPerDay = %s, want %s", tc.doc, got, tc.want)
		}
	}
}
