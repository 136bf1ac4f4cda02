package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/cashback/cashbacktest"
	"github.com/postpurchase/postpurchase/cashback/memstore"
	"github.com/postpurchase/postpurchase/internal/storebench"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// BenchmarkLedger: the ledger's Issue and Redeem on an SQLite file, with
// memstore measured in the same run as the baseline.
//
//	go test -run='^$' -bench=Ledger -benchtime=2s ./sqlitestore
func BenchmarkLedger(b *testing.B) {
	mem, err := memstore.New(memstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("memstore", func(b *testing.B) { cashbacktest.RunBenchmarks(b, mem) })
	s := migrated(b, filepath.Join(b.TempDir(), "bench.db"), sqlitestore.Options{})
	b.Run("sqlitestore", func(b *testing.B) { cashbacktest.RunBenchmarks(b, s.Cashback()) })
}

// BenchmarkCommit: the Engine's Commit on an SQLite file, with MemoryStore
// in the same run as the baseline; "credit" commits a credit decided on
// budget reads (checking and bumping the budget versions), "parallel"
// by racing writers that contend on the brand's budget version.
//
//	go test -run='^$' -bench=Commit -benchtime=2s ./sqlitestore
func BenchmarkCommit(b *testing.B) {
	b.Run("memory", func(b *testing.B) { storebench.Commit(b, postpurchase.NewMemoryStore()) })
	b.Run("memory-credit", func(b *testing.B) { storebench.CommitCredit(b, postpurchase.NewMemoryStore()) })
	s := migrated(b, filepath.Join(b.TempDir(), "commit.db"), sqlitestore.Options{})
	b.Run("sqlitestore", func(b *testing.B) { storebench.Commit(b, s) })
	b.Run("sqlitestore-credit", func(b *testing.B) { storebench.CommitCredit(b, s) })
	b.Run("sqlitestore-credit-parallel", func(b *testing.B) { storebench.CommitCreditParallel(b, s) })
}
