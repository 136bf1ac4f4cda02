package carriertime

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/postpurchase/postpurchase/carriers"
)

func TestParseISO(t *testing.T) {
	est := time.FixedZone("", -4*3600)
	for s, want := range map[string]Local{
		"":                                    {},
		"  ":                                  {},
		"2024-08-20T12:41:57-04:00":           {Time: time.Date(2024, 8, 20, 12, 41, 57, 0, est)},
		"2024-08-20T12:41:57.250-04:00":       {Time: time.Date(2024, 8, 20, 12, 41, 57, 250e6, est)},
		"2024-08-20T12:41:57-0400":            {Time: time.Date(2024, 8, 20, 12, 41, 57, 0, est)},
		"2018-03-02T07:53:47Z":                {Time: time.Date(2018, 3, 2, 7, 53, 47, 0, time.UTC)},
		" 2018-03-02T07:53:47Z ":              {Time: time.Date(2018, 3, 2, 7, 53, 47, 0, time.UTC)},
		"2022-06-27T19:30:00":                 {Time: time.Date(2022, 6, 27, 19, 30, 0, 0, time.UTC), ZoneUnknown: true},
		"2022-06-27T19:30:00.5":               {Time: time.Date(2022, 6, 27, 19, 30, 0, 5e8, time.UTC), ZoneUnknown: true},
		"2019-05-07":                          {Time: time.Date(2019, 5, 7, 0, 0, 0, 0, time.UTC), ZoneUnknown: true, DateOnly: true},
		"2024-08-21T00:00:00-06:00":           {Time: time.Date(2024, 8, 21, 0, 0, 0, 0, time.FixedZone("", -6*3600))},
		"2024-08-20T12:41:57.999999999+14:00": {Time: time.Date(2024, 8, 20, 12, 41, 57, 999999999, time.FixedZone("", 14*3600))},
	} {
		got, err := ParseISO(s)
		if err != nil || !got.Time.Equal(want.Time) || got.Time.Format(time.RFC3339Nano) != want.Time.Format(time.RFC3339Nano) ||
			got.ZoneUnknown != want.ZoneUnknown || got.DateOnly != want.DateOnly {
			t.Errorf("ParseISO(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	for _, s := range []string{"yesterday", "2024-13-01", "2024-08-20 12:41:57", "2024-08-20T12:41:57+25:00", "20240820", "2024-08-20T12:41", "12:41:57-04:00", "2018-03-02T07:53:47z"} {
		if got, err := ParseISO(s); !errors.Is(err, ErrBadTime) || !got.IsZero() {
			t.Errorf("ParseISO(%q) = %+v, %v; want ErrBadTime", s, got, err)
		}
	}
}

func TestParseOffset(t *testing.T) {
	for s, want := range map[string]int{"+08:00": 8 * 3600, "-04.00": -4 * 3600, "-0400": -4 * 3600, "-4": -4 * 3600,
		"+05:30": 5*3600 + 1800, "Z": 0, "z": 0, " +14:00 ": 14 * 3600, "7": 7 * 3600} {
		if got, ok := ParseOffset(s); !ok || got != want {
			t.Errorf("ParseOffset(%q) = %d %v, want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "+", "-", "+15:00", "+14:30", "abc", "+08:0", "-04:75", "+123", "+12345", "+:30", "+1a"} {
		if _, ok := ParseOffset(s); ok {
			t.Errorf("ParseOffset(%q) accepted", s)
		}
	}
}

func TestParseClock(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"071356":   7*time.Hour + 13*time.Minute + 56*time.Second,
		"74700":    7*time.Hour + 47*time.Minute,
		"07:13:56": 7*time.Hour + 13*time.Minute + 56*time.Second,
		"1012":     10*time.Hour + 12*time.Minute,
		"13:00":    13 * time.Hour,
		"930":      9*time.Hour + 30*time.Minute,
		" 235959 ": 23*time.Hour + 59*time.Minute + 59*time.Second,
	} {
		if got, ok := ParseClock(s); !ok || got != want {
			t.Errorf("ParseClock(%q) = %v %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "246000", "1", "12", "12:3a", "1234567", "12 30", "-1200", "126000"} {
		if _, ok := ParseClock(s); ok {
			t.Errorf("ParseClock(%q) accepted", s)
		}
	}
}

func TestDigits(t *testing.T) {
	if n, ok := Digits("0042"); !ok || n != 42 {
		t.Errorf("Digits = %d %v", n, ok)
	}
	for _, s := range []string{"", "+1", "-1", " 1", "1234567890", "1e3"} {
		if _, ok := Digits(s); ok {
			t.Errorf("Digits(%q) accepted", s)
		}
	}
}

func TestInZoneAndDeriveOffset(t *testing.T) {
	wall := time.Date(2024, 3, 26, 8, 15, 0, 123, time.UTC)
	got := InZone(wall, -4*3600)
	if got.Format(time.RFC3339Nano) != "2024-03-26T08:15:00.000000123-04:00" {
		t.Errorf("InZone = %s", got.Format(time.RFC3339Nano))
	}
	for _, tc := range []struct {
		gmt  time.Time
		want int
		ok   bool
	}{
		{time.Date(2024, 3, 26, 12, 15, 0, 0, time.UTC), -4 * 3600, true},
		{time.Date(2024, 3, 26, 12, 16, 52, 0, time.UTC), -4 * 3600, true},   // GMT has seconds the local time drops
		{time.Date(2024, 3, 26, 2, 45, 0, 0, time.UTC), 5*3600 + 1800, true}, // India
		{time.Date(2024, 3, 26, 12, 22, 0, 0, time.UTC), 0, false},           // 7 minutes off a quarter hour
		{time.Date(2024, 3, 25, 8, 15, 0, 0, time.UTC), 0, false},            // a day apart
	} {
		if off, ok := DeriveOffset(wall.Truncate(time.Second), tc.gmt); off != tc.want || ok != tc.ok {
			t.Errorf("DeriveOffset(gmt %s) = %d %v, want %d %v", tc.gmt, off, ok, tc.want, tc.ok)
		}
	}
}

func mustLocal(t *testing.T, s string) Local {
	t.Helper()
	l, err := ParseISO(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestEstimate(t *testing.T) {
	utc := func(d, h, m int) time.Time { return time.Date(2024, 8, d, h, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		b, e string
		want *carriers.Estimate
	}{
		{"none", "", "", nil},
		{"window", "2024-08-21T08:00:00-04:00", "2024-08-21T12:00:00-04:00",
			&carriers.Estimate{Start: utc(21, 12, 0), End: utc(21, 16, 0), Source: carriers.EstimateCarrier}},
		{"one bound", "", "2024-08-21T12:00:00Z", &carriers.Estimate{Start: utc(21, 12, 0), End: utc(21, 12, 0), Source: carriers.EstimateCarrier}},
		{"midnight with offset is a date", "2024-08-22T00:00:00-06:00", "",
			&carriers.Estimate{Start: utc(22, 6, 0), End: time.Date(2024, 8, 23, 5, 59, 59, 999999999, time.UTC), DateOnly: true, Source: carriers.EstimateCarrier}},
		{"bare dates", "2024-08-21", "2024-08-22",
			&carriers.Estimate{Start: utc(21, 0, 0), End: time.Date(2024, 8, 22, 23, 59, 59, 999999999, time.UTC), DateOnly: true, Source: carriers.EstimateCarrier}},
		{"no offset", "2024-08-21T08:00:00", "2024-08-21T12:00:00",
			&carriers.Estimate{Start: utc(21, 8, 0), End: utc(21, 12, 0), ZoneUnknown: true, Source: carriers.EstimateCarrier}},
		{"end before start", "2024-08-21T12:00:00Z", "2024-08-21T08:00:00Z",
			&carriers.Estimate{Start: utc(21, 12, 0), End: utc(21, 12, 0), Source: carriers.EstimateCarrier}},
		{"date end before start", "2024-08-22", "2024-08-21",
			&carriers.Estimate{Start: utc(22, 0, 0), End: time.Date(2024, 8, 22, 23, 59, 59, 999999999, time.UTC), DateOnly: true, Source: carriers.EstimateCarrier}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Estimate(mustLocal(t, tc.b), mustLocal(t, tc.e), carriers.EstimateCarrier)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeliveredAt(t *testing.T) {
	scan := carriers.Event{Status: carriers.StatusDelivered, Time: time.Date(2024, 8, 20, 12, 41, 57, 0, time.FixedZone("", -4*3600))}
	wallScan := carriers.Event{Status: carriers.StatusDelivered, Time: time.Date(2024, 8, 20, 12, 41, 57, 0, time.UTC), ZoneUnknown: true}
	other := carriers.Event{Status: carriers.StatusInTransit, Time: time.Date(2024, 8, 21, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name    string
		actual  string
		events  []carriers.Event
		want    time.Time
		unknown bool
	}{
		{"actual with offset wins", "2024-08-20T12:40:00-05:00", []carriers.Event{scan}, mustLocal(t, "2024-08-20T12:40:00-05:00").Time, false},
		{"scan with offset over actual without", "2024-08-20T12:40:00", []carriers.Event{other, scan}, scan.Time, false},
		{"actual without offset over scan without", "2024-08-20T12:40:00", []carriers.Event{wallScan}, mustLocal(t, "2024-08-20T12:40:00").Time, true},
		{"actual date only", "2024-08-20", nil, time.Date(2024, 8, 20, 0, 0, 0, 0, time.UTC), true},
		{"scan without offset, no actual", "", []carriers.Event{wallScan, scan}, wallScan.Time, true},
		{"nothing", "", []carriers.Event{other}, time.Time{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, unknown := DeliveredAt(mustLocal(t, tc.actual), tc.events)
			if got.Format(time.RFC3339) != tc.want.Format(time.RFC3339) || !got.Equal(tc.want) || unknown != tc.unknown {
				t.Errorf("DeliveredAt = %s %v, want %s %v", got, unknown, tc.want, tc.unknown)
			}
		})
	}
}

func TestSort(t *testing.T) {
	at := func(h int, unknown bool, code string) carriers.Event {
		return carriers.Event{Time: time.Date(2024, 1, 1, h, 0, 0, 0, time.UTC), ZoneUnknown: unknown, Code: code}
	}
	codes := func(evs []carriers.Event) string {
		s := ""
		for _, e := range evs {
			s += e.Code
		}
		return s
	}
	// Known zones in order, an unknown-zone event out of place: kept.
	evs := []carriers.Event{at(10, false, "a"), at(12, true, "b"), at(8, false, "c")}
	SortNewestFirstIfNeeded(evs)
	if codes(evs) != "abc" {
		t.Errorf("IfNeeded reordered events in order: %s", codes(evs))
	}
	SortNewestFirst(evs)
	if codes(evs) != "bac" {
		t.Errorf("SortNewestFirst: %s", codes(evs))
	}
	// Known zones out of order: sorted, stably.
	evs = []carriers.Event{at(8, false, "a"), at(10, false, "b"), at(10, true, "c"), at(9, true, "d")}
	SortNewestFirstIfNeeded(evs)
	if codes(evs) != "bcda" {
		t.Errorf("IfNeeded: %s", codes(evs))
	}
}

func TestCheckBounds(t *testing.T) {
	for _, tc := range []struct {
		off  int
		want error
	}{
		{14 * 3600, nil}, {-14 * 3600, nil}, {-12 * 3600, nil},
		{14*3600 + 60, carriers.ErrTimeOffset}, {-(14*3600 + 60), carriers.ErrTimeOffset},
		{24 * 3600, carriers.ErrTimeOffset}, {-(24*3600 + 59*60), carriers.ErrTimeOffset},
	} {
		at := time.Date(2024, 1, 1, 12, 0, 0, 0, time.FixedZone("", tc.off))
		if err := Check(at); err != tc.want {
			t.Errorf("Check(offset %d) = %v, want %v", tc.off, err, tc.want)
		}
	}
	if _, ok := OffsetSeconds(1, 14, 1); ok {
		t.Error("OffsetSeconds accepted +14:01")
	}
	if _, ok := OffsetSeconds(-1, 24, 0); ok {
		t.Error("OffsetSeconds accepted -24:00")
	}
	// A date-only estimate on the last day of 9999, west of UTC, would end
	// in year 10000: none.
	l, err := ParseISO("9999-12-31T00:00:00-06:00")
	if err != nil {
		t.Fatal(err)
	}
	if est := Estimate(l, Local{}, carriers.EstimateCarrier); est != nil {
		t.Errorf("Estimate = %+v, want nil", est)
	}
}

func TestParseISOField(t *testing.T) {
	if l, err := ParseISOField("a.b", " 2024-08-20T12:41:57Z ", true); err != nil || l.ZoneUnknown || l.Time.Hour() != 12 {
		t.Errorf("good value: %+v, %v", l, err)
	}
	if l, err := ParseISOField("a.b", "", false); err != nil || !l.IsZero() {
		t.Errorf("optional empty: %+v, %v", l, err)
	}
	for _, tc := range []struct {
		value    string
		required bool
		cause    error
		want     string
	}{
		{"", true, ErrMissing, ""},
		{"  ", true, ErrMissing, ""},
		{" soon ", false, ErrBadTime, "soon"},
		{strings.Repeat("9", 100), false, ErrBadTime, strings.Repeat("9", 64) + "…"},
		// Go's parser accepts offsets up to ±24:59; its JSON encoder does
		// not, and no place is beyond ±14:00.
		{"2024-08-20T12:41:57+24:00", false, carriers.ErrTimeOffset, "2024-08-20T12:41:57+24:00"},
		{"2024-08-20T12:41:57-24:59", false, carriers.ErrTimeOffset, "2024-08-20T12:41:57-24:59"},
		{"2024-08-20T12:41:57+2400", false, carriers.ErrTimeOffset, "2024-08-20T12:41:57+2400"},
		{"2024-08-20T12:41:57.5+14:01", false, carriers.ErrTimeOffset, "2024-08-20T12:41:57.5+14:01"},
		// In UTC this is in year 10000.
		{"9999-12-31T23:00:00-05:00", false, carriers.ErrTimeRange, "9999-12-31T23:00:00-05:00"},
	} {
		_, err := ParseISOField("shipments[0].events[2].timestamp", tc.value, tc.required)
		var de *carriers.DecodeError
		if !errors.As(err, &de) || de.Path != "shipments[0].events[2].timestamp" || de.Value != tc.want || !errors.Is(err, tc.cause) {
			t.Errorf("ParseISOField(%q, %v) = %#v", tc.value, tc.required, err)
		}
	}
}
