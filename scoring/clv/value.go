package clv

import (
	"math"
	"time"

	"github.com/shopspring/decimal"
)

// DaysPerMonth is the mean Gregorian month, 365.25/12 days. With weekly
// data a month is DaysPerMonth/7 ≈ 4.348 weeks.
const DaysPerMonth = 365.25 / 12

// Horizon describes the window of a lifetime-value forecast: Periods steps
// of PeriodLength model time units each, every step discounted by
// DiscountRate (per period).
//
// The units matter: PeriodLength is in the time unit of the model's
// parameters. lifetimes' customer_lifetime_value(freq=…) multiplies the
// number of months by 30 for freq="D", 4.345 for "W"; its Quickstart runs
// the default freq="D" on the weekly CDNOW summaries and so forecasts 12
// "months" of 30 weeks each, overstating customer 1's value about 3.9 times
// (140.10 instead of 36.28). Use MonthlyHorizon, which derives the period
// length from the model's unit, to avoid that.
type Horizon struct {
	Periods      int     // number of periods, ≥ 1
	PeriodLength float64 // length of one period in model time units, > 0
	DiscountRate float64 // discount rate per period, ≥ 0 (0.01 ≈ 12.7 % a year monthly)
}

// MonthlyHorizon returns a horizon of months calendar months for a model
// fitted in unit (24h for daily summaries, 7×24h for weekly), discounted
// at monthlyRate per month.
func MonthlyHorizon(months int, monthlyRate float64, unit time.Duration) Horizon {
	return Horizon{
		Periods:      months,
		PeriodLength: DaysPerMonth * float64(24*time.Hour) / float64(unit),
		DiscountRate: monthlyRate,
	}
}

func (h Horizon) validate() error {
	switch {
	case h.Periods < 1 || h.Periods > 1200:
		return inputErr(-1, "horizon.periods", "must be between 1 and 1200")
	case !(h.PeriodLength > 0) || math.IsInf(h.PeriodLength, 0):
		return inputErr(-1, "horizon.period_length", "must be a positive finite number")
	case !(h.DiscountRate >= 0) || math.IsInf(h.DiscountRate, 0):
		return inputErr(-1, "horizon.discount_rate", "must be a finite number >= 0")
	}
	return nil
}

// DiscountedValue returns the expected discounted value of a customer's
// purchases over h, as lifetimes' _customer_lifetime_value computes it:
//
//	Σ_{k=1..Periods} avg · (E[Y(k·L)] − E[Y((k−1)·L)]) / (1+d)^k
//
// with E[Y] the BG/NBD conditional expectation for (x, tx, T), L the period
// length and avg the expected average transaction value (typically
// GammaGamma.ExpectedAverageValue). It returns NaN for invalid input.
func DiscountedValue(p BGNBD, x int, tx, T, avg float64, h Horizon) float64 {
	if h.validate() != nil || !(avg >= 0) || math.IsInf(avg, 0) || x < 0 || !(tx >= 0) || !(T >= tx) || math.IsInf(T, 0) {
		return math.NaN()
	}
	var ts, ey [16]float64
	var total, prev float64
	disc := 1.0
	for k0 := 0; k0 < h.Periods; k0 += len(ts) {
		n := min(len(ts), h.Periods-k0)
		for i := 0; i < n; i++ {
			ts[i] = float64(k0+i+1) * h.PeriodLength
		}
		p.conditionalBatch(x, tx, T, ts[:n], ey[:n])
		for i := 0; i < n; i++ {
			disc /= 1 + h.DiscountRate
			total += avg * (ey[i] - prev) * disc
			prev = ey[i]
		}
	}
	return total
}

// Model bundles fitted purchase and spend models with the time unit of
// their parameters, ready to predict for one customer.
type Model struct {
	// Unit is the time unit of the summaries the models were fitted on
	// (24h for days, 168h for weeks). Required.
	Unit time.Duration
	// Purchases is the fitted BG/NBD model. Required.
	Purchases BGNBD
	// Spend is the fitted Gamma-Gamma model. The zero value means "no
	// spend model": value predictions are then unavailable.
	Spend GammaGamma
	// MonthlyDiscountRate discounts the 12-month value forecast; 0 means no
	// discounting. lifetimes' default is 0.01.
	MonthlyDiscountRate float64
	// Currency is the ISO 4217 code of the money the spend model was fitted
	// on. Empty means unrecorded; users of the model (package scoring)
	// then cannot check that a customer's money is in the same currency.
	Currency string
}

