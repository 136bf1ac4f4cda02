package cashback

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/internal/iso4217"
)

// Defaults for Options' zero values.
const (
	DefaultExpiringSoon = 30 * 24 * time.Hour
	DefaultMaxAttempts  = 10
)

// reservedKeyPrefix starts the keys the Ledger derives for expiry entries;
// callers' keys may not use it.
const reservedKeyPrefix = "cashback:"

// Options configures a Ledger. The zero value gives the defaults.
type Options struct {
	// ExpiringSoon is the window for Balance.ExpiringSoon: available credit
	// that lapses within this long after the balance's instant. Zero means
	// DefaultExpiringSoon (30 days); negative is an error.
	ExpiringSoon time.Duration
	// MaxAttempts bounds the attempts of one write that keeps losing races
	// (Store.Append returning ErrConflict) before the Ledger gives up with
	// ErrConflict. Zero means DefaultMaxAttempts; negative is an error.
	MaxAttempts int
	// Logger receives debug records of writes and retries: kinds, sequence
	// numbers and attempt counts, never customer IDs, order IDs, keys or
	// reasons. Nil discards them.
	Logger *slog.Logger
}

// Ledger is the portable cashback ledger over a Store. It validates
// requests, enforces idempotency, computes balances and allocates credit;
// the Store only keeps entries. A Ledger is safe for concurrent use, also
// from several processes sharing one store: writes use the store's
// optimistic concurrency and retry on conflict.
//
// Every method that writes takes now, the caller's clock reading. An entry's
// At is now, or the account's last At if that is later (clocks of several
// hosts disagree a little; an account's entries stay in time order).
type Ledger struct {
	store        Store
	expiringSoon time.Duration
	maxAttempts  int
	log          *slog.Logger
	pageSize     int // entries per Store.Entries call in walk: MaxPageLimit (tests lower it)
}

