package pgstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/cashback"
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

// entries collects l.Entries.
func entries(ctx context.Context, l *cashback.Ledger, acct cashback.Account) ([]cashback.Entry, error) {
	var out []cashback.Entry
	for e, err := range l.Entries(ctx, acct) {
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
