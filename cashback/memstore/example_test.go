package memstore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
)

func ExampleNew() {
	ctx := context.Background()
	store, err := memstore.New(memstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ledger, err := cashback.New(store, cashback.Options{})
	if err != nil {
		log.Fatal(err)
	}
	acct := cashback.Account{CustomerID: "cus_1", Currency: "GBP"}
	amount, _ := cashback.ParseMoney("5.00", "GBP")
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if _, err := ledger.Issue(ctx, now, cashback.IssueRequest{Account: acct, Amount: amount, Key: "delay:dl_1"}); err != nil {
		log.Fatal(err)
	}
	// The Ledger reads the store a page at a time.
	for e, err := range ledger.Entries(ctx, acct) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Seq, e.Kind, e.Amount.StringFixed(2), e.At.Format(time.RFC3339))
	}
	// Output:
	// 1 issue 5.00 2026-03-02T09:00:00Z
}
