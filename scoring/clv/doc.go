// Package clv predicts customer value from purchase history: the BG/NBD
// purchase model (Fader, Hardie & Lee 2005, "Counting Your Customers the
// Easy Way"), the Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM
// and CLV"; Hardie's note 025) and discounted lifetime value, as the Python
// library lifetimes implements them.
//
// A host summarizes its own order table with Summarize (one Summary per
// customer: frequency, recency, age T and mean repeat spend, as lifetimes'
// summary_data_from_transaction_data), fits the models with FitBGNBD and
// FitGammaGamma, and predicts per customer: ConditionalExpectedPurchases,
// ProbabilityAlive, ProbabilityOfPurchases, ExpectedAverageValue and
// DiscountedValue, or all at once through Model.Predict.
//
// # Time units
//
// Every time (Recency, T, BGNBD.Alpha, the t of the predictions) is in the
// unit of the summaries the model was fitted on; Model.Unit records it.
// Lifetime value sums monthly steps; a month is DaysPerMonth days, so
// 4.348 weeks for a weekly model. MonthlyHorizon derives the period length
// from the unit. lifetimes' customer_lifetime_value takes the unit as
// freq= and its Quickstart leaves the default freq="D" on weekly CDNOW
// data, forecasting 12 "months" of 30 weeks each; TestDiscountedValueQuickstart
// reproduces both its printed numbers and the corrected ones.
//
// # Estimation
//
// Both fits maximise the likelihood over log-parameters with BFGS using
// analytic gradients and a backtracking line search (Nelder–Mead polishes
// and BFGS restarts if BFGS stalls). Times are rescaled so the longest T is
// 1, money so the mean spend is 1; customers with identical (x, t_x, T) are
// grouped, and ln(α+T), ln(α+t_x) are computed once per distinct value. On
// the CDNOW sample (2,357 customers) the fit reproduces the published
// r = 0.2426, α = 4.4136, a = 0.7929, b = 2.4259 and LL = −9582.43, and
// p = 6.25, q = 3.74, v = 15.44 for Gamma-Gamma (tests in this package).
// The hypergeometric term of the conditional expectation is summed
// directly or in its Euler-transformed form, whichever converges faster,
// with a rigorous tail bound, so predictions stay finite for large x and
// for fits that drive a and b to infinity.
//
// FitGammaGamma leaves out repeat customers whose repeat purchases
// average exactly 0 (the Gamma spend has no density there) and lists them
// in GammaGammaFit.LeftOut instead of failing. Hosts that score customers
// with package scoring fit both models from the same Histories with
// scoring.FitModel, which counts purchases exactly as the scorer does.
//
// Errors: *InputError (matching ErrInvalidInput) names the record and
// field; ErrTooFewCustomers, ErrDegenerate (nobody bought twice, all spend
// equal, Gamma-Gamma q ≤ 1), ErrNoConvergence and ErrNotFitted are
// sentinels. Predictions return NaN for invalid arguments instead of
// panicking.
//
// # Performance
//
// Predict does not allocate; the fits take milliseconds on a few thousand
// customers. Measured figures are in BENCHMARKS.md at the root of the
// module.
package clv
