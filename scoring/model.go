package scoring

import (
	"context"
	"strconv"
	"time"

	"github.com/postpurchase/postpurchase/scoring/clv"
	"github.com/shopspring/decimal"
)

// A purchase, for the value models and for the tiers alike, is a UTC
// calendar day with at least one order that was not canceled: orders
// placed on the same day count once, as lifetimes' summaries (and
// clv.Summarize) count them. repeat_purchase_days is the number of
// purchases after the first (BG/NBD's frequency x), and the default tier
// rules use it, so a customer who placed two orders on one day is still
// "new". Summary and FitModel derive the model's inputs from the same
// pass over a History as Score, so the scorer and the model it is given
// can never count purchases differently.

// Summary reduces h to what the value models need, as of now: frequency x
// (repeat purchase days), recency t_x and age T in unit (24h when zero,
// 7×24h for weeks), and the mean total of the repeat purchase days
// (Monetary; the first day excluded, 0 when x = 0). ok is false when h has
// no purchase. h is validated as Score validates it: the error is a
// *HistoryError (a *clv.InputError for a negative unit).
// Summary.CustomerID is left empty.
func Summary(now time.Time, h *History, unit time.Duration) (s clv.Summary, ok bool, err error) {
	if unit == 0 {
		unit = 24 * time.Hour
	}
	if unit < 0 {
		return clv.Summary{}, false, &clv.InputError{Index: -1, Field: "unit", Reason: "must be positive"}
	}
	if h == nil {
		return clv.Summary{}, false, nil
	}
	var w work
	a := &w.agg
	if err := a.aggregate(h, now.UTC(), nil, &w.scratch); err != nil {
		return clv.Summary{}, false, err
	}
	s, ok = a.summary(unit)
	return s, ok, nil
}

func (a *agg) summary(unit time.Duration) (clv.Summary, bool) {
	if a.nOrders == 0 {
		return clv.Summary{}, false
	}
	perDay := float64(24*time.Hour) / float64(unit)
	s := clv.Summary{
		Frequency: a.distinctDays - 1,
		Recency:   float64(a.lastDay-a.firstDay) * perDay,
		T:         float64(a.nowDay-a.firstDay) * perDay,
	}
	if s.Frequency > 0 {
		s.Monetary = decimal.NewFromFloat(a.repeatAvg)
	}
	return s, true
}

// FitOptions configure FitModel. The zero value fits a daily model with
// lifetimes' defaults: no penalizer, at least clv.DefaultMinCustomers
// customers, no discounting.
type FitOptions struct {
	// Unit is the time unit of the model's parameters: 24h (the default
	// when zero) or 7×24h for weeks. Predictions do not depend on it
	// beyond rounding; weekly data fits a little faster.
	Unit time.Duration
	// MonthlyDiscountRate discounts the 12-month value forecast; 0 (the
	// default) means none, lifetimes uses 0.01.
	MonthlyDiscountRate float64
	// Fit tunes both maximum-likelihood fits (penalizer, minimum sample).
	Fit clv.FitOptions
}

// ModelFit is the result of FitModel.
type ModelFit struct {
	// Model is ready for Options.Model. Its Spend part is zero (no value
	// predictions) when SpendErr is not nil.
	Model *clv.Model
	// Purchases is the BG/NBD fit over every history with a purchase.
	Purchases clv.BGNBDFit
	// Spend is the Gamma-Gamma fit over the repeat customers. Its LeftOut
	// holds indices into the histories passed to FitModel: repeat
	// customers whose repeat purchases average 0, left out of the spend
	// fit (they are still scored, and predicted like anyone else).
	Spend clv.GammaGammaFit
	// SpendErr is why there is no spend model (clv.ErrTooFewCustomers,
	// clv.ErrDegenerate, …), or nil.
	SpendErr error
	// NoPurchase lists the indices of histories without any purchase
	// (no orders, or only canceled ones): left out of both fits.
	NoPurchase []int
}

// FitModel fits the BG/NBD purchase model and the Gamma-Gamma spend model
// on the host's own customers as of now, one History each: the one path
// from the histories a host already builds for Score to the Model it
// passes back in Options.Model. Purchases are counted exactly as Score
// counts them (see Summary). All money must be in one currency, which
// becomes Model.Currency.
//
// Errors: a *HistoryError whose Path starts with the history's index
// ("histories[12].orders[3].total"), a clv error from the purchase fit
// (clv.ErrTooFewCustomers, clv.ErrDegenerate, clv.ErrNoConvergence,
// *clv.InputError for options), or ctx's error. A failed spend fit is not
// an error: see ModelFit.SpendErr.
func FitModel(ctx context.Context, now time.Time, hs []*History, opts FitOptions) (*ModelFit, error) {
	unit := opts.Unit
	if unit == 0 {
		unit = 24 * time.Hour
	}
	if unit < 0 {
		return nil, &clv.InputError{Index: -1, Field: "options.unit", Reason: "must be positive"}
	}
	if r := opts.MonthlyDiscountRate; !(r >= 0 && r <= 1) {
		return nil, &clv.InputError{Index: -1, Field: "options.monthly_discount_rate", Reason: "must be from 0 to 1"}
	}
	now = now.UTC()
	out := &ModelFit{}
	sums := make([]clv.Summary, 0, len(hs))
	idx := make([]int, 0, len(hs)) // index in hs of sums[k]
	currency, curFrom := "", -1
	var w work
	for i, h := range hs {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if h == nil {
			out.NoPurchase = append(out.NoPurchase, i)
			continue
		}
		a := &w.agg
		if err := a.aggregate(h, now, nil, &w.scratch); err != nil {
			if he, ok := err.(*HistoryError); ok {
				return nil, &HistoryError{Path: "histories[" + strconv.Itoa(i) + "]." + he.Path, Reason: he.Reason, Err: he.Err}
			}
			return nil, err
		}
		s, ok := a.summary(unit)
		if !ok {
			out.NoPurchase = append(out.NoPurchase, i)
			continue
		}
		if a.currency != "" {
			if currency == "" {
				currency, curFrom = a.currency, i
			} else if a.currency != currency {
				return nil, &HistoryError{Path: "histories[" + strconv.Itoa(i) + "]", Reason: "currency " + a.currency +
					" differs from histories[" + strconv.Itoa(curFrom) + "]'s " + currency + ": one model per currency"}
			}
		}
		sums = append(sums, s)
		idx = append(idx, i)
	}
	bg, err := clv.FitBGNBD(ctx, sums, &opts.Fit)
	if err != nil {
		return nil, err
	}
	out.Purchases = bg
	out.Model = &clv.Model{Unit: unit, Purchases: bg.Params, MonthlyDiscountRate: opts.MonthlyDiscountRate, Currency: currency}
	gg, err := clv.FitGammaGamma(ctx, sums, &opts.Fit)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		out.SpendErr = err
		return out, nil
	}
	for k, j := range gg.LeftOut {
		gg.LeftOut[k] = idx[j]
	}
	out.Spend = gg
	out.Model.Spend = gg.Params
	return out, nil
}
