package tracking

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
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
// lane itself; its regions reduced to countries; carrier and service only;
// carrier only; everything. Duplicates are skipped. n is the number used.
func (l Lane) backoff() (chain [5]Lane, n int) {
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
	add(Lane{l.Carrier, l.Service, country(l.Origin), country(l.Destination)})
	add(Lane{Carrier: l.Carrier, Service: l.Service})
	add(Lane{Carrier: l.Carrier})
	add(Lane{})
	return chain, n
}

// Observation is one delivered shipment the transit model learns from.
type Observation struct {
	// Lane is the shipment's lane; any field may be empty.
	Lane Lane `json:"lane"`
	// ShippedAt is when the carrier took possession (first carrier scan);
	// DeliveredAt when it was delivered. Both are read as calendar days in
	// their own offsets.
	ShippedAt   time.Time `json:"shipped_at"`
	DeliveredAt time.Time `json:"delivered_at"`
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
	// MinSamples is the fewest observations a lane needs before its own
	// figures are used instead of a coarser lane's. Zero means
	// DefaultMinSamples.
	MinSamples int
}

// DefaultMinSamples is the minimum number of observations a lane needs for
// its quantiles to be used: below it, the model backs off to the next
// coarser lane (regions → countries → carrier and service → carrier → all).
// Thirty keeps the P95 of a lane from resting on one or two shipments.
const DefaultMinSamples = 30

// maxTransitDays caps the histogram; longer transits count as this many.
const maxTransitDays = 60

// laneStats is a histogram of transit business days and of longest scan
// gaps for one lane key.
type laneStats struct {
	transit [maxTransitDays + 1]int32
	n       int32
	suffix  [maxTransitDays + 2]int32 // suffix[d] = observations with transit >= d
	gap     [maxTransitDays + 1]int32
	gapN    int32
	gapP95  int
	p50     int
	p80     int
	p95     int
}

// TransitModel holds delivery-time distributions in business days per lane.
// It is immutable once fitted and safe for concurrent use. A nil
// *TransitModel knows nothing: every lookup reports ok == false.
type TransitModel struct {
	cal   *Calendar
	min   int
	lanes map[Lane]*laneStats
	// skipped counts observations ignored as unusable.
	skipped int
	total   int
}

// FitTransitModel learns transit-time quantiles from delivered shipments.
// Each observation counts toward its own lane and every coarser lane of its
// back-off chain. Observations with a zero time or delivered before shipped
// are skipped (Skipped reports how many); it never fails on data, only on a
// negative MinSamples.
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
	m := &TransitModel{cal: o.Calendar, min: o.MinSamples, lanes: map[Lane]*laneStats{}}
	for _, ob := range obs {
		if ob.ShippedAt.IsZero() || ob.DeliveredAt.IsZero() || ob.DeliveredAt.Before(ob.ShippedAt) {
			m.skipped++
			continue
		}
		m.total++
		days := m.cal.BusinessDaysBetween(DateOf(ob.ShippedAt), DateOf(ob.DeliveredAt))
		days = min(days, maxTransitDays)
		gap := -1
		if len(ob.Scans) > 0 {
			gap = longestGap(m.cal, ob.ShippedAt, ob.DeliveredAt, ob.Scans)
		}
		chain, n := ob.Lane.backoff()
		for _, l := range chain[:n] {
			st := m.lanes[l]
			if st == nil {
				st = &laneStats{}
				m.lanes[l] = st
			}
			st.transit[days]++
			st.n++
			if gap >= 0 {
				st.gap[min(gap, maxTransitDays)]++
				st.gapN++
			}
		}
	}
	for _, st := range m.lanes {
		for d := maxTransitDays; d >= 0; d-- {
			st.suffix[d] = st.suffix[d+1] + st.transit[d]
		}
		st.p50 = quantile(st.transit[:], st.n, 0.50)
		st.p80 = quantile(st.transit[:], st.n, 0.80)
		st.p95 = quantile(st.transit[:], st.n, 0.95)
		if st.gapN > 0 {
			st.gapP95 = quantile(st.gap[:], st.gapN, 0.95)
		}
	}
	return m, nil
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

