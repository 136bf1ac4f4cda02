package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
)

// Acme is a carrier adapter written from scratch for a regional carrier's
// JSON tracking API ("Acme Parcel"):
//
//	GET {base}/v1/parcels/{number}
//	200 {"number":"AC123","status":"IN_TRANSIT","eta":"2026-11-06",
//	     "events":[{"at":"2026-11-03T09:12:00-05:00","code":"ARR","text":"Arrived at hub","city":"Columbus","country":"US"}]}
//	404 {"error":"unknown parcel"}
//
// It implements carriers.Carrier: Code and Track, with the package's typed
// errors, and passes carrierstest.
type Acme struct {
	base   string
	client *http.Client
}

// maxBody caps what Track reads of an answer.
const maxBody = 1 << 20

// NewAcme returns the adapter for the API at base.
func NewAcme(base string, hc *http.Client) (*Acme, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("acme: base URL must be an absolute http(s) URL")
	}
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	return &Acme{base: strings.TrimRight(base, "/"), client: hc}, nil
}

// Code implements carriers.Carrier.
func (a *Acme) Code() string { return "acme" }

type acmeParcel struct {
	Number string `json:"number"`
	Status string `json:"status"`
	ETA    string `json:"eta"`
	Events []struct {
		At      string `json:"at"`
		Code    string `json:"code"`
		Text    string `json:"text"`
		City    string `json:"city"`
		Country string `json:"country"`
	} `json:"events"`
}

// statuses maps Acme's status codes to the normalized taxonomy.
var statuses = map[string]carriers.Status{
	"LABEL": carriers.StatusInfoReceived, "PICKED_UP": carriers.StatusInTransit, "IN_TRANSIT": carriers.StatusInTransit,
	"OUT_FOR_DELIVERY": carriers.StatusOutForDelivery, "ATTEMPTED": carriers.StatusAttemptFail,
	"DELIVERED": carriers.StatusDelivered, "DELAYED": carriers.StatusException, "RETURNED": carriers.StatusReturnToSender,
}

// eventStatus maps event codes.
var eventStatus = map[string]carriers.Status{
	"LBL": carriers.StatusInfoReceived, "PUP": carriers.StatusInTransit, "ARR": carriers.StatusInTransit, "DEP": carriers.StatusInTransit,
	"OFD": carriers.StatusOutForDelivery, "ATT": carriers.StatusAttemptFail, "DLV": carriers.StatusDelivered,
	"WTH": carriers.StatusException, "RTS": carriers.StatusReturnToSender,
}

func (a *Acme) fail(number string, status int, err error, msg string) error {
	return &carriers.Error{Carrier: a.Code(), Op: "track", TrackingNumber: number, StatusCode: status, Message: msg, Err: err}
}

// Track implements carriers.Carrier.
func (a *Acme) Track(ctx context.Context, number string) (*carriers.Tracking, error) {
	number = carriers.NormalizeNumber(number)
	if number == "" {
		return nil, a.fail(number, 0, carriers.ErrInvalidNumber, "empty number")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/v1/parcels/"+url.PathEscape(number), nil)
	if err != nil {
		return nil, a.fail(number, 0, carriers.ErrInvalidNumber, "bad number")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, a.fail(number, 0, ctx.Err(), "")
		}
		return nil, a.fail(number, 0, errors.Join(carriers.ErrUnavailable, err), "")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, a.fail(number, resp.StatusCode, ctx.Err(), "")
		}
		return nil, a.fail(number, resp.StatusCode, errors.Join(carriers.ErrUnavailable, err), "")
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, a.fail(number, resp.StatusCode, carriers.ErrNotFound, "unknown parcel")
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, a.fail(number, resp.StatusCode, carriers.ErrUnauthorized, "")
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, a.fail(number, resp.StatusCode, carriers.ErrRateLimited, "")
	case resp.StatusCode >= 500:
		return nil, a.fail(number, resp.StatusCode, carriers.ErrUnavailable, "")
	case resp.StatusCode != http.StatusOK:
		return nil, a.fail(number, resp.StatusCode, carriers.ErrMalformedResponse, "unexpected status")
	case len(body) > maxBody:
		return nil, a.fail(number, resp.StatusCode, carriers.ErrMalformedResponse, "answer too large")
	}
	var p acmeParcel
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, a.fail(number, resp.StatusCode, carriers.ErrMalformedResponse, "not JSON of a parcel")
	}
	if p.Number == "" {
		return nil, a.fail(number, resp.StatusCode, carriers.ErrMalformedResponse, "parcel without a number")
	}
	t := &carriers.Tracking{Carrier: a.Code(), TrackingNumber: p.Number, Status: statuses[p.Status], Raw: json.RawMessage(body)}
	for i, e := range p.Events {
		at, err := time.Parse(time.RFC3339, e.At)
		if err != nil || at.Year() < 2000 {
			return nil, a.fail(number, resp.StatusCode, carriers.ErrMalformedResponse, fmt.Sprintf("events[%d].at is not an RFC 3339 time", i))
		}
		if _, off := at.Zone(); off <= -24*3600 || off >= 24*3600 {
			return nil, a.fail(number, resp.StatusCode, carriers.ErrMalformedResponse, fmt.Sprintf("events[%d].at has an impossible offset", i))
		}
		t.Events = append(t.Events, carriers.Event{Time: at, Status: eventStatus[e.Code], Code: e.Code, Description: e.Text,
			Location: carriers.Location{City: e.City, Country: e.Country}})
	}
	// Newest first, as the contract says.
	slices.SortStableFunc(t.Events, func(x, y carriers.Event) int { return y.Time.Compare(x.Time) })
	if t.Status == carriers.StatusUnknown && len(t.Events) > 0 {
		t.Status = t.Events[0].Status
	}
	if t.Status == carriers.StatusDelivered && len(t.Events) > 0 {
		t.DeliveredAt = t.Events[0].Time
	}
	if d, err := time.Parse(time.DateOnly, p.ETA); err == nil {
		t.Estimate = &carriers.Estimate{Start: d, End: d.Add(24*time.Hour - time.Second), DateOnly: true, Source: carriers.EstimateCarrier}
	}
	return t, nil
}
