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
	// More seeds in testdata/fuzz/FuzzShipmentJSON: unknown and repeated
	// keys, a +24:00 offset, an escaped key.
	f.Fuzz(func(t *testing.T, b []byte) {
		s := &Shipment{TrackingNumber: "SENTINEL"}
		err := json.Unmarshal(b, s)
		if err != nil && len(err.Error()) > 2048 {
			t.Fatalf("error text of %d bytes", len(err.Error()))
		}
		if err == nil && hasDuplicateKey(b) {
			t.Fatalf("accepted a document with a repeated key")
		}
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

// hasDuplicateKey reports whether some object in the JSON document b has
// the same key twice, found independently of the strict scanner (with
// encoding/json's tokenizer).
func hasDuplicateKey(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		keys   map[string]bool
		object bool
		expect bool // next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.expect {
			if k, ok := tok.(string); ok {
				if top.keys[k] {
					return true
				}
				top.keys[k] = true
				top.expect = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, object: true, expect: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: in an object, a key comes next.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].expect = true
		}
	}
}

// FuzzApplyEvent applies one generated event, repeated, to a shipment. The
// event is either refused with an *EventError or stored; either way the
// shipment still encodes and decodes to the same JSON, and the error text
// stays short.
func FuzzApplyEvent(f *testing.F) {
	f.Add(int64(1772470800), int32(-8*3600), uint8(carriers.StatusInTransit), uint8(0), "PU", "Picked up", uint16(1))
	f.Add(int64(1772470800), int32(24*3600), uint8(carriers.StatusInTransit), uint8(0), "PU", "Picked up", uint16(1))
	f.Add(int64(1772470800), int32(-(24*3600 + 59*60)), uint8(carriers.StatusDelivered), uint8(0), "DL", "", uint16(3))
	f.Add(int64(1772470800), int32(30), uint8(carriers.StatusException), uint8(carriers.ReasonWeather), "X", "", uint16(2))
	f.Add(int64(0), int32(0), uint8(200), uint8(200), "", "", uint16(600))
	// More seeds in testdata/fuzz/FuzzApplyEvent.
	f.Fuzz(func(t *testing.T, sec int64, off int32, st, rs uint8, code, desc string, n uint16) {
		r, err := NewRules(Config{MaxEvents: 50})
		if err != nil {
			t.Fatal(err)
		}
		s := newShip()
		s.UseRules(r)
		base := time.Unix(sec, 0).In(time.FixedZone("z", int(off)))
		evs := make([]carriers.Event, int(n%1000))
		for i := range evs {
			evs[i] = carriers.Event{Time: base.Add(time.Duration(i) * time.Minute), Status: carriers.Status(st), Reason: carriers.Reason(rs),
				Code: code, Description: desc}
		}
		_, err = s.ApplyAt(time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), evs...)
		if err != nil {
			var ee *EventError
			if !errors.As(err, &ee) {
				t.Fatalf("error is not an *EventError: %T %v", err, err)
			}
			if len(err.Error()) > 2048 {
				t.Fatalf("error text of %d bytes", len(err.Error()))
			}
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("shipment no longer marshals: %v", err)
		}
		var back Shipment
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		out2, err := json.Marshal(&back)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("not a fixed point (%v):\n%s\n%s", err, out, out2)
		}
	})
}
