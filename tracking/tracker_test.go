package tracking

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
)

// fakeCarrier answers from a map, counts calls and concurrency, and can
// block until released or answer ErrRateLimited.
type fakeCarrier struct {
	code      string
	mu        sync.Mutex
	answers   map[string]*carriers.Tracking
	calls     atomic.Int64
	inFlight  atomic.Int64
	maxFlight atomic.Int64
	limited   atomic.Int64 // answer ErrRateLimited this many more times
	block     chan struct{}
	entered   chan struct{}
}

func newFake(code string) *fakeCarrier {
	return &fakeCarrier{code: code, answers: map[string]*carriers.Tracking{}}
}

func (f *fakeCarrier) Code() string { return f.code }

func (f *fakeCarrier) Track(ctx context.Context, number string) (*carriers.Tracking, error) {
	f.calls.Add(1)
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxFlight.Load()
		if n <= m || f.maxFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if f.entered != nil {
		select {
		case f.entered <- struct{}{}:
		default:
		}
	}
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	runtime.Gosched()
	if f.limited.Load() > 0 {
		f.limited.Add(-1)
		return nil, &carriers.Error{Carrier: f.code, Op: "track", TrackingNumber: number, StatusCode: 429, Err: carriers.ErrRateLimited}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	tr, ok := f.answers[number]
	if !ok {
		return nil, &carriers.Error{Carrier: f.code, Op: "track", TrackingNumber: number, Err: carriers.ErrNotFound}
	}
	return tr, nil
}

// batchFake adds BatchTracker.
type batchFake struct {
	*fakeCarrier
	max     int
	batches atomic.Int64
}

func (b *batchFake) MaxBatch() int { return b.max }

func (b *batchFake) TrackBatch(ctx context.Context, numbers []string) ([]carriers.TrackResult, error) {
	b.batches.Add(1)
	if len(numbers) > b.max {
		return nil, fmt.Errorf("batch of %d > %d", len(numbers), b.max)
	}
	out := make([]carriers.TrackResult, len(numbers))
	for i, n := range numbers {
		b.mu.Lock()
		tr, ok := b.answers[n]
		b.mu.Unlock()
		out[i].TrackingNumber = n
		if ok {
			out[i].Tracking = tr
		} else {
			out[i].Err = carriers.ErrNotFound
		}
	}
	return out, nil
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func fakeShipments(f *fakeCarrier, n int) []*Shipment {
	var out []*Shipment
	for i := range n {
		num := fmt.Sprintf("FK%04d", i)
		f.answers[num] = &carriers.Tracking{Carrier: f.code, TrackingNumber: num, Events: journey()[:3]}
		out = append(out, &Shipment{Carrier: f.code, TrackingNumber: num})
	}
	return out
}

func TestRefreshConcurrencyAndSchedule(t *testing.T) {
	f := newFake("fake")
	tr, err := New(Options{Carriers: []carriers.Carrier{f}, Concurrency: 3, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ships := fakeShipments(f, 40)
	ships = append(ships, &Shipment{Carrier: "fake", TrackingNumber: "UNKNOWN"}, &Shipment{Carrier: "nosuch", TrackingNumber: "X"}, ships[0])
	now := mon.AddDate(0, 0, 1)
	res, err := tr.Refresh(context.Background(), now, ships)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 42 {
		t.Fatalf("results = %d, want 42 (duplicates pointer skipped)", len(res))
	}
	if m := f.maxFlight.Load(); m > 3 {
		t.Errorf("max in flight %d > limit 3", m)
	}
	eq(t, "calls", f.calls.Load(), int64(41))
	for _, r := range res[:40] {
		if r.Err != nil || len(r.Changes.Milestones) != 2 {
			t.Fatalf("%s: err %v, milestones %v", r.Shipment.TrackingNumber, r.Err, kinds(r.Changes.Milestones))
		}
		at, polling := r.Shipment.NextPoll()
		if !polling || !at.Equal(now.Add(4*time.Hour)) {
			t.Errorf("in transit: next poll %v %v, want +4h", at, polling)
		}
	}
	if !errors.Is(res[40].Err, carriers.ErrNotFound) {
		t.Errorf("unknown number: %v", res[40].Err)
	}
	if at, _ := res[40].Shipment.NextPoll(); !at.Equal(now.Add(12 * time.Hour)) {
		t.Errorf("not found yet: next poll %v, want +12h", at)
	}
	if !errors.Is(res[41].Err, ErrNoCarrier) {
		t.Errorf("no carrier: %v", res[41].Err)
	}
	// Nothing is due again right away.
	res, _ = tr.Refresh(context.Background(), now.Add(20*time.Minute), ships)
	eq(t, "due 20 minutes later", len(res), 0)
	res, _ = tr.Refresh(context.Background(), now.Add(30*time.Minute), ships)
	eq(t, "due 30 minutes later (the failed one)", len(res), 1)
}

func TestRefreshSameNumberOnce(t *testing.T) {
	f := newFake("fake")
	tr, _ := New(Options{Carriers: []carriers.Carrier{f}, Logger: quiet})
	ships := fakeShipments(f, 1)
	twin := &Shipment{Carrier: "FAKE", TrackingNumber: "fk-0000"}
	res, err := tr.Refresh(context.Background(), mon, append(ships, twin))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "calls", f.calls.Load(), int64(1))
	eq(t, "results", len(res), 2)
	eq(t, "twin events", twin.NumEvents(), 3)
}

func TestRefreshRateLimited(t *testing.T) {
	f := newFake("fake")
	f.limited.Store(1)
	tr, _ := New(Options{Carriers: []carriers.Carrier{f}, Concurrency: 1, Logger: quiet, RateLimits: map[string]RateLimit{"fake": {1e6, 10}}})
	ships := fakeShipments(f, 5)
	now := mon
	res, err := tr.Refresh(context.Background(), now, ships)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "calls", f.calls.Load(), int64(1))
	for _, r := range res {
		if !errors.Is(r.Err, carriers.ErrRateLimited) {
			t.Fatalf("%s: %v, want rate limited", r.Shipment.TrackingNumber, r.Err)
		}
		if at, _ := r.Shipment.NextPoll(); !at.Equal(now.Add(time.Minute)) {
			t.Errorf("rescheduled at %v, want after the back-off", at)
		}
	}
	// Still backing off 30 s later: no call.
	tr.Refresh(context.Background(), now.Add(30*time.Second), ships)
	eq(t, "calls during back-off", f.calls.Load(), int64(1))
	// After it: all five fetched.
	res, _ = tr.Refresh(context.Background(), now.Add(time.Minute), ships)
	eq(t, "calls after back-off", f.calls.Load(), int64(6))
	for _, r := range res {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Shipment.TrackingNumber, r.Err)
		}
	}
}

