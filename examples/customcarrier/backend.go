package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// backend is a stand-in for Acme's API: parcels whose scans appear as the
// clock passes their times.
type backend struct {
	mu      sync.Mutex
	now     func() time.Time
	parcels map[string][]scan
}

type scan struct {
	at         time.Time
	code, text string
}

// ship plans a parcel: picked up at label+3h, through a hub, out for
// delivery and delivered on day 3 — or, with weather, held two days.
func (b *backend) ship(number string, label time.Time, weather bool) {
	est := time.FixedZone("EST", -5*3600)
	day := func(d int, h int) time.Time {
		l := label.In(est)
		return time.Date(l.Year(), l.Month(), l.Day()+d, h, 0, 0, 0, est)
	}
	s := []scan{{label, "LBL", "Label created"}, {label.Add(3 * time.Hour), "PUP", "Picked up"}, {day(1, 6), "ARR", "Arrived at Columbus hub"}}
	extra := 0
	if weather {
		s = append(s, scan{day(1, 14), "WTH", "Held at hub: severe weather"})
		extra = 2
	}
	s = append(s, scan{day(2+extra, 5), "DEP", "Departed hub"}, scan{day(3+extra, 8), "OFD", "Out for delivery"}, scan{day(3+extra, 15), "DLV", "Delivered, front door"})
	b.mu.Lock()
	defer b.mu.Unlock()
	b.parcels[number] = s
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	number, ok := strings.CutPrefix(r.URL.Path, "/v1/parcels/")
	b.mu.Lock()
	scans, known := b.parcels[number]
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok || !known {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"unknown parcel"}`))
		return
	}
	type ev struct {
		At      string `json:"at"`
		Code    string `json:"code"`
		Text    string `json:"text"`
		City    string `json:"city"`
		Country string `json:"country"`
	}
	out := struct {
		Number string `json:"number"`
		Status string `json:"status"`
		Events []ev   `json:"events"`
	}{Number: number, Status: "LABEL", Events: []ev{}}
	status := map[string]string{"LBL": "LABEL", "PUP": "PICKED_UP", "ARR": "IN_TRANSIT", "DEP": "IN_TRANSIT", "WTH": "DELAYED", "OFD": "OUT_FOR_DELIVERY", "DLV": "DELIVERED"}
	now := b.now()
	for _, s := range scans {
		if s.at.After(now) {
			break
		}
		out.Events = append(out.Events, ev{s.at.Format(time.RFC3339), s.code, s.text, "Columbus", "US"})
		out.Status = status[s.code]
	}
	_ = json.NewEncoder(w).Encode(out)
}
