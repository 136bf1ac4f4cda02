package ups

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

// str is a JSON scalar read as text. The Track API documents its fields as
// strings but numbers arrive where strings are documented (and the reverse),
// so str accepts a string, a number or a boolean (kept as written) and null
// (empty). An object or array where a scalar belongs is read as empty rather
// than failing the whole document; the fields the adapter cannot do without
// (dates, times) are then reported missing, with their JSON path.
type str = carrierjson.LooseText

// The raw shapes of the Track API v1 response (UPS-API/api-documentation
// Tracking.yaml). Only the fields the adapter reads are declared; the whole
// package object is kept in Tracking.Raw.
type (
	trackDoc struct {
		TrackResponse *trackResponse `json:"trackResponse"`
		Response      *errorBody     `json:"response"`
	}
	errorBody struct {
		Errors []apiMessage `json:"errors"`
	}
	apiMessage struct {
		Code    str `json:"code"`
		Message str `json:"message"`
	}
	trackResponse struct {
		Shipment []shipment `json:"shipment"`
	}
	shipment struct {
		InquiryNumber str          `json:"inquiryNumber"`
		Package       []rawPackage `json:"package"`
		Warnings      []apiMessage `json:"warnings"`
	}
	// rawPackage keeps the package's own bytes next to its decoded fields.
	rawPackage struct {
		pkg
		raw json.RawMessage
	}
	pkg struct {
		TrackingNumber      str            `json:"trackingNumber"`
		CurrentStatus       *statusJSON    `json:"currentStatus"`
		Activity            []activity     `json:"activity"`
		DeliveryDate        []deliveryDate `json:"deliveryDate"`
		DeliveryTime        *deliveryTime  `json:"deliveryTime"`
		DeliveryInformation *deliveryInfo  `json:"deliveryInformation"`
		Service             *service       `json:"service"`
	}
	activity struct {
		Date      str          `json:"date"`
		Time      str          `json:"time"`
		GMTDate   str          `json:"gmtDate"`
		GMTTime   str          `json:"gmtTime"`
		GMTOffset str          `json:"gmtOffset"`
		Location  *activityLoc `json:"location"`
		Status    *statusJSON  `json:"status"`
	}
	activityLoc struct {
		Address *address `json:"address"`
	}
	address struct {
		City          str `json:"city"`
		StateProvince str `json:"stateProvince"`
		PostalCode    str `json:"postalCode"`
		CountryCode   str `json:"countryCode"`
		Country       str `json:"country"`
	}
	statusJSON struct {
		Type        str `json:"type"`
		Code        str `json:"code"`
		Description str `json:"description"`
		StatusCode  str `json:"statusCode"`
	}
	deliveryDate struct {
		Type str `json:"type"`
		Date str `json:"date"`
	}
	deliveryTime struct {
		Type      str `json:"type"`
		StartTime str `json:"startTime"`
		EndTime   str `json:"endTime"`
	}
	deliveryInfo struct {
		ReceivedBy str `json:"receivedBy"`
	}
	service struct {
		Code        str `json:"code"`
		Description str `json:"description"`
	}
)

// UnmarshalJSON decodes the package and keeps a copy of its bytes.
func (p *rawPackage) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &p.pkg); err != nil {
		return err
	}
	p.raw = append(json.RawMessage(nil), b...)
	return nil
}

// Error codes UPS puts in a body, and what they mean. Origin:
// shared/reference/carriers.md "Errors seen" (TW0001 as a warning in an
// HTTP 200 body, TV1002, 250003) and UPS's OAuth and Track Alert error
// lists (250002 invalid authentication information).
var bodyErrorCodes = map[string]error{
	"TW0001": carriers.ErrNotFound,      // Tracking Information Not Found
	"TV1002": carriers.ErrInvalidNumber, // Invalid inquiry number
	"250003": carriers.ErrUnauthorized,  // Invalid Access License number
	"250002": carriers.ErrUnauthorized,  // Invalid Authentication Information
}