func TestRefreshBatch(t *testing.T) {
	b := &batchFake{fakeCarrier: newFake("batch"), max: 3}
	tr, _ := New(Options{Carriers: []carriers.Carrier{b}, Logger: quiet})
	ships := fakeShipments(b.fakeCarrier, 7)
	res, err := tr.Refresh(context.Background(), mon, ships)
	if err != nil {
		t.Fatal(err)
	}
	// 7 numbers, 3 per batch: two batches and a lone number (Track).
	eq(t, "batches", b.batches.Load(), int64(2))
	eq(t, "single calls", b.calls.Load(), int64(1))
	for _, r := range res {
		if r.Err != nil || r.Shipment.NumEvents() != 3 {
			t.Errorf("%s: %v, %d events", r.Shipment.TrackingNumber, r.Err, r.Shipment.NumEvents())
		}
	}
}

func TestCadence(t *testing.T) {
	tr, _ := New(Options{Logger: quiet})
	j := journey()
	for _, tc := range []struct {
		events []carriers.Event
		now    time.Time
		want   time.Duration // 0: stopped
	}{
		{nil, mon, 12 * time.Hour},
		{j[:1], mon, 12 * time.Hour},
		{j[:3], mon, 4 * time.Hour},
		{j[:5], mon.Add(70 * time.Hour), time.Hour},
		{j, mon.Add(80 * time.Hour), 12 * time.Hour},
		{j, mon.Add(76*time.Hour + 48*time.Hour), 0},
		{j[:3], mon.AddDate(0, 4, 0), 0},
	} {
		s := newShip()
		s.Apply(tc.events...)
		tr.Schedule(tc.now, s)
		at, polling := s.NextPoll()
		if tc.want == 0 {
			if polling {
				t.Errorf("%d events at %v: still polling (next %v)", len(tc.events), tc.now, at)
			}
			continue
		}
		if !polling || !at.Equal(tc.now.Add(tc.want)) {
			t.Errorf("%d events at %v: next %v %v, want +%v", len(tc.events), tc.now, at, polling, tc.want)
		}
	}
}

