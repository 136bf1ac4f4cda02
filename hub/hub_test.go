package hub_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/time/rate"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/hub"
)

var (
	key1 = bytes.Repeat([]byte{1}, 32)
	key2 = bytes.Repeat([]byte{2}, 32)
)

// clock is a settable clock for the handler.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type env struct {
	t   *testing.T
	src *fakeSource
	h   *hub.Handler
	clk *clock
}

func newEnv(t *testing.T, opts hub.Options, stories ...story) *env {
	t.Helper()
	if len(stories) == 0 {
		stories = []story{storyStalled, storyWeather, storyDelivered}
	}
	e := &env{t: t, src: newFake(t, stories...), clk: &clock{t: time.Date(2026, 11, 12, 12, 0, 0, 0, time.UTC)}}
	if opts.Keys == nil {
		opts.Keys = [][]byte{key1}
	}
	if opts.Now == nil {
		opts.Now = e.clk.now
	}
	if opts.Brand.Name == "" {
		opts.Brand = hub.Brand{Name: "Kettle & Co", SupportEmail: "help@kettle.example", Primary: "#0a5c4a"}
	}
	h, err := hub.New(e.src, opts)
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	return e
}

// link returns the path of an order's page.
func (e *env) link(orderID string) string {
	e.t.Helper()
	l, err := e.h.Link(e.clk.t, orderID)
	if err != nil {
		e.t.Fatal(err)
	}
	return "/" + l
}

type resp struct {
	code int
	hdr  http.Header
	body string
}

func (e *env) do(method, target string, form url.Values, cookies ...*http.Cookie) resp {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return resp{w.Code, w.Header(), w.Body.String()}
}

func sessionOf(t *testing.T, r resp) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.hdr}).Cookies() {
		if strings.HasPrefix(c.Name, "pphub_") {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", r.hdr)
	return nil
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func mustLack(t *testing.T, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("page contains %q", b)
		}
	}
}

func TestStalledOrderPage(t *testing.T) {
	e := newEnv(t, hub.Options{TimelineShown: 3})
	r := e.do("GET", e.link("#1001"), nil)
	if r.code != 200 {
		t.Fatalf("status %d\n%s", r.code, r.body)
	}
	v, _ := e.src.OrderView(context.Background(), time.Time{}, "#1001")
	sv := v.Shipments[0]
	if len(sv.Delays) == 0 || sv.DaysLate == 0 {
		t.Fatalf("the stalled story should be delayed and late: %+v", sv.Delays)
	}
	mustContain(t, r.body,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		"On its way",                      // status in words
		`aria-current="step">In transit<`, // progress indicator
		"It was due ",                     // the carrier's date has passed
		"The carrier hasn&#39;t scanned your package for a while.",
		"days later than we promised",
		"Departed hub", "Reno, NV, US", // timeline
		"<details><summary>Show ", // older events behind "show more"
		"$12.50",                  // CashBack
		"$5.00 on its way",
		"My package hasn&#39;t arrived", // not-received is offered
		`alt="Stoneware mug, sage"`,
		"Paper filters (100)",
		`role="status" aria-live="polite"`,
		"mailto:help@kettle.example",
	)
	// Before verification: no street address, tracking number, total or
	// the customer's postcode (a delivery scan's location would show it).
	mustLack(t, r.body, "12 Analytical Way", sv.Shipment.TrackingNumber, "$50.50", "43215", "ada@example.com")
	mustContain(t, r.body, "Delivering to Columbus, OH")
	// Newest first.
	if i, j := strings.Index(r.body, "Departed hub"), strings.Index(r.body, "Picked up"); !(i >= 0 && j > i) {
		t.Errorf("timeline not newest first")
	}
}

func TestEstimateWindowAndDelivered(t *testing.T) {
	e := newEnv(t, hub.Options{})
	r := e.do("GET", e.link("#1002"), nil)
	mustContain(t, r.body, "Delayed", `<p class="reason">Held up by bad weather.</p>`, "Delayed: severe weather in the area")
	if !regexp.MustCompile(`Expected (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [A-Z][a-z]{2} \d+`).MatchString(r.body) {
		t.Errorf("no estimate date in the weather page")
	}
	r = e.do("GET", e.link("#1003"), nil)
	mustContain(t, r.body, "Delivered ", "Delivered, front door", "Start a return", "Something arrived damaged", `aria-current="step">Delivered<`)
	mustLack(t, r.body, "My package hasn&#39;t arrived")
	// The final-sale beans are not offered for return.
	ret := r.body[strings.Index(r.body, `value="return"`):]
	ret = ret[:strings.Index(ret, "</form>")]
	mustContain(t, ret, "1003-MUG")
	mustLack(t, ret, "1003-BEANS")
}

