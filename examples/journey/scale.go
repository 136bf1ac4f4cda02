package main

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/tracking"
)

// counter is the in-process stand-in for an ESP at scale: it counts what
// it is sent and remembers, per shipment, when the first delay message
// went out.
type counter struct {
	mu         sync.Mutex
	byKind     map[postpurchase.MessageKind]int
	firstDelay map[string]time.Time
}

func (c *counter) Send(_ context.Context, m postpurchase.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byKind[m.Kind]++
	if m.Kind == postpurchase.MessageDelay {
		if _, ok := c.firstDelay[m.ShipmentID]; !ok {
			c.firstDelay[m.ShipmentID] = m.At
		}
	}
	return nil
}

// archetypes are the customers of the scale run: every customer ID maps to
// one of them.
type archetypes []postpurchase.Customer

func (a archetypes) Customer(_ context.Context, id string) (postpurchase.Customer, error) {
	c := a[crc32.ChecksumIEEE([]byte(id))%uint32(len(a))]
	c.Contact.CustomerID = id
	return c, nil
}

// delivery is one shipment's tracking number and promise.
type delivery struct {
	number  string
	promise time.Time
}

// arrival is one shipment's scans that arrive in one tick.
type arrival struct {
	shipment int // index in deliveries
	events   []carriers.Event
}

