// Package simulator is a deterministic carrier for tests, examples and
// demos. It implements carriers.Carrier and produces realistic scan
// sequences — label created, pickup, hub arrivals and departures, out for
// delivery, delivered — with trouble injected on request: a weather delay, a
// shipment stalled in transit, a failed delivery attempt, a lost or damaged
// parcel, a return to sender, a slipped delivery estimate.
//
// It also behaves like the carriers real data shows (Options): lanes whose
// scheduled transit grows with the distance between origin and
// destination (Places), clean parcels that arrive silently late with a
// heavy right tail (LateShare), surges that slow a destination region for
// weeks (Surges), Saturday deliveries (WeekendDelivery), carriers that
// give no estimate (NoEstimates) and carriers that scan rarely or only at
// pickup and delivery (Scans). Thin lanes are the caller's choice of
// volumes.
//
// # Transit times
//
// By default a clean parcel's scheduled business days are drawn uniformly
// from its lane's range (ScheduleRange): the lane median plus noise,
// which nothing known at pickup can predict better than the lane's
// median. Real transit times are not like that, so Options.Network times
// each parcel through a parcel network instead — pickup at the driver's
// hour, the origin's last trailer of the evening (Network.Cutoff),
// linehaul that runs over weekends and slows at weekend sorts, missed
// sorts, delivery on business mornings, rural routes a day slower (see
// Network). The business days a lane takes then depend on the pickup's
// weekday and hour, as on real data, through hours and schedules rather
// than through a table of effects, and partly on what nobody sees at
// pickup (the route, missed sorts, rural addresses, the heavy tail of
// LateShare, surges). A transit model that conditions on the pickup can
// beat the lane median here; how much is a property of these choices,
// not a measurement of real carriers, which is why package tracking's
// evaluation reports the conditional medians beside it.
//
// # Trouble caught before the promise
//
// Package tracking's TestEvaluate replays 30,000 simulated shipments
// through its detectors (go test ./tracking -run TestEvaluate -v
// -eval.n=30000; the set-up is in tracking's package doc): two carriers
// on the parcel network, one scanning at every facility with estimates,
// one scanning only at pickup and delivery without estimates, 12 % of
// the shipments with injected trouble. Share of each trouble flagged by
// any delay before the promised time passed, with the transit model
// (seed 1; seeds 2 to 5 give 100 % in every cell too, the silent slip's
// included, and false alarms of 1.9–2.4 % and 3.6–4.3 %):
//
//	trouble              full scans, estimates   pickup and delivery only
//	weather delay          100 % of 110             100 % of 107
//	stalled                100 % of  93             100 % of 112
//	failed attempt         100 % of 105             100 % of 101
//	lost                   100 % of 103             100 % of 104
//	damaged                100 % of 105             100 % of 108
//	returned to sender     100 % of 100             100 % of  93
//	estimate slipped       100 % of 100             100 % of  29 late (*)
//	false alarms             2.0 % of 5,052           3.7 % of 4,976
//	  (on-time deliveries without trouble, any delay opened)
//
// (*) Without estimates, EstimateSlipped is a silent two-day slip: it
// counts when it makes the parcel late (29 of 112); 22.9 % of the 83 that
// still came on time were warned as at risk.
//
// Everything is a function of the seed, the options, the plan and the
// simulated clock: the same inputs give the same events on every machine
// and in any order of calls. Track returns what a real carrier would have said at the instant
// Options.Now reports, so advancing the clock replays a shipment's life.
package simulator

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// Code is the carrier code the simulator reports unless Options.Code says
// otherwise.
const Code = "sim"

// Trouble is the kind of problem injected into a simulated shipment.
type Trouble int

// The troubles a plan can ask for. The zero value is a clean delivery.
const (
	// NoTrouble: picked up, moves through hubs, delivered on time.
	NoTrouble Trouble = iota
	// WeatherDelay: a weather exception at a hub holds the parcel one or
	// two days; the carrier reschedules the estimate; then it is delivered.
	WeatherDelay
	// Stalled: after leaving a hub the parcel gets no scan for seven days,
	// then moves again and is delivered.
	Stalled
	// FailedAttempt: the first delivery attempt fails (nobody home); the
	// second, a business day later, succeeds.
	FailedAttempt
	// Lost: scans stop after a hub; ten days later the carrier declares the
	// parcel lost.
	Lost
	// Damaged: a damage exception at a hub; the parcel is delivered a day
	// late.
	Damaged
	// ReturnedToSender: two failed attempts for an address problem, then
	// the parcel goes back to the origin and is received there.
	ReturnedToSender
	// EstimateSlipped: no exception scan, but the carrier moves its
	// estimate two days later midway and delivers on the new date. On a
	// carrier that gives no estimates (Options.NoEstimates) nothing
	// announces it: it is a silent two-business-day slip, which only a
	// detector watching the promise can see, and only when it makes the
	// parcel late.
	EstimateSlipped
)

var troubleNames = []string{"none", "weather_delay", "stalled", "failed_attempt", "lost", "damaged", "returned_to_sender", "estimate_slipped"}

// String returns the trouble's name, such as "weather_delay".
func (t Trouble) String() string {
	if t >= 0 && int(t) < len(troubleNames) {
		return troubleNames[t]
	}
	return fmt.Sprintf("Trouble(%d)", int(t))
}

