package tracking

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/internal/iso4217"
	"github.com/postpurchase/postpurchase/internal/jsonstr"
)

// FormatVersion is the version of the stored JSON layout that MarshalJSON
// writes ("format"). UnmarshalJSON reads it and every older layout, and
// refuses newer ones.
const FormatVersion = 1

// maxStoredEvents bounds the events a stored shipment may hold, whatever
// the rules, so a hostile document cannot make a decoder allocate without
// limit.
const maxStoredEvents = 10000

// shipmentJSON is the stored layout.
type shipmentJSON struct {
	Format         int       `json:"format"`
	Version        int64     `json:"version"`
	ID             string    `json:"id,omitempty"`
	OrderID        string    `json:"order_id,omitempty"`
	CustomerID     string    `json:"customer_id,omitempty"`
	Carrier        string    `json:"carrier,omitempty"`
	TrackingNumber string    `json:"tracking_number,omitempty"`
	Service        string    `json:"service,omitempty"`
	Origin         string    `json:"origin,omitempty"`
	Destination    string    `json:"destination,omitempty"`
	PromisedBy     time.Time `json:"promised_by,omitzero"`
	PromisedOn     Date      `json:"promised_on,omitzero"`
	LabelCreatedAt time.Time `json:"label_created_at,omitzero"`
	// Derived, written for hosts that index them; recomputed on read.
	Status      *carriers.Status `json:"status,omitempty"`
	Reason      *carriers.Reason `json:"reason,omitempty"`
	DeliveredAt *time.Time       `json:"delivered_at,omitempty"`

	Events        []json.RawMessage  `json:"events,omitempty"`
	Milestones    []json.RawMessage  `json:"milestones,omitempty"`
	Delays        []json.RawMessage  `json:"delays,omitempty"`
	Estimate      *carriers.Estimate `json:"estimate,omitempty"`
	FirstEstimate *carriers.Estimate `json:"first_estimate,omitempty"`
	NextPollAt    time.Time          `json:"next_poll_at,omitzero"`
	PollDone      bool               `json:"poll_done,omitempty"`
	CheckedAt     time.Time          `json:"checked_at,omitzero"`
}

// MarshalJSON encodes the shipment: the host's fields, the events, the
// milestones and delay episodes, the carrier estimates and the poll
// schedule, plus the current status (for hosts that index it; it is
// recomputed on decode). Rules are not encoded.
//
// The output is byte for byte what encoding/json writes for the stored
// layout (shipmentJSON with the events, milestones and delays last),
// HTML-safe escaping included; it is written by hand (appendJSON below)
// because this is the hot path of every host that stores shipments.
func (s *Shipment) MarshalJSON() ([]byte, error) {
	s.ensure()
	return s.appendJSON(make([]byte, 0, s.jsonSizeHint()))
}

// UnmarshalJSON decodes a stored shipment and checks it: every event as
// Apply would, milestone and delay kinds, IDs and times, estimates. It is
// strict where encoding/json is not: a key the layout does not have (or
// spelled in another letter case), a key given twice in one object, more
// than 10000 events (refused before any is decoded) and a UTC offset of 24
// hours or more are refused. Any problem is a *DecodeError naming the JSON
// path, and s is left unchanged.
// The derived state (status, delivered time...) is recomputed from the
// events; the status written by MarshalJSON is ignored. Rules are not
// stored: the decoded shipment uses the defaults until UseRules.
func (s *Shipment) UnmarshalJSON(b []byte) error { return s.unmarshalJSON(b, true) }

