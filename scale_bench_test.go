package postpurchase_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/internal/benchcpu"
)

// BenchmarkJourneyPush runs b.N shipments through the whole journey with
// their scans pushed as they happen (the webhook path), a Tick every two
// simulated hours, and reports scans/s, µs per shipment and the CPU time
// per shipment (cpu-ns/op: the machine is shared).
func BenchmarkJourneyPush(b *testing.B) {
	ctx := context.Background()
	now := placed
	sim, err := simulator.New(simulator.Options{Seed: 9, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	eng, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{sim}, Customers: scenarioCustomers(),
		Now: func() time.Time { return now }, CheckEvery: 24 * time.Hour, BatchSize: 5000, Pushed: []string{simulator.Code}})
	if err != nil {
		b.Fatal(err)
	}
	type scan struct {
		at     time.Time
		number string
		ev     carriers.Event
	}
	var scans []scan
	custs := []string{"c-vip", "c-loyal", "c-risky", "c-new"}
	troubles := simulator.Troubles()
	for i := range b.N {
		label := placed.Add(time.Duration(i%48) * time.Hour)
		tr := simulator.NoTrouble
		if i%5 == 0 {
			tr = troubles[i%len(troubles)]
		}
		number, err := sim.Ship(simulator.Plan{LabelCreatedAt: label, Trouble: tr})
		if err != nil {
			b.Fatal(err)
		}
		id := fmt.Sprint("#", i)
		err = eng.Register(ctx, label, postpurchase.Order{ID: id, CustomerID: custs[i%4], PlacedAt: label, Currency: "USD",
			Total: decimal.RequireFromString("80.00"),
			Shipments: []postpurchase.Shipment{{ID: "s" + id, Carrier: simulator.Code, TrackingNumber: number, LabelCreatedAt: label,
				PromisedBy: label.AddDate(0, 0, 6)}}})
		if err != nil {
			b.Fatal(err)
		}
		evs, _ := sim.Script(number)
		for _, e := range evs {
			scans = append(scans, scan{e.Time, number, e})
		}
	}
	slices.SortFunc(scans, func(a, b scan) int { return cmp.Compare(a.at.UnixNano(), b.at.UnixNano()) })
	b.ReportAllocs()
	b.ResetTimer()
	defer benchcpu.Start(b)()
	k := 0
	for now = placed; now.Before(placed.AddDate(0, 0, 20)); now = now.Add(2 * time.Hour) {
		for ; k < len(scans) && !scans[k].at.After(now); k++ {
			s := scans[k]
			if err := eng.Ingest(ctx, now, &carriers.Tracking{Carrier: simulator.Code, TrackingNumber: s.number, Events: []carriers.Event{s.ev}}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := eng.Tick(ctx, now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(scans))/b.Elapsed().Seconds(), "scans/s")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/shipment")
}