// Troubles returns every Trouble, NoTrouble first.
func Troubles() []Trouble {
	ts := make([]Trouble, len(troubleNames))
	for i := range ts {
		ts[i] = Trouble(i)
	}
	return ts
}

// Place is a city a simulated parcel passes through. Zone is the city's time
// zone; events there carry its offset. A nil Zone means UTC.
type Place struct {
	carriers.Location
	Zone *time.Location
}

// Plan describes one simulated shipment.
type Plan struct {
	// TrackingNumber is the tracking number; Ship assigns one when it is
	// empty.
	TrackingNumber string
	// LabelCreatedAt is when the label was created: the carrier knows
	// nothing about the number before this instant. Required.
	LabelCreatedAt time.Time
	// Origin and Destination default to Reno, NV and Columbus, OH. The
	// scheduled transit depends on how far apart they are (see
	// TransitDays); Places lists the places whose position the simulator
	// knows.
	Origin, Destination Place
	// Service is reported in Tracking.Service; default "Ground".
	Service string
	// TransitDays is the number of business days from pickup to the
	// scheduled delivery. 0 draws it from the lane: uniformly from
	// lo to 2·lo+1 business days, where lo is 1 within about 12° of
	// longitude, 2 up to about 37° (Reno to Columbus: 2–5), 3 coast to
	// coast; 2–5 when a place is not one the simulator knows. Options
	// LateShare and Surges add days beyond the schedule.
	TransitDays int
	// Trouble is the problem to inject, if any.
	Trouble Trouble
}

// Options configures a simulator. The zero value is usable: seed 0, code
// "sim", the wall clock, a carrier that scans at every hub and gives
// estimates, every clean parcel on its scheduled day, no weekend deliveries
// and no surges. New validates it.
type Options struct {
	// Seed makes runs differ; the same seed gives the same events.
	Seed uint64
	// Code overrides the carrier code ("sim").
	Code string
	// Now returns the simulated present. Nil means time.Now.
	Now func() time.Time
	// Scans is how often the carrier scans a parcel between pickup and
	// delivery [ScansFull].
	Scans Scans
	// NoEstimates makes the carrier give no delivery estimate, as many
	// marketplace and regional carriers do.
	NoEstimates bool
	// LateShare is the share (0 to 1) of parcels that arrive after the
	// carrier's scheduled day without any trouble being reported: one or
	// more business days late, with a heavy right tail (most by one or
	// two days, a few by a week or more). Zero means none.
	LateShare float64
	// WeekendDelivery is the probability (0 to 1) that a parcel due on a
	// Monday is delivered on the Saturday before instead. Zero means the
	// carrier never delivers on weekends; about 0.35 gives the 6–7 % of
	// weekend deliveries seen on real marketplace data.
	WeekendDelivery float64
	// Surges slow the parcels bound for a region for a stretch of time.
	Surges []Surge
	// Network, when set, times each parcel the way a parcel network moves
	// it (pickup hour, the origin's last trailer, linehaul that runs on
	// weekends, missed sorts, delivery on business mornings) instead of
	// drawing its scheduled business days uniformly from the lane. Nil
	// keeps the uniform draw (ScheduleRange). Plans with TransitDays set
	// keep their schedule either way.
	Network *Network
}

// Network times parcels through a parcel network: the structure that
// makes real transit times depend on more than the lane, which a lane
// median cannot see.
//
//   - The driver picks parcels up at any hour from 10:00 to 20:59 local
//     on business days (at least an hour after the label). The origin
//     facility's last trailer leaves at Cutoff on business days: a parcel
//     that reaches it later (1–3 hours after pickup) leaves the next
//     business evening.
//   - Linehaul runs every day of the week. It takes about 4 hours plus 1.4
//     per degree of longitude between origin and destination (±15 %
//     jitter per parcel), through one hub on lanes under 25° and one to
//     three beyond; each hub sort takes 2–5 hours, half a day more on a
//     weekend, and is missed with probability MissedSort (the parcel
//     waits a day). So a Thursday or Friday pickup on a long lane travels
//     over the weekend and takes fewer business days than a Monday one.
//   - The destination facility sends out the parcels that arrive by
//     04:30 local the same business morning (Saturday too, with
//     WeekendDelivery, for what would wait until Monday); a share Rural of
//     addresses (the plan's number decides which) is on a route that runs
//     a business day later.
//
// The carrier's scheduled day (its estimate) is the plan without missed
// sorts; LateShare, Surges and trouble add business days on top, as
// without a network. Nothing here is a transit-time table: the business
// days a lane takes follow from the hours, so they vary with the pickup's
// weekday and hour, the route and luck.
type Network struct {
	// Cutoff is the local hour (12 to 23) the origin facility's last
	// trailer leaves on business days. Zero means 21.
	Cutoff int
	// MissedSort is the probability (0 to 1) that a parcel misses its sort
	// at a hub. Zero means 0.08; negative means never.
	MissedSort float64
	// Rural is the share (0 to 1) of addresses delivered a business day
	// later. Zero means 0.2; negative means none.
	Rural float64
}

// Scans says how often a carrier scans a parcel between pickup and
// delivery.
type Scans int

