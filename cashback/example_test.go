package cashback_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/memstore"
)

// A delayed order earns credit that stays pending (held) until the parcel
// is delivered, is released at delivery, then pays part of the next order.
func Example() {
	ctx := context.Background()
	store, err := memstore.New(memstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ledger, err := cashback.New(store, cashback.Options{})
	if err != nil {
		log.Fatal(err)
	}
	acct := cashback.Account{CustomerID: "cus_42", Currency: "USD"}
	placed := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	delivered := placed.Add(4 * 24 * time.Hour)

	amount, err := cashback.ParseMoney("10.00", "USD")
	if err != nil {
		log.Fatal(err)
	}
	issue, err := ledger.Issue(ctx, placed.Add(2*24*time.Hour), cashback.IssueRequest{
		Account: acct, Amount: amount,
		Key:    "delay:dl_7:cashback",
		Reason: "parcel stalled in transit", OrderID: "ord_1001", DelayID: "dl_7",
		Held: true, // until delivery: no date known yet
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("issued entry", issue.Seq, issue.Kind, "held", issue.Held)

	b, err := ledger.Balance(ctx, placed.Add(3*24*time.Hour), acct)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("before delivery: available", b.Money(b.Available), "pending", b.Money(b.Pending), "held", b.Money(b.Held))

	// The carrier reports the delivery: release the credit, spendable at
	// once, lapsing 90 days later.
	if _, err := ledger.Release(ctx, delivered, cashback.ReleaseRequest{
		Account: acct, IssueKey: "delay:dl_7:cashback", Key: "delivered:ord_1001",
		ExpiresAt: delivered.Add(90 * 24 * time.Hour),
	}); err != nil {
		log.Fatal(err)
	}
	spend, _ := cashback.ParseMoney("3.50", "USD")
	if _, err := ledger.Redeem(ctx, delivered.Add(time.Hour), cashback.RedeemRequest{Account: acct, Amount: spend, Key: "checkout:ord_1002", OrderID: "ord_1002"}); err != nil {
		log.Fatal(err)
	}
	b, err = ledger.Balance(ctx, delivered.Add(2*time.Hour), acct)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("after checkout: available", b.Money(b.Available), "earned", b.Money(b.LifetimeEarned), "redeemed", b.Money(b.Redeemed))
	// Output:
	// issued entry 1 issue held true
	// before delivery: available 0.00 USD pending 10.00 USD held 10.00 USD
	// after checkout: available 6.50 USD earned 10.00 USD redeemed 3.50 USD
}

// Redeeming more than is available fails and writes nothing; retrying a
// request with its key returns the first result.
func ExampleLedger_Redeem() {
	ctx := context.Background()
	store, err := memstore.New(memstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ledger, err := cashback.New(store, cashback.Options{})
	if err != nil {
		log.Fatal(err)
	}
	acct := cashback.Account{CustomerID: "cus_42", Currency: "JPY"}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	yen := func(s string) cashback.Money {
		m, err := cashback.ParseMoney(s, "JPY")
		if err != nil {
			log.Fatal(err)
		}
		return m
	}
	if _, err := ledger.Issue(ctx, now, cashback.IssueRequest{Account: acct, Amount: yen("500"), Key: "delay:dl_1"}); err != nil {
		log.Fatal(err)
	}

	_, err = ledger.Redeem(ctx, now, cashback.RedeemRequest{Account: acct, Amount: yen("800"), Key: "checkout:ord_9", OrderID: "ord_9"})
	var short *cashback.InsufficientFundsError
	if errors.As(err, &short) {
		fmt.Println("refused:", short.Available, "available")
	}

	req := cashback.RedeemRequest{Account: acct, Amount: yen("300"), Key: "checkout:ord_9", OrderID: "ord_9"}
	first, err := ledger.Redeem(ctx, now, req)
	if err != nil {
		log.Fatal(err)
	}
	again, err := ledger.Redeem(ctx, now.Add(time.Minute), req) // a retry after a timeout
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("entries", first.Seq, again.Seq)

	req.Amount = yen("200")
	_, err = ledger.Redeem(ctx, now, req)
	fmt.Println(errors.Is(err, cashback.ErrIdempotencyConflict))
	// Output:
	// refused: 500 available
	// entries 2 2
	// true
}

// Reversing an issue takes back only what is left of it, and only when the
// request allows a partial reversal; reversing the redemption returns the
// spent part.
func ExampleLedger_Reverse() {
	ctx := context.Background()
	store, err := memstore.New(memstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ledger, err := cashback.New(store, cashback.Options{})
	if err != nil {
		log.Fatal(err)
	}
	acct := cashback.Account{CustomerID: "cus_42", Currency: "EUR"}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	eur := func(s string) cashback.Money { m, _ := cashback.ParseMoney(s, "EUR"); return m }

	issue, err := ledger.Issue(ctx, now, cashback.IssueRequest{Account: acct, Amount: eur("20"), Key: "delay:dl_3"})
	if err != nil {
		log.Fatal(err)
	}
	redeem, err := ledger.Redeem(ctx, now, cashback.RedeemRequest{Account: acct, Amount: eur("8"), Key: "checkout:ord_5", OrderID: "ord_5"})
	if err != nil {
		log.Fatal(err)
	}

	_, err = ledger.Reverse(ctx, now, cashback.ReverseRequest{Account: acct, Seq: issue.Seq, Key: "clawback:dl_3"})
	fmt.Println(err)

	rev, err := ledger.Reverse(ctx, now, cashback.ReverseRequest{Account: acct, Seq: issue.Seq, Key: "clawback:dl_3", AllowPartial: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rev.Kind, rev.Amount.StringFixed(2))

	back, err := ledger.Reverse(ctx, now, cashback.ReverseRequest{Account: acct, Seq: redeem.Seq, Key: "cancel:ord_5"})
	if err != nil {
		log.Fatal(err)
	}
	b, err := ledger.Balance(ctx, now, acct)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Kind, back.Amount.StringFixed(2), "available", b.Money(b.Available))
	// Output:
	// cashback: entry 1: only 12.00 of 20.00 EUR left to reverse (set AllowPartial to reverse the rest)
	// reverse_issue 12.00
	// reverse_redeem 8.00 available 8.00 EUR
}

// Credit is spent soonest-expiring first, and Expire writes off what is
// left after the expiry.
func ExampleLedger_Expire() {
	ctx := context.Background()
	store, err := memstore.New(memstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ledger, err := cashback.New(store, cashback.Options{ExpiringSoon: 14 * 24 * time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	acct := cashback.Account{CustomerID: "cus_42", Currency: "KWD"}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	kwd := func(s string) cashback.Money { m, _ := cashback.ParseMoney(s, "KWD"); return m }

	for _, c := range []struct {
		key, amount string
		expires     time.Duration
	}{{"delay:a", "3.000", 60 * day}, {"delay:b", "1.500", 10 * day}} {
		if _, err := ledger.Issue(ctx, now, cashback.IssueRequest{Account: acct, Amount: kwd(c.amount), Key: c.key, ExpiresAt: now.Add(c.expires)}); err != nil {
			log.Fatal(err)
		}
	}
	b, _ := ledger.Balance(ctx, now, acct)
	fmt.Println("expiring within 14 days:", b.Money(b.ExpiringSoon))

	r, err := ledger.Redeem(ctx, now.Add(day), cashback.RedeemRequest{Account: acct, Amount: kwd("1.250"), Key: "checkout:ord_1", OrderID: "ord_1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("spent from entry %d: %s\n", r.Allocations[0].Lot, r.Allocations[0].Amount.StringFixed(3))

	expired, err := ledger.Expire(ctx, now.Add(11*day), acct)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range expired {
		fmt.Printf("expired %s of entry %d\n", e.Amount.StringFixed(3), e.Target)
	}
	b, _ = ledger.Balance(ctx, now.Add(11*day), acct)
	fmt.Println("available:", b.Money(b.Available))
	// Output:
	// expiring within 14 days: 1.500 KWD
	// spent from entry 2: 1.250
	// expired 0.250 of entry 2
	// available: 3.000 KWD
}

// A statement shown a page at a time: the cursor (next) goes to the client
// and comes back with the request for the following page.
func ExampleLedger_EntriesPage() {
	ctx := context.Background()
	store, err := memstore.New(memstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ledger, err := cashback.New(store, cashback.Options{})
	if err != nil {
		log.Fatal(err)
	}
	acct := cashback.Account{CustomerID: "cus_7", Currency: "EUR"}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		amount, _ := cashback.ParseMoney(fmt.Sprintf("%d.00", i+1), "EUR")
		if _, err := ledger.Issue(ctx, now, cashback.IssueRequest{Account: acct, Amount: amount, Key: fmt.Sprintf("delay:dl_%d", i)}); err != nil {
			log.Fatal(err)
		}
	}
	for after := int64(0); ; {
		page, next, err := ledger.EntriesPage(ctx, acct, cashback.EntryPage{After: after, Limit: 2})
		if err != nil {
			log.Fatal(err)
		}
		for _, e := range page {
			fmt.Print(e.Seq, " ", e.Kind, " ", e.Amount.StringFixed(2), "; ")
		}
		fmt.Println("next", next)
		if next == 0 {
			break
		}
		after = next
	}

	// Server-side, the iterator walks the whole history a page at a time.
	total := 0
	for _, err := range ledger.Entries(ctx, acct) {
		if err != nil {
			log.Fatal(err)
		}
		total++
	}
	fmt.Println(total, "entries")
	// Output:
	// 1 issue 1.00; 2 issue 2.00; next 2
	// 3 issue 3.00; 4 issue 4.00; next 4
	// 5 issue 5.00; next 0
	// 5 entries
}

func ExampleParseMoney() {
	for _, in := range [][2]string{{"12.50", "USD"}, {"12.505", "USD"}, {"1500", "JPY"}, {"1.5", "JPY"}, {"0.125", "KWD"}, {"1e3", "USD"}} {
		m, err := cashback.ParseMoney(in[0], in[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(m)
	}
	// Output:
	// 12.50 USD
	// cashback: amount: "12.505" USD: more decimal places than allowed
	// 1500 JPY
	// cashback: amount: "1.5" JPY: more decimal places than allowed
	// 0.125 KWD
	// cashback: amount: "1e3" USD: malformed amount
}
