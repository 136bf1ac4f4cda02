package tracking_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
	"github.com/postpurchase/postpurchase/tracking"
)

// A shipment follows the carrier's scans: each milestone is reported once,
// and a failed delivery attempt opens a delay that clears on delivery.
func Example() {
	label := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	sim, err := simulator.New(simulator.Options{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	number, err := sim.Ship(simulator.Plan{LabelCreatedAt: label, Trouble: simulator.FailedAttempt})
	if err != nil {
		log.Fatal(err)
	}
	events, _ := sim.Script(number)

	s := &tracking.Shipment{OrderID: "#1042", Carrier: sim.Code(), TrackingNumber: number,
		Origin: "US-NV", Destination: "US-OH", LabelCreatedAt: label}
	for _, e := range events {
		ch, err := s.Apply(e)
		if err != nil {
			log.Fatal(err)
		}
		for _, m := range ch.Milestones {
			fmt.Printf("%s  milestone %s\n", m.At.Format("Mon 15:04"), m.Kind)
		}
		for _, d := range ch.Delays {
			fmt.Printf("%s  delay opened: %s (%s)\n", e.Time.Format("Mon 15:04"), d.Kind, d.Reason)
		}
		for _, d := range ch.Cleared {
			fmt.Printf("%s  delay cleared: %s\n", e.Time.Format("Mon 15:04"), d.Kind)
		}
	}
	st, _ := s.Status()
	fmt.Println("status:", st, "version:", s.Version)
	// Output:
	// Mon 17:46  milestone shipped
	// Mon 17:46  milestone in_transit
	// Fri 07:43  milestone out_for_delivery
	// Fri 16:37  milestone attempt_failed
	// Fri 16:37  delay opened: attempt_failed (recipient_unavailable)
	// Mon 15:05  milestone delivered
	// Mon 15:05  delay cleared: attempt_failed
	// status: delivered version: 15
}

// A parcel that stops moving is flagged on a clock tick once it has gone
// longer than the domestic default of 3 business days without a scan, and
// the flag clears at the next scan.
func ExampleShipment_Check() {
	reno := time.FixedZone("PST", -8*3600)
	s := &tracking.Shipment{Carrier: "ups", TrackingNumber: "1Z999AA10123456784", Origin: "US-NV", Destination: "US-OH"}
	s.Apply(carriers.Event{Time: time.Date(2026, 3, 4, 11, 0, 0, 0, reno), Status: carriers.StatusInTransit, Code: "DP", Description: "Departed facility"})

	for _, day := range []int{6, 9, 10} {
		now := time.Date(2026, 3, day, 12, 0, 0, 0, time.UTC)
		for _, d := range s.Check(now).Delays {
			fmt.Printf("%s: %s after %d business days (threshold %d, %s)\n", now.Format("Mon Jan 2"),
				d.Kind, d.Evidence.ElapsedBusinessDays, d.Evidence.ThresholdBusinessDays, d.Evidence.Threshold)
		}
	}
	ch, _ := s.ApplyAt(time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC),
		carriers.Event{Time: time.Date(2026, 3, 10, 9, 30, 0, 0, reno), Status: carriers.StatusInTransit, Code: "AR", Description: "Arrived at facility"})
	for _, d := range ch.Cleared {
		fmt.Println("cleared:", d.Kind)
	}
	// Output:
	// Tue Mar 10: shipment_stalled after 4 business days (threshold 3, domestic)
	// cleared: shipment_stalled
}

// Days late is counted in the brand's time zone, in calendar days from
// the promised date; a promise that is a day needs no invented instant.
func ExampleShipment_DaysLate() {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		log.Fatal(err)
	}
	rules, err := tracking.NewRules(tracking.Config{Location: ny})
	if err != nil {
		log.Fatal(err)
	}
	s := &tracking.Shipment{Carrier: "ups", TrackingNumber: "1Z999AA10123456784",
		PromisedOn: tracking.MakeDate(2026, 11, 6)} // "by Friday"
	s.UseRules(rules)
	for _, now := range []time.Time{
		time.Date(2026, 11, 6, 23, 59, 0, 0, ny),
		time.Date(2026, 11, 7, 0, 1, 0, 0, ny),
		time.Date(2026, 11, 9, 10, 0, 0, 0, ny),
	} {
		fmt.Printf("%s: %d days late\n", now.Format("Mon 15:04"), s.DaysLate(now))
	}
	s.Apply(carriers.Event{Time: time.Date(2026, 11, 9, 14, 0, 0, 0, ny), Status: carriers.StatusDelivered, Code: "DL"})
	fmt.Println("delivered Monday:", s.DaysLate(time.Date(2026, 12, 1, 0, 0, 0, 0, ny)), "days late")
	// Output:
	// Fri 23:59: 0 days late
	// Sat 00:01: 1 days late
	// Mon 10:00: 3 days late
	// delivered Monday: 3 days late
}

