package tracking

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/internal/iso4217"
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
func (s *Shipment) MarshalJSON() ([]byte, error) {
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
func (s *Shipment) UnmarshalJSON(b []byte) error {
	if json.Valid(b) {
		// Syntax errors are left to json.Unmarshal, which finds them
		// before decoding anything.
		if err := strictCheck(b); err != nil {
			return err
		}
	}
	var w shipmentJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return decodeError(err)
	}
	if w.Format < 0 || w.Format > FormatVersion {
		return &DecodeError{Path: "format", Reason: "unsupported format " + strconv.Itoa(w.Format)}
	}
	if w.Version < 0 {
		return &DecodeError{Path: "version", Reason: "negative version"}
	}
	if len(w.Events) > maxStoredEvents {
		return &DecodeError{Path: "events", Reason: "more than " + strconv.Itoa(maxStoredEvents) + " events"}
	}
	n := Shipment{
		ID: w.ID, OrderID: w.OrderID, CustomerID: w.CustomerID, Carrier: w.Carrier, TrackingNumber: w.TrackingNumber,
		Service: w.Service, Origin: w.Origin, Destination: w.Destination, PromisedBy: w.PromisedBy, PromisedOn: w.PromisedOn,
		LabelCreatedAt: w.LabelCreatedAt, Version: w.Version, nextPoll: w.NextPollAt, pollDone: w.PollDone, checkedAt: w.CheckedAt,
		rules: s.rules,
	}
	n.events = make([]carriers.Event, 0, len(w.Events))
	for i, raw := range w.Events {
		path := "events[" + strconv.Itoa(i) + "]"
		var e carriers.Event
		if err := json.Unmarshal(raw, &e); err != nil {
			return decodeError(err).under(path)
		}
		if field, why := defaultRules.validate(time.Time{}, &e); field != "" {
			return &DecodeError{Path: path + "." + field, Reason: why}
		}
		n.insert(&e, maxStoredEvents)
	}
	for i, raw := range w.Milestones {
		path := "milestones[" + strconv.Itoa(i) + "]"
		var m Milestone
		if err := json.Unmarshal(raw, &m); err != nil {
			return decodeError(err).under(path)
		}
		switch {
		case m.Kind == 0:
			return &DecodeError{Path: path + ".kind", Reason: "missing"}
		case m.ID == "":
			return &DecodeError{Path: path + ".id", Reason: "missing"}
		case m.At.IsZero():
			return &DecodeError{Path: path + ".at", Reason: "missing"}
		}
		if _, dup := n.Milestone(m.Kind); dup {
			return &DecodeError{Path: path + ".kind", Reason: "duplicate milestone " + m.Kind.String()}
		}
		j, _ := slices.BinarySearchFunc(n.milestones, m.Kind, func(a Milestone, k MilestoneKind) int { return int(a.Kind) - int(k) })
		n.milestones = slices.Insert(n.milestones, j, m)
	}
	for i, raw := range w.Delays {
		path := "delays[" + strconv.Itoa(i) + "]"
		var d Delay
		if err := json.Unmarshal(raw, &d); err != nil {
			return decodeError(err).under(path)
		}
		switch {
		case d.Kind == 0:
			return &DecodeError{Path: path + ".kind", Reason: "missing"}
		case d.ID == "":
			return &DecodeError{Path: path + ".id", Reason: "missing"}
		case d.DetectedAt.IsZero():
			return &DecodeError{Path: path + ".detected_at", Reason: "missing"}
		case d.Seq < 0:
			return &DecodeError{Path: path + ".seq", Reason: "negative"}
		case !d.Reason.Valid():
			return &DecodeError{Path: path + ".reason", Reason: "undefined reason value"}
		}
		n.delays = append(n.delays, d)
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
