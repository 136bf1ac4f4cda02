// Package storebench measures implementations of postpurchase.Store the
// same way, so the reference stores' figures compare with MemoryStore's in
// one run.
package storebench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/internal/benchcpu"
)

// Commit measures the Engine's commit: each op commits the next version of
// one of 64 orders (two shipments, tracking state of about 1 KB) with one
// journal entry and one effect, as one tracking update does. It reports
// ops/s and the p50 and p99 latency in µs of the commits, and the
// process CPU time per op.
func Commit(b *testing.B, s postpurchase.Store) { commit(b, s, false) }

// CommitCredit measures the Engine's commit of a credit decision: as
// Commit, but the effect is a credit for the order's customer, decided on
// the customer's and the brand's budget read just before (the reads are
// not timed; the commit checks and bumps both budget versions).
func CommitCredit(b *testing.B, s postpurchase.Store) { commit(b, s, true) }

func commit(b *testing.B, s postpurchase.Store, credit bool) {
	ctx := context.Background()
	run := fmt.Sprintf("bench-%d-", time.Now().UnixNano())
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tracking, _ := json.Marshal(map[string]any{"events": slices.Repeat([]map[string]string{{"code": "IT", "text": "In transit, departed facility"}}, 16)})
	const orders = 64
	recs := make([]*postpurchase.OrderRecord, orders)
	for i := range recs {
		id := run + fmt.Sprint(i)
		o := postpurchase.Order{ID: id, CustomerID: "cust-" + id, PlacedAt: base, Currency: "USD", Total: decimal.RequireFromString("80.00")}
		rec := &postpurchase.OrderRecord{Version: 1}
		for j := range 2 {
			sid := fmt.Sprintf("%s-s%d", id, j)
			o.Shipments = append(o.Shipments, postpurchase.Shipment{ID: sid, Carrier: "ups", TrackingNumber: "1Z" + sid})
			rec.Shipments = append(rec.Shipments, postpurchase.ShipmentState{ID: sid, Carrier: "ups", TrackingNumber: "1Z" + sid,
				Tracking: tracking, NextCheck: base.Add(time.Hour)})
		}
		rec.Order = o
		if err := s.Commit(ctx, &postpurchase.Commit{Order: rec}); err != nil {
			b.Fatal(err)
		}
		recs[i] = rec
	}
	var ls []time.Duration
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	i := 0
	for b.Loop() {
		// The next version is a new record: a store may keep what Commit
		// was given (Store.Commit).
		next := *recs[i%orders]
		next.Shipments = slices.Clone(next.Shipments)
		rec := &next
		recs[i%orders] = rec
		rec.Version++
		rec.JournalSeq++
		rec.Shipments[0].NextCheck = base.Add(time.Duration(i) * time.Minute)
		id := rec.Order.ID
		c := &postpurchase.Commit{Order: rec,
			Journal: []postpurchase.JournalEntry{{OrderID: id, Seq: rec.JournalSeq, At: base, Kind: postpurchase.JournalMilestone, Text: "in transit"}},
			Effects: []postpurchase.Effect{{ID: fmt.Sprintf("%s/m%d", id, i), OrderID: id, CustomerID: rec.Order.CustomerID,
				Kind: postpurchase.EffectMessage, At: base, Message: &postpurchase.Message{ID: fmt.Sprintf("%s/m%d", id, i), Kind: postpurchase.MessageMilestone, At: base, OrderID: id}}},
		}
		if credit {
			cust := rec.Order.CustomerID
			key := fmt.Sprintf("%s/c%d", id, i)
			c.Effects[0] = postpurchase.Effect{ID: key, OrderID: id, CustomerID: cust, Kind: postpurchase.EffectCredit, At: base,
				Credit: &postpurchase.Credit{Key: key, CustomerID: cust, Amount: decimal.RequireFromString("1.50"), Currency: "USD", OrderID: id, At: base}}
			for _, who := range []string{cust, ""} {
				r, err := s.CreditTotal(ctx, who, base.AddDate(0, 0, -90))
				if err != nil {
					b.Fatal(err)
				}
				c.Budgets = append(c.Budgets, r)
			}
		}
		start := time.Now()
		err := s.Commit(ctx, c)
		ls = append(ls, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	benchcpu.Latencies(b, ls)
}

// CommitCreditParallel measures credit commits racing: GOMAXPROCS×4
// writers, each committing credits for its own orders and customers,
// every credit decided on the customer's and the brand's budget read just
// before its commit. They contend on the brand's budget version: a commit
// refused because another credit moved it (ErrConflict) reads again and
// retries, as the Engine does. It reports ops/s, the p50 and p99 latency
// in µs of a credit committed (retries included), and the refused commits
// per committed credit ("conflicts/op"); ops/s counts all writers
// together.
func CommitCreditParallel(b *testing.B, s postpurchase.Store) {
	ctx := context.Background()
	run := fmt.Sprintf("benchp-%d-", time.Now().UnixNano())
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tracking, _ := json.Marshal(map[string]any{"events": slices.Repeat([]map[string]string{{"code": "IT", "text": "In transit, departed facility"}}, 16)})
	var mu sync.Mutex
	var ls []time.Duration
	var conflicts, writers atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(4)
	defer benchcpu.Start(b)()
	began := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		w := writers.Add(1)
		var mine []time.Duration
		for i := 0; pb.Next(); i++ {
			id := fmt.Sprintf("%sw%d-%d", run, w, i)
			cust := "cust-" + id
			sid := id + "-s0"
			rec := &postpurchase.OrderRecord{Version: 1, Order: postpurchase.Order{ID: id, CustomerID: cust, PlacedAt: base, Currency: "USD",
				Total: decimal.RequireFromString("80.00"), Shipments: []postpurchase.Shipment{{ID: sid, Carrier: "ups", TrackingNumber: "1Z" + sid}}},
				Shipments: []postpurchase.ShipmentState{{ID: sid, Carrier: "ups", TrackingNumber: "1Z" + sid, Tracking: tracking}}}
			key := id + "/c"
			start := time.Now()
			for {
				c := &postpurchase.Commit{Order: rec, Effects: []postpurchase.Effect{{ID: key, OrderID: id, CustomerID: cust, Kind: postpurchase.EffectCredit, At: base,
					Credit: &postpurchase.Credit{Key: key, CustomerID: cust, Amount: decimal.RequireFromString("1.50"), Currency: "USD", OrderID: id, At: base}}}}
				for _, who := range []string{cust, ""} {
					r, err := s.CreditTotal(ctx, who, base.AddDate(0, 0, -1))
					if err != nil {
						b.Error(err)
						return
					}
					c.Budgets = append(c.Budgets, r)
				}
				err := s.Commit(ctx, c)
				if err == nil {
					break
				}
				if !errors.Is(err, postpurchase.ErrConflict) {
					b.Error(err)
					return
				}
				conflicts.Add(1)
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		ls = append(ls, mine...)
		mu.Unlock()
	})
	wall := time.Since(began)
	b.ReportMetric(float64(conflicts.Load())/float64(max(1, len(ls))), "conflicts/op")
	benchcpu.Latencies(b, ls)
	b.ReportMetric(float64(len(ls))/wall.Seconds(), "ops/s") // all writers together
}
