package carriertime

import (
	"slices"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// Estimate builds an estimate from a window's bounds, either of which may be
// zero (a single bound is a one-point window); nil when both are. Bounds
// that are bare dates or exactly midnight (FedEx writes dates as midnight
// with an offset, 2024-08-21T00:00:00-06:00) make a date-only estimate from
// the start of the first day to the end of the last. The estimate is
// ZoneUnknown when a bound with a clock has no offset. End is never before
// Start. It is nil when a bound does not pass Check.
func Estimate(b, e Local, src carriers.EstimateSource) *carriers.Estimate {
	switch {
	case b.IsZero() && e.IsZero():
		return nil
	case b.IsZero():
		b = e
	case e.IsZero():
		e = b
	}
	est := &carriers.Estimate{
		Start:       b.Time,
		End:         e.Time,
		ZoneUnknown: (b.ZoneUnknown && !b.DateOnly) || (e.ZoneUnknown && !e.DateOnly),
		Source:      src,
	}
	if dateLike(b) && dateLike(e) {
		est.DateOnly = true
		est.ZoneUnknown = false
		est.End = EndOfDay(e.Time)
	}
	if est.End.Before(est.Start) {
		est.End = est.Start
		if est.DateOnly {
			est.End = EndOfDay(est.Start)
		}
	}
	if Check(est.Start) != nil || Check(est.End) != nil {
		// The end of the last day of year 9999 in a zone west of UTC is
		// in year 10000 there: no estimate rather than one that cannot be
		// stored.
		return nil
	}
	return est
}

// dateLike reports whether l is a bare date or a midnight time.
func dateLike(l Local) bool {
	if l.DateOnly {
		return true
	}
	h, m, s := l.Time.Clock()
	return h == 0 && m == 0 && s == 0 && l.Time.Nanosecond() == 0
}

// EndOfDay returns the last nanosecond of t's calendar day, in t's location.
func EndOfDay(t time.Time) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, t.Location()).AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// DeliveredAt picks the delivery time of a delivered package from the
// carrier's own delivery time (actual: FedEx's ACTUAL_DELIVERY, DHL's proof
// of delivery; zero if none) and the events, newest first: actual when it
// carries an offset, else the newest delivery event (preferring one whose
// zone is known), else actual without an offset. zoneUnknown says that the
// time chosen is a wall clock without an offset, for
// carriers.Tracking.DeliveredZoneUnknown. A zero time means none is known.
func DeliveredAt(actual Local, events []carriers.Event) (at time.Time, zoneUnknown bool) {
	if !actual.IsZero() && !actual.ZoneUnknown {
		return actual.Time, false
	}
	for _, e := range events {
		if e.Status == carriers.StatusDelivered && (!e.ZoneUnknown || actual.IsZero()) {
			return e.Time, e.ZoneUnknown
		}
	}
	return actual.Time, actual.ZoneUnknown
}

// SortNewestFirst orders events newest first by Time, stably, so events
// already in order (and events at the same instant) keep their order.
// Events whose zone is unknown sort by their wall clock read as UTC.
func SortNewestFirst(events []carriers.Event) {
	slices.SortStableFunc(events, func(a, b carriers.Event) int { return b.Time.Compare(a.Time) })
}

// SortNewestFirstIfNeeded keeps the carrier's order of events (newest first,
// as FedEx and DHL send them) unless two events with known zones are out of
// order, as pushes arriving out of order can leave them; then it sorts them
// with SortNewestFirst. Events whose zone is unknown do not count: their
// wall clock read as UTC says nothing certain about their order.
func SortNewestFirstIfNeeded(events []carriers.Event) {
	prev := -1
	for i := range events {
		if events[i].ZoneUnknown {
			continue
		}
		if prev >= 0 && events[i].Time.After(events[prev].Time) {
			SortNewestFirst(events)
			return
		}
		prev = i
	}
}
