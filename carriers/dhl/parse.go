package dhl

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// errMissing is the cause of a DecodeError for a required field that is
// absent or empty.
var errMissing = errors.New("missing")

// errEmptyEvent marks an event with a time and nothing else (no code, no
// text): it says nothing and is left out.
var errEmptyEvent = errors.New("empty event")

// ParseTrackResponse reads a body of DHL Shipment Tracking – Unified (GET
// /track/shipments, HTTP 200) and returns every shipment in it, in order:
// DHL may answer one number with several shipments of different services.
// It is what Track uses and works on stored bodies too; it does no I/O.
//
// A body whose shipments array is empty returns a *carriers.Error matching
// carriers.ErrNotFound. An RFC 7807 problem body (what DHL sends with 4xx)
// returns a *carriers.Error mapped from its status: 404 ErrNotFound, 400
// ErrInvalidNumber, 401/403 ErrUnauthorized, 429 ErrRateLimited. A body
// that is not the documented JSON returns a *carriers.Error wrapping a
// *carriers.DecodeError that names the JSON path (it matches
// carriers.ErrMalformedResponse). It never panics.
func ParseTrackResponse(body []byte) ([]carriers.Tracking, error) {
	return parseBody(body, "")
}

// parseBody parses body; requested is the number asked for, used when a
// shipment has no id ("" for a standalone parse).
func parseBody(body []byte, requested string) ([]carriers.Tracking, error) {
	var resp response
	if err := decode(body, &resp); err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", Number: requested, Err: err}
	}
	if resp.Shipments == nil {
		if p, ok := asProblem(body); ok {
			return nil, problemError(p, 0, requested)
		}
		return nil, &carriers.Error{Carrier: Code, Op: "track", Number: requested,
			Err: &carriers.DecodeError{Field: "shipments", Err: errMissing}}
	}
	shipments := *resp.Shipments
	if len(shipments) == 0 {
		return nil, &carriers.Error{Carrier: Code, Op: "track", Number: requested,
			Message: "no shipments", Err: carriers.ErrNotFound}
	}
	out := make([]carriers.Tracking, 0, len(shipments))
	for i := range shipments {
		t, err := normalize(&shipments[i], requested, "shipments["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, &carriers.Error{Carrier: Code, Op: "track", Number: requested, Err: err}
		}
		out = append(out, *t)
	}
	return out, nil
}

// decode unmarshals body into v, turning failures into a
// *carriers.DecodeError with an indexed JSON path.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &carriers.DecodeError{Err: errors.New("empty body")}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return decodeError(body, err)
	}
	return nil
}

// asProblem reads an RFC 7807 problem body; ok is false if body is not one.
func asProblem(body []byte) (problem, bool) {
	var p problem
	if json.Unmarshal(body, &p) != nil || (p.Title.str() == "" && p.Detail.str() == "") {
		return p, false
	}
	return p, true
}

// problemError maps a problem body. httpStatus is the response's status, 0
// for a standalone parse (the body's own status field is used then).
func problemError(p problem, httpStatus int, number string) *carriers.Error {
	status := httpStatus
	if status == 0 {
		status, _ = strconv.Atoi(p.Status.str())
	}
	e := &carriers.Error{Carrier: Code, Op: "track", Number: number, HTTPStatus: httpStatus,
		Code: clip(p.Title.str(), 128), Message: clip(p.Detail.str(), 256)}
	switch {
	case status == 404 || status == 410:
		e.Err = carriers.ErrNotFound
	case status == 400 || status == 422:
		e.Err = carriers.ErrInvalidNumber
	case status == 401 || status == 403:
		e.Err = carriers.ErrUnauthorized
	case status == 429:
		e.Err = carriers.ErrRateLimited
	default:
		e.Err = carriers.ErrUnavailable
	}
	return e
}

