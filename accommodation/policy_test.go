package accommodation

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// doc builds a policy document around the given rules JSON.
func doc(rules string) string {
	return `{"version": "1", "currency": "USD", "rules": [` + rules + `]}`
}

func TestParseValidDocuments(t *testing.T) {
	files, err := filepath.Glob("testdata/policies/valid-*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid policies in testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(data); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

func TestDefaultPolicyLoads(t *testing.T) {
	p, err := Load(bytes.NewReader(DefaultJSON()))
	if err != nil {
		t.Fatalf("default policy: %v", err)
	}
	if p.Currency() != "USD" || p.Version() == "" || len(p.RuleIDs()) < 8 {
		t.Fatalf("default policy: currency %q version %q rules %v", p.Currency(), p.Version(), p.RuleIDs())
	}
	// DefaultJSON returns a copy: changing it must not change Default.
	b := DefaultJSON()
	b[0] = 'x'
	if Default() == nil {
		t.Fatal("Default returned nil")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		kind error
		path string // path of the expected problem
	}{
		{"syntax", `{"version": "1",`, ErrSyntax, "$"},
		{"trailing data", `{"version":"1","currency":"USD","rules":[]} {}`, ErrSyntax, "$"},
		{"not an object", `[]`, ErrWrongType, "$"},
		{"missing currency", `{"version": "1", "rules": []}`, ErrCurrency, "$.currency"},
		{"lower-case currency", `{"version": "1", "currency": "usd", "rules": []}`, ErrCurrency, "$.currency"},
		{"unknown currency", `{"version": "1", "currency": "XAU", "rules": []}`, ErrCurrency, "$.currency"},
		{"withdrawn currency", `{"version": "1", "currency": "HRK", "rules": []}`, ErrCurrency, "$.currency"},
		{"withdrawn currency BGN", `{"version": "1", "currency": "BGN", "rules": []}`, ErrCurrency, "$.currency"},
		{"currency not a string", `{"version": "1", "currency": 840, "rules": []}`, ErrCurrency, "$.currency"},
		{"missing version", `{"currency": "USD", "rules": []}`, ErrMissingField, "$.version"},
		{"version number", `{"version": 3, "currency": "USD", "rules": []}`, ErrWrongType, "$.version"},
		{"missing rules", `{"version": "1", "currency": "USD"}`, ErrMissingField, "$.rules"},
		{"rules object", `{"version": "1", "currency": "USD", "rules": {}}`, ErrWrongType, "$.rules"},
		{"unknown top-level field", `{"version": "1", "currency": "USD", "rules": [], "rulez": []}`, ErrUnknownField, "$.rulez"},
		{"duplicate key", `{"version": "1", "version": "2", "currency": "USD", "rules": []}`, ErrDuplicate, "$.version"},
		{"duplicate key in a large object", `{"version": "1", "currency": "USD", "rules": [], "a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "b": 8}`, ErrDuplicate, "$.b"},
		{"bad rounding", `{"version": "1", "currency": "USD", "rounding": "up", "rules": []}`, ErrInvalidValue, "$.rounding"},
		{"negative budget", `{"version": "1", "currency": "USD", "budgets": {"per_day": "-1.00"}, "rules": []}`, ErrNegativeAmount, "$.budgets.per_day"},
		{"budget too precise", `{"version": "1", "currency": "USD", "budgets": {"per_order": "1.005"}, "rules": []}`, ErrTooPrecise, "$.budgets.per_order"},
		{"budget JPY decimals", `{"version": "1", "currency": "JPY", "budgets": {"per_order": "100.5"}, "rules": []}`, ErrTooPrecise, "$.budgets.per_order"},
		{"unknown budget", `{"version": "1", "currency": "USD", "budgets": {"per_week": "1"}, "rules": []}`, ErrUnknownField, "$.budgets.per_week"},
		{"bad over_budget", `{"version": "1", "currency": "USD", "budgets": {"over_budget": "skip"}, "rules": []}`, ErrInvalidValue, "$.budgets.over_budget"},
		{"unknown rule field", doc(`{"id": "a", "then": [{"action": "nothing"}], "priority": 1}`), ErrUnknownField, "$.rules[0].priority"},
		{"missing id", doc(`{"then": [{"action": "nothing"}]}`), ErrMissingField, "$.rules[0].id"},
		{"bad id", doc(`{"id": "a b", "then": [{"action": "nothing"}]}`), ErrInvalidValue, "$.rules[0].id"},
		{"duplicate id", doc(`{"id": "a", "when": [{"fact": "days_late", "gte": 1}], "then": [{"action": "nothing"}]}, {"id": "a", "then": [{"action": "nothing"}]}`), ErrDuplicate, "$.rules[1].id"},
		{"missing then", doc(`{"id": "a"}`), ErrMissingField, "$.rules[0].then"},
		{"empty then", doc(`{"id": "a", "then": []}`), ErrMissingField, "$.rules[0].then"},
		{"continue not bool", doc(`{"id": "a", "then": [{"action": "nothing"}], "continue": "yes"}`), ErrWrongType, "$.rules[0].continue"},
		{"unknown fact", doc(`{"id": "a", "when": [{"fact": "tierr", "eq": "vip"}], "then": [{"action": "nothing"}]}`), ErrUnknownFact, "$.rules[0].when[0].fact"},
		{"missing fact", doc(`{"id": "a", "when": [{"eq": "vip"}], "then": [{"action": "nothing"}]}`), ErrMissingField, "$.rules[0].when[0].fact"},
		{"missing operator", doc(`{"id": "a", "when": [{"fact": "tier"}], "then": [{"action": "nothing"}]}`), ErrMissingField, "$.rules[0].when[0]"},
		{"two operators", doc(`{"id": "a", "when": [{"fact": "days_late", "gte": 1, "lte": 3}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0]"},
		{"unknown operator", doc(`{"id": "a", "when": [{"fact": "days_late", "gt": 1}], "then": [{"action": "nothing"}]}`), ErrUnknownField, "$.rules[0].when[0].gt"},
		{"gte on tier", doc(`{"id": "a", "when": [{"fact": "tier", "gte": "vip"}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0].gte"},
		{"in on score", doc(`{"id": "a", "when": [{"fact": "risk_score", "in": [1, 2]}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0].in"},
		{"string for int", doc(`{"id": "a", "when": [{"fact": "days_late", "gte": "2"}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0].gte"},
		{"fraction for int", doc(`{"id": "a", "when": [{"fact": "days_late", "gte": 2.5}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0].gte"},
		{"number for tier", doc(`{"id": "a", "when": [{"fact": "tier", "eq": 1}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0].eq"},
		{"string for bool", doc(`{"id": "a", "when": [{"fact": "first_order", "eq": "true"}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0].eq"},
		{"bool for money", doc(`{"id": "a", "when": [{"fact": "order_total", "gte": true}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0].gte"},
		{"unknown tier", doc(`{"id": "a", "when": [{"fact": "tier", "in": ["vip", "gold"]}], "then": [{"action": "nothing"}]}`), ErrInvalidValue, "$.rules[0].when[0].in[1]"},
		{"unknown delay kind", doc(`{"id": "a", "when": [{"fact": "delay_kind", "eq": "stuck"}], "then": [{"action": "nothing"}]}`), ErrInvalidValue, "$.rules[0].when[0].eq"},
		{"score over 100", doc(`{"id": "a", "when": [{"fact": "risk_score", "gte": 150}], "then": [{"action": "nothing"}]}`), ErrInvalidValue, "$.rules[0].when[0].gte"},
		{"negative days", doc(`{"id": "a", "when": [{"fact": "days_late", "gte": -1}], "then": [{"action": "nothing"}]}`), ErrInvalidValue, "$.rules[0].when[0].gte"},
		{"bad country", doc(`{"id": "a", "when": [{"fact": "destination_country", "eq": "USA"}], "then": [{"action": "nothing"}]}`), ErrInvalidValue, "$.rules[0].when[0].eq"},
		{"negative money literal", doc(`{"id": "a", "when": [{"fact": "order_total", "gte": "-5"}], "then": [{"action": "nothing"}]}`), ErrNegativeAmount, "$.rules[0].when[0].gte"},
		{"between one bound", doc(`{"id": "a", "when": [{"fact": "days_late", "between": [1]}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0].between"},
		{"between reversed", doc(`{"id": "a", "when": [{"fact": "days_late", "between": [5, 1]}], "then": [{"action": "nothing"}]}`), ErrInvalidValue, "$.rules[0].when[0].between"},
		{"empty in", doc(`{"id": "a", "when": [{"fact": "tier", "in": []}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0].in"},
		{"nested not", doc(`{"id": "a", "when": [{"fact": "tier", "not": {"not": {"eq": "vip"}}}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0].not.not"},
		{"not beside operator", doc(`{"id": "a", "when": [{"fact": "tier", "eq": "vip", "not": {"eq": "new"}}], "then": [{"action": "nothing"}]}`), ErrBadComparison, "$.rules[0].when[0]"},
		{"unknown action", doc(`{"id": "a", "then": [{"action": "refund", "message": "m"}]}`), ErrInvalidValue, "$.rules[0].then[0].action"},
		{"missing message", doc(`{"id": "a", "then": [{"action": "priority_support"}]}`), ErrMissingField, "$.rules[0].then[0].message"},
		{"negative cashback", doc(`{"id": "a", "then": [{"action": "cashback", "amount": "-5.00", "message": "m"}]}`), ErrNegativeAmount, "$.rules[0].then[0].amount"},
		{"negative cashback number", doc(`{"id": "a", "then": [{"action": "cashback", "amount": -5, "message": "m"}]}`), ErrNegativeAmount, "$.rules[0].then[0].amount"},
		{"negative cost", doc(`{"id": "a", "then": [{"action": "priority_support", "cost": "-1", "message": "m"}]}`), ErrNegativeAmount, "$.rules[0].then[0].cost"},
		{"percent over 100", doc(`{"id": "a", "then": [{"action": "cashback", "percent": 150, "cap": "10.00", "message": "m"}]}`), ErrPercentRange, "$.rules[0].then[0].percent"},
		{"percent zero", doc(`{"id": "a", "then": [{"action": "cashback", "percent": "0", "cap": "10.00", "message": "m"}]}`), ErrPercentRange, "$.rules[0].then[0].percent"},
		{"percent too precise", doc(`{"id": "a", "then": [{"action": "cashback", "percent": "1.00001", "cap": "10.00", "message": "m"}]}`), ErrTooPrecise, "$.rules[0].then[0].percent"},
		{"percent without cap", doc(`{"id": "a", "then": [{"action": "cashback", "percent": 10, "message": "m"}]}`), ErrMissingField, "$.rules[0].then[0].cap"},
		{"amount and percent", doc(`{"id": "a", "then": [{"action": "cashback", "amount": "1", "percent": 10, "cap": "5", "message": "m"}]}`), ErrInvalidValue, "$.rules[0].then[0]"},
		{"amount too precise", doc(`{"id": "a", "then": [{"action": "cashback", "amount": "1.001", "message": "m"}]}`), ErrTooPrecise, "$.rules[0].then[0].amount"},
		{"amount not decimal", doc(`{"id": "a", "then": [{"action": "cashback", "amount": "ten", "message": "m"}]}`), ErrInvalidValue, "$.rules[0].then[0].amount"},
		{"upgrade without target", doc(`{"id": "a", "then": [{"action": "shipping_upgrade", "message": "m"}]}`), ErrMissingField, "$.rules[0].then[0].on"},
		{"upgrade bad target", doc(`{"id": "a", "then": [{"action": "shipping_upgrade", "on": "tomorrow", "message": "m"}]}`), ErrInvalidValue, "$.rules[0].then[0].on"},
		{"field of other action", doc(`{"id": "a", "then": [{"action": "priority_support", "percent": 5, "message": "m"}]}`), ErrUnknownField, "$.rules[0].then[0].percent"},
		{"duplicate action", doc(`{"id": "a", "then": [{"action": "priority_support", "message": "m"}, {"action": "priority_support", "message": "n"}]}`), ErrDuplicate, "$.rules[0].then[1]"},
		{"apology with cashback", doc(`{"id": "a", "then": [{"action": "apology_only", "message": "m"}, {"action": "cashback", "amount": "1", "message": "n"}]}`), ErrInvalidValue, "$.rules[0].then"},
		{"shadowed by catch-all", doc(`{"id": "all", "then": [{"action": "nothing"}]}, {"id": "vip", "when": [{"fact": "tier", "eq": "vip"}], "then": [{"action": "nothing"}]}`), ErrUnreachable, "$.rules[1]"},
		{"shadowed by wider rule", doc(`{"id": "late", "when": [{"fact": "days_late", "gte": 2}], "then": [{"action": "nothing"}]}, {"id": "very-late", "when": [{"fact": "days_late", "gte": 5}, {"fact": "tier", "eq": "vip"}], "then": [{"action": "nothing"}]}`), ErrUnreachable, "$.rules[1]"},
		{"contradiction", doc(`{"id": "a", "when": [{"fact": "days_late", "gte": 5}, {"fact": "days_late", "lte": 2}], "then": [{"action": "nothing"}]}`), ErrUnreachable, "$.rules[0]"},
		{"contradiction via not", doc(`{"id": "a", "when": [{"fact": "tier", "eq": "vip"}, {"fact": "tier", "not": {"in": ["vip", "loyal"]}}], "then": [{"action": "nothing"}]}`), ErrUnreachable, "$.rules[0]"},
		{"integer gap", doc(`{"id": "a", "when": [{"fact": "days_late", "not": {"lte": 2}}, {"fact": "days_late", "lte": 2}], "then": [{"action": "nothing"}]}`), ErrUnreachable, "$.rules[0]"},
		{"shadowed by union of tiers", doc(`{"id": "not-risky", "when": [{"fact": "tier", "not": {"eq": "risky"}}], "then": [{"action": "nothing"}]}, {"id": "vip", "when": [{"fact": "tier", "in": ["vip", "loyal"]}, {"fact": "first_order", "eq": false}], "then": [{"action": "nothing"}]}`), ErrUnreachable, "$.rules[1]"},
		{"amount 1e-9999", doc(`{"id": "a", "then": [{"action": "cashback", "amount": 1e-9999, "message": "m"}]}`), ErrTooPrecise, "$.rules[0].then[0].amount"},
		{"amount 1e9999", doc(`{"id": "a", "then": [{"action": "cashback", "amount": 1e9999, "message": "m"}]}`), ErrLimit, "$.rules[0].then[0].amount"},
		{"percent 1e-9999", doc(`{"id": "a", "then": [{"action": "cashback", "percent": 1e-9999, "cap": "10.00", "message": "m"}]}`), ErrTooPrecise, "$.rules[0].then[0].percent"},
		{"percent 1e9999", doc(`{"id": "a", "then": [{"action": "cashback", "percent": 1e9999, "cap": "10.00", "message": "m"}]}`), ErrPercentRange, "$.rules[0].then[0].percent"},
		{"budget -1e-9999", `{"version": "1", "currency": "USD", "budgets": {"per_day": -1e-9999}, "rules": []}`, ErrNegativeAmount, "$.budgets.per_day"},
		{"amount of 100,000 digits", `{"version": "1", "currency": "USD", "budgets": {"per_day": ` + strings.Repeat("7", 100_000) + `}, "rules": []}`, ErrLimit, "$.budgets.per_day"},
		{"amount with 100,000 decimals", `{"version": "1", "currency": "USD", "budgets": {"per_day": 0.` + strings.Repeat("7", 100_000) + `}, "rules": []}`, ErrLimit, "$.budgets.per_day"},
		{"too deep", strings.Repeat("[", 40) + strings.Repeat("]", 40), ErrLimit, "$" + strings.Repeat("[0]", 16)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatal("Parse succeeded; want an error")
			}
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Errorf("error %v does not match ErrInvalidPolicy", err)
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("error %v does not match %v", err, tt.kind)
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *PolicyError", err)
			}
			if len(err.Error()) > 1024 {
				t.Errorf("error text is %d bytes, want it clipped: %.200s", len(err.Error()), err.Error())
			}
			found := false
			for _, p := range pe.Problems {
				if errors.Is(p, tt.kind) && p.Path == tt.path {
					found = true
				}
				if !strings.HasPrefix(p.Error(), "accommodation: $") {
					t.Errorf("problem message %q lacks the package prefix and path", p.Error())
				}
			}
			if !found {
				t.Errorf("no %v problem at %s in:\n%v", tt.kind, tt.path, err)
			}
		})
	}
}

func TestParseCollectsAllProblems(t *testing.T) {
	data := `{"version": "1", "currency": "USD", "colour": "red", "rules": [
		{"id": "a", "when": [{"fact": "tierr", "eq": "vip"}], "then": [{"action": "cashback", "amount": "-1", "message": "m"}]},
		{"id": "b", "when": [{"fact": "days_late", "gte": "x"}], "then": [{"action": "cashback", "percent": 101, "cap": "1", "message": "m"}]}
	]}`
	_, err := Parse([]byte(data))
	var pe *PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("want *PolicyError, got %v", err)
	}
	want := map[string]error{
		"$.colour":                   ErrUnknownField,
		"$.rules[0].when[0].fact":    ErrUnknownFact,
		"$.rules[0].then[0].amount":  ErrNegativeAmount,
		"$.rules[1].when[0].gte":     ErrBadComparison,
		"$.rules[1].then[0].percent": ErrPercentRange,
	}
	got := map[string]error{}
	for _, p := range pe.Problems {
		got[p.Path] = p.Err
	}
	for path, kind := range want {
		if got[path] != kind {
			t.Errorf("%s: got %v, want %v", path, got[path], kind)
		}
	}
	if len(pe.Problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(pe.Problems), len(want), err)
	}
}

func TestParseReachableRules(t *testing.T) {
	// Each of these policies is fine: no rule hides another.
	docs := map[string]string{
		"narrower first": doc(`{"id": "vip-late", "when": [{"fact": "tier", "eq": "vip"}, {"fact": "days_late", "gte": 5}], "then": [{"action": "nothing"}]},
			{"id": "late", "when": [{"fact": "days_late", "gte": 2}], "then": [{"action": "nothing"}]}`),
		"continue does not shadow": doc(`{"id": "all", "then": [{"action": "priority_support", "message": "m"}], "continue": true},
			{"id": "vip", "when": [{"fact": "tier", "eq": "vip"}], "then": [{"action": "nothing"}]}`),
		"next_rule cashback does not shadow": `{"version": "1", "currency": "USD", "budgets": {"per_day": "100"}, "rules": [
			{"id": "all", "then": [{"action": "cashback", "amount": "5", "message": "m"}], "over_budget": "next_rule"},
			{"id": "rest", "then": [{"action": "apology_only", "message": "m"}]}]}`,
		"open score boundary": doc(`{"id": "above-50", "when": [{"fact": "risk_score", "not": {"lte": 50}}], "then": [{"action": "nothing"}]},
			{"id": "from-50", "when": [{"fact": "risk_score", "gte": 50}], "then": [{"action": "nothing"}]}`),
		"unknown tier still reachable": doc(`{"id": "known", "when": [{"fact": "tier", "in": ["vip", "loyal", "regular", "new", "risky"]}], "then": [{"action": "nothing"}]},
			{"id": "any", "then": [{"action": "nothing"}]}`),
		"carrier sets": doc(`{"id": "not-ups", "when": [{"fact": "carrier", "not": {"eq": "ups"}}], "then": [{"action": "nothing"}]},
			{"id": "ups-or-dhl", "when": [{"fact": "carrier", "in": ["UPS", "dhl"]}], "then": [{"action": "nothing"}]}`),
		"integer neighbours": doc(`{"id": "a", "when": [{"fact": "days_late", "in": [1, 2, 4]}], "then": [{"action": "nothing"}]},
			{"id": "b", "when": [{"fact": "days_late", "between": [1, 4]}], "then": [{"action": "nothing"}]}`),
	}
	for name, d := range docs {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(d)); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	big := bytes.Repeat([]byte(" "), MaxPolicyBytes+1)
	if _, err := Parse(big); !errors.Is(err, ErrLimit) {
		t.Errorf("oversized document: got %v, want ErrLimit", err)
	}
	if _, err := Load(bytes.NewReader(big)); !errors.Is(err, ErrLimit) {
		t.Errorf("oversized Load: got %v, want ErrLimit", err)
	}
	var rules []string
	for i := 0; i <= MaxRules; i++ {
		rules = append(rules, `{"id": "r`+strconv.Itoa(i)+`", "when": [{"fact": "days_late", "eq": `+strconv.Itoa(i)+`}], "then": [{"action": "nothing"}]}`)
	}
	if _, err := Parse([]byte(doc(strings.Join(rules, ",")))); !errors.Is(err, ErrLimit) {
		t.Errorf("too many rules: got %v, want ErrLimit", err)
	}
	if _, err := Parse([]byte(doc(strings.Join(rules[:MaxRules], ",")))); err != nil {
		t.Errorf("MaxRules rules: %v", err)
	}
}

func TestProblemsAreCapped(t *testing.T) {
	var rules []string
	for i := 0; i < 300; i++ {
		rules = append(rules, `{"id": "r`+strconv.Itoa(i)+`", "when": [{"fact": "nope", "eq": 1}], "then": [{"action": "nothing"}]}`)
	}
	_, err := Parse([]byte(doc(strings.Join(rules, ","))))
	var pe *PolicyError
	if !errors.As(err, &pe) || len(pe.Problems) != maxProblems || !pe.Truncated {
		t.Fatalf("want %d problems and Truncated, got %v", maxProblems, err)
	}
}
