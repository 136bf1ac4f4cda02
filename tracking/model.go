package tracking

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// Lane is the route a transit time is learned for. Any field may be empty,
// meaning "any": the lane {Carrier: "ups"} covers every UPS shipment.
//
// Regions are ISO 3166-1 alpha-2 country codes, optionally followed by "-"
// and a subdivision ("US", "US-CA", "DE-BY"). A shipment is international
// when both regions are set and their countries differ.
type Lane struct {
	Carrier     string `json:"carrier,omitempty"`
	Service     string `json:"service,omitempty"`
	Origin      string `json:"origin,omitempty"`
	Destination string `json:"destination,omitempty"`
}

// String formats the lane as "carrier/service/origin→destination" with "*"
// for empty fields.
func (l Lane) String() string {
	f := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	return f(l.Carrier) + "/" + f(l.Service) + "/" + f(l.Origin) + "→" + f(l.Destination)
}

// International reports whether both regions are set and name different
// countries.
func (l Lane) International() bool {
	o, d := country(l.Origin), country(l.Destination)
	return o != "" && d != "" && !strings.EqualFold(o, d)
}

// country returns the country part of a region ("US" of "US-CA").
func country(region string) string {
	if i := strings.IndexByte(region, '-'); i >= 0 {
		return region[:i]
	}
	return region
}

// backoff returns the chain of lanes consulted for l, finest first: the
// lane itself; the destination region alone (same carrier and service);
// the origin region alone; the regions reduced to countries; carrier and
// service only; carrier only; everything. Duplicates are skipped. n is the
// number used.
//
// The destination comes before the origin because the last mile and the
// destination's surges dominate transit times; both come before the
// country because a thin lane's regions still say more than the whole
// country (on real data, backing off straight to the country gave a 34 %
// larger error on the 7.5 % of orders on thin lanes).
func (l Lane) backoff() (chain [7]Lane, n int) {
	add := func(x Lane) {
		for i := 0; i < n; i++ {
			if chain[i] == x {
				return
			}
		}
		chain[n] = x
		n++
	}
	add(l)
	add(Lane{Carrier: l.Carrier, Service: l.Service, Destination: l.Destination})
	add(Lane{Carrier: l.Carrier, Service: l.Service, Origin: l.Origin})
	add(Lane{l.Carrier, l.Service, country(l.Origin), country(l.Destination)})
	add(Lane{Carrier: l.Carrier, Service: l.Service})
	add(Lane{Carrier: l.Carrier})
	add(Lane{})
	return chain, n
}