// scale runs n shipments through one Engine: their scans are pushed as
// they happen (the webhook path) by two workers, the Engine ticks every
// two simulated hours to check delays and drain the effects.
func scale(ctx context.Context, w io.Writer, seed uint64, n int, progress bool) error {
	// A batch run trades memory for less collector work (GOGC=400), unless GOGC says
	// otherwise. 100,000 shipments peak at about 6 GB with 400, as they did with 200
	// before the store and the Engine held less; with 200 they now peak at about
	// 5 GB and take a fifth more CPU.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	const tick = 2 * time.Hour
	now := placed
	var clockMu sync.RWMutex
	clock := func() time.Time { clockMu.RLock(); defer clockMu.RUnlock(); return now }
	sim, err := simulator.New(simulator.Options{Seed: seed, Now: clock, LateShare: 0.08, WeekendDelivery: 0.3})
	if err != nil {
		return err
	}
	var people archetypes
	for _, c := range cast() {
		people = append(people, postpurchase.Customer{Contact: postpurchase.Contact{Email: c.email}, History: c.history})
	}
	esp := &counter{byKind: map[postpurchase.MessageKind]int{}, firstDelay: map[string]time.Time{}}
	tasks := new(postpurchase.MemoryTasks)
	places := simulator.Places()
	cal := tracking.NewCalendar()
	// The brand's history: the transit model learns each lane from the
	// deliveries of the two months before (and the parcels still in
	// flight), so at-risk warnings and stall and loss limits fit the lanes.
	model, hist, err := history(sim, places, cal, min(n, 20000))
	if err != nil {
		return err
	}
	rules, err := tracking.NewRules(tracking.Config{Model: model, Calendar: cal})
	if err != nil {
		return err
	}
	eng, err := postpurchase.New(postpurchase.Config{
		Carriers: []carriers.Carrier{sim}, Pushed: []string{simulator.Code}, Customers: people, Rules: rules,
		Notifier: esp, Tasks: tasks, Now: clock, CheckEvery: 24 * time.Hour, BatchSize: 20000,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Scale run — %d shipments, seed %d (transit model fitted on %d past deliveries)\n", n, seed, hist)
	start := time.Now()
	troubles := simulator.Troubles()
	// Which shipments have scans arriving at each tick, and which scans.
	const days = 24
	steps := days * 24 / int(tick/time.Hour)
	arrivals := make([][]arrival, steps+1)
	deliveries := make([]delivery, n)
	scans := 0
	for i := range n {
		label := placed.Add(time.Duration(i%72) * time.Hour)
		tr := simulator.NoTrouble
		if i%6 == 0 {
			tr = troubles[1+(i/6)%(len(troubles)-1)]
		}
		dest := places[i%len(places)]
		number, err := sim.Ship(simulator.Plan{LabelCreatedAt: label, Trouble: tr, Destination: dest})
		if err != nil {
			return err
		}
		id := fmt.Sprintf("#%07d", i)
		promise := promiseFor(cal, label, dest)
		err = eng.Register(ctx, placed, postpurchase.Order{ID: id, CustomerID: fmt.Sprintf("cust-%d", i%(n/3+1)), PlacedAt: label.Add(-time.Hour),
			Currency: "USD", Total: decimal.New(int64(30+i%170), 0),
			Shipments: []postpurchase.Shipment{{ID: "s" + id, Carrier: simulator.Code, TrackingNumber: number, LabelCreatedAt: label, PromisedBy: promise,
				Origin: simulator.Reno.Region(), Destination: dest.Region()}}})
		if err != nil {
			return err
		}
		evs, _ := sim.Script(number)
		deliveries[i] = delivery{number: number, promise: promise}
		scans += len(evs)
		// The script is oldest first: one arrival per tick with scans.
		for len(evs) > 0 {
			b := bucket(evs[0].Time, tick)
			k := 1
			for k < len(evs) && bucket(evs[k].Time, tick) == b {
				k++
			}
			if b >= 0 && b <= steps {
				arrivals[b] = append(arrivals[b], arrival{shipment: i, events: evs[:k:k]})
			}
			evs = evs[k:]
		}
	}
	setup := time.Since(start)
	var peak uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.Sys)
	}
	stop, err := profile()
	if err != nil {
		return err
	}
	run := time.Now()
	for step := 0; step <= steps; step++ {
		clockMu.Lock()
		now = placed.Add(time.Duration(step) * tick)
		clockMu.Unlock()
		var wg sync.WaitGroup
		var werr error
		var errMu sync.Mutex
		for worker := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := worker; k < len(arrivals[step]); k += 2 {
					a := arrivals[step][k]
					slices.Reverse(a.events) // newest first, as carriers send them
					t := &carriers.Tracking{Carrier: simulator.Code, TrackingNumber: deliveries[a.shipment].number, Events: a.events}
					if err := eng.Ingest(ctx, now, t); err != nil {
						errMu.Lock()
						werr = err
						errMu.Unlock()
						return
					}
				}
			}()
		}
		wg.Wait()
		arrivals[step] = nil // sent: let the collector have them
		if werr != nil {
			return werr
		}
		if _, err := eng.Tick(ctx, now); err != nil {
			return err
		}
		if step%12 == 0 {
			sample()
		}
		if progress {
			bar := strings.Repeat("█", 30*step/steps) + strings.Repeat("░", 30-30*step/steps)
			fmt.Fprintf(w, "\r  %s %3d%%  day %2d", bar, 100*step/steps, step*2/24)
		}
	}
	elapsed := time.Since(run)
	if err := stop(); err != nil {
		return err
	}
	sample()
	if progress {
		fmt.Fprintln(w)
	}

	// What happened: delays caught before the promise, make-goods by tier.
	type tierCost struct {
		incidents int
		cashback  decimal.Decimal
	}
	byTier := map[string]*tierCost{}
	late, caughtBefore, delayed := 0, 0, 0
	for i := range n {
		id := fmt.Sprintf("#%07d", i)
		rec, err := eng.Store().LoadOrder(ctx, id)
		if err != nil {
			return err
		}
		d := deliveries[i]
		if first, ok := esp.firstDelay["s"+id]; ok {
			delayed++
			if first.Before(d.promise) {
				caughtBefore++
			}
		}
		if v, err := eng.OrderView(ctx, now, id); err == nil && v.Shipments[0].DaysLate > 0 {
			late++
		}
		if inc := rec.Incident; inc != nil {
			tc := byTier[inc.Score.Tier]
			if tc == nil {
				tc = &tierCost{cashback: decimal.Zero}
				byTier[inc.Score.Tier] = tc
			}
			tc.incidents++
			tc.cashback = tc.cashback.Add(inc.Credited)
		}
	}
	taskCount := map[string]map[postpurchase.TaskKind]int{}
	for _, t := range tasks.Tasks() {
		rec, err := eng.Store().LoadOrder(ctx, t.OrderID)
		if err != nil || rec.Incident == nil {
			continue
		}
		tier := rec.Incident.Score.Tier
		if taskCount[tier] == nil {
			taskCount[tier] = map[postpurchase.TaskKind]int{}
		}
		taskCount[tier][t.Kind]++
	}
	msgs := 0
	for _, k := range esp.byKind {
		msgs += k
	}
	fmt.Fprintf(w, "  %d shipments, %d carrier scans over %d simulated days (setup %s)\n", n, scans, days, setup.Round(time.Millisecond))
	fmt.Fprintf(w, "  Engine: %s, %.0f scans/s, peak memory %d MiB\n", elapsed.Round(time.Millisecond), float64(scans)/elapsed.Seconds(), peak>>20)
	fmt.Fprintf(w, "  Messages to the ESP: %d (milestones %d, delays %d)\n", msgs, esp.byKind[postpurchase.MessageMilestone], esp.byKind[postpurchase.MessageDelay])
	fmt.Fprintf(w, "  Delayed shipments told: %d, %d of them (%.1f%%) before the promise passed; %d delivered late or still out\n",
		delayed, caughtBefore, 100*float64(caughtBefore)/float64(max(delayed, 1)), late)
	fmt.Fprintf(w, "\n  %-8s %9s %12s %13s %9s %9s\n", "tier", "incidents", "cashback", "replacements", "upgrades", "priority")
	var tiers []string
	for t := range byTier {
		tiers = append(tiers, t)
	}
	slices.Sort(tiers)
	for _, t := range tiers {
		tc, k := byTier[t], taskCount[t]
		fmt.Fprintf(w, "  %-8s %9d %12s %13d %9d %9d\n", t, tc.incidents, "$"+tc.cashback.StringFixed(2),
			k[postpurchase.TaskReplacement], k[postpurchase.TaskShippingUpgrade], k[postpurchase.TaskPrioritySupport])
	}
	return nil
}

