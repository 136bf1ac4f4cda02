// Package accommodation turns a delay into the right make-good. A policy
// is data, not code: a JSON document a merchant keeps in a database and
// edits, which this package validates once (Parse, Load) and then
// evaluates on plain facts about one delayed order (Policy.Evaluate),
// giving a Decision with the actions, exact amounts and a trace of why.
// Simulate replays a policy over past situations to show what it would
// have cost before it is turned on.
//
// The package reads plain facts, not the scorer, the tracker or the
// ledger: the host builds a Facts value and records the resulting cashback
// itself. Tier and delay kind are strings from the module's one vocabulary:
// Tiers are package scoring's tiers, DelayKinds package tracking's delay
// kinds, with exactly the same names (this package may import neither;
// its tests pin the names), and a name outside them is refused.
//
// # The default policy, in plain words
//
// Default (the embedded document DefaultJSON returns) treats customers
// according to who they are:
//
//   - A VIP whose order is late, stalled (before or after the carrier's
//     first scan) or held up by a carrier exception gets, without having
//     to ask, 15% of the order back as store credit (up to $30), free
//     upgraded shipping on their next order and the priority support line.
//     If the parcel is lost or returned to sender, a replacement goes out at
//     once by expedited shipping, with 20% credit (up to $40) and priority
//     support. A VIP whose parcel is only at risk, whose carrier estimate
//     slipped (the promise may still hold) or who missed a delivery attempt
//     hears about it first, with free upgraded shipping on the next order
//     and priority support; credit follows if the order turns late.
//   - A risky first order (a first order with a risk score of 60 or more),
//     any order with a risk score of 75 or more, and any customer the
//     scorer marks risky get a sincere apology and the normal claim path:
//     no credit and no reshipment until the carrier confirms what happened.
//   - A loyal customer gets a replacement and $10 credit if the parcel is
//     lost, or 10% credit (up to $15) and upgraded shipping next time if the
//     order is two or more days late. Any low-risk customer (risk score 40
//     or less) whose parcel is lost gets an expedited replacement. An order
//     of $25 or more that is five or more days late earns $5 credit when
//     the budgets allow it in full. Everyone else, whatever the delay kind,
//     gets a prompt apology (a parcel returned to sender of a customer who
//     is not a VIP takes the claim path, since the cause is often the
//     address).
//   - A parcel stuck for five business days puts any customer with a risk
//     score of 50 or less in the priority support queue, on top of the rest.
//   - Budgets: at most $50 of credit per order, $75 per customer in any 90
//     days and $2,500 per day for the whole brand; a credit that would
//     exceed one is reduced to what fits, and the decision says so.
//
// # Policy documents
//
//	{
//	  "version": "2026-08-01",
//	  "currency": "USD",
//	  "rounding": "half_up",
//	  "budgets": {"per_order": "50.00", "per_customer_90_days": "75.00",
//	              "per_day": "2500.00", "over_budget": "reduce"},
//	  "rules": [
//	    {"id": "vip-delayed",
//	     "description": "...",
//	     "when": [{"fact": "tier", "eq": "vip"},
//	              {"fact": "delay_kind", "in": ["late", "shipment_stalled"]}],
//	     "then": [{"action": "cashback", "percent": "15", "cap": "30.00", "message": "delay.vip.cashback"},
//	              {"action": "shipping_upgrade", "on": "next_order", "message": "delay.vip.upgrade", "cost": "9.00"}]}
//	  ]
//	}
//
// version (a string) and currency (an ISO 4217 code with minor units that
// is still active: withdrawn codes such as HRK are refused) are required; description is free text. Rules are tried in
// order; all conditions of a rule must hold (a rule without "when" matches
// everything). The first matching rule decides, unless it has
// "continue": true, in which case its actions are kept and the next rules
// are tried too. A later action of a kind already decided is not repeated,
// except cashback, which adds up within the budgets.
//
// Facts and their operators (any operator may be wrapped in "not": {...}):
//
//	tier                       enum: vip loyal regular new risky         eq in
//	delay_kind                 enum: exception attempt_failed returned_to_sender
//	                           fulfillment_stalled shipment_stalled at_risk late
//	                           estimate_slipped lost                     eq in
//	value_score, risk_score    number 0–100                              eq gte lte between
//	days_late, business_days_stalled, order_count, order_accommodations
//	                           whole number ≥ 0                          eq in gte lte between
//	                           (days_late: whole calendar days past the promised
//	                           date in the brand's time zone, as tracking counts)
//	order_total, customer_cashback_90_days, order_cashback
//	                           money in the policy currency              eq gte lte between
//	first_order                true or false                             eq
//	carrier                    string, case-insensitive                  eq in
//	destination_country        ISO 3166-1 alpha-2, case-insensitive      eq in
//
// An empty tier or delay kind in Facts means unknown and equals no listed
// value (so it satisfies "not"). between takes [low, high], both included.
// Money is written as a decimal string ("12.50", at most 40 characters) or
// a JSON number (at most 64 characters) and follows the module's one rule for money (internal/iso4217): exact in the
// currency's minor units, at most 10^15 minor units, and here never
// negative.
//
// Actions ("action" plus a "message" key for the notification, optional
// for nothing):
//
//	cashback               "amount": fixed, or "percent" (0 < p ≤ 100, ≤ 4 decimals) with "cap"
//	shipping_upgrade       "on": "replacement" or "next_order"
//	expedited_replacement
//	priority_support
//	apology_only           must be the rule's only action
//	nothing                must be the rule's only action; stops evaluation on purpose
//
// Non-cash actions may carry an estimated "cost" that Simulate counts.
//
// # Budgets and rounding
//
// Budgets apply to cashback: per_order counts Facts.OrderCashback,
// per_customer_90_days counts Facts.CustomerCashback90Days and per_day
// counts Facts.BrandCashbackToday, plus what the decision itself grants.
// Each is optional. When a rule's cashback does not fit, over_budget
// (policy-wide in "budgets", overridable per rule) says what happens:
// "reduce" (the default) grants what fits, possibly nothing, and marks the
// action's and the decision's ReducedBy; "next_rule" skips the rule
// entirely and records the budget in SkippedBy.
//
// A percent cashback is computed exactly and rounded once to the
// currency's minor units with the policy's "rounding": "half_up" (the
// default: nearest, halves away from zero), "half_even" (nearest, halves
// to even) or "down" (truncate). Fixed amounts, caps and budgets are exact.
//
// # Validation
//
// Parse collects every problem rather than stopping at the first, each
// with its JSON path (such as $.rules[2].when[0].fact) and a kind for
// errors.Is: ErrUnknownField, ErrUnknownFact, ErrBadComparison (an
// operator or value of the wrong type for the fact), ErrNegativeAmount,
// ErrPercentRange, ErrTooPrecise, ErrCurrency, ErrUnreachable and others.
// A rule is unreachable when its own conditions contradict each other, or
// when an earlier rule that always decides (no continue, no chance of
// giving way to a budget) matches every case it would: the analysis is
// exact for single rules, over sets of values per fact. A policy that
// parses cannot fail during evaluation; Evaluate only rejects facts (wrong
// currency, a score above 100, a negative count, a tier or delay kind
// outside the vocabulary) with a *FactsError.
//
// Errors follow the module's idiom: each *Problem and *FactsError has a
// Path (where), a Reason (why, in words) and an Err (the kind) returned by
// Unwrap. Input echoed in them (member names, literals) is clipped to 64
// bytes. Parsing costs time and memory linear in the document: the JSON
// tree is the package's own (strict like encoding/json, and checked against
// it), and paths are built only for the problems reported.
//
// # Performance
//
// Evaluate does not allocate: amounts are kept in minor units and become
// decimals only when asked for (Action.Amount), the trace is rebuilt on
// demand (Decision.Trace) because evaluation is deterministic, and each
// rule is compiled to a plan (its tier, delay-kind and first-order
// conditions folded into one 64-bit mask test, ranges into compact
// checks). Measured figures are in BENCHMARKS.md at the repository root.
package accommodation