// The scan levels.
const (
	// ScansFull: arrival and departure at every facility, a scan on each
	// business day a parcel waits at the destination facility, and out
	// for delivery.
	ScansFull Scans = iota
	// ScansRare: pickup, about one facility scan in five, out for
	// delivery and delivery.
	ScansRare
	// ScansSparse: pickup and delivery only (and exceptions, failed
	// attempts and returns, which every carrier reports).
	ScansSparse
)

// Surge slows every parcel bound for Region whose scheduled delivery day
// falls in [Start, End) — congestion at the destination slows what passes
// through it, including parcels already on their way when it starts: each
// takes ExtraDays more business days on average (exponentially
// distributed, so some take much longer), with no exception scan and no
// change to the carrier's estimate.
type Surge struct {
	// Region is the destination region, "US-OH" (country and state of
	// the destination Place).
	Region     string
	Start, End time.Time
	// ExtraDays is the mean delay in business days, greater than 0 and
	// at most 20.
	ExtraDays float64
}

// ErrInvalidOptions is returned by New for options it cannot use.
var ErrInvalidOptions = errors.New("simulator: invalid options")

// Carrier is the simulated carrier. It is safe for concurrent use.
type Carrier struct {
	seed uint64
	code string
	now  func() time.Time
	opts Options

	mu     sync.RWMutex
	next   int
	script map[string]*script
}

var _ carriers.Carrier = (*Carrier)(nil)

