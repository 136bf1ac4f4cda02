package clv

import "github.com/shopspring/decimal"

// Summary is one customer's purchase history reduced to the statistics the
// models need, in the model's time unit (days, weeks, … — the same unit for
// every summary of a fit).
type Summary struct {
	// CustomerID identifies the customer for the caller; the models ignore it.
	CustomerID string
	// Frequency is x, the number of repeat purchase periods: periods (days,
	// by default) with a purchase, minus the first one.
	Frequency int
	// Recency is t_x, the customer's age at the last purchase: time from
	// the first to the last purchase. 0 when Frequency is 0.
	Recency float64
	// T is the customer's age at the end of observation: time from the
	// first purchase to the end of the observation period.
	T float64
	// Monetary is the mean value of the repeat purchase periods (the first
	// purchase excluded), zero when Frequency is 0. Only the Gamma-Gamma
	// model uses it.
	Monetary decimal.Decimal
}

// validate checks one summary for the BG/NBD model.
func (s *Summary) validate(i int) error {
	switch {
	case s.Frequency < 0:
		return inputErr(i, "frequency", "must not be negative")
	case !finite(s.Recency):
		return inputErr(i, "recency", "must be a finite number")
	case !finite(s.T):
		return inputErr(i, "t", "must be a finite number")
	case s.Recency < 0:
		return inputErr(i, "recency", "must not be negative")
	case s.T < 0:
		return inputErr(i, "t", "must not be negative")
	case s.Recency > s.T:
		return inputErr(i, "recency", "must not exceed t")
	case s.Frequency == 0 && s.Recency != 0:
		return inputErr(i, "recency", "must be 0 when frequency is 0")
	case s.Frequency > 0 && s.Recency == 0:
		return inputErr(i, "recency", "must be positive when frequency is positive")
	case s.Monetary.Sign() < 0:
		return inputErr(i, "monetary", "must not be negative")
	}
	return nil
}

// summaryMonetary returns the monetary value as float64 for the spend model.
func summaryMonetary(s *Summary) float64 {
	f, _ := s.Monetary.Float64()
	return f
}
