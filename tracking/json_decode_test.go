package tracking

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"pgregory.net/rapid"
)

// The fast path of UnmarshalJSON against the general path it stands in
// for: for any input, both give the same error (type and text) or the
// same shipment, every field (unexported ones, derived facts, time zones)
// compared with reflect.DeepEqual.

// assertSameDecode decodes b with the fast path on and with the general
// path alone and fails unless they agree. It reports whether the fast
// path parsed b.
func assertSameDecode(t interface {
	Helper()
	Fatalf(string, ...any)
}, b []byte) (fast bool) {
	t.Helper()
	fast = new(fastDecoder).parse(b)
	r, _ := NewRules(Config{})
	s1 := &Shipment{TrackingNumber: "SENTINEL", rules: r}
	s2 := &Shipment{TrackingNumber: "SENTINEL", rules: r}
	e1 := s1.unmarshalJSON(b, true)
	e2 := s2.unmarshalJSON(b, false)
	switch {
	case (e1 == nil) != (e2 == nil):
		t.Fatalf("fast path %v, general path %v (fast parse %v) on\n%q", e1, e2, fast, b)
	case e1 != nil && (e1.Error() != e2.Error() || reflect.TypeOf(e1) != reflect.TypeOf(e2)):
		t.Fatalf("errors differ (fast parse %v):\n fast    %T %v\n general %T %v\non %q", fast, e1, e1, e2, e2, b)
	case !reflect.DeepEqual(s1, s2):
		j1, _ := s1.MarshalJSON()
		j2, _ := s2.MarshalJSON()
		t.Fatalf("decoded shipments differ (fast parse %v) on\n%q\nfast    %#v\ngeneral %#v\n%s\n%s", fast, b, *s1, *s2, j1, j2)
	}
	return fast
}

// TestPropertyUnmarshalFastPathReachable: the stored forms of reachable
// states (the ones hosts decode) take the fast path, and decode as the
// general path does.
func TestPropertyUnmarshalFastPathReachable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := reachableJSON(t)
		if !assertSameDecode(t, b) {
			t.Fatalf("the fast path gave up on MarshalJSON's output:\n%s", b)
		}
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", rapid.SampledFrom([]string{"", " ", "\t", "  "}).Draw(t, "indent")); err != nil {
			t.Fatal(err)
		}
		if !assertSameDecode(t, out.Bytes()) {
			t.Fatalf("the fast path gave up on indented output:\n%s", out.Bytes())
		}
	})
}

// TestPropertyUnmarshalFastPathArbitrary: the stored forms of arbitrary
// states (hostile strings, undefined enums, odd dates, any offsets), and
// the same with random edits (bytes replaced, inserted, deleted, spans
// duplicated, letter case changed, truncated), decode alike on both
// paths.
func TestPropertyUnmarshalFastPathArbitrary(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var b []byte
		if rapid.Bool().Draw(t, "reachable") {
			b = reachableJSON(t)
		} else {
			s := genStoredShipment(t)
			var err error
			if b, err = s.MarshalJSON(); err != nil {
				return
			}
		}
		assertSameDecode(t, b)
		assertSameDecode(t, mutateJSON(t, b))
	})
}

