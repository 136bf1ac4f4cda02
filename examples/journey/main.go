// Command journey runs the post-purchase journey on embedded defaults: a
// simulated carrier, in-memory state and no network. With no arguments it
// ships five orders, one of them clean and the others each hit by a
// different kind of trouble, and prints each shipment's normalized
// timeline as a customer-facing tracking page would show it.
//
//	go run ./examples/journey
//	go run ./examples/journey -seed 7 -days 12
//
// Today it covers the tracking half of the journey (carrier events,
// normalized statuses, delivery estimates); the scoring, accommodation,
// cashback and Klaviyo steps join as the root Engine wires them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
)

func main() {
	seed := flag.Uint64("seed", 1, "simulation seed: the same seed prints the same journey")
	days := flag.Int("days", 14, "days after the orders to look at the shipments")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *seed, *days); err != nil {
		log.Fatal(err)
	}
}

// order is one simulated order and the trouble its shipment will meet.
type order struct {
	id      string
	trouble simulator.Trouble
}

func run(ctx context.Context, w io.Writer, seed uint64, days int) error {
	if days < 0 || days > 60 {
		return fmt.Errorf("journey: -days %d out of range 0..60", days)
	}
	placed := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC) // a Monday
	now := placed.AddDate(0, 0, days)
	sim := simulator.New(simulator.Options{Seed: seed, Clock: func() time.Time { return now }})
	orders := []order{
		{"#1001", simulator.NoTrouble},
		{"#1002", simulator.WeatherDelay},
		{"#1003", simulator.FailedAttempt},
		{"#1004", simulator.Stalled},
		{"#1005", simulator.ReturnedToSender},
	}
	fmt.Fprintf(w, "Post-purchase journey — seed %d, looking on %s\n", seed, now.Format("Mon Jan 2 2006 15:04 MST"))
	for i, o := range orders {
		number, err := sim.Ship(simulator.Plan{LabelCreatedAt: placed.Add(time.Duration(i) * time.Hour), Trouble: o.trouble})
		if err != nil {
			return err
		}
		tr, err := sim.Track(ctx, number)
		if err != nil {
			return fmt.Errorf("journey: order %s: %w", o.id, err)
		}
		printTimeline(w, o, tr)
	}
	return nil
}

func printTimeline(w io.Writer, o order, tr *carriers.Tracking) {
	fmt.Fprintf(w, "\nOrder %s  %s %s  (%s)\n", o.id, strings.ToUpper(tr.Carrier), tr.Number, o.trouble)
	fmt.Fprintf(w, "  status:   %s\n", label(tr.Status, tr.Reason))
	switch {
	case !tr.DeliveredAt.IsZero():
		fmt.Fprintf(w, "  delivered %s\n", tr.DeliveredAt.Format("Mon Jan 2 15:04 MST"))
	case tr.Estimate != nil:
		fmt.Fprintf(w, "  expected: %s (%s)\n", tr.Estimate.Start.Format("Mon Jan 2"), tr.Estimate.Source)
	}
	for i := len(tr.Events) - 1; i >= 0; i-- {
		e := tr.Events[i]
		fmt.Fprintf(w, "  %-21s %-34s %-48s %s\n", e.Time.Format("Mon Jan 2 15:04 MST"), label(e.Status, e.Reason), e.Description, e.Location)
	}
}

// label is "status" or "status / reason".
func label(s carriers.Status, r carriers.Reason) string {
	if r == carriers.ReasonNone {
		return s.String()
	}
	return s.String() + " / " + r.String()
}