// New returns a Ledger over store. The zero Options gives the defaults.
func New(store Store, opts Options) (*Ledger, error) {
	if store == nil {
		return nil, &FieldError{Path: "store", Reason: "missing"}
	}
	o := opts
	if o.ExpiringSoon < 0 {
		return nil, &FieldError{Path: "options.expiring_soon", Reason: "negative"}
	}
	if o.MaxAttempts < 0 {
		return nil, &FieldError{Path: "options.max_attempts", Reason: "negative"}
	}
	if o.ExpiringSoon == 0 {
		o.ExpiringSoon = DefaultExpiringSoon
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Ledger{store: store, expiringSoon: o.ExpiringSoon, maxAttempts: o.MaxAttempts, log: o.Logger, pageSize: MaxPageLimit}, nil
}

// IssueRequest asks for credit to be added to an account.
type IssueRequest struct {
	Account Account
	// Amount must be positive, in Account.Currency, within its minor units.
	Amount Money
	// Key is the idempotency key (required, at most MaxIDLen bytes, not
	// starting with "cashback:"). Derive it from what the credit is for,
	// e.g. "delay:<delay ID>:cashback", so a retried or duplicated event
	// cannot issue twice.
	Key string
	// Reason is free text shown to staff (optional, at most MaxReasonLen).
	Reason string
	// OrderID and DelayID name the source of the credit (optional).
	OrderID string
	DelayID string
	// Held issues the credit pending with no availability time known yet
	// (for example until the delayed order is delivered): it becomes
	// available only when Release names it, and Reverse cancels it if the
	// order never arrives. AvailableAt must then be zero.
	Held bool
	// AvailableAt is when the credit becomes spendable; until then it is
	// pending. Zero or past means at once.
	AvailableAt time.Time
	// ExpiresAt is when what is left of the credit lapses. Zero means never.
	// It must be after the credit becomes available (after the issue, for a
	// held credit).
	ExpiresAt time.Time
}

// RedeemRequest asks to spend available credit on an order.
type RedeemRequest struct {
	Account Account
	// Amount must be positive, in Account.Currency, and at most the
	// available balance.
	Amount Money
	// Key is the idempotency key (required), e.g. "checkout:<order ID>".
	Key string
	// OrderID is the order the credit pays towards (required).
	OrderID string
}

// ReverseRequest asks to undo an issue or a redemption.
type ReverseRequest struct {
	Account Account
	// Seq is the entry to reverse: an issue or a redeem. Set Seq or
	// TargetKey, not both.
	Seq int64
	// TargetKey is the idempotency key of the entry to reverse, for callers
	// that know the key they issued or redeemed with but not the entry's
	// sequence number.
	TargetKey string
	// Key is the idempotency key (required).
	Key string
	// Reason is free text (optional).
	Reason string
	// AllowPartial lets a reversal of an issue take back only what is left
	// of it when part has been spent, expired or reversed. Without it such a
	// reversal fails with ErrPartiallySpent and writes nothing.
	AllowPartial bool
}

// ReleaseRequest asks to make a held credit available (see
// IssueRequest.Held), for example when the delayed order is delivered.
type ReleaseRequest struct {
	Account Account
	// Seq is the held issue entry. Set Seq or IssueKey, not both.
	Seq int64
	// IssueKey is the idempotency key the held credit was issued with.
	IssueKey string
	// Key is the idempotency key of the release (required), e.g.
	// "delivered:<order ID>:release".
	Key string
	// AvailableAt is when the credit becomes spendable: zero or past means
	// at once; a later time keeps it pending until then (release at
	// delivery, spendable N days later).
	AvailableAt time.Time
	// ExpiresAt sets when what is left lapses, for a credit issued without
	// an expiry (zero: keep the issue's, or never). It must be after the
	// credit becomes available.
	ExpiresAt time.Time
}

// Issue adds credit to the account and returns the issue entry.
//
// Idempotency: a request with a Key already used in the account returns the
// entry first written under it if the request is the same (same account,
// amount, reason, source and times), whatever now is, and
// ErrIdempotencyConflict otherwise. Retry-safety: if Issue returns an error
// that is not a validation error, the credit may or may not have been issued
// (the store may have committed before failing); retrying with the same Key
// is always safe.
func (l *Ledger) Issue(ctx context.Context, now time.Time, req IssueRequest) (Entry, error) {
	if err := checkCommon(now, req.Account, req.Key); err != nil {
		return Entry{}, err
	}
	amount, err := requestAmount(req.Account, req.Amount)
	if err != nil {
		return Entry{}, err
	}
	if !iso4217.Active(req.Account.Currency) {
		return Entry{}, &FieldError{Path: "account.currency", Reason: req.Account.Currency + " is withdrawn: no new credit in it", Err: ErrWithdrawnCurrency}
	}
	if err := checkText("reason", req.Reason); err != nil {
		return Entry{}, err
	}
	if err := checkID("order_id", req.OrderID, false); err != nil {
		return Entry{}, err
	}
	if err := checkID("delay_id", req.DelayID, false); err != nil {
		return Entry{}, err
	}
	availableAt, expiresAt := normTime(req.AvailableAt), normTime(req.ExpiresAt)
	if req.Held && !availableAt.IsZero() {
		return Entry{}, &FieldError{Path: "available_at", Reason: "set on a held credit (Release says when it becomes available)"}
	}
	amountText, availText, expText := formatAmount(amount, req.Account.Currency), timeKey(availableAt), timeKey(expiresAt)
	var fp string
	if req.Held {
		fp = fingerprint("issue", req.Account.CustomerID, req.Account.Currency, amountText,
			req.Reason, req.OrderID, req.DelayID, availText, expText, "held")
	} else {
		fp = fingerprint("issue", req.Account.CustomerID, req.Account.Currency, amountText,
			req.Reason, req.OrderID, req.DelayID, availText, expText)
	}
	out, err := l.write(ctx, now, req.Account, req.Key, fp, func(s *state, at time.Time, _ fetchFunc) ([]Entry, error) {
		e := Entry{
			Account: req.Account, Seq: s.version + 1, Kind: KindIssue, Amount: amount, At: at,
			Key: req.Key, Fingerprint: fp, Reason: req.Reason, OrderID: req.OrderID, DelayID: req.DelayID,
			Held: req.Held, ExpiresAt: expiresAt,
		}
		if req.Held {
			if !expiresAt.IsZero() && !expiresAt.After(at) {
				return nil, &FieldError{Path: "expires_at", Reason: "not after the credit is issued"}
			}
			return []Entry{e}, nil
		}
		e.AvailableAt = later(availableAt, at)
		if !expiresAt.IsZero() && !expiresAt.After(e.AvailableAt) {
			return nil, &FieldError{Path: "expires_at", Reason: "not after the time the credit becomes available"}
		}
		return []Entry{e}, nil
	})
	if err != nil {
		return Entry{}, err
	}
	return out[0], nil
}

// Redeem spends available credit on an order and returns the redeem entry.
// Credit is consumed soonest-expiring first (credit that never expires last;
// ties by earliest availability, then by issue order), and the entry's
// Allocations record which issues paid for it. Pending and lapsed credit is
// not spendable.
//
// An amount above the available balance at the entry's time fails with
// *InsufficientFundsError (ErrInsufficientFunds) and writes nothing.
// Idempotency and retry-safety are as for Issue: a replay returns the first
// result even if the balance has changed since.
func (l *Ledger) Redeem(ctx context.Context, now time.Time, req RedeemRequest) (Entry, error) {
	if err := checkCommon(now, req.Account, req.Key); err != nil {
		return Entry{}, err
	}
	amount, err := requestAmount(req.Account, req.Amount)
	if err != nil {
		return Entry{}, err
	}
	if err := checkID("order_id", req.OrderID, true); err != nil {
		return Entry{}, err
	}
	fp := fingerprint("redeem", req.Account.CustomerID, req.Account.Currency, formatAmount(amount, req.Account.Currency), req.OrderID)
	out, err := l.write(ctx, now, req.Account, req.Key, fp, func(s *state, at time.Time, _ fetchFunc) ([]Entry, error) {
		var avail []*lot
		total := decimal.Zero
		for i := range s.lots {
			if lt := &s.lots[i]; lt.state(at) == lotAvailable {
				avail = append(avail, lt)
				total = total.Add(lt.remaining)
			}
		}
		if amount.GreaterThan(total) {
			minor, _ := MinorUnits(req.Account.Currency)
			return nil, &InsufficientFundsError{Path: "amount", Requested: amount, Available: total.Round(minor), Currency: req.Account.Currency, Err: ErrInsufficientFunds}
		}
		slices.SortFunc(avail, fifo)
		var allocs []Allocation
		left := amount
		for _, lt := range avail {
			if left.Sign() == 0 {
				break
			}
			take := decimal.Min(left, lt.remaining)
			allocs = append(allocs, Allocation{Lot: lt.seq, Amount: take})
			left = left.Sub(take)
		}
		return []Entry{{
			Account: req.Account, Seq: s.version + 1, Kind: KindRedeem, Amount: amount, At: at,
			Key: req.Key, Fingerprint: fp, OrderID: req.OrderID, Allocations: allocs,
		}}, nil
	})
	if err != nil {
		return Entry{}, err
	}
	return out[0], nil
}

// fifo orders lots for spending: soonest expiry first, never-expiring last,
// then earliest availability, then issue order.
func fifo(a, b *lot) int {
	switch {
	case a.expiresAt.IsZero() != b.expiresAt.IsZero():
		if a.expiresAt.IsZero() {
			return 1
		}
		return -1
	case !a.expiresAt.Equal(b.expiresAt):
		return a.expiresAt.Compare(b.expiresAt)
	case !a.availableAt.Equal(b.availableAt):
		return a.availableAt.Compare(b.availableAt)
	}
	return cmp.Compare(a.seq, b.seq)
}

// Reverse undoes an issue or a redemption and returns the reversal entry.
//
// Reversing an issue (KindReverseIssue) takes back what is left of that
// credit — pending, available or lapsed — and never more, so the balance
// cannot go negative: credit already spent stays spent (reverse the
// redemption too to get it back). If only part is left, the request must set
// AllowPartial, otherwise it fails with *PartiallySpentError; if nothing is
// left it fails with ErrNothingToReverse. If a later redemption reversal
// returns credit to a reversed issue, that credit is spendable again and the
// issue may be reversed again.
//
// Reversing a redemption (KindReverseRedeem), for example when the order is
// cancelled, returns the credit to the issues it came from, with their
// original availability and expiry: credit whose issue has expired in the
// meantime comes back lapsed. A redemption can be reversed once
// (ErrAlreadyReversed). Expiries and reversals cannot be reversed
// (ErrNotReversible). Idempotency and retry-safety are as for Issue.
func (l *Ledger) Reverse(ctx context.Context, now time.Time, req ReverseRequest) (Entry, error) {
	if err := checkCommon(now, req.Account, req.Key); err != nil {
		return Entry{}, err
	}
	if err := checkText("reason", req.Reason); err != nil {
		return Entry{}, err
	}
	fields := []string{"reverse", req.Account.CustomerID, req.Account.Currency, strconv.FormatInt(req.Seq, 10),
		req.Reason, strconv.FormatBool(req.AllowPartial)}
	if req.TargetKey != "" {
		fields = append(fields, "target_key", req.TargetKey)
	}
	fp := fingerprint(fields...)
	var first Entry
	switch err := l.replay(ctx, req.Account, req.Key, fp, &first); {
	case err == nil:
		return first, nil
	case err != errNoReplay:
		return Entry{}, err
	}
	seq, err := l.resolve(ctx, req.Account, req.Seq, req.TargetKey, "seq", "target_key")
	if err != nil {
		return Entry{}, err
	}
	out, err := l.write(ctx, now, req.Account, req.Key, fp, func(s *state, at time.Time, fetch fetchFunc) ([]Entry, error) {
		if seq > s.version {
			return nil, fmt.Errorf("cashback: seq: entry %d: %w", seq, ErrNotFound)
		}
		e := Entry{Account: req.Account, Seq: s.version + 1, At: at, Key: req.Key, Fingerprint: fp, Reason: req.Reason, Target: seq}
		if lt := s.lotOf(seq); lt != nil { // a live issue
			if lt.remaining.Sign() == 0 {
				return nil, fmt.Errorf("cashback: entry %d: %w", seq, ErrNothingToReverse)
			}
			if lt.remaining.LessThan(lt.issued) && !req.AllowPartial {
				path := "seq"
				if req.TargetKey != "" {
					path = "target_key"
				}
				return nil, &PartiallySpentError{Path: path, Seq: seq, Issued: lt.issued, Remaining: lt.remaining,
					Currency: req.Account.Currency, Err: ErrPartiallySpent}
			}
			e.Kind, e.Amount = KindReverseIssue, lt.remaining
			e.Allocations = []Allocation{{Lot: seq, Amount: lt.remaining}}
			return []Entry{e}, nil
		}
		t, err := fetch(seq)
		if err != nil {
			return nil, err
		}
		switch t.Kind {
		case KindIssue: // no longer live: nothing left
			return nil, fmt.Errorf("cashback: entry %d: %w", seq, ErrNothingToReverse)
		case KindRedeem:
			if s.redeemReversed(seq) {
				return nil, fmt.Errorf("cashback: entry %d: %w", seq, ErrAlreadyReversed)
			}
			for _, a := range t.Allocations {
				if s.lotOf(a.Lot) == nil && !s.full {
					return nil, errNeedFull // the credit returns to a spent lot
				}
			}
			e.Kind, e.Amount = KindReverseRedeem, t.Amount
			e.Allocations = slices.Clone(t.Allocations)
			return []Entry{e}, nil
		default:
			return nil, fmt.Errorf("cashback: entry %d is a %s: %w", seq, t.Kind, ErrNotReversible)
		}
	})
	if err != nil {
		return Entry{}, err
	}
	return out[0], nil
}

// Release makes a held credit (IssueRequest.Held) available and returns the
// release entry: at once, or from req.AvailableAt if that is later. Until
// then the credit counts in Balance.Pending and Balance.Held and cannot be
// spent; Reverse cancels it instead if the order never arrives.
//
// Releasing an entry that is not a held issue, or one with nothing left
// (reversed or expired before its release), fails with ErrNotReleasable; a
// second release of the same issue under another key fails with
// ErrAlreadyReleased. Idempotency and retry-safety
// are as for Issue: a replay with the same Key and request returns the
// first release.
func (l *Ledger) Release(ctx context.Context, now time.Time, req ReleaseRequest) (Entry, error) {
	if err := checkCommon(now, req.Account, req.Key); err != nil {
		return Entry{}, err
	}
	availableAt, expiresAt := normTime(req.AvailableAt), normTime(req.ExpiresAt)
	fp := fingerprint("release", req.Account.CustomerID, req.Account.Currency, strconv.FormatInt(req.Seq, 10), req.IssueKey,
		timeKey(availableAt), timeKey(expiresAt))
	var first Entry
	switch err := l.replay(ctx, req.Account, req.Key, fp, &first); {
	case err == nil:
		return first, nil
	case err != errNoReplay:
		return Entry{}, err
	}
	seq, err := l.resolve(ctx, req.Account, req.Seq, req.IssueKey, "seq", "issue_key")
	if err != nil {
		return Entry{}, err
	}
	out, err := l.write(ctx, now, req.Account, req.Key, fp, func(s *state, at time.Time, fetch fetchFunc) ([]Entry, error) {
		if seq > s.version {
			return nil, fmt.Errorf("cashback: seq: entry %d: %w", seq, ErrNotFound)
		}
		lt := s.lotOf(seq)
		if lt == nil {
			t, err := fetch(seq)
			if err != nil {
				return nil, err
			}
			switch {
			case t.Kind != KindIssue:
				return nil, fmt.Errorf("cashback: entry %d is a %s: %w", seq, t.Kind, ErrNotReleasable)
			case !t.Held:
				return nil, fmt.Errorf("cashback: entry %d is not a held credit: %w", seq, ErrNotReleasable)
			case !s.full:
				return nil, errNeedFull // released and spent, or reversed: the entries tell
			}
			return nil, fmt.Errorf("cashback: entry %d has no credit left (reversed or expired): %w", seq, ErrNotReleasable)
		}
		switch {
		case !lt.held:
			return nil, fmt.Errorf("cashback: entry %d is not a held credit: %w", seq, ErrNotReleasable)
		case lt.released:
			return nil, fmt.Errorf("cashback: entry %d: %w", seq, ErrAlreadyReleased)
		case lt.remaining.Sign() == 0:
			return nil, fmt.Errorf("cashback: entry %d has no credit left (reversed or expired): %w", seq, ErrNotReleasable)
		}
		avail := later(availableAt, at)
		if !expiresAt.IsZero() {
			if !lt.expiresAt.IsZero() {
				return nil, &FieldError{Path: "expires_at", Reason: "the credit was issued with an expiry"}
			}
			if !expiresAt.After(avail) {
				return nil, &FieldError{Path: "expires_at", Reason: "not after the time the credit becomes available"}
			}
		}
		return []Entry{{
			Account: req.Account, Seq: s.version + 1, Kind: KindRelease, Amount: lt.remaining, At: at,
			Key: req.Key, Fingerprint: fp, Target: seq, AvailableAt: avail, ExpiresAt: expiresAt,
			Allocations: []Allocation{{Lot: seq, Amount: lt.remaining}},
		}}, nil
	})
	if err != nil {
		return Entry{}, err
	}
	return out[0], nil
}

// resolve returns the sequence number a request names by seq or by key
// (exactly one of them).
func (l *Ledger) resolve(ctx context.Context, acct Account, seq int64, key, seqField, keyField string) (int64, error) {
	switch {
	case seq != 0 && key != "":
		return 0, &FieldError{Path: keyField, Reason: "set together with " + seqField}
	case key != "":
		if err := checkID(keyField, key, true); err != nil {
			return 0, err
		}
		e, err := l.store.LookupKey(ctx, acct, key)
		if errors.Is(err, ErrNotFound) {
			return 0, fmt.Errorf("cashback: %s: %w", keyField, ErrNotFound)
		}
		if err != nil {
			return 0, fmt.Errorf("cashback: look up %s: %w", keyField, err)
		}
		return e.Seq, nil
	case seq < 1:
		return 0, &FieldError{Path: seqField, Reason: "must be at least 1 (or set " + keyField + ")"}
	}
	return seq, nil
}

// Expire writes off what is left of every credit whose expiry is not after
// the entry's time, one KindExpire entry per issue, and returns them (none if
// nothing has lapsed). It needs no idempotency key from the caller: an
// expired credit has nothing left, so calling Expire again, concurrently or
// after a failure, writes nothing twice. Each entry carries a key the Ledger
// derives, "cashback:expire:<issue seq>:<entry seq>". Hosts run it from a
// periodic job; balances are right without it (lapsed credit is never
// spendable), it only makes the write-off explicit.
func (l *Ledger) Expire(ctx context.Context, now time.Time, acct Account) ([]Entry, error) {
	if err := acct.Validate(); err != nil {
		return nil, err
	}
	if now.IsZero() {
		return nil, &FieldError{Path: "now", Reason: "missing"}
	}
	return l.write(ctx, now, acct, "", "", func(s *state, at time.Time, _ fetchFunc) ([]Entry, error) {
		var out []Entry
		for i := range s.lots {
			lt := &s.lots[i]
			if lt.state(at) != lotLapsed {
				continue
			}
			seq := s.version + 1 + int64(len(out))
			out = append(out, Entry{
				Account: acct, Seq: seq, Kind: KindExpire, Amount: lt.remaining, At: at,
				Key:    reservedKeyPrefix + "expire:" + strconv.FormatInt(lt.seq, 10) + ":" + strconv.FormatInt(seq, 10),
				Target: lt.seq, Allocations: []Allocation{{Lot: lt.seq, Amount: lt.remaining}},
			})
		}
		return out, nil
	})
}

// Balance returns the account's balance at instant at, counting entries with
// At not after it. An account with no entries has a zero balance. At or
// after the account's last entry it reads only the summary; for an earlier
// instant it reads and folds the entries.
func (l *Ledger) Balance(ctx context.Context, at time.Time, acct Account) (Balance, error) {
	if err := acct.Validate(); err != nil {
		return Balance{}, err
	}
	if at.IsZero() {
		return Balance{}, &FieldError{Path: "at", Reason: "missing"}
	}
	at = at.UTC()
	sum, err := l.loadSummary(ctx, acct)
	if err != nil {
		return Balance{}, err
	}
	if !at.Before(sum.LastAt) {
		return stateOf(&sum).balance(at, l.expiringSoon), nil
	}
	s, err := l.walk(ctx, acct, at, 0, nil)
	if err != nil {
		return Balance{}, err
	}
	return s.balance(at, l.expiringSoon), nil
}

// Entries iterates over the account's entries in Seq order, the account's
// statement, each checked against the ledger's rules before it is yielded:
//
//	for e, err := range ledger.Entries(ctx, acct) {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// It reads the store a page of MaxPageLimit entries at a time (keyset
// pagination, Store.Entries), so memory does not grow with the account's
// length and breaking out of the loop stops the reads. An error (an invalid
// account, a store failure, a *CorruptError for an entry that breaks the
// rules) is yielded once, with a zero Entry, and ends the iteration; the
// entries yielded before it were checked. Each call reads afresh; entries
// appended during the iteration may or may not be included.
//
// To hand a cursor to a client (a page of a statement in a browser), use
// EntriesPage.
func (l *Ledger) Entries(ctx context.Context, acct Account) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		if err := acct.Validate(); err != nil {
			yield(Entry{}, err)
			return
		}
		stopped := false
		_, err := l.walk(ctx, acct, time.Time{}, 0, func(e *Entry) bool {
			stopped = !yield(*e, nil)
			return !stopped
		})
		if err != nil && !stopped {
			yield(Entry{}, err)
		}
	}
}

