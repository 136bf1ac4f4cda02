package tracking

import (
	"flag"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/internal/benchcpu"
)

var benchShipments = flag.Int("bench.shipments", 1_000_000, "in-flight shipments in BenchmarkCheckAll")

// twentyEvents is an in-transit shipment history of 20 scans over four
// days, promise Friday.
func twentyEvents() []carriers.Event {
	var evs []carriers.Event
	evs = append(evs, ev(mon, carriers.StatusInfoReceived, "LC", "Shipping label created"))
	for i := 1; i < 20; i++ {
		code, desc := "AR", "Arrived at facility"
		if i%2 == 0 {
			code, desc = "DP", "Departed facility"
		}
		e := ev(mon.Add(time.Duration(6*i)*time.Hour), carriers.StatusInTransit, code, desc)
		e.Location.City = []string{"Reno", "Salt Lake City", "Denver", "Chicago", "Indianapolis"}[i%5]
		evs = append(evs, e)
	}
	return evs
}

func benchShipment(b *testing.B, rules *Rules) *Shipment {
	s := NewShipment(rules)
	s.Carrier, s.TrackingNumber, s.Service, s.Origin, s.Destination = "ups", "1Z999AA10123456784", "Ground", "US-NV", "US-OH"
	s.PromisedBy = time.Date(2026, 3, 13, 23, 59, 59, 0, est)
	if _, err := s.Apply(twentyEvents()...); err != nil {
		b.Fatal(err)
	}
	if n := s.NumEvents(); n != 20 {
		b.Fatalf("%d events", n)
	}
	return s
}

// benchApply applies one new event to a 20-event shipment per iteration,
// restoring the 20-event state (a copy into the same backing arrays, so
// the restore allocates nothing) before each.
func benchApply(b *testing.B, rules *Rules, e carriers.Event) {
	s := benchShipment(b, rules)
	base := *s
	baseEvents := slices.Clone(s.events)
	baseMilestones := slices.Clone(s.milestones)
	s.events = slices.Grow(s.events, 1)
	b.ReportAllocs()
	b.ResetTimer()
	defer benchcpu.Start(b)()
	for b.Loop() {
		evs, ms := s.events[:20], s.milestones[:len(baseMilestones)]
		copy(evs, baseEvents)
		copy(ms, baseMilestones)
		*s = base
		s.events, s.milestones, s.delays = evs, ms, s.delays[:0]
		ch, err := s.Apply(e)
		if err != nil || ch.Added != 1 {
			b.Fatal(err, ch.Added)
		}
	}
}

// BenchmarkApply: one new (newest) scan applied to a shipment with 20
// events, running every detector.
func BenchmarkApply(b *testing.B) {
	next := ev(mon.Add(121*time.Hour), carriers.StatusInTransit, "AR", "Arrived at destination facility")
	b.Run("defaults", func(b *testing.B) { benchApply(b, nil, next) })
	r, _ := NewRules(Config{Model: benchModel(b)})
	b.Run("model", func(b *testing.B) { benchApply(b, r, next) })
	late := ev(mon.Add(61*time.Hour), carriers.StatusInTransit, "XX", "Late-arriving older scan")
	b.Run("out-of-order", func(b *testing.B) { benchApply(b, r, late) })
}

// BenchmarkBaselineRestore is the baseline for BenchmarkApply: the state
// restore that benchApply performs every iteration, alone (a 20-event
// copy), so it can be subtracted.
func BenchmarkBaselineRestore(b *testing.B) {
	s := benchShipment(b, nil)
	base := *s
	baseEvents := slices.Clone(s.events)
	baseMilestones := slices.Clone(s.milestones)
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	for b.Loop() {
		evs, ms := s.events[:20], s.milestones[:len(baseMilestones)]
		copy(evs, baseEvents)
		copy(ms, baseMilestones)
		*s = base
		s.events, s.milestones, s.delays = evs, ms, s.delays[:0]
	}
}

// BenchmarkApplyDuplicate: a scan that is already known.
func BenchmarkApplyDuplicate(b *testing.B) {
	s := benchShipment(b, nil)
	dup := twentyEvents()[10]
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	for b.Loop() {
		s.Apply(dup)
	}
}

func benchModel(b *testing.B) *TransitModel {
	var obs []Observation
	for i := range 500 {
		ship := mon.AddDate(0, 0, -7*(1+i%30))
		obs = append(obs, Observation{Lane: Lane{"ups", "Ground", "US-NV", "US-OH"}, ShippedAt: ship, DeliveredAt: ship.AddDate(0, 0, 2+i%4)})
	}
	m, err := FitTransitModel(obs, nil)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkCheck: the detectors of one in-flight 20-event shipment on a
// clock tick (nothing changes: the steady state of a tick).
func BenchmarkCheck(b *testing.B) {
	r, _ := NewRules(Config{Model: benchModel(b)})
	s := benchShipment(b, r)
	now := mon.Add(122 * time.Hour)
	s.Check(now)
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	for b.Loop() {
		s.Check(now)
	}
}

// BenchmarkCheckAll: Check over -bench.shipments in-flight 20-event
// shipments (1,000,000 by default) on all cores; one op is one pass over
// all of them. It also reports the memory per shipment.
func BenchmarkCheckAll(b *testing.B) {
	n := *benchShipments
	r, _ := NewRules(Config{Model: benchModel(b)})
	tmpl := benchShipment(b, r)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	ships := make([]Shipment, n)
	for i := range ships {
		s := &ships[i]
		*s = *tmpl
		s.events = slices.Clone(tmpl.events)
		s.milestones = slices.Clone(tmpl.milestones)
		s.delays = nil
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	perShipment := float64(m1.HeapAlloc-m0.HeapAlloc) / float64(n)
	now := mon.Add(122 * time.Hour)
	workers := runtime.GOMAXPROCS(0)
	pass := func(now time.Time) {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < n; i += workers {
					ships[i].Check(now)
				}
			})
		}
		wg.Wait()
	}
	pass(now) // open whatever opens at this instant; the loop measures ticks
	b.ReportAllocs()
	b.ResetTimer()
	defer benchcpu.Start(b)()
	for b.Loop() {
		now = now.Add(time.Minute)
		pass(now)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/shipment")
	b.ReportMetric(perShipment, "B/shipment")
	runtime.KeepAlive(ships)
}