// cpuProfile and memProfile name the files the scale run writes its
// profiles to (flags -cpuprofile and -memprofile); empty means none.
var cpuProfile, memProfile string

// profile starts the profiles asked for and returns the function that
// stops them and writes them out. The allocation profile covers the
// whole process, setup included (Register and the simulator's scripts).
func profile() (stop func() error, err error) {
	var cpu *os.File
	if cpuProfile != "" {
		if cpu, err = os.Create(cpuProfile); err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, err
		}
	}
	return func() error {
		if cpu != nil {
			pprof.StopCPUProfile()
			if err := cpu.Close(); err != nil {
				return err
			}
		}
		if memProfile == "" {
			return nil
		}
		f, err := os.Create(memProfile)
		if err != nil {
			return err
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}, nil
}

// bucket is the tick a scan at t arrives in: the first at or after it.
func bucket(t time.Time, tick time.Duration) int {
	return int((t.Sub(placed) + tick - 1) / tick)
}

// promiseFor is what checkout promised: the lane's slowest schedule plus a
// day after the label, to the end of that day in the destination's zone.
func promiseFor(cal *tracking.Calendar, label time.Time, dest simulator.Place) time.Time {
	_, hi := simulator.ScheduleRange(simulator.Reno, dest)
	d := cal.AddBusinessDays(tracking.DateOf(label), hi+1)
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 0, 0, dest.Zone)
}

// history ships h parcels in the two months before the run, plays their
// scans to the end and fits the transit model on them.
func history(sim *simulator.Carrier, places []simulator.Place, cal *tracking.Calendar, h int) (*tracking.TransitModel, int, error) {
	obs := make([]tracking.Observation, 0, h)
	start := placed.AddDate(0, 0, -60)
	for i := range h {
		label := start.Add(time.Duration(i) * 50 * 24 * time.Hour / time.Duration(h))
		dest := places[i%len(places)]
		number, err := sim.Ship(simulator.Plan{LabelCreatedAt: label, Destination: dest})
		if err != nil {
			return nil, 0, err
		}
		evs, _ := sim.Script(number)
		s := tracking.NewShipment(nil)
		s.Carrier, s.TrackingNumber = simulator.Code, number
		s.Origin, s.Destination, s.LabelCreatedAt = simulator.Reno.Region(), dest.Region(), label
		if _, err := s.ApplyAt(placed, evs...); err != nil {
			return nil, 0, err
		}
		if o, ok := s.Observation(); ok {
			obs = append(obs, o)
		}
	}
	m, err := tracking.FitTransitModel(obs, &tracking.ModelOptions{Calendar: cal, AsOf: placed})
	return m, len(obs), err
}
