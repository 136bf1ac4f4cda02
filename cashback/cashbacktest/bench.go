package cashbacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/internal/benchcpu"
)

// RunBenchmarks measures a cashback.Ledger over store, as gocloud.dev's
// drivertest.RunBenchmarks does for its drivers: sub-benchmarks Issue and
// Redeem, each one write per op on accounts of at most 16 writes (as
// customers' accounts are), from one goroutine. Besides ns/op they report
// ops/s and the p50 and p99 latency of one write in µs (b.ReportMetric).
// Run a store's benchmark and memstore's in the same run for a baseline.
// Accounts are unique to the run, so a shared database need not be emptied.
func RunBenchmarks(b *testing.B, store cashback.Store) {
	l, err := cashback.New(store, cashback.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var nonce [6]byte
	rand.Read(nonce[:])
	run := "bench-" + hex.EncodeToString(nonce[:]) + "-"
	b.Run("Issue", func(b *testing.B) { benchIssue(b, l, run+"issue-") })
	b.Run("Redeem", func(b *testing.B) { benchRedeem(b, l, run+"redeem-") })
}

const benchOpsPerAccount = 16

var benchBase = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func benchAccount(prefix string, i int) cashback.Account {
	return cashback.Account{CustomerID: prefix + strconv.Itoa(i/benchOpsPerAccount), Currency: "USD"}
}

func benchIssue(b *testing.B, l *cashback.Ledger, prefix string) {
	ctx := context.Background()
	amount := cashback.Money{Amount: decimal.RequireFromString("2.50"), Currency: "USD"}
	var ls []time.Duration
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		now := benchBase.Add(time.Duration(i) * time.Second)
		start := time.Now()
		_, err := l.Issue(ctx, now, cashback.IssueRequest{Account: benchAccount(prefix, i), Amount: amount,
			Key: strconv.Itoa(i), OrderID: "ord", DelayID: "dl", ExpiresAt: benchBase.Add(90 * 24 * time.Hour)})
		ls = append(ls, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	benchcpu.Latencies(b, ls)
}

func benchRedeem(b *testing.B, l *cashback.Ledger, prefix string) {
	ctx := context.Background()
	five := cashback.Money{Amount: decimal.RequireFromString("5.00"), Currency: "USD"}
	one := cashback.Money{Amount: decimal.RequireFromString("1.00"), Currency: "USD"}
	var ls []time.Duration
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		acct := benchAccount(prefix, i)
		now := benchBase.Add(time.Duration(i) * time.Second)
		if i%benchOpsPerAccount == 0 {
			// Four credits of different expiry per account, so redemptions
			// allocate across lots.
			b.StopTimer()
			for j := range 4 {
				if _, err := l.Issue(ctx, now, cashback.IssueRequest{Account: acct, Amount: five, Key: "fund" + strconv.Itoa(j),
					ExpiresAt: benchBase.Add(time.Duration(30+j) * 24 * time.Hour)}); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
		}
		start := time.Now()
		_, err := l.Redeem(ctx, now, cashback.RedeemRequest{Account: acct, Amount: one, Key: strconv.Itoa(i), OrderID: "ord"})
		ls = append(ls, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	benchcpu.Latencies(b, ls)
}
