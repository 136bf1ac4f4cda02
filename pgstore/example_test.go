package pgstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/pgstore"
)

// A host opens a pool, migrates at start-up and runs the ledger on it. (No
// output is checked: it needs a server.)
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := pgstore.New(pool, pgstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	ledger, err := cashback.New(store.Cashback(), cashback.Options{})
	if err != nil {
		log.Fatal(err)
	}
	acct := cashback.Account{CustomerID: "cus_42", Currency: "USD"}
	amount, _ := cashback.ParseMoney("10.00", "USD")
	now := time.Now()
	if _, err := ledger.Issue(ctx, now, cashback.IssueRequest{Account: acct, Amount: amount, Key: "delay:dl_7:cashback"}); err != nil {
		log.Fatal(err)
	}
	b, err := ledger.Balance(ctx, now, acct)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("available", b.Money(b.Available))
}
