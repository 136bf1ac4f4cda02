package budgetrace_test

import (
	"fmt"
	"log"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
	"github.com/postpurchase/postpurchase/internal/budgetrace"
)

// Two Engines decide two orders of one customer at the same instant, both
// reading the budget before either commits: the second commit is refused,
// decided again, and gets what fits the customer's $75.
func ExampleRun() {
	ms, err := memstore.New(memstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ledger, err := cashback.New(ms, cashback.Options{})
	if err != nil {
		log.Fatal(err)
	}
	c := budgetrace.Cases()[0]
	res, err := budgetrace.Run(postpurchase.NewMemoryStore(), ledger, c, budgetrace.Options{Gated: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Name+":", res.Credit.StringFixed(2), "of", c.Limit.StringFixed(2))
	// Output:
	// one customer, two orders: 75.00 of 75.00
}
