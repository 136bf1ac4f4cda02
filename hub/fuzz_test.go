package hub_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/postpurchase/postpurchase/hub"
)

// FuzzHandler sends arbitrary methods, paths and form bodies, to the
// lookup form and to an order's page: no panic, no server error, and only
// the answers the handler documents.
func FuzzHandler(f *testing.F) {
	src := newFake(f, storyStalled, storyDelivered)
	now := time.Date(2026, 11, 12, 12, 0, 0, 0, time.UTC)
	h, err := hub.New(src, hub.Options{Keys: [][]byte{key1}, Now: func() time.Time { return now }, VerifyRate: rate.Inf})
	if err != nil {
		f.Fatal(err)
	}
	link, _ := h.Link(now, "#1003")
	f.Add("POST", "/"+link, "action=claim&shipment=S2&reason=damaged&item=1003-MUG&contact=43215")
	f.Add("POST", "/"+link, "action=return&shipment=S2&item=1003-MUG&item=1003-MUG&note=%00%ff&contact=ADA@EXAMPLE.COM")
	f.Add("POST", "/", "order=%231001&contact=43215")
	f.Add("GET", "/api/"+link, "")
	f.Add("PUT", "/track/x", "a=%zz")
	allowed := map[int]bool{200: true, 301: true, 303: true, 400: true, 403: true, 404: true, 405: true, 409: true, 422: true, 429: true}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#?") || method == "" || strings.ContainsAny(method, " \r\n\t/") {
			return
		}
		r, err := http.NewRequest(method, "http://shop.example"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		r.RequestURI = path
		r.RemoteAddr = "192.0.2.1:1"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if !allowed[w.Code] {
			t.Fatalf("%s %s %q: status %d\n%s", method, path, body, w.Code, w.Body.String())
		}
		if strings.Contains(w.Body.String(), "<script") {
			t.Fatalf("script in the answer")
		}
	})
}
