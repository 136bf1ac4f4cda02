package accommodation

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestPropertySubsetOf checks the allocation-free subset test against the
// definition s ⊆ t ⇔ s ∩ ¬t = ∅, on sets built from random conditions.
func TestPropertySubsetOf(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := factID(rapid.IntRange(0, int(numFacts)-1).Draw(t, "fact"))
		build := func(label string) fset {
			s := universe(f)
			for i := range rapid.IntRange(1, 3).Draw(t, label+".n") {
				js := drawConditionFor(t, f, label+strconv.Itoa(i))
				var ps problems
				c := compiler{ps: &ps, minor: 2, currency: "USD", currencyOK: true}
				cd, ok := c.cond(parseTree([]byte(js), &ps))
				if !ok {
					t.Fatalf("condition %s: %v", js, ps.err())
				}
				s = s.intersect(condSet(&cd))
			}
			return s
		}
		a, b := build("a"), build("b")
		want := a.intersect(b.complement(f)).empty()
		if got, _ := a.subsetOf(b); got != want {
			t.Fatalf("subsetOf(%+v, %+v) = %v, want %v", a, b, got, want)
		}
	})
}

func bigListPolicy(rules, listLen int, sameFirst bool) string {
	var rs []string
	for i := 0; i < rules; i++ {
		var a, b []string
		for k := 0; k < listLen; k++ {
			x := (k*7 + i) % 1000
			if sameFirst {
				x = k
			}
			a = append(a, strconv.Itoa(x))
			b = append(b, strconv.Itoa((k*13+i*listLen)%maxIntLiteral))
		}
		rs = append(rs, `{"id":"r`+strconv.Itoa(i)+`","when":[{"fact":"days_late","in":[`+strings.Join(a, ",")+
			`]},{"fact":"order_count","in":[`+strings.Join(b, ",")+`]}],"then":[{"action":"nothing"}]}`)
	}
	return doc(strings.Join(rs, ","))
}

func TestParseLargePolicies(t *testing.T) {
	// 300 rules with 256-value lists: checked in full.
	if _, err := Parse([]byte(bigListPolicy(300, 256, false))); err != nil {
		t.Errorf("large policy: %v", err)
	}
	// Lists built so that every pair of rules must be compared deeply:
	// the analysis gives up with ErrLimit instead of running for minutes.
	_, err := Parse([]byte(bigListPolicy(MaxRules, MaxListLen, true)))
	if !errors.Is(err, ErrLimit) {
		t.Errorf("adversarial policy: got %v, want ErrLimit", err)
	}
}