// unmarshalJSON is UnmarshalJSON; fast false skips the fast path (for the
// tests that hold it to the general path).
func (s *Shipment) unmarshalJSON(b []byte, fast bool) error {
	var w *shipmentJSON
	var fd *fastDecoder // the decoded elements when the fast path parsed b
	if fast {
		fd = fastDecoders.Get().(*fastDecoder)
		defer fd.release()
		if fd.parse(b) {
			w = &fd.w
		} else {
			fd = nil
		}
	}
	if fd == nil {
		w = new(shipmentJSON)
		if json.Valid(b) {
			// Syntax errors are left to json.Unmarshal, which finds them
			// before decoding anything.
			if err := strictCheck(b); err != nil {
				return err
			}
		}
		if err := json.Unmarshal(b, w); err != nil {
			return decodeError(err)
		}
	}
	if w.Format < 0 || w.Format > FormatVersion {
		return &DecodeError{Path: "format", Reason: "unsupported format " + strconv.Itoa(w.Format)}
	}
	if w.Version < 0 {
		return &DecodeError{Path: "version", Reason: "negative version"}
	}
	numEvents, numMilestones, numDelays := len(w.Events), len(w.Milestones), len(w.Delays)
	if fd != nil {
		numEvents, numMilestones, numDelays = len(fd.evs), len(fd.ms), len(fd.ds)
	}
	if numEvents > maxStoredEvents {
		return &DecodeError{Path: "events", Reason: "more than " + strconv.Itoa(maxStoredEvents) + " events"}
	}
	elem := func(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }
	n := Shipment{
		ID: w.ID, OrderID: w.OrderID, CustomerID: w.CustomerID, Carrier: w.Carrier, TrackingNumber: w.TrackingNumber,
		Service: w.Service, Origin: w.Origin, Destination: w.Destination, PromisedBy: w.PromisedBy, PromisedOn: w.PromisedOn,
		LabelCreatedAt: w.LabelCreatedAt, Version: w.Version, nextPoll: w.NextPollAt, pollDone: w.PollDone, checkedAt: w.CheckedAt,
		rules: s.rules,
	}
	n.events = make([]carriers.Event, 0, numEvents)
	for i := range numEvents {
		var e *carriers.Event
		if fd != nil {
			e = &fd.evs[i]
		} else {
			e = new(carriers.Event)
			if err := json.Unmarshal(w.Events[i], e); err != nil {
				return decodeError(err).under(elem("events", i))
			}
		}
		if field, why := defaultRules.validate(time.Time{}, e); field != "" {
			return &DecodeError{Path: elem("events", i) + "." + field, Reason: why}
		}
		n.insert(e, maxStoredEvents)
	}
	if numMilestones > 0 {
		n.milestones = make([]Milestone, 0, numMilestones)
	}
	for i := range numMilestones {
		var m *Milestone
		if fd != nil {
			m = &fd.ms[i]
		} else {
			m = new(Milestone)
			if err := json.Unmarshal(w.Milestones[i], m); err != nil {
				return decodeError(err).under(elem("milestones", i))
			}
		}
		switch {
		case m.Kind == 0:
			return &DecodeError{Path: elem("milestones", i) + ".kind", Reason: "missing"}
		case m.ID == "":
			return &DecodeError{Path: elem("milestones", i) + ".id", Reason: "missing"}
		case m.At.IsZero():
			return &DecodeError{Path: elem("milestones", i) + ".at", Reason: "missing"}
		}
		if _, dup := n.Milestone(m.Kind); dup {
			return &DecodeError{Path: elem("milestones", i) + ".kind", Reason: "duplicate milestone " + m.Kind.String()}
		}
		j, _ := slices.BinarySearchFunc(n.milestones, m.Kind, func(a Milestone, k MilestoneKind) int { return int(a.Kind) - int(k) })
		n.milestones = slices.Insert(n.milestones, j, *m)
	}
	if numDelays > 0 {
		n.delays = make([]Delay, 0, numDelays)
	}
	for i := range numDelays {
		var d *Delay
		if fd != nil {
			d = &fd.ds[i]
		} else {
			d = new(Delay)
			if err := json.Unmarshal(w.Delays[i], d); err != nil {
				return decodeError(err).under(elem("delays", i))
			}
		}
		switch {
		case d.Kind == 0:
			return &DecodeError{Path: elem("delays", i) + ".kind", Reason: "missing"}
		case d.ID == "":
			return &DecodeError{Path: elem("delays", i) + ".id", Reason: "missing"}
		case d.DetectedAt.IsZero():
			return &DecodeError{Path: elem("delays", i) + ".detected_at", Reason: "missing"}
		case d.Seq < 0:
			return &DecodeError{Path: elem("delays", i) + ".seq", Reason: "negative"}
		case !d.Reason.Valid():
			return &DecodeError{Path: elem("delays", i) + ".reason", Reason: "undefined reason value"}
		}
		n.delays = append(n.delays, *d)
	}
	for _, e := range []struct {
		path string
		est  *carriers.Estimate
		dst  **carriers.Estimate
	}{{"estimate", w.Estimate, &n.estimate}, {"first_estimate", w.FirstEstimate, &n.firstEst}} {
		if e.est == nil {
			continue
		}
		switch {
		case e.est.Start.IsZero():
			return &DecodeError{Path: e.path + ".start", Reason: "missing"}
		case e.est.End.IsZero():
			return &DecodeError{Path: e.path + ".end", Reason: "missing"}
		case e.est.End.Before(e.est.Start):
			return &DecodeError{Path: e.path + ".end", Reason: "before start"}
		}
		*e.dst = e.est
	}
	if n.estimate == nil && n.firstEst != nil {
		return &DecodeError{Path: "estimate", Reason: "missing while first_estimate is set"}
	}
	n.f = facts{}.reset()
	if len(n.events) > 0 {
		n.f = n.derive()
	}
	*s = n
	return nil
}

// decodeError turns an encoding/json error into a *DecodeError with the
// JSON path when it has one, and a reason that echoes no more than
// iso4217.Clip allows of the input.
func decodeError(err error) *DecodeError {
	var de *DecodeError
	if errors.As(err, &de) {
		return de // from an UnmarshalText of ours
	}
	d := &DecodeError{Err: err}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var pe *time.ParseError
	switch {
	case errors.As(err, &te):
		d.Path = te.Field
		d.Reason = "want " + te.Type.String() + ", got JSON " + te.Value
	case errors.As(err, &se):
		d.Reason = "invalid JSON at offset " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &pe):
		d.Reason = "not an RFC 3339 time: " + strconv.Quote(iso4217.Clip(pe.Value))
	default:
		d.Reason = "invalid value"
	}
	return d
}

