// Command journey runs the post-purchase journey on embedded defaults: a
// simulated carrier, in-memory state and no network. With no arguments it
// ships five orders, one clean and four each hit by a different kind of
// trouble, polls the carrier every two hours as a host would, and prints
// what the brand learns and when: each milestone (what would go to Klaviyo
// as a shipping event) and each delay the moment it is caught, with how long
// before the promised date that was.
//
//	go run ./examples/journey
//	go run ./examples/journey -seed 7 -days 12 -scans
//
// Today it covers the tracking half of the journey (carrier events,
// normalized statuses, milestones, delay detection); scoring, the
// make-good policy, cashback and Klaviyo join when the root Engine wires
// them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/tracking"
)

func main() {
	seed := flag.Uint64("seed", 1, "simulation seed: the same seed prints the same journey")
	days := flag.Int("days", 14, "days after the orders to look at the shipments")
	scans := flag.Bool("scans", false, "also print every carrier scan")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *seed, *days, *scans); err != nil {
		log.Fatal(err)
	}
}

// order is one simulated order and the trouble its shipment will meet.
type order struct {
	id      string
	trouble simulator.Trouble
}

// pollEvery is how often the example asks the carrier, as a host's poller
// would for a carrier without webhooks.
const pollEvery = 2 * time.Hour

func run(ctx context.Context, w io.Writer, seed uint64, days int, scans bool) error {
	if days < 0 || days > 60 {
		return fmt.Errorf("journey: -days %d out of range 0..60", days)
	}
	placed := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC) // a Monday
	end := placed.AddDate(0, 0, days)
	now := placed
	sim, err := simulator.New(simulator.Options{Seed: seed, Now: func() time.Time { return now }})
	if err != nil {
		return err
	}
	orders := []order{
		{"#1001", simulator.NoTrouble},
		{"#1002", simulator.WeatherDelay},
		{"#1003", simulator.FailedAttempt},
		{"#1004", simulator.Stalled},
		{"#1005", simulator.ReturnedToSender},
	}
	fmt.Fprintf(w, "Post-purchase journey — seed %d, %d days from %s\n", seed, days, placed.Format("Mon Jan 2 2006"))
	for i, o := range orders {
		labelAt := placed.Add(time.Duration(i) * time.Hour)
		number, err := sim.Ship(simulator.Plan{LabelCreatedAt: labelAt, Destination: simulator.Columbus, Trouble: o.trouble})
		if err != nil {
			return err
		}
		sh := &tracking.Shipment{
			ID: "ship-" + strings.TrimPrefix(o.id, "#"), OrderID: o.id, Carrier: sim.Code(), TrackingNumber: number,
			Origin: "US-NV", Destination: "US-OH", LabelCreatedAt: labelAt,
			PromisedBy: promise(labelAt, 4, simulator.Columbus.Zone),
		}
		fmt.Fprintf(w, "\nOrder %s  %s %s  (%s)  promised by %s\n", o.id, strings.ToUpper(sh.Carrier), number, o.trouble, sh.PromisedBy.Format("Mon Jan 2"))
		for now = labelAt; !now.After(end); now = now.Add(pollEvery) {
			tr, err := sim.Track(ctx, number)
			if errors.Is(err, carriers.ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("journey: order %s: %w", o.id, err)
			}
			ch, err := sh.Update(now, tr)
			if err != nil {
				return fmt.Errorf("journey: order %s: %w", o.id, err)
			}
			report(w, sh, now, ch)
			report(w, sh, now, sh.Check(now))
		}
		st, r := sh.Status()
		fmt.Fprintf(w, "  status on %s: %s\n", end.Format("Mon Jan 2"), label(st, r))
		if scans {
			printScans(w, sh.Events())
		}
	}
	return nil
}

// report prints the milestones and delays one poll revealed.
func report(w io.Writer, sh *tracking.Shipment, now time.Time, ch tracking.Changes) {
	for _, m := range ch.Milestones {
		fmt.Fprintf(w, "  %-21s milestone  %-22s %s\n", m.At.Format("Mon Jan 2 15:04 MST"), m.Kind, m.Event.Location.City)
	}
	for _, d := range ch.Delays {
		kind := d.Kind.String()
		if d.Reason != carriers.ReasonNone {
			kind += " (" + d.Reason.String() + ")"
		}
		fmt.Fprintf(w, "  %-21s DELAY      %-22s caught %s\n", now.In(sh.PromisedBy.Location()).Format("Mon Jan 2 15:04 MST"), kind, beforePromise(now, sh.PromisedBy))
	}
}

// beforePromise says how the detection time relates to the promise.
func beforePromise(now, promised time.Time) string {
	if now.After(promised) {
		return fmt.Sprintf("%.1f days after the promise", promised.Sub(now).Hours()/-24)
	}
	return fmt.Sprintf("%.1f days before the promise", promised.Sub(now).Hours()/24)
}

// promise is the end of the day n business days after t, in zone.
func promise(t time.Time, n int, zone *time.Location) time.Time {
	var cal *tracking.Calendar // weekdays are business days; no holidays
	d := cal.AddBusinessDays(tracking.DateOf(t.In(zone)), n)
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 0, zone)
}

func printScans(w io.Writer, events []carriers.Event) {
	fmt.Fprintln(w, "  scans:")
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		fmt.Fprintf(w, "    %-21s %-34s %-48s %s\n", e.Time.Format("Mon Jan 2 15:04 MST"), label(e.Status, e.Reason), e.Description, e.Location)
	}
}

// label is "status" or "status / reason".
func label(s carriers.Status, r carriers.Reason) string {
	if r == carriers.ReasonNone {
		return s.String()
	}
	return s.String() + " / " + r.String()
}