// reachableJSON is the stored form of a shipment in a state Apply, Update
// and Check reach from generated events, with hostile identity strings.
func reachableJSON(t *rapid.T) []byte {
	b, err := reachableShipment(t).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reachableShipment is a shipment in a state Apply, Update and Check reach
// from generated events, in batches, with hostile strings in its identity,
// lane and events.
func reachableShipment(t *rapid.T) *Shipment {
	s := propShipment()
	s.ID, s.OrderID, s.CustomerID = genHostile(t, "id"), genHostile(t, "order"), genHostile(t, "customer")
	s.Service, s.Origin, s.Destination = genHostile(t, "service"), genHostile(t, "origin"), genHostile(t, "destination")
	if rapid.Bool().Draw(t, "promisedOn") {
		s.PromisedBy, s.PromisedOn = time.Time{}, MakeDate(2026, 3, rapid.IntRange(3, 20).Draw(t, "promisedDay"))
	}
	evs := genEvents(t)
	for i := range evs {
		if rapid.IntRange(0, 3).Draw(t, "hostile") == 0 {
			evs[i].Description, evs[i].Location.City = genHostile(t, "desc"), genHostile(t, "city")
		}
	}
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for len(evs) > 0 {
		k := rapid.IntRange(1, len(evs)).Draw(t, "batch")
		tr := &carriers.Tracking{Carrier: s.Carrier, TrackingNumber: s.TrackingNumber, Events: evs[:k]}
		if rapid.Bool().Draw(t, "estimate") {
			d := base.Add(time.Duration(rapid.IntRange(0, 600).Draw(t, "est")) * time.Hour)
			tr.Estimate = &carriers.Estimate{Start: d, End: d.Add(4 * time.Hour), Source: carriers.EstimateCarrier,
				DateOnly: rapid.Bool().Draw(t, "dateOnly")}
		}
		s.Update(base.Add(700*time.Hour), tr)
		if rapid.Bool().Draw(t, "check") {
			s.Check(base.Add(time.Duration(rapid.IntRange(0, 900).Draw(t, "checkAt")) * time.Hour))
		}
		evs = evs[k:]
	}
	return s
}

// mutateJSON applies one to three random edits to b.
func mutateJSON(t *rapid.T, b []byte) []byte {
	b = bytes.Clone(b)
	pieces := []string{`"`, `\`, `{`, `}`, `[`, `]`, `,`, `:`, `0`, `1`, `-`, `+`, `e`, `E`, `.`, " ", "\n", "\t", "\x00", "\x1f",
		"\xff", "\u2028", `\u0041`, `\ud83d\ude00`, `\ud800`, `\"`, `\\`, `\/`, "null", "true", "false", "1.5", "1e2", "-0",
		"99999999999999999999", `"x"`, `""`, "[]", "{}", "24:00", "+24:00", "-24:59", "23:59", "Z", "Time", "TIME", "ID"}
	for range rapid.IntRange(1, 3).Draw(t, "edits") {
		if len(b) == 0 {
			break
		}
		i := rapid.IntRange(0, len(b)-1).Draw(t, "at")
		switch rapid.IntRange(0, 5).Draw(t, "edit") {
		case 0: // replace
			p := rapid.SampledFrom(pieces).Draw(t, "piece")
			j := min(len(b), i+rapid.IntRange(1, 4).Draw(t, "len"))
			b = append(b[:i], append([]byte(p), b[j:]...)...)
		case 1: // insert
			p := rapid.SampledFrom(pieces).Draw(t, "piece")
			b = append(b[:i], append([]byte(p), b[i:]...)...)
		case 2: // delete
			j := min(len(b), i+rapid.IntRange(1, 8).Draw(t, "len"))
			b = append(b[:i], b[j:]...)
		case 3: // duplicate a span elsewhere (repeated keys and elements)
			j := min(len(b), i+rapid.IntRange(1, 80).Draw(t, "len"))
			span := bytes.Clone(b[i:j])
			k := rapid.IntRange(0, len(b)).Draw(t, "to")
			b = append(b[:k], append(span, b[k:]...)...)
		case 4: // change a letter's case
			if c := b[i]; 'a' <= c && c <= 'z' {
				b[i] = c - 'a' + 'A'
			}
		case 5: // truncate
			b = b[:i]
		}
	}
	return b
}

// TestUnmarshalFastPathCases: hand-picked documents at every place where
// the fast path gives up or encoding/json is lenient.
func TestUnmarshalFastPathCases(t *testing.T) {
	ev := `{"time":"2026-03-02T09:00:00-08:00","status":"in_transit","code":"AR","location":{"city":"Reno"}}`
	doc := func(extra string) string {
		return `{"format":1,"version":3,"id":"s1","carrier":"ups","tracking_number":"1Z"` + extra + `,"events":[` + ev + `]}`
	}
	cases := []string{
		``, ` `, `null`, `{}`, `[]`, `"x"`, `{"format":1}`, `{"format":1} `, `{"format":1}x`, "\ufeff{}", `{"format":1,}`, `{,"format":1}`,
		doc(""), " \n\t" + doc("") + "\r\n",
		doc(`,"id":"dup"`), doc(`,"ID":"x"`), doc(`,"Id":"x"`), doc(`,"unknown":1`), doc(`,"\u0069d2":"x"`),
		`{"\u0066ormat":1}`, `{"format":1.0}`, `{"format":1e0}`, `{"format":"1"}`, `{"format":-0}`, `{"format":01}`,
		`{"format":2}`, `{"format":-1}`, `{"version":-1}`, `{"version":9223372036854775807}`, `{"version":9223372036854775808}`,
		`{"format":null}`, `{"id":null}`, `{"id":1}`, `{"id":"\u0000"}`, `{"id":"\ud83d\ude00\ud800"}`, `{"id":"a\/b\"c\\"}`,
		"{\"id\":\"\xff\xfe\"}", "{\"id\":\"a\x01\"}", `{"id":"\x"}`, `{"id":"\u12"}`, `{"id":"` + strings.Repeat("é", 40) + `"}`,
		`{"poll_done":true}`, `{"poll_done":false}`, `{"poll_done":1}`, `{"poll_done":tru}`, `{"poll_done":truex}`, `{"poll_done":null}`,
		`{"status":"delivered"}`, `{"status":"nonsense"}`, `{"status":"\u0064elivered"}`, `{"status":null}`, `{"status":3}`,
		`{"reason":"weather"}`, `{"reason":null}`, `{"reason":""}`, `{"delivered_at":null}`, `{"delivered_at":"x"}`,
		`{"promised_on":"2026-03-09"}`, `{"promised_on":""}`, `{"promised_on":"2026-3-9"}`, `{"promised_on":"2026-03-09\u0000"}`,
		`{"promised_on":null}`, `{"promised_on":20260309}`,
		`{"promised_by":"2026-03-09T23:59:59+24:00"}`, `{"promised_by":"2026-03-09T23:59:59-24:59"}`, `{"promised_by":"2026-03-09T23:59:59+23:59"}`,
		`{"promised_by":"2026-03-09T23:59:59.123456789+05:45"}`, `{"promised_by":"2026-03-09t23:59:59z"}`, `{"promised_by":"2026-03-09T23:59:59"}`,
		`{"promised_by":"2026-03-09T23:59:59\u002b01:00"}`, `{"promised_by":"10000-03-09T23:59:59Z"}`, `{"promised_by":null}`,
		`{"estimate":{"start":"2026-03-09T00:00:00Z","end":"2026-03-10T00:00:00Z","source":"carrier"}}`,
		`{"estimate":{"start":"2026-03-09T00:00:00Z","end":"2026-03-08T00:00:00Z","source":"carrier"}}`,
		`{"estimate":{"start":"2026-03-09T00:00:00Z","end":"2026-03-10T00:00:00Z","source":"carrier","date_only":true,"zone_unknown":true}}`,
		`{"estimate":null}`, `{"estimate":{}}`, `{"first_estimate":{"start":"2026-03-09T00:00:00Z","end":"2026-03-10T00:00:00Z","source":"x"}}`,
		`{"events":null}`, `{"events":[]}`, `{"events":{}}`, `{"events":[null]}`, `{"events":[{}]}`, `{"events":[` + ev + `,` + ev + `]}`,
		`{"events":[` + ev + `,]}`, `{"events":[` + ev + ` ` + ev + `]}`,
		`{"events":[{"time":"2026-03-02T09:00:00Z","status":"in_transit","status":"delivered"}]}`,
		`{"events":[{"time":"2026-03-02T09:00:00Z","status":"in_transit","location":{"city":"a","city":"b"}}]}`,
		`{"events":[{"time":"2026-03-02T09:00:00Z","status":"in_transit","location":null}]}`,
		`{"events":[{"time":"2026-03-02T09:00:00Z","status":"in_transit","zone_unknown":true,"reason":"weather","description":"<&>"}]}`,
		`{"events":[{"time":"0001-01-01T00:00:00Z","status":"in_transit"}]}`,
		`{"milestones":[{"id":"m1","kind":"shipped","at":"2026-03-02T09:00:00Z","event":` + ev + `}]}`,
		`{"milestones":[{"id":"m1","kind":"nonsense","at":"2026-03-02T09:00:00Z","event":` + ev + `}]}`,
		`{"milestones":[{"id":"m1","kind":"shipped","at":"2026-03-02T09:00:00Z","event":` + ev + `},{"id":"m2","kind":"shipped","at":"2026-03-02T09:00:00Z","event":` + ev + `}]}`,
		`{"milestones":[{"id":"","kind":"shipped","at":"2026-03-02T09:00:00Z","event":` + ev + `}]}`,
		`{"milestones":[{"id":"m1","kind":"\u0073hipped","at":"2026-03-02T09:00:00Z","event":` + ev + `}]}`,
		`{"delays":[{"id":"d1","kind":"late","since":"2026-03-02T09:00:00Z","detected_at":"2026-03-02T09:00:00Z","evidence":{}}]}`,
		`{"delays":[{"id":"d1","kind":"late","since":"2026-03-02T09:00:00Z","detected_at":"2026-03-02T09:00:00Z","evidence":{"events":[]}}]}`,
		`{"delays":[{"id":"d1","kind":"late","since":"2026-03-02T09:00:00Z","detected_at":"2026-03-02T09:00:00Z","seq":-1,"evidence":{}}]}`,
		`{"delays":[{"id":"d1","kind":"late","since":"2026-03-02T09:00:00Z","detected_at":"2026-03-02T09:00:00Z","seq":1.5,"evidence":{}}]}`,
		`{"delays":[{"id":"d1","kind":"late","reason":"bogus","since":"2026-03-02T09:00:00Z","detected_at":"2026-03-02T09:00:00Z","evidence":{}}]}`,
		`{"delays":[{"id":"d1","kind":"late","since":"2026-03-02T09:00:00Z","detected_at":"2026-03-02T09:00:00Z","evidence":{"on_time_probability":0.25,"promised_date":"2026-03-09","estimate_basis":"model","threshold":"domestic","elapsed_business_days":3,"threshold_business_days":2}}]}`,
		`{"delays":[{"id":"d1","kind":"late","since":"2026-03-02T09:00:00Z","detected_at":"2026-03-02T09:00:00Z","evidence":{"on_time_probability":1e400}}]}`,
		`{"delays":[{"id":"d1","kind":"late","since":"2026-03-02T09:00:00Z","detected_at":"2026-03-02T09:00:00Z","evidence":{"on_time_probability":-0.0e-5}}]}`,
		`{"delays":[{"id":"d1","kind":"late","since":"2026-03-02T09:00:00Z","detected_at":"2026-03-02T09:00:00Z","evidence":{"elapsed_business_days":1e1}}]}`,
		`{"delays":[{"id":"d1","kind":"late","since":"2026-03-02T09:00:00Z","detected_at":"2026-03-02T09:00:00Z","evidence":{"unknown":1}}]}`,
	}
	// The event cap: exactly maxStoredEvents, and one more.
	for _, n := range []int{maxStoredEvents, maxStoredEvents + 1} {
		evs := make([]string, n)
		for i := range evs {
			evs[i] = fmt.Sprintf(`{"time":"2026-03-02T09:%02d:%02d-08:00","status":"in_transit","code":"%d"}`, i/60%60, i%60, i)
		}
		cases = append(cases, `{"format":1,"events":[`+strings.Join(evs, ",")+`]}`)
	}
	fast := 0
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if assertSameDecode(t, []byte(c)) {
				fast++
			}
		})
	}
	if fast < 20 {
		t.Errorf("the fast path parsed only %d of %d cases", fast, len(cases))
	}
}

