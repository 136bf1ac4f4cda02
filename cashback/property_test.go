package cashback_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/cashbacktest"
)

// model is an independent account model the ledger is checked against.
type model struct {
	kinds    []cashback.Kind   // by seq-1
	issued   []decimal.Decimal // by seq-1, issues only
	reversed []bool            // by seq-1, redeems only
	lots     []mlot
}

type mlot struct {
	seq            int64
	remaining      decimal.Decimal
	spent          decimal.Decimal // redeemed and not returned
	avail, expir   time.Time
	held, released bool
}

func (m *model) lot(seq int64) *mlot {
	for i := range m.lots {
		if m.lots[i].seq == seq {
			return &m.lots[i]
		}
	}
	return nil
}

func (m *model) apply(e cashback.Entry) {
	m.kinds = append(m.kinds, e.Kind)
	m.issued = append(m.issued, decimal.Zero)
	m.reversed = append(m.reversed, false)
	switch e.Kind {
	case cashback.KindIssue:
		m.issued[e.Seq-1] = e.Amount
		m.lots = append(m.lots, mlot{seq: e.Seq, remaining: e.Amount, avail: e.AvailableAt, expir: e.ExpiresAt, held: e.Held})
	case cashback.KindRelease:
		l := m.lot(e.Target)
		l.released, l.avail = true, e.AvailableAt
		if !e.ExpiresAt.IsZero() {
			l.expir = e.ExpiresAt
		}
	case cashback.KindReverseRedeem:
		m.reversed[e.Target-1] = true
		for _, a := range e.Allocations {
			l := m.lot(a.Lot)
			l.remaining = l.remaining.Add(a.Amount)
			l.spent = l.spent.Sub(a.Amount)
		}
	default:
		for _, a := range e.Allocations {
			l := m.lot(a.Lot)
			l.remaining = l.remaining.Sub(a.Amount)
			if e.Kind == cashback.KindRedeem {
				l.spent = l.spent.Add(a.Amount)
			}
		}
	}
}

// where splits remaining credit at t into available, pending and lapsed.
func (m *model) where(t time.Time) (avail, pending, lapsed decimal.Decimal, spendable []*mlot) {
	for i := range m.lots {
		l := &m.lots[i]
		switch {
		case l.remaining.IsZero():
		case !l.expir.IsZero() && !t.Before(l.expir):
			lapsed = lapsed.Add(l.remaining)
		case l.held && !l.released, t.Before(l.avail):
			pending = pending.Add(l.remaining)
		default:
			avail = avail.Add(l.remaining)
			spendable = append(spendable, l)
		}
	}
	// Soonest expiry first, never last; then availability; then seq.
	slices.SortStableFunc(spendable, func(a, b *mlot) int {
		ka, kb := a.expir, b.expir
		if ka.IsZero() != kb.IsZero() {
			if ka.IsZero() {
				return 1
			}
			return -1
		}
		if c := ka.Compare(kb); c != 0 {
			return c
		}
		return a.avail.Compare(b.avail)
	})
	return
}

type sent struct {
	kind    string
	issue   cashback.IssueRequest
	redeem  cashback.RedeemRequest
	reverse cashback.ReverseRequest
	release cashback.ReleaseRequest
	result  cashback.Entry
}

