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
// their own signals (a function over History) in Options.Signals and
// weight them in the configuration.
//
// # Score
//
// Config holds weights, scales, tier rules and reason settings; it loads
// from JSON with ParseConfig, which lays the document over DefaultConfig,
// and is validated once by New: unknown signal names, weights out of
// range, numbers float64 cannot hold exactly (ErrInexactNumber), empty or
// overlapping tier rules are *ConfigError values carrying the JSON path;
// error texts repeat at most 64 bytes of any input. Value is 50 ± 50 times the weighted mean of each present
// signal's strength relative to its neutral point; Risk is a noisy-OR of
// risk evidence, damped by reassuring signals. Reason contributions are in
// points of the score they moved; risk contributions add up to Risk.
//
// # Predicted value
//
// With Options.Model, a clv.Model fitted on the host's own order history
// (see package clv: BG/NBD, Gamma-Gamma, discounted 12-month value) the
// predicted signals — probability_alive, expected_purchases_90_days,
// expected_purchases_12_months, expected_average_order_value,
// predicted_value_12_months — are computed from the customer's orders;
// without a model they are missing.
//
// # Bad input
//
// Negative amounts, times in the future (beyond MaxClockSkew), duplicate
// order IDs, a currency that is not an ISO 4217 code (the module's one
// table, internal/iso4217), mixed currencies, NaN or out-of-range numbers
// make Score return a *HistoryError whose Path names the field
// ("orders[3].total"); a Score
// never holds NaN. Errors never carry identifiers, addresses or amounts.
//
// # Performance
//
// Score makes one pass over each part of the History and allocates twice
// (the signal vector and the reasons) for histories of up to 64 orders,
// shipments and returns: built-in values are written by one straight-line
// function, per-call memory is pooled, ID comparisons go through 8-byte
// keys, and the model's series is summed once per horizon in registers
// (see package clv). Results are bit for bit those of the code before
// this work (commit 562c96b): TestScoreGolden pins every bit of about
// 5,900 scores (values, risks, tiers, reasons and their texts, all
// signals) across seven scorer configurations.
//
// Measured on the shared 2-core AMD EPYC development machine, new code
// and the baseline (562c96b in a git worktree) alternating, five rounds,
// median [range]; cpu-ns/op is process CPU time per operation:
//
//	git worktree add /tmp/scoring-base 562c96b
//	go test -run '^$' -bench 'BenchmarkScore$|BenchmarkScoreNoModel' -count 1 ./scoring   # ×5 in each tree, alternating
//	go test -run '^$' -bench ScoreParallel -benchtime 1000000x ./scoring
//
//	BenchmarkScore           4.26 µs/op [3.54–4.52]  4.46 cpu-µs/op  2 allocs  baseline 6.00 µs/op [5.03–6.91]  6.18 cpu-µs/op
//	BenchmarkScoreNoModel    2.79 µs/op [2.60–3.49]  2.95 cpu-µs/op  2 allocs  baseline 3.70 µs/op [3.47–4.34]  3.85 cpu-µs/op
//	BenchmarkSignalsOneByOne 69–73 µs/op, 0 allocs (baseline 104–123 µs/op, 72 allocs; medians of two runs): each signal on its own
//	BenchmarkScoreParallel   1,000,000 synthetic customers (1–20 orders, model) on both cores:
//	                         319,247–347,548 customers/s (baseline 237,471–240,534 in the same run), 1 alloc/op
//
// Those figures are from a period when other tenants kept the machine
// busy (its speed varied about 1.5× during the day). In a quiet period
// earlier (load about 1.5) the same code measured 2.74–2.86 µs/op for
// BenchmarkScore (eight of nine runs; one at 3.40) and 1.93–2.32 µs/op
// for NoModel; the baseline's medians then were 4.77–4.94 and
// 2.95–3.09 µs/op.
//
// Instructions per operation (valgrind, independent of load):
// BenchmarkScore 26,755 (baseline 40,733), BenchmarkScoreNoModel 18,523
// (27,844). BenchmarkScore: one customer with 10 orders, shipments, a
// return, engagement and risk inputs, all 72 signals, the fitted CDNOW
// model attached; NoModel: the predicted signals missing.
//
// The target for BenchmarkScore is under 3 µs and at most 2
// allocations: both are met when the machine is quiet, with a small
// margin; under the load of other tenants the same code measures about
// 4.3 µs (the baseline 6 µs then). About a third of the remaining time is
// the model's prediction (13 logarithms and exponentials for the 13
// horizons the registered signals need, and the hypergeometric series),
// which cannot shrink further without changing results.
package scoring