func TestNewValidates(t *testing.T) {
	f := newFake("fake")
	for _, tc := range []struct {
		o     Options
		field string
	}{
		{Options{Concurrency: -1}, "Concurrency"},
		{Options{Carriers: []carriers.Carrier{f, f}}, "Carriers[1]"},
		{Options{Carriers: []carriers.Carrier{nil}}, "Carriers[0]"},
		{Options{RateLimits: map[string]RateLimit{"fake": {0, 1}}}, `RateLimits["fake"]`},
		{Options{RateLimits: map[string]RateLimit{"fake": {1, 0}}}, `RateLimits["fake"]`},
		{Options{RateLimits: map[string]RateLimit{"fake": {math.Inf(1), 1}}}, `RateLimits["fake"]`},
		{Options{Cadence: Cadence{InTransit: -1}}, "Cadence.InTransit"},
		{Options{BatchSize: -1}, "BatchSize"},
	} {
		_, err := New(tc.o)
		var ce *ConfigError
		if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%+v: err = %v, want a ConfigError for %s", tc.o, err, tc.field)
		}
	}
	tr, err := New(Options{})
	if err != nil {
		t.Fatalf("zero Options: %v", err)
	}
	eq(t, "default concurrency", tr.limit, 8)
	eq(t, "default batch", tr.batch, 500)
}

// memStore is a Store over a slice.
type memStore struct {
	mu    sync.Mutex
	ships []*Shipment
	saved int
}