// New validates opts and returns a simulator with no shipments.
func New(opts Options) (*Carrier, error) {
	if opts.Scans < ScansFull || opts.Scans > ScansSparse {
		return nil, fmt.Errorf("%w: Scans %d is not a scan level", ErrInvalidOptions, int(opts.Scans))
	}
	if !(opts.LateShare >= 0 && opts.LateShare <= 1) {
		return nil, fmt.Errorf("%w: LateShare %v is not in [0, 1]", ErrInvalidOptions, opts.LateShare)
	}
	if !(opts.WeekendDelivery >= 0 && opts.WeekendDelivery <= 1) {
		return nil, fmt.Errorf("%w: WeekendDelivery %v is not in [0, 1]", ErrInvalidOptions, opts.WeekendDelivery)
	}
	for i, sg := range opts.Surges {
		switch {
		case sg.Region == "":
			return nil, fmt.Errorf("%w: Surges[%d].Region is empty", ErrInvalidOptions, i)
		case sg.Start.IsZero() || !sg.End.After(sg.Start):
			return nil, fmt.Errorf("%w: Surges[%d] needs a Start before its End", ErrInvalidOptions, i)
		case !(sg.ExtraDays > 0 && sg.ExtraDays <= 20):
			return nil, fmt.Errorf("%w: Surges[%d].ExtraDays %v is not in (0, 20]", ErrInvalidOptions, i, sg.ExtraDays)
		}
	}
	if nw := opts.Network; nw != nil {
		switch {
		case nw.Cutoff != 0 && (nw.Cutoff < 12 || nw.Cutoff > 23):
			return nil, fmt.Errorf("%w: Network.Cutoff %d is not an hour from 12 to 23", ErrInvalidOptions, nw.Cutoff)
		case !(nw.MissedSort <= 1) || math.IsNaN(nw.MissedSort):
			return nil, fmt.Errorf("%w: Network.MissedSort %v is above 1", ErrInvalidOptions, nw.MissedSort)
		case !(nw.Rural <= 1) || math.IsNaN(nw.Rural):
			return nil, fmt.Errorf("%w: Network.Rural %v is above 1", ErrInvalidOptions, nw.Rural)
		}
		n := *nw
		if n.Cutoff == 0 {
			n.Cutoff = 21
		}
		if n.MissedSort == 0 {
			n.MissedSort = 0.08
		}
		if n.Rural == 0 {
			n.Rural = 0.2
		}
		opts.Network = &n
	}
	opts.Surges = slices.Clone(opts.Surges)
	c := &Carrier{seed: opts.Seed, code: opts.Code, now: opts.Now, opts: opts, script: map[string]*script{}}
	if c.code == "" {
		c.code = Code
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Code returns the carrier code ("sim" unless Options.Code was set).
func (c *Carrier) Code() string { return c.code }

// Default places, with their real time zones' standard offsets (fixed, so
// the simulator needs no time zone database).
var (
	// Reno is the default origin: Reno, NV (UTC-8).
	Reno = Place{carriers.Location{City: "Reno", State: "NV", PostalCode: "89502", Country: "US"}, time.FixedZone("PST", -8*3600)}
	// SaltLakeCity is a hub: Salt Lake City, UT (UTC-7).
	SaltLakeCity = Place{carriers.Location{City: "Salt Lake City", State: "UT", PostalCode: "84104", Country: "US"}, time.FixedZone("MST", -7*3600)}
	// Denver is a hub: Denver, CO (UTC-7).
	Denver = Place{carriers.Location{City: "Denver", State: "CO", PostalCode: "80239", Country: "US"}, time.FixedZone("MST", -7*3600)}
	// Chicago is a hub: Chicago, IL (UTC-6).
	Chicago = Place{carriers.Location{City: "Chicago", State: "IL", PostalCode: "60638", Country: "US"}, time.FixedZone("CST", -6*3600)}
	// Indianapolis is a hub: Indianapolis, IN (UTC-5).
	Indianapolis = Place{carriers.Location{City: "Indianapolis", State: "IN", PostalCode: "46241", Country: "US"}, time.FixedZone("EST", -5*3600)}
	// Columbus is the default destination: Columbus, OH (UTC-5).
	Columbus = Place{carriers.Location{City: "Columbus", State: "OH", PostalCode: "43215", Country: "US"}, time.FixedZone("EST", -5*3600)}
	// Seattle: Seattle, WA (UTC-8).
	Seattle = Place{carriers.Location{City: "Seattle", State: "WA", PostalCode: "98108", Country: "US"}, time.FixedZone("PST", -8*3600)}
	// LosAngeles: Los Angeles, CA (UTC-8).
	LosAngeles = Place{carriers.Location{City: "Los Angeles", State: "CA", PostalCode: "90021", Country: "US"}, time.FixedZone("PST", -8*3600)}
	// Phoenix: Phoenix, AZ (UTC-7).
	Phoenix = Place{carriers.Location{City: "Phoenix", State: "AZ", PostalCode: "85043", Country: "US"}, time.FixedZone("MST", -7*3600)}
	// Dallas: Dallas, TX (UTC-6).
	Dallas = Place{carriers.Location{City: "Dallas", State: "TX", PostalCode: "75241", Country: "US"}, time.FixedZone("CST", -6*3600)}
	// Atlanta: Atlanta, GA (UTC-5).
	Atlanta = Place{carriers.Location{City: "Atlanta", State: "GA", PostalCode: "30336", Country: "US"}, time.FixedZone("EST", -5*3600)}
	// Miami: Miami, FL (UTC-5).
	Miami = Place{carriers.Location{City: "Miami", State: "FL", PostalCode: "33166", Country: "US"}, time.FixedZone("EST", -5*3600)}
	// NewYork: New York, NY (UTC-5).
	NewYork = Place{carriers.Location{City: "New York", State: "NY", PostalCode: "10001", Country: "US"}, time.FixedZone("EST", -5*3600)}
)

// Places returns the places whose position the simulator knows, west to
// east: their lanes get a transit time that grows with the distance.
func Places() []Place {
	return []Place{Seattle, LosAngeles, Reno, Phoenix, SaltLakeCity, Denver, Dallas, Chicago, Indianapolis, Atlanta, Columbus, Miami, NewYork}
}

// Region returns the place's region as package tracking names it:
// country, "-", state ("US-OH"), or the country alone.
func (p Place) Region() string {
	if p.State == "" {
		return p.Country
	}
	return p.Country + "-" + p.State
}

// longitude returns the longitude of a known place.
func longitude(p Place) (float64, bool) {
	if p.Country != "US" {
		return 0, false
	}
	switch p.State {
	case "WA":
		return -122.3, true
	case "CA":
		return -118.2, true
	case "NV":
		return -119.8, true
	case "AZ":
		return -112.1, true
	case "UT":
		return -111.9, true
	case "CO":
		return -105.0, true
	case "TX":
		return -96.8, true
	case "IL":
		return -87.6, true
	case "IN":
		return -86.2, true
	case "GA":
		return -84.4, true
	case "OH":
		return -83.0, true
	case "FL":
		return -80.2, true
	case "NY":
		return -74.0, true
	}
	return 0, false
}

// ScheduleRange returns the fewest and most business days from pickup to
// the scheduled delivery that Ship draws for a plan on the lane o→d with
// TransitDays 0 (before LateShare, Surges and trouble add any).
func ScheduleRange(o, d Place) (lo, hi int) {
	lo = laneMin(o, d)
	return lo, 2*lo + 1
}

// laneMin returns the fewest scheduled business days on the lane o→d.
func laneMin(o, d Place) int {
	a, ok1 := longitude(o)
	b, ok2 := longitude(d)
	if !ok1 || !ok2 {
		return 2
	}
	return 1 + int(math.Abs(a-b)/25+0.5)
}

var hubs = []Place{SaltLakeCity, Denver, Chicago, Indianapolis}

// ErrInvalidPlan is returned by Ship for a plan it cannot simulate.
var ErrInvalidPlan = errors.New("simulator: invalid plan")

// Ship adds a shipment and returns its tracking number (Plan.TrackingNumber, or a
// generated "SIM…" number). Adding a number twice is an error.
func (c *Carrier) Ship(p Plan) (string, error) {
	if p.LabelCreatedAt.IsZero() {
		return "", fmt.Errorf("%w: LabelCreatedAt is required", ErrInvalidPlan)
	}
	if p.Trouble < 0 || int(p.Trouble) >= len(troubleNames) {
		return "", fmt.Errorf("%w: unknown Trouble %d", ErrInvalidPlan, int(p.Trouble))
	}
	if p.TransitDays < 0 || p.TransitDays > 30 {
		return "", fmt.Errorf("%w: TransitDays %d out of range 0..30", ErrInvalidPlan, p.TransitDays)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.TrackingNumber == "" {
		for {
			c.next++
			p.TrackingNumber = simNumber(c.next)
			if _, taken := c.script[p.TrackingNumber]; !taken {
				break
			}
		}
	}
	if _, dup := c.script[p.TrackingNumber]; dup {
		return "", fmt.Errorf("%w: number %s already shipped", ErrInvalidPlan, p.TrackingNumber)
	}
	c.script[p.TrackingNumber] = build(c.seed, &c.opts, p)
	return p.TrackingNumber, nil
}

// simNumber formats "SIM" and n in ten digits.
func simNumber(n int) string {
	var b [13]byte
	copy(b[:], "SIM")
	for i := 12; i >= 3; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:])
}

// TrackingNumbers returns the tracking numbers of all shipments, sorted.
func (c *Carrier) TrackingNumbers() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ns := make([]string, 0, len(c.script))
	for n := range c.script {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// Script returns every event the shipment will ever have, oldest first,
// regardless of the clock: what tests feed to a tracker directly.
func (c *Carrier) Script(number string) ([]carriers.Event, bool) {
	c.mu.RLock()
	s, ok := c.script[number]
	c.mu.RUnlock()
	if !ok {
		return nil, false
	}
	return append([]carriers.Event(nil), s.events...), true
}

// Track returns the shipment as the carrier would describe it at the
// instant Options.Now reports: the events that have happened, newest
// first, and the estimate then in force. A number the simulator does not
// know, or whose label has not been created yet, is ErrNotFound.
func (c *Carrier) Track(ctx context.Context, number string) (*carriers.Tracking, error) {
	if err := ctx.Err(); err != nil {
		return nil, &carriers.Error{Carrier: c.code, Op: "track", TrackingNumber: number, Err: err}
	}
	c.mu.RLock()
	s, ok := c.script[strings.TrimSpace(number)]
	c.mu.RUnlock()
	now := c.now()
	if !ok || now.Before(s.plan.LabelCreatedAt) {
		return nil, &carriers.Error{Carrier: c.code, Op: "track", TrackingNumber: number, Code: "NOT_FOUND", Message: "no such shipment", Err: carriers.ErrNotFound}
	}
	return s.at(c.code, now), nil
}

// script is a shipment's whole future, computed once.
type script struct {
	plan      Plan
	events    []carriers.Event // oldest first
	estimates []estimateChange // oldest first
}

type estimateChange struct {
	at  time.Time
	est carriers.Estimate
}

func (s *script) at(code string, now time.Time) *carriers.Tracking {
	tr := &carriers.Tracking{Carrier: code, TrackingNumber: s.plan.TrackingNumber, Service: s.plan.Service}
	// Events are in time order: those up to now are a prefix.
	k := sort.Search(len(s.events), func(i int) bool { return s.events[i].Time.After(now) })
	if k > 0 {
		tr.Events = make([]carriers.Event, k)
		for i := range k {
			tr.Events[i] = s.events[k-1-i]
		}
	}
	if len(tr.Events) > 0 {
		tr.Status, tr.Reason = tr.Events[0].Status, tr.Events[0].Reason
		if tr.Status == carriers.StatusDelivered {
			tr.DeliveredAt = tr.Events[0].Time
			tr.SignedBy = "FRONT DOOR"
		}
	}
	for _, ec := range s.estimates {
		if !ec.at.After(now) {
			est := ec.est
			tr.Estimate = &est
		}
	}
	if tr.Status == carriers.StatusDelivered || tr.Status == carriers.StatusReturnToSender || tr.Reason == carriers.ReasonLost {
		tr.Estimate = nil
	}
	return tr
}

// builder accumulates a script.
type builder struct {
	rng   *rand.Rand // the plan's timings (the stream of the first versions)
	extra *rand.Rand // lateness, surges, weekends and scan sampling
	opts  *Options
	s     *script
	t     time.Time // time of the last event
}

func (b *builder) add(after time.Duration, p Place, st carriers.Status, r carriers.Reason, code, desc string) {
	b.t = b.t.Add(after)
	zone := p.Zone
	if zone == nil {
		zone = time.UTC
	}
	b.s.events = append(b.s.events, carriers.Event{
		Time: b.t.In(zone), Status: st, Reason: r, Code: code, Description: desc, Location: p.Location,
	})
}

// hours returns a random duration between lo and hi hours, to the minute.
func (b *builder) hours(lo, hi int) time.Duration {
	return time.Duration(lo*60+b.rng.IntN((hi-lo)*60+1)) * time.Minute
}

// atLocal moves b.t forward to the next instant that is hour:minute local
// time in p, at least min after b.t.
func (b *builder) atLocal(p Place, hour, minute int, min time.Duration) time.Duration {
	zone := p.Zone
	if zone == nil {
		zone = time.UTC
	}
	t := b.t.Add(min).In(zone)
	target := time.Date(t.Year(), t.Month(), t.Day(), hour, minute, 0, 0, zone)
	for target.Before(t) || isWeekend(target) {
		target = target.AddDate(0, 0, 1)
	}
	return target.Sub(b.t)
}

func (b *builder) estimate(at time.Time, day time.Time, src carriers.EstimateSource) {
	if b.opts.NoEstimates {
		return
	}
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	b.s.estimates = append(b.s.estimates, estimateChange{at: at, est: carriers.Estimate{
		Start: d, End: d.Add(24*time.Hour - time.Second), DateOnly: true, Source: src,
	}})
}

func isWeekend(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }

// addBusinessDays returns the date n business days after t (in t's zone).
func addBusinessDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if !isWeekend(t) {
			n--
		}
	}
	return t
}

