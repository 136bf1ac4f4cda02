package clv

import (
	"cmp"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Transaction is one purchase in a host's order table.
type Transaction struct {
	CustomerID string
	At         time.Time       // when the purchase happened; required
	Amount     decimal.Decimal // purchase value, ≥ 0
	Currency   string          // ISO 4217; all transactions must share it
}

// SummaryOptions configure Summarize.
type SummaryOptions struct {
	// End is the end of the observation (calibration) period. Purchases
	// after End's UTC calendar day are left out, as lifetimes'
	// summary_data_from_transaction_data does with observation_period_end.
	// Required.
	End time.Time
	// Unit is the time unit of Recency and T: 24h (the default when zero)
	// for days, 7×24h for weeks. Must be positive.
	Unit time.Duration
}

// Summarize turns raw transactions into one Summary per customer, the way
// lifetimes' summary_data_from_transaction_data does with freq="D":
// purchases on the same UTC calendar day are merged into one period
// (amounts summed); Frequency counts the purchase days after the first;
// Recency and T are the days from the first purchase to the last one and to
// End, divided by Unit; Monetary is the mean of the repeat days' totals
// (zero when Frequency is 0). Summaries come back sorted by CustomerID.
//
// Errors (*InputError, ErrInvalidInput): zero End, negative Unit, a
// transaction without time, with a negative amount, or in another
// currency than the first.
func Summarize(txs []Transaction, opts SummaryOptions) ([]Summary, error) {
	if opts.End.IsZero() {
		return nil, inputErr(-1, "options.end", "is required")
	}
	unit := opts.Unit
	if unit == 0 {
		unit = 24 * time.Hour
	}
	if unit < 0 {
		return nil, inputErr(-1, "options.unit", "must be positive")
	}
	endDay := dayNumber(opts.End)
	type dayTx struct {
		id     string
		day    int64
		amount decimal.Decimal
	}
	rows := make([]dayTx, 0, len(txs))
	currency := ""
	for i := range txs {
		t := &txs[i]
		switch {
		case t.At.IsZero():
			return nil, inputErr(i, "at", "is required")
		case t.Amount.Sign() < 0:
			return nil, inputErr(i, "amount", "must not be negative")
		}
		if i == 0 {
			currency = t.Currency
		} else if t.Currency != currency {
			return nil, inputErr(i, "currency", "differs from the first transaction's currency")
		}
		d := dayNumber(t.At)
		if d > endDay {
			continue
		}
		rows = append(rows, dayTx{t.CustomerID, d, t.Amount})
	}
	slices.SortFunc(rows, func(a, b dayTx) int {
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmp.Compare(a.day, b.day)
	})
	perDay := float64(24*time.Hour) / float64(unit)
	var out []Summary
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].id == rows[i].id {
			j++
		}
		first, last := rows[i].day, rows[j-1].day
		var repeatDays int
		var repeatSum decimal.Decimal
		for k := i; k < j; {
			l := k
			dayTotal := decimal.Zero
			for l < j && rows[l].day == rows[k].day {
				dayTotal = dayTotal.Add(rows[l].amount)
				l++
			}
			if rows[k].day != first {
				repeatDays++
				repeatSum = repeatSum.Add(dayTotal)
			}
			k = l
		}
		s := Summary{
			CustomerID: rows[i].id,
			Frequency:  repeatDays,
			Recency:    float64(last-first) * perDay,
			T:          float64(endDay-first) * perDay,
		}
		if repeatDays > 0 {
			s.Monetary = repeatSum.Div(decimal.NewFromInt(int64(repeatDays)))
		}
		out = append(out, s)
		i = j
	}
	return out, nil
}

// dayNumber returns the UTC calendar day of t as days since the Unix epoch.
func dayNumber(t time.Time) int64 {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}
