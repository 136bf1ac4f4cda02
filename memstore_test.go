package postpurchase_test

import (
	"context"
	"testing"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/postpurchasetest"
)

type memHarness struct{}

func (memHarness) MakeStore(context.Context) (postpurchase.Store, error) {
	return postpurchase.NewMemoryStore(), nil
}
func (memHarness) Close() {}

func TestMemoryStoreConformance(t *testing.T) {
	postpurchasetest.RunConformanceTests(t, func(context.Context, *testing.T) (postpurchasetest.Harness, error) {
		return memHarness{}, nil
	})
}
