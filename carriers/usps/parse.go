package usps

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierhttp"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierjson"
	"github.com/postpurchase/postpurchase/carriers/internal/carriertime"
)

// str is a JSON scalar read as text. USPS documents its fields as strings
// but numbers arrive where strings are documented (and the reverse), so str
// accepts a string, a number or a boolean (kept as written) and null
// (empty). An object or array where a scalar belongs is read as empty rather
// than failing the whole document; the fields the adapter cannot do without
// (timestamps) are then reported missing, with their JSON path.
type str = carrierjson.LooseText

// The raw shapes of the USPS Tracking API v3 DETAIL response (tracking.yaml
// v3.2.6 as vendored by karrio). Only the fields the adapter reads are
// declared; the whole object is kept in Tracking.Raw.
type (
	rawTracking struct {
		trackingJSON
		raw json.RawMessage
	}
	trackingJSON struct {
		TrackingNumber                   str     `json:"trackingNumber"`
		Status                           str     `json:"status"`
		StatusCategory                   str     `json:"statusCategory"`
		MailClass                        str     `json:"mailClass"`
		ExpectedDeliveryTimeStamp        str     `json:"expectedDeliveryTimeStamp"`
		PredictedDeliveryDate            str     `json:"predictedDeliveryDate"`
		PredictedDeliveryTimeStamp       str     `json:"predictedDeliveryTimeStamp"`
		PredictedDeliveryWindowStartTime str     `json:"predictedDeliveryWindowStartTime"`
		PredictedDeliveryWindowEndTime   str     `json:"predictedDeliveryWindowEndTime"`
		GuaranteedDeliveryTimeStamp      str     `json:"guaranteedDeliveryTimeStamp"`
		TrackingEvents                   []event `json:"trackingEvents"`
		// Error is the error member of an error document: an object
		// ({code, message, errors[]}) on API errors, a string on OAuth
		// errors ("invalid_client").
		Error            json.RawMessage `json:"error"`
		ErrorDescription str             `json:"error_description"`
	}
	event struct {
		EventType      str `json:"eventType"`
		EventTimestamp str `json:"eventTimestamp"`
		GMTTimestamp   str `json:"GMTTimestamp"`
		GMTOffset      str `json:"GMTOffset"`
		EventCity      str `json:"eventCity"`
		EventState     str `json:"eventState"`
		EventZIP       str `json:"eventZIP"`
		EventCountry   str `json:"eventCountry"`
		Name           str `json:"name"`
		EventCode      str `json:"eventCode"`
	}
	apiError struct {
		Code    str `json:"code"`
		Message str `json:"message"`
		Errors  []struct {
			Code   str `json:"code"`
			Title  str `json:"title"`
			Detail str `json:"detail"`
		} `json:"errors"`
	}
)

// UnmarshalJSON decodes the tracking object and keeps a copy of its bytes.
func (r *rawTracking) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &r.trackingJSON); err != nil {
		return err
	}
	r.raw = append(json.RawMessage(nil), b...)
	return nil
}

// Error codes USPS puts in a body, and what they mean. Origin:
// shared/reference/carriers.md: HTTP 400 with errors[].code "150001"
// ("12: A status update is not yet available on your package", from
// wantable/omniship's recorded responses) is not-found; OAuth 2 error codes
// (RFC 6749 §5.2) for refused credentials.
var bodyErrorCodes = map[string]error{
	"150001":              carriers.ErrNotFound,
	"invalid_client":      carriers.ErrUnauthorized,
	"unauthorized_client": carriers.ErrUnauthorized,
	"invalid_grant":       carriers.ErrUnauthorized,
	"invalid_token":       carriers.ErrUnauthorized,
}