func (m *memStore) Due(ctx context.Context, now time.Time, limit int) ([]*Shipment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Shipment
	for _, s := range m.ships {
		if at, polling := s.NextPoll(); polling && !now.Before(at) && len(out) < limit {
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *memStore) Save(ctx context.Context, s *Shipment, ch Changes) error {
	m.mu.Lock()
	m.saved++
	m.mu.Unlock()
	return nil
}

// TestRunCancelNoLeak: cancelling the context while every request is
// blocked in the carrier stops Run promptly, and no goroutine is left.
func TestRunCancelNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFake("fake")
	f.block = make(chan struct{}) // never released
	f.entered = make(chan struct{}, 1)
	tr, _ := New(Options{Carriers: []carriers.Carrier{f}, Concurrency: 4, Logger: quiet})
	st := &memStore{ships: fakeShipments(f, 20)}
	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time, 1)
	ticks <- mon
	done := make(chan error)
	go func() { done <- tr.Run(ctx, ticks, st) }()
	<-f.entered // a request is in flight
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if m := f.maxFlight.Load(); m > 4 {
		t.Errorf("max in flight %d > 4", m)
	}
	// Goroutines exit asynchronously after returning their results; give
	// the scheduler a bounded number of chances.
	for i := 0; i < 1000 && runtime.NumGoroutine() > before; i++ {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Run, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestRunSimulator drives Run with the simulator and a tick per hour of
// simulated time, until every shipment stops polling.
func TestRunSimulator(t *testing.T) {
	var clock atomic.Int64
	start := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	clock.Store(start.UnixNano())
	sim, err := simulator.New(simulator.Options{Seed: 3, Now: func() time.Time { return time.Unix(0, clock.Load()).UTC() }})
	if err != nil {
		t.Fatal(err)
	}
	st := &memStore{}
	for i, tb := range simulator.Troubles() {
		num, err := sim.Ship(simulator.Plan{LabelCreatedAt: start, Trouble: tb})
		if err != nil {
			t.Fatal(err)
		}
		st.ships = append(st.ships, &Shipment{Carrier: sim.Code(), TrackingNumber: num, OrderID: fmt.Sprint("#", i), LabelCreatedAt: start,
			PromisedBy: time.Date(2026, 11, 10, 23, 59, 59, 0, est)})
	}
	// Run reads Now once per tick: each read advances the simulated
	// clock by an hour, so the instants do not depend on scheduling.
	hour := -1
	now := func() time.Time {
		hour++
		t := start.Add(time.Duration(hour) * time.Hour)
		clock.Store(t.UnixNano())
		return t
	}
	tr, err := New(Options{Carriers: []carriers.Carrier{sim}, Logger: quiet, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ticks := make(chan time.Time)
	done := make(chan error)
	go func() { done <- tr.Run(context.Background(), ticks, st) }()
	for range 24 * 40 {
		ticks <- time.Time{}
	}
	close(ticks)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"none": "delivered", "weather_delay": "delivered", "stalled": "delivered", "failed_attempt": "delivered",
		"lost": "exception", "damaged": "delivered", "returned_to_sender": "return_to_sender", "estimate_slipped": "delivered",
	}
	for i, s := range st.ships {
		tb := simulator.Troubles()[i]
		stt, _ := s.Status()
		if stt.String() != want[tb.String()] {
			t.Errorf("%v: status %v, want %s", tb, stt, want[tb.String()])
		}
		if _, polling := s.NextPoll(); polling && s.Terminal() {
			t.Errorf("%v: still polling 40 days later", tb)
		}
	}
}

// blockedInRun counts goroutines of Tracker.run waiting in its select for
// a shared carrier call.
func blockedInRun() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte(" [select")) && bytes.Contains(g, []byte("tracking.(*Tracker).run(")) {
			n++
		}
	}
	return n
}

