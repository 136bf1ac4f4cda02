package cashback_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const day = 24 * time.Hour

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func usd(s string) cashback.Money { return cashback.Money{Amount: dec(s), Currency: "USD"} }

// newMem returns an empty memstore.
func newMem(t interface {
	Helper()
	Fatalf(format string, args ...any)
}) *memstore.Store {
	t.Helper()
	s, err := memstore.New(memstore.Options{})
	if err != nil {
		t.Fatalf("memstore.New: %v", err)
	}
	return s
}

func newLedger(t testing.TB, opts cashback.Options) (*cashback.Ledger, *memstore.Store) {
	t.Helper()
	s := newMem(t)
	l, err := cashback.New(s, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return l, s
}

// storeAll reads the account's whole history from s, two entries a page.
func storeAll(ctx context.Context, s cashback.Store, acct cashback.Account) ([]cashback.Entry, error) {
	var out []cashback.Entry
	for {
		page, err := s.Entries(ctx, acct, cashback.EntryPage{After: int64(len(out)), Limit: 2})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < 2 {
			return out, nil
		}
	}
}

// sameEntry reports how two entries differ ("" if they do not), comparing
// decimals and times by value.
func sameEntry(a, b cashback.Entry) string {
	switch {
	case a.Account != b.Account:
		return "account"
	case a.Seq != b.Seq:
		return fmt.Sprintf("seq %d vs %d", a.Seq, b.Seq)
	case a.Kind != b.Kind:
		return fmt.Sprintf("kind %s vs %s", a.Kind, b.Kind)
	case !a.Amount.Equal(b.Amount):
		return fmt.Sprintf("amount %s vs %s", a.Amount, b.Amount)
	case !a.At.Equal(b.At), !a.AvailableAt.Equal(b.AvailableAt), !a.ExpiresAt.Equal(b.ExpiresAt):
		return "times"
	case a.Key != b.Key, a.Fingerprint != b.Fingerprint, a.Reason != b.Reason, a.OrderID != b.OrderID, a.DelayID != b.DelayID:
		return "text fields"
	case a.Target != b.Target:
		return "target"
	case len(a.Allocations) != len(b.Allocations):
		return "allocations"
	}
	for i := range a.Allocations {
		if a.Allocations[i].Lot != b.Allocations[i].Lot || !a.Allocations[i].Amount.Equal(b.Allocations[i].Amount) {
			return fmt.Sprintf("allocations[%d]", i)
		}
	}
	return ""
}

func sameBalance(a, b cashback.Balance) bool {
	return a.Account == b.Account && a.At.Equal(b.At) && a.Version == b.Version &&
		a.Available.Equal(b.Available) && a.Pending.Equal(b.Pending) && a.Held.Equal(b.Held) && a.Lapsed.Equal(b.Lapsed) &&
		a.ExpiringSoon.Equal(b.ExpiringSoon) && a.NextExpiry.Equal(b.NextExpiry) &&
		a.LifetimeEarned.Equal(b.LifetimeEarned) && a.Redeemed.Equal(b.Redeemed) &&
		a.Expired.Equal(b.Expired) && a.Reversed.Equal(b.Reversed)
}
