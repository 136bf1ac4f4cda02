package tracking

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
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
// Apply would, milestone and delay kinds, IDs and times, estimates. Any
// problem is a *DecodeError naming the JSON path, and s is left unchanged.
// The derived state (status, delivered time...) is recomputed from the
// events; the status written by MarshalJSON is ignored. Rules are not
// stored: the decoded shipment uses the defaults until UseRules.
func (s *Shipment) UnmarshalJSON(b []byte) error {
	var w shipmentJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return &DecodeError{Path: jsonPath(err), Err: err}
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
		if err := strictElem(raw, &e); err != nil {
			return &DecodeError{Path: path, Err: err}
		}
		if field, why := defaultRules.validate(time.Time{}, &e); field != "" {
			return &DecodeError{Path: path + "." + field, Reason: why}
		}
		n.insert(&e, maxStoredEvents)
	}
	for i, raw := range w.Milestones {
		path := "milestones[" + strconv.Itoa(i) + "]"
		var m Milestone
		if err := strictElem(raw, &m); err != nil {
			return &DecodeError{Path: path, Err: err}
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
		if err := strictElem(raw, &d); err != nil {
			return &DecodeError{Path: path, Err: err}
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

// strictElem decodes one array element.
func strictElem(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return err
	}
	return nil
}

// jsonPath extracts the JSON path from an encoding/json error when it has
// one.
func jsonPath(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}