// ParseTrackResponse normalizes a UPS Track API v1 response body
// (GET /api/track/v1/details/{inquiryNumber}) into one Tracking per package,
// in the order of the response; a shipment with several packages yields all
// of them. It is pure: no clock, no I/O.
//
// A body that is a UPS error document ({"response":{"errors":[...]}}) or a
// tracking response whose shipments carry only warnings (TW0001 "Tracking
// Information Not Found", sent with HTTP 200) returns a *carriers.Error with
// the UPS code and message, matching carriers.ErrNotFound,
// ErrInvalidNumber or ErrUnauthorized as the code says. A body that is not
// the documented JSON returns a *carriers.Error matching
// carriers.ErrMalformedResponse whose *carriers.DecodeError names the JSON
// path at fault.
//
// Times follow the rules in the package documentation: an activity's local
// date and time with its gmtOffset (or the offset derived from
// gmtDate/gmtTime) when UPS gives one, otherwise ZoneUnknown.
func ParseTrackResponse(body []byte) ([]carriers.Tracking, error) {
	var doc trackDoc
	if err := carrierjson.Unmarshal(body, &doc); err != nil {
		return nil, parseError(err)
	}
	if doc.TrackResponse == nil {
		if doc.Response != nil && len(doc.Response.Errors) > 0 {
			m := doc.Response.Errors[0]
			return nil, codeError(0, string(m.Code), string(m.Message))
		}
		return nil, parseError(&carriers.DecodeError{Path: "trackResponse", Err: errors.New("missing")})
	}
	if doc.TrackResponse.Shipment == nil {
		return nil, parseError(&carriers.DecodeError{Path: "trackResponse.shipment", Err: errors.New("missing")})
	}
	var out []carriers.Tracking
	var warning *apiMessage
	for i, sh := range doc.TrackResponse.Shipment {
		if len(sh.Package) == 0 && len(sh.Warnings) > 0 && warning == nil {
			warning = &sh.Warnings[0]
		}
		for j := range sh.Package {
			path := "trackResponse.shipment[" + strconv.Itoa(i) + "].package[" + strconv.Itoa(j) + "]"
			tr, err := sh.Package[j].normalize(path, string(sh.InquiryNumber))
			if err != nil {
				return nil, parseError(err)
			}
			out = append(out, tr)
		}
	}
	if len(out) == 0 {
		if warning != nil {
			return nil, codeError(0, string(warning.Code), string(warning.Message))
		}
		return nil, &carriers.Error{Carrier: Code, Op: "parse", Message: "response holds no package", Err: carriers.ErrNotFound}
	}
	return out, nil
}

// parseError wraps a decoding failure for ParseTrackResponse.
func parseError(err error) *carriers.Error {
	return &carriers.Error{Carrier: Code, Op: "parse", Err: err}
}

// codeError is the *carriers.Error for a UPS error code found in a body.
func codeError(status int, code, message string) *carriers.Error {
	return &carriers.Error{Carrier: Code, Op: "parse", StatusCode: status, Code: code, Message: carrierhttp.Clip(message, 256), Err: sentinelForCode(status, code)}
}

// sentinelForCode maps a UPS body error code (in any case), falling back on
// the HTTP status, and on ErrUnavailable for an unknown error in a 2xx
// answer.
func sentinelForCode(status int, code string) error {
	return carrierhttp.CodeSentinel(bodyErrorCodes, status, strings.ToUpper(code))
}

// validNumber reports whether n (trimmed and upper-cased) can be a UPS
// inquiry number: 7 to 34 letters and digits (Tracking.yaml,
// inquiryNumber).
func validNumber(n string) bool {
	clean, ok := carrierhttp.CleanNumber(n, 7, 34)
	return ok && clean == n
}

