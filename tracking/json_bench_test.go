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
