package cashback_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/internal/benchcpu"
)

// Benchmarks run on memstore with accounts kept small (opsPerAccount writes
// each), as customers' cashback accounts are: every write reads and folds
// the whole account, so cost grows with its length.
const opsPerAccount = 16

func benchAccount(i int) cashback.Account {
	return cashback.Account{CustomerID: "bench-" + strconv.Itoa(i/opsPerAccount), Currency: "USD"}
}

func BenchmarkIssue(b *testing.B) {
	ctx := context.Background()
	l, _ := newLedger(b, cashback.Options{})
	amount := usd("2.50")
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	i := 0
	for b.Loop() {
		_, err := l.Issue(ctx, t0.Add(time.Duration(i)*time.Second), cashback.IssueRequest{
			Account: benchAccount(i), Amount: amount, Key: strconv.Itoa(i),
			OrderID: "ord", DelayID: "dl", ExpiresAt: t0.Add(90 * day),
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkIssueReplay(b *testing.B) {
	ctx := context.Background()
	l, _ := newLedger(b, cashback.Options{})
	req := cashback.IssueRequest{Account: benchAccount(0), Amount: usd("2.50"), Key: "k", ExpiresAt: t0.Add(90 * day)}
	if _, err := l.Issue(ctx, t0, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	for b.Loop() {
		if _, err := l.Issue(ctx, t0, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRedeem(b *testing.B) {
	ctx := context.Background()
	l, _ := newLedger(b, cashback.Options{})
	amount := usd("1.00")
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	i := 0
	for b.Loop() {
		acct := benchAccount(i)
		now := t0.Add(time.Duration(i) * time.Second)
		if i%opsPerAccount == 0 {
			// Fund each new account with four credits of different expiry,
			// so redemptions allocate across lots.
			b.StopTimer()
			for j := range 4 {
				if _, err := l.Issue(ctx,
					now, cashback.IssueRequest{Account: acct, Amount: usd("5.00"), Key: "fund" + strconv.Itoa(j),
						ExpiresAt: t0.Add(time.Duration(30+j) * day)}); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
		}
		if _, err := l.Redeem(ctx, now, cashback.RedeemRequest{Account: acct, Amount: amount, Key: strconv.Itoa(i), OrderID: "ord"}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkBalance: an account of 40 entries (20 issues, 20 redemptions).
func BenchmarkBalance(b *testing.B) {
	ctx := context.Background()
	l, _ := newLedger(b, cashback.Options{})
	acct := cashback.Account{CustomerID: "c", Currency: "USD"}
	for j := range 20 {
		now := t0.Add(time.Duration(j) * time.Hour)
		if _, err := l.Issue(ctx, now, cashback.IssueRequest{Account: acct, Amount: usd("3.00"), Key: "i" + strconv.Itoa(j), ExpiresAt: now.Add(time.Duration(j+1) * day)}); err != nil {
			b.Fatal(err)
		}
		if _, err := l.Redeem(ctx, now, cashback.RedeemRequest{Account: acct, Amount: usd("1.25"), Key: "r" + strconv.Itoa(j), OrderID: "o"}); err != nil {
			b.Fatal(err)
		}
	}
	at := t0.Add(2 * day)
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	for b.Loop() {
		if _, err := l.Balance(ctx, at, acct); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStoreBaseline is the floor under BenchmarkIssue: the memstore
// alone doing the same store calls (LookupKey, Load of the summary, Append
// of the entry and the summary) with a prebuilt entry, no validation,
// arithmetic or hashing.
func BenchmarkStoreBaseline(b *testing.B) {
	ctx := context.Background()
	s := newMem(b)
	amount := decimal.RequireFromString("2.50")
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	i := 0
	for b.Loop() {
		acct := benchAccount(i)
		key := strconv.Itoa(i)
		if _, err := s.LookupKey(ctx, acct, key); err == nil {
			b.Fatal("key found")
		}
		sum, err := s.Load(ctx, acct)
		if err != nil {
			b.Fatal(err)
		}
		at := t0.Add(time.Duration(i) * time.Second)
		e := cashback.Entry{Account: acct, Seq: sum.Version + 1, Kind: cashback.KindIssue, Amount: amount, At: at, AvailableAt: at, Key: key}
		next := sum
		next.Version, next.LastAt = e.Seq, at
		if err := s.Append(ctx, acct, sum.Version, []cashback.Entry{e}, next); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkIssueRedeemLongAccount issues 2.00 and spends it again on one
// account that already holds 1,000 entries (500 issues, 500 redemptions)
// and keeps growing, with no credit left open: one op is the pair. The cost
// of a write must not grow with the account's history.
func BenchmarkIssueRedeemLongAccount(b *testing.B) {
	ctx := context.Background()
	l, _ := newLedger(b, cashback.Options{})
	acct := cashback.Account{CustomerID: "long", Currency: "USD"}
	pair := func(j int, now time.Time) {
		if _, err := l.Issue(ctx, now, cashback.IssueRequest{Account: acct, Amount: usd("2.00"), Key: "i" + strconv.Itoa(j)}); err != nil {
			b.Fatal(err)
		}
		if _, err := l.Redeem(ctx, now, cashback.RedeemRequest{Account: acct, Amount: usd("2.00"), Key: "r" + strconv.Itoa(j), OrderID: "o"}); err != nil {
			b.Fatal(err)
		}
	}
	for j := range 500 {
		pair(j, t0.Add(time.Duration(j)*time.Second))
	}
	b.ReportAllocs()
	defer benchcpu.Start(b)()
	j := 500
	for b.Loop() {
		pair(j, t0.Add(time.Hour))
		j++
	}
}
