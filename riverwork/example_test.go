package riverwork_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

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

// A host that runs its own River client adds the Engine's workers and
// periodic jobs to it. (No output is checked: it needs a server.)
func ExampleRunner_AddWorkers() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	run, err := riverwork.New(engineOn(ctx, pool), pool, riverwork.Options{})
	if err != nil {
		log.Fatal(err)
	}
	workers := river.NewWorkers()
	// river.AddWorker(workers, hostWorker{}) ... the host's own jobs
	if err := run.AddWorkers(workers); err != nil {
		log.Fatal(err)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}},
		Workers:      workers,
		PeriodicJobs: run.PeriodicJobs(),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer client.Stop(ctx) //nolint:errcheck // the example's end
}

// engineOn returns an Engine whose store inserts the effect jobs in its
// commits, as in Example.
func engineOn(ctx context.Context, pool *pgxpool.Pool) *postpurchase.Engine {
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
	if err := riverwork.Migrate(ctx, pool, ""); err != nil {
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
	return eng
}