func build(seed uint64, opts *Options, p Plan) *script {
	h := fnv.New64a()
	h.Write([]byte(p.TrackingNumber))
	key := h.Sum64()
	b := &builder{
		rng:   rand.New(rand.NewPCG(seed, key)),
		extra: rand.New(rand.NewPCG(splitmix(seed), splitmix(key))),
		opts:  opts, s: &script{events: make([]carriers.Event, 0, 16)}, t: p.LabelCreatedAt,
	}
	if p.Origin.Location.IsZero() {
		p.Origin = Reno
	}
	if p.Destination.Location.IsZero() {
		p.Destination = Columbus
	}
	if p.Service == "" {
		p.Service = "Ground"
	}
	if p.TransitDays == 0 && opts.Network != nil {
		b.s.plan = p
		b.add(0, p.Origin, carriers.StatusInfoReceived, carriers.ReasonNone, "LC", "Shipping label created, carrier awaiting item")
		b.network(key)
		return b.s
	}
	if p.TransitDays == 0 {
		lo := laneMin(p.Origin, p.Destination)
		p.TransitDays = lo + b.rng.IntN(lo+2)
	}
	b.s.plan = p
	o, d := p.Origin, p.Destination

	b.add(0, o, carriers.StatusInfoReceived, carriers.ReasonNone, "LC", "Shipping label created, carrier awaiting item")
	b.add(b.atLocal(o, 17, b.rng.IntN(60), 2*time.Hour), o, carriers.StatusInTransit, carriers.ReasonNone, "PU", "Picked up")
	pickup := b.t
	scheduled := addBusinessDays(pickup.In(zoneOf(d)), p.TransitDays)
	b.estimate(pickup, scheduled, carriers.EstimateScheduled)
	b.add(b.hours(2, 5), o, carriers.StatusInTransit, carriers.ReasonNone, "AR", "Arrived at origin facility")
	b.add(b.hours(3, 8), o, carriers.StatusInTransit, carriers.ReasonNone, "DP", "Departed origin facility")

	// Silent lateness: the carrier's schedule is missed with no
	// exception scan (a heavy right tail), and surges at the destination.
	delayDays := b.lateDays(scheduled, d)

	// One to three hubs between origin and destination, in route order.
	n := 1 + b.rng.IntN(3)
	start := b.rng.IntN(len(hubs) - n + 1)
	route := hubs[start : start+n]
	for i, hub := range route {
		b.add(b.hours(8, 20), hub, carriers.StatusInTransit, carriers.ReasonNone, "AR", "Arrived at hub")
		if i == 0 {
			switch p.Trouble {
			case WeatherDelay:
				days := 1 + b.rng.IntN(2)
				delayDays += days
				b.add(b.hours(1, 3), hub, carriers.StatusException, carriers.ReasonWeather, "WX", "Delayed: severe weather in the area")
				b.estimate(b.t, addBusinessDays(scheduled, delayDays), carriers.EstimateRescheduled)
				b.add(time.Duration(days)*24*time.Hour+b.hours(0, 4), hub, carriers.StatusInTransit, carriers.ReasonNone, "DP", "Departed hub")
				continue
			case Damaged:
				delayDays++
				b.add(b.hours(1, 3), hub, carriers.StatusException, carriers.ReasonDamaged, "DM", "Damage reported; package being repackaged")
				b.estimate(b.t, addBusinessDays(scheduled, delayDays), carriers.EstimateRescheduled)
				b.add(24*time.Hour+b.hours(0, 4), hub, carriers.StatusInTransit, carriers.ReasonNone, "DP", "Departed hub")
				continue
			case EstimateSlipped:
				delayDays += 2
				b.estimate(b.t.Add(b.hours(1, 3)), addBusinessDays(scheduled, delayDays), carriers.EstimateRescheduled)
			}
		}
		b.add(b.hours(2, 8), hub, carriers.StatusInTransit, carriers.ReasonNone, "DP", "Departed hub")
		if i == 0 {
			switch p.Trouble {
			case Stalled:
				delayDays += 5
				b.t = b.t.Add(7 * 24 * time.Hour)
			case Lost:
				b.add(10*24*time.Hour+b.hours(0, 8), hub, carriers.StatusException, carriers.ReasonLost, "LS", "Package lost; claim can be filed")
				b.thin()
				return b.s
			}
		}
	}
	b.add(b.hours(8, 16), d, carriers.StatusInTransit, carriers.ReasonNone, "AR", "Arrived at destination facility")
	b.deliver(addBusinessDays(scheduled, delayDays), -24*time.Hour)
	return b.s
}

