package fedex

import (
	"errors"
	"strconv"
	"strings"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierhttp"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierjson"
	"github.com/postpurchase/postpurchase/carriers/internal/carriertime"
)

// errMissing is the cause of a DecodeError for a required field that is
// absent or empty.
var errMissing = errors.New("missing")

// ParseTrackResponse reads a FedEx Track API v1 response body (POST
// /track/v1/trackingnumbers) and returns every package it describes, in the
// order of the response. It is what Track uses, and works on stored bodies
// too. It does no I/O.
//
// A number FedEx answers with several shipments (a reused number) yields one
// Tracking per shipment. Results that carry only a per-number error (such as
// TRACKING.TRACKINGNUMBER.NOTFOUND) are left out; when no package remains,
// the error of the first such result is returned (not found wraps
// carriers.ErrNotFound). Use ParseTrackResults to get the per-number errors
// as well.
//
// A body with a top-level errors[] array returns a *carriers.Error with the
// FedEx code and message. A body that is not the documented JSON returns a
// *carriers.Error wrapping a *carriers.DecodeError that names the JSON path
// (it matches carriers.ErrMalformedResponse). It never panics.
func ParseTrackResponse(body []byte) ([]carriers.Tracking, error) {
	results, err := parseBody(body, "track")
	if err != nil {
		return nil, err
	}
	return trackingsOf(results)
}

// ParseTrackResults is ParseTrackResponse keeping the per-number errors: one
// TrackResult per result of the response, Number being the number as
// requested, with either Tracking or Err set.
func ParseTrackResults(body []byte) ([]carriers.TrackResult, error) {
	results, err := parseBody(body, "track")
	if err != nil {
		return nil, err
	}
	out := make([]carriers.TrackResult, len(results))
	for i, r := range results {
		out[i] = carriers.TrackResult{TrackingNumber: r.requested, Tracking: r.tracking}
		if r.err != nil {
			out[i].Err = r.err
		}
	}
	return out, nil
}

