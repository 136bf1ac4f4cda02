package simulator_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
	"github.com/postpurchase/postpurchase/carriers/simulator"
)

var monday = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)

type harness struct{}

func (harness) MakeCarrier(ctx context.Context) (carriers.Carrier, error) {
	sim, err := simulator.New(simulator.Options{Seed: 7, Now: func() time.Time { return monday.AddDate(0, 0, 30) }})
	if err != nil {
		return nil, err
	}
	if _, err := sim.Ship(simulator.Plan{TrackingNumber: "SIMKNOWN", LabelCreatedAt: monday, Trouble: simulator.FailedAttempt}); err != nil {
		return nil, err
	}
	return sim, nil
}
func (harness) KnownNumber() string   { return "SIMKNOWN" }
func (harness) UnknownNumber() string { return "SIMNOSUCH" }
func (harness) Close()                {}

func TestConformance(t *testing.T) {
	carrierstest.RunConformanceTests(t, func(context.Context, *testing.T) (carrierstest.Harness, error) { return harness{}, nil })
}

func script(t *testing.T, seed uint64, p simulator.Plan) []carriers.Event {
	t.Helper()
	sim := newSim(t, simulator.Options{Seed: seed})
	n, err := sim.Ship(p)
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := sim.Script(n)
	if !ok {
		t.Fatalf("Script(%q) not found", n)
	}
	return ev
}

func TestDeterministic(t *testing.T) {
	p := simulator.Plan{TrackingNumber: "SIM1", LabelCreatedAt: monday, Trouble: simulator.WeatherDelay}
	a, b := script(t, 42, p), script(t, 42, p)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed and plan gave different scripts (-first +second):\n%s", diff)
	}
	c := script(t, 43, p)
	if cmp.Equal(a, c) {
		t.Error("different seeds gave identical scripts")
	}
}