// EntriesPage returns one page of the account's entries in Seq order: those
// after page.After, at most page.Limit (DefaultPageLimit when 0). next is
// the After of the following page, or 0 when this page ends the history:
//
//	for after := int64(0); ; {
//		page, next, err := ledger.EntriesPage(ctx, acct, cashback.EntryPage{After: after, Limit: 50})
//		if err != nil {
//			return err
//		}
//		... // show page
//		if next == 0 {
//			break
//		}
//		after = next
//	}
//
// The cursor is the sequence number of the page's last entry (keyset
// pagination), so a page costs one indexed store read wherever it is in the
// history, and entries appended between two calls neither shift nor repeat
// entries. Each entry is checked on its own (Entry.Validate, the account,
// the sequence running on from After: a *CorruptError otherwise) but not
// against the entries of other pages; Check and Entries check the whole
// history. An invalid page is a *FieldError ("page.after", "page.limit").
func (l *Ledger) EntriesPage(ctx context.Context, acct Account, page EntryPage) (entries []Entry, next int64, err error) {
	if err := acct.Validate(); err != nil {
		return nil, 0, err
	}
	if page.After < 0 {
		return nil, 0, &FieldError{Path: "page.after", Reason: "negative"}
	}
	limit, err := page.EffectiveLimit()
	if err != nil || limit > MaxPageLimit {
		return nil, 0, &FieldError{Path: "page.limit", Reason: fmt.Sprintf("not between 1 and %d", MaxPageLimit)}
	}
	// One more than asked for says whether another page follows.
	entries, err = l.store.Entries(ctx, acct, EntryPage{After: page.After, Limit: limit + 1})
	if err != nil {
		return nil, 0, fmt.Errorf("cashback: load entries: %w", err)
	}
	if len(entries) > limit+1 {
		entries = entries[:limit+1] // a store that ignored Limit
	}
	for i := range entries {
		e := &entries[i]
		normEntry(e)
		if err := checkStored(e, acct, page.After+1+int64(i)); err != nil {
			return nil, 0, err
		}
	}
	if len(entries) > limit {
		entries = entries[:limit]
		next = entries[limit-1].Seq
	}
	return entries, next, nil
}

