package klaviyo_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/klaviyo"
	"github.com/postpurchase/postpurchase/klaviyo/klaviyotest"
)

// BenchmarkEncodeEvent encodes a catalog "Package Delivered" event with
// two line items into a Create Event body (validation included), with a
// reused buffer as CreateEvent does. Baseline: encoding/json marshalling an
// equivalent struct/map document.
func BenchmarkEncodeEvent(b *testing.B) {
	c, err := klaviyo.New(testKey, klaviyo.Options{})
	if err != nil {
		b.Fatal(err)
	}
	e := deliveredEvent(b, "shp-1")
	e.Properties["Items"] = append(e.Properties["Items"].([]map[string]any), map[string]any{"ProductName": "Tea", "Quantity": 1})
	buf, err := c.EncodeEvent(nil, e)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("klaviyo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			buf, err = c.EncodeEvent(buf[:0], e)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-baseline", func(b *testing.B) {
		type metric struct {
			Data struct {
				Type       string            `json:"type"`
				Attributes map[string]string `json:"attributes"`
			} `json:"data"`
		}
		doc := map[string]any{"data": map[string]any{"type": "event", "attributes": map[string]any{
			"properties": e.Properties, "time": e.Time, "value": json.Number(e.Value.String()), "value_currency": e.ValueCurrency,
			"unique_id": e.UniqueID, "metric": metric{},
			"profile": map[string]any{"data": map[string]any{"type": "profile", "attributes": map[string]any{
				"email": e.Profile.Email, "external_id": e.Profile.CustomerID, "properties": e.ProfileProperties}}},
		}}}
		b.ReportAllocs()
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			if _, err := json.Marshal(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var timeScale = flag.Float64("klaviyo.timescale", 10, "BenchmarkSustainedThroughput: divide Klaviyo's rate windows by this factor (1 = real windows)")

// BenchmarkSustainedThroughput sends b.N events through CreateEvent (16
// concurrent senders) to the fake enforcing Klaviyo's Create Event limits,
// 350 per burst window and 3,500 per steady window, with both windows
// divided by -klaviyo.timescale (default 10: 100ms and 6s, 583 events/s
// allowed). The client paces itself with the same limits. It reports the
// achieved rate as a share of the allowed steady rate and the 429s seen.
// Run long enough to span several steady windows, e.g.
//
//	go test -run '^$' -bench SustainedThroughput -benchtime 12000x ./klaviyo
func BenchmarkSustainedThroughput(b *testing.B) {
	scale := *timescale()
	lim := klaviyotest.Limit{Burst: 350, BurstWindow: time.Duration(float64(time.Second) / scale),
		Steady: 3500, SteadyWindow: time.Duration(float64(time.Minute) / scale)}
	srv, err := klaviyotest.NewServer(klaviyotest.Options{APIKey: testKey, Limits: map[string]klaviyotest.Limit{klaviyotest.PathEvents: lim}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c, err := klaviyo.New(testKey, klaviyo.Options{BaseURL: srv.URL, RateLimits: map[klaviyo.Endpoint]klaviyo.Limit{klaviyo.EndpointEvents: klaviyo.Limit{Burst: lim.Burst, BurstWindow: lim.BurstWindow, Steady: lim.Steady, SteadyWindow: lim.SteadyWindow}}})
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	b.ResetTimer()
	start := time.Now()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				e := klaviyo.Event{Metric: "Bench", Profile: klaviyo.Identifiers{CustomerID: fmt.Sprint("c", i%100)},
					Properties: map[string]any{"i": i}, Time: t0, UniqueID: fmt.Sprint("b", i)}
				if err := c.CreateEvent(context.Background(), e); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := firstErr.Load().(error); err != nil {
		b.Fatal(err)
	}
	allowed := float64(lim.Steady) / lim.SteadyWindow.Seconds()
	got := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(got, "events/s")
	b.ReportMetric(100*got/allowed, "%allowed")
	b.ReportMetric(float64(srv.Stats().Throttled), "429s")
	b.ReportMetric(elapsed.Seconds()/lim.SteadyWindow.Seconds(), "windows")
}

func timescale() *float64 {
	if *timeScale <= 0 {
		v := 1.0
		return &v
	}
	return timeScale
}
