// Command storefront serves the hub, the brand's own tracking, returns
// and claims page, the way a small shop would mount it: under /orders/ on
// its own mux, over the Engine. Five demo orders in different states are
// registered on a simulated carrier, and the Engine's background work
// runs on a fast simulated clock, so the orders move while you watch.
// Each order's signed link is printed at start.
//
//	go run ./examples/storefront                 # http://127.0.0.1:8080/orders/
//	go run ./examples/storefront -speed 3600     # one simulated hour per second
//	go run ./examples/storefront -data /tmp/demo # state in /tmp/demo
//
// The orders, cases, CashBack balances, the hub's signing key and the
// simulated clock are kept under -data (SQLite through sqlitestore; the
// default folder is printed): stop it, start it again, and everything is
// where it was, old links included.
//
// The background work is River jobs (package riverwork) in the same SQLite
// file: the due shipments are refreshed every (real) second, each effect a
// commit decides is a job inserted in that commit's transaction, and the
// demo's clock is saved by a periodic job of its own. No ticker of ours.
//
// The demo's customers verify with postcode 43215 (or their email, as
// printed), which reveals the delivery address and tracking number.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/riverqueue/river"
	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/hub"
	"github.com/postpurchase/postpurchase/riverwork"
	"github.com/postpurchase/postpurchase/scoring"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "storefront:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends. If ready is not nil it receives the base URL
// once the server listens (tests use it).
func run(ctx context.Context, args []string, out io.Writer, ready chan<- string) error {
	flags := flag.NewFlagSet("storefront", flag.ContinueOnError)
	flags.SetOutput(out)
	addr := flags.String("addr", "127.0.0.1:8080", "address to listen on")
	speed := flags.Float64("speed", 600, "simulated seconds per real second (the demo orders move at this pace)")
	data := flags.String("data", defaultDataDir(), "directory of the demo's state (SQLite file, signing key, simulated clock); created if missing")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *speed <= 0 || *speed > 1e6 {
		return fmt.Errorf("-speed %v: must be in (0, 1e6]", *speed)
	}

	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	key, err := loadKey(filepath.Join(*data, "hub.key"))
	if err != nil {
		return err
	}
	d, err := newDemo(ctx, *data)
	if err != nil {
		return err
	}
	defer d.store.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String() + "/orders/"
	h, err := hub.New(d.eng, hub.Options{
		Keys: [][]byte{key},
		Brand: hub.Brand{
			Name: "Kettle & Co", Primary: "#0a5c4a", Background: "#f4f1ea", Text: "#1d1b16",
			LogoURL: "/img/logo.svg", SupportEmail: "help@kettle.example", SupportPhone: "+1 614 555 0100",
		},
		BaseURL: base,
		Now:     d.clock.now,
	})
	if err != nil {
		return err
	}
	d.hub = h

	mux := http.NewServeMux()
	mux.Handle("/orders/", http.StripPrefix("/orders", h))
	mux.HandleFunc("GET /img/{name}", serveImage)
	mux.Handle("GET /{$}", http.RedirectHandler("/orders/", http.StatusFound))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}

	fmt.Fprintf(out, "Kettle & Co order tracking at %s (simulated time %s, %gx)\n", base, d.clock.now().Format("Mon Jan 2 15:04 MST"), *speed)
	if d.resumed {
		fmt.Fprintf(out, "State resumed from %s: the orders, cases and balances of the last run.\n\n", *data)
	} else {
		fmt.Fprintf(out, "State kept in %s: stop and start again to resume (remove it for a fresh demo).\n\n", *data)
	}
	for _, o := range d.orders {
		fmt.Fprintf(out, "  %-6s %-44s %s\n", o.id, o.story, h.TrackingURL(o.id))
	}
	fmt.Fprintf(out, "\nVerify with postcode 43215 (or the order's email, e.g. %s) to see the address and tracking number.\n", d.orders[0].email)
	fmt.Fprintln(out, "Links are signed with the key in the data directory: they keep working across restarts. Ctrl-C to stop.")

	d.clock.start(*speed)
	work, err := d.runner()
	if err != nil {
		return err
	}
	if err := work.Start(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		if err := work.Stop(sctx); err != nil {
			fmt.Fprintln(os.Stderr, "storefront: stopping the jobs:", err)
		}
	})
	if ready != nil {
		ready <- base
	}
	err = srv.Serve(ln)
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// clock is the demo's simulated time: set by hand while the history is
// replayed, then running at speed from the instant start is called.
type clock struct {
	mu    sync.Mutex
	at    time.Time
	real  time.Time
	speed float64
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.speed == 0 {
		return c.at
	}
	return c.at.Add(time.Duration(float64(time.Since(c.real)) * c.speed))
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.at = t
	c.mu.Unlock()
}

