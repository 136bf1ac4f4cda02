package tracking

import "time"

// promise returns the end of the delivery promise (the last instant at
// which delivery is on time) and the promised date; ok is false when the
// shipment has no promise. PromisedBy wins over PromisedOn; a date-only
// promise ends with the last instant of its day in the rules' Location.
func (s *Shipment) promise(r *Rules) (deadline time.Time, date Date, ok bool) {
	switch {
	case !s.PromisedBy.IsZero():
		return s.PromisedBy, DateOf(s.PromisedBy), true
	case !s.PromisedOn.IsZero():
		d := s.PromisedOn
		next := time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, r.cfg.Location)
		return next.Add(-time.Nanosecond), d, true
	}
	return time.Time{}, Date{}, false
}

// PromisedDate returns the promised delivery date: PromisedOn, or the
// calendar day of PromisedBy in the offset it was given in; the zero Date
// when there is no promise.
func (s *Shipment) PromisedDate() Date {
	_, d, _ := s.promise(s.r())
	return d
}

// DaysLate is the one definition of lateness the packages share: the
// whole calendar days from the promised date (PromisedDate) to the
// delivery date, or to today (now) while the parcel is not delivered
// (including a return to sender), the delivery instant and now both taken
// in the brand's time zone (Config.Location, UTC by default). It is 0 when
// the parcel is on time, early, or has no promise.
//
// Days are calendar days, not business days, and not 24-hour periods: a
// parcel promised for Friday and delivered at 00:10 on Saturday is one day
// late; a day with a daylight-saving change counts as one day.
//
// Give PromisedBy in the brand's zone (or use PromisedOn for a promise
// that is a day, "by Friday"): PromisedBy's date is taken in the offset it
// carries, so an end-of-day promise stated in another zone keeps the day
// the customer was told.
func (s *Shipment) DaysLate(now time.Time) int {
	r := s.r()
	_, promised, ok := s.promise(r)
	if !ok {
		return 0
	}
	end := now
	if d := s.DeliveredAt(); !d.IsZero() {
		end = d
	}
	n := DateOf(end.In(r.cfg.Location)).days() - promised.days()
	if n < 0 {
		return 0
	}
	return int(n)
}
