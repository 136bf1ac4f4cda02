package storebench_test

import (
	"fmt"
	"testing"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/internal/storebench"
)

// A store's benchmark calls Commit; here it runs once through
// testing.Benchmark on the in-memory store.
func ExampleCommit() {
	r := testing.Benchmark(func(b *testing.B) { storebench.Commit(b, postpurchase.NewMemoryStore()) })
	_, ops := r.Extra["ops/s"]
	_, p99 := r.Extra["p99-µs"]
	fmt.Println(ops, p99)
	// Output:
	// true true
}
