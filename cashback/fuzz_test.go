package cashback_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/cashback"
)

// FuzzParseMoney checks that ParseMoney never panics, that what it accepts
// is exact (the value of the text, with the currency's decimal places) and
// that its output parses back to itself. Seeds: testdata/amounts.txt.
func FuzzParseMoney(f *testing.F) {
	for _, line := range readLines(f, filepath.Join("testdata", "amounts.txt")) {
		amount, currency, _ := strings.Cut(line, " ")
		f.Add(amount, currency)
	}
	f.Fuzz(func(t *testing.T, amount, currency string) {
		m, err := cashback.ParseMoney(amount, currency)
		if err != nil {
			if _, ok := err.(*cashback.AmountError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if len(err.Error()) > 200 {
				t.Fatalf("error message of %d bytes", len(err.Error()))
			}
			return
		}
		minor, ok := cashback.MinorUnits(currency)
		if !ok || m.Currency != currency {
			t.Fatalf("accepted currency %q", currency)
		}
		if m.Amount.Exponent() != -minor {
			t.Fatalf("%q %s parsed with exponent %d, want %d", amount, currency, m.Amount.Exponent(), -minor)
		}
		if want := decimal.RequireFromString(amount); !m.Amount.Equal(want) {
			t.Fatalf("%q parsed as %s", amount, m.Amount)
		}
		s := m.Amount.StringFixed(minor)
		back, err := cashback.ParseMoney(s, currency)
		if err != nil || !back.Amount.Equal(m.Amount) || back.Amount.StringFixed(minor) != s {
			t.Fatalf("%q -> %q -> %v, %v", amount, s, back, err)
		}
	})
}

// FuzzEntryJSON checks that decoding never panics, that what decodes is a
// valid entry, and that encoding it again is stable: decode(encode(e)) == e
// and encode is a fixed point. Seeds: testdata/ledger.jsonl.
func FuzzEntryJSON(f *testing.F) {
	for _, line := range readLines(f, filepath.Join("testdata", "ledger.jsonl")) {
		f.Add([]byte(line))
	}
	f.Add([]byte(`{"customer_id":"c","currency":"JPY","seq":1,"kind":"issue","amount":"100","at":"2026-03-02T09:30:00+09:00","key":"k","available_at":"2026-03-02T09:30:00+09:00"}`))
	f.Add([]byte(`{"customer_id":"c","currency":"KWD","seq":3,"kind":"expire","amount":"0.005","at":"2026-03-02T09:30:00Z","key":"k","target":1,"allocations":[{"lot":1,"amount":"0.005"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e cashback.Entry
		if err := json.Unmarshal(data, &e); err != nil {
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("decoded entry fails Validate: %v", err)
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back cashback.Entry
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		if d := sameEntry(back, e); d != "" {
			t.Fatalf("round trip changed %s", d)
		}
		b2, err := json.Marshal(back)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("encoding not stable:\n%s\n%s", b, b2)
		}
	})
}

// FuzzMoneyJSON checks Money's decoder the same way.
func FuzzMoneyJSON(f *testing.F) {
	for _, s := range []string{`{"amount":"12.50","currency":"USD"}`, `{"amount":7,"currency":"JPY"}`, `{"amount":"-0.125","currency":"KWD"}`, `{"amount":null}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m cashback.Money
		if err := json.Unmarshal(data, &m); err != nil {
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back cashback.Money
		if err := json.Unmarshal(b, &back); err != nil || !back.Amount.Equal(m.Amount) || back.Currency != m.Currency {
			t.Fatalf("round trip of %s: %v, %v", b, back, err)
		}
	})
}

func readLines(f *testing.F, path string) []string {
	file, err := os.Open(path)
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	var out []string
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		f.Fatal(err)
	}
	return out
}

// FuzzSummaryJSON checks that decoding a stored summary never panics, that
// what decodes is valid, and that encoding it again round-trips. Seeds:
// testdata/summaries.jsonl.
func FuzzSummaryJSON(f *testing.F) {
	for _, line := range readLines(f, filepath.Join("testdata", "summaries.jsonl")) {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s cashback.Summary
		if err := json.Unmarshal(data, &s); err != nil {
			if len(err.Error()) > 300 {
				t.Fatalf("error message of %d bytes", len(err.Error()))
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("decoded summary fails Validate: %v", err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back cashback.Summary
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		if !back.Equal(&s) {
			t.Fatalf("round trip changed the summary: %s", b)
		}
	})
}
