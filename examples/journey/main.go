// Command journey tells the whole post-purchase journey on embedded
// defaults: a simulated carrier, the Engine on in-memory stores, and a
// local fake of Klaviyo (klaviyotest) in the same process. No network, no
// account.
//
//	go run ./examples/journey               # four customers, told in a minute
//	go run ./examples/journey -seed 7
//	go run ./examples/journey -shipments 100000   # the same Engine at scale
//
// Four customers order on a Monday: a VIP whose parcel is held up by
// weather, a risky first order whose parcel is lost, a loyal customer who
// gets it on time and returns an item, and a newcomer nobody was home
// for. The Engine follows the carrier every two hours, tells each customer
// about every step through Klaviyo, catches the delays before the promise,
// scores the customer at the first delay and answers by the policy — a
// premium make-good for the VIP, a measured one for the risky order — pays
// the CashBack, and takes a claim and a return. Then a summary.
//
// With KLAVIYO_API_KEY set, the events go to the real Klaviyo account
// instead of the local fake (profiles are created for the example's
// @example.com addresses).
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/klaviyo"
	"github.com/postpurchase/postpurchase/klaviyo/klaviyotest"
	"github.com/postpurchase/postpurchase/scoring"
)

func main() {
	seed := flag.Uint64("seed", 1, "simulation seed: the same seed tells the same journey")
	shipments := flag.Int("shipments", 0, "run this many shipments through the Engine at scale instead of the story")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "with -shipments: write a CPU profile of the Engine's run (after the setup) to this file")
	flag.StringVar(&memProfile, "memprofile", "", "with -shipments: write an allocation profile of the Engine's run to this file")
	flag.Parse()
	ctx := context.Background()
	var err error
	if *shipments > 0 {
		err = scale(ctx, os.Stdout, *seed, *shipments, isTerminal(os.Stdout))
	} else {
		err = story(ctx, os.Stdout, *seed, os.Getenv("KLAVIYO_API_KEY"))
	}
	if err != nil {
		log.Fatal(err)
	}
}

// placed is when the orders are placed: a Monday afternoon.
var placed = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)

// character is one customer of the story and what happens to their order.
type character struct {
	name, id, email string
	history         *scoring.History
	order           string
	total           string
	trouble         simulator.Trouble
	about           string
}

func ptr[T any](v T) *T { return &v }

// pastOrders returns n earlier orders of amount each, every six weeks.
func pastOrders(n int, amount string) []scoring.Order {
	out := []scoring.Order{}
	for i := range n {
		out = append(out, scoring.Order{ID: fmt.Sprintf("old-%d", i), PlacedAt: placed.AddDate(0, 0, -42*(n-i)),
			Total: decimal.RequireFromString(amount), Currency: "USD", Items: 2})
	}
	return out
}

func cast() []character {
	return []character{
		{name: "Ada", id: "cust-ada", email: "ada@example.com", order: "#1001", total: "180.00", trouble: simulator.WeatherDelay,
			about:   "a VIP (nine orders this year); a storm holds her parcel at a hub",
			history: &scoring.History{Profile: &scoring.Profile{CreatedAt: placed.AddDate(-2, 0, 0), Tags: []string{"vip"}}, Orders: pastOrders(9, "170.00")}},
		{name: "Chris", id: "cust-chris", email: "chris@example.com", order: "#1002", total: "240.00", trouble: simulator.Lost,
			about: "a first order from a disposable address through a proxy; the parcel gets lost",
			history: &scoring.History{Profile: &scoring.Profile{CreatedAt: placed.Add(-time.Hour)}, Orders: []scoring.Order{},
				Risk: &scoring.RiskInputs{DisposableEmail: ptr(true), ProxyIP: ptr(true), ProcessorRiskScore: ptr(82.0), ReshipperAddress: ptr(true)}}},
		{name: "Ben", id: "cust-ben", email: "ben@example.com", order: "#1003", total: "95.00", trouble: simulator.NoTrouble,
			about:   "a loyal customer; on time, then he returns the mug",
			history: &scoring.History{Profile: &scoring.Profile{CreatedAt: placed.AddDate(-1, 0, 0)}, Orders: pastOrders(4, "90.00")}},
		{name: "Dana", id: "cust-dana", email: "dana@example.com", order: "#1004", total: "45.00", trouble: simulator.FailedAttempt,
			about: "new here; nobody is home at the first attempt"},
	}
}

// recommender suggests the same two products to everyone.
type recommender struct{}

func (recommender) Recommend(_ context.Context, m postpurchase.Moment, _ *postpurchase.Order) ([]postpurchase.Product, error) {
	if m == postpurchase.MomentDelivered {
		return []postpurchase.Product{{SKU: "BEANS-1KG", Name: "Coffee beans, 1 kg (reorder)", Price: decimal.RequireFromString("24.00"), Currency: "USD"}}, nil
	}
	return []postpurchase.Product{{SKU: "SAUCER-1", Name: "Matching saucer", Price: decimal.RequireFromString("12.00"), Currency: "USD"}}, nil
}

