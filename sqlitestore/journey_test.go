package sqlitestore_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/cashbacktest"
	"github.com/postpurchase/postpurchase/cashback/memstore"
	"github.com/postpurchase/postpurchase/internal/journeytest"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// TestJourney runs the Engine's journey on one SQLite file (its store and
// its ledger) and on the in-memory defaults: the same story, message for
// message; after closing and reopening the file, the orders and the
// balance are still there.
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

		path := filepath.Join(t.TempDir(), "journey.db")
		s := migrated(t, path, sqlitestore.Options{})
		got, err := journeytest.Run(s, ledger(t, s), onDelivery)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("on delivery %v: the journey on SQLite differs from the in-memory one:\n%s\n--- in memory:\n%s",
				onDelivery, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		s.Close()

		s = openStore(t, path, sqlitestore.Options{})
		rec, err := s.LoadOrder(context.Background(), "#1000")
		if err != nil || rec.Version < 2 {
			t.Fatalf("after reopening: order version %v, %v", rec, err)
		}
		es, err := cashbacktest.Entries(context.Background(), ledger(t, s), cashback.Account{CustomerID: "cust-42", Currency: "USD"})
		if err != nil || len(es) == 0 {
			t.Fatalf("after reopening: %d ledger entries, %v", len(es), err)
		}
		if err := ledger(t, s).Check(context.Background(), cashback.Account{CustomerID: "cust-42", Currency: "USD"}); err != nil {
			t.Errorf("Check after the journey: %v", err)
		}
		t.Logf("on delivery %v: %d lines, %d ledger entries\n%s", onDelivery, len(got), len(es), strings.Join(got, "\n"))
	}
}