// statuses returns the distinct statuses of a script in order of appearance.
func signature(ev []carriers.Event) []string {
	var out []string
	for _, e := range ev {
		s := e.Status.String()
		if e.Reason != carriers.ReasonNone {
			s += "/" + e.Reason.String()
		}
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

func TestTroubles(t *testing.T) {
	want := map[simulator.Trouble][]string{
		simulator.NoTrouble:        {"info_received", "in_transit", "out_for_delivery", "delivered"},
		simulator.WeatherDelay:     {"info_received", "in_transit", "exception/weather", "in_transit", "out_for_delivery", "delivered"},
		simulator.Stalled:          {"info_received", "in_transit", "out_for_delivery", "delivered"},
		simulator.FailedAttempt:    {"info_received", "in_transit", "out_for_delivery", "attempt_fail/recipient_unavailable", "out_for_delivery", "delivered"},
		simulator.Lost:             {"info_received", "in_transit", "exception/lost"},
		simulator.Damaged:          {"info_received", "in_transit", "exception/damaged", "in_transit", "out_for_delivery", "delivered"},
		simulator.ReturnedToSender: {"info_received", "in_transit", "out_for_delivery", "attempt_fail/address_problem", "out_for_delivery", "attempt_fail/address_problem", "return_to_sender/returning", "return_to_sender/returned"},
		simulator.EstimateSlipped:  {"info_received", "in_transit", "out_for_delivery", "delivered"},
	}
	for _, tr := range simulator.Troubles() {
		for seed := range uint64(20) {
			ev := script(t, seed, simulator.Plan{TrackingNumber: "SIMX", LabelCreatedAt: monday, Trouble: tr})
			if diff := cmp.Diff(want[tr], signature(ev)); diff != "" {
				t.Fatalf("%v seed %d: status sequence (-want +got):\n%s", tr, seed, diff)
			}
			for i := 1; i < len(ev); i++ {
				if !ev[i].Time.After(ev[i-1].Time) {
					t.Fatalf("%v seed %d: event %d (%s) not after event %d (%s)", tr, seed, i, ev[i].Time, i-1, ev[i-1].Time)
				}
			}
			if tr == simulator.Stalled && maxGap(ev) < 7*24*time.Hour {
				t.Errorf("stalled seed %d: longest gap between scans %v, want at least 7 days", seed, maxGap(ev))
			}
		}
	}
}

func maxGap(ev []carriers.Event) time.Duration {
	var m time.Duration
	for i := 1; i < len(ev); i++ {
		m = max(m, ev[i].Time.Sub(ev[i-1].Time))
	}
	return m
}

func TestTrackFollowsClock(t *testing.T) {
	now := monday
	sim := newSim(t, simulator.Options{Seed: 1, Now: func() time.Time { return now }})
	n, err := sim.Ship(simulator.Plan{LabelCreatedAt: monday.Add(time.Hour), Trouble: simulator.EstimateSlipped})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Track(t.Context(), n); !errors.Is(err, carriers.ErrNotFound) {
		t.Fatalf("before the label: err = %v, want ErrNotFound", err)
	}
	full, _ := sim.Script(n)
	var estimates []carriers.Estimate
	for _, e := range full {
		now = e.Time
		tr, err := sim.Track(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		if !tr.Events[0].Time.Equal(e.Time) || tr.Status != e.Status {
			t.Fatalf("at %s: newest event %s %s, want %s", now, tr.Events[0].Time, tr.Status, e.Status)
		}
		if tr.Estimate != nil && (len(estimates) == 0 || *tr.Estimate != estimates[len(estimates)-1]) {
			estimates = append(estimates, *tr.Estimate)
		}
	}
	if len(estimates) != 2 || estimates[0].Source != carriers.EstimateScheduled || estimates[1].Source != carriers.EstimateRescheduled || !estimates[1].Start.After(estimates[0].Start) {
		t.Errorf("estimate history %+v: want a scheduled estimate then a later rescheduled one", estimates)
	}
	tr, _ := sim.Track(t.Context(), n)
	if tr.Status != carriers.StatusDelivered || tr.DeliveredAt.IsZero() || tr.Estimate != nil {
		t.Errorf("final: status %s delivered-at %v estimate %v", tr.Status, tr.DeliveredAt, tr.Estimate)
	}
}

func TestShipRejectsBadPlans(t *testing.T) {
	sim := newSim(t, simulator.Options{})
	for name, p := range map[string]simulator.Plan{
		"no label time": {},
		"bad trouble":   {LabelCreatedAt: monday, Trouble: 99},
		"negative days": {LabelCreatedAt: monday, TransitDays: -1},
	} {
		if _, err := sim.Ship(p); !errors.Is(err, simulator.ErrInvalidPlan) {
			t.Errorf("%s: err = %v, want ErrInvalidPlan", name, err)
		}
	}
	if _, err := sim.Ship(simulator.Plan{TrackingNumber: "A", LabelCreatedAt: monday}); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Ship(simulator.Plan{TrackingNumber: "A", LabelCreatedAt: monday}); !errors.Is(err, simulator.ErrInvalidPlan) {
		t.Errorf("duplicate number: err = %v, want ErrInvalidPlan", err)
	}
	if got := sim.TrackingNumbers(); !slices.Equal(got, []string{"A"}) {
		t.Errorf("TrackingNumbers() = %v", got)
	}
}

func newSim(t *testing.T, o simulator.Options) *simulator.Carrier {
	t.Helper()
	sim, err := simulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return sim
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, o := range map[string]simulator.Options{
		"scans":          {Scans: 7},
		"late share":     {LateShare: 1.5},
		"weekend":        {WeekendDelivery: -0.1},
		"surge region":   {Surges: []simulator.Surge{{Start: monday, End: monday.Add(time.Hour), ExtraDays: 1}}},
		"surge interval": {Surges: []simulator.Surge{{Region: "US-OH", Start: monday, End: monday, ExtraDays: 1}}},
		"surge days":     {Surges: []simulator.Surge{{Region: "US-OH", Start: monday, End: monday.Add(time.Hour)}}},
		"cutoff":         {Network: &simulator.Network{Cutoff: 9}},
		"missed sort":    {Network: &simulator.Network{MissedSort: 1.5}},
		"rural":          {Network: &simulator.Network{Rural: 2}},
	} {
		if _, err := simulator.New(o); !errors.Is(err, simulator.ErrInvalidOptions) {
			t.Errorf("%s: err = %v, want ErrInvalidOptions", name, err)
		}
	}
}

// deliveries ships n clean parcels on lane o→d with options opts, one per
// business day from monday, and returns their scripts.
func deliveries(t *testing.T, opts simulator.Options, n int, o, d simulator.Place) [][]carriers.Event {
	t.Helper()
	sim := newSim(t, opts)
	var out [][]carriers.Event
	day := monday
	for range n {
		num, err := sim.Ship(simulator.Plan{LabelCreatedAt: day, Origin: o, Destination: d})
		if err != nil {
			t.Fatal(err)
		}
		ev, _ := sim.Script(num)
		out = append(out, ev)
		day = day.AddDate(0, 0, 1)
		if day.Weekday() == time.Saturday {
			day = day.AddDate(0, 0, 2)
		}
	}
	return out
}

// transitDays returns the calendar days from pickup to delivery.
func transitDays(ev []carriers.Event) float64 {
	var pu, dl time.Time
	for _, e := range ev {
		switch e.Code {
		case "PU":
			pu = e.Time
		case "DL":
			dl = e.Time
		}
	}
	return dl.Sub(pu).Hours() / 24
}

func meanTransit(scripts [][]carriers.Event) float64 {
	s := 0.0
	for _, ev := range scripts {
		s += transitDays(ev)
	}
	return s / float64(len(scripts))
}

func TestLanesDifferByDistance(t *testing.T) {
	near := meanTransit(deliveries(t, simulator.Options{Seed: 1}, 300, simulator.Chicago, simulator.Indianapolis))
	far := meanTransit(deliveries(t, simulator.Options{Seed: 1}, 300, simulator.Seattle, simulator.Miami))
	if !(far > near+2) {
		t.Errorf("mean transit Chicago→Indianapolis %.1f days, Seattle→Miami %.1f: want the far lane clearly slower", near, far)
	}
}

func TestSparseScans(t *testing.T) {
	for _, ev := range deliveries(t, simulator.Options{Seed: 2, Scans: simulator.ScansSparse, LateShare: 0.3}, 200, simulator.Reno, simulator.Columbus) {
		var codes []string
		for _, e := range ev {
			codes = append(codes, e.Code)
		}
		if !slices.Equal(codes, []string{"LC", "PU", "DL"}) {
			t.Fatalf("sparse carrier scanned %v, want LC PU DL", codes)
		}
	}
	rare := 0
	for _, ev := range deliveries(t, simulator.Options{Seed: 2, Scans: simulator.ScansRare}, 200, simulator.Reno, simulator.Columbus) {
		rare += len(ev)
	}
	full := 0
	for _, ev := range deliveries(t, simulator.Options{Seed: 2}, 200, simulator.Reno, simulator.Columbus) {
		full += len(ev)
	}
	if !(rare < full/2) {
		t.Errorf("rare scans: %d events, full: %d", rare, full)
	}
}

func TestLateShareAndTail(t *testing.T) {
	const n = 2000
	base := deliveries(t, simulator.Options{Seed: 3}, n, simulator.Reno, simulator.Columbus)
	late := deliveries(t, simulator.Options{Seed: 3, LateShare: 0.2}, n, simulator.Reno, simulator.Columbus)
	slower, weekPlus := 0, 0
	for i := range base {
		d := transitDays(late[i]) - transitDays(base[i])
		if d > 0.5 {
			slower++
		}
		if d > 7 {
			weekPlus++
		}
	}
	if share := float64(slower) / n; share < 0.15 || share > 0.25 {
		t.Errorf("%.1f %% slower than scheduled, want about 20 %%", 100*share)
	}
	if weekPlus == 0 {
		t.Error("no parcel more than a week late: no heavy tail")
	}
}

func TestSurgeSlowsRegion(t *testing.T) {
	surge := simulator.Surge{Region: "US-OH", Start: monday.AddDate(0, 0, 14), End: monday.AddDate(0, 0, 42), ExtraDays: 3}
	opts := simulator.Options{Seed: 4, Surges: []simulator.Surge{surge}}
	scripts := deliveries(t, opts, 60, simulator.Reno, simulator.Columbus) // 12 weeks of business days
	var in, out float64
	var nin, nout int
	for _, ev := range scripts {
		if pu := ev[1].Time; !pu.Before(surge.Start.AddDate(0, 0, -1)) && pu.Before(surge.End.AddDate(0, 0, -7)) {
			in += transitDays(ev)
			nin++
		} else if pu.Before(surge.Start.AddDate(0, 0, -10)) || pu.After(surge.End) {
			out += transitDays(ev)
			nout++
		}
	}
	if in/float64(nin) < out/float64(nout)+2 {
		t.Errorf("mean transit during the surge %.1f days, outside %.1f", in/float64(nin), out/float64(nout))
	}
	other := meanTransit(deliveries(t, opts, 60, simulator.Reno, simulator.Atlanta))
	plain := meanTransit(deliveries(t, simulator.Options{Seed: 4}, 60, simulator.Reno, simulator.Atlanta))
	if other != plain {
		t.Errorf("a surge in US-OH changed the Atlanta lane: %.2f vs %.2f", other, plain)
	}
}

func TestWeekendDelivery(t *testing.T) {
	count := func(o simulator.Options) int {
		n := 0
		for _, ev := range deliveries(t, o, 1000, simulator.Reno, simulator.Columbus) {
			if wd := ev[len(ev)-1].Time.Weekday(); wd == time.Saturday || wd == time.Sunday {
				n++
			}
		}
		return n
	}
	if n := count(simulator.Options{Seed: 5}); n != 0 {
		t.Errorf("%d weekend deliveries with WeekendDelivery 0", n)
	}
	if n := count(simulator.Options{Seed: 5, WeekendDelivery: 0.35}); n < 30 || n > 150 {
		t.Errorf("%d of 1000 delivered on a weekend with WeekendDelivery 0.35, want 3–15 %%", n)
	}
}

func TestDeterministicWithOptions(t *testing.T) {
	opts := simulator.Options{Seed: 9, Scans: simulator.ScansRare, LateShare: 0.3, WeekendDelivery: 0.5,
		Surges: []simulator.Surge{{Region: "US-OH", Start: monday, End: monday.AddDate(0, 1, 0), ExtraDays: 2}}}
	a := deliveries(t, opts, 50, simulator.Reno, simulator.Columbus)
	b := deliveries(t, opts, 50, simulator.Reno, simulator.Columbus)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed and options gave different scripts:\n%s", diff)
	}
}

// BenchmarkShipTrack: one shipment added and then tracked once after
// delivery (the events of a whole life), the cost per shipment of driving
// the simulator.
func BenchmarkShipTrack(b *testing.B) {
	now := monday.AddDate(1, 0, 0)
	sim, err := simulator.New(simulator.Options{Seed: 1, LateShare: 0.1, WeekendDelivery: 0.3, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	places := simulator.Places()
	ctx := context.Background()
	events := 0
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		num, err := sim.Ship(simulator.Plan{LabelCreatedAt: monday.Add(time.Duration(i%1000) * time.Hour),
			Origin: places[i%len(places)], Destination: places[(i/7)%len(places)]})
		if err != nil {
			b.Fatal(err)
		}
		tr, err := sim.Track(ctx, num)
		if err != nil {
			b.Fatal(err)
		}
		events += len(tr.Events)
		i++
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

// businessDays counts the weekdays after the pickup's day up to the
// delivery's, each in its own zone.
func businessDays(ev []carriers.Event) (n int, pickup time.Time) {
	var pu, dl time.Time
	for _, e := range ev {
		switch e.Code {
		case "PU":
			pu = e.Time
		case "DL":
			dl = e.Time
		}
	}
	a := time.Date(pu.Year(), pu.Month(), pu.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(dl.Year(), dl.Month(), dl.Day(), 0, 0, 0, 0, time.UTC)
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			n++
		}
	}
	return n, pu
}

// On a network, the business days a lane takes depend on the pickup:
// on a coast-to-coast lane a Thursday or Friday pickup travels over the
// weekend, and a pickup after the origin's last trailer waits a day.
func TestNetworkPickupMatters(t *testing.T) {
	scripts := deliveries(t, simulator.Options{Seed: 5, Network: &simulator.Network{Cutoff: 19}}, 1500, simulator.LosAngeles, simulator.NewYork)
	var sum, cnt [7]float64 // pickups before 15:00, which make the day's trailer
	var early, late, ne, nl float64
	for _, ev := range scripts {
		n, pu := businessDays(ev)
		if pu.Hour() < 15 {
			sum[pu.Weekday()] += float64(n)
			cnt[pu.Weekday()]++
		}
		if pu.Weekday() >= time.Monday && pu.Weekday() <= time.Wednesday {
			if pu.Hour() < 15 {
				early += float64(n)
				ne++
			} else if pu.Hour() >= 19 {
				late += float64(n)
				nl++
			}
		}
	}
	mon, fri := sum[time.Monday]/cnt[time.Monday], sum[time.Friday]/cnt[time.Friday]
	if !(fri < mon-1) {
		t.Errorf("LA→NY: %.2f business days from a Monday pickup before 15:00, %.2f from a Friday one: want the weekend to shorten Friday's", mon, fri)
	}
	if ne == 0 || nl == 0 || !(late/nl > early/ne+0.5) {
		t.Errorf("LA→NY, Monday–Wednesday: %.2f business days picked up before 15:00, %.2f from 19:00: want the late pickups slower", early/ne, late/nl)
	}
	// The uniform schedule has neither effect (its draw ignores the pickup).
	uni := deliveries(t, simulator.Options{Seed: 5}, 1500, simulator.LosAngeles, simulator.NewYork)
	sum, cnt = [7]float64{}, [7]float64{}
	for _, ev := range uni {
		n, pu := businessDays(ev)
		sum[pu.Weekday()] += float64(n)
		cnt[pu.Weekday()]++
	}
	if d := sum[time.Monday]/cnt[time.Monday] - sum[time.Friday]/cnt[time.Friday]; d > 0.5 || d < -0.5 {
		t.Errorf("uniform schedule: Monday and Friday pickups differ by %.2f business days", d)
	}
}
