// Package tracking turns carrier scans into what a brand needs to answer
// "where is my order?" before it is asked: shipment state, milestones,
// delivery estimates, delays caught early, and a poller for carriers that
// do not push.
//
// It imports only package carriers. Carrier adapters implement the small
// carriers.Carrier interface; Tracker is the concrete type over them that
// does the shared work (polling, back-off, normalisation of what comes
// back), as database/sql does over its drivers.
//
// # Shipments
//
// A Shipment holds the host's references (order, customer, carrier,
// number, service, ship-from and ship-to regions, the promise given at
// checkout) and everything learned from events. Shipment.Apply (or ApplyAt
// with the current time, or Update with a whole carriers.Tracking) returns
// Changes: milestones reached for the first time, delay episodes opened
// and cleared. Applying is idempotent, independent of arrival order (the
// same set of events in any order and batches gives the same events,
// status, milestones and active delays) and never regresses: a late
// in-transit scan does not undo a delivery, a return to sender after it
// does. Property tests (pgregory.net/rapid) check all three over generated
// streams with duplicates, offsets and ties. Bad events (zero or absurd
// times, future times beyond MaxClockSkew, undefined statuses) are
// skipped with a typed *EventError; a result for another carrier or
// number is refused with ErrWrongShipment.
//
// Milestones (shipped, in transit, out for delivery, attempt failed,
// available for pickup, delivered, exception, returned to sender) are
// emitted once each with an ID derived from the shipment and the kind, so
// a host can notify at least once and receivers de-duplicate.
//
// A Shipment marshals to JSON and back without loss (a "format" field for
// the layout, a Version for the host's optimistic concurrency). Decoding
// validates everything and is strict where encoding/json is not (unknown,
// repeated or case-variant keys, more events than a shipment may hold,
// UTC offsets of 24 hours that could never be written back), reporting a
// *DecodeError with the JSON path; FuzzShipmentJSON and FuzzApplyEvent
// exercise it (go test ./tracking -run '^$' -fuzz FuzzShipmentJSON
// -fuzztime 60s -fuzzminimizetime 5s: without a bound on minimizing, a
// new input from the 5–9 KB seed documents can take a minute to
// minimize). Every error text repeats at most 64 bytes of any input value.
//
// # Promises and days late
//
// The promise is PromisedBy (an instant) or, for a promise that is a day
// ("by Friday"), PromisedOn (a Date, ending with that day in the brand's
// time zone, Config.Location). Shipment.DaysLate(now) is the one
// definition of lateness the packages share: whole calendar days from the
// promised date to the delivery date (or today while undelivered), taken
// in the brand's time zone; 0 when on time or without a promise. Delivery
// estimates are Dates too (Estimate.Date, Estimate.Latest): a day, not an
// invented instant. EstimateBasis says what an Estimate is based on
// (carrier, model, delivery); it is not carriers.EstimateSource, which
// qualifies the carrier's own estimate.
//
// # Estimates and the transit model
//
// FitTransitModel learns delivery times in business days (weekends and a
// host-supplied Calendar of holidays excluded) per Lane — carrier,
// service, origin and destination region, any of them empty — and gives
// P50/P80/P95. A lane with fewer than DefaultMinSamples (30) observations
// backs off to its regions' countries, then carrier and service, carrier,
// and everything. Shipment.Estimate combines the carrier's estimate (used
// while its day has not passed) with the model's, conditioned on the
// business days already spent in transit, and says which it used.
//
// # Delays
//
// Detectors run on every Apply and on Check(now); each is a pure function
// of the events, the carrier estimates, the Rules and the instant, and is
// configured through Config.Detectors: carrier exception (by reason),
// failed attempt, returned to sender, fulfillment stalled (label and no
// scan for 2 business days), shipment stalled (no scan for longer than the
// lane's usual gap learned by the model, else 3 business days domestic and
// 5 international), at risk (the current estimate is past the promised
// date before the promise passes; the model's estimate counts once it has
// moved later than it was at shipping), late, estimate slipped, and lost
// (the carrier says so, or no scan for 8/15 business days). Each Delay has
// a kind, evidence (events, thresholds, dates compared), the instant it
// was detected, and an ID stable per episode; it clears when its cause
// does, and a recurrence is a new episode with a new ID.
//
// Measured with carriers/simulator (go test ./tracking -run
// TestDetectionRate -detection.n=10000 -v; 5,000 clean shipments and 5,000
// with injected trouble, polled every two hours, promise = scheduled
// transit + 1 business day):
//
//	                                   no model   model fitted on 2,000 simulated deliveries
//	injected trouble flagged before     78.5 %     76.7 %
//	  the promised time passed
//	on-time clean shipments flagged      8.5 %      4.3 %
//	  (any delay)                        (stall)    (at risk)
//
// By trouble (model): weather, damaged and estimate-slipped 100 %, failed
// attempt 84.5 %, returned to sender 84.6 %, stalled 35.2 %, lost 32.0 %
// before the promise; every troubled shipment is flagged eventually. A
// stall or loss that starts a day or two before a tight promise cannot be
// told from normal movement within the stall threshold; the false positives
// without a model come from the simulator holding some parcels at the
// destination facility for several days until their scheduled date, a gap
// the model's lane-gap threshold learns.
//
// # Tracker
//
// Tracker.Refresh polls the shipments that are due: bounded concurrency
// (errgroup with a limit), a rate.Limiter per carrier, back-off after
// carriers.ErrRateLimited, singleflight so one number is fetched once at a
// time, carriers.BatchTracker used when a carrier offers it, and a cadence
// that follows the state (hourly out for delivery, every 12 hours while a
// label waits, stopping 48 hours after delivery). New takes one Options
// struct (zero value: the defaults). Tracker.Run loops over a host Store
// on the host's ticks, reading Options.Now; cancelling its context stops
// it with no goroutine left behind. No decision reads the wall clock: each
// takes now, right after ctx when there is one (Due(now, s),
// Refresh(ctx, now, list), Estimate(now), DaysLate(now)); only the
// optional per-carrier rate limiter paces requests in real time.
//
// # Performance
//
// Applying an event to a 20-event shipment, with every detector, costs no
// allocation; the figures and the command that produces them are in
// BENCHMARKS.md at the module root (scripts/benchmarks tracking).
package tracking
