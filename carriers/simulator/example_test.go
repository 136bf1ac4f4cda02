package simulator_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/postpurchase/postpurchase/carriers/simulator"
)

// A shipment whose first delivery attempt fails, tracked a week after its
// label was created.
func Example() {
	labelAt := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	sim, err := simulator.New(simulator.Options{
		Seed: 1,
		Now:  func() time.Time { return labelAt.AddDate(0, 0, 10) },
	})
	if err != nil {
		log.Fatal(err)
	}
	number, err := sim.Ship(simulator.Plan{LabelCreatedAt: labelAt, Trouble: simulator.FailedAttempt})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := sim.Track(context.Background(), number)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tr.TrackingNumber, tr.Status)
	for i := len(tr.Events) - 1; i >= 0; i-- {
		e := tr.Events[i]
		fmt.Printf("%s  %-4s %-16s %s\n", e.Time.Format("Mon Jan 2 15:04 MST"), e.Code, e.Status, e.Description)
	}
	// Output:
	// SIM0000000001 delivered
	// Mon Nov 2 07:00 PST  LC   info_received    Shipping label created, carrier awaiting item
	// Mon Nov 2 17:46 PST  PU   in_transit       Picked up
	// Mon Nov 2 20:30 PST  AR   in_transit       Arrived at origin facility
	// Tue Nov 3 02:05 PST  DP   in_transit       Departed origin facility
	// Tue Nov 3 20:32 MST  AR   in_transit       Arrived at hub
	// Wed Nov 4 00:40 MST  DP   in_transit       Departed hub
	// Wed Nov 4 13:41 CST  AR   in_transit       Arrived at hub
	// Wed Nov 4 15:58 CST  DP   in_transit       Departed hub
	// Thu Nov 5 11:19 EST  AR   in_transit       Arrived at hub
	// Thu Nov 5 16:08 EST  DP   in_transit       Departed hub
	// Fri Nov 6 02:27 EST  AR   in_transit       Arrived at destination facility
	// Fri Nov 6 07:43 EST  OD   out_for_delivery Out for delivery
	// Fri Nov 6 16:37 EST  AF   attempt_fail     Delivery attempted: no one available to receive
	// Mon Nov 9 07:39 EST  OD   out_for_delivery Out for delivery
	// Mon Nov 9 15:05 EST  DL   delivered        Delivered, front door
}

// A carrier that scans only at pickup and delivery, gives no estimate and
// delivers some Monday parcels on the Saturday before, with a surge
// slowing everything due in Texas for four weeks.
func ExampleOptions() {
	labelAt := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	sim, err := simulator.New(simulator.Options{
		Seed:            1,
		Scans:           simulator.ScansSparse,
		NoEstimates:     true,
		WeekendDelivery: 0.35,
		Surges: []simulator.Surge{{Region: "US-TX", ExtraDays: 3,
			Start: labelAt, End: labelAt.AddDate(0, 0, 28)}},
	})
	if err != nil {
		log.Fatal(err)
	}
	lo, hi := simulator.ScheduleRange(simulator.Reno, simulator.Dallas)
	fmt.Printf("Reno→Dallas scheduled in %d–%d business days\n", lo, hi)
	number, err := sim.Ship(simulator.Plan{LabelCreatedAt: labelAt, Origin: simulator.Reno, Destination: simulator.Dallas})
	if err != nil {
		log.Fatal(err)
	}
	events, _ := sim.Script(number)
	for _, e := range events {
		fmt.Printf("%s  %-3s %s\n", e.Time.Format("Mon Jan 2 15:04 MST"), e.Code, e.Status)
	}
	// Output:
	// Reno→Dallas scheduled in 2–5 business days
	// Mon Nov 2 07:00 PST  LC  info_received
	// Mon Nov 2 17:46 PST  PU  in_transit
	// Fri Nov 13 17:36 CST  DL  delivered
}

// A parcel network: the same coast-to-coast lane from a Monday and from a
// Friday pickup. The Friday parcel rides through the weekend and takes
// fewer business days (4 from Monday to Friday, 3 from Friday to
// Wednesday).
func ExampleNetwork() {
	monday := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC) // 07:00 in Los Angeles
	sim, err := simulator.New(simulator.Options{Seed: 4, Network: &simulator.Network{}})
	if err != nil {
		log.Fatal(err)
	}
	for _, label := range []time.Time{monday, monday.AddDate(0, 0, 4)} {
		number, err := sim.Ship(simulator.Plan{LabelCreatedAt: label, Origin: simulator.LosAngeles, Destination: simulator.NewYork})
		if err != nil {
			log.Fatal(err)
		}
		events, _ := sim.Script(number)
		for _, e := range events {
			if e.Code == "PU" || e.Code == "DP" || e.Code == "DL" {
				fmt.Printf("%s  %-3s %s\n", e.Time.Format("Mon Jan 2 15:04 MST"), e.Code, e.Location.City)
			}
		}
		fmt.Println()
	}
	// Output:
	// Mon Nov 2 17:15 PST  PU  Los Angeles
	// Mon Nov 2 21:16 PST  DP  Los Angeles
	// Tue Nov 3 21:30 MST  DP  Salt Lake City
	// Wed Nov 4 20:20 MST  DP  Denver
	// Fri Nov 6 16:29 EST  DL  New York
	//
	// Fri Nov 6 18:05 PST  PU  Los Angeles
	// Fri Nov 6 21:21 PST  DP  Los Angeles
	// Sun Nov 8 21:32 CST  DP  Chicago
	// Wed Nov 11 09:53 EST  DL  New York
}
