package iso4217_test

import (
	"fmt"

	"github.com/postpurchase/postpurchase/internal/iso4217"
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