func (c *clock) start(speed float64) {
	c.mu.Lock()
	c.real, c.speed = time.Now(), speed
	c.mu.Unlock()
}

type demoOrder struct {
	id, story, email string
}

type demo struct {
	clock   *clock
	store   *sqlitestore.Store
	eng     *postpurchase.Engine
	hub     *hub.Handler
	orders  []demoOrder
	state   string // path of the saved demoState
	start   time.Time
	resumed bool
}

// demoState is what a restart needs besides the database: the demo's
// start (the simulated carriers' scripts derive from it) and how far the
// simulated clock had run.
type demoState struct {
	Start time.Time `json:"start"`
	Now   time.Time `json:"now"`
	// Ready is false until the history up to Start is replayed.
	Ready bool `json:"ready"`
}

// plans are the demo orders: label time before the demo's start, trouble,
// customer, and what the demo does once the history is replayed.
var plans = []struct {
	id, story, customer string
	labelAgo            time.Duration
	transitDays         int // 0 means 3
	trouble             simulator.Trouble
	hostile             bool
	after               func(ctx context.Context, e *postpurchase.Engine, now time.Time, o *postpurchase.Order) error
}{
	{id: "#1001", story: "on time, in transit", customer: "c-loyal", labelAgo: 30 * time.Hour},
	{id: "#1002", story: "delayed (no scan for days), VIP make-good", customer: "c-vip", labelAgo: 7 * 24 * time.Hour, transitDays: 1, trouble: simulator.Stalled},
	{id: "#1003", story: "delivered, a return open", customer: "c-new", labelAgo: 9 * 24 * time.Hour,
		after: func(ctx context.Context, e *postpurchase.Engine, now time.Time, o *postpurchase.Order) error {
			_, err := e.StartReturn(ctx, now, postpurchase.ReturnRequest{OrderID: o.ID, ShipmentID: o.Shipments[0].ID, Items: []string{o.Items[0].SKU}, Note: "Too small"})
			return err
		}},
	{id: "#1004", story: "lost by the carrier, a claim filed", customer: "c-loyal", labelAgo: 16 * 24 * time.Hour, trouble: simulator.Lost,
		after: func(ctx context.Context, e *postpurchase.Engine, now time.Time, o *postpurchase.Order) error {
			_, err := e.FileClaim(ctx, now, postpurchase.ClaimRequest{OrderID: o.ID, ShipmentID: o.Shipments[0].ID, Reason: postpurchase.ReasonNotReceived})
			return err
		}},
	{id: "#1005", story: "hostile carrier text and product name", customer: "c-new", labelAgo: 40 * time.Hour, hostile: true},
}

