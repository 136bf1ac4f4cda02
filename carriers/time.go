package carriers

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// MaxOffset is the largest UTC offset, either way, of a time in a
// Tracking, in seconds: ±14:00, which no place exceeds.
const MaxOffset = 14 * 60 * 60

// Errors of CheckTime, the causes of a *DecodeError for a time that cannot
// enter a Tracking.
var (
	// ErrTimeOffset: the UTC offset is beyond ±14:00. Go's parsers accept
	// offsets up to ±24:59, but its JSON encoder refuses ±24:00 and beyond:
	// a Tracking holding such a time could never be stored again.
	ErrTimeOffset = errors.New("carriers: UTC offset beyond ±14:00")
	// ErrTimeRange: the year, in the time's offset or in UTC, is outside
	// 0000–9999, which RFC 3339 (and Go's JSON encoder) cannot write.
	ErrTimeRange = errors.New("carriers: year outside 0000-9999")
)

// CheckTime returns ErrTimeOffset when t's offset is beyond ±14:00 and
// ErrTimeRange when its year, in its offset or in UTC, is outside
// 0000–9999; nil otherwise. Our adapters check every time they read with
// it, Tracking's UnmarshalJSON checks its times, and
// carrierstest.RunConformanceTests checks a third party's adapter: a
// Tracking always marshals to JSON, also once its times are converted to
// UTC.
func CheckTime(t time.Time) error {
	if _, off := t.Zone(); off > MaxOffset || off < -MaxOffset {
		return ErrTimeOffset
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return ErrTimeRange
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return ErrTimeRange
	}
	return nil
}

// UnmarshalJSON decodes a Tracking as encoding/json would, then refuses a
// time CheckTime refuses (Go's decoder accepts "+24:00", its encoder does
// not) with a *DecodeError naming it ("events[2].time").
func (t *Tracking) UnmarshalJSON(b []byte) error {
	type plain Tracking // the same fields without this method
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if err := (*Tracking)(&p).checkTimes(); err != nil {
		return err
	}
	*t = Tracking(p)
	return nil
}

// checkTimes returns a *DecodeError for the first time of t CheckTime
// refuses.
func (t *Tracking) checkTimes() error {
	bad := func(path string, at time.Time) error {
		if err := CheckTime(at); err != nil {
			return &DecodeError{Path: path, Value: at.Format(time.RFC3339Nano), Err: err}
		}
		return nil
	}
	for i := range t.Events {
		if err := bad("events["+strconv.Itoa(i)+"].time", t.Events[i].Time); err != nil {
			return err
		}
	}
	if e := t.Estimate; e != nil {
		if err := bad("estimate.start", e.Start); err != nil {
			return err
		}
		if err := bad("estimate.end", e.End); err != nil {
			return err
		}
	}
	return bad("delivered_at", t.DeliveredAt)
}
