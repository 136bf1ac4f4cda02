package benchcpu_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/postpurchase/postpurchase/internal/benchcpu"
)

func TestNowAdvances(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no process CPU time here")
	}
	start := benchcpu.Now()
	if start <= 0 {
		t.Fatalf("Now() = %v, want the CPU time used so far", start)
	}
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	if benchcpu.Now() <= start {
		t.Errorf("CPU time did not advance over a busy loop (x=%d)", x)
	}
}

func BenchmarkSum(b *testing.B) {
	defer benchcpu.Start(b)()
	x := 0
	for i := range b.N {
		x += i % 7
	}
	_ = x
}

// Example: a benchmark adds one line after its setup,
//
//	defer benchcpu.Start(b)()
//
// and go test -bench reports cpu-ns/op next to ns/op.
func Example() {
	start := benchcpu.Now()
	fmt.Println(benchcpu.Now() >= start)
	// Output: true
}
