package cashbacktest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/cashbacktest"
	"github.com/postpurchase/postpurchase/cashback/memstore"
)

func TestMemstore(t *testing.T) {
	cashbacktest.RunConformanceTests(t, func(context.Context, *testing.T) (cashbacktest.Harness, error) {
		return harness{func() (cashback.Store, error) { return memstore.New(memstore.Options{}) }}, nil
	})
}

type harness struct {
	make func() (cashback.Store, error)
}

func (h harness) MakeStore(context.Context) (cashback.Store, error) { return h.make() }
func (harness) Close()                                              {}

// lax is a broken store: it appends whatever it is given, ignoring the
// expected version and duplicate keys, shares its slices with callers, and
// reads a Limit of 0 or less as an empty page.
type lax struct {
	mu  sync.Mutex
	m   map[cashback.Account][]cashback.Entry
	sum map[cashback.Account]cashback.Summary
}

func (s *lax) Load(_ context.Context, a cashback.Account) (cashback.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sum, ok := s.sum[a]; ok {
		return sum, nil
	}
	return cashback.Summary{Account: a}, nil
}

func (s *lax) Entries(_ context.Context, a cashback.Account, p cashback.EntryPage) ([]cashback.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	es := s.m[a]
	from := min(max(p.After, 0), int64(len(es)))
	to := min(from+int64(max(p.Limit, 0)), int64(len(es)))
	return append([]cashback.Entry(nil), es[from:to]...), nil
}

func (s *lax) Entry(_ context.Context, a cashback.Account, seq int64) (cashback.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq >= 1 && seq <= int64(len(s.m[a])) {
		return s.m[a][seq-1], nil
	}
	return cashback.Entry{}, cashback.ErrNotFound
}

func (s *lax) Append(_ context.Context, a cashback.Account, _ int64, es []cashback.Entry, next cashback.Summary) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range es {
		e.Seq = int64(len(s.m[a])) + 1
		s.m[a] = append(s.m[a], e)
	}
	s.sum[a] = next
	return nil
}

func (s *lax) LookupKey(_ context.Context, a cashback.Account, k string) (cashback.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.m[a] {
		if e.Key == k {
			return e, nil
		}
	}
	return cashback.Entry{}, cashback.ErrNotFound
}

// TestSuiteCatchesBrokenStore runs the suite on the broken store in a child
// process and checks that it fails where it should.
func TestSuiteCatchesBrokenStore(t *testing.T) {
	if os.Getenv("CASHBACKTEST_BROKEN_CHILD") == "1" {
		cashbacktest.RunConformanceTests(t, func(context.Context, *testing.T) (cashbacktest.Harness, error) {
			return harness{func() (cashback.Store, error) {
				return &lax{m: map[cashback.Account][]cashback.Entry{}, sum: map[cashback.Account]cashback.Summary{}}, nil
			}}, nil
		})
		return
	}
	if testing.Short() {
		t.Skip("spawns a child test process")
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestSuiteCatchesBrokenStore$", "-test.v")
	cmd.Env = append(os.Environ(), "CASHBACKTEST_BROKEN_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the suite passed a store that ignores versions and keys:\n%s", out)
	}
	for _, name := range []string{"StoreWrongVersion", "StoreDuplicateKey", "StoreNoAliasing", "StoreConcurrentAppend", "StoreEntriesPageLimit"} {
		if !strings.Contains(string(out), "--- FAIL: TestSuiteCatchesBrokenStore/"+name) {
			t.Errorf("the suite did not fail %s on the broken store", name)
		}
	}
}