// normalize turns one raw package into a Tracking.
func (p *rawPackage) normalize(path, inquiry string) (carriers.Tracking, error) {
	tr := carriers.Tracking{Carrier: Code, TrackingNumber: strings.TrimSpace(string(p.TrackingNumber)), Raw: p.raw}
	// Prefer the package's own number; fall back on the shipment's inquiry
	// number when the package's is missing or cannot be a UPS number (UPS's
	// published example has "string").
	if inq := strings.TrimSpace(inquiry); inq != "" && !validNumber(strings.ToUpper(tr.TrackingNumber)) {
		tr.TrackingNumber = inq
	}
	if tr.TrackingNumber == "" {
		return tr, &carriers.DecodeError{Path: path + ".trackingNumber", Err: errors.New("missing (and no inquiryNumber)")}
	}
	if p.Service != nil {
		tr.Service = string(p.Service.Description)
	}
	if len(p.Activity) > 0 {
		tr.Events = make([]carriers.Event, 0, len(p.Activity))
	}
	for k := range p.Activity {
		a := &p.Activity[k]
		ev, err := a.event(path + ".activity[" + strconv.Itoa(k) + "]")
		if err != nil {
			return tr, err
		}
		tr.Events = append(tr.Events, ev)
	}
	// UPS sends events newest first; the sort is stable, so a response
	// already in order is left as it is.
	carriertime.SortNewestFirst(tr.Events)
	if p.CurrentStatus != nil && (p.CurrentStatus.Type != "" || p.CurrentStatus.Code != "" || p.CurrentStatus.StatusCode != "") {
		m, _ := classify(string(p.CurrentStatus.Type), string(p.CurrentStatus.Code), string(p.CurrentStatus.StatusCode))
		tr.Status, tr.Reason = m.Status, m.Reason
	}
	if tr.Status == carriers.StatusUnknown && len(tr.Events) > 0 {
		tr.Status, tr.Reason = tr.Events[0].Status, tr.Events[0].Reason
	}
	if p.DeliveryInformation != nil {
		tr.SignedBy = strings.TrimSpace(string(p.DeliveryInformation.ReceivedBy))
	}
	if tr.Status == carriers.StatusDelivered {
		tr.DeliveredAt, tr.DeliveredZoneUnknown = p.deliveredAt(tr.Events)
	}
	tr.Estimate = p.estimate()
	return tr, nil
}

// deliveredAt is the time of the newest delivered event (zone unknown when
// the event's is), else the package's DEL delivery date (and DEL delivery
// time), read as a wall clock in UTC and zone unknown because UPS gives
// package dates without a zone.
func (p *rawPackage) deliveredAt(evs []carriers.Event) (at time.Time, zoneUnknown bool) {
	for _, e := range evs {
		if e.Status == carriers.StatusDelivered {
			return e.Time, e.ZoneUnknown
		}
	}
	for _, d := range p.DeliveryDate {
		if strings.EqualFold(strings.TrimSpace(string(d.Type)), "DEL") {
			day, ok := parseDate(string(d.Date))
			if !ok {
				continue
			}
			if p.DeliveryTime != nil && strings.EqualFold(string(p.DeliveryTime.Type), "DEL") {
				for _, s := range []str{p.DeliveryTime.EndTime, p.DeliveryTime.StartTime} {
					if c, ok := carriertime.ParseClock(string(s)); ok {
						return day.Add(c), true
					}
				}
			}
			return day, true
		}
	}
	return time.Time{}, false
}

// estimate builds the delivery estimate from deliveryDate (RDD, the
// rescheduled date, wins over SDD, the scheduled one) and deliveryTime (the
// window). Package-level dates carry no zone in the Track API
// (UPS-API/api-documentation#187), so the estimate is ZoneUnknown, and
// DateOnly when no window time is given. Dates that do not parse (UPS's own
// example has "string") are skipped, not fatal: an estimate is optional.
func (p *rawPackage) estimate() *carriers.Estimate {
	var day time.Time
	var src carriers.EstimateSource
	for _, d := range p.DeliveryDate {
		var s carriers.EstimateSource
		switch strings.ToUpper(strings.TrimSpace(string(d.Type))) {
		case "RDD":
			s = carriers.EstimateRescheduled
		case "SDD":
			s = carriers.EstimateScheduled
		default:
			continue
		}
		t, ok := parseDate(string(d.Date))
		if !ok {
			continue
		}
		if src == "" || s == carriers.EstimateRescheduled {
			day, src = t, s
		}
	}
	if src == "" {
		return nil
	}
	var start, end string
	if p.DeliveryTime != nil && !strings.EqualFold(strings.TrimSpace(string(p.DeliveryTime.Type)), "DEL") {
		start, end = string(p.DeliveryTime.StartTime), string(p.DeliveryTime.EndTime)
	}
	return window(day, start, end, src)
}

// window builds an estimate on day from optional start and end clock times.
func window(day time.Time, start, end string, src carriers.EstimateSource) *carriers.Estimate {
	est := &carriers.Estimate{Start: day, End: day.Add(24*time.Hour - time.Second), ZoneUnknown: true, Source: src, DateOnly: true}
	if c, ok := carriertime.ParseClock(start); ok {
		est.Start = day.Add(c)
		est.DateOnly = false
	}
	if c, ok := carriertime.ParseClock(end); ok && day.Add(c).After(est.Start) {
		est.End = day.Add(c)
		est.DateOnly = false
	}
	return est
}

