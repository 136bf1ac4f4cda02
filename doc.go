// Package postpurchase is an embeddable Go library for the post-purchase
// window of direct-to-consumer brands: the days between "order placed" and
// "delivered" when customers otherwise ask "where is my order?".
//
// The Engine in this package runs the whole journey. The host registers an
// order when its labels are bought; carrier updates arrive by push
// (WebhookHandler, Ingest) or by polling (Tick, Run); the Engine turns them
// into milestones and delay episodes (package tracking), tells the
// customer about each step through their ESP (the KlaviyoNotifier sends
// the klaviyo catalog's events), scores the customer at the first delay
// without the order at hand (package scoring), asks the make-good policy
// what to do (package accommodation), pays CashBack (package cashback) and
// hands non-cash actions to the host as typed Tasks. Claims and returns
// (FileClaim, StartReturn) and the page data of the brand's tracking page
// (OrderView, rendered by package hub) go through the same Engine.
//
//	eng, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{ups, fedex}})
//	err = eng.Register(ctx, now, order)              // 1. the order and its shipments
//	http.Handle("/hooks/fedex", eng.WebhookHandler(fedex, postpurchase.FedExSignature(token)))
//	go eng.Run(ctx)                                  // 2. poll, check delays, drain side effects
//	view, err := eng.OrderView(ctx, now, order.ID)   // 5. the tracking page
//	c, err := eng.FileClaim(ctx, now, req)           // 6. a claim
//
// # Exactly once
//
// The Engine decides once and records before it acts. Each change of an
// order — a shipment's new state, the decision with the score and rule it
// used, and every side effect it implies (a ledger request with its
// idempotency key and fixed times, messages with their unique IDs, tasks)
// — is one atomic Store.Commit with optimistic concurrency on the order's
// version; a commit that adds credit also carries the budget totals its
// decision read (a version per customer and one for the brand), and the
// store refuses it if credit was added since, so Engines deciding at the
// same instant for two orders cannot together overshoot a budget: the
// Engine reloads and decides again. Draining then executes the pending
// effects; a retry re-sends the stored request and never decides again.
// Keys derive from stable IDs (milestone, delay episode, case), never from
// the time. Every dependency has an in-memory default (MemoryStore, MemoryNotifier, MemoryTasks, a
// ledger over cashback/memstore), so New with only a carrier runs the
// whole journey in one process; package postpurchasetest checks other
// Store implementations, and the reference stores for PostgreSQL and
// SQLite live in their own packages.
//
// # Product rules
//
//   - One make-good per order per incident, topped up if it gets worse
//     (late → lost); the score used is taken at the first delay, without
//     the order being made good; open delays are re-evaluated as days late
//     grow; at most one delay message per order per day.
//   - Carrier events older than Config.StaleAfter (72 hours) are applied
//     but not announced.
//   - Claims (not received, delivered but not received, damaged, missing
//     items) and returns have windows (Windows, each default with its
//     source); a trusted customer's claim is resolved at once, a risky
//     one goes to review.
//
// Run the whole journey on embedded defaults with
//
//	go run ./examples/journey
//
// Performance figures are in BENCHMARKS.md at the repository root.
package postpurchase
