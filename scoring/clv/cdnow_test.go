package clv

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// loadCDNOWSummary reads testdata/cdnow_customers_summary_with_transactions.csv
// (ID,x,t_x,T,zbar; weeks; CRLF).
func loadCDNOWSummary(tb testing.TB) []Summary {
	tb.Helper()
	f, err := os.Open("testdata/cdnow_customers_summary_with_transactions.csv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []Summary
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			first = false
			continue
		}
		if line == "" {
			continue
		}
		c := strings.Split(line, ",")
		if len(c) != 5 {
			tb.Fatalf("bad line %q", line)
		}
		x, err1 := strconv.Atoi(c[1])
		tx, err2 := strconv.ParseFloat(c[2], 64)
		T, err3 := strconv.ParseFloat(c[3], 64)
		m, err4 := decimal.NewFromString(c[4])
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			tb.Fatalf("bad line %q", line)
		}
		out = append(out, Summary{CustomerID: c[0], Frequency: x, Recency: tx, T: T, Monetary: m})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}