// TestUnmarshalFastPathCorpus: the stored shipments and the fuzz corpus
// decode alike on both paths (and the stored ones, indented, on the fast
// path).
func TestUnmarshalFastPathCorpus(t *testing.T) {
	for name, b := range storedCorpus(t) {
		fast := assertSameDecode(t, b)
		if strings.Contains(name, "shipment_") && !fast {
			t.Errorf("%s: the fast path gave up", name)
		}
	}
}

// FuzzUnmarshalFastPath: any bytes decode alike on the fast and the
// general path.
func FuzzUnmarshalFastPath(f *testing.F) {
	for _, b := range storedCorpus(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"format":1,"events":[{"time":"2026-03-02T09:00:00-08:00","status":"in_transit"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) { assertSameDecode(t, b) })
}

// jnode is a JSON value with the order of object members kept.
type jnode struct {
	scalar json.RawMessage // a string, number, bool or null
	keys   []string        // an object's keys, in order
	vals   []*jnode        // an object's values or an array's elements
	object bool
}

func parseJNode(dec *json.Decoder) *jnode {
	tok, err := dec.Token()
	if err != nil {
		panic(err)
	}
	switch tok {
	case json.Delim('{'):
		n := &jnode{object: true}
		for dec.More() {
			k, _ := dec.Token()
			n.keys = append(n.keys, k.(string))
			n.vals = append(n.vals, parseJNode(dec))
		}
		dec.Token()
		return n
	case json.Delim('['):
		n := &jnode{vals: []*jnode{}}
		for dec.More() {
			n.vals = append(n.vals, parseJNode(dec))
		}
		dec.Token()
		return n
	}
	b, _ := json.Marshal(tok)
	if num, ok := tok.(json.Number); ok {
		b = []byte(num)
	}
	return &jnode{scalar: b}
}

func (n *jnode) append(b []byte) []byte {
	switch {
	case n.scalar != nil:
		return append(b, n.scalar...)
	case n.object:
		b = append(b, '{')
		for i, k := range n.keys {
			if i > 0 {
				b = append(b, ',')
			}
			kb, _ := json.Marshal(k)
			b = append(append(b, kb...), ':')
			b = n.vals[i].append(b)
		}
		return append(b, '}')
	}
	b = append(b, '[')
	for i, v := range n.vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = v.append(b)
	}
	return append(b, ']')
}

