package tracking

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/postpurchase/postpurchase/carriers"
	"pgregory.net/rapid"
)

// marshalJSONReference is the encoding/json implementation MarshalJSON
// had before it was written by hand: the definition of the stored bytes
// that appendJSON must reproduce exactly.
func marshalJSONReference(s *Shipment) ([]byte, error) {
	s.ensure()
	w := struct {
		shipmentJSON
		Events     []carriers.Event `json:"events,omitempty"`
		Milestones []Milestone      `json:"milestones,omitempty"`
		Delays     []Delay          `json:"delays,omitempty"`
	}{
		shipmentJSON: shipmentJSON{
			Format: FormatVersion, Version: s.Version, ID: s.ID, OrderID: s.OrderID, CustomerID: s.CustomerID,
			Carrier: s.Carrier, TrackingNumber: s.TrackingNumber, Service: s.Service, Origin: s.Origin, Destination: s.Destination,
			PromisedBy: s.PromisedBy, PromisedOn: s.PromisedOn, LabelCreatedAt: s.LabelCreatedAt,
			Estimate: s.estimate, FirstEstimate: s.firstEst, NextPollAt: s.nextPoll, PollDone: s.pollDone, CheckedAt: s.checkedAt,
		},
		Events: s.events, Milestones: s.milestones, Delays: s.delays,
	}
	st, rs := s.f.status, s.f.reason
	w.Status, w.Reason = &st, &rs
	if d := s.DeliveredAt(); !d.IsZero() {
		w.DeliveredAt = &d
	}
	return json.Marshal(w)
}

// assertSameJSON fails unless MarshalJSON and the reference agree on s:
// the same bytes, or errors with the same text.
func assertSameJSON(t interface {
	Helper()
	Fatalf(string, ...any)
}, s *Shipment) []byte {
	t.Helper()
	want, werr := marshalJSONReference(s)
	got, gerr := s.MarshalJSON()
	switch {
	case werr != nil || gerr != nil:
		if werr == nil || gerr == nil || werr.Error() != gerr.Error() {
			t.Fatalf("errors differ:\n got %v\nwant %v", gerr, werr)
		}
		if got != nil {
			t.Fatalf("bytes returned with the error %v", gerr)
		}
	case !bytes.Equal(got, want):
		t.Fatalf("encodings differ:\n%s", cmp.Diff(string(want), string(got)))
	}
	return got
}

