package riverwork_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/riverwork"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// The embedded default: the store's tables and River's in one SQLite
// file, the outbox in the store's commits, the Runner on the store's own
// connections. A delivered shipment's messages are sent by River jobs.
func ExampleNewSQLite() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "riverwork-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ob, err := riverwork.NewSQLiteOutbox(riverwork.Options{})
	if err != nil {
		log.Fatal(err)
	}
	store, err := sqlitestore.Open(filepath.Join(dir, "state.db"), sqlitestore.Options{MaxOpenConns: 1, AfterCommitTx: ob.AfterCommitTx})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil { // the store's tables
		log.Fatal(err)
	}
	if err := riverwork.MigrateSQLite(ctx, store.DB()); err != nil { // River's
		log.Fatal(err)
	}
	placed := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	sim, err := simulator.New(simulator.Options{Seed: 1, Now: func() time.Time { return placed.AddDate(0, 0, 30) }})
	if err != nil {
		log.Fatal(err)
	}
	note := new(postpurchase.MemoryNotifier)
	eng, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{sim}, Store: store, Notifier: note,
		Customers: postpurchase.CustomerMap{"c1": {Contact: postpurchase.Contact{CustomerID: "c1", Email: "ada@example.com"}}}})
	if err != nil {
		log.Fatal(err)
	}
	run, err := riverwork.NewSQLite(eng, store.DB(), riverwork.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := run.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer run.Stop(ctx) //nolint:errcheck // the example's end

	// An order, and its carrier's scans (as a webhook would push them).
	number, err := sim.Ship(simulator.Plan{LabelCreatedAt: placed})
	if err != nil {
		log.Fatal(err)
	}
	err = eng.Register(ctx, placed, postpurchase.Order{ID: "o1", CustomerID: "c1", PlacedAt: placed, Currency: "USD",
		Total: decimal.New(50, 0), Shipments: []postpurchase.Shipment{{ID: "s1", Carrier: simulator.Code, TrackingNumber: number, LabelCreatedAt: placed}}})
	if err != nil {
		log.Fatal(err)
	}
	scans, _ := sim.Script(number)
	last := scans[len(scans)-1].Time
	if err := eng.Ingest(ctx, last, &carriers.Tracking{Carrier: simulator.Code, TrackingNumber: number, Events: scans}); err != nil {
		log.Fatal(err)
	}

	// The commit queued one job per effect; River carries them out.
	for end := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		recs, err := store.Effects(ctx, "o1")
		if err != nil {
			log.Fatal(err)
		}
		done := 0
		for _, r := range recs {
			if r.State == postpurchase.EffectDone {
				done++
			}
		}
		if done == len(recs) || time.Now().After(end) {
			fmt.Printf("%d of %d effects done\n", done, len(recs))
			break
		}
	}
	var sent []string
	for _, m := range note.Messages() {
		sent = append(sent, fmt.Sprintf("%s %s (%s) to %s", m.Kind, m.Milestone, m.Status, m.Customer.Email))
	}
	slices.Sort(sent) // the jobs run concurrently
	for _, m := range sent {
		fmt.Println(m)
	}
	// Output:
	// 2 of 2 effects done
	// milestone delivered (delivered) to ada@example.com
	// milestone out_for_delivery (delivered) to ada@example.com
}
