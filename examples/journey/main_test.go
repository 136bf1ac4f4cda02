package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(t.Context(), &a, 1, 14); err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), &b, 1, 14); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("the same seed printed different journeys")
	}
	out := a.String()
	for _, want := range []string{"Order #1001", "delivered", "exception / weather", "attempt_fail", "return_to_sender / returned"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunRejectsBadDays(t *testing.T) {
	if err := run(t.Context(), &bytes.Buffer{}, 1, -1); err == nil {
		t.Error("run accepted -days -1")
	}
}