// TestRefreshSharedFetchNotCancelledByOther: two concurrent refreshes of
// the same number share one carrier call (singleflight); when the refresh
// that started the call is cancelled, the other one, whose context is
// fine, must not inherit the cancellation: it gets the carrier's answer.
func TestRefreshSharedFetchNotCancelledByOther(t *testing.T) {
	f := newFake("fake")
	f.block = make(chan struct{})
	f.entered = make(chan struct{}, 4)
	tr, _ := New(Options{Carriers: []carriers.Carrier{f}, Logger: quiet})
	a := fakeShipments(f, 1)
	b := []*Shipment{{Carrier: "fake", TrackingNumber: a[0].TrackingNumber}}

	ctxA, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	doneA := make(chan error, 1)
	go func() { _, err := tr.Refresh(ctxA, mon, a); doneA <- err }()
	<-f.entered // A's call is in flight

	type out struct {
		res []Result
		err error
	}
	doneB := make(chan out, 1)
	go func() { res, err := tr.Refresh(context.Background(), mon, b); doneB <- out{res, err} }()
	for i := 0; blockedInRun() < 2; i++ { // B has joined A's call
		if i > 2000 {
			buf := make([]byte, 1<<20)
			t.Fatalf("second refresh never joined the shared call\n%s", buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
	}
	cancelA()
	if err := <-doneA; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled refresh returned %v", err)
	}
	// A's call ended with A's cancellation; B must fetch for itself.
	close(f.block)
	o := <-doneB
	if o.err != nil || len(o.res) != 1 {
		t.Fatalf("refresh B: %v, %d results", o.err, len(o.res))
	}
	if err := o.res[0].Err; err != nil {
		t.Fatalf("refresh B failed with another refresh's cancellation: %v", err)
	}
	eq(t, "events of B", b[0].NumEvents(), 3)
}

// TestRateLimitBurstBacksOffOnce: requests already in flight when a
// carrier starts refusing all come back 429 together; that is one refusal,
// not several consecutive ones, so the back-off is the first step (1m),
// not doubled once per request in flight.
func TestRateLimitBurstBacksOffOnce(t *testing.T) {
	f := newFake("fake")
	f.limited.Store(4)
	f.block = make(chan struct{})
	f.entered = make(chan struct{}, 4)
	tr, _ := New(Options{Carriers: []carriers.Carrier{f}, Concurrency: 4, Logger: quiet})
	ships := fakeShipments(f, 4)
	done := make(chan []Result, 1)
	go func() { res, _ := tr.Refresh(context.Background(), mon, ships); done <- res }()
	for range 4 {
		<-f.entered // all four requests in flight
	}
	close(f.block)
	for _, r := range <-done {
		if !errors.Is(r.Err, carriers.ErrRateLimited) {
			t.Fatalf("%s: %v, want rate limited", r.Shipment.TrackingNumber, r.Err)
		}
		if at, _ := r.Shipment.NextPoll(); !at.Equal(mon.Add(time.Minute)) {
			t.Errorf("%s rescheduled at %v, want %v (one back-off step)", r.Shipment.TrackingNumber, at, mon.Add(time.Minute))
		}
	}
	// Refused again after the back-off: that is consecutive, it doubles.
	f.limited.Store(1)
	later := mon.Add(time.Minute)
	res, _ := tr.Refresh(context.Background(), later, ships[:1])
	if at, _ := res[0].Shipment.NextPoll(); !errors.Is(res[0].Err, carriers.ErrRateLimited) || !at.Equal(later.Add(2*time.Minute)) {
		t.Errorf("second refusal: %v, rescheduled at %v, want %v", res[0].Err, at, later.Add(2*time.Minute))
	}
}

// TestRefreshCancelledResultsSayso: shipments a cancelled Refresh did not
// get to poll come back with the context's error, not as if refreshed
// (nil Err, no changes), and Run would otherwise save them as polled.
func TestRefreshCancelledResultsSayso(t *testing.T) {
	f := newFake("fake")
	tr, _ := New(Options{Carriers: []carriers.Carrier{f}, Logger: quiet})
	ships := fakeShipments(f, 3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := tr.Refresh(ctx, mon, ships)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Refresh returned %v, want context.Canceled", err)
	}
	eq(t, "results", len(res), 3)
	for _, r := range res {
		if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("%s: Err %v, want context.Canceled (not polled)", r.Shipment.TrackingNumber, r.Err)
		}
	}
	eq(t, "calls", f.calls.Load(), int64(0))
}

// TestMaxAgeStopsFailingShipments: Cadence.MaxAge stops polling "whatever
// the state", so also for a number the carrier never finds (or that keeps
// failing); otherwise it would be polled every few hours forever.
func TestMaxAgeStopsFailingShipments(t *testing.T) {
	f := newFake("fake")
	tr, _ := New(Options{Carriers: []carriers.Carrier{f}, Logger: quiet})
	s := &Shipment{Carrier: "fake", TrackingNumber: "NOSUCH1", LabelCreatedAt: mon.AddDate(0, 0, -91)}
	res, _ := tr.Refresh(context.Background(), mon, []*Shipment{s})
	if len(res) != 1 || !errors.Is(res[0].Err, carriers.ErrNotFound) {
		t.Fatalf("results %+v, want one not-found", res)
	}
	if at, polling := s.NextPoll(); polling {
		t.Errorf("still polling (next at %v) 91 days after the label, past MaxAge", at)
	}
	// A young shipment with the same failure keeps polling.
	y := &Shipment{Carrier: "fake", TrackingNumber: "NOSUCH2", LabelCreatedAt: mon.AddDate(0, 0, -1)}
	tr.Refresh(context.Background(), mon, []*Shipment{y})
	if _, polling := y.NextPoll(); !polling {
		t.Error("a one-day-old shipment stopped polling after one not-found")
	}
}
