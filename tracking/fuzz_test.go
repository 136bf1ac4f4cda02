package tracking

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
)

var update = flag.Bool("update", false, "rewrite testdata/shipment_*.json from the simulator")

// TestStoredShipments decodes the stored shipments in testdata (written by
// this package from simulator runs; see testdata/SOURCES.md) and checks
// they re-encode byte for byte. With -update it rewrites them.
func TestStoredShipments(t *testing.T) {
	if *update {
		writeStoredShipments(t)
	}
	files, _ := filepath.Glob("testdata/shipment_*.json")
	if len(files) == 0 {
		t.Fatal("no testdata/shipment_*.json")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s Shipment
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out, err := json.MarshalIndent(&s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bytes.TrimSpace(b), out) {
			t.Errorf("%s does not re-encode identically", f)
		}
	}
}

func writeStoredShipments(t *testing.T) {
	start := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	for _, tb := range []simulator.Trouble{simulator.NoTrouble, simulator.WeatherDelay, simulator.ReturnedToSender, simulator.EstimateSlipped, simulator.Lost} {
		now := start
		sim, err := simulator.New(simulator.Options{Seed: 5, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		num, err := sim.Ship(simulator.Plan{LabelCreatedAt: start, Trouble: tb, TransitDays: 3})
		if err != nil {
			t.Fatal(err)
		}
		s := &Shipment{ID: "shp_" + tb.String(), OrderID: "#1042", CustomerID: "cus_7", Carrier: sim.Code(), TrackingNumber: num,
			Origin: "US-NV", Destination: "US-OH", LabelCreatedAt: start, PromisedBy: time.Date(2026, 11, 6, 23, 59, 59, 0, est)}
		for ; now.Before(start.AddDate(0, 0, 20)) && !s.Terminal(); now = now.Add(4 * time.Hour) {
			tr, err := sim.Track(t.Context(), num)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Update(now, tr); err != nil {
				t.Fatal(err)
			}
		}
		b, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "shipment_"+tb.String()+".json"), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzShipmentJSON decodes arbitrary bytes as a stored shipment. A decode
// either fails with a *DecodeError and leaves the target untouched, or
// yields a shipment that re-encodes to a fixed point and survives Apply
// and Check.
func FuzzShipmentJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/shipment_*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"format":1,"events":[{"time":"2026-03-02T09:00:00-08:00","status":"in_transit"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := &Shipment{TrackingNumber: "SENTINEL"}
		err := json.Unmarshal(b, s)
		if err != nil {
			var de *DecodeError
			var se *json.SyntaxError
			if !errors.As(err, &de) && !errors.As(err, &se) {
				t.Fatalf("error is neither *DecodeError nor a JSON syntax error: %T %v", err, err)
			}
			if s.TrackingNumber != "SENTINEL" || s.NumEvents() != 0 {
				t.Fatal("failed decode modified the shipment")
			}
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal decoded shipment: %v", err)
		}
		var back Shipment
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decode: %v\n%s", err, out)
		}
		out2, _ := json.Marshal(&back)
		if !bytes.Equal(out, out2) {
			t.Fatalf("not a fixed point:\n%s\n%s", out, out2)
		}
		now := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
		s.Check(now)
		s.Estimate(now)
		s.ApplyAt(now, carriers.Event{Time: now.Add(-time.Hour), Status: carriers.StatusDelivered})
		if _, err := json.Marshal(s); err != nil {
			t.Fatal(err)
		}
	})
}