// checkStored checks an entry read from the store on its own: its place in
// the sequence (pos), its account and its fields.
func checkStored(e *Entry, acct Account, pos int64) error {
	if e.Seq != pos {
		return &CorruptError{Seq: pos, Path: "seq", Reason: fmt.Sprintf("is %d, want %d", e.Seq, pos)}
	}
	if e.Account != acct {
		return &CorruptError{Seq: pos, Path: "account", Reason: "differs from the account read"}
	}
	return e.Validate()
}

// Check recomputes the account's summary from its entries and compares it
// with the one the store keeps: a *CorruptError (ErrCorrupt) if the entries
// break the ledger's rules or the summary disagrees with them. It reads the
// whole account, a page at a time; hosts run it in audits and tests, not on
// every write.
func (l *Ledger) Check(ctx context.Context, acct Account) error {
	if err := acct.Validate(); err != nil {
		return err
	}
	sum, err := l.loadSummary(ctx, acct)
	if err != nil {
		return err
	}
	_, err = l.foldTo(ctx, &sum)
	return err
}

// loadSummary reads an account's summary, normalizes its times to UTC and
// validates it.
func (l *Ledger) loadSummary(ctx context.Context, acct Account) (Summary, error) {
	sum, err := l.store.Load(ctx, acct)
	if err != nil {
		return Summary{}, fmt.Errorf("cashback: load account: %w", err)
	}
	if sum.Version == 0 && sum.Account == (Account{}) {
		sum.Account = acct
	}
	if sum.Account != acct {
		return Summary{}, &CorruptError{Path: "summary.account", Reason: "differs from the account read"}
	}
	sum.LastAt = utc(sum.LastAt)
	for i := range sum.Lots {
		lt := &sum.Lots[i]
		lt.AvailableAt, lt.ExpiresAt = utc(lt.AvailableAt), utc(lt.ExpiresAt)
	}
	if err := sum.Validate(); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// walk reads the account's entries from the store a page at a time, in Seq
// order, checks each against the ledger's rules and folds it into a full
// state, calling yield (when not nil) with each entry checked. It stops
// after the entry whose Seq is stop (0: no such bound), before the first
// entry with At after upTo (zero: no such bound), when yield returns false,
// or at the end of the history. Memory holds one page and the state, not
// the history.
func (l *Ledger) walk(ctx context.Context, acct Account, upTo time.Time, stop int64, yield func(*Entry) bool) (*state, error) {
	s := newState(acct)
	s.full = true
	var page []Entry
	var earlier Entry // a reverse_redeem's target, read from the store when on an earlier page
	target := func(seq int64) *Entry {
		// Validate checked Target < Seq, and the entries before the current
		// one on the page run on from page[0].Seq with no gaps.
		if len(page) > 0 && seq >= page[0].Seq && seq-page[0].Seq < int64(len(page)) {
			return &page[seq-page[0].Seq]
		}
		if earlier.Seq == seq && seq != 0 {
			return &earlier
		}
		return nil
	}
	after := int64(0)
	for {
		limit := l.pageSize
		if stop > 0 {
			limit = int(min(int64(limit), stop-after))
		}
		if limit <= 0 {
			return s, nil
		}
		var err error
		if page, err = l.store.Entries(ctx, acct, EntryPage{After: after, Limit: limit}); err != nil {
			return nil, fmt.Errorf("cashback: load entries: %w", err)
		}
		if len(page) > limit {
			page = page[:limit] // a store that ignored Limit
		}
		for i := range page {
			e := &page[i]
			normEntry(e)
			if !upTo.IsZero() && e.At.After(upTo) {
				return s, nil
			}
			if e.Kind == KindReverseRedeem && e.Target >= 1 && e.Target < page[0].Seq && e.Target != earlier.Seq {
				t, err := l.store.Entry(ctx, acct, e.Target)
				switch {
				case err == nil:
					normEntry(&t)
					earlier = t
				case !errors.Is(err, ErrNotFound): // not found: apply reports the broken target
					return nil, fmt.Errorf("cashback: read entry: %w", err)
				}
			}
			if err := s.apply(e, after+1, target); err != nil {
				return nil, err
			}
			after = e.Seq
			if yield != nil && !yield(e) {
				return s, nil
			}
			if after == stop {
				return s, nil
			}
		}
		if len(page) < limit {
			return s, nil
		}
	}
}

// foldTo folds the account's entries up to the summary's version and checks
// the result against the summary: a *CorruptError if the entries break the
// rules, are fewer than the version says, or disagree with the summary.
// Entries appended after the summary was read are not its business.
func (l *Ledger) foldTo(ctx context.Context, sum *Summary) (*state, error) {
	if sum.Version == 0 {
		s := newState(sum.Account)
		s.full = true
		return s, nil
	}
	s, err := l.walk(ctx, sum.Account, time.Time{}, sum.Version, nil)
	if err != nil {
		return nil, err
	}
	if s.version < sum.Version {
		return nil, &CorruptError{Seq: sum.Version, Path: "summary.version", Reason: fmt.Sprintf("the account has only %d entries", s.version)}
	}
	if got := s.summary(); !got.Equal(sum) {
		return nil, &CorruptError{Seq: sum.Version, Path: "summary", Reason: "differs from the one computed from the entries"}
	}
	return s, nil
}

func normEntry(e *Entry) {
	e.At, e.AvailableAt, e.ExpiresAt = utc(e.At), utc(e.AvailableAt), utc(e.ExpiresAt)
}

// errNeedFull is returned by a write's build when the state read from the
// summary lacks a lot the write needs.
var errNeedFull = errors.New("cashback: needs the full state")

// fetchFunc returns an earlier entry of the account by seq, read from the
// store and checked.
type fetchFunc func(seq int64) (*Entry, error)

// errNoReplay says the key is not recorded yet.
var errNoReplay = errors.New("no replay")

// replay looks key up: errNoReplay if it is free, nil (with the entry in
// *out) if it records the same request, an error otherwise.
func (l *Ledger) replay(ctx context.Context, acct Account, key, fp string, out *Entry) error {
	if key == "" {
		return errNoReplay
	}
	e, err := l.store.LookupKey(ctx, acct, key)
	switch {
	case err == nil:
		normEntry(&e)
		if e.Fingerprint == fp {
			l.log.DebugContext(ctx, "cashback: idempotent replay", "seq", e.Seq, "kind", e.Kind.String())
			*out = e
			return nil
		}
		return &IdempotencyConflictError{Path: "key", Existing: e, Err: ErrIdempotencyConflict}
	case errors.Is(err, ErrNotFound):
		return errNoReplay
	}
	return fmt.Errorf("cashback: look up key: %w", err)
}

// write runs one idempotent, optimistic write: look the key up, read the
// account's summary, build the new entries at the effective time, advance
// the summary by them and append both at the version read; on a lost race,
// start over. It reads only the entries build fetches by seq, except for
// the rare write whose build needs the full state (errNeedFull): that one
// walks the entries up to the summary's version, a page at a time.
func (l *Ledger) write(ctx context.Context, now time.Time, acct Account, key, fp string,
	build func(s *state, at time.Time, fetch fetchFunc) ([]Entry, error)) ([]Entry, error) {
	now = normTime(now)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A replay, the common retry, returns before anything else is set up.
	var first Entry
	switch err := l.replay(ctx, acct, key, fp, &first); {
	case err == nil:
		return []Entry{first}, nil
	case err != errNoReplay:
		return nil, err
	}
	var fetched map[int64]*Entry // entries are immutable: cached across attempts
	fetch := func(seq int64) (*Entry, error) {
		if e := fetched[seq]; e != nil {
			return e, nil
		}
		e, err := l.store.Entry(ctx, acct, seq)
		if errors.Is(err, ErrNotFound) {
			return nil, &CorruptError{Seq: seq, Path: "seq", Reason: "entry missing below the account's version"}
		}
		if err != nil {
			return nil, fmt.Errorf("cashback: read entry: %w", err)
		}
		normEntry(&e)
		if e.Seq != seq || e.Account != acct {
			return nil, &CorruptError{Seq: seq, Path: "seq", Reason: "the store returned another entry"}
		}
		if err := e.Validate(); err != nil {
			return nil, err
		}
		if fetched == nil {
			fetched = make(map[int64]*Entry)
		}
		fetched[seq] = &e
		return &e, nil
	}
	target := func(seq int64) *Entry { return fetched[seq] }
	for attempt := 1; attempt <= l.maxAttempts; attempt++ {
		if attempt > 1 {
			// The race may have been lost to the same request.
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			var e Entry
			switch err := l.replay(ctx, acct, key, fp, &e); {
			case err == nil:
				return []Entry{e}, nil
			case err != errNoReplay:
				return nil, err
			}
		}
		sum, err := l.loadSummary(ctx, acct)
		if err != nil {
			return nil, err
		}
		s := stateOf(&sum)
		at := later(now, s.last)
		out, err := build(s, at, fetch)
		if err == errNeedFull {
			// The rare write that needs lots the summary no longer keeps:
			// fold the entries up to the summary's version.
			if s, err = l.foldTo(ctx, &sum); err != nil {
				return nil, err
			}
			out, err = build(s, at, fetch)
		}
		if err != nil || len(out) == 0 {
			return out, err
		}
		canonical(out, acct.Currency)
		for i := range out {
			if err := s.apply(&out[i], s.version+1, target); err != nil {
				return nil, fmt.Errorf("cashback: internal error: a new entry breaks the ledger's rules: %w", err)
			}
		}
		err = l.store.Append(ctx, acct, sum.Version, out, s.summary())
		if err == nil {
			for _, e := range out {
				l.log.DebugContext(ctx, "cashback: appended", "seq", e.Seq, "kind", e.Kind.String(), "attempt", attempt)
			}
			return out, nil
		}
		if !errors.Is(err, ErrConflict) && !errors.Is(err, ErrDuplicateKey) {
			return nil, fmt.Errorf("cashback: append: %w", err)
		}
		l.log.DebugContext(ctx, "cashback: lost a race, retrying", "version", sum.Version, "attempt", attempt)
		runtime.Gosched()
	}
	return nil, fmt.Errorf("cashback: gave up after %d attempts: %w", l.maxAttempts, ErrConflict)
}

// checkCommon validates the fields every keyed write has.
func checkCommon(now time.Time, acct Account, key string) error {
	if err := acct.Validate(); err != nil {
		return err
	}
	if err := checkID("key", key, true); err != nil {
		return err
	}
	if strings.HasPrefix(key, reservedKeyPrefix) {
		return &FieldError{Path: "key", Reason: "the prefix " + reservedKeyPrefix + " is reserved"}
	}
	if now.IsZero() {
		return &FieldError{Path: "now", Reason: "missing"}
	}
	return nil
}

// requestAmount checks a request's amount against the account and returns
// it with the currency's decimal places.
func requestAmount(acct Account, m Money) (decimal.Decimal, error) {
	if m.Currency != acct.Currency {
		return decimal.Decimal{}, &FieldError{Path: "amount.currency",
			Reason: fmt.Sprintf("%s does not match the account's %s", clipCurrency(m.Currency), acct.Currency), Err: ErrCurrencyMismatch}
	}
	return checkAmount("amount.amount", m.Amount, m.Currency, true)
}

func checkText(field, v string) error {
	if len(v) > MaxReasonLen {
		return &FieldError{Path: field, Reason: fmt.Sprintf("longer than %d bytes", MaxReasonLen)}
	}
	if !utf8.ValidString(v) {
		return &FieldError{Path: field, Reason: "not valid UTF-8"}
	}
	if strings.IndexByte(v, 0) >= 0 {
		return &FieldError{Path: field, Reason: "contains a NUL byte (SQL text columns cannot hold it)"}
	}
	return nil
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// normTime returns t in UTC truncated to the microsecond (what SQL
// timestamps keep), keeping zero zero.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

func timeKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// fingerprint hashes a request's fields, each length-prefixed so no two
// different requests share an encoding.
func fingerprint(fields ...string) string {
	h := sha256.New()
	var buf [20]byte
	for _, f := range fields {
		h.Write(strconv.AppendInt(buf[:0], int64(len(f)), 10))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canonical gives new entries' amounts exactly the currency's decimal
// places, whatever scale the amounts read from the store had.
func canonical(entries []Entry, currency string) {
	minor, _ := MinorUnits(currency)
	for i := range entries {
		e := &entries[i]
		if e.Amount.Exponent() != -minor {
			e.Amount = e.Amount.Round(minor)
		}
		for j := range e.Allocations {
			if a := &e.Allocations[j]; a.Amount.Exponent() != -minor {
				a.Amount = a.Amount.Round(minor)
			}
		}
	}
}
