package postpurchase_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/simulator"
)

// The first step of every journey: recognise the carrier from the tracking
// number the store got at fulfilment, then track it. The simulator stands
// in for the carrier here.
func Example() {
	fmt.Println(carriers.Detect("1Z5R89390357567127")[0].Carrier)

	labelAt := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	sim, err := simulator.New(simulator.Options{Seed: 1, Now: func() time.Time { return labelAt.AddDate(0, 0, 10) }})
	if err != nil {
		log.Fatal(err)
	}
	number, err := sim.Ship(simulator.Plan{LabelCreatedAt: labelAt, Trouble: simulator.WeatherDelay})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := sim.Track(context.Background(), number)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tr.Status, len(tr.Events), "events")
	// Output:
	// ups
	// delivered 15 events
}