// hostileStrings are the pieces genHostile assembles: every escape
// encoding/json makes (quotes, backslash, control bytes, HTML, U+2028/9,
// DEL), invalid UTF-8 of several kinds and ordinary multi-byte text.
var hostileStrings = []string{
	"", "a", "Salt Lake City", `"`, `\`, "/", "<", ">", "&", "<script>&amp;</script>", "\u2028", "\u2029", "\u2027",
	"\u202a", "\x00", "\x01", "\x1f", "\b", "\f", "\n", "\r", "\t", "\x7f", "\x80", "\xff", "\xc3", "\xc3(", "\xe2\x80",
	"\xe2\x80\xa8", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf0\x9f\x93\xa6", "é", "ü", "東京", "\ufffd", "\ufeff",
	"Zürich \U0001F4E6 <Dépôt>", strings.Repeat("x", 300),
}

func genHostile(t *rapid.T, label string) string {
	switch rapid.IntRange(0, 9).Draw(t, label+"/kind") {
	case 0:
		return ""
	case 1:
		return rapid.String().Draw(t, label+"/str")
	case 2:
		return string(rapid.SliceOfN(rapid.Byte(), 0, 24).Draw(t, label+"/bytes"))
	case 3, 4, 5:
		return strings.Join(rapid.SliceOfN(rapid.SampledFrom(hostileStrings), 1, 6).Draw(t, label+"/pieces"), "")
	default:
		return rapid.SampledFrom([]string{"AR", "DP", "Reno", "US", "89501", "Arrived at facility", "ups"}).Draw(t, label+"/plain")
	}
}

// genTime draws a time: mostly ordinary instants in zones of every kind
// (UTC, named, fixed offsets including seconds and the ±24h edge that
// encoding/json refuses), sometimes with nanoseconds, sometimes a year
// outside [0,9999], sometimes zero.
func genTime(t *rapid.T, label string) time.Time {
	if rapid.IntRange(0, 15).Draw(t, label+"/zero") == 0 {
		return time.Time{}
	}
	sec := rapid.Int64Range(1_600_000_000, 1_900_000_000).Draw(t, label+"/sec")
	var nsec int64
	switch rapid.IntRange(0, 3).Draw(t, label+"/nskind") {
	case 1:
		nsec = rapid.Int64Range(0, 999_999_999).Draw(t, label+"/ns")
	case 2:
		nsec = rapid.SampledFrom([]int64{1, 10, 100_000, 120_000_000, 500_000_000}).Draw(t, label+"/ns")
	}
	tm := time.Unix(sec, nsec)
	if rapid.IntRange(0, 30).Draw(t, label+"/farkind") == 0 {
		tm = time.Date(rapid.SampledFrom([]int{-1, 0, 1, 9999, 10000, 123456}).Draw(t, label+"/year"), 6, 1, 12, 0, 0, 0, time.UTC)
	}
	zones := []*time.Location{time.UTC, est, pst, time.FixedZone("CET", 3600), time.FixedZone("", 0),
		time.FixedZone("IST", 5*3600+1800), time.FixedZone("LMT", -(4*3600 + 56*60 + 2)), time.FixedZone("NPT", 5*3600+45*60)}
	switch rapid.IntRange(0, 20).Draw(t, label+"/zonekind") {
	case 0:
		return tm.In(time.FixedZone("edge", rapid.SampledFrom([]int{24 * 3600, -24 * 3600, 24*3600 + 59*60, -(23*3600 + 59*60 + 59), 100 * 3600}).Draw(t, label+"/edge")))
	case 1:
		return tm.In(time.FixedZone("any", rapid.IntRange(-30*3600, 30*3600).Draw(t, label+"/off")))
	}
	return tm.In(rapid.SampledFrom(zones).Draw(t, label+"/zone"))
}

// genDate draws a Date: zero, ordinary, or odd (out of range fields, as
// the type allows).
func genDate(t *rapid.T, label string) Date {
	switch rapid.IntRange(0, 6).Draw(t, label+"/kind") {
	case 0, 1, 2:
		return Date{}
	case 3:
		return Date{rapid.IntRange(-20000, 20000).Draw(t, label+"/y"), time.Month(rapid.IntRange(-3, 120).Draw(t, label+"/m")), rapid.IntRange(-3, 120).Draw(t, label+"/d")}
	}
	return MakeDate(rapid.IntRange(1990, 2040).Draw(t, label+"/y"), time.Month(rapid.IntRange(1, 12).Draw(t, label+"/m")), rapid.IntRange(1, 31).Draw(t, label+"/d"))
}

// genFloat draws a float64: zero (both signs), probabilities, values at
// the edges of encoding/json's 'f' and 'e' forms, NaN and infinities.
func genFloat(t *rapid.T, label string) float64 {
	switch rapid.IntRange(0, 4).Draw(t, label+"/kind") {
	case 0:
		return 0
	case 1:
		return rapid.Float64Range(0, 1).Draw(t, label+"/p")
	case 2:
		return rapid.Float64().Draw(t, label+"/any")
	}
	return rapid.SampledFrom([]float64{math.Copysign(0, -1), 1, 0.1, 1.0 / 3, 1e-6, 9.99e-7, 1e-7, 1.5e-9, 1e-300, 5e-324,
		1e20, 1e21, 1.5e21, 1e300, -1e-7, math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1)}).Draw(t, label+"/edge")
}

func genStatus(t *rapid.T, label string) carriers.Status {
	return carriers.Status(rapid.IntRange(0, len(carriers.Statuses())+2).Draw(t, label))
}

func genReason(t *rapid.T, label string) carriers.Reason {
	return carriers.Reason(rapid.IntRange(0, len(carriers.Reasons())+2).Draw(t, label))
}

func genEvent(t *rapid.T, label string) carriers.Event {
	e := carriers.Event{
		Time: genTime(t, label+".time"), ZoneUnknown: rapid.Bool().Draw(t, label+".zu"),
		Status: genStatus(t, label+".status"), Reason: genReason(t, label+".reason"),
		Code: genHostile(t, label+".code"), Description: genHostile(t, label+".desc"),
	}
	if rapid.Bool().Draw(t, label+".loc") {
		e.Location = carriers.Location{City: genHostile(t, label+".city"), State: genHostile(t, label+".state"),
			PostalCode: genHostile(t, label+".zip"), Country: genHostile(t, label+".country")}
	}
	return e
}

func genEvents2(t *rapid.T, label string, max int) []carriers.Event {
	n := rapid.IntRange(0, max).Draw(t, label+"/n")
	if n == 0 && rapid.Bool().Draw(t, label+"/nil") {
		return nil
	}
	evs := make([]carriers.Event, n)
	for i := range evs {
		evs[i] = genEvent(t, label+"["+strconv.Itoa(i)+"]")
	}
	return evs
}

func genCarrierEstimate(t *rapid.T, label string) *carriers.Estimate {
	if rapid.Bool().Draw(t, label) {
		return nil
	}
	return &carriers.Estimate{Start: genTime(t, label+".start"), End: genTime(t, label+".end"),
		DateOnly: rapid.Bool().Draw(t, label+".dateonly"), ZoneUnknown: rapid.Bool().Draw(t, label+".zu"),
		Source: carriers.EstimateSource(rapid.SampledFrom([]string{"", "scheduled", "rescheduled", "carrier", "guaranteed", "<&>\u2028\xff"}).Draw(t, label+".source"))}
}

// genStoredShipment draws a shipment in any state the type can hold, not
// only the states Apply reaches: every stored field set directly, the
// derived status, reason and delivered event drawn too.
func genStoredShipment(t *rapid.T) *Shipment {
	s := &Shipment{
		ID: genHostile(t, "id"), OrderID: genHostile(t, "order"), CustomerID: genHostile(t, "customer"),
		Carrier: genHostile(t, "carrier"), TrackingNumber: genHostile(t, "number"), Service: genHostile(t, "service"),
		Origin: genHostile(t, "origin"), Destination: genHostile(t, "destination"),
		PromisedBy: genTime(t, "promisedBy"), PromisedOn: genDate(t, "promisedOn"), LabelCreatedAt: genTime(t, "label"),
		Version:  rapid.SampledFrom([]int64{0, 1, 7, -3, 1 << 62}).Draw(t, "version"),
		events:   genEvents2(t, "events", 6),
		estimate: genCarrierEstimate(t, "estimate"), firstEst: genCarrierEstimate(t, "firstEst"),
		nextPoll: genTime(t, "nextPoll"), pollDone: rapid.Bool().Draw(t, "pollDone"), checkedAt: genTime(t, "checkedAt"),
	}
	for i := range rapid.IntRange(0, 3).Draw(t, "milestones") {
		l := "milestone[" + strconv.Itoa(i) + "]"
		s.milestones = append(s.milestones, Milestone{ID: genHostile(t, l+".id"),
			Kind: MilestoneKind(rapid.IntRange(0, int(numMilestoneKinds)+2).Draw(t, l+".kind")),
			At:   genTime(t, l+".at"), Event: genEvent(t, l+".event")})
	}
	for i := range rapid.IntRange(0, 3).Draw(t, "delays") {
		l := "delay[" + strconv.Itoa(i) + "]"
		s.delays = append(s.delays, Delay{ID: genHostile(t, l+".id"),
			Kind:   DelayKind(rapid.IntRange(0, int(numDelayKinds)+2).Draw(t, l+".kind")),
			Reason: genReason(t, l+".reason"), Since: genTime(t, l+".since"),
			Seq:        rapid.SampledFrom([]int{0, 1, 2, -1, 1 << 40}).Draw(t, l+".seq"),
			DetectedAt: genTime(t, l+".detected"), ClearedAt: genTime(t, l+".cleared"),
			Evidence: Evidence{
				Events:                genEvents2(t, l+".evidence.events", 2),
				ElapsedBusinessDays:   rapid.SampledFrom([]int{0, 3, -2}).Draw(t, l+".elapsed"),
				ThresholdBusinessDays: rapid.SampledFrom([]int{0, 5, 1 << 33}).Draw(t, l+".threshold"),
				Threshold:             genHostile(t, l+".thresholdName"),
				PromisedDate:          genDate(t, l+".promised"),
				EstimatedDate:         genDate(t, l+".estimated"),
				EstimateBasis:         EstimateBasis(rapid.SampledFrom([]string{"", "none", "carrier", "model", "delivered", "<\u2029>"}).Draw(t, l+".basis")),
				PreviousEstimate:      genDate(t, l+".previous"),
				OnTimeProbability:     genFloat(t, l+".probability"),
			}})
	}
	s.f = facts{}.reset()
	s.f.status, s.f.reason = genStatus(t, "f.status"), genReason(t, "f.reason")
	s.f.delivered = rapid.IntRange(-1, len(s.events)).Draw(t, "f.delivered")
	if len(s.events) == 0 && rapid.Bool().Draw(t, "f.fresh") {
		s.f = facts{} // as a zero Shipment: ensure resets it
	}
	return s
}

// TestPropertyMarshalJSONMatchesReference: for a shipment in any state the
// type can hold — hostile strings, every status and reason (and undefined
// ones), odd dates, zone offsets of every kind, times encoding/json
// refuses — MarshalJSON writes exactly the reference's bytes, or fails
// with the reference's error.
func TestPropertyMarshalJSONMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		assertSameJSON(t, genStoredShipment(t))
	})
}

// TestPropertyMarshalJSONReachable: shipments in the states that Apply,
// Update and Check reach from generated streams (the states hosts store)
// encode as the reference does, and decode with UnmarshalJSON to a
// shipment that encodes to the same bytes again (after one more round
// when a string held invalid UTF-8, which encoding/json replaces).
func TestPropertyMarshalJSONReachable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := reachableShipment(t)
		b := assertSameJSON(t, s)
		back := propShipment()
		if err := back.UnmarshalJSON(b); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		// Invalid UTF-8 is written as \ufffd, which decodes to U+FFFD:
		// then the first round trip changes the bytes, and only the next
		// is a fixed point.
		b2 := assertSameJSON(t, back)
		if bytes.Contains(b, []byte(`\ufffd`)) {
			again := propShipment()
			if err := again.UnmarshalJSON(b2); err != nil {
				t.Fatalf("%v\n%s", err, b2)
			}
			b, b2 = b2, assertSameJSON(t, again)
		}
		if !bytes.Equal(b, b2) {
			t.Fatalf("round trip differs:\n%s", cmp.Diff(string(b), string(b2)))
		}
	})
}

// storedCorpus returns the stored shipments in testdata and the inputs of
// the FuzzShipmentJSON corpus.
func storedCorpus(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	files, _ := filepath.Glob("testdata/shipment_*.json")
	corpus, _ := filepath.Glob("testdata/fuzz/FuzzShipmentJSON/*")
	if len(files) == 0 || len(corpus) == 0 {
		t.Fatal("no stored shipments or fuzz corpus in testdata")
	}
	for _, f := range append(files, corpus...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(b), "go test fuzz v1\n") {
			// One []byte("...") argument.
			lit := strings.TrimSpace(strings.TrimPrefix(string(b), "go test fuzz v1\n"))
			lit = strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")")
			s, err := strconv.Unquote(lit)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			b = []byte(s)
		}
		out[f] = b
	}
	return out
}

// TestMarshalJSONCorpus: every stored shipment in testdata and every
// fuzz corpus input that decodes encodes as the reference does.
func TestMarshalJSONCorpus(t *testing.T) {
	decoded := 0
	for name, b := range storedCorpus(t) {
		var s Shipment
		if err := s.UnmarshalJSON(b); err != nil {
			continue // refused input: nothing to encode
		}
		decoded++
		t.Run(filepath.Base(name), func(t *testing.T) { assertSameJSON(t, &s) })
	}
	if decoded < 5 {
		t.Fatalf("only %d corpus inputs decoded", decoded)
	}
}

// FuzzMarshalJSON decodes arbitrary bytes as a stored shipment (seeded
// with the stored shipments and the FuzzShipmentJSON corpus) and checks
// that what decodes encodes as the reference does.
func FuzzMarshalJSON(f *testing.F) {
	for _, b := range storedCorpus(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Shipment
		if s.UnmarshalJSON(b) != nil {
			return
		}
		assertSameJSON(t, &s)
	})
}

// TestMarshalJSONLayout pins the JSON fields of every type appendJSON
// writes by hand, so that a field added to (or retagged in) a stored
// type fails here until the encoder writes it too.
func TestMarshalJSONLayout(t *testing.T) {
	want := map[reflect.Type]string{
		reflect.TypeFor[shipmentJSON](): "Format int format; Version int64 version; ID string id,omitempty; " +
			"OrderID string order_id,omitempty; CustomerID string customer_id,omitempty; Carrier string carrier,omitempty; " +
			"TrackingNumber string tracking_number,omitempty; Service string service,omitempty; Origin string origin,omitempty; " +
			"Destination string destination,omitempty; PromisedBy time.Time promised_by,omitzero; " +
			"PromisedOn tracking.Date promised_on,omitzero; LabelCreatedAt time.Time label_created_at,omitzero; " +
			"Status *carriers.Status status,omitempty; Reason *carriers.Reason reason,omitempty; " +
			"DeliveredAt *time.Time delivered_at,omitempty; Events []json.RawMessage events,omitempty; " +
			"Milestones []json.RawMessage milestones,omitempty; Delays []json.RawMessage delays,omitempty; " +
			"Estimate *carriers.Estimate estimate,omitempty; FirstEstimate *carriers.Estimate first_estimate,omitempty; " +
			"NextPollAt time.Time next_poll_at,omitzero; PollDone bool poll_done,omitempty; CheckedAt time.Time checked_at,omitzero",
		reflect.TypeFor[carriers.Event](): "Time time.Time time; ZoneUnknown bool zone_unknown,omitempty; " +
			"Status carriers.Status status; Reason carriers.Reason reason,omitempty; Code string code,omitempty; " +
			"Description string description,omitempty; Location carriers.Location location,omitzero",
		reflect.TypeFor[carriers.Location](): "City string city,omitempty; State string state,omitempty; " +
			"PostalCode string postal_code,omitempty; Country string country,omitempty",
		reflect.TypeFor[carriers.Estimate](): "Start time.Time start; End time.Time end; DateOnly bool date_only,omitempty; " +
			"ZoneUnknown bool zone_unknown,omitempty; Source carriers.EstimateSource source",
		reflect.TypeFor[Milestone](): "ID string id; Kind tracking.MilestoneKind kind; At time.Time at; Event carriers.Event event",
		reflect.TypeFor[Delay](): "ID string id; Kind tracking.DelayKind kind; Reason carriers.Reason reason,omitempty; " +
			"Since time.Time since; Seq int seq,omitempty; DetectedAt time.Time detected_at; " +
			"ClearedAt time.Time cleared_at,omitzero; Evidence tracking.Evidence evidence",
		reflect.TypeFor[Evidence](): "Events []carriers.Event events,omitempty; " +
			"ElapsedBusinessDays int elapsed_business_days,omitempty; ThresholdBusinessDays int threshold_business_days,omitempty; " +
			"Threshold string threshold,omitempty; PromisedDate tracking.Date promised_date,omitzero; " +
			"EstimatedDate tracking.Date estimated_date,omitzero; EstimateBasis tracking.EstimateBasis estimate_basis,omitempty; " +
			"PreviousEstimate tracking.Date previous_estimate,omitzero; OnTimeProbability float64 on_time_probability,omitempty",
	}
	for typ, w := range want {
		var got []string
		for f := range typ.Fields() {
			got = append(got, f.Name+" "+f.Type.String()+" "+f.Tag.Get("json"))
		}
		if diff := cmp.Diff(strings.Split(w, "; "), got); diff != "" {
			t.Errorf("%v changed (-pinned +now); update appendJSON and this list:\n%s", typ, diff)
		}
	}
	// appendJSON calls no MarshalJSON of these types, and MarshalText only
	// of the enums and Date: a method added to one of them would change
	// what encoding/json writes.
	text := map[reflect.Type]bool{reflect.TypeFor[carriers.Status](): true, reflect.TypeFor[carriers.Reason](): true,
		reflect.TypeFor[MilestoneKind](): true, reflect.TypeFor[DelayKind](): true, reflect.TypeFor[Date](): true}
	types := slices.Collect(maps.Keys(want))
	types = append(types, reflect.TypeFor[carriers.EstimateSource](), reflect.TypeFor[EstimateBasis]())
	for typ := range text {
		types = append(types, typ)
	}
	for _, typ := range types {
		p := reflect.PointerTo(typ)
		if _, ok := p.MethodByName("MarshalJSON"); ok {
			t.Errorf("%v has a MarshalJSON, which appendJSON does not call", typ)
		}
		if _, ok := p.MethodByName("MarshalText"); ok != text[typ] {
			t.Errorf("%v: has MarshalText = %v, appendJSON assumes %v", typ, ok, text[typ])
		}
	}
}

// TestAppendScalars: the number writers against encoding/json on every
// edge listed (the property tests draw them only sometimes); strings are
// internal/jsonstr's, tested there.
func TestAppendScalars(t *testing.T) {
	for _, f := range []float64{math.Copysign(0, -1), 1, -1, 0.1, 1.0 / 3, 1e-6, 9.99e-7, 1e-7, 1.5e-9, 1e-10, 1e-100, 1e-300,
		5e-324, 1e20, 9.999e20, 1e21, 1.5e21, 1e100, 1e300, -1e-7, math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1)} {
		want, werr := json.Marshal(f)
		got, gerr := appendFloat64(nil, f)
		if (werr != nil) != (gerr != nil) || werr != nil && werr.Error() != gerr.Error() || !bytes.Equal(got, want) {
			t.Errorf("appendFloat64(%v) = %s, %v; want %s, %v", f, got, gerr, want, werr)
		}
	}
	for _, d := range []Date{MakeDate(2026, 3, 9), {1, 1, 1}, {9999, 12, 31}, {10000, 1, 1}, {-1, 1, 1}, {2026, 0, 0},
		{2026, 13, 45}, {2026, 100, 100}, {2026, -1, 5}, {0, 0, 1}} {
		want, _ := json.Marshal(d)
		if got := appendDate(nil, d); !bytes.Equal(got, want) {
			t.Errorf("appendDate(%v) = %s, want %s", d, got, want)
		}
	}
}