// event normalizes one activity.
func (a *activity) event(path string) (carriers.Event, error) {
	var ev carriers.Event
	t, unknown, err := activityTime(path+".date", path+".time", string(a.Date), string(a.Time), string(a.GMTDate), string(a.GMTTime), string(a.GMTOffset))
	if err != nil {
		return ev, err
	}
	ev.Time, ev.ZoneUnknown = t, unknown
	if a.Status != nil {
		m, raw := classify(string(a.Status.Type), string(a.Status.Code), string(a.Status.StatusCode))
		ev.Status, ev.Reason, ev.Code = m.Status, m.Reason, raw
		ev.Description = strings.TrimSpace(string(a.Status.Description))
	}
	if a.Location != nil && a.Location.Address != nil {
		ad := a.Location.Address
		ev.Location = carriers.Location{
			City:       string(ad.City),
			State:      string(ad.StateProvince),
			PostalCode: string(ad.PostalCode),
			Country:    string(ad.CountryCode),
		}
		if ev.Location.Country == "" {
			ev.Location.Country = string(ad.Country)
		}
	}
	return ev, nil
}

// activityTime combines UPS's local date and time with the zone information
// UPS gives, in this order of trust:
//
//  1. gmtOffset ("+08:00", "-04.00", "-0400", "-4"): the local wall clock in
//     that offset. When gmtDate/gmtTime disagree with it, the local time and
//     the stated offset win: they are what the scan recorded, and the
//     published samples show GMT fields that are off, not offsets.
//  2. gmtDate + gmtTime without an offset: the offset is derived as local
//     minus GMT, rounded to the quarter hour, when that is a real offset
//     (within ±14 h and within two minutes of a quarter hour).
//  3. Nothing usable: the local wall clock is kept as if UTC and the event
//     is marked ZoneUnknown.
//
// The local date is required; a missing time means midnight.
func activityTime(dateField, timeField, date, clock, gmtDate, gmtTime, gmtOffset string) (time.Time, bool, error) {
	day, ok := parseDate(date)
	if !ok {
		if strings.TrimSpace(date) == "" {
			return time.Time{}, false, &carriers.DecodeError{Path: dateField, Err: errors.New("missing")}
		}
		return time.Time{}, false, &carriers.DecodeError{Path: dateField, Value: date, Err: errors.New("not a YYYYMMDD date")}
	}
	local := day
	if strings.TrimSpace(clock) != "" {
		c, ok := carriertime.ParseClock(clock)
		if !ok {
			return time.Time{}, false, &carriers.DecodeError{Path: timeField, Value: clock, Err: errors.New("not an HHMMSS time")}
		}
		local = day.Add(c)
	}
	at, unknown := local, true
	if off, ok := carriertime.ParseOffset(gmtOffset); ok {
		at, unknown = carriertime.InZone(local, off), false
	} else if gd, ok := parseDate(gmtDate); ok {
		if gc, ok := carriertime.ParseClock(gmtTime); ok {
			if off, ok := carriertime.DeriveOffset(local, gd.Add(gc)); ok {
				at, unknown = carriertime.InZone(local, off), false
			}
		}
	}
	if err := carriertime.Check(at); err != nil {
		// Offsets are bounded by ParseOffset and DeriveOffset; a date at
		// the end of year 9999 may still leave the range in UTC.
		return time.Time{}, false, &carriers.DecodeError{Path: dateField, Value: date, Err: err}
	}
	return at, unknown, nil
}

// parseDate reads "YYYYMMDD" or "YYYY-MM-DD" as midnight UTC.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		s = s[:4] + s[5:7] + s[8:]
	}
	if len(s) != 8 {
		return time.Time{}, false
	}
	y, ok1 := carriertime.Digits(s[:4])
	m, ok2 := carriertime.Digits(s[4:6])
	d, ok3 := carriertime.Digits(s[6:])
	if !ok1 || !ok2 || !ok3 || y < 1900 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 20240231
		return time.Time{}, false
	}
	return t, true
}
