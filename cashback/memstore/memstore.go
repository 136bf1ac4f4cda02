package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/postpurchase/postpurchase/cashback"
)

// Store is an in-memory cashback.Store. Create it with New; the zero value
// is not usable.
type Store struct {
	mu       sync.RWMutex
	accounts map[cashback.Account]*account
}

var _ cashback.Store = (*Store)(nil)

type account struct {
	mu      sync.RWMutex
	summary cashback.Summary
	entries []cashback.Entry
	keys    map[string]int // key -> index in entries
}

// Options configures a Store. It has no fields yet; pass the zero value.
type Options struct{}

// New returns an empty store. It never fails today; the error is there so
// that options added later can be validated.
func New(opts Options) (*Store, error) {
	return &Store{accounts: make(map[cashback.Account]*account)}, nil
}

// get returns the account's record, creating it if create is set.
func (s *Store) get(acct cashback.Account, create bool) *account {
	s.mu.RLock()
	a := s.accounts[acct]
	s.mu.RUnlock()
	if a != nil || !create {
		return a
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a = s.accounts[acct]; a == nil {
		a = &account{keys: make(map[string]int)}
		s.accounts[acct] = a
	}
	return a
}

// Load returns a copy of the account's summary.
func (s *Store) Load(ctx context.Context, acct cashback.Account) (cashback.Summary, error) {
	if err := ctx.Err(); err != nil {
		return cashback.Summary{}, err
	}
	a := s.get(acct, false)
	if a == nil {
		return cashback.Summary{Account: acct}, nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.summary.Version == 0 {
		return cashback.Summary{Account: acct}, nil
	}
	return a.summary.Clone(), nil
}

// Entries returns a copy of a page of the account's entries: those after
// page.After, at most page.Limit (DefaultPageLimit when 0; negative is a
// *cashback.FieldError).
func (s *Store) Entries(ctx context.Context, acct cashback.Account, page cashback.EntryPage) ([]cashback.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	limit, err := page.EffectiveLimit()
	if err != nil {
		return nil, fmt.Errorf("memstore: entries: %w", err)
	}
	a := s.get(acct, false)
	if a == nil {
		return nil, nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	// Entry seq is at index seq-1.
	from := int64(len(a.entries))
	if page.After < from {
		from = max(page.After, 0)
	}
	to := from + min(int64(limit), int64(len(a.entries))-from)
	out := make([]cashback.Entry, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, clone(a.entries[i]))
	}
	return out, nil
}

// Entry returns a copy of the entry with sequence number seq.
func (s *Store) Entry(ctx context.Context, acct cashback.Account, seq int64) (cashback.Entry, error) {
	if err := ctx.Err(); err != nil {
		return cashback.Entry{}, err
	}
	if a := s.get(acct, false); a != nil {
		a.mu.RLock()
		defer a.mu.RUnlock()
		if seq >= 1 && seq <= int64(len(a.entries)) {
			return clone(a.entries[seq-1]), nil
		}
	}
	return cashback.Entry{}, fmt.Errorf("memstore: entry %d: %w", seq, cashback.ErrNotFound)
}

// Append adds entries and replaces the summary if the account's version is
// expected.
func (s *Store) Append(ctx context.Context, acct cashback.Account, expected int64, entries []cashback.Entry, next cashback.Summary) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a := s.get(acct, true)
	a.mu.Lock()
	defer a.mu.Unlock()
	if version := int64(len(a.entries)); version != expected {
		return fmt.Errorf("memstore: version is %d, not %d: %w", version, expected, cashback.ErrConflict)
	}
	for i, e := range entries {
		if _, dup := a.keys[e.Key]; dup {
			return fmt.Errorf("memstore: entry %d: %w", expected+1+int64(i), cashback.ErrDuplicateKey)
		}
		for _, f := range entries[:i] {
			if f.Key == e.Key {
				return fmt.Errorf("memstore: entry %d: %w", expected+1+int64(i), cashback.ErrDuplicateKey)
			}
		}
	}
	a.entries = slices.Grow(a.entries, len(entries))
	for _, e := range entries {
		a.keys[e.Key] = len(a.entries)
		a.entries = append(a.entries, clone(e))
	}
	a.summary = next.Clone()
	return nil
}

// LookupKey returns a copy of the entry recorded under key.
func (s *Store) LookupKey(ctx context.Context, acct cashback.Account, key string) (cashback.Entry, error) {
	if err := ctx.Err(); err != nil {
		return cashback.Entry{}, err
	}
	if a := s.get(acct, false); a != nil {
		a.mu.RLock()
		defer a.mu.RUnlock()
		if i, ok := a.keys[key]; ok {
			return clone(a.entries[i]), nil
		}
	}
	return cashback.Entry{}, fmt.Errorf("memstore: key: %w", cashback.ErrNotFound)
}

// clone copies an entry so neither the caller nor the store sees the other's
// changes. Decimals are immutable values; only Allocations is shared memory.
func clone(e cashback.Entry) cashback.Entry {
	e.Allocations = slices.Clone(e.Allocations)
	return e
}
