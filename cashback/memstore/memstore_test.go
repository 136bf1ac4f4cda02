package memstore_test

import (
	"context"
	"testing"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/cashbacktest"
	"github.com/postpurchase/postpurchase/cashback/memstore"
)

type harness struct{}

func (harness) MakeStore(context.Context) (cashback.Store, error) {
	return memstore.New(memstore.Options{})
}
func (harness) Close() {}

func TestConformance(t *testing.T) {
	cashbacktest.RunConformanceTests(t, func(context.Context, *testing.T) (cashbacktest.Harness, error) {
		return harness{}, nil
	})
}

// TestSharedStore runs the suite against one store shared by every test, as
// a host's database would be: the suite's account names keep tests apart.
func TestSharedStore(t *testing.T) {
	s, err := memstore.New(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cashbacktest.RunConformanceTests(t, func(context.Context, *testing.T) (cashbacktest.Harness, error) {
		return sharedHarness{s}, nil
	})
}

type sharedHarness struct{ s *memstore.Store }

func (h sharedHarness) MakeStore(context.Context) (cashback.Store, error) { return h.s, nil }
func (sharedHarness) Close()                                              {}