// trackingsOf returns the trackings of results, or the first per-number
// error when there is none.
func trackingsOf(results []result) ([]carriers.Tracking, error) {
	out := make([]carriers.Tracking, 0, len(results))
	var firstErr *carriers.Error
	for _, r := range results {
		if r.tracking != nil {
			out = append(out, *r.tracking)
		} else if firstErr == nil {
			firstErr = r.err
		}
	}
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// result is one trackResult of a response, normalized.
type result struct {
	requested string // completeTrackResults[].trackingNumber
	uniqueID  string // trackingNumberInfo.trackingNumberUniqueId
	tracking  *carriers.Tracking
	err       *carriers.Error
}

// parseBody decodes body and normalizes every trackResult. op is the
// carriers.Error Op of failures ("track", "webhook").
func parseBody(body []byte, op string) ([]result, error) {
	var resp trackResponse
	if err := carrierjson.Unmarshal(body, &resp); err != nil {
		return nil, &carriers.Error{Carrier: Code, Op: op, Err: err}
	}
	reqID := resp.TransactionID.Trim()
	if resp.Output == nil || len(resp.Output.CompleteTrackResults) == 0 {
		if len(resp.Errors) > 0 {
			return nil, apiErr(op, "", reqID, resp.Errors[0], carriers.ErrUnavailable)
		}
		if resp.Output == nil {
			return nil, &carriers.Error{Carrier: Code, Op: op, RequestID: reqID,
				Err: &carriers.DecodeError{Path: "output", Err: errMissing}}
		}
		if resp.Output.CompleteTrackResults == nil {
			return nil, &carriers.Error{Carrier: Code, Op: op, RequestID: reqID,
				Err: &carriers.DecodeError{Path: "output.completeTrackResults", Err: errMissing}}
		}
		return nil, &carriers.Error{Carrier: Code, Op: op, RequestID: reqID,
			Message: "no results", Err: carriers.ErrNotFound}
	}
	var results []result
	for i, ctr := range resp.Output.CompleteTrackResults {
		requested := ctr.TrackingNumber.Trim()
		if len(ctr.TrackResults) == 0 {
			results = append(results, result{requested: requested, err: &carriers.Error{
				Carrier: Code, Op: op, TrackingNumber: requested, RequestID: reqID,
				Message: "no trackResults for the number", Err: carriers.ErrNotFound}})
			continue
		}
		for j := range ctr.TrackResults {
			tr := &ctr.TrackResults[j]
			path := "output.completeTrackResults[" + strconv.Itoa(i) + "].trackResults[" + strconv.Itoa(j) + "]"
			r := result{requested: requested, uniqueID: tr.TrackingNumberInfo.TrackingNumberUniqueID.Trim()}
			if r.requested == "" {
				r.requested = tr.TrackingNumberInfo.TrackingNumber.Trim()
			}
			if isErrorResult(tr) {
				r.err = apiErr(op, r.requested, reqID, *tr.Error, carriers.ErrUnavailable)
			} else {
				t, err := normalize(tr, requested, path)
				if err != nil {
					return nil, &carriers.Error{Carrier: Code, Op: op, TrackingNumber: r.requested, RequestID: reqID, Err: err}
				}
				r.tracking = t
			}
			results = append(results, r)
		}
	}
	return results, nil
}

// isErrorResult reports whether a trackResult carries only an error: the
// FedEx example response has results with both data and an error object,
// which are kept as data.
func isErrorResult(tr *trackResult) bool {
	return tr.Error != nil && tr.Error.Code.Trim() != "" && tr.LatestStatusDetail == nil && len(tr.ScanEvents) == 0
}

// apiErr turns a FedEx error entry into a *carriers.Error; fallback is the
// sentinel for codes not in errorCodes.
func apiErr(op, number, reqID string, e apiError, fallback error) *carriers.Error {
	sentinel, ok := sentinelForCode(e.Code.Trim())
	if !ok {
		sentinel = fallback
	}
	return &carriers.Error{Carrier: Code, Op: op, TrackingNumber: number, RequestID: reqID,
		Code: e.Code.Trim(), Message: carrierhttp.Clip(e.Message.Trim(), 256), Err: sentinel}
}

// normalize turns one trackResult into a Tracking. requested is the number
// as the request named it; path is the JSON path of tr, for errors.
func normalize(tr *trackResult, requested, path string) (*carriers.Tracking, error) {
	t := &carriers.Tracking{
		Carrier:        Code,
		TrackingNumber: tr.TrackingNumberInfo.TrackingNumber.Trim(),
		Raw:            tr.raw,
	}
	if t.TrackingNumber == "" {
		t.TrackingNumber = requested
	}
	if t.TrackingNumber == "" {
		return nil, &carriers.DecodeError{Path: path + ".trackingNumberInfo.trackingNumber", Err: errMissing}
	}
	if sd := tr.ServiceDetail; sd != nil {
		t.Service = sd.Description.Trim()
		if t.Service == "" {
			t.Service = sd.Type.Trim()
		}
	}

	if len(tr.ScanEvents) > 0 {
		t.Events = make([]carriers.Event, 0, len(tr.ScanEvents))
	}
	for k := range tr.ScanEvents {
		ev := &tr.ScanEvents[k]
		at, err := carriertime.ParseISOField(path+".scanEvents["+strconv.Itoa(k)+"].date", ev.Date.Trim(), true)
		if err != nil {
			return nil, err
		}
		code := ev.EventType.Trim()
		if code == "" {
			code = ev.DerivedStatusCode.Trim()
		}
		m := classify(ev.EventType.Trim(), ev.DerivedStatusCode.Trim(), ev.ExceptionCode.Trim(), ev.DelayDetail)
		desc := ev.EventDescription.Trim()
		if desc == "" {
			desc = ev.DerivedStatus.Trim()
		}
		if x := ev.ExceptionDescription.Trim(); x != "" && !strings.EqualFold(x, desc) {
			if desc == "" {
				desc = x
			} else {
				desc += ": " + x
			}
		}
		if code == "" && desc == "" {
			// A scan with a time and nothing else says nothing; keeping it
			// would be an unknown event with nothing to show.
			continue
		}
		t.Events = append(t.Events, carriers.Event{
			Time:        at.Time,
			ZoneUnknown: at.ZoneUnknown,
			Status:      m.status,
			Reason:      m.reason,
			Code:        code,
			Description: desc,
			Location:    location(ev.ScanLocation),
		})
	}
	// FedEx sends events newest first; the webhook documentation warns
	// that pushes can arrive out of order.
	carriertime.SortNewestFirstIfNeeded(t.Events)

	// Current status: FedEx's latestStatusDetail, else the newest event.
	if ls := tr.LatestStatusDetail; ls != nil && (ls.Code.Trim() != "" || ls.DerivedCode.Trim() != "") {
		m := classify(ls.Code.Trim(), ls.DerivedCode.Trim(), ancillaryCode(ls.AncillaryDetails), ls.DelayDetail)
		t.Status, t.Reason = m.status, m.reason
	}
	if t.Status == carriers.StatusUnknown && len(t.Events) > 0 {
		t.Status, t.Reason = t.Events[0].Status, t.Events[0].Reason
	}

	dates, err := datesOf(tr.DateAndTimes, path)
	if err != nil {
		return nil, err
	}
	if t.Status == carriers.StatusDelivered {
		// ACTUAL_DELIVERY when it has an offset, else the delivery scan,
		// else ACTUAL_DELIVERY without an offset (DeliveredZoneUnknown).
		t.DeliveredAt, t.DeliveredZoneUnknown = carriertime.DeliveredAt(dates["ACTUAL_DELIVERY"], t.Events)
		if dd := tr.DeliveryDetails; dd != nil {
			t.SignedBy = dd.SignedByName.Trim()
			if t.SignedBy != "" && t.Reason == carriers.ReasonNone {
				t.Reason = carriers.ReasonSignedFor
			}
			if t.SignedBy == "" {
				t.SignedBy = dd.ReceivedByName.Trim()
			}
		}
	}
	t.Estimate, err = estimate(tr, dates, path)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ancillaryCode returns the first ancillary reason code FedEx gave, a known
// one if any.
func ancillaryCode(ds []ancillaryDetail) string {
	first := ""
	for _, d := range ds {
		c := d.Reason.Trim()
		if _, ok := exceptionCodes[strings.ToUpper(c)]; ok {
			return c
		}
		if first == "" {
			first = c
		}
	}
	return first
}

// location converts a FedEx address.
func location(a *address) carriers.Location {
	if a == nil {
		return carriers.Location{}
	}
	return carriers.Location{
		City:       a.City.Trim(),
		State:      a.StateOrProvinceCode.Trim(),
		PostalCode: a.PostalCode.Trim(),
		Country:    strings.ToUpper(a.CountryCode.Trim()),
	}
}

// datesOf indexes dateAndTimes by type (the first of each type wins).
func datesOf(ds []dateAndTime, path string) (map[string]carriertime.Local, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	out := make(map[string]carriertime.Local, len(ds))
	for k, d := range ds {
		typ := strings.ToUpper(d.Type.Trim())
		if _, seen := out[typ]; seen || typ == "" {
			continue
		}
		pt, err := carriertime.ParseISOField(path+".dateAndTimes["+strconv.Itoa(k)+"].dateTime", d.DateTime.Trim(), false)
		if err != nil {
			return nil, err
		}
		if !pt.IsZero() {
			out[typ] = pt
		}
	}
	return out, nil
}

// estimate picks the delivery estimate: estimatedDeliveryTimeWindow (often
// an empty window {}), then dateAndTimes ESTIMATED_DELIVERY, then
// standardTransitTimeWindow (the service's standard transit, reported as
// EstimateScheduled).
func estimate(tr *trackResult, dates map[string]carriertime.Local, path string) (*carriers.Estimate, error) {
	if w := tr.EstimatedDeliveryTimeWindow; w != nil && w.Window != nil {
		e, err := windowEstimate(w.Window, path+".estimatedDeliveryTimeWindow.window", carriers.EstimateCarrier)
		if err != nil || e != nil {
			return e, err
		}
	}
	if d, ok := dates["ESTIMATED_DELIVERY"]; ok {
		return carriertime.Estimate(d, d, carriers.EstimateCarrier), nil
	}
	if w := tr.StandardTransitTimeWindow; w != nil && w.Window != nil {
		return windowEstimate(w.Window, path+".standardTransitTimeWindow.window", carriers.EstimateScheduled)
	}
	return nil, nil
}

// windowEstimate reads a {begins, ends} window; nil when both are empty.
func windowEstimate(w *window, path string, src carriers.EstimateSource) (*carriers.Estimate, error) {
	b, err := carriertime.ParseISOField(path+".begins", w.Begins.Trim(), false)
	if err != nil {
		return nil, err
	}
	e, err := carriertime.ParseISOField(path+".ends", w.Ends.Trim(), false)
	if err != nil {
		return nil, err
	}
	return carriertime.Estimate(b, e, src), nil
}
