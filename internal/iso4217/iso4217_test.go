package iso4217

import (
	"strconv"
	"strings"
	"testing"
)

// TestCurrencyTableAgrees checks the sorted table Currencies reads against
// the switch MinorUnits uses, both ways.
func TestCurrencyTableAgrees(t *testing.T) {
	fields := strings.Fields(currencyTable)
	seen := make(map[string]bool)
	prev := ""
	for _, f := range fields {
		code, n, ok := strings.Cut(f, ":")
		if !ok || len(code) != 3 || strings.ToUpper(code) != code {
			t.Fatalf("bad table field %q", f)
		}
		if code <= prev {
			t.Errorf("table not sorted at %s", code)
		}
		prev = code
		want, _ := strconv.Atoi(n)
		got, ok := MinorUnits(code)
		if !ok || int(got) != want {
			t.Errorf("MinorUnits(%s) = %d, %v; table says %d", code, got, ok, want)
		}
		seen[code] = true
	}
	// Every three-letter code MinorUnits accepts is in the table.
	var b [3]byte
	for b[0] = 'A'; b[0] <= 'Z'; b[0]++ {
		for b[1] = 'A'; b[1] <= 'Z'; b[1]++ {
			for b[2] = 'A'; b[2] <= 'Z'; b[2]++ {
				if _, ok := MinorUnits(string(b[:])); ok && !seen[string(b[:])] {
					t.Errorf("MinorUnits accepts %s, which the table lacks", b)
				}
			}
		}
	}
	if len(fields) != 170 {
		t.Errorf("table has %d codes, doc says 170", len(fields))
	}
}

func TestKnownCodes(t *testing.T) {
	for code, want := range map[string]int32{"USD": 2, "JPY": 0, "KWD": 3, "CLF": 4, "EUR": 2} {
		if got, ok := MinorUnits(code); !ok || got != want {
			t.Errorf("MinorUnits(%s) = %d, %v; want %d", code, got, ok, want)
		}
	}
	for _, code := range []string{"usd", "XAU", "XTS", "", "US", "USDX"} {
		if _, ok := MinorUnits(code); ok {
			t.Errorf("MinorUnits(%q) accepted", code)
		}
	}
}
