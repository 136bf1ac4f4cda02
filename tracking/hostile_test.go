package tracking

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// maxErrText bounds the text of any error in these tests: whatever the
// input, an error repeats at most 64 bytes of each echoed value.
const maxErrText = 2048

func decodeErr(t *testing.T, doc string) *DecodeError {
	t.Helper()
	s := &Shipment{TrackingNumber: "SENTINEL"}
	err := json.Unmarshal([]byte(doc), s)
	var de *DecodeError
	if !errors.As(err, &de) || !errors.Is(err, ErrInvalidShipment) {
		t.Fatalf("%.80s: err = %v, want a *DecodeError", doc, err)
	}
	if s.TrackingNumber != "SENTINEL" {
		t.Fatalf("%.80s: failed decode modified the shipment", doc)
	}
	if n := len(err.Error()); n > maxErrText {
		t.Fatalf("%.80s: error text is %d bytes", doc, n)
	}
	return de
}

const okEvent = `{"time":"2026-03-02T09:00:00-08:00","status":"in_transit"}`

func TestDecodeStrict(t *testing.T) {
	long := strings.Repeat("k", 1<<20)
	for _, tc := range []struct {
		doc, path, reason string
	}{
		{`{"format":1,"colour":"red"}`, "colour", "unknown field"},
		{`{"ID":"x"}`, "ID", "unknown field"},
		{`{"Tracking_Number":"x"}`, "Tracking_Number", "unknown field"},
		{`{"id":"a","id":"b"}`, "id", "duplicate field"},
		{`{"id":"a","\u0069d":"b"}`, "id", "duplicate field"},
		{`{"events":[` + okEvent + `,{"time":"2026-03-02T10:00:00Z","status":"in_transit","status":"delivered"}]}`, "events[1].status", "duplicate field"},
		{`{"events":[{"time":"2026-03-02T10:00:00Z","status":"in_transit","location":{"cty":"Reno"}}]}`, "events[0].location.cty", "unknown field"},
		{`{"milestones":[{"id":"m1","kind":"shipped","at":"2026-03-02T10:00:00Z","event":{"time":"2026-03-02T10:00:00Z","status":"in_transit","x":1}}]}`, "milestones[0].event.x", "unknown field"},
		{`{"delays":[{"id":"d","kind":"late","since":"2026-03-02T10:00:00Z","detected_at":"2026-03-02T10:00:00Z","evidence":{"events":[],"extra":true}}]}`, "delays[0].evidence.extra", "unknown field"},
		{`{"estimate":{"start":"2026-03-02T10:00:00Z","end":"2026-03-02T10:00:00Z","source":"carrier","more":1}}`, "estimate.more", "unknown field"},
		{`{"events":[{"time":"2026-03-02T10:00:00+24:00","status":"in_transit"}]}`, "events[0].time", "UTC offset out of range (hours above 23)"},
		{`{"promised_by":"2026-03-02T10:00:00-24:59"}`, "promised_by", "UTC offset out of range (hours above 23)"},
		{`{"milestones":[{"id":"m1","kind":"shipped","at":"2026-03-02T10:00:00+24:00"}]}`, "milestones[0].at", "UTC offset out of range (hours above 23)"},
		{`{"` + long + `":1}`, strings.Repeat("k", 64) + "…", "unknown field"},
		{`{"events":[{"time":"` + long + `","status":"in_transit"}]}`, "events[0]", ""},
		{`{"format":"one"}`, "format", ""},
	} {
		de := decodeErr(t, tc.doc)
		if de.Path != tc.path || (tc.reason != "" && de.Reason != tc.reason) {
			t.Errorf("%.80s: path %q reason %q, want %q %q", tc.doc, de.Path, de.Reason, tc.path, tc.reason)
		}
	}
	// Escaped keys are keys like any other.
	var s Shipment
	if err := json.Unmarshal([]byte(`{"\u0069d":"shp_1","format":1}`), &s); err != nil || s.ID != "shp_1" {
		t.Errorf("escaped key: %v, id %q", err, s.ID)
	}
}

// TestDecodeTooManyEventsEarly: a document with more events than a
// shipment may hold is refused while it is scanned, before any event is
// decoded: the cost does not grow with the events beyond the cap.
func TestDecodeTooManyEventsEarly(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"format":1,"events":[`)
	for i := range 20000 { // 66 bytes each, 1.3 MB
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"time":"2026-03-02T09:00:00-08:00","status":"in_transit","code":"X"}`)
	}
	b.WriteString(`]}`)
	doc := []byte(b.String())
	de := decodeErr(t, b.String())
	eq(t, "path", de.Path, "events")
	allocs := testing.AllocsPerRun(1, func() {
		var s Shipment
		_ = s.UnmarshalJSON(doc)
	})
	// Decoding even the first 10,000 events would cost tens of thousands
	// of allocations.
	if allocs > 100 {
		t.Errorf("refusing 20000 events cost %.0f allocations, want the scan alone", allocs)
	}
}

