package tracking

import (
	"fmt"
	"slices"
	"time"
)

// Date is a calendar day with no time zone: a promised delivery day, a
// holiday, the day of a scan in the place it happened.
//
// The zero Date is "no date". Dates marshal as "2006-01-02".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in t's own location, so a scan made
// at 23:30 in Chicago is on the Chicago day, whatever the UTC day is.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// MakeDate returns the Date for year, month and day, normalised the way
// time.Date normalises (January 32 is February 1).
func MakeDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 12, 0, 0, 0, time.UTC))
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as "2006-01-02", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch a, b := d.days(), e.days(); {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.days() < e.days() }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.days() > e.days() }

// AddDays returns the date n calendar days after d (before, if n < 0).
func (d Date) AddDays(n int) Date { return fromDays(d.days() + int64(n)) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	w := (d.days() + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// MarshalText formats d as "2006-01-02" (the zero Date as "").
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses "2006-01-02"; the empty string is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	t, err := time.Parse(time.DateOnly, string(b))
	if err != nil {
		return &DecodeError{Reason: "date " + quote(string(b)) + ": want YYYY-MM-DD", Err: err}
	}
	*d = DateOf(t)
	return nil
}

// days returns the number of days since 1970-01-01 (proleptic Gregorian),
// using the days-from-civil algorithm so no time.Time is built.
func (d Date) days() int64 {
	y := int64(d.Year)
	m := int64(d.Month)
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + int64(d.Day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// fromDays is the inverse of days.
func fromDays(z int64) Date {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{int(y), time.Month(m), int(d)}
}

// Calendar says which days are business days: Monday to Friday except the
// host's holidays. A nil *Calendar, and the zero Calendar, count every
// weekday as a business day. A Calendar is immutable and safe for
// concurrent use.
type Calendar struct {
	holidays []int64 // sorted day numbers of holidays that fall on weekdays
}

// NewCalendar returns a calendar whose non-business days are Saturdays,
// Sundays and the given holidays (duplicates and weekend holidays are
// ignored; zero Dates are skipped).
func NewCalendar(holidays ...Date) *Calendar {
	c := &Calendar{}
	for _, h := range holidays {
		if h.IsZero() {
			continue
		}
		if wd := h.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		c.holidays = append(c.holidays, h.days())
	}
	slices.Sort(c.holidays)
	c.holidays = slices.Compact(c.holidays)
	return c
}

// Holidays returns the calendar's weekday holidays in order.
func (c *Calendar) Holidays() []Date {
	if c == nil {
		return nil
	}
	out := make([]Date, len(c.holidays))
	for i, h := range c.holidays {
		out[i] = fromDays(h)
	}
	return out
}

// IsBusinessDay reports whether d is a weekday and not a holiday.
func (c *Calendar) IsBusinessDay(d Date) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	if c == nil {
		return true
	}
	_, hol := slices.BinarySearch(c.holidays, d.days())
	return !hol
}

// BusinessDaysBetween returns how many business days fall after from and
// up to and including to: shipped on a Monday and delivered on the
// Wednesday is 2. It is 0 when to is not after from. It runs in constant
// time plus a binary search over the holidays, whatever the span.
func (c *Calendar) BusinessDaysBetween(from, to Date) int {
	return c.between(from.days(), to.days())
}

func (c *Calendar) between(a, b int64) int {
	if b <= a {
		return 0
	}
	n := weekdaysUpTo(b) - weekdaysUpTo(a)
	if c != nil && len(c.holidays) > 0 {
		lo, _ := slices.BinarySearch(c.holidays, a+1)
		hi, _ := slices.BinarySearch(c.holidays, b+1)
		n -= int64(hi - lo)
	}
	return int(n)
}

// weekdaysUpTo counts Monday–Friday days in (−∞ anchor, z], relative to a
// fixed Monday so differences are exact.
func weekdaysUpTo(z int64) int64 {
	// Day 4 (1970-01-05) is a Monday. Shift so r=0 is Monday.
	x := z - 4
	q := x / 7
	r := x % 7
	if r < 0 {
		r += 7
		q--
	}
	n := q * 5
	// days Monday..r inclusive that are weekdays
	if r >= 4 {
		n += 5
	} else {
		n += r + 1
	}
	return n
}

// runAfter returns how many consecutive business days follow day z before
// the next non-business day, at most 4 (0 for a Friday, 4 for a Sunday or
// a Monday of a week without holidays).
func (c *Calendar) runAfter(z int64) int {
	// Day 4 (1970-01-05) is a Monday: r = 0 Monday ... 6 Sunday.
	r := (z - 4) % 7
	if r < 0 {
		r += 7
	}
	n := int64(0)
	switch {
	case r <= 4:
		n = 4 - r
	case r == 6:
		n = 4
	}
	if c != nil && len(c.holidays) > 0 && n > 0 {
		if i, _ := slices.BinarySearch(c.holidays, z+1); i < len(c.holidays) && c.holidays[i] <= z+n {
			n = c.holidays[i] - z - 1
		}
	}
	return int(n)
}

// AddBusinessDays returns the n-th business day after d; n <= 0 returns d.
// It runs in constant time plus a binary search per holiday crossed.
func (c *Calendar) AddBusinessDays(d Date, n int) Date {
	if n <= 0 {
		return d
	}
	return fromDays(c.addDays(d.days(), n))
}

// addDaysFrom is AddBusinessDays on day numbers, n <= 0 giving z.
func (c *Calendar) addDaysFrom(z int64, n int) int64 {
	if n <= 0 {
		return z
	}
	return c.addDays(z, n)
}

// addDays is AddBusinessDays on day numbers, n >= 1.
func (c *Calendar) addDays(z int64, n int) int64 {
	r := addWeekdays(z, n)
	if c == nil || len(c.holidays) == 0 {
		return r
	}
	// Each holiday crossed pushes the result one more weekday out, which
	// may cross further holidays.
	lo := z
	for {
		a, _ := slices.BinarySearch(c.holidays, lo+1)
		b, _ := slices.BinarySearch(c.holidays, r+1)
		if b == a {
			return r
		}
		lo, r = r, addWeekdays(r, b-a)
	}
}

// addWeekdays returns the n-th (n >= 1) Monday-to-Friday day after day z.
func addWeekdays(z int64, n int) int64 {
	w := (z - 4) % 7 // 0 = Monday
	if w < 0 {
		w += 7
	}
	if w > 4 { // a weekend counts like the Friday before it
		z -= w - 4
		w = 4
	}
	q, r := int64(n/5), int64(n%5)
	out := z + 7*q + r
	if r > 0 && w+r > 4 {
		out += 2
	}
	return out
}

// dayOf is DateOf(t).days() without building a Date: the day number of t
// in t's own offset.
func dayOf(t time.Time) int64 {
	_, off := t.Zone()
	s := t.Unix() + int64(off)
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}
