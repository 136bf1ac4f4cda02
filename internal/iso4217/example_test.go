package iso4217_test

import (
	"errors"
	"fmt"

	"github.com/postpurchase/postpurchase/internal/iso4217"
	"github.com/shopspring/decimal"
)

func ExampleMinorUnits() {
	for _, c := range []string{"USD", "JPY", "KWD", "XAU"} {
		n, ok := iso4217.MinorUnits(c)
		fmt.Println(c, n, ok)
	}
	// Output:
	// USD 2 true
	// JPY 0 true
	// KWD 3 true
	// XAU 0 false
}

func ExampleCheckAmount() {
	for _, a := range []struct{ amount, currency string }{
		{"12.50", "USD"},
		{"12.505", "USD"},
		{"20000000000000", "USD"},
		{"12.50", "HRK"}, // withdrawn, but recorded money stays readable
		{"12.50", "XAU"},
	} {
		err := iso4217.CheckAmount(decimal.RequireFromString(a.amount), a.currency)
		fmt.Println(a.amount, a.currency, err == nil, errors.Is(err, iso4217.ErrTooPrecise), errors.Is(err, iso4217.ErrTooLarge))
	}
	// Output:
	// 12.50 USD true false false
	// 12.505 USD false true false
	// 20000000000000 USD false false true
	// 12.50 HRK true false false
	// 12.50 XAU false false false
}

func ExampleActive() {
	for _, c := range []string{"EUR", "HRK", "XCG", "ANG"} {
		fmt.Println(c, iso4217.Valid(c), iso4217.Active(c), iso4217.CheckCurrency(c))
	}
	// Output:
	// EUR true true <nil>
	// HRK true false iso4217: HRK: withdrawn currency
	// XCG true true <nil>
	// ANG true false iso4217: ANG: withdrawn currency
}