func newDemo(ctx context.Context, dir string) (d *demo, err error) {
	d = &demo{clock: &clock{}, state: filepath.Join(dir, "demo.json")}
	st := demoState{Start: time.Now().UTC().Truncate(time.Hour)}
	if b, err := os.ReadFile(d.state); err == nil {
		if err := json.Unmarshal(b, &st); err != nil || st.Start.IsZero() || !st.Ready {
			return nil, fmt.Errorf("%s is incomplete (a first run stopped early?): remove the directory %s for a fresh demo", d.state, dir)
		}
		d.resumed = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	// Every commit inserts the River jobs that carry out its effects, in
	// its own transaction (the outbox).
	outbox, err := riverwork.NewSQLiteOutbox(riverwork.Options{})
	if err != nil {
		return nil, err
	}
	d.store, err = sqlitestore.Open(filepath.Join(dir, "storefront.db"), sqlitestore.Options{MaxOpenConns: 1, AfterCommitTx: outbox.AfterCommitTx})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			d.store.Close()
		}
	}()
	if err := d.store.Migrate(ctx); err != nil {
		return nil, err
	}
	if err := riverwork.MigrateSQLite(ctx, d.store.DB()); err != nil {
		return nil, err
	}
	ledger, err := cashback.New(d.store.Cashback(), cashback.Options{})
	if err != nil {
		return nil, err
	}
	start := st.Start
	d.start = start
	first := start.Add(-16*24*time.Hour - time.Hour)
	d.clock.set(first)
	sim, err := simulator.New(simulator.Options{Seed: 7, Now: d.clock.now})
	if err != nil {
		return nil, err
	}
	odd, err := simulator.New(simulator.Options{Seed: 8, Code: "parcelco", Now: d.clock.now})
	if err != nil {
		return nil, err
	}
	d.eng, err = postpurchase.New(postpurchase.Config{
		Carriers:    []carriers.Carrier{sim, hostileCarrier{odd}},
		Store:       d.store,
		Ledger:      ledger,
		Customers:   customers(start),
		Recommender: catalog{},
		Now:         d.clock.now,
		TrackingURL: func(id string) string {
			if d.hub == nil {
				return ""
			}
			return d.hub.TrackingURL(id)
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return nil, err
	}

	// Ship every order at its label time and replay the Engine's history
	// up to the demo's start, two simulated hours at a time.
	type pending struct {
		at    time.Time
		order postpurchase.Order
	}
	var todo []pending
	for i, p := range plans {
		label := start.Add(-p.labelAgo)
		c := sim
		if p.hostile {
			c = odd
		}
		days := p.transitDays
		if days == 0 {
			days = 3
		}
		number, err := c.Ship(simulator.Plan{LabelCreatedAt: label, Trouble: p.trouble, TransitDays: days})
		if err != nil {
			return nil, err
		}
		o := order(p.id, p.customer, c.Code(), number, label, i)
		if p.hostile {
			o.Items[0].Name = `Mug "Jolly" <script>alert('mug')</script> ` + "\u202egnp.exe"
			o.ShippingAddress.Line1 = `1 "><img src=x onerror=alert(1)> St`
		}
		todo = append(todo, pending{label, o})
		d.orders = append(d.orders, demoOrder{id: p.id, story: p.story, email: o.Email})
	}
	slices.SortFunc(todo, func(a, b pending) int { return a.at.Compare(b.at) })
	if d.resumed {
		// The orders are in the database; registering them again is a
		// no-op, and refused if the file holds another demo's orders.
		for _, p := range todo {
			if err := d.eng.Register(ctx, st.Now, p.order); err != nil {
				return nil, fmt.Errorf("the data in %s is not this demo's (%w): remove the directory for a fresh demo", dir, err)
			}
		}
		d.clock.set(st.Now)
		return d, nil
	}
	if err := d.save(demoState{Start: start, Now: start}); err != nil {
		return nil, err
	}
	for now := first; !now.After(start); now = now.Add(2 * time.Hour) {
		d.clock.set(now)
		for len(todo) > 0 && !todo[0].at.After(now) {
			if err := d.eng.Register(ctx, now, todo[0].order); err != nil {
				return nil, fmt.Errorf("register %s: %w", todo[0].order.ID, err)
			}
			todo = todo[1:]
		}
		if _, err := d.eng.Tick(ctx, now); err != nil {
			return nil, err
		}
	}
	d.clock.set(start)
	for _, p := range plans {
		if p.after == nil {
			continue
		}
		v, err := d.eng.OrderView(ctx, start, p.id)
		if err != nil {
			return nil, err
		}
		if err := p.after(ctx, d.eng, start, &v.Order); err != nil {
			return nil, fmt.Errorf("%s: %w", p.id, err)
		}
	}
	if _, err := d.eng.Tick(ctx, start); err != nil {
		return nil, err
	}
	return d, d.save(demoState{Start: start, Now: start, Ready: true})
}

// save writes the demo's state atomically (a new file renamed over the
// old one).
func (d *demo) save(st demoState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := d.state + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, d.state)
}

