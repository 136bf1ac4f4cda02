package pgstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
	"github.com/postpurchase/postpurchase/internal/journeytest"
)

// TestJourney runs the Engine's journey on PostgreSQL (its store and its
// ledger in one schema) and on the in-memory defaults: the same story,
// message for message, and a ledger whose balance rows agree with its
// entries.
func TestJourney(t *testing.T) {
	t.Parallel()
	for _, onDelivery := range []bool{false, true} {
		mem, err := memstore.New(memstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		memLedger, err := cashback.New(mem, cashback.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want, err := journeytest.Run(postpurchase.NewMemoryStore(), memLedger, onDelivery)
		if err != nil {
			t.Fatal(err)
		}

		s := newStore(t, newTestDB(t))
		l, err := cashback.New(s.Cashback(), cashback.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := journeytest.Run(s, l, onDelivery)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("on delivery %v: the journey on PostgreSQL differs from the in-memory one:\n%s\n--- in memory:\n%s",
				onDelivery, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if err := l.Check(context.Background(), cashback.Account{CustomerID: "cust-42", Currency: "USD"}); err != nil {
			t.Errorf("Check after the journey: %v", err)
		}
	}
}