// deliver adds the last mile to a parcel at its destination facility, due
// on the day of due: Saturday delivery (for a parcel due on a Monday that
// is at the facility by satIn after the Saturday began; negative: a day
// before the Saturday's hour of due), the hold scans,
// out for delivery, the attempts a trouble asks for, and the delivery or
// return.
func (b *builder) deliver(due time.Time, satIn time.Duration) {
	p := b.s.plan
	o, d := p.Origin, p.Destination
	// Some carriers deliver on Saturdays what would otherwise wait for
	// Monday.
	if b.opts.WeekendDelivery > 0 && due.Weekday() == time.Monday && b.extra.Float64() < b.opts.WeekendDelivery {
		sat := due.AddDate(0, 0, -2)
		in := sat.Sub(b.t) > 24*time.Hour // the uniform schedule: there a day before
		if satIn >= 0 {
			in = !b.t.After(time.Date(sat.Year(), sat.Month(), sat.Day(), 0, 0, 0, 0, zoneOf(d)).Add(satIn))
		}
		if in {
			due = sat
		}
	}
	// Out for delivery at 07:xx on the due date (or the next business
	// morning if the parcel arrives later).
	dueMorning := time.Date(due.Year(), due.Month(), due.Day(), 7, b.rng.IntN(60), 0, 0, zoneOf(d))
	b.holdScans(d, dueMorning)
	wait := dueMorning.Sub(b.t)
	if wait < time.Hour {
		wait = b.atLocal(d, 7, b.rng.IntN(60), time.Hour)
	}
	b.add(wait, d, carriers.StatusOutForDelivery, carriers.ReasonNone, "OD", "Out for delivery")
	switch p.Trouble {
	case FailedAttempt:
		b.add(b.hours(2, 9), d, carriers.StatusAttemptFail, carriers.ReasonRecipientUnavailable, "AF", "Delivery attempted: no one available to receive")
		b.add(b.atLocal(d, 7, b.rng.IntN(60), 6*time.Hour), d, carriers.StatusOutForDelivery, carriers.ReasonNone, "OD", "Out for delivery")
	case ReturnedToSender:
		b.add(b.hours(2, 9), d, carriers.StatusAttemptFail, carriers.ReasonAddressProblem, "AF", "Delivery attempted: address incomplete")
		b.add(b.atLocal(d, 7, b.rng.IntN(60), 6*time.Hour), d, carriers.StatusOutForDelivery, carriers.ReasonNone, "OD", "Out for delivery")
		b.add(b.hours(2, 9), d, carriers.StatusAttemptFail, carriers.ReasonAddressProblem, "AF", "Delivery attempted: address incomplete")
		b.add(b.hours(12, 30), d, carriers.StatusReturnToSender, carriers.ReasonReturning, "RS", "Returning to sender: undeliverable as addressed")
		b.add(b.hours(48, 96), o, carriers.StatusReturnToSender, carriers.ReasonReturned, "RD", "Returned to sender")
		b.thin()
		return
	}
	b.add(b.hours(2, 10), d, carriers.StatusDelivered, carriers.ReasonNone, "DL", "Delivered, front door")
	b.thin()
}

