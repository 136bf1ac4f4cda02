package clv

import (
	"bufio"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// loadCDNOWTransactions reads testdata/CDNOW_sample.txt (master id, sample
// id, YYYYMMDD, CDs, dollars; whitespace separated, CRLF).
func loadCDNOWTransactions(tb testing.TB) []Transaction {
	tb.Helper()
	f, err := os.Open("testdata/CDNOW_sample.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []Transaction
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		c := strings.Fields(sc.Text())
		if len(c) == 0 {
			continue
		}
		if len(c) != 5 {
			tb.Fatalf("bad line %q", sc.Text())
		}
		at, err := time.Parse("20060102", c[2])
		if err != nil {
			tb.Fatal(err)
		}
		amt, err := decimal.NewFromString(c[4])
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, Transaction{CustomerID: c[1], At: at, Amount: amt, Currency: "USD"})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// The published CDNOW summary is reproduced from the raw transactions:
// calibration ends 1997-09-30, weeks, 2 dp in the file.
func TestSummarizeCDNOW(t *testing.T) {
	txs := loadCDNOWTransactions(t)
	if len(txs) != 6919 {
		t.Fatalf("%d transactions, want 6919", len(txs))
	}
	got, err := Summarize(txs, SummaryOptions{
		End:  time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC),
		Unit: 7 * 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := loadCDNOWSummary(t)
	if len(got) != len(want) {
		t.Fatalf("%d summaries, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if strings.TrimLeft(g.CustomerID, "0") != w.CustomerID || g.Frequency != w.Frequency ||
			math.Abs(g.Recency-w.Recency) > 0.005 || math.Abs(g.T-w.T) > 0.005 ||
			!g.Monetary.Round(2).Equal(w.Monetary) {
			t.Fatalf("customer %s: got %+v, want %+v", w.CustomerID, g, w)
		}
	}
	// Fitting on the derived summaries reproduces the published fit.
	fit, err := FitBGNBD(t.Context(), got, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := relErr(fit.Params.R, 0.2426); e > 2e-3 {
		t.Errorf("r from raw transactions = %.5f", fit.Params.R)
	}
}

func TestSummarizeErrors(t *testing.T) {
	end := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	ok := Transaction{CustomerID: "a", At: end.AddDate(0, 0, -3), Amount: decimal.NewFromInt(5), Currency: "EUR"}
	cases := []struct {
		name  string
		txs   []Transaction
		opts  SummaryOptions
		field string
	}{
		{"no end", []Transaction{ok}, SummaryOptions{}, "options.end"},
		{"negative unit", []Transaction{ok}, SummaryOptions{End: end, Unit: -time.Hour}, "options.unit"},
		{"no time", []Transaction{ok, {CustomerID: "b", Amount: decimal.NewFromInt(1), Currency: "EUR"}}, SummaryOptions{End: end}, "at"},
		{"negative", []Transaction{ok, {CustomerID: "b", At: end, Amount: decimal.NewFromInt(-1), Currency: "EUR"}}, SummaryOptions{End: end}, "amount"},
		{"currency", []Transaction{ok, {CustomerID: "b", At: end, Amount: decimal.NewFromInt(1), Currency: "USD"}}, SummaryOptions{End: end}, "currency"},
	}
	for _, c := range cases {
		_, err := Summarize(c.txs, c.opts)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != c.field || !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want field %q", c.name, err, c.field)
		}
	}
	// Same-day purchases merge; later purchases are left out.
	day := end.AddDate(0, 0, -10)
	got, err := Summarize([]Transaction{
		{CustomerID: "c", At: day, Amount: decimal.NewFromInt(10)},
		{CustomerID: "c", At: day.Add(3 * time.Hour), Amount: decimal.NewFromInt(5)},
		{CustomerID: "c", At: day.AddDate(0, 0, 4), Amount: decimal.NewFromInt(7)},
		{CustomerID: "c", At: day.AddDate(0, 0, 4).Add(time.Hour), Amount: decimal.NewFromInt(1)},
		{CustomerID: "c", At: day.AddDate(0, 0, 6), Amount: decimal.NewFromInt(2)},
		{CustomerID: "c", At: end.AddDate(0, 0, 1), Amount: decimal.NewFromInt(99)},
	}, SummaryOptions{End: end})
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{CustomerID: "c", Frequency: 2, Recency: 6, T: 10, Monetary: decimal.NewFromInt(5)}
	if len(got) != 1 || got[0].Frequency != want.Frequency || got[0].Recency != want.Recency ||
		got[0].T != want.T || !got[0].Monetary.Equal(want.Monetary) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