// loadKey reads the hub's signing key, making one on the first run.
func loadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b = []byte(hex.EncodeToString(randomKey()))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < hub.MinKeyLen {
		return nil, fmt.Errorf("%s: not a hex key of at least %d bytes", path, hub.MinKeyLen)
	}
	return key, nil
}

func randomKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// defaultDataDir is where the demo keeps its state unless -data says.
func defaultDataDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "postpurchase", "storefront")
}

// runner returns the demo's background work as River jobs on its SQLite
// file: the Engine's (refresh the due shipments every second, carry out
// the effects) and the demo's own, saving the simulated clock every
// second.
func (d *demo) runner() (*riverwork.Runner[*sql.Tx], error) {
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &saveClockWorker{d: d}); err != nil {
		return nil, err
	}
	saveClock := river.NewPeriodicJob(river.PeriodicInterval(time.Second),
		func() (river.JobArgs, *river.InsertOpts) { return saveClockArgs{}, nil }, &river.PeriodicJobOpts{ID: "storefront.save_clock", RunOnStart: true})
	return riverwork.NewSQLite(d.eng, d.store.DB(), riverwork.Options{
		ScheduleEvery: time.Second, SweepEvery: 30 * time.Second, Snooze: time.Second, Now: d.clock.now,
		Client: &river.Config{Workers: workers, PeriodicJobs: []*river.PeriodicJob{saveClock}},
	})
}

// saveClockArgs is the demo's periodic job that saves the simulated clock.
type saveClockArgs struct{}

func (saveClockArgs) Kind() string { return "storefront.save_clock" }

type saveClockWorker struct {
	river.WorkerDefaults[saveClockArgs]
	d *demo
}

func (w *saveClockWorker) Work(ctx context.Context, job *river.Job[saveClockArgs]) error {
	return w.d.save(demoState{Start: w.d.start, Now: w.d.clock.now(), Ready: true})
}

func order(id, customer, carrier, number string, label time.Time, i int) postpurchase.Order {
	mug := decimal.RequireFromString("28.00")
	beans := decimal.RequireFromString("16.50")
	return postpurchase.Order{
		ID: id, CustomerID: customer, PlacedAt: label.Add(-20 * time.Hour), Currency: "USD",
		Total: mug.Add(beans), Email: strings.TrimPrefix(customer, "c-") + "@example.com", Postcode: "43215",
		ShippingAddress: postpurchase.Address{Name: "Ada Lovelace", Line1: fmt.Sprintf("%d Analytical Way", 10+i), City: "Columbus", Region: "OH", Postcode: "43215", Country: "US"},
		Items: []postpurchase.LineItem{
			{SKU: "MUG-SAGE", Name: "Stoneware mug, sage", Quantity: 1, Price: mug, ImageURL: "/img/mug.svg", URL: "/"},
			{SKU: "BEANS-250", Name: "Single-origin beans, 250 g", Quantity: 1, Price: beans, ImageURL: "/img/beans.svg", FinalSale: true},
		},
		Shipments: []postpurchase.Shipment{{
			ID: "S" + strings.TrimPrefix(id, "#"), Carrier: carrier, TrackingNumber: number, Service: "Ground",
			Origin: "US-NV", Destination: "US-OH", LabelCreatedAt: label,
			PromisedBy: time.Date(label.Year(), label.Month(), label.Day()+5, 23, 59, 0, 0, simulator.Columbus.Zone),
		}},
	}
}

