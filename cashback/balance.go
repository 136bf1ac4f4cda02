package cashback

import (
	"cmp"
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
	// Pending is credit issued but not yet available: held until a release
	// (see Held), or released or issued with an availability time after At.
	Pending decimal.Decimal
	// Held is the part of Pending that waits for a release with no
	// availability time known yet (IssueRequest.Held), for example until the
	// delayed order is delivered.
	Held decimal.Decimal
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
	spent       decimal.Decimal // redeemed from this lot and not returned
	availableAt time.Time       // zero while held
	expiresAt   time.Time       // zero: never
	held        bool            // issued held: pending until a release
	released    bool            // a release entry has named it
}

// state is an account's running position: folded from its entries, or
// read from a stored Summary and then advanced by new entries.
type state struct {
	acct    Account
	version int64
	last    time.Time // At of the last entry applied
	lots    []lot     // in seq order; from a Summary, only the live ones
	// reversedRedeems lists the redeems already reversed, in seq order.
	reversedRedeems []int64
	// full is set when the state was folded from every entry, so lots holds
	// every issue, spent ones included.
	full bool

	earned, redeemed, expired, reversed decimal.Decimal
}

func newState(acct Account) *state {
	minor, _ := MinorUnits(acct.Currency)
	z := decimal.New(0, -minor)
	return &state{acct: acct, earned: z, redeemed: z, expired: z, reversed: z}
}

// lotOf returns the lot for an issue's seq, or nil.
func (s *state) lotOf(seq int64) *lot {
	i, ok := slices.BinarySearchFunc(s.lots, seq, func(l lot, seq int64) int { return cmp.Compare(l.seq, seq) })
	if !ok {
		return nil
	}
	return &s.lots[i]
}

func (s *state) redeemReversed(seq int64) bool {
	_, ok := slices.BinarySearch(s.reversedRedeems, seq)
	return ok
}

// fold applies entries with At not after upTo (all entries if upTo is zero)
// and checks each against the account's rules. Entries must be in Seq order.
func fold(acct Account, entries []Entry, upTo time.Time) (*state, error) {
	s := newState(acct)
	s.full = true
	target := func(seq int64) *Entry {
		if seq < 1 || seq > int64(len(entries)) {
			return nil
		}
		return &entries[seq-1]
	}
	for i := range entries {
		e := &entries[i]
		if !upTo.IsZero() && e.At.After(upTo) {
			break
		}
		if err := s.apply(e, int64(i)+1, target); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// apply checks e, the entry at position pos, against the account's rules
// and advances the state by it. target returns an earlier entry by seq (nil
// if unknown); only reversals of redemptions need it.
func (s *state) apply(e *Entry, pos int64, target func(int64) *Entry) error {
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
	switch e.Kind {
	case KindIssue:
		l := lot{seq: e.Seq, issued: e.Amount, remaining: e.Amount, spent: decimal.New(0, e.Amount.Exponent()),
			availableAt: e.AvailableAt, expiresAt: e.ExpiresAt, held: e.Held}
		s.lots = append(s.lots, l)
		s.earned = s.earned.Add(e.Amount)
	case KindRedeem:
		for i, a := range e.Allocations {
			l := s.lotOf(a.Lot)
			if l == nil {
				return bad(fmt.Sprintf("allocations[%d].lot", i), "not an issue with credit left")
			}
			if l.state(e.At) != lotAvailable {
				return bad(fmt.Sprintf("allocations[%d].lot", i), "has no available credit at the redemption's time")
			}
			if err := l.take(a.Amount); err != nil {
				return bad(fmt.Sprintf("allocations[%d].amount", i), err.Error())
			}
			l.spent = l.spent.Add(a.Amount)
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
		t := target(e.Target) // Validate checked 1 <= Target < Seq
		if t == nil || t.Kind != KindRedeem || t.Seq != e.Target {
			return bad("target", "a reverse_redeem must name a redeem")
		}
		if s.redeemReversed(e.Target) {
			return bad("target", "redeem already reversed")
		}
		if !e.Amount.Equal(t.Amount) || !sameAllocations(e.Allocations, t.Allocations) {
			return bad("allocations", "differ from the redeem's")
		}
		for _, a := range e.Allocations {
			l := s.lotOf(a.Lot)
			if l == nil || a.Amount.GreaterThan(l.spent) {
				return bad("allocations", "return more than was spent from the lot")
			}
			l.remaining = l.remaining.Add(a.Amount)
			l.spent = l.spent.Sub(a.Amount)
		}
		i, _ := slices.BinarySearch(s.reversedRedeems, e.Target)
		s.reversedRedeems = slices.Insert(s.reversedRedeems, i, e.Target)
		s.redeemed = s.redeemed.Sub(e.Amount)
	case KindRelease:
		l := s.lotOf(e.Target)
		if l == nil || len(e.Allocations) != 1 || e.Allocations[0].Lot != e.Target {
			return bad("target", "a release must name one issue and allocate to it alone")
		}
		if !l.held || l.released {
			return bad("target", "the issue is not held, or already released")
		}
		if !e.Amount.Equal(l.remaining) {
			return bad("amount", "differs from what is left of the issue")
		}
		if !e.ExpiresAt.IsZero() && !l.expiresAt.IsZero() {
			return bad("expires_at", "set on a release of an issue that has one")
		}
		l.released, l.availableAt = true, e.AvailableAt
		if !e.ExpiresAt.IsZero() {
			l.expiresAt = e.ExpiresAt
		}
	}
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
	case l.held && !l.released, t.Before(l.availableAt):
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
		Available: zero, Pending: zero, Held: zero, Lapsed: zero, ExpiringSoon: zero, ExpiringSoonWindow: window,
		LifetimeEarned: s.earned, Redeemed: s.redeemed, Expired: s.expired, Reversed: s.reversed,
	}
	soon := t.Add(window)
	for i := range s.lots {
		l := &s.lots[i]
		switch l.state(t) {
		case lotPending:
			b.Pending = b.Pending.Add(l.remaining)
			if l.held && !l.released {
				b.Held = b.Held.Add(l.remaining)
			}
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

// BalanceOf computes the balance of acct at the instant at from its
// entries, as Ledger.Balance does after loading them: entries must be the
// account's entries in Seq order (from Store.Entries); those with At after
// at are not counted. window is the ExpiringSoon window (negative is
// treated as zero). It returns a *CorruptError if the entries break the
// ledger's rules.
//
// BalanceOf is pure; hosts can use it on entries they already hold. Like
// every function of the module that takes an instant, it takes it first.
func BalanceOf(at time.Time, acct Account, entries []Entry, window time.Duration) (Balance, error) {
	if err := acct.Validate(); err != nil {
		return Balance{}, err
	}
	if at.IsZero() {
		return Balance{}, &FieldError{Path: "at", Reason: "missing"}
	}
	at = at.UTC()
	s, err := fold(acct, entries, at)
	if err != nil {
		return Balance{}, err
	}
	return s.balance(at, max(window, 0)), nil
}

// SummaryOf computes the Summary the Ledger keeps for acct from the
// account's entries (in Seq order, as from Store.Entries): for hosts that
// load entries from elsewhere (an import, a backfill of the balance row)
// and for store tests. It returns a *CorruptError if the entries break the
// ledger's rules.
func SummaryOf(acct Account, entries []Entry) (Summary, error) {
	if err := acct.Validate(); err != nil {
		return Summary{}, err
	}
	s, err := fold(acct, entries, time.Time{})
	if err != nil {
		return Summary{}, err
	}
	return s.summary(), nil
}
