package cashback

import (
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Balance is an account's position at an instant, computed from its entries
// with At not after that instant.
//
// Every unit of credit issued and not reversed is in exactly one place:
//
//	LifetimeEarned = Available + Pending + Lapsed + Redeemed + Expired
//
// and Available + Pending + Lapsed equals the sum of the counted entries'
// Delta. Available, Pending and Lapsed are never negative.
type Balance struct {
	Account Account
	// At is the instant the balance is for (UTC).
	At time.Time
	// Version is the Seq of the last entry counted (0 if none).
	Version int64

	// Available is credit the customer can spend at At.
	Available decimal.Decimal
	// Pending is credit issued but not yet available (AvailableAt after At),
	// for example until the delayed order is delivered.
	Pending decimal.Decimal
	// Lapsed is credit past its expiry that no expire entry has written off
	// yet (Ledger.Expire records it). It is not spendable.
	Lapsed decimal.Decimal
	// ExpiringSoon is the part of Available that lapses within
	// ExpiringSoonWindow after At.
	ExpiringSoon decimal.Decimal
	// ExpiringSoonWindow is the window ExpiringSoon was computed with.
	ExpiringSoonWindow time.Duration
	// NextExpiry is the earliest ExpiresAt among lots with available or
	// pending credit left; zero if none expires.
	NextExpiry time.Time

	// LifetimeEarned is all credit ever issued, less reversed issues.
	LifetimeEarned decimal.Decimal
	// Redeemed is credit spent, less redemptions reversed.
	Redeemed decimal.Decimal
	// Expired is credit written off by expire entries.
	Expired decimal.Decimal
	// Reversed is credit taken back by reversing issues.
	Reversed decimal.Decimal
}

// Money returns amount d in the balance's currency, for display.
func (b Balance) Money(d decimal.Decimal) Money {
	return Money{Amount: d, Currency: b.Account.Currency}
}

// lot is the running state of one issue entry.
type lot struct {
	seq         int64
	issued      decimal.Decimal
	remaining   decimal.Decimal
	availableAt time.Time
	expiresAt   time.Time // zero: never
}

// state is an account folded from its entries.
type state struct {
	acct    Account
	version int64
	last    time.Time // At of the last entry folded
	entries []Entry
	// info[seq-1] describes entry seq: the index of its lot in lots (issues)
	// or -1, and whether it (a redemption) has been reversed.
	info []entryInfo
	lots []lot

	earned, redeemed, expired, reversed decimal.Decimal
}

type entryInfo struct {
	lot      int32
	reversed bool
}

// lotOf returns the lot for an issue's seq, or nil.
func (s *state) lotOf(seq int64) *lot {
	if seq < 1 || seq > int64(len(s.info)) {
		return nil
	}
	i := s.info[seq-1].lot
	if i < 0 {
		return nil
	}
	return &s.lots[i]
}

// fold applies entries with At not after upTo (all entries if upTo is zero)
// and checks each against the account's rules. Entries must be in Seq order.
func fold(acct Account, entries []Entry, upTo time.Time) (*state, error) {
	s := &state{acct: acct, entries: entries, info: make([]entryInfo, 0, len(entries))}
	minor, _ := MinorUnits(acct.Currency)
	s.earned, s.redeemed, s.expired, s.reversed = decimal.New(0, -minor), decimal.New(0, -minor), decimal.New(0, -minor), decimal.New(0, -minor)
	for i := range entries {
		e := &entries[i]
		if !upTo.IsZero() && e.At.After(upTo) {
			break
		}
		if err := s.apply(e, int64(i)+1); err != nil {
			return nil, err
		}
	}
	s.entries = entries[:s.version]
	return s, nil
}

func (s *state) apply(e *Entry, pos int64) error {
	bad := func(field, reason string) error {
		return &CorruptError{Seq: pos, Path: field, Reason: reason}
	}
	if e.Seq != pos {
		return bad("seq", fmt.Sprintf("is %d, want %d", e.Seq, pos))
	}
	if e.Account != s.acct {
		if e.Account.Currency != s.acct.Currency {
			return bad("currency", "differs from the account's")
		}
		return bad("customer_id", "differs from the account's")
	}
	if err := e.Validate(); err != nil {
		return err
	}
	if e.At.Before(s.last) {
		return bad("at", "before the previous entry's")
	}
	info := entryInfo{lot: -1}
	switch e.Kind {
	case KindIssue:
		info.lot = int32(len(s.lots))
		s.lots = append(s.lots, lot{seq: e.Seq, issued: e.Amount, remaining: e.Amount, availableAt: e.AvailableAt, expiresAt: e.ExpiresAt})
		s.earned = s.earned.Add(e.Amount)
	case KindRedeem:
		for i, a := range e.Allocations {
			l := s.lotOf(a.Lot)
			if l == nil {
				return bad(fmt.Sprintf("allocations[%d].lot", i), "not an issue")
			}
			if l.state(e.At) != lotAvailable {
				return bad(fmt.Sprintf("allocations[%d].lot", i), "has no available credit at the redemption's time")
			}
			if err := l.take(a.Amount); err != nil {
				return bad(fmt.Sprintf("allocations[%d].amount", i), err.Error())
			}
		}
		s.redeemed = s.redeemed.Add(e.Amount)
	case KindExpire:
		l := s.lotOf(e.Target)
		if l == nil || len(e.Allocations) != 1 || e.Allocations[0].Lot != e.Target {
			return bad("target", "an expiry must name one issue and allocate to it alone")
		}
		if l.expiresAt.IsZero() || e.At.Before(l.expiresAt) {
			return bad("at", "before the lot's expiry")
		}
		if err := l.take(e.Amount); err != nil {
			return bad("amount", err.Error())
		}
		s.expired = s.expired.Add(e.Amount)
	case KindReverseIssue:
		l := s.lotOf(e.Target)
		if l == nil || len(e.Allocations) != 1 || e.Allocations[0].Lot != e.Target {
			return bad("target", "a reverse_issue must name one issue and allocate to it alone")
		}
		if err := l.take(e.Amount); err != nil {
			return bad("amount", err.Error())
		}
		s.earned = s.earned.Sub(e.Amount)
		s.reversed = s.reversed.Add(e.Amount)
	case KindReverseRedeem:
		t := &s.entries[e.Target-1] // Validate checked 1 <= Target < Seq
		if t.Kind != KindRedeem {
			return bad("target", "a reverse_redeem must name a redeem")
		}
		if s.info[e.Target-1].reversed {
			return bad("target", "redeem already reversed")
		}
		if !e.Amount.Equal(t.Amount) || !sameAllocations(e.Allocations, t.Allocations) {
			return bad("allocations", "differ from the redeem's")
		}
		for _, a := range e.Allocations {
			l := s.lotOf(a.Lot)
			l.remaining = l.remaining.Add(a.Amount)
			if l.remaining.GreaterThan(l.issued) {
				return bad("allocations", "return more than the lot issued")
			}
		}
		s.info[e.Target-1].reversed = true
		s.redeemed = s.redeemed.Sub(e.Amount)
	}
	s.info = append(s.info, info)
	s.version = pos
	s.last = e.At
	return nil
}

// Lot states at an instant.
const (
	lotEmpty = iota
	lotPending
	lotAvailable
	lotLapsed
)

// state says where the lot's remaining credit stands at t.
func (l *lot) state(t time.Time) int {
	switch {
	case l.remaining.Sign() <= 0:
		return lotEmpty
	case !l.expiresAt.IsZero() && !t.Before(l.expiresAt):
		return lotLapsed
	case t.Before(l.availableAt):
		return lotPending
	default:
		return lotAvailable
	}
}

// take removes d from the lot; it never lets remaining go negative.
func (l *lot) take(d decimal.Decimal) error {
	if d.GreaterThan(l.remaining) {
		return fmt.Errorf("takes %s but only %s is left in lot %d", d.String(), l.remaining.String(), l.seq)
	}
	l.remaining = l.remaining.Sub(d)
	return nil
}

func sameAllocations(a, b []Allocation) bool {
	return slices.EqualFunc(a, b, func(x, y Allocation) bool { return x.Lot == y.Lot && x.Amount.Equal(y.Amount) })
}

// balance computes the balance at t from a folded state.
func (s *state) balance(t time.Time, window time.Duration) Balance {
	minor, _ := MinorUnits(s.acct.Currency)
	zero := decimal.New(0, -minor)
	b := Balance{
		Account: s.acct, At: t, Version: s.version,
		Available: zero, Pending: zero, Lapsed: zero, ExpiringSoon: zero, ExpiringSoonWindow: window,
		LifetimeEarned: s.earned, Redeemed: s.redeemed, Expired: s.expired, Reversed: s.reversed,
	}
	soon := t.Add(window)
	for i := range s.lots {
		l := &s.lots[i]
		switch l.state(t) {
		case lotPending:
			b.Pending = b.Pending.Add(l.remaining)
		case lotLapsed:
			b.Lapsed = b.Lapsed.Add(l.remaining)
			continue
		case lotAvailable:
			b.Available = b.Available.Add(l.remaining)
			if !l.expiresAt.IsZero() && !l.expiresAt.After(soon) {
				b.ExpiringSoon = b.ExpiringSoon.Add(l.remaining)
			}
		default:
			continue
		}
		if !l.expiresAt.IsZero() && (b.NextExpiry.IsZero() || l.expiresAt.Before(b.NextExpiry)) {
			b.NextExpiry = l.expiresAt
		}
	}
	return b
}

// BalanceOf computes the balance of acct at t from its entries, as
// Ledger.Balance does after loading them: entries must be the account's
// entries in Seq order (from Store.Load); those with At after t are not
// counted. window is the ExpiringSoon window (negative is treated as zero).
// It returns a *CorruptError if the entries break the ledger's rules.
//
// BalanceOf is pure; hosts can use it on entries they already hold.
func BalanceOf(acct Account, entries []Entry, t time.Time, window time.Duration) (Balance, error) {
	if err := acct.Validate(); err != nil {
		return Balance{}, err
	}
	if t.IsZero() {
		return Balance{}, &FieldError{Path: "at", Reason: "missing"}
	}
	t = t.UTC()
	s, err := fold(acct, entries, t)
	if err != nil {
		return Balance{}, err
	}
	return s.balance(t, max(window, 0)), nil
}
