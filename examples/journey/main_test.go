package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestStoryIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := story(t.Context(), &a, 1, ""); err != nil {
		t.Fatal(err)
	}
	if err := story(t.Context(), &b, 1, ""); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("the same seed told different journeys")
	}
}

// TestStoryTellsTheJourney checks the words a reader looks for, and each
// character's outcome.
func TestStoryTellsTheJourney(t *testing.T) {
	var out bytes.Buffer
	if err := story(t.Context(), &out, 1, ""); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	t.Log("\n" + s)
	for _, word := range []string{"shipped", "DELAY", "tier VIP", "cashback", "Klaviyo", "delivered", "CLAIM", "return", "tier RISKY"} {
		if !strings.Contains(s, word) {
			t.Errorf("the story never says %q", word)
		}
	}
	line := func(prefix string) string {
		_, sum, _ := strings.Cut(s, "\nSummary\n")
		for _, l := range strings.Split(sum, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), prefix) {
				return l
			}
		}
		t.Fatalf("no summary line for %s", prefix)
		return ""
	}
	if l := line("#1001  Ada"); !strings.Contains(l, "vip") || strings.Contains(l, "$0.00") {
		t.Errorf("Ada (VIP, delayed) should get a premium make-good: %s", l)
	}
	if l := line("#1002  Chris"); !strings.Contains(l, "risky") || !strings.Contains(l, "$0.00") || !strings.Contains(l, "in_review") {
		t.Errorf("Chris (risky, lost) should get an apology, no credit, and a claim in review: %s", l)
	}
	if l := line("#1003  Ben"); !strings.Contains(l, "return") {
		t.Errorf("Ben should have a return open: %s", l)
	}
}

func TestScaleSmall(t *testing.T) {
	var out bytes.Buffer
	if err := scale(t.Context(), &out, 1, 300, false); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"300 shipments", "scans/s", "peak memory", "before the promise", "vip"} {
		if !strings.Contains(s, want) {
			t.Errorf("the scale run does not report %q:\n%s", want, s)
		}
	}
}
