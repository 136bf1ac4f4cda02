package scoring

import (
	"math"
	"strconv"
	"strings"
)

// plural renders "1 order" / "7 orders"; v is rounded to an integer.
func plural(v float64, one, many string) string {
	n := math.Round(v)
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatFloat(n, 'f', 0, 64) + " " + many
}

// pct renders a 0–1 ratio as a whole percentage ("38%").
func pct(v float64) string {
	return strconv.FormatFloat(math.Round(v*100), 'f', 0, 64) + "%"
}

func decimal1(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}

// span renders a number of days as days, months or years.
func span(days float64) string {
	switch {
	case days < 60:
		return plural(days, "day", "days")
	case days < 730:
		return plural(days/(365.25/12), "month", "months")
	default:
		return decimal1(days/365.25) + " years"
	}
}

func ago(days float64) string {
	switch {
	case days < 1:
		return "today"
	case days < 2:
		return "yesterday"
	}
	return span(days) + " ago"
}

func currencySymbol(code string) (string, bool) {
	switch code {
	case "USD":
		return "$", true
	case "EUR":
		return "€", true
	case "GBP":
		return "£", true
	case "JPY":
		return "¥", true
	case "CAD":
		return "CA$", true
	case "AUD":
		return "A$", true
	case "INR":
		return "₹", true
	}
	return "", false
}

// fmtMoney renders an amount with two decimals and thousands separators:
// "$1,240.50", "€35.00", "1,200.00 CHF", "1,200.00" without currency.
func fmtMoney(v float64, currency string) string {
	neg := v < 0
	v = math.Abs(v)
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', 2, 64)
	intPart, frac := s[:len(s)-3], s[len(s)-3:]
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	num := b.String() + frac
	if neg {
		num = "-" + num
	}
	if sym, ok := currencySymbol(currency); ok {
		return sym + num
	}
	if currency == "" {
		return num
	}
	return num + " " + currency
}