func TestVerifyRevealsDetails(t *testing.T) {
	e := newEnv(t, hub.Options{})
	page := e.link("#1001")
	tok := page[strings.LastIndexByte(page, '/')+1:]

	// A wrong postcode is refused and nothing is revealed.
	r := e.do("POST", page, url.Values{"action": {"verify"}, "contact": {"99999"}})
	if r.code != http.StatusForbidden || r.hdr.Get("Set-Cookie") != "" {
		t.Fatalf("wrong postcode: %d %v", r.code, r.hdr)
	}
	mustLack(t, r.body, "12 Analytical Way")

	r = e.do("POST", page, url.Values{"action": {"verify"}, "contact": {" 43215 "}})
	if r.code != http.StatusSeeOther || r.hdr.Get("Location") != tok+"?verified=1" {
		t.Fatalf("verify: %d %q", r.code, r.hdr.Get("Location"))
	}
	c := sessionOf(t, r)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("cookie %+v", c)
	}
	r = e.do("GET", page+"?verified=1", nil, c)
	v, _ := e.src.OrderView(context.Background(), time.Time{}, "#1001")
	mustContain(t, r.body, "12 Analytical Way", "Apt 3", v.Shipments[0].Shipment.TrackingNumber, "$50.50", "you&#39;re confirmed")

	// The cookie names one order: another order's page stays private,
	// even with the cookie renamed to that order's name.
	r = e.do("GET", e.link("#1002"), nil, c)
	mustLack(t, r.body, "12 Analytical Way")
	forged := *c
	forged.Name = sessionOf(t, e.do("POST", e.link("#1002"), url.Values{"action": {"verify"}, "contact": {"43215"}})).Name
	r = e.do("GET", e.link("#1002"), nil, &forged)
	mustLack(t, r.body, "12 Analytical Way")
	// Confirmed on two orders, the customer stays confirmed on both.
	c2 := sessionOf(t, e.do("POST", e.link("#1002"), url.Values{"action": {"verify"}, "contact": {"43215"}}))
	for _, id := range []string{"#1001", "#1002"} {
		if r := e.do("GET", e.link(id), nil, c, c2); !strings.Contains(r.body, "12 Analytical Way") {
			t.Errorf("%s: not confirmed with both cookies", id)
		}
	}

	// It is short-lived.
	e.clk.t = e.clk.t.Add(61 * time.Minute)
	r = e.do("GET", e.link("#1001"), nil, c)
	mustLack(t, r.body, "12 Analytical Way")

	// An email works too, in any case.
	r = e.do("POST", page, url.Values{"action": {"verify"}, "contact": {"Ada@Example.com"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("verify by email: %d", r.code)
	}
}

func TestUnknownAndBadLinksAreIndistinguishable(t *testing.T) {
	e := newEnv(t, hub.Options{})
	good := e.link("#1001")
	unknown := e.link("#9999")
	tok := good[len("/track/"):]
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 1
		return "/track/" + base64.RawURLEncoding.EncodeToString(b)
	}
	other, _ := hub.New(e.src, hub.Options{Keys: [][]byte{key2}, Now: e.clk.now})
	otherLink, _ := other.Link(e.clk.t, "#1001")
	bad := map[string]string{
		"tampered order":  flip(12),
		"tampered expiry": flip(5),
		"tampered mac":    flip(len(raw) - 1),
		"truncated":       good[:len(good)-3],
		"other key":       "/" + otherLink,
		"garbage":         "/track/not-a-token",
		"empty":           "/track/",
		"huge":            "/track/" + strings.Repeat("A", 5000),
	}
	want := e.do("GET", unknown, nil)
	if want.code != http.StatusNotFound {
		t.Fatalf("unknown order: %d", want.code)
	}
	for name, path := range bad {
		got := e.do("GET", path, nil)
		if got.code != want.code || got.body != want.body || got.hdr.Get("Content-Type") != want.hdr.Get("Content-Type") {
			t.Errorf("%s: %d, body equal %v", name, got.code, got.body == want.body)
		}
		// Posting to it answers the same.
		got = e.do("POST", path, url.Values{"action": {"verify"}, "contact": {"43215"}})
		if got.code != want.code || got.body != want.body {
			t.Errorf("POST %s: %d, body equal %v", name, got.code, got.body == want.body)
		}
	}
	// Expired: the same answer too.
	e.clk.t = e.clk.t.Add(121 * 24 * time.Hour)
	if got := e.do("GET", good, nil); got.code != want.code || got.body != want.body {
		t.Errorf("expired: %d", got.code)
	}
	// And in JSON.
	e.clk.t = e.clk.t.Add(-121 * 24 * time.Hour)
	jw := e.do("GET", "/api"+unknown, nil)
	jb := e.do("GET", "/api"+bad["tampered mac"], nil)
	if jw.code != 404 || jb.code != 404 || jw.body != jb.body {
		t.Errorf("json: %d %d %q %q", jw.code, jb.code, jw.body, jb.body)
	}
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t, hub.Options{})
	oldLink := e.link("#1001")
	rotated, err := hub.New(e.src, hub.Options{Keys: [][]byte{key2, key1}, Now: e.clk.now})
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]*hub.Handler{"old key": rotated} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", oldLink, nil))
		if w.Code != 200 {
			t.Errorf("%s: link signed with the old key: %d", name, w.Code)
		}
	}
	newLink, _ := rotated.Link(e.clk.t, "#1001")
	if r := e.do("GET", "/"+newLink, nil); r.code != 404 {
		t.Errorf("a handler without the new key accepted its link: %d", r.code)
	}
}

