// Package benchcpu reports, in benchmarks, the process CPU time per
// operation ("cpu-ns/op") next to the wall-clock ns/op. The machines the
// project's figures come from are shared: under load, wall time includes
// waiting for a core and overstates the cost, CPU time much less so. It
// also reports per-operation latencies (Latencies) for the store
// benchmarks.
//
// It is for the module's benchmarks only (it imports testing).
package benchcpu

import (
	"slices"
	"testing"
	"time"
)

// Start begins measuring and returns the function that reports the CPU
// time per op since then as the metric "cpu-ns/op". Call it once the
// benchmark's setup is done:
//
//	defer benchcpu.Start(b)()
//
// Where the platform gives no process CPU time, nothing is reported.
func Start(b *testing.B) (report func()) {
	start := Now()
	return func() { Report(b, start) }
}

// Report adds the metric "cpu-ns/op": the process CPU time used since
// start (a value of Now), divided by b.N. It reports nothing when start
// is 0 (no CPU time on this platform) or b.N is 0.
func Report(b *testing.B, start time.Duration) {
	if start == 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(Now()-start)/float64(b.N), "cpu-ns/op")
}

// Now returns the CPU time (user + system) the process has used, or 0
// where the platform does not say.
func Now() time.Duration { return processCPU() }

// Latencies adds the metrics "ops/s" (operations over the time they took)
// and "p50-µs" and "p99-µs" (their latency percentiles) for ls, one
// duration per operation. It sorts ls. It reports nothing for an empty ls.
func Latencies(b *testing.B, ls []time.Duration) {
	if len(ls) == 0 {
		return
	}
	var total time.Duration
	for _, d := range ls {
		total += d
	}
	slices.Sort(ls)
	at := func(q float64) float64 {
		return float64(ls[min(len(ls)-1, int(q*float64(len(ls))))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(float64(len(ls))/total.Seconds(), "ops/s")
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}