// Validate reports whether the model can predict: a positive Unit, valid
// BG/NBD parameters, a valid or zero spend model and a finite,
// non-negative discount rate.
func (m *Model) Validate() error {
	switch {
	case m == nil:
		return ErrNotFitted
	case m.Unit <= 0:
		return inputErr(-1, "model.unit", "must be positive")
	case !m.Purchases.Valid():
		return ErrNotFitted
	case m.Spend != (GammaGamma{}) && !m.Spend.Valid():
		return inputErr(-1, "model.spend", "parameters must be positive and q > 1")
	case !(m.MonthlyDiscountRate >= 0) || math.IsInf(m.MonthlyDiscountRate, 0):
		return inputErr(-1, "model.monthly_discount_rate", "must be a finite number >= 0")
	}
	return nil
}

// Prediction is what a Model forecasts for one customer. Value fields are
// NaN when the model has no spend part.
type Prediction struct {
	ProbabilityAlive float64 // P(alive | history)
	Purchases90Days  float64 // expected purchases in the next 90 days
	Purchases12Month float64 // expected purchases in the next 12 months
	AverageValue     float64 // expected mean transaction value, money units
	Value12Month     float64 // discounted expected value of the next 12 months, money units
}

// Predict forecasts for a customer with x repeat purchases, recency tx and
// age T (model units) whose repeat purchases averaged avg (money units;
// ignored when x = 0). It does not allocate. The caller must have checked
// m.Validate(); invalid arguments give NaN fields.
func (m *Model) Predict(x int, tx, T, avg float64) Prediction {
	var pr Prediction
	if x < 0 || !(tx >= 0) || !(T >= tx) || math.IsInf(T, 0) {
		nan := math.NaN()
		return Prediction{nan, nan, nan, nan, nan}
	}
	days := float64(24*time.Hour) / float64(m.Unit) // model units per day
	month := DaysPerMonth * days
	var ts, ey [13]float64
	for k := 0; k < 12; k++ {
		ts[k] = float64(k+1) * month
	}
	ts[12] = 90 * days
	m.Purchases.conditionalBatch(x, tx, T, ts[:], ey[:])
	pr.ProbabilityAlive = m.Purchases.ProbabilityAlive(x, tx, T)
	pr.Purchases90Days = ey[12]
	pr.Purchases12Month = ey[11]
	if m.Spend == (GammaGamma{}) {
		pr.AverageValue, pr.Value12Month = math.NaN(), math.NaN()
		return pr
	}
	if x == 0 {
		avg = 0
	}
	pr.AverageValue = m.Spend.ExpectedAverageValue(x, avg)
	var prev, disc float64 = 0, 1
	for k := 0; k < 12; k++ {
		disc /= 1 + m.MonthlyDiscountRate
		pr.Value12Month += pr.AverageValue * (ey[k] - prev) * disc
		prev = ey[k]
	}
	return pr
}

// CustomerValue returns the discounted expected value of s's purchases
// over h, with the spend shrunk by the Gamma-Gamma model, rounded to 2
// decimal places. s.Recency and s.T are in m.Unit.
func (m *Model) CustomerValue(s Summary, h Horizon) (decimal.Decimal, error) {
	if err := m.Validate(); err != nil {
		return decimal.Decimal{}, err
	}
	if m.Spend == (GammaGamma{}) {
		return decimal.Decimal{}, ErrNotFitted
	}
	if err := h.validate(); err != nil {
		return decimal.Decimal{}, err
	}
	if err := s.validate(-1); err != nil {
		return decimal.Decimal{}, err
	}
	avg := m.Spend.ExpectedAverageValue(s.Frequency, summaryMonetary(&s))
	v := DiscountedValue(m.Purchases, s.Frequency, s.Recency, s.T, avg, h)
	if !finite(v) {
		return decimal.Decimal{}, ErrNoConvergence
	}
	return decimal.NewFromFloat(v).Round(2), nil
}
