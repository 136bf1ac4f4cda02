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
// error texts repeat at most 64 bytes of any input. Value is 50 ± 50
// times the weighted mean of each present signal's strength relative to
// its neutral point (the exact formula is in Config's documentation);
// Risk is a noisy-OR of risk evidence, damped by reassuring signals.
// Reason contributions are in points of the score they moved; risk
// contributions add up to Risk.
//
// The default value weights are set from evidence, on the CDNOW sample
// (fit and score on the first 39 weeks, rank customers by their spend in
// the next 39), chosen on half of its customers and checked on the other
// half. With a fitted model (Config.ModelValueWeights) Value rests on the
// BG/NBD × Gamma-Gamma forecast (predicted_value_12_months) and on whether
// the customer came back at all (repeat_purchase_days); the spend
// forecasts are missing for a one-time buyer, for whom Gamma-Gamma knows
// only the population mean, so one-time buyers are not ordered by the age
// of their single purchase, and every repeat buyer ranks above them. Value
// then ranks holdout spend better than the BG/NBD expectation, the
// purchase count, the purchase days and past spend by Spearman's
// correlation (average ranks for ties) and by top-decile lift, and better
// than BG/NBD × Gamma-Gamma by Spearman; its lift stays within noise of
// BG/NBD × Gamma-Gamma's, just below it on the whole sample and on the
// held-out half. The average-rank Spearman credits a score for leaving
// tied the one-time buyers it cannot tell apart (most of whom spend
// nothing in the holdout): with ties broken at random, Value with a model
// is level with the BG/NBD expectation and below Value without a model.
// Without a model, frequency, recency and spend carry Value: it beats the
// purchase count, the purchase days and past spend by lift and by Spearman
// with ties broken at random, not with average ranks (it orders one-time
// buyers by recency and spend). TestHoldout prints the tables, their
// caveats and an ablation by signal group, and asserts them (go test
// ./scoring -run TestHoldout -v); BENCHMARKS.md has its output.
//
// # Purchases and predicted value
//
// A purchase is a UTC day with an order that was not canceled: same-day
// orders count once, for the value models and for the tiers alike.
// FitModel fits BG/NBD and Gamma-Gamma (package clv) on the host's own
// customers straight from the Histories it scores, and Summary gives one
// customer's model inputs; there is no second representation of the
// orders to build. With Options.Model the predicted signals —
// probability_alive, expected_purchases_90_days,
// expected_purchases_12_months, expected_average_order_value,
// predicted_value_12_months — are computed from the customer's orders;
// without a model they are missing, and the two spend forecasts are
// missing before a second purchase day.
//
// # Bad input
//
// Negative amounts, times in the future (beyond MaxClockSkew), duplicate
// order IDs, a currency outside the module's ISO 4217 table, an amount
// not exact in its currency's minor units or above 10^15 of them (the
// module's one money rule, internal/iso4217), mixed currencies, NaN or
// out-of-range numbers make Score return a *HistoryError whose Path names
// the field ("orders[3].total"); a Score never holds NaN. Errors never
// carry identifiers, addresses or amounts.
//
// # Performance
//
// Score makes one pass over each part of the History and allocates twice
// (the signal vector and the reasons) for histories of up to 64 orders,
// shipments and returns. Measured figures are in BENCHMARKS.md at the
// root of the module.
package scoring