// Observation is one shipment the transit model learns from: delivered,
// or still in flight.
type Observation struct {
	// Lane is the shipment's lane; any field may be empty.
	Lane Lane `json:"lane"`
	// ShippedAt is when the carrier took possession (first carrier scan);
	// DeliveredAt when it was delivered. Both are read as calendar days in
	// their own offsets. A zero DeliveredAt means the parcel is still in
	// flight at ModelOptions.AsOf: pass the shipments picked up in the
	// last few weeks that way (Shipment.InFlightObservation) and the
	// drift correction sees a surge as soon as parcels are overdue.
	ShippedAt   time.Time `json:"shipped_at"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// Scans optionally lists the times of the carrier's scans between
	// shipping and delivery; when present the model also learns the lane's
	// usual longest gap between scans, which the stall detector uses.
	Scans []time.Time `json:"scans,omitempty"`
}

// ModelOptions configures FitTransitModel. A nil *ModelOptions means the
// defaults.
type ModelOptions struct {
	// Calendar decides business days; nil means weekends only.
	Calendar *Calendar
	// MinSamples is the number of observations from which a lane's own
	// figures are used alone. A lane with fewer is completed to
	// MinSamples with the shape of the first coarser lane of its
	// back-off chain that has data (a lane with 6 deliveries is 6/30 its
	// own, 24/30 its parent's); a lane with none backs off to that
	// coarser lane. Zero means DefaultMinSamples.
	MinSamples int
	// HalfLife is the memory of the drift correction: every lane into a
	// destination region is shifted by the recent excess transit time of
	// deliveries into that region (their transit minus their lane's
	// median, recent ones weighted by 2^(-age/HalfLife), less the same
	// excess over all the history), so a surge shows in the estimates
	// within days of the first deliveries that show it, while the shape
	// of each lane comes from all of its history. Zero means
	// DefaultHalfLife; a negative value turns the drift correction off.
	HalfLife time.Duration
	// AsOf is the instant ages are measured from: refit the model
	// regularly (daily, say) with AsOf the refit time. Zero means the
	// latest delivery among the observations.
	AsOf time.Time
}

// DefaultMinSamples is the number of observations from which a lane's own
// distribution is used alone (see ModelOptions.MinSamples). Thirty keeps
// the P95 of a lane from resting on one or two shipments.
const DefaultMinSamples = 30

// DefaultHalfLife is the default ModelOptions.HalfLife: 4 days. On the
// simulated history of TestEvaluate (30,000 shipments through the
// simulator's parcel network, refitted daily), a four-week surge into one
// region was learned in 5, 7, 5, 6 and 6 days on seeds 1 to 5 (against
// 26–27 without the drift correction); on seeds 1 and 2, half-lives of
// 2, 3, 4, 7 and 14 days learned it in 12/8, 5/7, 5/7, 5/6 and 5/6 days
// for an error over the whole test period of 1.363/1.332, 1.358/1.332,
// 1.362/1.331, 1.368/1.342 and 1.382/1.359 days (1.396/1.359 without
// the correction). Three or four days err least; longer memories learn a
// surge no faster than a day sooner and err more the rest of the time,
// shorter ones have too few recent parcels to outweigh the prior of no
// drift.
const DefaultHalfLife = 4 * 24 * time.Hour

// driftPrior is the weight (in recent deliveries) of the prior "no drift":
// a destination with few recent deliveries gets a drift shrunk towards 0.
const driftPrior = 5

// driftMin is the smallest drift applied, in business days: below it the
// recent excess is as likely noise as change, and shifting by it made the
// error outside surges worse.
const driftMin = 0.75

// maxTransitDays caps the histogram; longer transits count as this many.
const maxTransitDays = 60

// laneStats is the distribution of transit business days and of longest
// scan gaps for one lane key. A delivery on a non-business day counts as
// the next business day (it beat that day); the share of such deliveries
// among those counted at a day that follows non-business days is the
// lane's weekend share.
type laneStats struct {
	dist                               // own, completed to MinSamples with the parent's shape
	own    [maxTransitDays + 1]float64 // this lane's observations
	slots  *slotStats                  // by pickup slot (nil: no observation)
	cutoff int                         // the lane's carrier's learned cutoff hour (24: none)
	n      int32                       // observations
	wkndW  float64                     // deliveries on non-business days
	wkndD  float64                     // deliveries counted at a day after non-business days
	wknd   float64                     // wkndW / wkndD
	gap    [maxTransitDays + 1]float64
	gapW   float64
	gapN   int32
	gapP95 int
	hour   [25]float64 // hour[h]: share of deliveries before h:00 local time
	drift  float64     // drift correction in business days, applied
	done   bool
	// drift accumulators (destination keys)
	dw, dwr, dn, dr float64
}

// fitObs is a delivered observation as FitTransitModel counted it: its
// transit, its pickup's local hour and runAfter, and the lanes of its
// back-off chain.
type fitObs struct {
	days         int
	hour, run, n int8
	sts          [7]*laneStats
	carrier, all *laneStats // the lanes of its carrier and of everything
}

// dist is a distribution of transit business days with its quantiles.
type dist struct {
	transit [maxTransitDays + 1]float64 // weight per day
	suffix  [maxTransitDays + 2]float64 // suffix[d] = weight with transit >= d
	p50     int
	p80     int
	p95     int
	p99     int
}

// finish computes the suffix sums and the quantiles of d.transit.
func (d *dist) finish() {
	d.suffix = [maxTransitDays + 2]float64{}
	for i := maxTransitDays; i >= 0; i-- {
		d.suffix[i] = d.suffix[i+1] + d.transit[i]
	}
	d.p50 = d.conditional(0, 0.50)
	d.p80 = d.conditional(0, 0.80)
	d.p95 = d.conditional(0, 0.95)
	d.p99 = quantile(d.transit[:], d.suffix[0], 0.99)
}

// Pickup slots. A parcel's transit in business days depends on more than
// its lane: on a long lane a parcel picked up just before a weekend
// travels through it (linehaul runs every day, deliveries do not), and a
// parcel picked up after the carrier's last departure of the day waits
// for the next one. A slot is the number of business days that follow
// the pickup day before the next non-business day (0 for a Friday, 4 for
// a Monday: the weekend or holiday the parcel will meet), and whether the
// pickup came at or after the carrier's cutoff hour, which the model
// learns from the data (none when the hour makes no difference). Each
// lane keeps a distribution per slot, completed to MinSamples with its
// own distribution shifted by the slot's effect on the first coarser lane
// that has enough of that slot.
const nSlots = 10

// slotStats are a lane's distributions per pickup slot.
type slotStats struct {
	own [nSlots][maxTransitDays + 1]float64
	n   [nSlots]float64
	d   [nSlots]dist
}

// at returns the distribution of pickup slot k (the lane's own when k is
// negative or the lane has no slots).
func (st *laneStats) at(k int) *dist {
	if k < 0 || st.slots == nil {
		return &st.dist
	}
	return &st.slots.d[k]
}

// slotOf returns the pickup slot of a parcel picked up at t (local time of
// the pickup scan) on a lane whose carrier's cutoff hour is cutoff.
func slotOf(cal *Calendar, t time.Time, cutoff int) int {
	_, off := t.Zone() // one zone lookup for the day and the hour
	s := t.Unix() + int64(off)
	d, sec := s/86400, s%86400
	if sec < 0 {
		d, sec = d-1, sec+86400
	}
	k := 2 * cal.runAfter(d)
	if int(sec/3600) >= cutoff {
		k++
	}
	return k
}

// mean returns the mean day of a histogram (0 when empty).
func mean(h *[maxTransitDays + 1]float64) float64 {
	var w, s float64
	for d, x := range h {
		w += x
		s += float64(d) * x
	}
	if w == 0 {
		return 0
	}
	return s / w
}

// TransitModel holds delivery-time distributions in business days per lane.
// It is immutable once fitted and safe for concurrent use. A nil
// *TransitModel knows nothing: every lookup reports ok == false.
type TransitModel struct {
	cal      *Calendar
	min      int
	halfLife time.Duration
	asOf     time.Time
	lanes    map[Lane]*laneStats
	// skipped counts observations ignored as unusable.
	skipped  int
	total    int
	inFlight int
}

// transitSlot returns the business days from shipped to delivered as the
// model counts them (a delivery on a non-business day counts as the next
// business day), whether it was on a non-business day, and whether the
// day it counts as follows non-business days.
func transitSlot(cal *Calendar, shipped, delivered time.Time) (days int, weekend, afterOff bool) {
	ship, deliv := DateOf(shipped), DateOf(delivered)
	days = cal.BusinessDaysBetween(ship, deliv)
	weekend = !cal.IsBusinessDay(deliv)
	if weekend {
		days++
	}
	afterOff = weekend || !cal.IsBusinessDay(deliv.AddDays(-1))
	return min(days, maxTransitDays), weekend, afterOff
}

// FitTransitModel learns transit-time distributions from delivered
// shipments. Each observation counts toward its own lane and every coarser
// lane of its back-off chain; thin lanes are completed with their parent's
// shape, and lanes into a destination are shifted by its recent drift
// (ModelOptions), measured on the recent pickups, delivered or in flight
// (zero DeliveredAt). Observations with a zero ShippedAt or delivered
// before shipped are skipped (Observations reports how many); it never
// fails on data, only on a negative MinSamples.
func FitTransitModel(obs []Observation, opts *ModelOptions) (*TransitModel, error) {
	var o ModelOptions
	if opts != nil {
		o = *opts
	}
	if o.MinSamples < 0 {
		return nil, &ConfigError{Field: "ModelOptions.MinSamples", Reason: "must not be negative"}
	}
	if o.MinSamples == 0 {
		o.MinSamples = DefaultMinSamples
	}
	if o.HalfLife == 0 {
		o.HalfLife = DefaultHalfLife
	}
	asOf := o.AsOf
	if asOf.IsZero() {
		for _, ob := range obs {
			if ob.DeliveredAt.After(asOf) && !ob.ShippedAt.IsZero() && !ob.DeliveredAt.Before(ob.ShippedAt) {
				asOf = ob.DeliveredAt
			}
		}
	}
	m := &TransitModel{cal: o.Calendar, min: o.MinSamples, halfLife: o.HalfLife, asOf: asOf, lanes: map[Lane]*laneStats{}}
	usable := func(ob *Observation) bool {
		return !ob.ShippedAt.IsZero() && !ob.DeliveredAt.IsZero() && !ob.DeliveredAt.Before(ob.ShippedAt)
	}
	fitted := make([]fitObs, 0, len(obs))
	for i := range obs {
		ob := &obs[i]
		if !usable(ob) {
			if ob.DeliveredAt.IsZero() && !ob.ShippedAt.IsZero() {
				m.inFlight++ // used by the drift only
			} else {
				m.skipped++
			}
			continue
		}
		m.total++
		days, weekend, afterOff := transitSlot(m.cal, ob.ShippedAt, ob.DeliveredAt)
		gap := -1
		if len(ob.Scans) > 0 {
			gap = longestGap(m.cal, ob.ShippedAt, ob.DeliveredAt, ob.Scans)
		}
		chain, n := ob.Lane.backoff()
		fo := fitObs{days: days, hour: int8(ob.ShippedAt.Hour()), run: int8(m.cal.runAfter(dayOf(ob.ShippedAt))), n: int8(n)}
		for i, l := range chain[:n] {
			st := m.lanes[l]
			if st == nil {
				st = &laneStats{}
				m.lanes[l] = st
			}
			fo.sts[i] = st
			st.own[days]++
			st.n++
			if afterOff {
				st.wkndD++
				if weekend {
					st.wkndW++
				}
			}
			st.hour[ob.DeliveredAt.Hour()+1]++
			if gap >= 0 {
				st.gap[min(gap, maxTransitDays)]++
				st.gapW++
				st.gapN++
			}
		}
		fo.carrier, fo.all = m.lanes[Lane{Carrier: ob.Lane.Carrier}], m.lanes[Lane{}]
		fitted = append(fitted, fo)
	}
	for l := range m.lanes {
		m.complete(l)
	}
	m.fitSlots(fitted)
	if o.HalfLife > 0 {
		m.fitDrift(obs, usable)
	}
	return m, nil
}

// complete fills in l's distribution: its own observations, completed to
// MinSamples with the shape of the first coarser lane of its chain that
// has any (itself completed first).
func (m *TransitModel) complete(l Lane) *laneStats {
	st := m.lanes[l]
	if st.done {
		return st
	}
	st.done = true
	st.transit = st.own
	if missing := float64(m.min) - float64(st.n); missing > 0 {
		chain, n := l.backoff()
		for _, c := range chain[1:n] {
			if m.lanes[c] == nil {
				continue
			}
			// The first coarser lane with (completed) MinSamples: when
			// even everything has fewer, nothing is completed and no lane
			// is usable.
			p := m.complete(c)
			if tot := p.suffix[0]; tot >= float64(m.min)-1e-9 {
				for d := range st.transit {
					st.transit[d] += missing * p.transit[d] / tot
				}
				break
			}
		}
	}
	st.dist.finish()
	if st.wkndD > 0 {
		st.wknd = st.wkndW / st.wkndD
	}
	if st.n > 0 {
		for h := 1; h <= 24; h++ {
			st.hour[h] = st.hour[h-1] + st.hour[h]
		}
		for h := range st.hour {
			st.hour[h] /= st.hour[24]
		}
	}
	if st.gapN > 0 {
		st.gapP95 = quantile(st.gap[:], st.gapW, 0.95)
	}
	return st
}

// fitSlots learns each carrier's cutoff hour and the lanes' distributions
// per pickup slot (see nSlots).
//
// The cutoff is a one-split regression on the pickup hour: the hour that
// best separates parcels that take longer than their lane's median from
// those that do not (the largest reduction of the squared residuals),
// kept when the later pickups take at least a quarter of a day more and
// are at least 3 % of the carrier's parcels; otherwise the carrier has
// none and the slot is the weekday alone.
func (m *TransitModel) fitSlots(fitted []fitObs) {
	type hours struct{ sum, n [24]float64 }
	byCarrier := map[*laneStats]*hours{} // by the carrier's lane
	for i := range fitted {
		fo := &fitted[i]
		r := float64(fo.days - fo.sts[0].p50)
		for i, c := range [2]*laneStats{fo.carrier, fo.all} {
			if i == 1 && c == fo.carrier {
				break // no carrier: its lane is everything's
			}
			h := byCarrier[c]
			if h == nil {
				h = &hours{}
				byCarrier[c] = h
			}
			h.sum[fo.hour] += r
			h.n[fo.hour]++
		}
	}
	cutoffs := map[*laneStats]int{}
	for c, h := range byCarrier {
		var tot, totN float64
		for k := range 24 {
			tot += h.sum[k]
			totN += h.n[k]
		}
		best, cut := 0.0, 24
		var ls, ln float64
		for k := 1; k < 24; k++ {
			ls += h.sum[k-1]
			ln += h.n[k-1]
			rn := totN - ln
			if ln == 0 || rn < 0.03*totN || rn == 0 {
				continue
			}
			diff := (tot-ls)/rn - ls/ln
			if gain := ln * rn / totN * diff * diff; diff >= 0.25 && gain > best {
				best, cut = gain, k
			}
		}
		cutoffs[c] = cut
	}
	for l, st := range m.lanes {
		st.cutoff = 24
		if k, ok := cutoffs[m.lanes[Lane{Carrier: l.Carrier}]]; ok {
			st.cutoff = k
		}
	}
	for i := range fitted {
		fo := &fitted[i]
		for _, st := range fo.sts[:fo.n] {
			if st.slots == nil {
				st.slots = &slotStats{}
			}
			k := 2 * int(fo.run)
			if int(fo.hour) >= st.cutoff {
				k++
			}
			st.slots.own[k][fo.days]++
			st.slots.n[k]++
		}
	}
	for l, st := range m.lanes {
		if st.slots == nil {
			continue
		}
		chain, n := l.backoff()
		for k := range nSlots {
			d := &st.slots.d[k]
			d.transit = st.slots.own[k]
			if missing := float64(m.min) - st.slots.n[k]; missing > 0 {
				// The lane's distribution, shifted by the slot's effect
				// on the finest lane with enough of the slot (this one
				// when it has them all but not enough of this slot).
				shift := 0.0
				for _, c := range chain[:n] {
					if p := m.lanes[c]; p != nil && p.slots != nil && p.slots.n[k] >= float64(m.min) {
						shift = mean(&p.slots.own[k]) - mean(&p.own)
						break
					}
				}
				prior := st.dist
				prior.shift(shift)
				if tot := prior.suffix[0]; tot > 0 {
					for i := range d.transit {
						d.transit[i] += missing * prior.transit[i] / tot
					}
				}
			}
			d.finish()
		}
	}
}

// fitDrift computes, per destination region (carrier and service), how
// many business days later than usual parcels into it are arriving, and
// shifts every lane into that destination by it (see applyDrift).
//
// The estimate comes from the parcels picked up recently (weighted by
// 2^(-age/HalfLife), up to four half-lives back): delivered or still in
// flight, each is compared with its lane's usual distribution. The drift
// is the shift that makes the expected number still in flight match the
// observed one — so a surge shows as soon as parcels are overdue, before
// the late ones are delivered (a model of deliveries alone learns late,
// because the slowest parcels of a surge arrive last). Without in-flight
// observations it falls back on the recent excess of delivered transit
// times over their lanes' medians. Either is shrunk towards 0 when there
// are few recent parcels and ignored below half a day.
func (m *TransitModel) fitDrift(obs []Observation, usable func(*Observation) bool) {
	type acc struct {
		items    []driftItem
		observed float64 // weight still in flight
		weight   float64
	}
	keys := map[Lane]*acc{}
	horizon := 4 * m.halfLife
	for i := range obs {
		ob := &obs[i]
		if ob.ShippedAt.IsZero() || ob.Lane.Destination == "" || ob.ShippedAt.After(m.asOf) {
			continue
		}
		// In flight: not delivered before today began where it was
		// delivered (or, undelivered, where it was shipped); e counts
		// the business days it has been travelling by the end of
		// yesterday.
		delivered := !ob.DeliveredAt.IsZero() && !ob.DeliveredAt.After(m.asOf)
		if delivered && !usable(ob) {
			continue
		}
		inFlight := !delivered || dayOf(ob.DeliveredAt) >= dayOf(m.asOf.In(ob.DeliveredAt.Location()))
		dkLane := Lane{Carrier: ob.Lane.Carrier, Service: ob.Lane.Service, Destination: ob.Lane.Destination}
		dk := m.lanes[dkLane]
		if dk == nil {
			continue
		}
		// The delivered-residual estimate (fallback).
		if delivered {
			days, _, _ := transitSlot(m.cal, ob.ShippedAt, ob.DeliveredAt)
			r := float64(days - m.lanes[ob.Lane].p50)
			w := math.Exp2(-float64(max(m.asOf.Sub(ob.DeliveredAt), 0)) / float64(m.halfLife))
			dk.dw += w
			dk.dwr += w * r
			dk.dn++
			dk.dr += r
		}
		// The survival estimate, from recent pickups.
		age := m.asOf.Sub(ob.ShippedAt)
		if m.inFlight == 0 || age > horizon {
			continue
		}
		st := m.lanes[ob.Lane]
		if st == nil {
			_, st, _ = m.stats(ob.Lane)
		}
		if st == nil || st.suffix[0] <= 0 {
			continue
		}
		e := m.cal.between(dayOf(ob.ShippedAt), dayOf(m.asOf.In(ob.ShippedAt.Location()))-1)
		if e < 1 {
			continue // picked up today or yesterday: says nothing yet
		}
		w := math.Exp2(-float64(age) / float64(m.halfLife))
		a := keys[dkLane]
		if a == nil {
			a = &acc{}
			keys[dkLane] = a
		}
		a.items = append(a.items, driftItem{st: st, e: e, w: w})
		a.weight += w
		if inFlight {
			a.observed += w
		}
	}
	for l, st := range m.lanes {
		if l.Destination != "" && l.Origin == "" {
			dk := st
			if a := keys[l]; a != nil && a.weight > 0 {
				dk.drift = solveDrift(a.items, a.observed) * a.weight / (a.weight + driftPrior)
			} else if dk.dw > 0 && dk.dn > 0 {
				dk.drift = (dk.dwr/dk.dw - dk.dr/dk.dn) * dk.dw / (dk.dw + driftPrior)
			}
			if math.Abs(dk.drift) < driftMin {
				dk.drift = 0 // noise
			}
		}
	}
	for l, st := range m.lanes {
		if l.Destination == "" {
			continue
		}
		if dk := m.lanes[Lane{Carrier: l.Carrier, Service: l.Service, Destination: l.Destination}]; dk != nil {
			st.drift = dk.drift
		}
	}
	for l, st := range m.lanes {
		if l.Destination != "" && st.drift != 0 {
			st.applyDrift()
		}
	}
}

// driftItem is a recent pickup: its lane's distribution, the business days
// it has been in transit by the end of yesterday, and its weight.
type driftItem struct {
	st *laneStats
	e  int
	w  float64
}

// solveDrift returns the shift δ (business days, between -3 and 15) for
// which the expected weight of parcels still in flight, Σ w·P(T+δ > e),
// equals observed.
func solveDrift(items []driftItem, observed float64) float64 {
	expected := func(delta float64) float64 {
		sum := 0.0
		for _, it := range items {
			sum += it.w * it.st.survival(float64(it.e)-delta)
		}
		return sum
	}
	lo, hi := -3.0, 15.0
	if expected(lo) >= observed {
		return lo
	}
	if expected(hi) <= observed {
		return hi
	}
	for range 30 {
		mid := (lo + hi) / 2
		if expected(mid) < observed {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// survival returns P(T > x) for a real x, interpolating between days.
func (st *dist) survival(x float64) float64 {
	tot := st.suffix[0]
	at := func(d int) float64 { // P(T > d)
		switch {
		case d < 0:
			return 1
		case d >= maxTransitDays:
			return 0
		}
		return st.suffix[d+1] / tot
	}
	f := math.Floor(x)
	d := int(f)
	return at(d) + (at(d+1)-at(d))*(x-f)
}

// applyDrift shifts the lane's distributions (overall and per slot) by
// its drift.
func (st *laneStats) applyDrift() {
	st.dist.shift(st.drift)
	if st.slots != nil {
		for k := range st.slots.d {
			st.slots.d[k].shift(st.drift)
		}
	}
}

// shift moves the distribution by x business days: by its floor, and a
// fraction of it by one more day (a shift of 1.3 moves 70 % of each day's
// weight 1 day later and 30 % of it 2 days later). Weight shifted below
// day 0 stays at 0.
func (st *dist) shift(x float64) {
	if x == 0 {
		return
	}
	a := int(math.Floor(x))
	f := x - float64(a)
	var out [maxTransitDays + 1]float64
	put := func(d int, w float64) { out[min(max(d, 0), maxTransitDays)] += w }
	for d, w := range st.transit {
		if w == 0 {
			continue
		}
		put(d+a, (1-f)*w)
		put(d+a+1, f*w)
	}
	st.transit = out
	st.finish()
}

// longestGap returns the longest stretch, in business days, between
// consecutive scans from shipping to delivery.
func longestGap(cal *Calendar, shipped, delivered time.Time, scans []time.Time) int {
	ts := make([]time.Time, 0, len(scans)+2)
	ts = append(ts, shipped)
	ts = append(ts, scans...)
	ts = append(ts, delivered)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	g := 0
	for i := 1; i < len(ts); i++ {
		g = max(g, cal.BusinessDaysBetween(DateOf(ts[i-1]), DateOf(ts[i])))
	}
	return g
}

// quantile returns the nearest-rank q-quantile of a weighted histogram of
// total weight n: the smallest d with at least q·n of the weight <= d.
func quantile(h []float64, n float64, q float64) int {
	if n <= 0 {
		return 0
	}
	need := q * n * (1 - 1e-12)
	var c float64
	for d, k := range h {
		c += k
		if c >= need && c > 0 {
			return d
		}
	}
	return len(h) - 1
}

// Quantiles are delivery-time quantiles for a lane, in business days from
// the day the carrier took the parcel (a delivery on a weekend or holiday
// counts as the next business day).
type Quantiles struct {
	// Lane is the lane whose data was used: the requested lane or the
	// coarser one the model backed off to.
	Lane Lane `json:"lane"`
	// Samples is the number of the lane's own observations (fewer than
	// MinSamples: completed with the shape of a coarser lane).
	Samples int `json:"samples"`
	// Drift is the recent excess transit time into the destination, in
	// business days; the distribution is shifted by it.
	Drift float64 `json:"drift,omitempty"`
	// P50 is the median. P80 and P95 are calibrated: the day whose share
	// of deliveries on or before it is closest to 80 % and 95 % (whole
	// days cannot hit a quantile exactly; the nearest-rank day, the first
	// at or above it, covered 86 % instead of 80 % on real data). P99 is
	// nearest-rank (at least 99 %), for the lost detector.
	P50 int `json:"p50"`
	P80 int `json:"p80"`
	P95 int `json:"p95"`
	P99 int `json:"p99"`
	// WeekendShare is the share of deliveries that came on a weekend day
	// or holiday among those that came on it or on the business day after
	// it: how often the carrier delivers what would otherwise wait.
	WeekendShare float64 `json:"weekend_share"`
}

// Calendar returns the calendar the model was fitted with (nil for
// weekends only).
func (m *TransitModel) Calendar() *Calendar {
	if m == nil {
		return nil
	}
	return m.cal
}

// MinSamples returns the minimum sample count the model was fitted with.
func (m *TransitModel) MinSamples() int {
	if m == nil {
		return DefaultMinSamples
	}
	return m.min
}

// Observations returns how many delivered observations were used and how
// many observations were skipped as unusable (in-flight ones are neither).
func (m *TransitModel) Observations() (used, skipped int) {
	if m == nil {
		return 0, 0
	}
	return m.total, m.skipped
}

// HalfLife returns the half-life the model was fitted with (negative for
// equal weights).
func (m *TransitModel) HalfLife() time.Duration {
	if m == nil {
		return DefaultHalfLife
	}
	return m.halfLife
}

// stats returns the finest lane of l's back-off chain that has
// observations and, once completed with its parent's shape, MinSamples of
// them.
func (m *TransitModel) stats(l Lane) (Lane, *laneStats, bool) {
	if m == nil {
		return Lane{}, nil, false
	}
	min := float64(m.min) - 1e-9
	if st := m.lanes[l]; st != nil && st.suffix[0] >= min {
		return l, st, true // the common case: the lane itself has data
	}
	chain, n := l.backoff()
	for _, c := range chain[1:n] {
		if st := m.lanes[c]; st != nil && st.suffix[0] >= min {
			return c, st, true
		}
	}
	return Lane{}, nil, false
}

// Quantiles returns the delivery-time quantiles for l: its own
// distribution (completed with its parent's shape when it has fewer than
// MinSamples observations), or, for a lane with none, the first coarser
// lane of its back-off chain that has data. ok is false when no lane of
// the chain has MinSamples observations, even completed.
func (m *TransitModel) Quantiles(l Lane) (q Quantiles, ok bool) {
	used, st, ok := m.stats(l)
	if !ok {
		return Quantiles{}, false
	}
	return Quantiles{Lane: used, Samples: int(st.n), P50: st.p50, P80: st.p80, P95: st.p95, P99: st.p99, Drift: st.drift, WeekendShare: st.wknd}, true
}

// Remaining returns the q-quantile (0 < q < 1) of the total transit time in
// business days for a shipment on lane l that has already been in transit
// for elapsed business days without being delivered: the quantile of the
// lane's distribution conditioned on exceeding elapsed (the median
// nearest-rank, quantiles above it calibrated as in Quantiles). When no
// observation ever took longer than elapsed it returns elapsed+1 (at the
// earliest the next business day). ok is false when the model has no
// usable lane.
func (m *TransitModel) Remaining(l Lane, elapsed int, q float64) (days int, used Lane, ok bool) {
	used, st, ok := m.stats(l)
	if !ok {
		return 0, Lane{}, false
	}
	return st.conditional(elapsed, q), used, true
}

// conditional returns the q-quantile of the transit time given that it is
// at least elapsed: nearest-rank for q <= 0.5 (the median minimises the
// absolute error), else the day whose conditional share is closest to q
// (calibrated coverage).
func (st *dist) conditional(elapsed int, q float64) int {
	d, _, _ := st.conditionalMass(elapsed, q)
	return d
}

// conditionalMass is conditional, also returning the conditional share of
// deliveries before day d and on day d.
func (st *dist) conditionalMass(elapsed int, q float64) (d int, before, at float64) {
	if elapsed < 0 {
		elapsed = 0
	}
	// Transit of `elapsed` days is still possible today (delivered later
	// on the same business day), so condition on T >= elapsed.
	from := min(elapsed, maxTransitDays)
	tail := st.suffix[from]
	if tail <= 0 {
		return elapsed + 1, 0, 0
	}
	need := q * tail * (1 - 1e-12)
	var c float64
	for d := from; d <= maxTransitDays; d++ {
		prev := c
		c += st.transit[d]
		if c >= need && c > 0 {
			if q > 0.5 && d > from && need-prev < c-need {
				// The day before is closer to q: take it.
				var m float64
				if d-1 >= from {
					m = st.transit[d-1]
				}
				return max(d-1, elapsed), (prev - m) / tail, m / tail
			}
			return max(d, elapsed), prev / tail, st.transit[d] / tail
		}
	}
	return max(maxTransitDays, elapsed), 1, 0
}

// onTimeProb returns the probability that a parcel not delivered after
// elapsed business days, nor earlier today (a share doneToday of the
// deliveries of a day are made by now, local time), is delivered within
// promised business days (a promise on a non-business day, afterOff, also
// gets the weekend share of the next business day).
func (st *dist) onTimeProb(elapsed, promised int, afterOff bool, doneToday, wknd float64) float64 {
	from := min(max(elapsed, 0), maxTransitDays)
	gone := st.transit[from] * doneToday // would have been delivered by now today
	tail := st.suffix[from] - gone
	if tail <= 1e-12 || promised < from {
		return 0
	}
	p := tail
	if promised+1 <= maxTransitDays {
		p -= st.suffix[promised+1]
		if afterOff {
			p += wknd * st.transit[promised+1]
		}
	}
	return min(p/tail, 1)
}

// UsualGap returns the lane's usual longest stretch without a scan, in
// business days: the P95 of each delivered shipment's longest gap, so a
// carrier that scans only at pickup and delivery gets about its transit
// tail (P95, not higher: the history holds stalled parcels too, whose
// gaps a higher quantile would learn as usual). It backs off like
// Quantiles. ok is false when no lane in the chain
// has MinSamples observations with scan times.
func (m *TransitModel) UsualGap(l Lane) (days int, used Lane, ok bool) {
	if m == nil {
		return 0, Lane{}, false
	}
	chain, n := l.backoff()
	for _, c := range chain[:n] {
		if st := m.lanes[c]; st != nil && int(st.gapN) >= m.min {
			return st.gapP95, c, true
		}
	}
	return 0, Lane{}, false
}

// String summarises the model: lanes and observations.
func (m *TransitModel) String() string {
	if m == nil {
		return "tracking.TransitModel(nil)"
	}
	return fmt.Sprintf("tracking.TransitModel(%d lanes, %d observations, %d skipped, min %d)", len(m.lanes), m.total, m.skipped, m.min)
}

// InFlightObservation returns the shipment as an in-flight observation
// for FitTransitModel (its lane and first carrier scan, no delivery): ok
// is false unless the carrier has scanned it and it is neither delivered
// nor returned to sender.
func (s *Shipment) InFlightObservation() (o Observation, ok bool) {
	s.ensure()
	if s.f.shipped < 0 || s.f.status == carriers.StatusDelivered || s.f.status == carriers.StatusReturnToSender {
		return Observation{}, false
	}
	return Observation{Lane: s.Lane(), ShippedAt: s.at(s.f.shipped)}, true
}