func story(ctx context.Context, w io.Writer, seed uint64, klaviyoKey string) error {
	now := placed
	clock := func() time.Time { return now }
	sim, err := simulator.New(simulator.Options{Seed: seed, Now: clock})
	if err != nil {
		return err
	}
	// Klaviyo: the local fake unless a real key is given.
	kopts := klaviyo.Options{}
	var fake *klaviyotest.Server
	where := "Klaviyo (the real account)"
	if klaviyoKey == "" {
		if fake, err = klaviyotest.NewServer(klaviyotest.Options{}); err != nil {
			return err
		}
		defer fake.Close()
		klaviyoKey = "pk_local_fake"
		kopts.BaseURL, kopts.HTTPClient = fake.URL, fake.Client()
		where = "Klaviyo (local fake)"
	}
	kc, err := klaviyo.New(klaviyoKey, kopts)
	if err != nil {
		return err
	}
	notifier, err := postpurchase.NewKlaviyoNotifier(kc, klaviyo.Catalog{})
	if err != nil {
		return err
	}
	people := cast()
	customers := postpurchase.CustomerMap{}
	byOrder := map[string]character{}
	for _, c := range people {
		customers[c.id] = postpurchase.Customer{Contact: postpurchase.Contact{Email: c.email, FirstName: c.name}, History: c.history}
		byOrder[c.order] = c
	}
	tasks := new(postpurchase.MemoryTasks)
	eng, err := postpurchase.New(postpurchase.Config{
		Carriers: []carriers.Carrier{sim}, Customers: customers, Notifier: notifier, Tasks: tasks,
		Recommender: recommender{}, Now: clock,
		TrackingURL: func(id string) string { return "https://shop.example.com/track/" + strings.TrimPrefix(id, "#") },
	})
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "The post-purchase journey — seed %d, orders placed %s\n\n", seed, placed.Format("Mon Jan 2, 15:04 MST"))
	for i, c := range people {
		label := placed.Add(time.Duration(i) * 20 * time.Minute)
		number, err := sim.Ship(simulator.Plan{LabelCreatedAt: label, Trouble: c.trouble, TransitDays: 3})
		if err != nil {
			return err
		}
		total := decimal.RequireFromString(c.total)
		err = eng.Register(ctx, now, postpurchase.Order{
			ID: c.order, CustomerID: c.id, PlacedAt: label.Add(-time.Hour), Currency: "USD", Total: total, Email: c.email, Postcode: "43215",
			Items: []postpurchase.LineItem{{SKU: "MUG-" + c.order[1:], Name: "Stoneware mug set", Quantity: 1, Price: total}},
			Shipments: []postpurchase.Shipment{{ID: "ship-" + c.order[1:], Carrier: simulator.Code, TrackingNumber: number,
				Origin: "US-NV", Destination: "US-OH", LabelCreatedAt: label,
				PromisedBy: time.Date(label.Year(), label.Month(), label.Day()+5, 23, 59, 0, 0, simulator.Columbus.Zone)}},
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s %-5s orders %s for $%s — %s\n", c.order, c.name, "a mug set", c.total, c.about)
	}
	fmt.Fprintf(w, "\nPromised by Saturday. The Engine polls the carrier every two hours; every step goes to %s.\n\n", where)

	seen := map[string]int{}
	tell := func() error {
		for _, c := range people {
			js, err := eng.Journal(ctx, c.order)
			if err != nil {
				return err
			}
			for _, j := range js[seen[c.order]:] {
				if line := narrate(c, j); line != "" {
					fmt.Fprintf(w, "%s  %s %-5s %s\n", j.At.In(simulator.Columbus.Zone).Format("Mon Jan 2 15:04"), c.order, c.name, line)
				}
			}
			seen[c.order] = len(js)
		}
		return nil
	}
	claimed, returned := false, false
	for end := placed.AddDate(0, 0, 16); now.Before(end); now = now.Add(2 * time.Hour) {
		if _, err := eng.Tick(ctx, now); err != nil {
			return err
		}
		if err := tell(); err != nil {
			return err
		}
		// Chris reports the parcel that stopped moving; Ben returns his.
		if !claimed && now.Sub(placed) > 9*24*time.Hour {
			if _, err := eng.FileClaim(ctx, now, postpurchase.ClaimRequest{OrderID: "#1002", ShipmentID: "ship-1002", Reason: postpurchase.ReasonNotReceived, Note: "still nothing"}); err == nil {
				claimed = true
			} else if !errors.Is(err, postpurchase.ErrOutsideWindow) {
				return err
			}
		}
		if !returned && now.Sub(placed) > 8*24*time.Hour {
			if _, err := eng.StartReturn(ctx, now, postpurchase.ReturnRequest{OrderID: "#1003", ShipmentID: "ship-1003", Items: []string{"MUG-1003"}, Note: "wrong colour"}); err == nil {
				returned = true
			} else if !errors.Is(err, postpurchase.ErrOutsideWindow) {
				return err
			}
		}
		if _, err := eng.Drain(ctx, now); err != nil {
			return err
		}
		if err := tell(); err != nil {
			return err
		}
	}
	return summary(ctx, w, eng, people, fake, tasks, now)
}

// narrate turns a journal entry into a line of the story ("" to skip).
func narrate(c character, j postpurchase.JournalEntry) string {
	switch j.Kind {
	case postpurchase.JournalMilestone:
		what, _, _ := strings.Cut(j.Text, " ")
		switch what {
		case "shipped":
			return "shipped: the carrier has it → Klaviyo \"Package Shipped\" (with a matching saucer to recommend)"
		case "delivered":
			return "delivered → Klaviyo \"Package Delivered\" (review link, coffee to reorder)"
		case "in_transit":
			return ""
		}
		return strings.ReplaceAll(what, "_", " ") + " → Klaviyo"
	case postpurchase.JournalDelay:
		return "DELAY caught: " + strings.TrimPrefix(j.Text, "delay caught: ")
	case postpurchase.JournalScore:
		return "scored at the first delay: tier " + strings.ToUpper(j.Score.Tier) + fmt.Sprintf(" (value %.0f, risk %.0f; this order excluded)", j.Score.Value, j.Score.Risk)
	case postpurchase.JournalDecision:
		_, after, _ := strings.Cut(j.Text, "→ ")
		if after == "an apology" {
			after = "a prompt apology, nothing more"
		}
		return fmt.Sprintf("make-good by rule %q: %s", j.Rule, cashbackWords(after))
	case postpurchase.JournalEffect:
		return "delay message → Klaviyo \"Package Delayed\""
	case postpurchase.JournalCase:
		return strings.Replace(strings.Replace(j.Text, "claim ", "CLAIM ", 1), "return return", "RETURN", 1)
	case postpurchase.JournalSkipped:
		return "(" + j.Text + ")"
	}
	return ""
}

// cashbackWords rewrites "credit USD 27.00 (key)" as "cashback USD 27.00".
func cashbackWords(s string) string {
	parts := strings.Split(s, ", ")
	for i, p := range parts {
		if strings.HasPrefix(p, "credit ") {
			amt, _, _ := strings.Cut(strings.TrimPrefix(p, "credit "), " (")
			parts[i] = "cashback " + amt
		}
	}
	return strings.Join(parts, ", ")
}

func summary(ctx context.Context, w io.Writer, eng *postpurchase.Engine, people []character, fake *klaviyotest.Server, tasks *postpurchase.MemoryTasks, now time.Time) error {
	fmt.Fprintf(w, "\nSummary\n\n  %-6s %-8s %-26s %10s %10s  %s\n", "order", "customer", "status", "tier", "cashback", "cases")
	total := decimal.Zero
	for _, c := range people {
		v, err := eng.OrderView(ctx, now, c.order)
		if err != nil {
			return err
		}
		bal, err := eng.Ledger().Balance(ctx, now, cashback.Account{CustomerID: c.id, Currency: "USD"})
		if err != nil {
			return err
		}
		rec, err := eng.Store().LoadOrder(ctx, c.order)
		if err != nil {
			return err
		}
		tier := "-"
		if rec.Incident != nil {
			tier = rec.Incident.Score.Tier
		}
		var cases []string
		for _, k := range v.Cases {
			if k.Kind == postpurchase.CaseReturn {
				cases = append(cases, "return "+string(k.State))
				continue
			}
			cases = append(cases, fmt.Sprintf("%s %s: %s", k.Kind, k.Reason, k.State))
		}
		got := bal.Available.Add(bal.Pending)
		total = total.Add(got)
		fmt.Fprintf(w, "  %-6s %-8s %-26s %10s %10s  %s\n", c.order, c.name, v.Shipments[0].StatusText, tier, "$"+got.StringFixed(2), strings.Join(cases, "; "))
	}
	fmt.Fprintf(w, "\n  CashBack paid: $%s in all.\n", total.StringFixed(2))
	counts := map[string]int{}
	for _, t := range tasks.Tasks() {
		counts[string(t.Kind)]++
	}
	var ts []string
	for k, n := range counts {
		ts = append(ts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(k, "_", " ")))
	}
	slices.Sort(ts)
	fmt.Fprintf(w, "  Tasks for the team: %s.\n", strings.Join(ts, ", "))
	if fake != nil {
		metrics := map[string]int{}
		for _, e := range fake.Events() {
			metrics[e.Metric]++
		}
		type mc struct {
			m string
			n int
		}
		var ms []mc
		for m, n := range metrics {
			ms = append(ms, mc{m, n})
		}
		slices.SortFunc(ms, func(a, b mc) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.m, b.m)) })
		fmt.Fprintf(w, "  Events Klaviyo accepted: %d (each unique_id once; %d requests)\n", len(fake.Events()), fake.Stats().Requests)
		for _, m := range ms {
			fmt.Fprintf(w, "    %3d  %s\n", m.n, m.m)
		}
	}
	return nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