// under prefixes the error's path with the path of the element it is in.
func (e *DecodeError) under(path string) *DecodeError {
	switch {
	case e.Path == "":
		e.Path = path
	case strings.HasPrefix(e.Path, "["):
		e.Path = path + e.Path
	default:
		e.Path = path + "." + e.Path
	}
	return e
}

// The hand-written encoder behind MarshalJSON. Each append function
// writes one value exactly as encoding/json would for the struct tags of
// its type (field order, omitempty and omitzero, HTML-safe string
// escaping, time.Time as Time.MarshalJSON writes it, text marshalers as
// JSON strings), without reflection and with a single allocation for the
// output in the common case. The encoding/json reference it must equal
// byte for byte is kept in json_ref_test.go, where a property test, the
// fuzz corpus and a check of the struct tags hold the two together: a
// field added to a stored type fails that check until it is added here.

// jsonSizeHint estimates the encoded size of s, so that the output is
// usually allocated once: the fixed keys and times of each element plus
// the lengths of its strings (escapes, rare, may make it grow once).
func (s *Shipment) jsonSizeHint() int {
	n := 420 + len(s.ID) + len(s.OrderID) + len(s.CustomerID) + len(s.Carrier) + len(s.TrackingNumber) +
		len(s.Service) + len(s.Origin) + len(s.Destination)
	if s.estimate != nil {
		n += 140
	}
	if s.firstEst != nil {
		n += 140
	}
	for i := range s.events {
		n += eventSizeHint(&s.events[i])
	}
	for i := range s.milestones {
		n += len(`{"id":"","kind":"out_for_delivery","at":"2006-01-02T15:04:05-07:00","event":}`) + len(s.milestones[i].ID) +
			eventSizeHint(&s.milestones[i].Event)
	}
	for i := range s.delays {
		d := &s.delays[i]
		n += 260 + len(d.ID) + len(d.Evidence.Threshold)
		for j := range d.Evidence.Events {
			n += eventSizeHint(&d.Evidence.Events[j])
		}
	}
	return n
}

// eventSizeHint is an event's encoded size: exact for the keys written
// and a time with a UTC offset, short only when strings need escapes. (A
// fixed guess ran short on events with a location, and the output grew:
// twice the bytes allocated per encoding, on every commit of a host.)
func eventSizeHint(e *carriers.Event) int {
	n := len(`{"time":"2006-01-02T15:04:05-07:00","status":""}`) + len(e.Status.String())
	if e.ZoneUnknown {
		n += len(`,"zone_unknown":true`)
	}
	if e.Reason != 0 {
		n += len(`,"reason":""`) + len(e.Reason.String())
	}
	if e.Code != "" {
		n += len(`,"code":""`) + len(e.Code)
	}
	if e.Description != "" {
		n += len(`,"description":""`) + len(e.Description)
	}
	if l := &e.Location; !l.IsZero() {
		n += len(`,"location":{"city":"","state":"","postal_code":"","country":""}`) +
			len(l.City) + len(l.State) + len(l.PostalCode) + len(l.Country)
	}
	return n
}

