package dhl

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierhttp"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierjson"
	"github.com/postpurchase/postpurchase/carriers/internal/carriertime"
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
	if err := carrierjson.Unmarshal(body, &resp); err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: requested, Err: err}
	}
	if resp.Shipments == nil {
		if p, ok := asProblem(body); ok {
			return nil, problemError(p, 0, requested)
		}
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: requested,
			Err: &carriers.DecodeError{Path: "shipments", Err: errMissing}}
	}
	shipments := *resp.Shipments
	if len(shipments) == 0 {
		return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: requested,
			Message: "no shipments", Err: carriers.ErrNotFound}
	}
	out := make([]carriers.Tracking, 0, len(shipments))
	for i := range shipments {
		t, err := normalize(&shipments[i], requested, "shipments["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: requested, Err: err}
		}
		out = append(out, *t)
	}
	return out, nil
}

// asProblem reads an RFC 7807 problem body; ok is false if body is not one.
func asProblem(body []byte) (problem, bool) {
	var p problem
	if json.Unmarshal(body, &p) != nil || (p.Title.Trim() == "" && p.Detail.Trim() == "") {
		return p, false
	}
	return p, true
}

// problemError maps a problem body. httpStatus is the response's status, 0
// for a standalone parse (the body's own status field is used then).
func problemError(p problem, httpStatus int, number string) *carriers.Error {
	status := httpStatus
	if status == 0 {
		status, _ = strconv.Atoi(p.Status.Trim())
	}
	e := &carriers.Error{Carrier: Code, Op: "track", TrackingNumber: number, StatusCode: httpStatus,
		Code: carrierhttp.Clip(p.Title.Trim(), 128), Message: carrierhttp.Clip(p.Detail.Trim(), 256)}
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

// normalize turns one shipment into a Tracking; path is its JSON path.
func normalize(s *shipment, requested, path string) (*carriers.Tracking, error) {
	t := &carriers.Tracking{Carrier: Code, TrackingNumber: s.ID.Trim(), Raw: s.raw}
	if t.TrackingNumber == "" {
		t.TrackingNumber = requested
	}
	if t.TrackingNumber == "" {
		return nil, &carriers.DecodeError{Path: path + ".id", Err: errMissing}
	}
	if d := s.Details; d != nil && d.Product != nil {
		t.Service = d.Product.ProductName.Trim()
	}
	if t.Service == "" {
		t.Service = s.Service.Trim()
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
	// DHL sends events newest first.
	carriertime.SortNewestFirstIfNeeded(t.Events)

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
		at, zoneUnknown, err := deliveredAt(pod, t.Events, path)
		if err != nil {
			return nil, err
		}
		t.DeliveredAt, t.DeliveredZoneUnknown = at, zoneUnknown
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
	at, err := carriertime.ParseISOField(path+".timestamp", ev.Timestamp.Trim(), true)
	if err != nil {
		return carriers.Event{}, err
	}
	m, code := classify(ev, returned)
	desc := ev.Description.Trim()
	if desc == "" {
		desc = ev.Status.Trim()
		if isShortCode(desc) { // a parcel-de short code: the text is in remark
			desc = ev.Remark.Trim()
		}
	}
	if code == "" && desc == "" {
		return carriers.Event{}, errEmptyEvent
	}
	return carriers.Event{
		Time:        at.Time,
		ZoneUnknown: at.ZoneUnknown,
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
		City:       a.AddressLocality.Trim(),
		PostalCode: a.PostalCode.Trim(),
		Country:    strings.ToUpper(a.CountryCode.Trim()),
	}
}

// personName formats a schema.org Person: name, else given and family name.
func personName(p *person) string {
	if n := p.Name.Trim(); n != "" {
		return n
	}
	return strings.TrimSpace(p.GivenName.Trim() + " " + p.FamilyName.Trim())
}

// deliveredAt prefers the proof of delivery's timestamp when it carries an
// offset, then the newest delivery event, then the proof's timestamp without
// an offset (its wall clock in UTC, zoneUnknown set); see
// carriertime.DeliveredAt.
func deliveredAt(pod *proofOfDelivery, events []carriers.Event, path string) (at time.Time, zoneUnknown bool, err error) {
	var p carriertime.Local
	if pod != nil {
		p, err = carriertime.ParseISOField(path+".details.proofOfDelivery.timestamp", pod.Timestamp.Trim(), false)
		if err != nil {
			return time.Time{}, false, err
		}
	}
	at, zoneUnknown = carriertime.DeliveredAt(p, events)
	return at, zoneUnknown, nil
}

// estimate reads estimatedDeliveryTimeFrame, else estimatedTimeOfDelivery.
func estimate(s *shipment, path string) (*carriers.Estimate, error) {
	if f := s.EstimatedDeliveryTimeFrame; f != nil {
		from, err := carriertime.ParseISOField(path+".estimatedDeliveryTimeFrame.estimatedFrom", f.EstimatedFrom.Trim(), false)
		if err != nil {
			return nil, err
		}
		through, err := carriertime.ParseISOField(path+".estimatedDeliveryTimeFrame.estimatedThrough", f.EstimatedThrough.Trim(), false)
		if err != nil {
			return nil, err
		}
		if e := carriertime.Estimate(from, through, carriers.EstimateCarrier); e != nil {
			return e, nil
		}
	}
	eta, err := carriertime.ParseISOField(path+".estimatedTimeOfDelivery", s.EstimatedTimeOfDelivery.Trim(), false)
	if err != nil {
		return nil, err
	}
	return carriertime.Estimate(eta, eta, carriers.EstimateCarrier), nil
}
