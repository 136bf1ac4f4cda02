package postpurchasetest_test

import (
	"context"
	"testing"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/postpurchasetest"
)

type harness struct{}

func (harness) MakeStore(context.Context) (postpurchase.Store, error) {
	return postpurchase.NewMemoryStore(), nil
}
func (harness) Close() {}

// A Store implementation's test runs the whole suite with one call; here
// the in-memory store (a SQL store's harness opens its database, or a
// schema per test, and drops it in Close).
func ExampleRunConformanceTests() {
	// In a _test.go file of the store's package:
	//
	//	func TestConformance(t *testing.T) {
	//		postpurchasetest.RunConformanceTests(t, newHarness)
	//	}
	_ = func(t *testing.T) {
		postpurchasetest.RunConformanceTests(t, func(context.Context, *testing.T) (postpurchasetest.Harness, error) {
			return harness{}, nil
		})
	}
	// Output:
}