// variants calls f for each document made from root by one change to
// one member of one object anywhere in it: the member repeated, its key
// in another letter case or escaped, its value replaced by null, a value
// of each other JSON type, or a number with a fraction.
func (n *jnode) variants(root *jnode, f func(doc []byte, what string)) {
	for i, v := range n.vals {
		if n.object {
			k, val := n.keys[i], n.vals[i]
			try := func(what string, change func()) {
				keys, vals := n.keys, n.vals
				n.keys, n.vals = slices.Clone(keys), slices.Clone(vals) // change edits these
				change()
				f(root.append(nil), what+" "+k)
				n.keys, n.vals = keys, vals
			}
			try("repeated", func() {
				n.keys = slices.Insert(n.keys, i+1, k)
				n.vals = slices.Insert(n.vals, i+1, val)
			})
			try("upper-cased", func() { n.keys[i] = strings.ToUpper(k) })
			try("escaped", func() { n.keys[i] = "\x00" + k }) // the encoder escapes it
			for _, s := range []string{"null", `"x"`, `""`, "1", "-1", "1.5", "true", "{}", "[]", `"2026-03-02T09:00:00Z"`} {
				try("value "+s+" for", func() { n.vals[i] = &jnode{scalar: json.RawMessage(s)} })
			}
		}
		v.variants(root, f)
	}
}

