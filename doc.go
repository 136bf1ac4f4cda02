// Package postpurchase is an embeddable Go library for the post-purchase
// window of direct-to-consumer brands: the days between "order placed" and
// "delivered" when customers otherwise ask "where is my order?".
//
// It keeps tracking on the brand's own site, tells the customer about every
// shipping event the moment it happens (through Klaviyo, so the brand's
// flows fire with no engineering), catches delays before the customer
// notices, and answers each delay in proportion to who the customer is — a
// premium make-good for a valuable repeat customer, a measured one for a
// risky first order — paid as CashBack credit the customer can see and
// spend.
//
// The host application supplies storage and the HTTP server; this module
// supplies pure logic behind small interfaces, real adapters for the
// systems it talks to, and test kits for the adapters that others write:
//
//   - carriers: the normalized tracking model (Status, Reason, Event,
//     Tracking), tracking-number detection, the Carrier contract, adapters
//     for UPS, FedEx, USPS and DHL, a conformance suite (carrierstest) and a
//     deterministic simulator.
//   - tracking: shipment state from carrier events, milestones, delivery
//     estimates, delay detection, and a poller.
//   - scoring: customer signals, a value-and-risk score with reasons, and
//     predicted customer value.
//   - accommodation: make-good policies as data, evaluated to a decision
//     with a trace.
//   - cashback: an append-only credit ledger in exact decimal money.
//   - klaviyo: a Klaviyo client for events and profiles, and a local fake.
//
// Dependencies point one way: the leaves (scoring, accommodation, cashback,
// klaviyo) import no sibling, tracking imports only carriers, and this root
// package composes them. Run the whole journey on embedded defaults with
//
//	go run ./examples/journey
package postpurchase
