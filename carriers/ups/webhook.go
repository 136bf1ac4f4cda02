package ups

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierjson"
)

// trackAlert is the body UPS Track Alert POSTs to the subscriber's URL
// (UPSTrackAlert.yaml, webhooks.TrackingEvent: TrackingEventRequest).
type trackAlert struct {
	TrackingNumber          str            `json:"trackingNumber"`
	LocalActivityDate       str            `json:"localActivityDate"`
	LocalActivityTime       str            `json:"localActivityTime"`
	ActivityLocation        *alertLocation `json:"activityLocation"`
	ActivityStatus          *alertStatus   `json:"activityStatus"`
	ScheduledDeliveryDate   str            `json:"scheduledDeliveryDate"`
	ActualDeliveryDate      str            `json:"actualDeliveryDate"`
	ActualDeliveryTime      str            `json:"actualDeliveryTime"`
	GMTActivityDate         str            `json:"gmtActivityDate"`
	GMTActivityTime         str            `json:"gmtActivityTime"`
	GMTOffset               str            `json:"gmtOffset"`
	DeliveryStartTime       str            `json:"deliveryStartTime"`
	DeliveryEndTime         str            `json:"deliveryEndTime"`
	DeliveryTimeDescription str            `json:"deliveryTimeDescription"`
	ReceivedBy              str            `json:"receivedBy"`
	raw                     json.RawMessage
}

type alertLocation struct {
	City          str `json:"city"`
	StateProvince str `json:"stateProvince"`
	PostalCode    str `json:"postalCode"`
	Country       str `json:"country"`
}

type alertStatus struct {
	Type            str `json:"type"`
	Code            str `json:"code"`
	Description     str `json:"description"`
	DescriptionCode str `json:"descriptionCode"`
}

// ParseWebhook normalizes a UPS Track Alert webhook body (the
// TrackingEventRequest UPS POSTs for each event of a subscribed package; a
// JSON array of them is accepted too). Each result holds the one event the
// push carries, the scheduled delivery date as an estimate and, for a
// delivery, the delivered-at time and receiver. Malformed payloads return a
// *carriers.Error matching carriers.ErrMalformedResponse whose
// *carriers.DecodeError names the field; it never panics.
//
// UPS documents no signature on these requests: authenticate them on the
// host's side (a secret in the URL path given at subscription, or the
// network), then hand the raw body to ParseWebhook.
func ParseWebhook(body []byte) ([]carriers.Tracking, error) {
	trimmed := bytes.TrimSpace(body)
	var alerts []json.RawMessage
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := carrierjson.Unmarshal(trimmed, &alerts); err != nil {
			return nil, webhookError(err)
		}
	} else {
		alerts = []json.RawMessage{trimmed}
	}
	out := make([]carriers.Tracking, 0, len(alerts))
	for i, raw := range alerts {
		path := ""
		if len(trimmed) > 0 && trimmed[0] == '[' {
			path = "[" + strconv.Itoa(i) + "]"
		}
		var a trackAlert
		if err := carrierjson.Unmarshal(raw, &a); err != nil {
			var de *carriers.DecodeError
			if errors.As(err, &de) && path != "" {
				de.Path = strings.TrimSuffix(path+"."+de.Path, ".")
			}
			return nil, webhookError(err)
		}
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || len(raw) == 0 || raw[0] != '{' {
			return nil, webhookError(&carriers.DecodeError{Path: path, Err: errors.New("expected a TrackingEventRequest object")})
		}
		a.raw = append(json.RawMessage(nil), raw...)
		tr, err := a.normalize(path)
		if err != nil {
			return nil, webhookError(err)
		}
		out = append(out, tr)
	}
	return out, nil
}

func webhookError(err error) *carriers.Error {
	return &carriers.Error{Carrier: Code, Op: "webhook", Err: err}
}

// normalize turns one Track Alert event into a Tracking.
func (a *trackAlert) normalize(path string) (carriers.Tracking, error) {
	prefix := path
	if prefix != "" {
		prefix += "."
	}
	tr := carriers.Tracking{Carrier: Code, TrackingNumber: strings.TrimSpace(string(a.TrackingNumber)), Raw: a.raw}
	if tr.TrackingNumber == "" {
		return tr, &carriers.DecodeError{Path: prefix + "trackingNumber", Err: errors.New("missing")}
	}
	t, unknown, err := activityTime(prefix+"localActivityDate", prefix+"localActivityTime", string(a.LocalActivityDate), string(a.LocalActivityTime),
		string(a.GMTActivityDate), string(a.GMTActivityTime), string(a.GMTOffset))
	if err != nil {
		return tr, err
	}
	ev := carriers.Event{Time: t, ZoneUnknown: unknown}
	if s := a.ActivityStatus; s != nil {
		m, raw := classify(string(s.Type), string(s.Code), string(s.DescriptionCode))
		ev.Status, ev.Reason, ev.Code = m.Status, m.Reason, raw
		ev.Description = strings.TrimSpace(string(s.Description))
	}
	if l := a.ActivityLocation; l != nil {
		ev.Location = carriers.Location{City: string(l.City), State: string(l.StateProvince), PostalCode: string(l.PostalCode), Country: string(l.Country)}
	}
	tr.Events = []carriers.Event{ev}
	tr.Status, tr.Reason = ev.Status, ev.Reason
	if ev.Status == carriers.StatusDelivered {
		tr.DeliveredAt, tr.DeliveredZoneUnknown = ev.Time, ev.ZoneUnknown
		tr.SignedBy = strings.TrimSpace(string(a.ReceivedBy))
	}
	if day, ok := parseDate(string(a.ScheduledDeliveryDate)); ok && ev.Status != carriers.StatusDelivered {
		tr.Estimate = window(day, string(a.DeliveryStartTime), string(a.DeliveryEndTime), carriers.EstimateScheduled)
	}
	return tr, nil
}
