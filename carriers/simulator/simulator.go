// Package simulator is a deterministic carrier for tests, examples and
// demos. It implements carriers.Carrier and produces realistic scan
// sequences — label created, pickup, hub arrivals and departures, out for
// delivery, delivered — with trouble injected on request: a weather delay, a
// shipment stalled in transit, a failed delivery attempt, a lost or damaged
// parcel, a return to sender, a slipped delivery estimate.
//
// Everything is a function of the seed, the plan and the simulated clock:
// the same inputs give the same events on every machine and in any order of
// calls. Track returns what a real carrier would have said at the instant
// the Clock reports, so advancing the clock replays a shipment's life.
package simulator

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
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
	// estimate two days later midway and delivers on the new date.
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
	// Number is the tracking number; Ship assigns one when it is empty.
	Number string
	// LabelCreatedAt is when the label was created: the carrier knows
	// nothing about the number before this instant. Required.
	LabelCreatedAt time.Time
	// Origin and Destination default to Reno, NV and Columbus, OH.
	Origin, Destination Place
	// Service is reported in Tracking.Service; default "Ground".
	Service string
	// TransitDays is the number of business days from pickup to the
	// scheduled delivery; 0 draws 2–5 from the seed.
	TransitDays int
	// Trouble is the problem to inject, if any.
	Trouble Trouble
}

// Options configures a simulator. The zero value is usable: seed 0, code
// "sim", and the wall clock.
type Options struct {
	// Seed makes runs differ; the same seed gives the same events.
	Seed uint64
	// Code overrides the carrier code ("sim").
	Code string
	// Clock returns the simulated present. Nil means time.Now.
	Clock func() time.Time
}

// Carrier is the simulated carrier. It is safe for concurrent use.
type Carrier struct {
	seed  uint64
	code  string
	clock func() time.Time

	mu     sync.RWMutex
	next   int
	script map[string]*script
}

var _ carriers.Carrier = (*Carrier)(nil)

// New returns a simulator with no shipments.
func New(opts Options) *Carrier {
	c := &Carrier{seed: opts.Seed, code: opts.Code, clock: opts.Clock, script: map[string]*script{}}
	if c.code == "" {
		c.code = Code
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	return c
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
)

var hubs = []Place{SaltLakeCity, Denver, Chicago, Indianapolis}

// ErrInvalidPlan is returned by Ship for a plan it cannot simulate.
var ErrInvalidPlan = errors.New("simulator: invalid plan")

// Ship adds a shipment and returns its tracking number (Plan.Number, or a
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
	if p.Number == "" {
		for {
			c.next++
			p.Number = fmt.Sprintf("SIM%010d", c.next)
			if _, taken := c.script[p.Number]; !taken {
				break
			}
		}
	}
	if _, dup := c.script[p.Number]; dup {
		return "", fmt.Errorf("%w: number %s already shipped", ErrInvalidPlan, p.Number)
	}
	c.script[p.Number] = build(c.seed, p)
	return p.Number, nil
}

// Numbers returns the numbers of all shipments, sorted.
func (c *Carrier) Numbers() []string {
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
// instant Options.Clock reports: the events that have happened, newest
// first, and the estimate then in force. A number the simulator does not
// know, or whose label has not been created yet, is ErrNotFound.
func (c *Carrier) Track(ctx context.Context, number string) (*carriers.Tracking, error) {
	if err := ctx.Err(); err != nil {
		return nil, &carriers.Error{Carrier: c.code, Op: "track", TrackingNumber: number, Err: err}
	}
	c.mu.RLock()
	s, ok := c.script[strings.TrimSpace(number)]
	c.mu.RUnlock()
	now := c.clock()
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
	tr := &carriers.Tracking{Carrier: code, TrackingNumber: s.plan.Number, Service: s.plan.Service}
	for i := len(s.events) - 1; i >= 0; i-- {
		if !s.events[i].Time.After(now) {
			tr.Events = append(tr.Events, s.events[i])
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
	rng *rand.Rand
	s   *script
	t   time.Time // time of the last event
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

func build(seed uint64, p Plan) *script {
	h := fnv.New64a()
	h.Write([]byte(p.Number))
	b := &builder{rng: rand.New(rand.NewPCG(seed, h.Sum64())), s: &script{}, t: p.LabelCreatedAt}
	if p.Origin.Location.IsZero() {
		p.Origin = Reno
	}
	if p.Destination.Location.IsZero() {
		p.Destination = Columbus
	}
	if p.Service == "" {
		p.Service = "Ground"
	}
	if p.TransitDays == 0 {
		p.TransitDays = 2 + b.rng.IntN(4)
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

	// One to three hubs between origin and destination, in route order.
	n := 1 + b.rng.IntN(3)
	start := b.rng.IntN(len(hubs) - n + 1)
	route := hubs[start : start+n]
	delayDays := 0
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
				return b.s
			}
		}
	}
	b.add(b.hours(8, 16), d, carriers.StatusInTransit, carriers.ReasonNone, "AR", "Arrived at destination facility")
	due := addBusinessDays(scheduled, delayDays)
	// Out for delivery at 07:xx on the due date (or the next business
	// morning if the parcel arrives later).
	dueMorning := time.Date(due.Year(), due.Month(), due.Day(), 7, b.rng.IntN(60), 0, 0, zoneOf(d))
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
		return b.s
	}
	b.add(b.hours(2, 10), d, carriers.StatusDelivered, carriers.ReasonNone, "DL", "Delivered, front door")
	return b.s
}

func zoneOf(p Place) *time.Location {
	if p.Zone == nil {
		return time.UTC
	}
	return p.Zone
}