// clip cuts s to at most n bytes.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// normalize turns one shipment into a Tracking; path is its JSON path.
func normalize(s *shipment, requested, path string) (*carriers.Tracking, error) {
	t := &carriers.Tracking{Carrier: Code, Number: s.ID.str(), Raw: s.raw}
	if t.Number == "" {
		t.Number = requested
	}
	if t.Number == "" {
		return nil, &carriers.DecodeError{Field: path + ".id", Err: errMissing}
	}
	if d := s.Details; d != nil && d.Product != nil {
		t.Service = d.Product.ProductName.str()
	}
	if t.Service == "" {
		t.Service = s.Service.str()
	}
	returned := bool(s.ReturnFlag)

	if len(s.Events) > 0 {
		t.Events = make([]carriers.Event, 0, len(s.Events))
	}
	for k := range s.Events {
		e, err := toEvent(&s.Events[k], returned, path+".events["+strconv.Itoa(k)+"]")
		if err == errEmptyEvent {
			continue
		}
		if err != nil {
			return nil, err
		}
		t.Events = append(t.Events, e)
	}
	sortNewestFirst(t.Events)

	// Current status: the shipment's status (DHL's latest event), else
	// the newest event.
	if m, code := classify(s.Status, returned); code != "" || m.status != carriers.StatusUnknown {
		t.Status, t.Reason = m.status, m.reason
	}
	if t.Status == carriers.StatusUnknown && len(t.Events) > 0 {
		t.Status, t.Reason = t.Events[0].Status, t.Events[0].Reason
	}
	if returned && t.Status != carriers.StatusReturnToSender {
		// returnFlag: "the delivery is returned back to consignor".
		t.Status, t.Reason = carriers.StatusReturnToSender, carriers.ReasonReturning
	}

	if t.Status == carriers.StatusDelivered {
		var pod *proofOfDelivery
		if s.Details != nil {
			pod = s.Details.ProofOfDelivery
		}
		at, err := deliveredAt(pod, t.Events, path)
		if err != nil {
			return nil, err
		}
		t.DeliveredAt = at
		if pod != nil && pod.Signed != nil {
			t.SignedBy = personName(pod.Signed)
			if t.SignedBy != "" && t.Reason == carriers.ReasonNone {
				t.Reason = carriers.ReasonSignedFor
			}
		}
	}
	est, err := estimate(s, path)
	if err != nil {
		return nil, err
	}
	t.Estimate = est
	return t, nil
}

// toEvent converts one event.
func toEvent(ev *event, returned bool, path string) (carriers.Event, error) {
	at, err := parseTime(ev.Timestamp.str())
	if err != nil || at.t.IsZero() {
		if err == nil {
			err = errMissing
		}
		return carriers.Event{}, &carriers.DecodeError{Field: path + ".timestamp", Value: clip(ev.Timestamp.str(), 64), Err: err}
	}
	m, code := classify(ev, returned)
	desc := ev.Description.str()
	if desc == "" {
		desc = ev.Status.str()
		if isShortCode(desc) { // a parcel-de short code: the text is in remark
			desc = ev.Remark.str()
		}
	}
	if code == "" && desc == "" {
		return carriers.Event{}, errEmptyEvent
	}
	return carriers.Event{
		Time:        at.t,
		ZoneUnknown: at.zoneUnknown,
		Status:      m.status,
		Reason:      m.reason,
		Code:        code,
		Description: desc,
		Location:    location(ev.Location),
	}, nil
}

// location converts a DHL place. addressLocality is the place's name (a
// city, sometimes with a street).
func location(p *place) carriers.Location {
	if p == nil || p.Address == nil {
		return carriers.Location{}
	}
	a := p.Address
	return carriers.Location{
		City:       a.AddressLocality.str(),
		PostalCode: a.PostalCode.str(),
		Country:    strings.ToUpper(a.CountryCode.str()),
	}
}

// personName formats a schema.org Person: name, else given and family name.
func personName(p *person) string {
	if n := p.Name.str(); n != "" {
		return n
	}
	return strings.TrimSpace(p.GivenName.str() + " " + p.FamilyName.str())
}

