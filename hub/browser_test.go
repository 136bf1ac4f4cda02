package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/hub"
	"github.com/postpurchase/postpurchase/scoring"
)

// browserEnv is the variable that makes the browser test fail, rather
// than skip, when Chromium is missing (.ci/run sets it).
const browserEnv = "POSTPURCHASE_BROWSER_TEST"

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv(browserEnv) == "1" {
		t.Fatalf("%s=1 but no Chromium found (apt-get install -y chromium)", browserEnv)
	}
	t.Skipf("no Chromium (set %s=1 to make this a failure)", browserEnv)
	return ""
}

// engineWorld runs the real Engine on the simulator through a week: a VIP
// customer's parcel stalls after its first hub, the Engine catches the
// delay and makes it good with CashBack, and "not received" opens. It
// returns the Engine and the instant of the story.
func engineWorld(t testing.TB) (*postpurchase.Engine, time.Time) {
	t.Helper()
	return engineWorldOn(t, nil)
}

// engineWorldOn is engineWorld on a given Store (nil: in memory).
func engineWorldOn(t testing.TB, store postpurchase.Store) (*postpurchase.Engine, time.Time) {
	t.Helper()
	ctx := context.Background()
	label := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC) // a Monday
	now := label
	sim, err := simulator.New(simulator.Options{Seed: 3, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	hist := &scoring.History{Profile: &scoring.Profile{CreatedAt: label.AddDate(-3, 0, 0), Tags: []string{"vip"}},
		Orders: []scoring.Order{}, Returns: []scoring.Return{}, Claims: []scoring.Claim{}, Shipments: []scoring.Shipment{}}
	for i := range 12 {
		hist.Orders = append(hist.Orders, scoring.Order{ID: fmt.Sprintf("old-%d", i), PlacedAt: label.AddDate(0, 0, -700+i*55),
			Total: decimal.RequireFromString("150.00"), Currency: "USD", Items: 2})
	}
	eng, err := postpurchase.New(postpurchase.Config{
		Carriers:  []carriers.Carrier{sim},
		Store:     store,
		Customers: postpurchase.CustomerMap{"c-vip": {Contact: postpurchase.Contact{CustomerID: "c-vip", Email: "ada@example.com"}, History: hist}},
		Now:       func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	add := func(id string, trouble simulator.Trouble) {
		number, err := sim.Ship(simulator.Plan{LabelCreatedAt: label, Trouble: trouble, TransitDays: 1})
		if err != nil {
			t.Fatal(err)
		}
		o := postpurchase.Order{ID: id, CustomerID: "c-vip", PlacedAt: label.Add(-20 * time.Hour), Currency: "USD",
			Total: decimal.RequireFromString("44.50"), Email: "ada@example.com", Postcode: "43215",
			ShippingAddress: postpurchase.Address{Name: "Ada Lovelace", Line1: "12 Analytical Way", City: "Columbus", Region: "OH", Postcode: "43215", Country: "US"},
			Items: []postpurchase.LineItem{
				{SKU: "MUG", Name: "Stoneware mug, sage", Quantity: 1, Price: decimal.RequireFromString("28.00"), ImageURL: "/img/mug.svg"},
				{SKU: "BEANS", Name: "Single-origin beans", Quantity: 1, Price: decimal.RequireFromString("16.50"), ImageURL: "/img/beans.svg"},
			},
			Shipments: []postpurchase.Shipment{{ID: "S" + id[1:], Carrier: sim.Code(), TrackingNumber: number, Origin: "US-NV", Destination: "US-OH",
				LabelCreatedAt: label, PromisedBy: time.Date(2026, 11, 5, 23, 59, 0, 0, simulator.Columbus.Zone)}},
		}
		if err := eng.Register(ctx, now, o); err != nil {
			t.Fatal(err)
		}
	}
	add("#2001", simulator.Stalled)
	for end := label.Add(7 * 24 * time.Hour); now.Before(end); now = now.Add(2 * time.Hour) {
		if _, err := eng.Tick(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	return eng, now
}

func TestBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	eng, now := engineWorld(t)
	v, err := eng.OrderView(context.Background(), now, "#2001")
	if err != nil {
		t.Fatal(err)
	}
	sv := v.Shipments[0]
	if len(sv.Delays) == 0 || len(sv.Claims) == 0 || sv.Claims[0].Reason != postpurchase.ReasonNotReceived || v.Cashback == nil || !v.Cashback.Available.IsPositive() {
		t.Fatalf("the story needs a delayed order with a make-good and not-received open: delays %v, claims %v, cashback %+v", sv.Delays, sv.Claims, v.Cashback)
	}

	h, err := hub.New(eng, hub.Options{Keys: [][]byte{key1}, Now: func() time.Time { return now },
		Brand: hub.Brand{Name: "Kettle & Co", Primary: "#0a5c4a", LogoURL: "/img/logo.svg"}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/orders/", http.StripPrefix("/orders", h))
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>broken</title><img src="/img/x.svg"><input name="q"><button></button>`)
	})
	mux.HandleFunc("GET /img/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#8fae98"/></svg>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	link, _ := h.Link(now, "#2001")
	page := srv.URL + "/orders/" + link

	dir := t.ArtifactDir()
	t.Logf("screenshots in %s (kept with go test -artifacts)", dir)

	actx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true))...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// Start the browser with no deadline (a deadline on the first run
	// bounds the browser's whole life), then bound the steps.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	// The accessibility check can fail: a page with an image without alt
	// text, an unlabeled field and an empty button has three problems.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/broken")); err != nil {
		t.Fatal(err)
	}
	if p, _, err := axProblems(ctx); err != nil || len(p) != 3 {
		t.Fatalf("the accessibility check finds %d problems on the broken page, want 3: %v %v", len(p), p, err)
	}

	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG (below, JPEG)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The delayed order's page on a desktop.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	if s := text("h2.status"); s != "On its way" {
		t.Errorf("status %q", s)
	}
	if s := text(".estimate"); !strings.HasPrefix(s, "It was due ") && !strings.HasPrefix(s, "Expected ") {
		t.Errorf("estimate %q", s)
	}
	if s := text(".late"); !strings.Contains(s, "later than we promised") {
		t.Errorf("late %q", s)
	}
	if s := text("ol.timeline"); !strings.Contains(s, "Departed hub") || !strings.Contains(s, "Picked up") {
		t.Errorf("timeline %q", s)
	}
	if s, want := text("#balance"), "$"+v.Cashback.Available.StringFixed(2)+" to spend"; s != want {
		t.Errorf("balance %q, want %q", s, want)
	}
	if n, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`[aria-current="step"]`))); err != nil || len(n) != 1 {
		t.Errorf("aria-current steps: %d %v", len(n), err)
	}
	shot("desktop.png")

	// Open "Report a problem" and check the page's accessibility tree with
	// the claim form showing.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("details.action summary"))); err != nil {
		t.Fatal(err)
	}
	if n := checkAccessibility(t, ctx); n["button"] < 2 || n["textbox"] < 3 || n["image"] < 3 {
		t.Errorf("the accessibility tree lacks the page's controls: %v", n)
	}

	// File "not received", confirming with the postcode in the same form.
	form := `form:has(input[name=reason][value=not_received])`
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(form+` textarea[name=note]`), "Nothing since the hub scan"),
		chromedp.SendKeys(chromedp.CSS(form+` input[name=contact]`), "43215"),
		chromedp.Click(chromedp.CSS(form+` button`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
	); err != nil {
		t.Fatal(err)
	}
	if s := text(".notice"); !strings.Contains(s, "received your report") || !strings.Contains(s, "Package not received") {
		t.Errorf("confirmation %q", s)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "?case=") {
		t.Errorf("after filing the browser is at %s, want the page with ?case= (POST-redirect-GET)", loc)
	}
	v, _ = eng.OrderView(context.Background(), now, "#2001")
	if len(v.Cases) != 1 || !strings.Contains(text(".cases"), v.Cases[0].ID) {
		t.Errorf("cases %+v; page %q", v.Cases, text(".cases"))
	}
	// Verified now: the address and the tracking number show.
	if s := text("address"); !strings.Contains(s, "12 Analytical Way") {
		t.Errorf("address %q", s)
	}
	checkAccessibility(t, ctx)

	// The phone.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)), chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); err != nil || w > 390 {
		t.Errorf("the page scrolls sideways at 390 px: scrollWidth %d %v", w, err)
	}
	shot("phone-390.png")

	// A tampered link: the not-found page, as for an unknown order.
	tampered := page[:len(page)-2] + "xy"
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(tampered))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusNotFound {
		t.Errorf("tampered link: %d", resp.Status)
	}
	if s := text("h1"); s != "We couldn't open this order" {
		t.Errorf("tampered link shows %q", s)
	}
	if s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"))); strings.Contains(s, "Analytical") || strings.Contains(s, "#2001") {
		t.Errorf("the tampered link's page shows the order: %q", s)
	}
	checkAccessibility(t, ctx)
	shot("tampered-390.png")
}

// checkAccessibility fails on images without alt text, form fields
// without labels and buttons without names in the page's accessibility
// tree, and returns how many named controls of each role it saw.
func checkAccessibility(t *testing.T, ctx context.Context) map[string]int {
	t.Helper()
	problems, counts, err := axProblems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("accessibility: %s", p)
	}
	return counts
}

func axProblems(ctx context.Context) (problems []string, named map[string]int, err error) {
	tree, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
	if err != nil {
		return nil, nil, err
	}
	str := func(v *accessibility.Value) string {
		if v == nil || len(v.Value) == 0 {
			return ""
		}
		var s any
		json.Unmarshal([]byte(v.Value), &s)
		if x, ok := s.(string); ok {
			return strings.TrimSpace(x)
		}
		return fmt.Sprint(s)
	}
	named = map[string]int{}
	for _, n := range tree.Nodes {
		if n.Ignored {
			continue
		}
		role := str(n.Role)
		switch role {
		case "image", "img", "textbox", "searchbox", "checkbox", "radio", "combobox", "button", "link":
			if str(n.Name) == "" {
				problems = append(problems, fmt.Sprintf("a %s without a name (DOM node %d)", role, n.BackendDOMNodeID))
			} else {
				named[role]++
			}
		}
	}
	return problems, named, nil
}
