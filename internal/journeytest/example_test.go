package journeytest_test

import (
	"fmt"
	"log"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
	"github.com/postpurchase/postpurchase/internal/journeytest"
)

// The journey on the in-memory defaults: the last lines of its story.
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
	for _, l := range lines[len(lines)-2:] {
		fmt.Println(l)
	}
	// Output:
	// page: Held up: lost | cashback 27.00 available, 36.00 pending
	// claim: resolved - a replacement is already on its way
}
