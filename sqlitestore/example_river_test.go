package sqlitestore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/riverwork"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// River's jobs in the store's file: each commit inserts the jobs that
// carry out its effects in its own transaction (riverwork's outbox), so a
// commit that fails queues nothing. riverwork.NewSQLite then works them on
// store.DB() (see riverwork's ExampleNewSQLite).
func ExampleOptions_afterCommitTx() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlitestore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ob, err := riverwork.NewSQLiteOutbox(riverwork.Options{})
	if err != nil {
		log.Fatal(err)
	}
	store, err := sqlitestore.Open(filepath.Join(dir, "postpurchase.db"), sqlitestore.Options{MaxOpenConns: 1, AfterCommitTx: ob.AfterCommitTx})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	if err := riverwork.MigrateSQLite(ctx, store.DB()); err != nil {
		log.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	commit := func(version int64, effectID string) error {
		return store.Commit(ctx, &postpurchase.Commit{
			Order:   &postpurchase.OrderRecord{Order: postpurchase.Order{ID: "o1", CustomerID: "c1", PlacedAt: at, Currency: "USD"}, Version: version},
			Effects: []postpurchase.Effect{{ID: effectID, OrderID: "o1", Kind: postpurchase.EffectTask, At: at}},
		})
	}
	jobs := func() (n int) {
		if err := store.DB().QueryRow(`SELECT count(*) FROM river_job WHERE kind = ?`, riverwork.KindExecuteEffect).Scan(&n); err != nil {
			log.Fatal(err)
		}
		return n
	}
	fmt.Println("commit:", commit(1, "e1"), "- jobs:", jobs())
	err = commit(7, "e2") // not the next version: refused whole
	fmt.Println("stale commit refused:", err != nil, "- jobs:", jobs())
	// Output:
	// commit: <nil> - jobs: 1
	// stale commit refused: true - jobs: 1
}
