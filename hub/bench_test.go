package hub_test

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/hub"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// staticTmpl is the plainest html/template baseline: a static struct of
// a dozen strings into a small page.
var staticTmpl = template.Must(template.New("s").Parse(`<!doctype html><html lang="en"><head><title>{{.Title}}</title></head><body>
<h1>{{.Title}}</h1><p>{{.Status}}</p><p>{{.Estimate}}</p><ol>{{range .Events}}<li><time>{{.When}}</time> {{.Text}} <span>{{.Place}}</span></li>{{end}}</ol>
<p>{{.Balance}}</p></body></html>`))

type staticEvent struct{ When, Text, Place string }

var staticData = struct {
	Title, Status, Estimate, Balance string
	Events                           []staticEvent
}{"Order #2001", "On its way", "Expected Thu, Nov 5 – Fri, Nov 6", "$6.68 to spend", []staticEvent{
	{"Tue, Nov 3, 11:47 AM", "Departed hub", "Salt Lake City, UT, US"}, {"Tue, Nov 3, 9:00 AM", "Arrived at hub", "Salt Lake City, UT, US"},
	{"Mon, Nov 2, 11:08 PM", "Departed origin facility", "Reno, NV, US"}, {"Mon, Nov 2, 7:00 PM", "Arrived at origin facility", "Reno, NV, US"},
	{"Mon, Nov 2, 5:00 PM", "Picked up", "Reno, NV, US"}, {"Mon, Nov 2, 7:00 AM", "Shipping label created", "Reno, NV, US"},
}}

// BenchmarkRender renders the delayed order's page from the Engine's
// order view (page model + template), against two baselines in the same
// run: the same template executed on its model built beforehand, and a
// small html/template page on a static struct.
//
//	go test ./hub -run '^$' -bench Render -benchmem -count 5
func BenchmarkRender(b *testing.B) {
	eng, now := engineWorld(b)
	v, err := eng.OrderView(context.Background(), now, "#2001")
	if err != nil {
		b.Fatal(err)
	}
	h, err := hub.New(eng, hub.Options{Keys: [][]byte{key1}, Brand: hub.Brand{Name: "Kettle & Co"}, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("from-view", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := h.RenderOrder(io.Discard, v, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-same-template-static-model", func(b *testing.B) {
		m := h.OrderModel(v, false)
		b.ReportAllocs()
		for b.Loop() {
			if err := h.ExecuteOrder(io.Discard, m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-small-template-static-struct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := staticTmpl.Execute(io.Discard, staticData); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handler-with-engine-view", func(b *testing.B) {
		link, _ := h.Link(now, "#2001")
		r := httptest.NewRequest("GET", "/"+link, nil)
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	})
}

// BenchmarkServeLoopback serves the delayed order's page (Engine view +
// render) over real TCP on loopback to 16 concurrent keep-alive clients,
// and reports pages per second: with the Engine on the in-memory store,
// and on SQLite as the storefront example runs it. It is bounded: b.N
// requests, and at most 20 seconds whatever b.N is.
//
//	go test ./hub -run '^$' -bench ServeLoopback -benchtime 10000x
func BenchmarkServeLoopback(b *testing.B) {
	b.Run("memory", func(b *testing.B) { serveLoopback(b, nil) })
	b.Run("sqlite", func(b *testing.B) {
		st, err := sqlitestore.Open(filepath.Join(b.TempDir(), "bench.db"), sqlitestore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		if err := st.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		serveLoopback(b, st)
	})
}

func serveLoopback(b *testing.B, store postpurchase.Store) {
	eng, now := engineWorldOn(b, store)
	h, err := hub.New(eng, hub.Options{Keys: [][]byte{key1}, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	link, _ := h.Link(now, "#2001")
	url := srv.URL + "/" + link
	const workers = 16
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()

	var next, done, failed atomic.Int64
	deadline := time.Now().Add(20 * time.Second)
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) && time.Now().Before(deadline) {
				res, err := client.Get(url)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					failed.Add(1)
					continue
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d requests failed", f)
	}
	b.ReportMetric(float64(done.Load())/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}
