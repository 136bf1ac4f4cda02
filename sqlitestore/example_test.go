package sqlitestore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// The ledger's state survives closing and reopening the file.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlitestore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "postpurchase.db")
	acct := cashback.Account{CustomerID: "cus_42", Currency: "EUR"}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	store, err := sqlitestore.Open(path, sqlitestore.Options{})
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
	amount, _ := cashback.ParseMoney("7.50", "EUR")
	if _, err := ledger.Issue(ctx, now, cashback.IssueRequest{Account: acct, Amount: amount, Key: "delay:dl_1:cashback"}); err != nil {
		log.Fatal(err)
	}
	store.Close()

	// A restart: open the file again.
	store, err = sqlitestore.Open(path, sqlitestore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.CheckSchema(ctx); err != nil {
		log.Fatal(err)
	}
	ledger, err = cashback.New(store.Cashback(), cashback.Options{})
	if err != nil {
		log.Fatal(err)
	}
	b, err := ledger.Balance(ctx, now.Add(time.Hour), acct)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("available after a restart:", b.Money(b.Available))
	// Output:
	// available after a restart: 7.50 EUR
}