func TestApplyRefusesUnencodableOffset(t *testing.T) {
	for _, off := range []int{24 * 3600, -(24*3600 + 59*60), 30, 5*3600 + 1} {
		s := newShip()
		e := ev(time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("bad", off)), carriers.StatusInTransit, "PU", "Picked up")
		good := ev(mon, carriers.StatusInfoReceived, "LC", "Label")
		ch, err := s.Apply(good, e)
		var ee *EventError
		if !errors.As(err, &ee) || ee.Index != 1 || ee.Field != "time" || !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("offset %ds: err = %v, want an EventError for event 1's time", off, err)
		}
		eq(t, "added", ch.Added, 1)
		if _, err := json.Marshal(s); err != nil {
			t.Errorf("offset %ds: shipment no longer marshals: %v", off, err)
		}
	}
	// Update: the same through a carrier result, and for the estimate.
	s := newShip()
	bad := time.Date(2026, 3, 5, 0, 0, 0, 0, time.FixedZone("bad", 24*3600+1800))
	ch, err := s.Update(mon.Add(time.Hour), &carriers.Tracking{Carrier: "ups", TrackingNumber: s.TrackingNumber,
		Events:   []carriers.Event{ev(mon, carriers.StatusInTransit, "PU", "Picked up")},
		Estimate: &carriers.Estimate{Start: bad, End: bad}})
	var ee *EventError
	if !errors.As(err, &ee) || ee.Index != -1 || ee.Field != "estimate" {
		t.Errorf("estimate: err = %v, want an EventError for the estimate", err)
	}
	eq(t, "events applied", ch.Added, 1)
	eq(t, "estimate ignored", ch.EstimateChanged, false)
	if _, err := json.Marshal(s); err != nil {
		t.Errorf("shipment no longer marshals: %v", err)
	}
}

func TestErrorTextsBounded(t *testing.T) {
	r, err := NewRules(Config{MaxEvents: 10})
	if err != nil {
		t.Fatal(err)
	}
	// 100,000 new events past the cap: one error, not 99,990.
	s := newShip()
	s.UseRules(r)
	evs := make([]carriers.Event, 100000)
	for i := range evs {
		evs[i] = ev(mon.Add(time.Duration(i)*time.Second), carriers.StatusInTransit, "AR", "Arrived")
	}
	_, err = s.Apply(evs...)
	if !errors.Is(err, ErrTooManyEvents) || len(err.Error()) > maxErrText {
		t.Errorf("too many events: %d bytes: %.200v", len(err.Error()), err)
	}
	var ee *EventError
	if !errors.As(err, &ee) || ee.Index != 10 {
		t.Errorf("first refused event: %v", err)
	}
	// 100,000 invalid events: eight listed, the rest counted.
	for i := range evs {
		evs[i].Time = time.Time{}
	}
	_, err = newShip().Apply(evs...)
	if !errors.Is(err, ErrInvalidEvent) || len(err.Error()) > maxErrText || !strings.Contains(err.Error(), "99992 more") {
		t.Errorf("invalid events: %d bytes: %.300v", len(err.Error()), err)
	}
	// A result for another shipment echoes at most 64 bytes of each value.
	huge := strings.Repeat("9", 1<<20)
	_, err = newShip().Update(mon, &carriers.Tracking{Carrier: huge, TrackingNumber: huge})
	if !errors.Is(err, ErrWrongShipment) || len(err.Error()) > 400 {
		t.Errorf("wrong shipment: %d bytes", len(err.Error()))
	}
	// Config errors echo clipped keys.
	_, err = New(Options{RateLimits: map[string]RateLimit{huge: {}}})
	if !errors.Is(err, ErrInvalidConfig) || len(err.Error()) > 400 {
		t.Errorf("config: %d bytes", len(err.Error()))
	}
	// Dates and kinds.
	var d Date
	if err := d.UnmarshalText([]byte(huge)); err == nil || len(err.Error()) > 400 {
		t.Errorf("date: %v", err)
	}
	var k MilestoneKind
	if err := k.UnmarshalText([]byte(huge)); err == nil || len(err.Error()) > 400 {
		t.Errorf("milestone kind: %v", err)
	}
}

// TestStrictCheckAllocs: the strict pre-scan of a stored shipment costs no
// allocation, so strictness adds only a pass over the bytes.
func TestStrictCheckAllocs(t *testing.T) {
	b, err := os.ReadFile("testdata/shipment_returned_to_sender.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := strictCheck(b); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(10, func() { _ = strictCheck(b) }); n != 0 {
		t.Errorf("strictCheck: %.0f allocations", n)
	}
}

// TestSchemaDepth: the strict scanner's fixed path stack is deep enough
// for the stored layout.
func TestSchemaDepth(t *testing.T) {
	var depth func(s *schema) int
	depth = func(s *schema) int {
		d := 0
		for _, f := range s.fields {
			d = max(d, depth(f.s))
		}
		if s.elem != nil {
			d = max(d, depth(s.elem))
		}
		if s.fields != nil || s.elem != nil {
			d++
		}
		return d
	}
	var sc strictScanner
	if d := depth(shipmentSchema); d > len(sc.path) || d < 7 {
		t.Errorf("stored layout nests %d deep; the scanner holds %d", d, len(sc.path))
	}
}

// TestInvalidUTF8StoredAsJSONReadsIt: a carrier text that is not valid
// UTF-8 is stored as JSON would read it back, so the same event sent
// again after a reload is a duplicate, not a second event.
func TestInvalidUTF8StoredAsJSONReadsIt(t *testing.T) {
	raw := ev(mon, carriers.StatusInTransit, "PU", "Picked up \xc9")
	raw.Location.City = "Reno\xff"
	s := newShip()
	if ch, err := s.Apply(raw); err != nil || ch.Added != 1 {
		t.Fatalf("apply: %v, %+v", err, ch)
	}
	eq(t, "stored description", s.Events()[0].Description, "Picked up \uFFFD")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Shipment
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	ch, err := back.Apply(raw)
	if err != nil || ch.Added != 0 || ch.Duplicates != 1 {
		t.Errorf("re-applied after reload: %v, added %d, duplicates %d", err, ch.Added, ch.Duplicates)
	}
	ch, _ = s.Apply(raw)
	eq(t, "re-applied before reload: added", ch.Added, 0)
}
