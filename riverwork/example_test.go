package riverwork_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/pgstore"
	"github.com/postpurchase/postpurchase/riverwork"
)

// A host wires the outbox into the store, builds the Engine on it, and
// runs its work as River jobs; every process of the host does the same.
// (No output is checked: it needs a server.)
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	ob, err := riverwork.NewOutbox(riverwork.Options{})
	if err != nil {
		log.Fatal(err)
	}
	store, err := pgstore.New(pool, pgstore.Options{AfterCommitTx: ob.AfterCommitTx})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	sim, err := simulator.New(simulator.Options{})
	if err != nil {
		log.Fatal(err)
	}
	eng, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{sim}, Store: store})
	if err != nil {
		log.Fatal(err)
	}
	run, err := riverwork.New(eng, pool, riverwork.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := run.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	if err := run.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer run.Stop(ctx) //nolint:errcheck // the example's end
	// ... eng.Register, eng.Ingest (webhooks); River does the rest.
}