// network builds a parcel's life through the parcel network of
// Options.Network, after its label: pickup, the origin facility and its
// trailer, hubs, the destination facility and the last mile. key is the
// hash of the tracking number (which addresses are rural).
func (b *builder) network(key uint64) {
	nw := b.opts.Network
	p := b.s.plan
	o, d := p.Origin, p.Destination
	oz, dz := zoneOf(o), zoneOf(d)

	// Pickup at the driver's hour, an hour or more after the label.
	b.add(b.atLocal(o, 10+b.rng.IntN(11), b.rng.IntN(60), time.Hour), o, carriers.StatusInTransit, carriers.ReasonNone, "PU", "Picked up")
	pickup := b.t
	b.add(b.hours(1, 3), o, carriers.StatusInTransit, carriers.ReasonNone, "AR", "Arrived at origin facility")
	// The last trailer of a business evening that the parcel makes (half
	// an hour to load).
	dep := b.t.In(oz)
	dep = time.Date(dep.Year(), dep.Month(), dep.Day(), nw.Cutoff, b.rng.IntN(30), 0, 0, oz)
	for dep.Before(b.t.Add(30*time.Minute)) || isWeekend(dep) {
		dep = dep.AddDate(0, 0, 1)
	}

	// The plan: hub legs of the linehaul, sorts (slower on weekends,
	// sometimes missed), arrival at the destination facility.
	a, ok1 := longitude(o)
	c, ok2 := longitude(d)
	deg := 25.0 // unknown places: a middle-distance lane
	if ok1 && ok2 {
		deg = math.Abs(a - c)
	}
	n := 1
	if deg >= 25 {
		n = 1 + b.rng.IntN(3)
	}
	route := hubs[b.rng.IntN(len(hubs)-n+1):]
	route = route[:n]
	haul := time.Duration((4 + 1.4*deg) * (0.85 + 0.3*b.rng.Float64()) * float64(time.Hour))
	leg := haul / time.Duration(n+1)
	type stop struct{ arrive, depart time.Time }
	stops := make([]stop, n)
	t, missed := dep, time.Duration(0)
	for i := range stops {
		t = t.Add(leg)
		sort := b.hours(2, 5)
		if isWeekend(t.In(zoneOf(route[i]))) {
			sort += 12 * time.Hour
		}
		if b.extra.Float64() < nw.MissedSort {
			sort += 24 * time.Hour
			missed += 24 * time.Hour
		}
		stops[i] = stop{t, t.Add(sort)}
		t = t.Add(sort)
	}
	arrive := t.Add(leg)
	// Delivered the first business morning the parcel makes (in by
	// 04:30), a business day later on a rural route; the carrier's
	// schedule assumes no missed sort.
	rural := nw.Rural > 0 && float64(splitmix(key^0x5275)>>11)/(1<<53) < nw.Rural
	morning := func(at time.Time) time.Time {
		l := at.In(dz)
		day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, dz)
		if l.After(day.Add(4*time.Hour + 30*time.Minute)) {
			day = day.AddDate(0, 0, 1)
		}
		for isWeekend(day) {
			day = day.AddDate(0, 0, 1)
		}
		if rural {
			day = addBusinessDays(day, 1)
		}
		return day
	}
	scheduled := morning(arrive.Add(-missed))
	planned := morning(arrive)
	b.estimate(pickup, scheduled, carriers.EstimateScheduled)
	b.add(dep.Sub(b.t), o, carriers.StatusInTransit, carriers.ReasonNone, "DP", "Departed origin facility")

	delayDays := b.lateDays(scheduled, d)
	shift := time.Duration(0) // trouble holds move later scans
	for i, hub := range route {
		b.add(stops[i].arrive.Add(shift).Sub(b.t), hub, carriers.StatusInTransit, carriers.ReasonNone, "AR", "Arrived at hub")
		if i == 0 {
			switch p.Trouble {
			case WeatherDelay:
				days := 1 + b.rng.IntN(2)
				delayDays += days
				b.add(b.hours(1, 3), hub, carriers.StatusException, carriers.ReasonWeather, "WX", "Delayed: severe weather in the area")
				b.estimate(b.t, addBusinessDays(scheduled, delayDays), carriers.EstimateRescheduled)
				shift += time.Duration(days) * 24 * time.Hour
			case Damaged:
				delayDays++
				b.add(b.hours(1, 3), hub, carriers.StatusException, carriers.ReasonDamaged, "DM", "Damage reported; package being repackaged")
				b.estimate(b.t, addBusinessDays(scheduled, delayDays), carriers.EstimateRescheduled)
				shift += 24 * time.Hour
			case EstimateSlipped:
				delayDays += 2
				b.estimate(b.t.Add(b.hours(1, 3)), addBusinessDays(scheduled, delayDays), carriers.EstimateRescheduled)
			}
		}
		b.add(max(stops[i].depart.Add(shift).Sub(b.t), time.Hour), hub, carriers.StatusInTransit, carriers.ReasonNone, "DP", "Departed hub")
		if i == 0 {
			switch p.Trouble {
			case Stalled:
				delayDays += 5
				shift += 7 * 24 * time.Hour
			case Lost:
				b.add(10*24*time.Hour+b.hours(0, 8), hub, carriers.StatusException, carriers.ReasonLost, "LS", "Package lost; claim can be filed")
				b.thin()
				return
			}
		}
	}
	b.add(max(arrive.Add(shift).Sub(b.t), time.Hour), d, carriers.StatusInTransit, carriers.ReasonNone, "AR", "Arrived at destination facility")
	b.deliver(addBusinessDays(planned, delayDays), 4*time.Hour+30*time.Minute)
}