// appendJSON appends the stored layout of s to b. The keys and their
// order are those of shipmentJSON, then events, milestones and delays
// (encoding/json puts the fields of the outer struct in MarshalJSON's
// reference after the embedded ones).
func (s *Shipment) appendJSON(b []byte) ([]byte, error) {
	var err error
	b = append(b, `{"format":`...)
	b = strconv.AppendInt(b, FormatVersion, 10)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, s.Version, 10)
	b = appendStringField(b, `,"id":`, s.ID)
	b = appendStringField(b, `,"order_id":`, s.OrderID)
	b = appendStringField(b, `,"customer_id":`, s.CustomerID)
	b = appendStringField(b, `,"carrier":`, s.Carrier)
	b = appendStringField(b, `,"tracking_number":`, s.TrackingNumber)
	b = appendStringField(b, `,"service":`, s.Service)
	b = appendStringField(b, `,"origin":`, s.Origin)
	b = appendStringField(b, `,"destination":`, s.Destination)
	if !s.PromisedBy.IsZero() {
		if b, err = appendTime(append(b, `,"promised_by":`...), s.PromisedBy, timeType); err != nil {
			return nil, err
		}
	}
	if !s.PromisedOn.IsZero() {
		b = appendDate(append(b, `,"promised_on":`...), s.PromisedOn)
	}
	if !s.LabelCreatedAt.IsZero() {
		if b, err = appendTime(append(b, `,"label_created_at":`...), s.LabelCreatedAt, timeType); err != nil {
			return nil, err
		}
	}
	// Status and Reason are pointers in the layout, never nil: always
	// written, Reason "none" included.
	st, _ := s.f.status.MarshalText()
	b = jsonstr.Append(append(b, `,"status":`...), st)
	rs, _ := s.f.reason.MarshalText()
	b = jsonstr.Append(append(b, `,"reason":`...), rs)
	if d := s.DeliveredAt(); !d.IsZero() {
		if b, err = appendTime(append(b, `,"delivered_at":`...), d, timePtrType); err != nil {
			return nil, err
		}
	}
	if s.estimate != nil {
		if b, err = appendCarrierEstimate(append(b, `,"estimate":`...), s.estimate); err != nil {
			return nil, err
		}
	}
	if s.firstEst != nil {
		if b, err = appendCarrierEstimate(append(b, `,"first_estimate":`...), s.firstEst); err != nil {
			return nil, err
		}
	}
	if !s.nextPoll.IsZero() {
		if b, err = appendTime(append(b, `,"next_poll_at":`...), s.nextPoll, timeType); err != nil {
			return nil, err
		}
	}
	if s.pollDone {
		b = append(b, `,"poll_done":true`...)
	}
	if !s.checkedAt.IsZero() {
		if b, err = appendTime(append(b, `,"checked_at":`...), s.checkedAt, timeType); err != nil {
			return nil, err
		}
	}
	if len(s.events) > 0 {
		if b, err = appendEvents(append(b, `,"events":`...), s.events); err != nil {
			return nil, err
		}
	}
	if len(s.milestones) > 0 {
		b = append(b, `,"milestones":[`...)
		for i := range s.milestones {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendMilestone(b, &s.milestones[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if len(s.delays) > 0 {
		b = append(b, `,"delays":[`...)
		for i := range s.delays {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendDelay(b, &s.delays[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// timePtrType is the type encoding/json names in the error for a
// *time.Time field (delivered_at); the other times are time.Time.
var timePtrType = reflect.TypeFor[*time.Time]()

// appendStringField appends key and s as an omitempty string field.
func appendStringField(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return jsonstr.Append(append(b, key...), s)
}

// appendEvents appends a JSON array of events.
func appendEvents(b []byte, evs []carriers.Event) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i := range evs {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendEvent(b, &evs[i]); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendEvent appends a carriers.Event.
func appendEvent(b []byte, e *carriers.Event) ([]byte, error) {
	b, err := appendTime(append(b, `{"time":`...), e.Time, timeType)
	if err != nil {
		return nil, err
	}
	if e.ZoneUnknown {
		b = append(b, `,"zone_unknown":true`...)
	}
	st, _ := e.Status.MarshalText()
	b = jsonstr.Append(append(b, `,"status":`...), st)
	if e.Reason != 0 {
		rs, _ := e.Reason.MarshalText()
		b = jsonstr.Append(append(b, `,"reason":`...), rs)
	}
	b = appendStringField(b, `,"code":`, e.Code)
	b = appendStringField(b, `,"description":`, e.Description)
	if l := &e.Location; !l.IsZero() {
		b = append(b, `,"location":{`...)
		n := len(b)
		if l.City != "" {
			b = jsonstr.Append(append(b, `"city":`...), l.City)
		}
		if l.State != "" {
			b = jsonstr.Append(append(commaAfter(b, n), `"state":`...), l.State)
		}
		if l.PostalCode != "" {
			b = jsonstr.Append(append(commaAfter(b, n), `"postal_code":`...), l.PostalCode)
		}
		if l.Country != "" {
			b = jsonstr.Append(append(commaAfter(b, n), `"country":`...), l.Country)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// commaAfter appends the comma that separates fields of an object whose
// first field starts at n, if one was written.
func commaAfter(b []byte, n int) []byte {
	if len(b) > n {
		return append(b, ',')
	}
	return b
}

// appendCarrierEstimate appends a carriers.Estimate.
func appendCarrierEstimate(b []byte, e *carriers.Estimate) ([]byte, error) {
	b, err := appendTime(append(b, `{"start":`...), e.Start, timeType)
	if err != nil {
		return nil, err
	}
	if b, err = appendTime(append(b, `,"end":`...), e.End, timeType); err != nil {
		return nil, err
	}
	if e.DateOnly {
		b = append(b, `,"date_only":true`...)
	}
	if e.ZoneUnknown {
		b = append(b, `,"zone_unknown":true`...)
	}
	b = jsonstr.Append(append(b, `,"source":`...), e.Source)
	return append(b, '}'), nil
}

// appendMilestone appends a Milestone.
func appendMilestone(b []byte, m *Milestone) ([]byte, error) {
	b = jsonstr.Append(append(b, `{"id":`...), m.ID)
	k, _ := m.Kind.MarshalText()
	b = jsonstr.Append(append(b, `,"kind":`...), k)
	b, err := appendTime(append(b, `,"at":`...), m.At, timeType)
	if err != nil {
		return nil, err
	}
	if b, err = appendEvent(append(b, `,"event":`...), &m.Event); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendDelay appends a Delay with its Evidence.
func appendDelay(b []byte, d *Delay) ([]byte, error) {
	b = jsonstr.Append(append(b, `{"id":`...), d.ID)
	k, _ := d.Kind.MarshalText()
	b = jsonstr.Append(append(b, `,"kind":`...), k)
	if d.Reason != 0 {
		rs, _ := d.Reason.MarshalText()
		b = jsonstr.Append(append(b, `,"reason":`...), rs)
	}
	b, err := appendTime(append(b, `,"since":`...), d.Since, timeType)
	if err != nil {
		return nil, err
	}
	if d.Seq != 0 {
		b = strconv.AppendInt(append(b, `,"seq":`...), int64(d.Seq), 10)
	}
	if b, err = appendTime(append(b, `,"detected_at":`...), d.DetectedAt, timeType); err != nil {
		return nil, err
	}
	if !d.ClearedAt.IsZero() {
		if b, err = appendTime(append(b, `,"cleared_at":`...), d.ClearedAt, timeType); err != nil {
			return nil, err
		}
	}
	ev := &d.Evidence
	b = append(b, `,"evidence":{`...)
	n := len(b)
	if len(ev.Events) > 0 {
		if b, err = appendEvents(append(b, `"events":`...), ev.Events); err != nil {
			return nil, err
		}
	}
	if ev.ElapsedBusinessDays != 0 {
		b = strconv.AppendInt(append(commaAfter(b, n), `"elapsed_business_days":`...), int64(ev.ElapsedBusinessDays), 10)
	}
	if ev.ThresholdBusinessDays != 0 {
		b = strconv.AppendInt(append(commaAfter(b, n), `"threshold_business_days":`...), int64(ev.ThresholdBusinessDays), 10)
	}
	if ev.Threshold != "" {
		b = jsonstr.Append(append(commaAfter(b, n), `"threshold":`...), ev.Threshold)
	}
	if !ev.PromisedDate.IsZero() {
		b = appendDate(append(commaAfter(b, n), `"promised_date":`...), ev.PromisedDate)
	}
	if !ev.EstimatedDate.IsZero() {
		b = appendDate(append(commaAfter(b, n), `"estimated_date":`...), ev.EstimatedDate)
	}
	if ev.EstimateBasis != "" {
		b = jsonstr.Append(append(commaAfter(b, n), `"estimate_basis":`...), ev.EstimateBasis)
	}
	if !ev.PreviousEstimate.IsZero() {
		b = appendDate(append(commaAfter(b, n), `"previous_estimate":`...), ev.PreviousEstimate)
	}
	if ev.OnTimeProbability != 0 {
		if b, err = appendFloat64(append(commaAfter(b, n), `"on_time_probability":`...), ev.OnTimeProbability); err != nil {
			return nil, err
		}
	}
	return append(b, '}', '}'), nil
}

// appendFloat64 appends f as encoding/json writes a float64: like
// ECMAScript's number to string ('f' form, 'e' form below 1e-6 and from
// 1e21 with the exponent unpadded); NaN and infinities are its
// *json.UnsupportedValueError.
func appendFloat64(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// appendTime appends t as Time.MarshalJSON writes it (RFC 3339 with
// nanoseconds, strict: a year outside [0,9999] or a UTC offset of 24
// hours or more is an error). The error is the one encoding/json returns
// for such a time, typ being the Go type of the field holding it.
func appendTime(b []byte, t time.Time, typ reflect.Type) ([]byte, error) {
	b = append(b, '"')
	out, err := t.AppendText(b)
	if err != nil {
		_, err = t.MarshalJSON()
		return nil, &json.MarshalerError{Type: typ, Err: err}
	}
	return append(out, '"'), nil
}

// appendDate appends d as its MarshalText ("2006-01-02", as the JSON
// string encoding/json makes of it).
func appendDate(b []byte, d Date) []byte {
	if d.Year < 0 || d.Year > 9999 || d.Month < 0 || d.Month > 99 || d.Day < 0 || d.Day > 99 {
		return jsonstr.Append(b, d.String()) // what %04d and %02d make of it
	}
	y, m, dd := d.Year, int(d.Month), d.Day
	return append(b, '"', byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10),
		'-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+dd/10), byte('0'+dd%10), '"')
}

// The fast path of UnmarshalJSON. fastDecoder parses the stored layout in
// the plain form MarshalJSON writes it (any whitespace allowed), straight
// into the decoded types, without reflection and without the three
// passes of the general path (json.Valid, strictCheck, json.Unmarshal of
// the document and then of each element). It gives up — and UnmarshalJSON
// takes the general path, which finds and reports the problem — on
// anything it is not sure the general path decodes alike: a key not of
// the layout or given twice, a null, a value of another JSON type, a
// number an integer field cannot hold, a time with an offset of 24 hours
// or more, more than maxStoredEvents events, a value whose own decoder
// fails, invalid JSON. So for every input it accepts, the shipment is the
// one the general path decodes, field for field; a differential property
// test, a test of every member of every object repeated, misspelled or
// mistyped, and a fuzz target in json_decode_test.go check exactly that.
type fastDecoder struct {
	b []byte
	i int
	w shipmentJSON // the top-level fields (Events, Milestones, Delays unused)

	// The elements, decoded; the slices are reused from the pool.
	evs []carriers.Event
	ms  []Milestone
	ds  []Delay

	strs [128]string // see intern
}

var fastDecoders = sync.Pool{New: func() any { return new(fastDecoder) }}

// release clears what the decoder holds and returns it to the pool.
func (d *fastDecoder) release() {
	clear(d.evs)
	clear(d.ms)
	clear(d.ds)
	evs := d.evs[:0]
	if cap(evs) > 1024 {
		evs = nil // do not keep a huge document's worth
	}
	*d = fastDecoder{evs: evs, ms: d.ms[:0], ds: d.ds[:0], strs: d.strs}
	fastDecoders.Put(d)
}

func (d *fastDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, 0 at the end.
func (d *fastDecoder) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// consume skips whitespace and c.
func (d *fastDecoder) consume(c byte) bool {
	if d.peek() != c {
		return false
	}
	d.i++
	return true
}

// parse decodes the whole document b; false if the general path must.
func (d *fastDecoder) parse(b []byte) bool {
	d.b, d.i = b, 0
	if !d.shipment() {
		return false
	}
	d.ws()
	return d.i == len(d.b)
}

// object calls member for each key of an object (the value follows);
// member consumes the value. A key with an escape gives up.
func (d *fastDecoder) object(member func(key []byte) bool) bool {
	if !d.consume('{') {
		return false
	}
	if d.consume('}') {
		return true
	}
	for {
		raw, plain, ok := d.str()
		if !ok || !plain || !d.consume(':') || !member(raw[1:len(raw)-1]) {
			return false
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return true
		default:
			return false
		}
	}
}

// array calls elem for each element of an array (ws skipped before it).
func (d *fastDecoder) array(elem func() bool) bool {
	if !d.consume('[') {
		return false
	}
	if d.consume(']') {
		return true
	}
	for {
		d.ws()
		if !elem() {
			return false
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return true
		default:
			return false
		}
	}
}

// once records field bit in seen; false if it was there (a repeated key).
func once(seen *uint32, bit uint32) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// str scans a string token: raw is it with its quotes; plain is true
// when it has no escape and is valid UTF-8, so that its text is raw
// without the quotes. A control character gives up (invalid JSON).
func (d *fastDecoder) str() (raw []byte, plain, ok bool) {
	if d.peek() != '"' {
		return nil, false, false
	}
	start := d.i
	d.i++
	plain = true
	ascii := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			raw = d.b[start:d.i]
			if !ascii && plain {
				plain = utf8.Valid(raw)
			}
			return raw, plain, true
		case c == '\\':
			plain = false
			d.i += 2
			continue
		case c < ' ':
			return nil, false, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.i++
	}
	return nil, false, false
}

// string decodes a string value into *dst as encoding/json does.
func (d *fastDecoder) string(dst *string) bool {
	raw, plain, ok := d.str()
	switch {
	case !ok:
		return false
	case plain:
		*dst = d.intern(raw[1 : len(raw)-1])
		return true
	}
	return json.Unmarshal(raw, dst) == nil
}

// intern returns b as a string, the same string for the same short text
// as long as it stays in the decoder's small cache: the texts of a
// shipment repeat (a milestone's event is one of its events; country,
// codes, places), and the decoders are pooled, so shipments decoded one
// after another share them too.
func (d *fastDecoder) intern(b []byte) string {
	if len(b) == 0 || len(b) > 48 {
		return string(b)
	}
	h := uint32(2166136261) // FNV-1a
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := &d.strs[h%uint32(len(d.strs))]
	if *slot != string(b) {
		*slot = string(b)
	}
	return *slot
}

// text decodes a string value with an UnmarshalText (no escapes: those
// are left to the general path).
func (d *fastDecoder) text(dst encoding.TextUnmarshaler) bool {
	raw, plain, ok := d.str()
	return ok && plain && dst.UnmarshalText(raw[1:len(raw)-1]) == nil
}

// time decodes a time as time.Time.UnmarshalJSON does, giving up where
// strictCheck would refuse it (an offset of 24 hours or more).
func (d *fastDecoder) time(dst *time.Time) bool {
	raw, plain, ok := d.str()
	if !ok || !plain {
		return false // an escape cannot be in a valid time
	}
	s := raw[1 : len(raw)-1]
	if n := len(s); n >= 6 && s[n-3] == ':' && (s[n-6] == '+' || s[n-6] == '-') {
		if h1, h2 := s[n-5], s[n-4]; '0' <= h1 && h1 <= '9' && '0' <= h2 && h2 <= '9' && (h1-'0')*10+(h2-'0') >= 24 {
			return false
		}
	}
	return dst.UnmarshalJSON(raw) == nil
}

// status and reason decode the enums as their UnmarshalJSON does (which
// is UnmarshalText of the string's text); the names MarshalText writes
// are looked up first.
func (d *fastDecoder) status(dst *carriers.Status) bool {
	raw, plain, ok := d.str()
	switch {
	case !ok:
		return false
	case plain:
		if v, ok := statusByName[string(raw[1:len(raw)-1])]; ok {
			*dst = v
			return true
		}
		return dst.UnmarshalText(raw[1:len(raw)-1]) == nil
	}
	return dst.UnmarshalJSON(raw) == nil
}

func (d *fastDecoder) reason(dst *carriers.Reason) bool {
	raw, plain, ok := d.str()
	switch {
	case !ok:
		return false
	case plain:
		if v, ok := reasonByName[string(raw[1:len(raw)-1])]; ok {
			*dst = v
			return true
		}
		return dst.UnmarshalText(raw[1:len(raw)-1]) == nil
	}
	return dst.UnmarshalJSON(raw) == nil
}

// statusByName and reasonByName hold each name MarshalText writes that
// UnmarshalText reads back as the same value (all of them, but only
// what is checked here is trusted).
var (
	statusByName = textNames(carriers.Statuses())
	reasonByName = textNames(carriers.Reasons())
)

func textNames[T interface {
	comparable
	MarshalText() ([]byte, error)
}, P interface {
	*T
	UnmarshalText([]byte) error
}](values []T) map[string]T {
	m := make(map[string]T, len(values))
	for _, v := range values {
		name, err := v.MarshalText()
		var back T
		if err == nil && P(&back).UnmarshalText(name) == nil && back == v {
			m[string(name)] = v
		}
	}
	return m
}

// number scans a JSON number token.
func (d *fastDecoder) number() ([]byte, bool) {
	d.ws()
	b, start := d.b, d.i
	i := start
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	d.i = i
	return b[start:i], true
}

// int decodes a number into an integer of bits bits as encoding/json
// does (strconv.ParseInt; a fraction, an exponent or overflow is its
// error).
func (d *fastDecoder) int(bits int) (int64, bool) {
	tok, ok := d.number()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(tok), 10, bits)
	return n, err == nil
}

func (d *fastDecoder) intField(dst *int) bool {
	n, ok := d.int(strconv.IntSize)
	*dst = int(n)
	return ok
}

func (d *fastDecoder) float64(dst *float64) bool {
	tok, ok := d.number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	*dst = f
	return err == nil
}

func (d *fastDecoder) bool(dst *bool) bool {
	d.ws()
	switch {
	case bytes.HasPrefix(d.b[d.i:], []byte("true")):
		*dst, d.i = true, d.i+4
	case bytes.HasPrefix(d.b[d.i:], []byte("false")):
		*dst, d.i = false, d.i+5
	default:
		return false
	}
	return d.i == len(d.b) || !isLetter(d.b[d.i])
}

func isLetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func (d *fastDecoder) shipment() bool {
	w := &d.w
	var seen uint32
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "format":
			return once(&seen, 1<<0) && d.intField(&w.Format)
		case "version":
			n, ok := d.int(64)
			w.Version = n
			return once(&seen, 1<<1) && ok
		case "id":
			return once(&seen, 1<<2) && d.string(&w.ID)
		case "order_id":
			return once(&seen, 1<<3) && d.string(&w.OrderID)
		case "customer_id":
			return once(&seen, 1<<4) && d.string(&w.CustomerID)
		case "carrier":
			return once(&seen, 1<<5) && d.string(&w.Carrier)
		case "tracking_number":
			return once(&seen, 1<<6) && d.string(&w.TrackingNumber)
		case "service":
			return once(&seen, 1<<7) && d.string(&w.Service)
		case "origin":
			return once(&seen, 1<<8) && d.string(&w.Origin)
		case "destination":
			return once(&seen, 1<<9) && d.string(&w.Destination)
		case "promised_by":
			return once(&seen, 1<<10) && d.time(&w.PromisedBy)
		case "promised_on":
			return once(&seen, 1<<11) && d.text(&w.PromisedOn)
		case "label_created_at":
			return once(&seen, 1<<12) && d.time(&w.LabelCreatedAt)
		case "status": // derived: checked, not kept
			var st carriers.Status
			return once(&seen, 1<<13) && d.status(&st)
		case "reason":
			var rs carriers.Reason
			return once(&seen, 1<<14) && d.reason(&rs)
		case "delivered_at":
			var t time.Time
			return once(&seen, 1<<15) && d.time(&t)
		case "events":
			return once(&seen, 1<<16) && d.array(func() bool {
				if len(d.evs) == maxStoredEvents {
					return false
				}
				d.evs = append(d.evs, carriers.Event{})
				return d.event(&d.evs[len(d.evs)-1])
			})
		case "milestones":
			return once(&seen, 1<<17) && d.array(func() bool {
				d.ms = append(d.ms, Milestone{})
				return d.milestone(&d.ms[len(d.ms)-1])
			})
		case "delays":
			return once(&seen, 1<<18) && d.array(func() bool {
				d.ds = append(d.ds, Delay{})
				return d.delay(&d.ds[len(d.ds)-1])
			})
		case "estimate":
			return once(&seen, 1<<19) && d.estimate(&w.Estimate)
		case "first_estimate":
			return once(&seen, 1<<20) && d.estimate(&w.FirstEstimate)
		case "next_poll_at":
			return once(&seen, 1<<21) && d.time(&w.NextPollAt)
		case "poll_done":
			return once(&seen, 1<<22) && d.bool(&w.PollDone)
		case "checked_at":
			return once(&seen, 1<<23) && d.time(&w.CheckedAt)
		}
		return false
	})
}

func (d *fastDecoder) event(e *carriers.Event) bool {
	var seen uint32
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "time":
			return once(&seen, 1<<0) && d.time(&e.Time)
		case "zone_unknown":
			return once(&seen, 1<<1) && d.bool(&e.ZoneUnknown)
		case "status":
			return once(&seen, 1<<2) && d.status(&e.Status)
		case "reason":
			return once(&seen, 1<<3) && d.reason(&e.Reason)
		case "code":
			return once(&seen, 1<<4) && d.string(&e.Code)
		case "description":
			return once(&seen, 1<<5) && d.string(&e.Description)
		case "location":
			return once(&seen, 1<<6) && d.location(&e.Location)
		}
		return false
	})
}

func (d *fastDecoder) location(l *carriers.Location) bool {
	var seen uint32
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "city":
			return once(&seen, 1<<0) && d.string(&l.City)
		case "state":
			return once(&seen, 1<<1) && d.string(&l.State)
		case "postal_code":
			return once(&seen, 1<<2) && d.string(&l.PostalCode)
		case "country":
			return once(&seen, 1<<3) && d.string(&l.Country)
		}
		return false
	})
}

func (d *fastDecoder) estimate(dst **carriers.Estimate) bool {
	e := new(carriers.Estimate)
	*dst = e
	var seen uint32
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "start":
			return once(&seen, 1<<0) && d.time(&e.Start)
		case "end":
			return once(&seen, 1<<1) && d.time(&e.End)
		case "date_only":
			return once(&seen, 1<<2) && d.bool(&e.DateOnly)
		case "zone_unknown":
			return once(&seen, 1<<3) && d.bool(&e.ZoneUnknown)
		case "source":
			var s string
			ok := d.string(&s)
			e.Source = carriers.EstimateSource(s)
			return once(&seen, 1<<4) && ok
		}
		return false
	})
}

func (d *fastDecoder) milestone(m *Milestone) bool {
	var seen uint32
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return once(&seen, 1<<0) && d.string(&m.ID)
		case "kind":
			return once(&seen, 1<<1) && d.text(&m.Kind)
		case "at":
			return once(&seen, 1<<2) && d.time(&m.At)
		case "event":
			return once(&seen, 1<<3) && d.event(&m.Event)
		}
		return false
	})
}

