package clv_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/scoring/clv"
	"github.com/shopspring/decimal"
)

// A host turns its order table into summaries: same-day orders merge,
// the first purchase day is not a repeat, times are in days by default.
func ExampleSummarize() {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 15, 0, 0, 0, time.UTC) }
	eur := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	txs := []clv.Transaction{
		{CustomerID: "ana", At: day(1, 5), Amount: eur("40.00"), Currency: "EUR"},
		{CustomerID: "ana", At: day(2, 14), Amount: eur("25.50"), Currency: "EUR"},
		{CustomerID: "ana", At: day(2, 14), Amount: eur("4.50"), Currency: "EUR"},
		{CustomerID: "ana", At: day(4, 1), Amount: eur("50.00"), Currency: "EUR"},
		{CustomerID: "ben", At: day(3, 20), Amount: eur("99.00"), Currency: "EUR"},
	}
	summaries, err := clv.Summarize(txs, clv.SummaryOptions{End: day(6, 30)})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range summaries {
		fmt.Printf("%s: frequency %d, recency %.0f days, age %.0f days, repeat average %s\n",
			s.CustomerID, s.Frequency, s.Recency, s.T, s.Monetary.StringFixed(2))
	}
	// Output:
	// ana: frequency 2, recency 86 days, age 176 days, repeat average 40.00
	// ben: frequency 0, recency 0 days, age 102 days, repeat average 0.00
}

// Fit BG/NBD and Gamma-Gamma on the CDNOW sample's raw transactions
// (calibration to 1997-09-30, weeks), as in Fader, Hardie & Lee (2005).
func ExampleFitBGNBD() {
	f, err := os.Open("testdata/CDNOW_sample.txt")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var txs []clv.Transaction
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Fields(sc.Text()) // master id, id, YYYYMMDD, CDs, dollars
		if len(c) != 5 {
			continue
		}
		at, err := time.Parse("20060102", c[2])
		if err != nil {
			log.Fatal(err)
		}
		txs = append(txs, clv.Transaction{CustomerID: c[1], At: at, Amount: decimal.RequireFromString(c[4]), Currency: "USD"})
	}
	week := 7 * 24 * time.Hour
	summaries, err := clv.Summarize(txs, clv.SummaryOptions{End: time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC), Unit: week})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	bg, err := clv.FitBGNBD(ctx, summaries, nil)
	if err != nil {
		log.Fatal(err)
	}
	gg, err := clv.FitGammaGamma(ctx, summaries, nil)
	if err != nil {
		log.Fatal(err)
	}
	p, g := bg.Params, gg.Params
	fmt.Printf("%d customers: r=%.4f alpha=%.4f a=%.4f b=%.4f LL=%.2f\n", bg.Customers, p.R, p.Alpha, p.A, p.B, bg.LogLikelihood)
	fmt.Printf("%d repeat customers: p=%.2f q=%.2f v=%.2f\n", gg.Customers, g.P, g.Q, g.V)
	// Output:
	// 2357 customers: r=0.2426 alpha=4.4136 a=0.7929 b=2.4259 LL=-9582.43
	// 946 repeat customers: p=6.25 q=3.74 v=15.44
}

// The published CDNOW fit, used directly: the Hardie spreadsheet's
// customer with x = 2, t_x = 30.43, T = 38.86 weeks.
func ExampleBGNBD_ConditionalExpectedPurchases() {
	p := clv.BGNBD{R: 0.242593, Alpha: 4.413532, A: 0.792886, B: 2.425752}
	fmt.Printf("%.3f purchases expected in the next 39 weeks\n", p.ConditionalExpectedPurchases(39, 2, 30.43, 38.86))
	fmt.Printf("P(alive) = %.3f\n", p.ProbabilityAlive(2, 30.43, 38.86))
	// Output:
	// 1.226 purchases expected in the next 39 weeks
	// P(alive) = 0.727
}

// Lifetime value over 12 months for a weekly model: MonthlyHorizon
// converts months to weeks (4.348 per month), the unit lifetimes'
// Quickstart gets wrong when it leaves freq="D" on weekly data.
func ExampleModel_CustomerValue() {
	m := &clv.Model{
		Unit:      7 * 24 * time.Hour,
		Purchases: clv.BGNBD{R: 0.242593, Alpha: 4.413532, A: 0.792886, B: 2.425752},
		Spend:     clv.GammaGamma{P: 6.248803, Q: 3.744588, V: 15.447747},
	}
	s := clv.Summary{Frequency: 2, Recency: 30.43, T: 38.86, Monetary: decimal.RequireFromString("22.35")}
	v, err := m.CustomerValue(s, clv.MonthlyHorizon(12, 0.01, m.Unit))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("12-month value:", v)
	// Output:
	// 12-month value: 36.3
}
