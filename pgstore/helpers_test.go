package pgstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func mustDec(t testing.TB, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func slicesSort(ls []time.Duration) { slices.Sort(ls) }