func TestLookup(t *testing.T) {
	e := newEnv(t, hub.Options{})
	r := e.do("GET", "/", nil)
	mustContain(t, r.body, `<form method="post" action="./">`, "Order number", "Email or postcode")

	// The customer types the number without "#", and the email in capitals.
	r = e.do("POST", "/", url.Values{"order": {"1001"}, "contact": {"ADA@example.com"}})
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.hdr.Get("Location"), "track/") {
		t.Fatalf("lookup: %d %q", r.code, r.hdr.Get("Location"))
	}
	c := sessionOf(t, r)
	page := e.do("GET", "/"+r.hdr.Get("Location"), nil, c)
	mustContain(t, page.body, "12 Analytical Way")

	// Unknown order and wrong contact: the same answer, whatever was typed.
	a := e.do("POST", "/", url.Values{"order": {"#1001"}, "contact": {"eve@example.com"}})
	b := e.do("POST", "/", url.Values{"order": {"#4242"}, "contact": {"ada@example.com"}})
	d := e.do("POST", "/", url.Values{"order": {"#1001"}, "contact": {""}})
	if a.code != http.StatusNotFound || a.code != b.code || a.body != b.body || a.body != d.body || a.hdr.Get("Set-Cookie") != "" {
		t.Errorf("failed lookups differ: %d %d %d", a.code, b.code, d.code)
	}
	mustContain(t, a.body, "couldn&#39;t find an order")
	// Never by GET with the email in the URL.
	if r := e.do("GET", "/?order=1001&contact=ada@example.com", nil); r.hdr.Get("Set-Cookie") != "" || r.code != 200 {
		t.Errorf("GET lookup: %d", r.code)
	}
}

