package tracking

import (
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/internal/benchcpu"
)

// BenchmarkMarshalJSON: the stored form of a 20-event in-transit shipment
// (with its milestones, a carrier estimate and the delays a Check opens),
// written by MarshalJSON ("hand") and, as the same-run baseline, by the
// encoding/json reference it replaced ("encoding-json").
func BenchmarkMarshalJSON(b *testing.B) {
	r, _ := NewRules(Config{Model: benchModel(b)})
	s := benchShipment(b, r)
	est := &carriers.Estimate{Start: time.Date(2026, 3, 12, 0, 0, 0, 0, est), End: time.Date(2026, 3, 12, 23, 59, 59, 0, est),
		DateOnly: true, Source: carriers.EstimateScheduled}
	s.Update(mon.Add(121*time.Hour), &carriers.Tracking{Carrier: s.Carrier, TrackingNumber: s.TrackingNumber, Estimate: est})
	s.Check(mon.Add(20 * 24 * time.Hour))
	want, err := marshalJSONReference(s)
	if err != nil {
		b.Fatal(err)
	}
	if got, _ := s.MarshalJSON(); string(got) != string(want) {
		b.Fatalf("encodings differ:\n%s\n%s", got, want)
	}
	for _, c := range []struct {
		name string
		f    func(*Shipment) ([]byte, error)
	}{{"hand", (*Shipment).MarshalJSON}, {"encoding-json", marshalJSONReference}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(want)))
			defer benchcpu.Start(b)()
			for b.Loop() {
				if _, err := c.f(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUnmarshalJSON: decoding the stored form BenchmarkMarshalJSON
// writes, by UnmarshalJSON ("fast": its fast path) and, as the same-run
// baseline, by the general path alone (json.Valid, strictCheck and
// encoding/json, which is what UnmarshalJSON did before: "general").
func BenchmarkUnmarshalJSON(b *testing.B) {
	r, _ := NewRules(Config{Model: benchModel(b)})
	s := benchShipment(b, r)
	est := &carriers.Estimate{Start: time.Date(2026, 3, 12, 0, 0, 0, 0, est), End: time.Date(2026, 3, 12, 23, 59, 59, 0, est),
		DateOnly: true, Source: carriers.EstimateScheduled}
	s.Update(mon.Add(121*time.Hour), &carriers.Tracking{Carrier: s.Carrier, TrackingNumber: s.TrackingNumber, Estimate: est})
	s.Check(mon.Add(20 * 24 * time.Hour))
	data, err := s.MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	if !new(fastDecoder).parse(data) {
		b.Fatal("the fast path gave up")
	}
	for _, c := range []struct {
		name string
		fast bool
	}{{"fast", true}, {"general", false}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			defer benchcpu.Start(b)()
			for b.Loop() {
				var d Shipment
				if err := d.unmarshalJSON(data, c.fast); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