// sortNewestFirst orders events newest first: DHL's order is kept unless two
// events with known zones are out of order, in which case they are sorted
// by time, stably (events whose zone is unknown by their wall clock read as
// UTC).
func sortNewestFirst(events []carriers.Event) {
	prev := -1
	for i := range events {
		if events[i].ZoneUnknown {
			continue
		}
		if prev >= 0 && events[i].Time.After(events[prev].Time) {
			slices.SortStableFunc(events, func(a, b carriers.Event) int { return b.Time.Compare(a.Time) })
			return
		}
		prev = i
	}
}

// deliveredAt prefers the proof of delivery's timestamp when it carries an
// offset, then the newest delivery event, then the proof's timestamp without
// an offset (its wall clock read as UTC: the model has no zone flag for
// DeliveredAt).
func deliveredAt(pod *proofOfDelivery, events []carriers.Event, path string) (time.Time, error) {
	var p parsedTime
	if pod != nil {
		var err error
		p, err = parseTime(pod.Timestamp.str())
		if err != nil {
			return time.Time{}, &carriers.DecodeError{Field: path + ".details.proofOfDelivery.timestamp", Value: clip(pod.Timestamp.str(), 64), Err: err}
		}
		if !p.t.IsZero() && !p.zoneUnknown {
			return p.t, nil
		}
	}
	for _, e := range events {
		if e.Status == carriers.StatusDelivered && (!e.ZoneUnknown || p.t.IsZero()) {
			return e.Time, nil
		}
	}
	return p.t, nil
}

// estimate reads estimatedDeliveryTimeFrame, else estimatedTimeOfDelivery.
func estimate(s *shipment, path string) (*carriers.Estimate, error) {
	if f := s.EstimatedDeliveryTimeFrame; f != nil {
		from, err := parseTime(f.EstimatedFrom.str())
		if err != nil {
			return nil, &carriers.DecodeError{Field: path + ".estimatedDeliveryTimeFrame.estimatedFrom", Value: clip(f.EstimatedFrom.str(), 64), Err: err}
		}
		through, err := parseTime(f.EstimatedThrough.str())
		if err != nil {
			return nil, &carriers.DecodeError{Field: path + ".estimatedDeliveryTimeFrame.estimatedThrough", Value: clip(f.EstimatedThrough.str(), 64), Err: err}
		}
		if e := makeEstimate(from, through); e != nil {
			return e, nil
		}
	}
	eta, err := parseTime(s.EstimatedTimeOfDelivery.str())
	if err != nil {
		return nil, &carriers.DecodeError{Field: path + ".estimatedTimeOfDelivery", Value: clip(s.EstimatedTimeOfDelivery.str(), 64), Err: err}
	}
	return makeEstimate(eta, eta), nil
}

// makeEstimate builds a carrier Estimate from a window's bounds, either of
// which may be zero. Bounds that are bare dates or exactly midnight make a
// date-only estimate from the start of the first day to the end of the last.
func makeEstimate(b, e parsedTime) *carriers.Estimate {
	switch {
	case b.t.IsZero() && e.t.IsZero():
		return nil
	case b.t.IsZero():
		b = e
	case e.t.IsZero():
		e = b
	}
	est := &carriers.Estimate{
		Start:       b.t,
		End:         e.t,
		ZoneUnknown: (b.zoneUnknown && !b.dateOnly) || (e.zoneUnknown && !e.dateOnly),
		Source:      carriers.EstimateCarrier,
	}
	if dateLike(b) && dateLike(e) {
		est.DateOnly = true
		est.ZoneUnknown = false
		est.End = endOfDay(e.t)
	}
	if est.End.Before(est.Start) {
		est.End = est.Start
		if est.DateOnly {
			est.End = endOfDay(est.Start)
		}
	}
	return est
}

// dateLike reports whether p is a bare date or a midnight time.
func dateLike(p parsedTime) bool {
	if p.dateOnly {
		return true
	}
	h, m, s := p.t.Clock()
	return h == 0 && m == 0 && s == 0 && p.t.Nanosecond() == 0
}

// endOfDay returns the last nanosecond of t's calendar day, in t's location.
func endOfDay(t time.Time) time.Time {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, t.Location()).AddDate(0, 0, 1).Add(-time.Nanosecond)
}