func (d *fastDecoder) delay(dl *Delay) bool {
	var seen uint32
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return once(&seen, 1<<0) && d.string(&dl.ID)
		case "kind":
			return once(&seen, 1<<1) && d.text(&dl.Kind)
		case "reason":
			return once(&seen, 1<<2) && d.reason(&dl.Reason)
		case "since":
			return once(&seen, 1<<3) && d.time(&dl.Since)
		case "seq":
			return once(&seen, 1<<4) && d.intField(&dl.Seq)
		case "detected_at":
			return once(&seen, 1<<5) && d.time(&dl.DetectedAt)
		case "cleared_at":
			return once(&seen, 1<<6) && d.time(&dl.ClearedAt)
		case "evidence":
			return once(&seen, 1<<7) && d.evidence(&dl.Evidence)
		}
		return false
	})
}

func (d *fastDecoder) evidence(ev *Evidence) bool {
	var seen uint32
	return d.object(func(key []byte) bool {
		switch string(key) {
		case "events":
			// encoding/json makes [] an empty, non-nil slice.
			ev.Events = make([]carriers.Event, 0, 2)
			return once(&seen, 1<<0) && d.array(func() bool {
				ev.Events = append(ev.Events, carriers.Event{})
				return d.event(&ev.Events[len(ev.Events)-1])
			})
		case "elapsed_business_days":
			return once(&seen, 1<<1) && d.intField(&ev.ElapsedBusinessDays)
		case "threshold_business_days":
			return once(&seen, 1<<2) && d.intField(&ev.ThresholdBusinessDays)
		case "threshold":
			return once(&seen, 1<<3) && d.string(&ev.Threshold)
		case "promised_date":
			return once(&seen, 1<<4) && d.text(&ev.PromisedDate)
		case "estimated_date":
			return once(&seen, 1<<5) && d.text(&ev.EstimatedDate)
		case "estimate_basis":
			var s string
			ok := d.string(&s)
			ev.EstimateBasis = EstimateBasis(s)
			return once(&seen, 1<<6) && ok
		case "previous_estimate":
			return once(&seen, 1<<7) && d.text(&ev.PreviousEstimate)
		case "on_time_probability":
			return once(&seen, 1<<8) && d.float64(&ev.OnTimeProbability)
		}
		return false
	})
}
