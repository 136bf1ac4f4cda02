package riverwork_test

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postpurchase/postpurchase/internal/benchcpu"
)

// Where the CPU of a scale run goes. On Linux, a run measures the CPU time
// of its worker processes, of the PostgreSQL backends serving them (found
// by their application_name; only when the server runs on the same
// machine), of the harness (this process: the fake Klaviyo and
// the progress queries) and of the whole machine (every process,
// including other work sharing it). Elsewhere it measures what it can
// and reports the rest as unknown.

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on every Linux
// the project runs on).
const clockTick = 10 * time.Millisecond

// procCPU returns the user + system CPU time process pid has used, and
// its command name, from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, "", false
	}
	s := string(b)
	// pid (comm) state ppid ...: comm may hold spaces; fields 14 and 15
	// (utime, stime) count from after its closing parenthesis.
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return 0, "", false
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 13 {
		return 0, "", false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, "", false
	}
	return time.Duration(u+st) * clockTick, s[open+1 : end], true
}

// machineCPU returns the busy CPU time of the machine, all cores (all but
// idle and iowait), from /proc/stat.
func machineCPU() (busy time.Duration, ok bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, false
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 8 || fields[0] != "cpu" {
		return 0, false
	}
	for i, v := range fields[1:min(len(fields), 9)] { // user nice system idle iowait irq softirq steal
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, false
		}
		if i != 3 && i != 4 { // idle, iowait
			busy += time.Duration(n) * clockTick
		}
	}
	return busy, true
}

// cpuMeter follows the CPU time of one run's processes between begin and
// the last sample.
type cpuMeter struct {
	workers  func() []int                // the worker processes' pids now
	backends func(context.Context) []int // the server's backends serving them now; nil: none

	mu                 sync.Mutex
	first, last        map[int]time.Duration // per worker pid (CPU at first and last sight)
	pgFirst, pgLast    map[int]time.Duration // per backend pid
	harness0, harness1 time.Duration
	busy0, busy1       time.Duration
	machineOK          bool
	pgSeen             bool // some backend was found on this machine
	begun              bool
}

func newCPUMeter(workers func() []int, backends func(context.Context) []int) *cpuMeter {
	return &cpuMeter{workers: workers, backends: backends,
		first: map[int]time.Duration{}, last: map[int]time.Duration{},
		pgFirst: map[int]time.Duration{}, pgLast: map[int]time.Duration{}}
}

// begin takes the baseline: CPU used before it is not counted.
func (m *cpuMeter) begin(ctx context.Context) {
	m.mu.Lock()
	m.begun = false
	m.mu.Unlock()
	m.sample(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.begun = true
	m.harness0 = benchcpu.Now()
	m.busy0, m.machineOK = machineCPU()
}

// sample reads the CPU time of every worker and backend now. A process
// first seen after begin counts from zero (a restarted worker, a new
// connection); one gone since counts to its last sample.
func (m *cpuMeter) sample(ctx context.Context) {
	var backends []int
	if m.backends != nil {
		backends = m.backends(ctx)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	see := func(first, last map[int]time.Duration, pid int, cpu time.Duration) {
		if _, ok := first[pid]; !ok {
			first[pid] = 0
			if !m.begun {
				first[pid] = cpu
			}
		}
		last[pid] = cpu
	}
	for _, pid := range m.workers() {
		if cpu, _, ok := procCPU(pid); ok {
			see(m.first, m.last, pid, cpu)
		}
	}
	for _, pid := range backends {
		// The pid is PostgreSQL's; it is one of this machine's processes
		// only if the server runs here.
		if cpu, comm, ok := procCPU(pid); ok && strings.HasPrefix(comm, "postgres") {
			see(m.pgFirst, m.pgLast, pid, cpu)
			m.pgSeen = true
		}
	}
	if m.begun {
		m.harness1 = benchcpu.Now()
		if busy, ok := machineCPU(); ok {
			m.busy1 = busy
		}
	}
}

// cpuSplit is the CPU time of a run by where it went.
type cpuSplit struct {
	workers, pg, harness, machine time.Duration
	pgKnown, machineKnown         bool
}

func (m *cpuMeter) split() cpuSplit {
	m.mu.Lock()
	defer m.mu.Unlock()
	sum := func(first, last map[int]time.Duration) time.Duration {
		var d time.Duration
		for pid, v := range last {
			d += v - first[pid]
		}
		return d
	}
	return cpuSplit{workers: sum(m.first, m.last), pg: sum(m.pgFirst, m.pgLast),
		harness: m.harness1 - m.harness0, machine: m.busy1 - m.busy0,
		pgKnown: m.pgSeen, machineKnown: m.machineOK}
}

// sqlCounter counts a worker process's statements by their text, to
// find the round trips per job: a statement sent alone is a round trip,
// a batch is one, a COPY two.
type sqlCounter struct {
	mu      sync.Mutex
	queries map[string]int
	batches int
	batched int
	copies  int
}

func newSQLCounter() *sqlCounter { return &sqlCounter{queries: map[string]int{}} }

// key is a statement's first words, spaces folded, schema names dropped.
func sqlKey(sql string) string {
	f := strings.Fields(sql)
	for i, w := range f {
		if j := strings.Index(w, `"."`); j >= 0 {
			f[i] = w[j+3:]
		}
	}
	return strings.Join(f[:min(len(f), 7)], " ")
}

func (c *sqlCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	c.queries[sqlKey(d.SQL)]++
	c.mu.Unlock()
	return ctx
}

func (c *sqlCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *sqlCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	c.mu.Lock()
	c.batches++
	c.batched += d.Batch.Len()
	c.mu.Unlock()
	return ctx
}

func (c *sqlCounter) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	c.mu.Lock()
	c.queries["(in a batch) "+sqlKey(d.SQL)]++
	c.mu.Unlock()
}

func (c *sqlCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (c *sqlCounter) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceCopyFromStartData) context.Context {
	c.mu.Lock()
	c.copies++
	c.queries["COPY "+sqlKey(d.TableName.Sanitize())]++
	c.mu.Unlock()
	return ctx
}

func (c *sqlCounter) TraceCopyFromEnd(context.Context, *pgx.Conn, pgx.TraceCopyFromEndData) {}

// write saves the counts to dir/sql-<id>.txt: "count<TAB>statement" lines.
func (c *sqlCounter) write(dir, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "%d\t(batches)\n%d\t(statements in batches)\n%d\t(copies)\n", c.batches, c.batched, c.copies)
	for _, k := range slices.Sorted(maps.Keys(c.queries)) {
		fmt.Fprintf(&b, "%d\t%s\n", c.queries[k], k)
	}
	return os.WriteFile(filepath.Join(dir, "sql-"+id+".txt"), []byte(b.String()), 0o644)
}

// readSQLCounts sums the counts the workers wrote to dir.
func readSQLCounts(dir string) (map[string]int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "sql-*.txt"))
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		for line := range strings.Lines(string(b)) {
			n, k, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
			if !ok {
				continue
			}
			v, err := strconv.Atoi(n)
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %w", name, line, err)
			}
			out[k] += v
		}
	}
	return out, nil
}