// ParseTrackResponse normalizes a USPS Tracking API v3 response body (GET
// /tracking/v3/tracking/{trackingNumber}?expand=DETAIL, one object) into
// Trackings. A JSON array of such objects (several numbers) yields one
// Tracking each. It is pure: no clock, no I/O.
//
// An error document ({"error":{"code","message","errors":[...]}} or an OAuth
// error) returns a *carriers.Error with USPS's code and message: code 150001
// matches carriers.ErrNotFound, invalid_client carriers.ErrUnauthorized. A
// body that is not the documented JSON returns a *carriers.Error matching
// carriers.ErrMalformedResponse whose *carriers.DecodeError names the JSON
// path.
func ParseTrackResponse(body []byte) ([]carriers.Tracking, error) {
	trimmed := bytes.TrimSpace(body)
	var docs []rawTracking
	var err error
	isArray := len(trimmed) > 0 && trimmed[0] == '['
	if isArray {
		err = carrierjson.Unmarshal(trimmed, &docs)
	} else {
		docs = make([]rawTracking, 1)
		if len(trimmed) > 0 && trimmed[0] != '{' {
			err = &carriers.DecodeError{Err: errors.New("expected a JSON object")}
		} else {
			err = carrierjson.Unmarshal(trimmed, &docs[0])
		}
	}
	if err != nil {
		return nil, parseError(err)
	}
	out := make([]carriers.Tracking, 0, len(docs))
	for i := range docs {
		d := &docs[i]
		prefix := ""
		if isArray {
			prefix = "[" + strconv.Itoa(i) + "]."
		}
		if len(d.Error) > 0 && string(d.Error) != "null" {
			code, msg := errorCodeMessage(d.Error, string(d.ErrorDescription))
			return nil, codeError(0, code, msg)
		}
		tr, err := d.normalize(prefix)
		if err != nil {
			return nil, parseError(err)
		}
		out = append(out, tr)
	}
	if len(out) == 0 {
		return nil, &carriers.Error{Carrier: Code, Op: "parse", Message: "response holds no tracking", Err: carriers.ErrNotFound}
	}
	return out, nil
}

// errorCodeMessage reads an error member: an OAuth string code or a USPS
// error object, preferring the first errors[] entry's code.
func errorCodeMessage(raw json.RawMessage, description string) (code, message string) {
	var s str
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) == nil {
			return string(s), description
		}
		return "", description
	}
	var e apiError
	if json.Unmarshal(raw, &e) != nil {
		return "", ""
	}
	code, message = string(e.Code), string(e.Message)
	for _, sub := range e.Errors {
		if sub.Code != "" {
			code = string(sub.Code)
			message = string(sub.Title)
			if message == "" {
				message = string(sub.Detail)
			}
			break
		}
	}
	return code, message
}

// parseErrorBody extracts USPS's code and message from an error response
// body, if it is one.
func parseErrorBody(body []byte) (code, message string) {
	var d trackingJSON
	if json.Unmarshal(body, &d) != nil || len(d.Error) == 0 || string(d.Error) == "null" {
		return "", ""
	}
	return errorCodeMessage(d.Error, string(d.ErrorDescription))
}

func parseError(err error) *carriers.Error {
	return &carriers.Error{Carrier: Code, Op: "parse", Err: err}
}

func codeError(status int, code, message string) *carriers.Error {
	return &carriers.Error{Carrier: Code, Op: "parse", StatusCode: status, Code: carrierhttp.Clip(code, 256), Message: carrierhttp.Clip(message, 256), Err: sentinelForCode(status, code)}
}