// lateDays draws the business days a clean parcel scheduled for delivery
// on the day of scheduled at d arrives after its schedule: LateShare of them are late
// by 1 + a geometric number of days, one in six of those by a further
// Pareto-distributed stretch (the heavy tail); a surge at d adds an
// exponential number of days with mean ExtraDays.
func (b *builder) lateDays(scheduled time.Time, d Place) int {
	days := 0
	if b.opts.LateShare > 0 && b.extra.Float64() < b.opts.LateShare {
		days = 1
		for days < 10 && b.extra.IntN(2) == 0 {
			days++
		}
		if b.extra.IntN(6) == 0 {
			days += int(2 / math.Pow(1-b.extra.Float64(), 0.8)) // Pareto, α = 1.25, from 2
		}
	}
	if len(b.opts.Surges) > 0 {
		region := d.Region()
		for _, sg := range b.opts.Surges {
			if sg.Region == region && !scheduled.Before(sg.Start) && scheduled.Before(sg.End) {
				days += int(sg.ExtraDays*b.extra.ExpFloat64() + 0.5)
			}
		}
	}
	return min(days, 30)
}

// holdScans adds, for a carrier that scans fully, a scan early on each
// business day the parcel waits at the destination facility before the
// day of dueMorning.
func (b *builder) holdScans(d Place, dueMorning time.Time) {
	zone := zoneOf(d)
	day := b.t.In(zone)
	last := time.Date(dueMorning.Year(), dueMorning.Month(), dueMorning.Day(), 0, 0, 0, 0, zone)
	for i := 0; i < 60; i++ {
		day = day.AddDate(0, 0, 1)
		at := time.Date(day.Year(), day.Month(), day.Day(), 5, b.extra.IntN(60), 0, 0, zone)
		if !at.Before(last) {
			return
		}
		if isWeekend(at) {
			continue
		}
		b.add(at.Sub(b.t), d, carriers.StatusInTransit, carriers.ReasonNone, "IT", "In transit: at destination facility")
	}
}

// thin drops the scans a carrier with fewer scans does not make:
// arrivals, departures and in-transit scans (all of them for ScansSparse,
// about four in five for ScansRare), and out-for-delivery for
// ScansSparse. Label, pickup, exceptions, attempts, returns and the
// delivery are always kept.
func (b *builder) thin() {
	if b.opts.Scans == ScansFull {
		return
	}
	evs := b.s.events[:0]
	for _, e := range b.s.events {
		drop := false
		switch e.Code {
		case "AR", "DP", "IT":
			drop = b.opts.Scans == ScansSparse || b.extra.IntN(5) != 0
		case "OD":
			drop = b.opts.Scans == ScansSparse
		}
		if !drop {
			evs = append(evs, e)
		}
	}
	b.s.events = evs
}

// splitmix is the SplitMix64 finalizer: nearby seeds give unrelated
// streams.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func zoneOf(p Place) *time.Location {
	if p.Zone == nil {
		return time.UTC
	}
	return p.Zone
}
