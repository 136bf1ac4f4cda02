package journeytest_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
	"github.com/postpurchase/postpurchase/internal/journeytest"
)

// The journey on the in-memory defaults: its story ends with the claim.
func ExampleRun() {
	mem, err := memstore.New(memstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ledger, err := cashback.New(mem, cashback.Options{})
	if err != nil {
		log.Fatal(err)
	}
	lines, err := journeytest.Run(postpurchase.NewMemoryStore(), ledger, true)
	if err != nil {
		log.Fatal(err)
	}
	last := lines[len(lines)-1]
	fmt.Println(len(lines) > 10, strings.HasPrefix(last, "claim: "))
	// Output:
	// true true
}