// sentinelForCode maps a USPS body error code, falling back on the HTTP
// status, and on ErrUnavailable for an unknown error in a 2xx answer.
func sentinelForCode(status int, code string) error {
	return carrierhttp.CodeSentinel(bodyErrorCodes, status, code)
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// cleanText removes the HTML USPS puts in display strings
// ("USPS Ground Advantage<SUP>&#153;</SUP>") and decodes entities.
func cleanText(s string) string {
	if strings.ContainsAny(s, "<&") {
		s = html.UnescapeString(tagRE.ReplaceAllString(s, ""))
		// &#153; is the Windows-1252 trade mark, not U+0099.
		s = strings.ReplaceAll(s, "\u0099", "™")
	}
	return strings.TrimSpace(s)
}

// normalize turns one tracking object into a Tracking.
func (d *rawTracking) normalize(prefix string) (carriers.Tracking, error) {
	tr := carriers.Tracking{Carrier: Code, TrackingNumber: strings.TrimSpace(string(d.TrackingNumber)), Service: cleanText(string(d.MailClass)), Raw: d.raw}
	if tr.TrackingNumber == "" {
		return tr, &carriers.DecodeError{Path: prefix + "trackingNumber", Err: errors.New("missing")}
	}
	if len(d.TrackingEvents) > 0 {
		tr.Events = make([]carriers.Event, 0, len(d.TrackingEvents))
	}
	for k := range d.TrackingEvents {
		e := &d.TrackingEvents[k]
		path := prefix + "trackingEvents[" + strconv.Itoa(k) + "]"
		ev, err := e.normalize(path)
		if err != nil {
			return tr, err
		}
		tr.Events = append(tr.Events, ev)
	}
	carriertime.SortNewestFirst(tr.Events)
	if m, ok := statusCategories[strings.ToLower(strings.TrimSpace(string(d.StatusCategory)))]; ok {
		tr.Status, tr.Reason = m.Status, m.Reason
		if m.Status == carriers.StatusDelivered {
			tr.Reason = deliveredReason(string(d.Status))
			if toSender(string(d.Status)) {
				tr.Status, tr.Reason = returned.Status, returned.Reason
			}
		}
	}
	generic := tr.Status == carriers.StatusInTransit || tr.Status == carriers.StatusException && tr.Reason == carriers.ReasonOther
	if latest, ok := tr.Latest(); ok && (tr.Status == carriers.StatusUnknown ||
		generic && latest.Status != carriers.StatusUnknown && latest.Status != tr.Status && latest.Status != carriers.StatusDelivered) {
		// No (known) category, or a coarse one ("Moving Through Network",
		// "Alert") while the newest scan says more (out for delivery, a
		// notice left).
		tr.Status, tr.Reason = latest.Status, latest.Reason
	}
	if latest, ok := tr.Latest(); ok && latest.Status == tr.Status && vagueReason(tr.Reason) && !vagueReason(latest.Reason) {
		// The category ("Alert", "Return to Sender") names no cause and
		// the newest scan does (refused, moved, not collected): keep it.
		tr.Reason = latest.Reason
	}
	if tr.Status == carriers.StatusDelivered {
		for _, e := range tr.Events {
			if e.Status == carriers.StatusDelivered {
				tr.DeliveredAt, tr.DeliveredZoneUnknown = e.Time, e.ZoneUnknown
				break
			}
		}
		for k := range d.TrackingEvents {
			if classifyEvent(string(d.TrackingEvents[k].EventCode), "").Status == carriers.StatusDelivered {
				tr.SignedBy = strings.TrimSpace(string(d.TrackingEvents[k].Name))
				break
			}
		}
	}
	tr.Estimate = d.estimate()
	return tr, nil
}

// estimate picks USPS's predicted delivery (date or timestamp, with its
// window), else the expected delivery timestamp, else the guaranteed one.
// USPS gives these as local times without an offset, so the estimate is
// ZoneUnknown; a timestamp at exactly midnight is read as a date only.
// Unparseable values are skipped: an estimate is optional.
func (d *rawTracking) estimate() *carriers.Estimate {
	type cand struct {
		value string
		src   carriers.EstimateSource
	}
	for _, c := range []cand{
		{string(d.PredictedDeliveryTimeStamp), carriers.EstimateCarrier},
		{string(d.PredictedDeliveryDate), carriers.EstimateCarrier},
		{string(d.ExpectedDeliveryTimeStamp), carriers.EstimateScheduled},
		{string(d.GuaranteedDeliveryTimeStamp), carriers.EstimateGuaranteed},
	} {
		t, hasOffset, ok := parseTimestamp(c.value)
		if !ok || carriertime.Check(t) != nil {
			continue
		}
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
		est := &carriers.Estimate{Start: t, End: t, ZoneUnknown: !hasOffset, Source: c.src}
		if t.Equal(day) {
			est.DateOnly = true
			est.End = day.Add(24*time.Hour - time.Second)
		}
		if c.src == carriers.EstimateCarrier {
			if s, ok := windowTime(day, string(d.PredictedDeliveryWindowStartTime)); ok {
				est.Start, est.DateOnly = s, false
				if est.End.Before(s) || est.End.Equal(day.Add(24*time.Hour-time.Second)) {
					est.End = day.Add(24*time.Hour - time.Second)
				}
			}
			if e, ok := windowTime(day, string(d.PredictedDeliveryWindowEndTime)); ok && !e.Before(est.Start) {
				est.End, est.DateOnly = e, false
			}
		}
		if carriertime.Check(est.Start) != nil || carriertime.Check(est.End) != nil {
			continue // a window past the end of year 9999
		}
		return est
	}
	return nil
}

// windowTime reads a window bound given as a full timestamp or as a time of
// day ("13:00:00", "1300") on day.
func windowTime(day time.Time, s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, _, ok := parseTimestamp(s); ok && len(s) > 8 {
		return t, true
	}
	c, ok := parseClock(s)
	if !ok {
		return time.Time{}, false
	}
	return day.Add(c), true
}

// normalize turns one tracking event into an Event.
//
// USPS's eventTimestamp is the local time of the scan without an offset.
// With GMTOffset ("-05:00"; the spec's example "-420" is read as minutes)
// the event time is that wall clock in that offset. Without GMTOffset but
// with GMTTimestamp, the offset is derived (local − GMT, to the quarter
// hour) when that is a real offset. When both are given and disagree (one
// published sample has a GMTTimestamp a day early), the local time and the
// stated offset win. With neither, the wall clock is kept in UTC and the
// event is ZoneUnknown. An eventTimestamp that carries its own offset or Z
// (USPS's 2023 examples) is taken as written unless GMTOffset says
// otherwise.
func (e *event) normalize(path string) (carriers.Event, error) {
	var ev carriers.Event
	raw := strings.TrimSpace(string(e.EventTimestamp))
	t, hasOffset, ok := parseTimestamp(raw)
	if !ok {
		if raw == "" {
			return ev, &carriers.DecodeError{Path: path + ".eventTimestamp", Err: errors.New("missing")}
		}
		return ev, &carriers.DecodeError{Path: path + ".eventTimestamp", Value: raw, Err: errors.New("not a timestamp")}
	}
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	switch off, okOff := parseOffset(string(e.GMTOffset)); {
	case okOff:
		ev.Time = carriertime.InZone(wall, off)
	case hasOffset:
		ev.Time = t
	default:
		ev.Time, ev.ZoneUnknown = wall, true
		if g, gOff, ok := parseTimestamp(string(e.GMTTimestamp)); ok && gOff {
			if off, ok := carriertime.DeriveOffset(wall, g); ok {
				ev.Time, ev.ZoneUnknown = carriertime.InZone(wall, off), false
			}
		}
	}
	if err := carriertime.Check(ev.Time); err != nil {
		// "+24:00" parses but could never be stored; a date near 9999
		// may leave the year range once in UTC.
		return ev, &carriers.DecodeError{Path: path + ".eventTimestamp", Value: raw, Err: err}
	}
	m := classifyEvent(string(e.EventCode), string(e.EventType))
	ev.Status, ev.Reason = m.Status, m.Reason
	ev.Code = strings.TrimSpace(string(e.EventCode))
	ev.Description = cleanText(string(e.EventType))
	ev.Location = carriers.Location{City: string(e.EventCity), State: string(e.EventState), PostalCode: string(e.EventZIP), Country: string(e.EventCountry)}
	return ev, nil
}

// timestampLayouts are the forms USPS uses: local without offset
// ("2024-11-22T13:58:00"), UTC with Z ("2024-11-22T18:58:40Z"), with
// fractions, the space-separated intake form ("2024-11-15 11:09:19.000000")
// and a bare date.
var timestampLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTimestamp parses s in one of timestampLayouts. hasOffset says
// whether s carried its own zone (Z or ±hh:mm).
func parseTimestamp(s string) (t time.Time, hasOffset, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 || len(s) > 40 {
		return time.Time{}, false, false
	}
	for i, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, i == 0 || i == 3, true
		}
	}
	return time.Time{}, false, false
}

