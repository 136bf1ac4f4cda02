package scoring

import (
	"testing"
	"time"
)

// reportCPU adds a cpu-ns/op metric (process CPU time per iteration)
// measured since start; see cpuTime.
func reportCPU(b *testing.B, start time.Duration) {
	if start == 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
