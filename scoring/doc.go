// Package scoring turns what a store knows about one customer (a History)
// into named signals and a Score: a value score and a risk score, a tier
// (vip, loyal, regular, new, risky) and the reasons that moved the scores,
// in words a support lead reads ("10 orders in 14 months",
// "2 item-not-received claims in 60 days").
//
// # Signals
//
// A registry of 72 built-in signals in six groups — value and
// relationship, predicted value, engagement, delivery experience and
// support, returns and claims, payment and identity risk — each with a
// name, group, unit, direction, normalisation scale, neutral point and
// definition. SIGNALS.md is generated from the registry and a test keeps
// it in step (go test -run TestSignalsDoc -update ./scoring rewrites it).
// Signals are computed as of an injected now, never the wall clock. A
// signal whose inputs are absent from the History (nil pointer or nil
// slice) is missing, not zero: it leaves the score entirely. Hosts add
// their own signals (a function over History) with WithSignals and weight
// them in the configuration.
//
// # Score
//
// Config holds weights, scales, tier rules and reason settings; it loads
// from JSON with ParseConfig, which lays the document over DefaultConfig,
// and is validated once by New: unknown signal names, weights out of
// range, empty or overlapping tier rules are *ConfigError values carrying
// the JSON path. Value is 50 ± 50 times the weighted mean of each present
// signal's strength relative to its neutral point; Risk is a noisy-OR of
// risk evidence, damped by reassuring signals. Reason contributions are in
// points of the score they moved; risk contributions add up to Risk.
//
// # Predicted value
//
// With WithModel and a clv.Model fitted on the host's own order history
// (see package clv: BG/NBD, Gamma-Gamma, discounted 12-month value) the
// predicted signals — probability_alive, expected_purchases_90_days,
// expected_purchases_12_months, expected_average_order_value,
// predicted_value_12_months — are computed from the customer's orders;
// without a model they are missing.
//
// # Bad input
//
// Negative amounts, times in the future (beyond MaxClockSkew), duplicate
// order IDs, mixed currencies, NaN or out-of-range numbers make Score
// return a *HistoryError naming the field ("orders[3].total"); a Score
// never holds NaN. Errors never carry identifiers, addresses or amounts.
//
// # Performance
//
// Score makes one pass over the History and allocates twice (the signal
// vector and the reasons) for histories of up to 64 orders, shipments and
// returns. Measured on the shared 2-core AMD EPYC development machine
// with other builds running (load average 6–10), so wall time (ns/op)
// overstates the cost; cpu-ns/op is process CPU time per operation:
//
//	go test -run '^$' -bench . ./scoring
//	go test -run '^$' -bench ScoreParallel -benchtime 1000000x ./scoring
//
//	BenchmarkScore             5.8–8.3 µs/op wall  5.4–7.5 µs/op CPU  2 allocs  10 orders, all 72 signals, model attached
//	BenchmarkScoreNoModel      3.3–3.7 µs/op wall  3.3–3.9 µs/op CPU  2 allocs  same, predicted signals missing
//	BenchmarkSignalsOneByOne   113–124 µs/op wall  112–122 µs/op CPU  72 allocs baseline: each signal as its own function
//	BenchmarkScoreParallel     1,000,000 synthetic customers (1–20 orders, model) on both cores:
//	                           146,521–163,481 customers/s, 1 alloc/op (reasons included when any clear the threshold)
//
// The target for BenchmarkScore is under 3 µs and at most 2
// allocations: the allocation target is met; the time target is not yet
// met with the model attached (the BG/NBD series for 13 horizons and the
// 12-month discounting take about 2 µs of it here).
package scoring