// parseOffset reads GMTOffset: "-05:00", "+0530", "-5", or the spec's
// "-420". A 3-digit value that is a whole number of quarter hours is read
// as minutes (-420 = -07:00), otherwise as HMM (-500 = -05:00); every other
// form is carriertime.ParseOffset's. Returns seconds east of UTC.
func parseOffset(s string) (int, bool) {
	s = strings.TrimSpace(s)
	sign, digits := 1, s
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			sign = -1
		}
		digits = s[1:]
	}
	if len(digits) != 3 {
		return carriertime.ParseOffset(s)
	}
	n, ok := carriertime.Digits(digits)
	if !ok {
		return 0, false
	}
	if n%15 == 0 && n <= 840 {
		return carriertime.OffsetSeconds(sign, n/60, n%60)
	}
	return carriertime.OffsetSeconds(sign, n/100, n%100)
}

// parseClock reads "HH:MM:SS", "HH:MM", "HHMMSS" or "HHMM" (USPS does not
// drop leading zeros, so the shorter forms carriertime.ParseClock also
// reads are refused).
func parseClock(s string) (time.Duration, bool) {
	if n := len(strings.ReplaceAll(strings.TrimSpace(s), ":", "")); n != 4 && n != 6 {
		return 0, false
	}
	return carriertime.ParseClock(s)
}

// vagueReason reports whether r names no specific cause: none, other, or
// only that a return is on its way.
func vagueReason(r carriers.Reason) bool {
	return r == carriers.ReasonNone || r == carriers.ReasonOther || r == carriers.ReasonReturning
}
