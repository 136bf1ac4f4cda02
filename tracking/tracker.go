package tracking

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

// Cadence says how often a shipment is polled in each state. Every zero
// value means the default in brackets.
type Cadence struct {
	// LabelCreated: no carrier scan yet [12h].
	LabelCreated time.Duration
	// InTransit: moving, or on its way back to the sender [4h].
	InTransit time.Duration
	// OutForDelivery: on the vehicle, or after a failed attempt [1h].
	OutForDelivery time.Duration
	// Exception: the carrier reported a problem [2h].
	Exception time.Duration
	// AvailableForPickup: waiting for the recipient [12h].
	AvailableForPickup time.Duration
	// Delivered: interval while still polling after delivery [12h].
	Delivered time.Duration
	// StopAfterDelivery: polling stops this long after the delivery time
	// (a late correction or return can still be seen until then) [48h].
	StopAfterDelivery time.Duration
	// MaxAge: polling stops this long after the label was created (or the
	// first event) whatever the state [90 days].
	MaxAge time.Duration
	// RateLimited: the first back-off of a carrier that answered
	// ErrRateLimited; it doubles with each consecutive refusal up to 32
	// times [1m].
	RateLimited time.Duration
	// Error: retry interval after any other failure [30m].
	Error time.Duration
}

func (c *Cadence) fill() error {
	for _, f := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"LabelCreated", &c.LabelCreated, 12 * time.Hour},
		{"InTransit", &c.InTransit, 4 * time.Hour},
		{"OutForDelivery", &c.OutForDelivery, time.Hour},
		{"Exception", &c.Exception, 2 * time.Hour},
		{"AvailableForPickup", &c.AvailableForPickup, 12 * time.Hour},
		{"Delivered", &c.Delivered, 12 * time.Hour},
		{"StopAfterDelivery", &c.StopAfterDelivery, 48 * time.Hour},
		{"MaxAge", &c.MaxAge, 90 * 24 * time.Hour},
		{"RateLimited", &c.RateLimited, time.Minute},
		{"Error", &c.Error, 30 * time.Minute},
	} {
		if *f.v < 0 {
			return &ConfigError{Field: "Cadence." + f.name, Reason: "must not be negative"}
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	return nil
}

// Tracker refreshes shipments from their carriers: it decides which are
// due, fetches them with bounded concurrency, per-carrier rate limits and
// back-off, one fetch per number at a time, applies the results and
// reschedules each shipment by its state. It holds no shipments: the host
// stores them (see Store and Run).
//
// A Tracker is safe for concurrent use.
type Tracker struct {
	carriers map[string]carriers.Carrier
	rules    *Rules
	limit    int
	limiters map[string]*rate.Limiter
	cadence  Cadence
	log      *slog.Logger
	batch    int
	now      func() time.Time

	flight singleflight.Group

	mu      sync.Mutex
	backoff map[string]backoffState
}

type backoffState struct {
	until time.Time
	hits  int
}

// Options configures a Tracker. Every zero value means the default in
// brackets; New validates the whole struct once.
type Options struct {
	// Carriers are the carriers the tracker polls, looked up by their
	// Code (case-insensitive). Two carriers with the same code, a nil
	// carrier or an empty code is an error. [none: every shipment gets
	// ErrNoCarrier]
	Carriers []carriers.Carrier
	// Rules are applied to every refreshed shipment. [nil: the defaults]
	Rules *Rules
	// Cadence says how often a shipment is polled in each state; its zero
	// fields keep their defaults.
	Cadence Cadence
	// Concurrency bounds the carrier requests in flight at once [8].
	Concurrency int
	// RateLimits limits the requests to a carrier, by carrier code
	// (case-insensitive). A carrier without one is limited only by
	// Concurrency. [none]
	RateLimits map[string]RateLimit
	// BatchSize is how many due shipments Run asks the Store for on each
	// tick [500].
	BatchSize int
	// Logger receives warnings (rate-limit back-off) and Run's store
	// errors. Tracking numbers are logged; nothing personal is.
	// [slog.Default()]
	Logger *slog.Logger
	// Now is the clock Run reads on each tick. [nil: time.Now] Refresh,
	// Due and Schedule never read it: they take the instant as an
	// argument.
	Now func() time.Time
}

// RateLimit is a token bucket: PerSecond requests a second on average,
// bursts of up to Burst.
type RateLimit struct {
	// PerSecond must be positive.
	PerSecond float64
	// Burst must be at least 1.
	Burst int
}

// New returns a Tracker configured by opts, which are validated here,
// once: a value out of range is a *ConfigError naming the field.
func New(opts Options) (*Tracker, error) {
	t := &Tracker{
		carriers: map[string]carriers.Carrier{},
		rules:    opts.Rules,
		limit:    8,
		limiters: map[string]*rate.Limiter{},
		cadence:  opts.Cadence,
		log:      slog.Default(),
		batch:    500,
		now:      time.Now,
		backoff:  map[string]backoffState{},
	}
	for i, c := range opts.Carriers {
		field := "Carriers[" + strconv.Itoa(i) + "]"
		if c == nil {
			return nil, &ConfigError{Field: field, Reason: "nil carrier"}
		}
		code := strings.ToLower(c.Code())
		if _, dup := t.carriers[code]; dup || code == "" {
			return nil, &ConfigError{Field: field, Reason: "empty or duplicate code " + quote(code)}
		}
		t.carriers[code] = c
	}
	if err := t.cadence.fill(); err != nil {
		return nil, err
	}
	switch {
	case opts.Concurrency < 0:
		return nil, &ConfigError{Field: "Concurrency", Reason: "must not be negative"}
	case opts.Concurrency > 0:
		t.limit = opts.Concurrency
	}
	for code, rl := range opts.RateLimits {
		if rl.PerSecond <= 0 || rl.Burst < 1 || math.IsInf(rl.PerSecond, 0) || math.IsNaN(rl.PerSecond) {
			return nil, &ConfigError{Field: "RateLimits[" + quote(code) + "]", Reason: "PerSecond must be positive and finite, Burst at least 1"}
		}
		key := strings.ToLower(code)
		if _, dup := t.limiters[key]; dup {
			return nil, &ConfigError{Field: "RateLimits[" + quote(code) + "]", Reason: "duplicate carrier code (codes are case-insensitive)"}
		}
		t.limiters[key] = rate.NewLimiter(rate.Limit(rl.PerSecond), rl.Burst)
	}
	switch {
	case opts.BatchSize < 0:
		return nil, &ConfigError{Field: "BatchSize", Reason: "must not be negative"}
	case opts.BatchSize > 0:
		t.batch = opts.BatchSize
	}
	if opts.Logger != nil {
		t.log = opts.Logger
	}
	if opts.Now != nil {
		t.now = opts.Now
	}
	return t, nil
}

// Rules returns the tracker's rules (nil means the defaults).
func (t *Tracker) Rules() *Rules { return t.rules }

// NextPoll returns when the shipment is next due for polling, and false
// when polling has stopped (delivered long enough ago, returned to the
// shipper, expired, or too old). A shipment never scheduled is due at once.
func (s *Shipment) NextPoll() (at time.Time, polling bool) { return s.nextPoll, !s.pollDone }

// Due reports whether s should be polled at now.
func (t *Tracker) Due(now time.Time, s *Shipment) bool {
	return !s.pollDone && !now.Before(s.nextPoll)
}

// Schedule sets when s is next polled, from its state and the cadence, as
// of now. Refresh calls it for every shipment it polled.
func (t *Tracker) Schedule(now time.Time, s *Shipment) {
	at, ok := t.next(s, now)
	if at.Equal(s.nextPoll) && s.pollDone == !ok {
		return
	}
	s.nextPoll, s.pollDone = at, !ok
	s.Version++
}

// tooOld reports whether s is past Cadence.MaxAge at now.
func (t *Tracker) tooOld(s *Shipment, now time.Time) bool {
	first := s.LabelCreatedAt
	if len(s.events) > 0 && (first.IsZero() || s.events[0].Time.Before(first)) {
		first = s.events[0].Time
	}
	return !first.IsZero() && now.Sub(first) > t.cadence.MaxAge
}

func (t *Tracker) next(s *Shipment, now time.Time) (time.Time, bool) {
	s.ensure()
	c := &t.cadence
	if t.tooOld(s, now) {
		return time.Time{}, false
	}
	var every time.Duration
	switch st := s.f.status; {
	case s.f.returned, st == carriers.StatusExpired:
		return time.Time{}, false
	case st == carriers.StatusDelivered:
		if now.Sub(s.DeliveredAt()) >= c.StopAfterDelivery {
			return time.Time{}, false
		}
		every = c.Delivered
	case st == carriers.StatusOutForDelivery || st == carriers.StatusAttemptFail:
		every = c.OutForDelivery
	case st == carriers.StatusException:
		every = c.Exception
	case st == carriers.StatusAvailableForPickup:
		every = c.AvailableForPickup
	case st == carriers.StatusInTransit || st == carriers.StatusReturnToSender:
		every = c.InTransit
	default:
		every = c.LabelCreated
	}
	return now.Add(every).UTC(), true
}

// Result is the outcome of refreshing one shipment.
type Result struct {
	// Shipment is the shipment refreshed (the pointer given to Refresh).
	Shipment *Shipment
	// Changes is what the carrier's answer changed.
	Changes Changes
	// Err is why the shipment could not be refreshed: a *carriers.Error
	// (errors.Is with carriers.ErrNotFound, ErrRateLimited, ...),
	// ErrNoCarrier, a context error, or an *EventError for events the
	// carrier sent that were rejected (the rest were applied).
	Err error
}

// task is one carrier request: a number (and the shipments that share
// it), or a batch of numbers for a BatchTracker.
type task struct {
	carrier carriers.Carrier
	code    string
	numbers []string
	ships   map[string][]int // number → indices into the due list
}

// Refresh polls the shipments of list that are due at now and returns one
// Result per polled shipment, in list order. Shipments that are not due
// are skipped. Requests run concurrently up to the concurrency limit,
// within each carrier's rate limit; carriers that implement
// carriers.BatchTracker get one request per MaxBatch numbers; a number
// asked for by several concurrent refreshes is fetched once at a time
// (single-number requests). A carrier that answers ErrRateLimited is left
// alone until its back-off passes: its remaining shipments get a Result
// with an error wrapping carriers.ErrRateLimited and are rescheduled for
// then.
//
// Refresh mutates the shipments it polls (Update, Schedule) and must not
// be given the same shipment concurrently from elsewhere. It returns early
// with ctx's error when ctx ends, once the carrier requests it started have
// returned (carriers honour ctx); no goroutine outlives it. A refresh that
// shares another refresh's request for a number does not inherit that
// refresh's cancellation: it fetches again.
func (t *Tracker) Refresh(ctx context.Context, now time.Time, list []*Shipment) ([]Result, error) {
	var due []*Shipment
	seen := make(map[*Shipment]bool, len(list))
	for _, s := range list {
		if s == nil || seen[s] || !t.Due(now, s) {
			continue
		}
		seen[s] = true
		s.UseRules(t.rules)
		due = append(due, s)
	}
	results := make([]Result, len(due))
	var tasks []*task
	byCarrier := map[string]map[string][]int{}
	for i, s := range due {
		results[i].Shipment = s
		results[i].Err = errNotPolled // until a task answers for it
		code := strings.ToLower(s.Carrier)
		if _, ok := t.carriers[code]; !ok {
			results[i].Err = ErrNoCarrier
			s.nextPoll = now.Add(t.cadence.Error).UTC()
			if t.tooOld(s, now) {
				s.nextPoll, s.pollDone = time.Time{}, true
			}
			s.Version++
			continue
		}
		num := carriers.NormalizeNumber(s.TrackingNumber)
		if byCarrier[code] == nil {
			byCarrier[code] = map[string][]int{}
		}
		byCarrier[code][num] = append(byCarrier[code][num], i)
	}
	for code, nums := range byCarrier {
		c := t.carriers[code]
		size := 1
		if bt, ok := c.(carriers.BatchTracker); ok && bt.MaxBatch() > 1 {
			size = bt.MaxBatch()
		}
		var cur *task
		for _, s := range due {
			num := carriers.NormalizeNumber(s.TrackingNumber)
			idx, ok := nums[num]
			if !ok || strings.ToLower(s.Carrier) != code {
				continue
			}
			delete(nums, num) // each number once, in list order
			if cur == nil || len(cur.numbers) == size {
				cur = &task{carrier: c, code: code, ships: map[string][]int{}}
				tasks = append(tasks, cur)
			}
			cur.numbers = append(cur.numbers, num)
			cur.ships[num] = idx
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(t.limit)
	for _, tk := range tasks {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			t.run(gctx, now, tk, due, results)
			return nil
		})
	}
	_ = g.Wait()
	cerr := ctx.Err()
	for i := range results {
		if results[i].Err == errNotPolled {
			// Only when ctx ended before its task ran.
			results[i].Err = nil
			if cerr != nil {
				s := results[i].Shipment
				results[i].Err = t.wrap(strings.ToLower(s.Carrier), carriers.NormalizeNumber(s.TrackingNumber), cerr)
			}
		}
	}
	if cerr != nil {
		return results, cerr
	}
	return results, nil
}

// errNotPolled marks, inside Refresh, a result no task has answered yet.
var errNotPolled = errors.New("tracking: not polled")

// run performs one task and applies its answers.
func (t *Tracker) run(ctx context.Context, now time.Time, tk *task, due []*Shipment, results []Result) {
	fail := func(num string, err error) {
		for _, i := range tk.ships[num] {
			results[i].Err = err
			s := due[i]
			retry := t.cadence.Error
			if until, limited := t.limited(tk.code, now); limited {
				retry = until.Sub(now)
			} else if errors.Is(err, carriers.ErrNotFound) {
				retry = t.cadence.LabelCreated
			}
			s.nextPoll = now.Add(retry).UTC()
			if t.tooOld(s, now) && ctx.Err() == nil {
				// MaxAge holds whatever the state, failures included.
				s.nextPoll, s.pollDone = time.Time{}, true
			}
			s.Version++
		}
	}
	apply := func(num string, tr *carriers.Tracking) {
		for _, i := range tk.ships[num] {
			s := due[i]
			ch, err := s.Update(now, tr)
			results[i].Changes, results[i].Err = ch, err
			t.Schedule(now, s)
		}
	}
	if until, limited := t.limited(tk.code, now); limited {
		for _, num := range tk.numbers {
			fail(num, t.wrap(tk.code, num, errBackingOff(until)))
		}
		return
	}
	if lim := t.limiters[tk.code]; lim != nil {
		if err := lim.Wait(ctx); err != nil {
			for _, num := range tk.numbers {
				fail(num, t.wrap(tk.code, num, ctxErr(ctx, err)))
			}
			return
		}
	}
	if bt, ok := tk.carrier.(carriers.BatchTracker); ok && len(tk.numbers) > 1 {
		res, err := bt.TrackBatch(ctx, tk.numbers)
		if err != nil {
			t.noteError(tk.code, now, err)
			for _, num := range tk.numbers {
				fail(num, t.wrap(tk.code, num, err))
			}
			return
		}
		t.noteOK(tk.code)
		got := map[string]bool{}
		for _, r := range res {
			num := carriers.NormalizeNumber(r.TrackingNumber)
			if _, ours := tk.ships[num]; !ours || got[num] {
				continue
			}
			got[num] = true
			if r.Err != nil || r.Tracking == nil {
				e := r.Err
				if e == nil {
					e = carriers.ErrMalformedResponse
				}
				fail(num, t.wrap(tk.code, num, e))
				continue
			}
			apply(num, r.Tracking)
		}
		for _, num := range tk.numbers {
			if !got[num] {
				fail(num, t.wrap(tk.code, num, carriers.ErrMalformedResponse))
			}
		}
		return
	}
	num := tk.numbers[0]
	for {
		// started is closed when this call, not another refresh's, runs
		// the carrier request.
		started := make(chan struct{})
		ch := t.flight.DoChan(tk.code+"\x00"+num, func() (any, error) {
			close(started)
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return tk.carrier.Track(ctx, num)
		})
		var r singleflight.Result
		select {
		case <-ctx.Done():
			select {
			case <-started:
				// Our own request is running: it sees the cancellation
				// and returns; wait for it, so that it neither outlives
				// Refresh nor overlaps the next task's request (which
				// would break the concurrency bound).
				<-ch
			default:
			}
			fail(num, t.wrap(tk.code, num, ctx.Err()))
			return
		case r = <-ch:
		}
		own := false
		select {
		case <-started:
			own = true
		default:
		}
		if !own && ctx.Err() == nil &&
			(errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
			// The call was started by another refresh, whose context
			// ended; ours has not: fetch again rather than inherit its
			// cancellation. (The result is received after the call
			// returned, so reading own is ordered after its write.)
			continue
		}
		if r.Err != nil {
			t.noteError(tk.code, now, r.Err)
			fail(num, t.wrap(tk.code, num, r.Err))
			return
		}
		t.noteOK(tk.code)
		tr, _ := r.Val.(*carriers.Tracking)
		if tr == nil {
			fail(num, t.wrap(tk.code, num, carriers.ErrMalformedResponse))
			return
		}
		apply(num, tr)
		return
	}
}

func ctxErr(ctx context.Context, err error) error {
	if e := ctx.Err(); e != nil {
		return e
	}
	return err
}

// errBackingOff is the cause given to shipments skipped while a carrier's
// rate-limit back-off lasts.
func errBackingOff(until time.Time) error {
	return &backingOff{until: until}
}

type backingOff struct{ until time.Time }

// Error says until when the carrier is left alone.
func (b *backingOff) Error() string {
	return "carriers: rate limited: backing off until " + b.until.UTC().Format(time.RFC3339)
}

// Unwrap returns carriers.ErrRateLimited.
func (b *backingOff) Unwrap() error { return carriers.ErrRateLimited }

// wrap returns err as a *carriers.Error for the carrier and number, unless
// it already is one (adapters return raw errors or *carriers.Error; the
// tracker wraps at most once).
func (t *Tracker) wrap(code, num string, err error) error {
	var ce *carriers.Error
	if errors.As(err, &ce) {
		return err
	}
	return &carriers.Error{Carrier: code, Op: "track", TrackingNumber: num, Err: err}
}

func (t *Tracker) limited(code string, now time.Time) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.backoff[code]
	return b.until, now.Before(b.until)
}