// customers are the demo's customers: a VIP with years of orders, a
// loyal one, and a first-time buyer.
func customers(now time.Time) postpurchase.CustomerMap {
	hist := func(n int, avg string, tags ...string) *scoring.History {
		h := &scoring.History{Profile: &scoring.Profile{CreatedAt: now.AddDate(-2, 0, 0), Tags: tags},
			Orders: []scoring.Order{}, Returns: []scoring.Return{}, Claims: []scoring.Claim{}, Shipments: []scoring.Shipment{}}
		for i := range n {
			h.Orders = append(h.Orders, scoring.Order{ID: fmt.Sprintf("old-%d", i), PlacedAt: now.AddDate(0, 0, -700+i*(690/n)),
				Total: decimal.RequireFromString(avg), Currency: "USD", Items: 2})
		}
		return h
	}
	return postpurchase.CustomerMap{
		"c-vip":   {Contact: postpurchase.Contact{CustomerID: "c-vip", Email: "vip@example.com", FirstName: "Ada"}, History: hist(14, "140.00", "vip")},
		"c-loyal": {Contact: postpurchase.Contact{CustomerID: "c-loyal", Email: "loyal@example.com"}, History: hist(4, "70.00")},
		"c-new":   {Contact: postpurchase.Contact{CustomerID: "c-new", Email: "new@example.com"}},
	}
}

// hostileCarrier is a carrier whose event texts and locations are hostile:
// the page must show them as text.
type hostileCarrier struct{ *simulator.Carrier }

func (c hostileCarrier) Track(ctx context.Context, number string) (*carriers.Tracking, error) {
	tr, err := c.Carrier.Track(ctx, number)
	if err != nil {
		return nil, err
	}
	tr.Events = slices.Clone(tr.Events)
	for i := range tr.Events {
		e := &tr.Events[i]
		e.Description = `<script>alert("scan")</script>` + e.Description + " \u202e'onerror=alert(1)"
		e.Location.City = `"><img src=x onerror=alert(document.cookie)>` + e.Location.City
	}
	return tr, nil
}

// catalog recommends the same two products to everyone.
type catalog struct{}

func (catalog) Recommend(ctx context.Context, m postpurchase.Moment, o *postpurchase.Order) ([]postpurchase.Product, error) {
	return []postpurchase.Product{
		{SKU: "FILTER-100", Name: "Paper filters, 100", URL: "/", ImageURL: "/img/filters.svg", Price: decimal.RequireFromString("6.00"), Currency: "USD"},
		{SKU: "KETTLE-GOOSE", Name: "Gooseneck kettle", URL: "/", ImageURL: "/img/kettle.svg", Price: decimal.RequireFromString("64.00"), Currency: "USD"},
	}, nil
}

var images = map[string]string{
	"logo.svg":    `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40"><circle cx="20" cy="20" r="16" fill="#0a5c4a"/><path d="M12 24h16l-2 6H14z" fill="#f4f1ea"/><text x="44" y="27" font-family="Georgia,serif" font-size="18" fill="#1d1b16">Kettle &amp; Co</text></svg>`,
	"mug.svg":     `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128"><rect width="128" height="128" fill="#e7efe9"/><rect x="34" y="38" width="48" height="56" rx="6" fill="#8fae98"/><path d="M82 50h10a10 10 0 0 1 0 20H82" stroke="#8fae98" stroke-width="6" fill="none"/></svg>`,
	"beans.svg":   `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128"><rect width="128" height="128" fill="#f1e6da"/><rect x="40" y="28" width="48" height="72" rx="4" fill="#6b4a32"/><ellipse cx="64" cy="64" rx="10" ry="14" fill="#c89b6d"/></svg>`,
	"filters.svg": `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128"><rect width="128" height="128" fill="#f6f3ec"/><path d="M36 40h56l-20 50H56z" fill="#fffdf8" stroke="#c9bfae" stroke-width="3"/></svg>`,
	"kettle.svg":  `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128"><rect width="128" height="128" fill="#e9ecef"/><rect x="36" y="50" width="52" height="46" rx="10" fill="#40464d"/><path d="M88 62q18 -4 20 -22" stroke="#40464d" stroke-width="5" fill="none"/><rect x="52" y="40" width="20" height="10" rx="3" fill="#40464d"/></svg>`,
}

func serveImage(w http.ResponseWriter, r *http.Request) {
	svg, ok := images[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(w, svg)
}