// TestLedgerProperties runs random sequences of operations and checks, after
// each, the ledger against the model: available never negative, the balance
// equal to the sum of the entries and to the model's split, redemptions
// succeeding exactly when funds suffice and spending in FIFO order,
// reversals following their rules, and idempotent replays changing nothing.
func TestLedgerProperties(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		currency := rapid.SampledFrom([]string{"USD", "JPY", "KWD"}).Draw(rt, "currency")
		minor, _ := cashback.MinorUnits(currency)
		store := newMem(rt)
		l, err := cashback.New(store, cashback.Options{ExpiringSoon: 3 * day})
		if err != nil {
			rt.Fatal(err)
		}
		// paged reads the same store two entries a page: its walks cross
		// page boundaries, reversals of redemptions on earlier pages too.
		paged, err := cashback.New(store, cashback.Options{ExpiringSoon: 3 * day})
		if err != nil {
			rt.Fatal(err)
		}
		cashback.SetPageSize(paged, 2)
		acct := cashback.Account{CustomerID: "prop", Currency: currency}
		now := t0
		m := &model{}
		var done []sent
		keyN := 0
		key := func() string { keyN++; return fmt.Sprintf("k%d", keyN) }
		amount := func(label string) cashback.Money {
			n := rapid.Int64Range(1, 5000).Draw(rt, label)
			return cashback.Money{Amount: decimal.New(n, -minor), Currency: currency}
		}
		count := func() int {
			es, err := storeAll(ctx, store, acct)
			if err != nil {
				rt.Fatal(err)
			}
			return len(es)
		}
		ok := func(e cashback.Entry, s sent) {
			if e.Seq != int64(len(m.kinds))+1 {
				rt.Fatalf("new entry has seq %d, want %d", e.Seq, len(m.kinds)+1)
			}
			m.apply(e)
			s.result = e
			done = append(done, s)
		}
		rt.Repeat(map[string]func(*rapid.T){
			"advance": func(rt *rapid.T) {
				now = now.Add(time.Duration(rapid.IntRange(0, 6*24*60).Draw(rt, "minutes")) * time.Minute)
			},
			"issue": func(rt *rapid.T) {
				req := cashback.IssueRequest{Account: acct, Amount: amount("issue"), Key: key(), Reason: "r"}
				if rapid.IntRange(0, 3).Draw(rt, "held") == 0 {
					req.Held = true
				} else if rapid.Bool().Draw(rt, "pending") {
					req.AvailableAt = now.Add(time.Duration(rapid.IntRange(1, 5*24).Draw(rt, "pending hours")) * time.Hour)
				}
				if rapid.Bool().Draw(rt, "expires") {
					from := now
					if req.AvailableAt.After(now) {
						from = req.AvailableAt
					}
					req.ExpiresAt = from.Add(time.Duration(rapid.IntRange(1, 20*24).Draw(rt, "expiry hours")) * time.Hour)
				}
				e, err := l.Issue(ctx, now, req)
				if err != nil {
					rt.Fatalf("Issue: %v", err)
				}
				ok(e, sent{kind: "issue", issue: req})
			},
			"redeem": func(rt *rapid.T) {
				req := cashback.RedeemRequest{Account: acct, Amount: amount("redeem"), Key: key(), OrderID: "o"}
				avail, _, _, lots := m.where(now)
				before := count()
				e, err := l.Redeem(ctx, now, req)
				if req.Amount.Amount.GreaterThan(avail) {
					if !errors.Is(err, cashback.ErrInsufficientFunds) {
						rt.Fatalf("Redeem of %s with %s available: %v, want ErrInsufficientFunds", req.Amount.Amount, avail, err)
					}
					if count() != before {
						rt.Fatal("a failed redemption wrote")
					}
					return
				}
				if err != nil {
					rt.Fatalf("Redeem of %s with %s available: %v", req.Amount.Amount, avail, err)
				}
				// FIFO: the allocations drain the model's lots in order.
				left := req.Amount.Amount
				var want []cashback.Allocation
				for _, lt := range lots {
					if left.IsZero() {
						break
					}
					take := decimal.Min(left, lt.remaining)
					want = append(want, cashback.Allocation{Lot: lt.seq, Amount: take})
					left = left.Sub(take)
				}
				if !slices.EqualFunc(e.Allocations, want, func(a, b cashback.Allocation) bool { return a.Lot == b.Lot && a.Amount.Equal(b.Amount) }) {
					rt.Fatalf("allocations %v, want FIFO %v", e.Allocations, want)
				}
				ok(e, sent{kind: "redeem", redeem: req})
			},
			"reverse": func(rt *rapid.T) {
				n := int64(len(m.kinds))
				req := cashback.ReverseRequest{Account: acct, Seq: rapid.Int64Range(1, n+1).Draw(rt, "seq"), Key: key(), AllowPartial: rapid.Bool().Draw(rt, "partial")}
				before := count()
				e, err := l.Reverse(ctx, now, req)
				var want error
				switch {
				case req.Seq > n:
					want = cashback.ErrNotFound
				case m.kinds[req.Seq-1] == cashback.KindIssue:
					lt := m.lot(req.Seq)
					if lt.remaining.IsZero() {
						want = cashback.ErrNothingToReverse
					} else if lt.remaining.LessThan(m.issued[req.Seq-1]) && !req.AllowPartial {
						want = cashback.ErrPartiallySpent
					}
				case m.kinds[req.Seq-1] == cashback.KindRedeem:
					if m.reversed[req.Seq-1] {
						want = cashback.ErrAlreadyReversed
					}
				default:
					want = cashback.ErrNotReversible
				}
				if want != nil {
					if !errors.Is(err, want) || count() != before {
						rt.Fatalf("Reverse of entry %d: %v, want %v and no write", req.Seq, err, want)
					}
					return
				}
				if err != nil {
					rt.Fatalf("Reverse of entry %d: %v", req.Seq, err)
				}
				if m.kinds[req.Seq-1] == cashback.KindIssue && !e.Amount.Equal(m.lot(req.Seq).remaining) {
					rt.Fatalf("Reverse of issue %d took %s, want what is left, %s", req.Seq, e.Amount, m.lot(req.Seq).remaining)
				}
				ok(e, sent{kind: "reverse", reverse: req})
			},
			"release": func(rt *rapid.T) {
				n := int64(len(m.kinds))
				req := cashback.ReleaseRequest{Account: acct, Seq: rapid.Int64Range(1, n+1).Draw(rt, "seq"), Key: key()}
				if rapid.Bool().Draw(rt, "later") {
					req.AvailableAt = now.Add(time.Duration(rapid.IntRange(1, 3*24).Draw(rt, "release hours")) * time.Hour)
				}
				var want error
				switch {
				case req.Seq > n:
					want = cashback.ErrNotFound
				case m.kinds[req.Seq-1] != cashback.KindIssue:
					want = cashback.ErrNotReleasable
				default:
					lt := m.lot(req.Seq)
					switch {
					case !lt.held:
						want = cashback.ErrNotReleasable
					case lt.released:
						want = cashback.ErrAlreadyReleased
					case lt.remaining.IsZero(): // reversed or expired before its release
						want = cashback.ErrNotReleasable
					}
					if want == nil && lt.expir.IsZero() && rapid.Bool().Draw(rt, "release expiry") {
						req.ExpiresAt = now.Add(time.Duration(rapid.IntRange(4*24, 20*24).Draw(rt, "release expiry hours")) * time.Hour)
					}
				}
				before := count()
				e, err := l.Release(ctx, now, req)
				if want != nil {
					if !errors.Is(err, want) || count() != before {
						rt.Fatalf("Release of entry %d: %v, want %v and no write", req.Seq, err, want)
					}
					return
				}
				if err != nil {
					rt.Fatalf("Release of entry %d: %v", req.Seq, err)
				}
				if !e.Amount.Equal(m.lot(req.Seq).remaining) || e.Delta().Sign() != 0 {
					rt.Fatalf("Release of issue %d: amount %s, delta %s; want %s and 0", req.Seq, e.Amount, e.Delta(), m.lot(req.Seq).remaining)
				}
				ok(e, sent{kind: "release", release: req})
			},
			"expire": func(rt *rapid.T) {
				_, _, lapsed, _ := m.where(now)
				es, err := l.Expire(ctx, now, acct)
				if err != nil {
					rt.Fatalf("Expire: %v", err)
				}
				sum := decimal.Zero
				for _, e := range es {
					sum = sum.Add(e.Amount)
					m.apply(e)
				}
				if !sum.Equal(lapsed) {
					rt.Fatalf("Expire wrote off %s, want the lapsed %s", sum, lapsed)
				}
			},
			"replay": func(rt *rapid.T) {
				if len(done) == 0 {
					rt.Skip("nothing to replay")
				}
				s := rapid.SampledFrom(done).Draw(rt, "request")
				before := count()
				later := now.Add(time.Hour) // replays ignore the clock
				var e cashback.Entry
				var err error
				switch s.kind {
				case "issue":
					e, err = l.Issue(ctx, later, s.issue)
				case "redeem":
					e, err = l.Redeem(ctx, later, s.redeem)
				case "release":
					e, err = l.Release(ctx, later, s.release)
				default:
					e, err = l.Reverse(ctx, later, s.reverse)
				}
				if err != nil || e.Seq != s.result.Seq || sameEntry(e, s.result) != "" || count() != before {
					rt.Fatalf("replay of %s %d: %v (seq %d); want the first result and no write", s.kind, s.result.Seq, err, e.Seq)
				}
			},
			"conflict": func(rt *rapid.T) {
				if len(done) == 0 {
					rt.Skip("nothing to conflict with")
				}
				s := rapid.SampledFrom(done).Draw(rt, "request")
				before := count()
				// The same key for a redemption of an amount nobody used.
				_, err := l.Redeem(ctx,
					now, cashback.RedeemRequest{Account: acct, Amount: cashback.Money{Amount: decimal.New(999999, -minor), Currency: currency},
						Key: s.result.Key, OrderID: "other"})

				if !errors.Is(err, cashback.ErrIdempotencyConflict) || count() != before {
					rt.Fatalf("reuse of the key of entry %d: %v, want ErrIdempotencyConflict and no write", s.result.Seq, err)
				}
			},
			"": func(rt *rapid.T) {
				es, err := storeAll(ctx, store, acct)
				if err != nil {
					rt.Fatal(err)
				}
				b, err := cashback.BalanceOf(now, acct, es, 3*day)
				if err != nil {
					rt.Fatalf("BalanceOf: %v", err)
				}
				if b.Available.IsNegative() || b.Pending.IsNegative() || b.Lapsed.IsNegative() || b.ExpiringSoon.IsNegative() {
					rt.Fatalf("negative balance: %+v", b)
				}
				if b.ExpiringSoon.GreaterThan(b.Available) {
					rt.Fatalf("expiring soon %s above available %s", b.ExpiringSoon, b.Available)
				}
				sum := decimal.Zero
				for _, e := range es {
					sum = sum.Add(e.Delta())
				}
				held := b.Available.Add(b.Pending).Add(b.Lapsed)
				if !held.Equal(sum) {
					rt.Fatalf("available+pending+lapsed %s != sum of entries %s", held, sum)
				}
				if !b.LifetimeEarned.Equal(held.Add(b.Redeemed).Add(b.Expired)) {
					rt.Fatalf("lifetime earned %s != held %s + redeemed %s + expired %s", b.LifetimeEarned, held, b.Redeemed, b.Expired)
				}
				a, p, la, _ := m.where(now)
				if !a.Equal(b.Available) || !p.Equal(b.Pending) || !la.Equal(b.Lapsed) {
					rt.Fatalf("balance %s/%s/%s, model %s/%s/%s", b.Available, b.Pending, b.Lapsed, a, p, la)
				}
				if int(b.Version) != len(m.kinds) {
					rt.Fatalf("version %d, model has %d entries", b.Version, len(m.kinds))
				}
				// The ledger's balance comes from the stored summary: the same
				// as folding the entries, and Check agrees.
				lb, err := l.Balance(ctx, now, acct)
				if err != nil {
					rt.Fatalf("Balance: %v", err)
				}
				if !sameBalance(lb, b) {
					rt.Fatalf("Balance from the summary %+v differs from BalanceOf the entries %+v", lb, b)
				}
				if err := l.Check(ctx, acct); err != nil {
					rt.Fatalf("Check: %v", err)
				}
				if err := paged.Check(ctx, acct); err != nil {
					rt.Fatalf("Check, two entries a page: %v", err)
				}
				if all, err := cashbacktest.Entries(ctx, paged, acct); err != nil || len(all) != len(es) {
					rt.Fatalf("Entries, two entries a page: %d entries, %v; want %d", len(all), err, len(es))
				}
				if len(es) > 0 { // a past balance folds the entries up to it
					mid := es[len(es)/2].At
					pb, err := paged.Balance(ctx, mid, acct)
					if err != nil {
						rt.Fatalf("Balance at %s, two entries a page: %v", mid, err)
					}
					wb, err := cashback.BalanceOf(mid, acct, es, 3*day)
					if err != nil || !sameBalance(pb, wb) {
						rt.Fatalf("Balance at %s, two entries a page: %+v, BalanceOf the entries %+v (%v)", mid, pb, wb, err)
					}
				}
				mheld := decimal.Zero
				for _, lt := range m.lots {
					if lt.held && !lt.released && !lt.remaining.IsZero() && (lt.expir.IsZero() || now.Before(lt.expir)) {
						mheld = mheld.Add(lt.remaining)
					}
				}
				if !b.Held.Equal(mheld) {
					rt.Fatalf("held %s, model %s", b.Held, mheld)
				}
			},
		})
	})
}
