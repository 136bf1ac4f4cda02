package carriers_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
)

func ExampleDetect() {
	for _, n := range []string{"1Z 5R8 939 0357 5671 27", "RA123456785GB", "9400 1000 0000 0000 0000 06", "1Z5R89390357567128"} {
		ms := carriers.Detect(n)
		if len(ms) == 0 {
			fmt.Printf("%s: no match\n", n)
			continue
		}
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s: %s (%s) %s%s", n, ms[0].Carrier, ms[0].Format, ms[0].Service, ms[0].Country)))
	}
	// Output:
	// 1Z 5R8 939 0357 5671 27: ups (ups_1z) UPS United States Ground
	// RA123456785GB: s10 (s10) GB
	// 9400 1000 0000 0000 0000 06: usps (usps_impb)
	// 1Z5R89390357567128: no match
}

func ExampleFromAfterShip() {
	s, r := carriers.FromAfterShip("Exception", "Exception_017")
	fmt.Println(s, r)
	// Output: exception weather
}

// Track a number with any carrier.Carrier (here the simulator) and tell a
// not-found apart from other failures.
func ExampleCarrier() {
	labelAt := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	sim, err := simulator.New(simulator.Options{Seed: 3, Now: func() time.Time { return labelAt.AddDate(0, 0, 2) }})
	if err != nil {
		log.Fatal(err)
	}
	var c carriers.Carrier = sim
	n, err := sim.Ship(simulator.Plan{LabelCreatedAt: labelAt})
	if err != nil {
		log.Fatal(err)
	}
	for _, number := range []string{n, "NOPE"} {
		tr, err := c.Track(context.Background(), number)
		switch {
		case errors.Is(err, carriers.ErrNotFound):
			fmt.Println(number, "not found yet")
		case err != nil:
			log.Fatal(err)
		default:
			latest, _ := tr.Latest()
			fmt.Println(number, tr.Status, latest.Description, latest.Location.City)
		}
	}
	// Output:
	// SIM0000000001 in_transit Arrived at hub Denver
	// NOPE not found yet
}