// The transit model learns delivery times per lane and backs off to a
// coarser lane when a lane has too few deliveries.
func ExampleFitTransitModel() {
	var obs []tracking.Observation
	for i := range 60 {
		ship := time.Date(2026, 1, 5, 17, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i) // Mondays
		days := []int{2, 3, 3, 4, 6}[i%5]
		obs = append(obs, tracking.Observation{
			Lane:        tracking.Lane{Carrier: "ups", Service: "Ground", Origin: "US-NV", Destination: "US-OH"},
			ShippedAt:   ship,
			DeliveredAt: ship.AddDate(0, 0, days+2*(days/5)), // skip the weekend
		})
	}
	holidays := tracking.NewCalendar(tracking.MakeDate(2026, 1, 19))
	m, err := tracking.FitTransitModel(obs, &tracking.ModelOptions{Calendar: holidays})
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range []tracking.Lane{
		{Carrier: "ups", Service: "Ground", Origin: "US-NV", Destination: "US-OH"},
		{Carrier: "ups", Service: "Ground", Origin: "US-CA", Destination: "US-TX"},
		{Carrier: "fedex"},
	} {
		q, ok := m.Quantiles(l)
		fmt.Printf("%-28s ok=%v P50=%d P80=%d P95=%d from %s (%d samples)\n", l, ok, q.P50, q.P80, q.P95, q.Lane, q.Samples)
	}
	// Output:
	// ups/Ground/US-NV→US-OH       ok=true P50=3 P80=4 P95=6 from ups/Ground/US-NV→US-OH (60 samples)
	// ups/Ground/US-CA→US-TX       ok=true P50=3 P80=4 P95=6 from ups/Ground/US→US (60 samples)
	// fedex/*/*→*                  ok=true P50=3 P80=4 P95=6 from */*/*→* (60 samples)
}

// A Tracker polls the carriers for the shipments that are due and
// reschedules each by its state.
func ExampleTracker_Refresh() {
	label := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	now := label.Add(50 * time.Hour)
	sim, err := simulator.New(simulator.Options{Seed: 2, Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	var ships []*tracking.Shipment
	for _, tb := range []simulator.Trouble{simulator.NoTrouble, simulator.WeatherDelay} {
		n, err := sim.Ship(simulator.Plan{LabelCreatedAt: label, Trouble: tb, TransitDays: 3})
		if err != nil {
			log.Fatal(err)
		}
		ships = append(ships, &tracking.Shipment{Carrier: "sim", TrackingNumber: n, LabelCreatedAt: label,
			PromisedBy: time.Date(2026, 11, 6, 23, 59, 59, 0, time.UTC)})
	}
	tr, err := tracking.New(tracking.Options{Carriers: []carriers.Carrier{sim}, Concurrency: 4})
	if err != nil {
		log.Fatal(err)
	}
	results, err := tr.Refresh(context.Background(), now, ships)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		st, _ := r.Shipment.Status()
		next, _ := r.Shipment.NextPoll()
		fmt.Printf("%s: %s, %d events, %d new milestones, delays %v, next poll in %v\n",
			r.Shipment.TrackingNumber, st, r.Shipment.NumEvents(), len(r.Changes.Milestones), kinds(r.Changes.Delays), next.Sub(now))
	}
	// Output:
	// SIM0000000001: in_transit, 6 events, 2 new milestones, delays [], next poll in 4h0m0s
	// SIM0000000002: exception, 6 events, 3 new milestones, delays [exception], next poll in 2h0m0s
}

func kinds(ds []tracking.Delay) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.Kind.String())
	}
	return out
}
