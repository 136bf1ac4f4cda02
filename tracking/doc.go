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
// host-supplied Calendar of holidays excluded; a weekend delivery counts
// as the next business day, and the share of such deliveries is learned
// per lane) per Lane — carrier, service, origin and destination region,
// any of them empty. A lane with no observations backs off to the
// destination region, then the origin region, then the regions'
// countries, carrier and service, carrier, and everything; a lane with
// fewer than DefaultMinSamples (30) is completed to 30 with the shape of
// the first of those that has data. Lanes into a destination are shifted
// by that destination's recent drift (transit minus the lane's median,
// recent deliveries weighted with ModelOptions.HalfLife, default 4 days,
// less the same over all the history), so a surge shows within days;
// refit daily with ModelOptions.AsOf. P50 is the median; P80 and P95 are
// the days whose share of deliveries is closest to 80 % and 95 %
// (calibrated coverage rather than at-least). Shipment.Estimate combines
// the carrier's estimate (used while its day has not passed) with the
// model's Date (P50), Likely (P80) and Latest (P95), conditioned on the
// business days already spent in transit, falling on a weekend when the
// carrier delivers then often enough, and says which it used. A
// date-only promise is Shipment.PromisedOn.
//
// # Delays
//
// Detectors run on every Apply and on Check(now); each is a pure function
// of the events, the carrier estimates, the Rules and the instant, and is
// configured through Config.Detectors: carrier exception (by reason),
// failed attempt, returned to sender, fulfillment stalled (label and no
// scan for 2 business days), shipment stalled (no scan for longer than
// the lane's usual longest silence — the P95 of delivered parcels'
// longest gap between scans, plus a day — learned by the model, so a
// carrier that scans only at pickup and delivery is allowed its whole
// transit; else 3 business days domestic and 5 international), at risk
// (the carrier's fresh estimate is past the promise, or, without one, the
// model's probability of delivery by the promised day given the business
// days elapsed and the hour of the day — a parcel not delivered by
// evening is unlikely to come today — is below
// Detectors.AtRiskProbability, 0.4; from the pickup scan on, so a promise
// that is already unlikely at pickup is warned at once; out for delivery
// by the promised day is on time), late, estimate slipped, and lost (the
// carrier says so; with a model, silent for longer than the stall
// threshold and in transit past the lane's P99 plus Detectors.LostMargin,
// 3 business days; without one, no scan for 8/15 business days). Each
// Delay has a kind, evidence (events, thresholds, dates and the on-time
// probability compared), the instant it was detected, and an ID stable
// per episode; it clears when its cause does, and a recurrence is a new
// episode with a new ID.
//
// Measured on simulated history (go test ./tracking -run TestEvaluate -v
// -eval.n=30000; see evaluate_test.go): 30,000 shipments over 150 days
// from four warehouses to thirteen US regions (52 lanes per carrier, some
// thin), half with a carrier that scans at every facility and gives
// estimates, half with one that scans only at pickup and delivery and
// gives none; 8 % of parcels silently late with a heavy tail, Saturday
// deliveries, a four-week surge into Texas, 12 % with injected trouble;
// promise = the lane's slowest schedule plus one business day (one order
// in twenty: its fastest plus one). The model
// is refitted every day of the test period (the last 40 % by label date)
// on the deliveries seen by then and the parcels then in flight; every
// test shipment is polled every two hours. Flagged = any delay opened
// before the promised time passed; false alarms = on-time deliveries
// without injected trouble that had any delay opened:
//
//	                       flagged before the promise     flagged before the promise
//	                       with the model                 without a model
//	trouble                full scans   pickup+delivery   full scans   pickup+delivery
//	weather delay            100 %        100 %             100 %        100 %
//	stalled                   96.8 %      100 %              66.7 %       87.5 %
//	failed attempt            98.1 %      100 %              90.5 %       99.0 %
//	lost                      99.0 %      100 %              72.8 %       95.2 %
//	damaged                  100 %        100 %             100 %        100 %
//	returned to sender        98.0 %      100 %              94.0 %       97.8 %
//	estimate slipped         100 %         50.9 % (*)       100 %         85.7 %
//	false alarms               2.0 %        5.3 %             0.0 %       54.1 %
//	  (on-time, no trouble)    (at risk)    (at risk)                     (stalled)
//
// (*) that carrier gives no estimates, so its "slipped estimate" is a
// silent two-day delay, caught only by the at-risk detector; about 100
// shipments per cell. Without a model, the sparse carrier's catches come
// with its false alarms: the fixed 3-day stall opens on every parcel that
// takes more than three days, as it did on 54 % of on-time real orders.
// Stall and lost false alarms with the model: 0.00 % on both carriers.
//
// At risk (shipments without injected trouble, 8.6 % of them late): 96.4 %
// of the late ones warned before the promise passed, 36.3 % two days or
// more ahead (median lead 1.0 day), 3.6 % of the on-time ones warned (2.0
// % and 5.3 % by carrier). Late parcels with a tight promise are warned
// at pickup; those late by a day or two with no sign before (the heavy
// tail) on the promised day, when the hour makes delivery unlikely.
// AtRiskProbability 0.3, 0.5 and 0.7 give 27.7 %, 41.8 % and 51.1 % two
// days ahead for 2.3 %, 5.4 % and 13.8 % false alarms (recall 96.4–96.5 %).
//
// Estimates at pickup (11,780 test deliveries): MAE 1.561 days against
// 1.582 for the origin→destination-region median and 1.809 for the
// destination-region median refitted the same way (-1.3 % and -13.7 %),
// and 1.579 for the lane median fitted on all the data, test set included
// — on this data a median cannot do much better, so the 10 % target of
// issue 14 is not reached here; P80 covers 81.1 % and P95 94.1 %; the
// Texas surge is learned (five-day trailing error back within a day of
// its level before the surge, three days running) 5 days after it
// starts, against 24 for the median, and 12 when the model sees
// deliveries only, no parcels in flight.
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
