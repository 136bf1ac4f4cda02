package pgstore_test

import (
	"testing"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/cashback/cashbacktest"
	"github.com/postpurchase/postpurchase/cashback/memstore"
	"github.com/postpurchase/postpurchase/internal/storebench"
)

// BenchmarkLedger: the ledger's Issue and Redeem on PostgreSQL, with
// memstore measured in the same run as the baseline. Needs
// POSTPURCHASE_POSTGRES_TEST_URL.
//
//	go test -run='^$' -bench=Ledger -benchtime=2s ./pgstore
func BenchmarkLedger(b *testing.B) {
	mem, err := memstore.New(memstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("memstore", func(b *testing.B) { cashbacktest.RunBenchmarks(b, mem) })
	s := newStore(b, newTestDB(b))
	b.Run("pgstore", func(b *testing.B) { cashbacktest.RunBenchmarks(b, s.Cashback()) })
}

// BenchmarkCommit: the Engine's Commit on PostgreSQL, with MemoryStore in
// the same run as the baseline; "credit" commits a credit decided on
// budget reads (checking and bumping the budget versions), "parallel"
// by racing writers that contend on the brand's budget version. Needs
// POSTPURCHASE_POSTGRES_TEST_URL.
//
//	go test -run='^$' -bench=Commit -benchtime=2s ./pgstore
func BenchmarkCommit(b *testing.B) {
	b.Run("memory", func(b *testing.B) { storebench.Commit(b, postpurchase.NewMemoryStore()) })
	b.Run("memory-credit", func(b *testing.B) { storebench.CommitCredit(b, postpurchase.NewMemoryStore()) })
	s := newStore(b, newTestDB(b))
	b.Run("pgstore", func(b *testing.B) { storebench.Commit(b, s) })
	b.Run("pgstore-credit", func(b *testing.B) { storebench.CommitCredit(b, s) })
	b.Run("pgstore-credit-parallel", func(b *testing.B) { storebench.CommitCreditParallel(b, s) })
}