func TestLookupRateLimit(t *testing.T) {
	e := newEnv(t, hub.Options{VerifyRate: rate.Every(10 * time.Second), VerifyBurst: 3, OrderRate: rate.Inf})
	try := func(addr string) int {
		r := httptest.NewRequest("POST", "/", strings.NewReader("order=1001&contact=nope"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		return w.Code
	}
	for i := range 3 {
		if c := try("192.0.2.7:4000"); c != http.StatusNotFound {
			t.Fatalf("attempt %d: %d", i, c)
		}
	}
	if c := try("192.0.2.7:4001"); c != http.StatusTooManyRequests {
		t.Fatalf("4th attempt: %d", c)
	}
	// The right answer is refused too while limited.
	r := httptest.NewRequest("POST", "/", strings.NewReader("order=1001&contact=43215"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "192.0.2.7:4002"
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Set-Cookie") != "" {
		t.Fatalf("limited but verified: %d", w.Code)
	}
	if c := try("192.0.2.8:4000"); c != http.StatusNotFound {
		t.Errorf("another client: %d", c)
	}
	// IPv6 clients are one per /64.
	for range 3 {
		try("[2001:db8:1:2::1]:1")
	}
	if c := try("[2001:db8:1:2::ffff]:1"); c != http.StatusTooManyRequests {
		t.Errorf("same /64: %d", c)
	}
	e.clk.t = e.clk.t.Add(10 * time.Second)
	if c := try("192.0.2.7:4000"); c != http.StatusNotFound {
		t.Errorf("after refill: %d", c)
	}
}

func TestVerifyLimitPerOrder(t *testing.T) {
	e := newEnv(t, hub.Options{OrderRate: rate.Every(time.Hour), OrderBurst: 4})
	attempt := func(i int, order, contact string) int {
		r := httptest.NewRequest("POST", "/", strings.NewReader(url.Values{"order": {order}, "contact": {contact}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:1", i) // a new address each time
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		return w.Code
	}
	// Guesses at one order's postcode from many addresses, with and
	// without the "#".
	for i, o := range []string{"#1001", "1001", "#1001", " 1001"} {
		if c := attempt(i, o, fmt.Sprintf("4321%d", i)); c != http.StatusNotFound {
			t.Fatalf("guess %d: %d", i, c)
		}
	}
	if c := attempt(9, "1001", "43215"); c != http.StatusTooManyRequests {
		t.Fatalf("5th attempt on the order: %d", c)
	}
	// Another order is not affected, known or not (no enumeration).
	if c := attempt(10, "#1002", "43215"); c != http.StatusSeeOther {
		t.Errorf("another order: %d", c)
	}
	// On the order's page too.
	page := e.link("#1001")
	r := e.do("POST", page, url.Values{"action": {"verify"}, "contact": {"43215"}})
	if r.code != http.StatusTooManyRequests {
		t.Errorf("page verify while the order is limited: %d", r.code)
	}
}

func TestFileClaim(t *testing.T) {
	e := newEnv(t, hub.Options{})
	page := e.link("#1001")
	tok := page[len("/track/"):]
	v, _ := e.src.OrderView(context.Background(), time.Time{}, "#1001")
	ship := v.Shipments[0].Shipment.ID
	claim := url.Values{"action": {"claim"}, "shipment": {ship}, "reason": {"not_received"}, "note": {"Nothing since the 4th"}}

	// Unverified and without the contact field: refused, nothing filed.
	if r := e.do("POST", page, claim); r.code != http.StatusForbidden || e.src.filed != 0 {
		t.Fatalf("unverified claim: %d, filed %d", r.code, e.src.filed)
	}
	// With the postcode in the same form: verified and filed at once.
	claim.Set("contact", "43215")
	r := e.do("POST", page, claim)
	if r.code != http.StatusSeeOther || e.src.filed != 1 {
		t.Fatalf("claim: %d %s", r.code, r.body)
	}
	loc := r.hdr.Get("Location")
	if !strings.HasPrefix(loc, tok+"?case=CS-") {
		t.Fatalf("Location %q", loc)
	}
	c := sessionOf(t, r)
	r = e.do("GET", "/track/"+loc, nil, c)
	mustContain(t, r.body, "we&#39;ve received your report", "Package not received", "Resolved", "Replacement sent by expedited shipping",
		"Your requests", "Nothing since the 4th")
	// Filed: no longer offered.
	mustLack(t, r.body, "My package hasn&#39;t arrived")
	// Filing the same claim again is idempotent; a different one for the
	// same reason is refused with the existing case.
	claim.Del("contact")
	if r := e.do("POST", page, claim, c); r.code != http.StatusSeeOther || e.src.filed != 1 {
		t.Errorf("same claim again: %d", r.code)
	}
	claim.Set("note", "other words")
	r = e.do("POST", page, claim, c)
	if r.code != http.StatusConflict {
		t.Errorf("different claim, same reason: %d", r.code)
	}
	mustContain(t, r.body, "already told us")
}

func TestClaimErrors(t *testing.T) {
	e := newEnv(t, hub.Options{})
	page := e.link("#1003")
	v, _ := e.src.OrderView(context.Background(), time.Time{}, "#1003")
	ship := v.Shipments[0].Shipment.ID
	ok := e.do("POST", page, url.Values{"action": {"verify"}, "contact": {"43215"}})
	c := sessionOf(t, ok)
	cases := []struct {
		name string
		form url.Values
		code int
		text string
	}{
		{"not received after delivery", url.Values{"action": {"claim"}, "shipment": {ship}, "reason": {"not_received"}}, http.StatusConflict, "can&#39;t be reported right now"},
		{"damaged without items", url.Values{"action": {"claim"}, "shipment": {ship}, "reason": {"damaged"}}, http.StatusUnprocessableEntity, "choose at least one item"},
		{"unknown reason", url.Values{"action": {"claim"}, "shipment": {ship}, "reason": {"refund_me"}}, http.StatusBadRequest, "not right"},
		{"unknown shipment", url.Values{"action": {"claim"}, "shipment": {"S-other"}, "reason": {"damaged"}}, http.StatusBadRequest, "not right"},
		{"unknown action", url.Values{"action": {"delete"}, "shipment": {ship}}, http.StatusBadRequest, "not right"},
		{"note too long", url.Values{"action": {"return"}, "shipment": {ship}, "item": {"1003-MUG"}, "note": {strings.Repeat("x", postpurchase.MaxNoteLen+1)}}, http.StatusBadRequest, "not right"},
		{"final sale returned", url.Values{"action": {"return"}, "shipment": {ship}, "item": {"1003-BEANS"}}, http.StatusUnprocessableEntity, "choose at least one item"},
	}
	for _, tc := range cases {
		r := e.do("POST", page, tc.form, c)
		if r.code != tc.code {
			t.Errorf("%s: %d, want %d", tc.name, r.code, tc.code)
		}
		mustContain(t, r.body, tc.text)
	}
	if e.src.filed != 0 {
		t.Errorf("filed %d", e.src.filed)
	}
	r := e.do("POST", page, url.Values{"action": {"return"}, "shipment": {ship}, "item": {"1003-MUG"}}, c)
	if r.code != http.StatusSeeOther {
		t.Fatalf("return: %d", r.code)
	}
	r = e.do("GET", "/track/"+r.hdr.Get("Location"), nil, c)
	mustContain(t, r.body, "Your return has started", "Return label emailed")

	// A Source outage is a 503, with nothing about the cause.
	e.src.failing = errors.New("store: connection refused to 10.0.0.3")
	r = e.do("GET", page, nil, c)
	if r.code != http.StatusServiceUnavailable {
		t.Errorf("outage: %d", r.code)
	}
	mustLack(t, r.body, "10.0.0.3", "connection refused")
}

func TestCrossOriginPostRefused(t *testing.T) {
	e := newEnv(t, hub.Options{})
	page := e.link("#1001")
	v, _ := e.src.OrderView(context.Background(), time.Time{}, "#1001")
	form := url.Values{"action": {"claim"}, "shipment": {v.Shipments[0].Shipment.ID}, "reason": {"not_received"}, "contact": {"43215"}}
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		r := httptest.NewRequest("POST", "http://shop.example"+page, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, val := range hdr {
			r.Header.Set(k, val)
		}
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden || e.src.filed != 0 {
			t.Errorf("%v: %d, filed %d", hdr, w.Code, e.src.filed)
		}
	}
	// Same origin passes.
	r := httptest.NewRequest("POST", "http://shop.example"+page, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Errorf("same origin: %d", w.Code)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, hub.Options{})
	for _, path := range []string{"/", e.link("#1001"), "/track/bad", "/api" + e.link("#1001")} {
		r := e.do("GET", path, nil)
		csp := r.hdr.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "form-action 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if r.hdr.Get("X-Content-Type-Options") != "nosniff" || r.hdr.Get("Referrer-Policy") != "no-referrer" || r.hdr.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", path, r.hdr)
		}
		// The inline style sheet is the one the CSP's hash allows.
		if i := strings.Index(r.body, "<style>"); i >= 0 {
			css := r.body[i+len("<style>") : strings.Index(r.body, "</style>")]
			sum := sha256.Sum256([]byte(css))
			if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
				t.Errorf("%s: style hash not in CSP", path)
			}
		}
	}
}

func TestMountedUnderPrefix(t *testing.T) {
	e := newEnv(t, hub.Options{})
	mux := http.NewServeMux()
	mux.Handle("/shop/orders/", http.StripPrefix("/shop/orders", e.h))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.PostForm(srv.URL+"/shop/orders/", url.Values{"order": {"1002"}, "contact": {"43215"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := res.Location()
	if err != nil || res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc.Path, "/shop/orders/track/") {
		t.Fatalf("lookup: %d %v %v", res.StatusCode, loc, err)
	}
	var c *http.Cookie
	for _, k := range res.Cookies() {
		c = k
	}
	if c == nil || c.Path != "/shop/orders/" {
		t.Fatalf("cookie %+v", c)
	}
	req, _ := http.NewRequest("GET", loc.String(), nil)
	req.AddCookie(c)
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("page: %d", res.StatusCode)
	}
	mustContain(t, string(body), "12 Analytical Way", `<a href="../">`)
	// "../" from the page is the lookup form under the prefix.
	if u := loc.ResolveReference(&url.URL{Path: "../"}); u.Path != "/shop/orders/" {
		t.Errorf("home resolves to %s", u.Path)
	}
	// The prefix without its slash redirects to the slash.
	res, err = client.Get(srv.URL + "/shop/orders")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if l, _ := res.Location(); l == nil || l.Path != "/shop/orders/" {
		t.Errorf("no-slash: %d %v", res.StatusCode, l)
	}
}

const (
	xssScript   = `<script>alert(1)</script>`
	xssImg      = `"><img src=x onerror=alert(1)>`
	xssQuote    = `Mug 'n' "Jug"`
	rtlOverride = "\u202eexe.gpj"
)

func hostile(v *postpurchase.OrderView) {
	sv := &v.Shipments[0]
	sv.Events = append([]carriers.Event{{
		Time: v.At.Add(-time.Hour), Status: carriers.StatusInTransit, Code: "X",
		Description: xssScript + " Arrived " + rtlOverride,
		Location:    carriers.Location{City: xssImg, State: "\u2067OH", Country: "US"},
	}}, sv.Events...)
	sv.CarrierName = xssImg
	v.Order.Items[0].Name = xssQuote + " " + xssImg
	v.Order.Items[0].ImageURL = "javascript:alert(1)"
	sv.Items = v.Order.Items
	v.Products[0].Name = xssScript
	v.Products[0].URL = `javascript:alert(document.cookie)`
	v.Order.ShippingAddress.City = xssImg
	v.Cases = append(v.Cases, postpurchase.Case{ID: `CS-"><b>`, Kind: postpurchase.CaseClaim, Reason: postpurchase.ReasonNotReceived,
		State: postpurchase.CaseInReview, Resolution: xssScript, Note: xssImg, OpenedAt: v.At})
}

func TestHostileStringsAreEscaped(t *testing.T) {
	st := storyStalled
	st.edit = hostile
	e := newEnv(t, hub.Options{Brand: hub.Brand{Name: `<b>Evil</b> & "Co" ` + rtlOverride, LogoURL: "https://cdn.example/logo.png"}}, st)
	page := e.link("#1001")
	ok := e.do("POST", page, url.Values{"action": {"verify"}, "contact": {"43215"}})
	for _, c := range []*http.Cookie{nil, sessionOf(t, ok)} {
		var r resp
		if c == nil {
			r = e.do("GET", page, nil)
		} else {
			r = e.do("GET", page, nil, c)
		}
		if r.code != 200 {
			t.Fatalf("status %d", r.code)
		}
		mustLack(t, r.body, "<script", "<img src=x", "<b>", "javascript:", "\u202e", "\u2067")
		mustContain(t, r.body,
			"&lt;script&gt;alert(1)&lt;/script&gt; Arrived exe.gpj",
			"&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
			"Mug &#39;n&#39; &#34;Jug&#34;",
			"&lt;b&gt;Evil&lt;/b&gt; &amp; &#34;Co&#34;",
		)
		// Every attribute is quoted: a hostile value cannot open another.
		unquoted := regexp.MustCompile(`"[^"]*"`).ReplaceAllString(r.body, `""`)
		if regexp.MustCompile(`<[a-z]+[^>]*\sonerror=`).MatchString(unquoted) {
			t.Error("an onerror attribute reached the markup")
		}
	}
	// JSON escapes markup too.
	r := e.do("GET", "/api"+page, nil)
	mustLack(t, r.body, "<script", "<img")
	var out map[string]any
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
}

func TestJSONView(t *testing.T) {
	e := newEnv(t, hub.Options{})
	page := e.link("#1003")
	v, _ := e.src.OrderView(context.Background(), time.Time{}, "#1003")
	r := e.do("GET", "/api"+page, nil)
	if r.code != 200 || r.hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", r.code, r.hdr.Get("Content-Type"))
	}
	var out struct {
		OrderID   string `json:"order_id"`
		Verified  bool   `json:"verified"`
		Shipments []struct {
			Status         string            `json:"status"`
			StatusText     string            `json:"status_text"`
			TrackingNumber string            `json:"tracking_number"`
			Estimate       map[string]string `json:"estimate"`
			Events         []map[string]any  `json:"events"`
			Return         *postpurchase.ClaimOption
		} `json:"shipments"`
		Cashback *postpurchase.CashbackView `json:"cashback"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	if out.OrderID != "#1003" || out.Verified || len(out.Shipments) != 1 || out.Shipments[0].Status != "delivered" ||
		out.Shipments[0].StatusText != "Delivered" || out.Shipments[0].Estimate["basis"] != "delivered" || out.Cashback == nil {
		t.Errorf("json: %+v", out)
	}
	mustLack(t, r.body, v.Shipments[0].Shipment.TrackingNumber, "12 Analytical Way", "ada@example.com", "43215", "cust-", `"total"`)
	c := sessionOf(t, e.do("POST", page, url.Values{"action": {"verify"}, "contact": {"43215"}}))
	r = e.do("GET", "/api"+page, nil, c)
	mustContain(t, r.body, `"verified":true`, v.Shipments[0].Shipment.TrackingNumber, "12 Analytical Way", `"total":"50.5"`)
	mustLack(t, r.body, "ada@example.com", "cust-")
}

func TestStringsOverride(t *testing.T) {
	e := newEnv(t, hub.Options{Strings: map[string]string{"status.in_transit": "Unterwegs", "lang": "de", "late.many": "{n} Tage später als versprochen",
		"timeline.heading": `}}{{.Order.ID}}<script>x</script>"`, "shipment.progress": `"><b>`},
		FormatDate: func(t time.Time, s hub.DateStyle) string {
			if s >= hub.DayTime {
				return t.Format("02.01.2006 15:04")
			}
			return t.Format("02.01.2006")
		}})
	r := e.do("GET", e.link("#1001"), nil)
	mustContain(t, r.body, `<html lang="de">`, "Unterwegs", "Tage später als versprochen",
		"}}{{.Order.ID}}&lt;script&gt;x&lt;/script&gt;&#34;", `aria-label="&#34;&gt;&lt;b&gt;"`,
		"Placed 01.11.2026", "It was due 05.11.2026.") // dates in the brand's format
	mustLack(t, r.body, " PM", " AM")
}

func TestNewRefusesBadOptions(t *testing.T) {
	src := &fakeSource{}
	cases := map[string]hub.Options{
		"no keys":          {},
		"short key":        {Keys: [][]byte{[]byte("short")}},
		"bad colour":       {Keys: [][]byte{key1}, Brand: hub.Brand{Primary: "red;background:url(x)"}},
		"bad logo":         {Keys: [][]byte{key1}, Brand: hub.Brand{LogoURL: "javascript:alert(1)"}},
		"http logo":        {Keys: [][]byte{key1}, Brand: hub.Brand{LogoURL: "http://cdn.example/logo.png"}},
		"relative base":    {Keys: [][]byte{key1}, BaseURL: "/orders/"},
		"unknown string":   {Keys: [][]byte{key1}, Strings: map[string]string{"nope": "x"}},
		"lost placeholder": {Keys: [][]byte{key1}, Strings: map[string]string{"late.many": "late"}},
		"negative ttl":     {Keys: [][]byte{key1}, LinkTTL: -time.Hour},
	}
	for name, o := range cases {
		if _, err := hub.New(src, o); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			var oe *hub.OptionError
			if !errors.As(err, &oe) {
				t.Errorf("%s: %T %v", name, err, err)
			}
		}
	}
	if _, err := hub.New(nil, hub.Options{Keys: [][]byte{key1}}); err == nil {
		t.Error("nil source accepted")
	}
}

func TestLinkBaseURL(t *testing.T) {
	h, err := hub.New(&fakeSource{}, hub.Options{Keys: [][]byte{key1}, BaseURL: "https://shop.example/orders"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := h.Link(time.Now(), "#1001")
	if err != nil || !strings.HasPrefix(l, "https://shop.example/orders/track/") || strings.Contains(l[len("https://shop.example/orders/track/"):], "/") {
		t.Errorf("%q %v", l, err)
	}
	if _, err := h.Link(time.Now(), ""); err == nil {
		t.Error("empty order ID signed")
	}
	if u := h.TrackingURL("#1001"); !strings.HasPrefix(u, "https://shop.example/orders/track/") {
		t.Errorf("TrackingURL %q", u)
	}
}

// The Engine is a Source.
var _ hub.Source = (*postpurchase.Engine)(nil)

func TestTimelineDropsNoise(t *testing.T) {
	st := storyStalled
	st.edit = func(v *postpurchase.OrderView) {
		sv := &v.Shipments[0]
		top := sv.Events[0]
		dup := top
		dup.Time = dup.Time.Add(-time.Minute) // the same scan sent twice
		empty := carriers.Event{Time: top.Time.Add(-2 * time.Minute), Status: carriers.StatusUnknown, Code: "ZZ"}
		sv.Events = append([]carriers.Event{top, dup, empty}, sv.Events[1:]...)
	}
	e := newEnv(t, hub.Options{TimelineShown: 50}, st)
	r := e.do("GET", e.link("#1001"), nil)
	v, _ := e.src.OrderView(context.Background(), time.Time{}, "#1001")
	if got, want := strings.Count(r.body, "<time datetime="), len(v.Shipments[0].Events)-2; got != want {
		t.Errorf("%d events shown, want %d (duplicate and empty scans dropped)", got, want)
	}
}

func TestOneCardPerShipment(t *testing.T) {
	st := storyStalled
	st.edit = func(v *postpurchase.OrderView) {
		second := v.Shipments[0]
		second.Shipment.ID, second.Shipment.TrackingNumber = "S9", "SIM9999999999"
		second.Status, second.StatusText, second.Step = carriers.StatusDelivered, "Delivered", 4
		second.Items = v.Order.Items[1:]
		second.Claims = nil
		v.Shipments[0].Items = v.Order.Items[:1]
		v.Shipments = append(v.Shipments, second)
	}
	e := newEnv(t, hub.Options{}, st)
	r := e.do("GET", e.link("#1001"), nil)
	mustContain(t, r.body, "Package 1 of 2", "Package 2 of 2", `aria-labelledby="s0"`, `aria-labelledby="s1"`)
	if n := strings.Count(r.body, `aria-current="step"`); n != 2 {
		t.Errorf("%d progress indicators, want 2", n)
	}
	// Each card lists its own items.
	first := r.body[strings.Index(r.body, `aria-labelledby="s0"`):strings.Index(r.body, `aria-labelledby="s1"`)]
	mustContain(t, first, "Stoneware mug")
	mustLack(t, first, "Single-origin beans")
	if r := e.do("DELETE", e.link("#1001"), nil); r.code != http.StatusMethodNotAllowed || r.hdr.Get("Allow") == "" {
		t.Errorf("DELETE: %d", r.code)
	}
}

type recommender struct {
	products []postpurchase.Product
	err      error
	moments  []postpurchase.Moment
}

func (r *recommender) Recommend(ctx context.Context, m postpurchase.Moment, o *postpurchase.Order) ([]postpurchase.Product, error) {
	r.moments = append(r.moments, m)
	return r.products, r.err
}

func TestRecommender(t *testing.T) {
	rec := &recommender{products: []postpurchase.Product{{SKU: "K1", Name: "Gooseneck kettle", ImageURL: "https://cdn.example/k.jpg", Price: decimal.RequireFromString("64"), Currency: "EUR"}}}
	e := newEnv(t, hub.Options{Recommender: rec})
	r := e.do("GET", e.link("#1001"), nil)
	mustContain(t, r.body, "You might also like", `alt="Gooseneck kettle"`, "€64.00")
	mustLack(t, r.body, "Paper filters") // the view's own products are replaced
	if len(rec.moments) != 1 || rec.moments[0] != postpurchase.MomentPage {
		t.Errorf("moments %v", rec.moments)
	}
	// A failing recommender costs the section, not the page.
	rec.err = errors.New("catalog down")
	r = e.do("GET", e.link("#1001"), nil)
	if r.code != 200 {
		t.Fatalf("status %d", r.code)
	}
	mustLack(t, r.body, "You might also like")
}
