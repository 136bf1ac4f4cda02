package scoring

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite SIGNALS.md from the registry")

// TestSignalsDoc keeps SIGNALS.md in step with the registry.
func TestSignalsDoc(t *testing.T) {
	want := signalsMarkdown()
	if *update {
		if err := os.WriteFile("SIGNALS.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("SIGNALS.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("SIGNALS.md is out of date: run go test -run TestSignalsDoc -update ./scoring")
	}
}
