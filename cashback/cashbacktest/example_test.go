package cashbacktest_test

import (
	"context"
	"fmt"
	"log"
	"testing"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/cashbacktest"
	"github.com/postpurchase/postpurchase/cashback/memstore"
)

// sqlHarness stands for a host's harness: MakeStore would open the host's
// store on a test database. Here it returns an in-memory store.
type sqlHarness struct{ opened int }

func (h *sqlHarness) MakeStore(context.Context) (cashback.Store, error) {
	h.opened++
	return memstore.New(memstore.Options{})
}

func (h *sqlHarness) Close() {}

// A host's test calls RunConformanceTests with a HarnessMaker:
//
//	func TestStoreConformance(t *testing.T) {
//		cashbacktest.RunConformanceTests(t, newHarness)
//	}
//
// The suite calls the maker, then MakeStore, once per test.
func ExampleHarnessMaker() {
	var newHarness cashbacktest.HarnessMaker = func(ctx context.Context, t *testing.T) (cashbacktest.Harness, error) {
		return &sqlHarness{}, nil
	}
	h, err := newHarness(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	store, err := h.MakeStore(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	entries, err := store.Entries(context.Background(), cashback.Account{CustomerID: "c", Currency: "USD"}, cashback.EntryPage{Limit: 10})
	fmt.Println(len(entries), err)
	// Output:
	// 0 <nil>
}
