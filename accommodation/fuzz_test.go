package accommodation

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// FuzzParse feeds arbitrary documents to the loader. It must never panic;
// every failure must be a *PolicyError whose problems carry a JSON path and
// a known kind; and a policy that loads must evaluate any valid facts
// without error, within its budgets.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/policies/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(DefaultJSON())
	f.Add([]byte(budgetPolicy))
	f.Add([]byte(`{"version":"1","currency":"USD","rules":[{"id":"a","when":[{"fact":"order_total","between":["1e2",1e3]}],"then":[{"action":"nothing"}]}]}`))
	kinds := []error{ErrSyntax, ErrUnknownField, ErrMissingField, ErrWrongType, ErrDuplicate, ErrUnknownFact,
		ErrBadComparison, ErrInvalidValue, ErrNegativeAmount, ErrPercentRange, ErrTooPrecise, ErrCurrency,
		ErrUnreachable, ErrLimit}
	probe := []Facts{
		{},
		{Tier: TierVIP, DelayKind: DelayLate, DaysLate: 3, OrderTotal: decimal.New(18000, -2), RiskScore: 5},
		{Tier: TierRisky, DelayKind: DelayLost, FirstOrder: true, RiskScore: 100, ValueScore: 100, Carrier: "UPS", DestinationCountry: "de"},
		{Tier: TierLoyal, DaysLate: 1 << 30, OrderCount: 7, OrderTotal: decimal.New(maxMinor, 0), CustomerCashback90Days: decimal.New(3, 0)},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data)
		if err != nil {
			var pe *PolicyError
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("error %T %v is not a non-empty *PolicyError", err, err)
			}
			for _, pr := range pe.Problems {
				if !strings.HasPrefix(pr.Path, "$") {
					t.Fatalf("problem without a JSON path: %v", pr)
				}
				known := false
				for _, k := range kinds {
					if pr.Err == k {
						known = true
					}
				}
				if !known {
					t.Fatalf("problem of unknown kind: %v", pr)
				}
				// Echoed input is clipped: a path has at most maxDepth
				// steps of a clipped (possibly escaped) name each, and a
				// reason echoes clipped values only.
				if len(pr.Path) > maxDepth*(4*64+16) || len(pr.Reason) > 1024 {
					t.Fatalf("problem text not clipped: path %d bytes, reason %d bytes: %.200s", len(pr.Path), len(pr.Reason), pr.Error())
				}
			}
			return
		}
		for _, f := range probe {
			f.Currency = p.Currency()
			// Amounts in minor units of the policy currency.
			f.OrderTotal = decimal.New(f.OrderTotal.CoefficientInt64(), -p.minor)
			f.CustomerCashback90Days = decimal.New(f.CustomerCashback90Days.CoefficientInt64(), -p.minor)
			d, err := p.Evaluate(f)
			if err != nil {
				t.Fatalf("loaded policy failed on valid facts %+v: %v", f, err)
			}
			if g := d.cashbackMinor(); g < 0 || (p.perCustomer >= 0 && g > max(0, p.perCustomer-f.CustomerCashback90Days.Shift(p.minor).IntPart())) {
				t.Fatalf("cashback %d breaks the customer budget %d", g, p.perCustomer)
			}
			_ = d.Trace()
			if _, err := d.MarshalJSON(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