// TestUnmarshalFastPathEveryMember: in the stored form of a shipment with
// every field set, every member of every object repeated, misspelled or
// given a value of the wrong type decodes alike on both paths.
func TestUnmarshalFastPathEveryMember(t *testing.T) {
	s := propShipment()
	s.ID, s.OrderID, s.CustomerID, s.Service = "s1", "o1", "c1", "Ground"
	s.PromisedOn = MakeDate(2026, 3, 9)
	ev := func(h int, st carriers.Status, r carriers.Reason) carriers.Event {
		return carriers.Event{Time: time.Date(2026, 3, 2, h, 0, 0, 0, est), Status: st, Reason: r, Code: "C", Description: "d",
			ZoneUnknown: h%2 == 0, Location: carriers.Location{City: "Reno", State: "NV", PostalCode: "89501", Country: "US"}}
	}
	tr := &carriers.Tracking{Carrier: s.Carrier, TrackingNumber: s.TrackingNumber,
		Events: []carriers.Event{ev(1, carriers.StatusInTransit, 0), ev(30, carriers.StatusException, carriers.ReasonWeather)},
		Estimate: &carriers.Estimate{Start: time.Date(2026, 3, 5, 0, 0, 0, 0, est), End: time.Date(2026, 3, 5, 23, 0, 0, 0, est),
			DateOnly: true, ZoneUnknown: true, Source: carriers.EstimateScheduled}}
	s.Update(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), tr)
	tr.Estimate = &carriers.Estimate{Start: time.Date(2026, 3, 8, 0, 0, 0, 0, est), End: time.Date(2026, 3, 8, 23, 0, 0, 0, est), Source: carriers.EstimateRescheduled}
	tr.Events = append(tr.Events, ev(200, carriers.StatusDelivered, carriers.ReasonSignedFor))
	s.Update(time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC), tr)
	s.Check(time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC))
	s.delays = append(s.delays, Delay{ID: "dx", Kind: DelayAtRisk, Reason: carriers.ReasonWeather, Since: time.Date(2026, 3, 2, 0, 0, 0, 0, est),
		Seq: 2, DetectedAt: time.Date(2026, 3, 3, 0, 0, 0, 0, est), ClearedAt: time.Date(2026, 3, 4, 0, 0, 0, 0, est),
		Evidence: Evidence{Events: []carriers.Event{ev(3, carriers.StatusException, carriers.ReasonWeather)}, ElapsedBusinessDays: 3,
			ThresholdBusinessDays: 2, Threshold: "domestic", PromisedDate: MakeDate(2026, 3, 9), EstimatedDate: MakeDate(2026, 3, 10),
			EstimateBasis: EstimateFromModel, PreviousEstimate: MakeDate(2026, 3, 8), OnTimeProbability: 0.25}})
	s.nextPoll, s.pollDone = time.Date(2026, 3, 21, 0, 0, 0, 0, time.UTC), true
	b, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !assertSameDecode(t, b) {
		t.Fatalf("the fast path gave up on\n%s", b)
	}
	// Every key of every stored type is in the document.
	for _, key := range []string{"poll_done", "next_poll_at", "checked_at", "first_estimate", "date_only", "zone_unknown", "postal_code",
		"cleared_at", "seq", "on_time_probability", "previous_estimate", "estimate_basis", "promised_date", "estimated_date",
		"threshold", "elapsed_business_days", "threshold_business_days", "delivered_at", "promised_on"} {
		if !bytes.Contains(b, []byte(`"`+key+`"`)) {
			t.Errorf("no %q in the document:\n%s", key, b)
		}
	}
	root := parseJNode(json.NewDecoder(bytes.NewReader(b)))
	n := 0
	root.variants(root, func(doc []byte, what string) {
		n++
		t.Run(what, func(t *testing.T) { assertSameDecode(t, doc) })
	})
	t.Logf("%d variants", n)
}
