package carriertime

import (
	"errors"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/clip"
)

// Local is a carrier time with what is known about its zone.
type Local struct {
	// Time is the instant, in the offset the carrier gave; when
	// ZoneUnknown, the carrier's wall clock held in UTC.
	Time time.Time
	// ZoneUnknown is true when no offset was given (nor could one be
	// derived): Time may be off by the place's UTC offset.
	ZoneUnknown bool
	// DateOnly is true when a bare date (no clock) was given; Time is then
	// midnight UTC of that date and ZoneUnknown is true.
	DateOnly bool
}

// IsZero reports whether no time was given.
func (l Local) IsZero() bool { return l.Time.IsZero() }

// ErrBadTime is the cause of a DecodeError for a date-time ParseISO cannot
// read.
var ErrBadTime = errors.New("not an ISO 8601 date-time")

// Check is carriers.CheckTime: every time a parser reads goes through it,
// so a parsed Tracking always marshals to JSON, also once its times are
// converted to UTC.
func Check(t time.Time) error { return carriers.CheckTime(t) }

// ParseISO reads the ISO 8601 forms FedEx and DHL send: RFC 3339 with an
// offset or Z ("2024-08-20T12:41:57-04:00", "2018-03-02T07:53:47Z"), the
// offset also without a colon ("-0400"), the same without an offset
// ("2024-08-15T00:00:00", zone unknown, as DHL parcel-de sends), each
// optionally with fractional seconds, and a bare date ("2019-05-07", zone
// unknown and date only). Surrounding white space is ignored. The empty
// string is the zero Local and no error; a time Check refuses fails with
// its error (carriers.ErrTimeOffset for "+24:00"); anything else fails with
// ErrBadTime.
func ParseISO(s string) (Local, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Local{}, nil
	}
	if len(s) == len("2006-01-02") {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return Local{}, ErrBadTime
		}
		return Local{Time: t, ZoneUnknown: true, DateOnly: true}, nil
	}
	if hasZone(s) {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t, err = time.Parse("2006-01-02T15:04:05.999999999-0700", s)
		}
		if err != nil {
			return Local{}, ErrBadTime
		}
		if err := Check(t); err != nil {
			return Local{}, err
		}
		return Local{Time: t}, nil
	}
	t, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		return Local{}, ErrBadTime
	}
	return Local{Time: t, ZoneUnknown: true}, nil
}

// hasZone reports whether an ISO 8601 date-time ends with Z or an offset.
func hasZone(s string) bool {
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		return true
	}
	// The clock starts after 'T' at index 10; an offset sign can only
	// follow it.
	if len(s) <= 11 {
		return false
	}
	return strings.ContainsAny(s[11:], "+-")
}

// ParseOffset reads a UTC offset as carriers write it: "+08:00", "-04.00"
// (UPS Track Alert), "-0400", "-4", "+5:30", or "Z". It returns seconds east
// of UTC; ok is false for anything else and for offsets beyond ±14:00.
func ParseOffset(s string) (seconds int, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if s == "Z" || s == "z" {
		return 0, true
	}
	sign := 1
	switch s[0] {
	case '+':
		s = s[1:]
	case '-':
		sign = -1
		s = s[1:]
	}
	var hs, ms string
	if i := strings.IndexAny(s, ":."); i >= 0 {
		hs, ms = s[:i], s[i+1:]
	} else if len(s) == 4 {
		hs, ms = s[:2], s[2:]
	} else {
		hs = s
	}
	h, ok := Digits(hs)
	if !ok || len(hs) > 2 {
		return 0, false
	}
	m := 0
	if ms != "" {
		if m, ok = Digits(ms); !ok || len(ms) != 2 {
			return 0, false
		}
	}
	return OffsetSeconds(sign, h, m)
}

// OffsetSeconds returns sign·(h hours + m minutes) in seconds, and false
// when that is not a real UTC offset (beyond ±14:00, or m over 59).
func OffsetSeconds(sign, h, m int) (int, bool) {
	if h < 0 || m < 0 || m > 59 || h*3600+m*60 > carriers.MaxOffset {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// ParseClock reads a time of day: "HHMMSS", "HH:MM:SS", "HHMM", "HH:MM",
// and the forms with the leading zero dropped that UPS sends ("74700" for
// 07:47:00, "930" for 09:30). Colons may stand anywhere; nothing else but
// digits may.
func ParseClock(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	var digits [6]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(digits) {
				return 0, false
			}
			digits[n] = c
			n++
		case c == ':':
		default:
			return 0, false
		}
	}
	var h, m, sec int
	d := string(digits[:n])
	switch n {
	case 6:
		h, m, sec = num(d[0:2]), num(d[2:4]), num(d[4:6])
	case 5:
		h, m, sec = num(d[0:1]), num(d[1:3]), num(d[3:5])
	case 4:
		h, m = num(d[0:2]), num(d[2:4])
	case 3:
		h, m = num(d[0:1]), num(d[1:3])
	default:
		return 0, false
	}
	if h > 23 || m > 59 || sec > 59 {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second, true
}

// Digits reads 1 to 9 ASCII digits as a number; no sign, no space.
func Digits(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// num converts ASCII digits already checked.
func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// InZone reads the wall clock of t (its date, clock and nanoseconds, in
// whatever location t has) in a fixed offset of offsetSeconds east of UTC:
// the local time a carrier gave, now placed in its zone.
func InZone(t time.Time, offsetSeconds int) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.FixedZone("", offsetSeconds))
}

// DeriveOffset returns local−gmt rounded to the quarter hour, in seconds,
// when that is a plausible UTC offset: within ±14 h, and within two minutes
// of the quarter hour (carriers' GMT times carry seconds their local times
// drop). local is the carrier's local wall clock held in UTC.
func DeriveOffset(local, gmt time.Time) (int, bool) {
	diff := local.Sub(gmt)
	rounded := diff.Round(15 * time.Minute)
	if rounded > 14*time.Hour || rounded < -14*time.Hour {
		return 0, false
	}
	if d := diff - rounded; d > 2*time.Minute || d < -2*time.Minute {
		return 0, false
	}
	return int(rounded / time.Second), true
}

// ErrMissing is the cause of the DecodeError ParseISOField returns for a
// required time that is absent or empty.
var ErrMissing = errors.New("missing")

// ParseISOField is ParseISO for the value s of the JSON field at path
// field. A value it cannot read is a *carriers.DecodeError naming the field,
// with the value (clipped to 64 bytes: a date-time, not personal data) and
// ErrBadTime, carriers.ErrTimeOffset or carriers.ErrTimeRange; so is an
// empty value when required, with ErrMissing.
func ParseISOField(field, s string, required bool) (Local, error) {
	l, err := ParseISO(s)
	if err == nil && required && l.IsZero() {
		err = ErrMissing
	}
	if err != nil {
		return Local{}, &carriers.DecodeError{Path: field, Value: clip.String(strings.TrimSpace(s), clip.Input), Err: err}
	}
	return l, nil
}