func (t *Tracker) noteError(code string, now time.Time, err error) {
	if !errors.Is(err, carriers.ErrRateLimited) {
		return
	}
	t.mu.Lock()
	b := t.backoff[code]
	if now.Before(b.until) {
		// Already backing off: this refusal answers a request that was in
		// flight with the one that started the back-off, not a retry
		// after it, so it does not double the back-off again.
		t.mu.Unlock()
		return
	}
	b.hits = min(b.hits+1, 6)
	d := t.cadence.RateLimited << (b.hits - 1)
	b.until = now.Add(d)
	t.backoff[code] = b
	t.mu.Unlock()
	t.log.Warn("tracking: carrier rate limited; backing off", "carrier", code, "for", d)
}

func (t *Tracker) noteOK(code string) {
	t.mu.Lock()
	if b, ok := t.backoff[code]; ok && b.hits > 0 {
		b.hits = 0
		t.backoff[code] = b
	}
	t.mu.Unlock()
}

// Store is where Run finds due shipments and saves them. The host
// implements it over its own database.
type Store interface {
	// Due returns up to limit shipments whose NextPoll is at or before
	// now and that are still polling. Run owns the returned shipments
	// until it calls Save for them.
	Due(ctx context.Context, now time.Time, limit int) ([]*Shipment, error)
	// Save stores a refreshed shipment. The host should write it only if
	// the stored Version is still the one it loaded (optimistic
	// concurrency) and deliver ch's milestones and delays (at least
	// once; receivers de-duplicate on their IDs).
	Save(ctx context.Context, s *Shipment, ch Changes) error
}

// Run polls until ctx ends or ticks is closed. On every value received
// from ticks (a time.Ticker's channel, or a test's channel) it reads the
// clock (Options.Now; the value received is only a signal), asks the
// store for shipments due at that instant, refreshes them and saves each. Store errors are logged and the loop goes on. Run
// returns ctx's error, or nil when ticks is closed; no goroutine it started
// outlives it.
func (t *Tracker) Run(ctx context.Context, ticks <-chan time.Time, st Store) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-ticks:
			if !ok {
				return nil
			}
			now := t.now()
			list, err := st.Due(ctx, now, t.batch)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				t.log.Error("tracking: store due", "err", err)
				continue
			}
			results, err := t.Refresh(ctx, now, list)
			for _, r := range results {
				if serr := st.Save(ctx, r.Shipment, r.Changes); serr != nil && ctx.Err() == nil {
					t.log.Error("tracking: store save", "carrier", r.Shipment.Carrier, "number", r.Shipment.TrackingNumber, "err", serr)
				}
			}
			if err != nil {
				return err
			}
		}
	}
}