// quantile returns the nearest-rank q-quantile of a histogram with n
// observations: the smallest d with at least ceil(q*n) observations <= d.
func quantile(h []int32, n int32, q float64) int {
	if n == 0 {
		return 0
	}
	need := int32(math.Ceil(q * float64(n)))
	need = max(need, 1)
	var c int32
	for d, k := range h {
		c += k
		if c >= need {
			return d
		}
	}
	return len(h) - 1
}

// Quantiles are delivery-time quantiles for a lane, in business days from
// the day the carrier took the parcel.
type Quantiles struct {
	// Lane is the lane whose data was used: the requested lane or the
	// coarser one the model backed off to.
	Lane Lane `json:"lane"`
	// Samples is the number of observations behind the figures.
	Samples int `json:"samples"`
	// P50, P80 and P95 are the nearest-rank quantiles.
	P50 int `json:"p50"`
	P80 int `json:"p80"`
	P95 int `json:"p95"`
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

// Observations returns how many observations were used and how many were
// skipped as unusable.
func (m *TransitModel) Observations() (used, skipped int) {
	if m == nil {
		return 0, 0
	}
	return m.total, m.skipped
}

// stats returns the finest lane of l's back-off chain with at least
// MinSamples observations.
func (m *TransitModel) stats(l Lane) (Lane, *laneStats, bool) {
	if m == nil {
		return Lane{}, nil, false
	}
	if st := m.lanes[l]; st != nil && int(st.n) >= m.min {
		return l, st, true // the common case: the lane itself has data
	}
	chain, n := l.backoff()
	for _, c := range chain[1:n] {
		if st := m.lanes[c]; st != nil && int(st.n) >= m.min {
			return c, st, true
		}
	}
	return Lane{}, nil, false
}

// Quantiles returns the delivery-time quantiles for l, backing off to a
// coarser lane while a lane has fewer than MinSamples observations. ok is
// false when even the coarsest lane is too thin.
func (m *TransitModel) Quantiles(l Lane) (q Quantiles, ok bool) {
	used, st, ok := m.stats(l)
	if !ok {
		return Quantiles{}, false
	}
	return Quantiles{Lane: used, Samples: int(st.n), P50: st.p50, P80: st.p80, P95: st.p95}, true
}

// Remaining returns the q-quantile (0 < q < 1) of the total transit time in
// business days for a shipment on lane l that has already been in transit
// for elapsed business days without being delivered: the quantile of the
// lane's distribution conditioned on exceeding elapsed. When no observation
// ever took longer than elapsed it returns elapsed+1 (at the earliest the
// next business day). ok is false when the model has no usable lane.
func (m *TransitModel) Remaining(l Lane, elapsed int, q float64) (days int, used Lane, ok bool) {
	used, st, ok := m.stats(l)
	if !ok {
		return 0, Lane{}, false
	}
	return st.conditional(elapsed, q), used, true
}

func (st *laneStats) conditional(elapsed int, q float64) int {
	if elapsed < 0 {
		elapsed = 0
	}
	// Transit of `elapsed` days is still possible today (delivered later
	// on the same business day), so condition on T >= elapsed.
	from := min(elapsed, maxTransitDays)
	tail := st.suffix[from]
	if tail == 0 {
		return elapsed + 1
	}
	need := int32(math.Ceil(q * float64(tail)))
	need = max(need, 1)
	var c int32
	for d := from; d <= maxTransitDays; d++ {
		c += st.transit[d]
		if c >= need {
			return max(d, elapsed)
		}
	}
	return max(maxTransitDays, elapsed)
}

// UsualGap returns the lane's usual longest stretch without a scan, in
// business days (the P95 of each delivered shipment's longest gap), backing
// off like Quantiles. ok is false when no lane in the chain has MinSamples
// observations with scan times.
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
