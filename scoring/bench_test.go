package scoring

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/internal/benchcpu"
	"github.com/postpurchase/postpurchase/scoring/clv"
	"github.com/shopspring/decimal"
)

// benchModel is the published CDNOW fit converted to days.
func benchModel() *clv.Model {
	return &clv.Model{
		Unit:                24 * time.Hour,
		Purchases:           clv.BGNBD{R: 0.242593, Alpha: 4.413532 * 7, A: 0.792886, B: 2.425752},
		Spend:               clv.GammaGamma{P: 6.248803, Q: 3.744588, V: 15.447747},
		MonthlyDiscountRate: 0.01,
		Currency:            "USD",
	}
}

// BenchmarkScore: one customer with 10 orders (and shipments, a return,
// engagement, risk inputs), all signals including the model predictions.
// Target (issues 5 and 14): under 3 µs and at most 2 allocations.
func BenchmarkScore(b *testing.B) {
	s := mustScorer(b, Options{Model: benchModel()})
	h := loyalHistory()
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	for b.Loop() {
		if _, err := s.Score(testNow, h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScoreAllWeighted is BenchmarkScore with every built-in signal
// weighted for both Value and Risk and every contribution eligible as a
// reason: the most work Score can do for this History, whatever the
// configuration's weights.
func BenchmarkScoreAllWeighted(b *testing.B) {
	cfg := DefaultConfig()
	cfg.ModelValueWeights = nil // ValueWeights apply with the model too
	for _, sig := range Signals() {
		cfg.ValueWeights[sig.Name] = 1
		cfg.RiskWeights[sig.Name] = 0.1
	}
	cfg.MinContribution = 0 // every signal competes for the reasons
	s, err := New(cfg, Options{Model: benchModel()})
	if err != nil {
		b.Fatal(err)
	}
	h := loyalHistory()
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	for b.Loop() {
		if _, err := s.Score(testNow, h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScoreNoModel is BenchmarkScore without the BG/NBD and
// Gamma-Gamma predictions (predicted signals missing).
func BenchmarkScoreNoModel(b *testing.B) {
	s := mustScorer(b)
	h := loyalHistory()
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	for b.Loop() {
		if _, err := s.Score(testNow, h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignalsOneByOne is the baseline: the same signals evaluated as
// independent functions over the History (Signals()[i].Compute), the way
// a naive registry would, without weighting or reasons.
func BenchmarkSignalsOneByOne(b *testing.B) {
	sigs := Signals()
	h := loyalHistory()
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	var sink float64
	for b.Loop() {
		for _, s := range sigs {
			v, _ := s.Compute(testNow, h)
			sink += v
		}
	}
	_ = sink
}

// syntheticHistories builds n varied customers deterministically.
func syntheticHistories(n int) []*History {
	r := rand.New(rand.NewPCG(5, 2026))
	out := make([]*History, n)
	for i := range out {
		orders := 1 + r.IntN(20)
		h := &History{Orders: make([]Order, orders), Shipments: make([]Shipment, 0, orders), Returns: []Return{}, Claims: []Claim{}}
		for k := range h.Orders {
			placed := testNow.Add(-time.Duration(24+r.IntN(900*24)) * time.Hour)
			id := strconv.Itoa(i) + "-" + strconv.Itoa(k)
			h.Orders[k] = Order{ID: id, PlacedAt: placed, Total: decimal.New(int64(1000+r.IntN(30000)), -2), Currency: "USD",
				Items: 1 + r.IntN(4), Categories: []string{"c" + strconv.Itoa(r.IntN(6))}}
			sh := Shipment{OrderID: id, ShippedAt: placed.Add(20 * time.Hour), PromisedBy: placed.Add(5 * 24 * time.Hour)}
			if d := placed.Add(time.Duration(2+r.IntN(7)) * 24 * time.Hour); d.Before(testNow) {
				sh.DeliveredAt = d
			}
			h.Shipments = append(h.Shipments, sh)
			if r.IntN(8) == 0 {
				h.Returns = append(h.Returns, Return{OrderID: id, CreatedAt: placed.Add(200 * time.Hour).Add(-time.Hour * time.Duration(r.IntN(100))), Items: 1, Value: decimal.NewFromInt(20), Currency: "USD", Reason: ReturnSizeFit})
			}
			if r.IntN(15) == 0 {
				h.Claims = append(h.Claims, Claim{OrderID: id, CreatedAt: placed.Add(100 * time.Hour), Kind: ClaimNotReceived})
			}
		}
		for k := range h.Returns {
			if h.Returns[k].CreatedAt.After(testNow) {
				h.Returns[k].CreatedAt = testNow
			}
		}
		for k := range h.Claims {
			if h.Claims[k].CreatedAt.After(testNow) {
				h.Claims[k].CreatedAt = testNow
			}
		}
		if r.IntN(3) > 0 {
			h.Risk = &RiskInputs{ProcessorRiskScore: new(float64(r.IntN(100))), Chargebacks: new(r.IntN(2) * r.IntN(2))}
		}
		out[i] = h
	}
	return out
}

// BenchmarkScoreParallel scores synthetic customers (1–20 orders each,
// model attached) on all cores; run with -benchtime=1000000x for the
// issue's one million customers. It reports customers per second of wall
// time.
func BenchmarkScoreParallel(b *testing.B) {
	s := mustScorer(b, Options{Model: benchModel()})
	hs := syntheticHistories(4096)
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(hs))
		for pb.Next() {
			if _, err := s.Score(testNow, hs[i%len(hs)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "customers/s")
}
