package cashbacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/cashback"
)

// Harness gives the suite stores to test.
type Harness interface {
	// MakeStore returns the store under test. The suite calls it once per
	// test and uses account names unique to the run, so a store backed by a
	// shared database need not be emptied between tests.
	MakeStore(ctx context.Context) (cashback.Store, error)
	// Close releases what the harness holds. The suite calls it once, at the
	// end of each test.
	Close()
}

// HarnessMaker makes a Harness for one test.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

// Concurrency sizes the concurrency tests; the defaults suit an in-memory
// store under -race on two cores.
const (
	concurrentWriters = 8
	opsPerWriter      = 24
)

// base is the suite's clock: all times are offsets from it.
var base = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// RunConformanceTests runs the suite against stores from newHarness.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	t.Helper()
	var nonce [6]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		t.Fatalf("cashbacktest: random run ID: %v", err)
	}
	r := &runner{newHarness: newHarness, run: hex.EncodeToString(nonce[:])}
	tests := []struct {
		name string
		fn   func(*testing.T, *env)
	}{
		{"StoreLoadEmpty", testLoadEmpty},
		{"StoreAppendAndLoad", testAppendAndLoad},
		{"StoreWrongVersion", testWrongVersion},
		{"StoreDuplicateKey", testDuplicateKey},
		{"StoreLookupKey", testLookupKey},
		{"StoreAccountsIsolated", testAccountsIsolated},
		{"StoreNoAliasing", testNoAliasing},
		{"StoreConcurrentAppend", testConcurrentAppend},
		{"LedgerIssueRedeemBalance", testIssueRedeemBalance},
		{"LedgerIdempotency", testIdempotency},
		{"LedgerInsufficientFunds", testInsufficientFunds},
		{"LedgerFIFO", testFIFO},
		{"LedgerPendingAndExpiry", testPendingAndExpiry},
		{"LedgerReverse", testReverse},
		{"LedgerConcurrentIssueRedeem", testConcurrentIssueRedeem},
		{"LedgerConcurrentSameKey", testConcurrentSameKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, r.env(t))
		})
	}
}

type runner struct {
	newHarness HarnessMaker
	run        string
}

// env is what one test works with.
type env struct {
	ctx    context.Context
	store  cashback.Store
	ledger *cashback.Ledger
	prefix string
}

func (r *runner) env(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	h, err := r.newHarness(ctx, t)
	if err != nil {
		t.Fatalf("making harness: %v", err)
	}
	t.Cleanup(h.Close)
	s, err := h.MakeStore(ctx)
	if err != nil {
		t.Fatalf("making store: %v", err)
	}
	l, err := cashback.New(s, cashback.Options{ExpiringSoon: 7 * 24 * time.Hour, MaxAttempts: 4})
	if err != nil {
		t.Fatalf("cashback.New: %v", err)
	}
	return &env{ctx: ctx, store: s, ledger: l, prefix: "cashbacktest-" + r.run + "-" + strings.ReplaceAll(t.Name(), "/", "-")}
}

// account returns an account unique to this run and test.
func (e *env) account(name, currency string) cashback.Account {
	return cashback.Account{CustomerID: e.prefix + "-" + name, Currency: currency}
}

func money(t *testing.T, amount, currency string) cashback.Money {
	t.Helper()
	m, err := cashback.ParseMoney(amount, currency)
	if err != nil {
		t.Fatalf("ParseMoney(%q, %q): %v", amount, currency, err)
	}
	return m
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// issueEntry builds a valid issue entry for direct store tests.
func issueEntry(acct cashback.Account, seq int64, key, amount string, at time.Time) cashback.Entry {
	return cashback.Entry{
		Account: acct, Seq: seq, Kind: cashback.KindIssue, Amount: dec(amount), At: at, Key: key,
		Fingerprint: "fp-" + key, AvailableAt: at,
	}
}

// redeemEntry builds a valid redeem entry spending amount from lot.
func redeemEntry(acct cashback.Account, seq, lot int64, key, amount string, at time.Time) cashback.Entry {
	return cashback.Entry{
		Account: acct, Seq: seq, Kind: cashback.KindRedeem, Amount: dec(amount), At: at, Key: key,
		Fingerprint: "fp-" + key, OrderID: "order-" + key,
		Allocations: []cashback.Allocation{{Lot: lot, Amount: dec(amount)}},
	}
}

// diffEntry describes how got differs from want, or returns "" if they are
// the same entry (decimals and times compared by value).
func diffEntry(got, want cashback.Entry) string {
	var d []string
	add := func(field string, g, w any) { d = append(d, fmt.Sprintf("%s: got %v, want %v", field, g, w)) }
	if got.Account != want.Account {
		add("account", "(differs)", "(the appended account)")
	}
	if got.Seq != want.Seq {
		add("seq", got.Seq, want.Seq)
	}
	if got.Kind != want.Kind {
		add("kind", got.Kind, want.Kind)
	}
	if !got.Amount.Equal(want.Amount) {
		add("amount", got.Amount, want.Amount)
	}
	for _, f := range []struct {
		name string
		g, w time.Time
	}{{"at", got.At, want.At}, {"available_at", got.AvailableAt, want.AvailableAt}, {"expires_at", got.ExpiresAt, want.ExpiresAt}} {
		if !f.g.Equal(f.w) {
			add(f.name, f.g, f.w)
		}
	}
	for _, f := range []struct{ name, g, w string }{
		{"key", got.Key, want.Key}, {"fingerprint", got.Fingerprint, want.Fingerprint}, {"reason", got.Reason, want.Reason},
		{"order_id", got.OrderID, want.OrderID}, {"delay_id", got.DelayID, want.DelayID},
	} {
		if f.g != f.w {
			add(f.name, fmt.Sprintf("%d bytes %.20q", len(f.g), f.g), fmt.Sprintf("%d bytes %.20q", len(f.w), f.w))
		}
	}
	if got.Target != want.Target {
		add("target", got.Target, want.Target)
	}
	if len(got.Allocations) != len(want.Allocations) {
		add("allocations", len(got.Allocations), len(want.Allocations))
	} else {
		for i := range got.Allocations {
			g, w := got.Allocations[i], want.Allocations[i]
			if g.Lot != w.Lot || !g.Amount.Equal(w.Amount) {
				add(fmt.Sprintf("allocations[%d]", i), fmt.Sprintf("%d:%s", g.Lot, g.Amount), fmt.Sprintf("%d:%s", w.Lot, w.Amount))
			}
		}
	}
	return strings.Join(d, "; ")
}

// checkEntries fails the test if the account does not hold exactly want.
func checkEntries(t *testing.T, e *env, acct cashback.Account, want []cashback.Entry) {
	t.Helper()
	got, err := e.store.Load(e.ctx, acct)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("Load returned %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if d := diffEntry(got[i], want[i]); d != "" {
			t.Errorf("entry %d: %s", i+1, d)
		}
	}
}

func testLoadEmpty(t *testing.T, e *env) {
	got, err := e.store.Load(e.ctx, e.account("nobody", "USD"))
	if err != nil {
		t.Fatalf("Load of an account never written: %v, want no error", err)
	}
	if len(got) != 0 {
		t.Fatalf("Load of an account never written returned %d entries", len(got))
	}
}

func testAppendAndLoad(t *testing.T, e *env) {
	acct := e.account("round-trip", "KWD")
	at := base.Add(123456 * time.Microsecond)
	issue := cashback.Entry{
		Account: acct, Seq: 1, Kind: cashback.KindIssue, Amount: dec("12.345"), At: at,
		Key: strings.Repeat("k", cashback.MaxIDLen), Fingerprint: strings.Repeat("f", 64),
		Reason: "Colis en retard — désolé 🙏 " + strings.Repeat("é", 300), OrderID: "order/1#ü", DelayID: "delay-1",
		AvailableAt: at.Add(48 * time.Hour), ExpiresAt: at.Add(90 * 24 * time.Hour),
	}
	issue2 := issueEntry(acct, 2, "second", "0.001", at.Add(time.Second))
	redeem := cashback.Entry{
		Account: acct, Seq: 3, Kind: cashback.KindRedeem, Amount: dec("0.001"), At: at.Add(time.Minute),
		Key: "redeem-1", Fingerprint: "fp", OrderID: "order-2",
		Allocations: []cashback.Allocation{{Lot: 2, Amount: dec("0.001")}},
	}
	reverse := cashback.Entry{
		Account: acct, Seq: 4, Kind: cashback.KindReverseRedeem, Amount: dec("0.001"), At: at.Add(time.Hour),
		Key: "reverse-1", Fingerprint: "fp2", Target: 3,
		Allocations: []cashback.Allocation{{Lot: 2, Amount: dec("0.001")}},
	}
	if err := e.store.Append(e.ctx, acct, 0, []cashback.Entry{issue}); err != nil {
		t.Fatalf("Append at version 0: %v", err)
	}
	if err := e.store.Append(e.ctx, acct, 1, []cashback.Entry{issue2, redeem, reverse}); err != nil {
		t.Fatalf("Append of a batch at version 1: %v", err)
	}
	want := []cashback.Entry{issue, issue2, redeem, reverse}
	checkEntries(t, e, acct, want)
	got, err := e.store.Load(e.ctx, acct)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for i := range got {
		if err := got[i].Validate(); err != nil {
			t.Errorf("entry %d read back fails Validate: %v", i+1, err)
		}
	}
	// The Ledger must accept what the store returns.
	b, err := e.ledger.Balance(e.ctx, at.Add(72*time.Hour), acct)
	if err != nil {
		t.Fatalf("Ledger.Balance over stored entries: %v", err)
	}
	if !b.Available.Equal(dec("12.346")) {
		t.Errorf("Available = %s, want 12.346", b.Available)
	}
}

func testWrongVersion(t *testing.T, e *env) {
	acct := e.account("versions", "USD")
	if err := e.store.Append(e.ctx, acct, 3, []cashback.Entry{issueEntry(acct, 4, "a", "1.00", base)}); !errors.Is(err, cashback.ErrConflict) {
		t.Fatalf("Append at version 3 of an empty account: %v, want ErrConflict", err)
	}
	checkEntries(t, e, acct, nil)
	one := issueEntry(acct, 1, "a", "1.00", base)
	if err := e.store.Append(e.ctx, acct, 0, []cashback.Entry{one}); err != nil {
		t.Fatalf("Append at version 0: %v", err)
	}
	for _, v := range []int64{0, 2} {
		err := e.store.Append(e.ctx, acct, v, []cashback.Entry{issueEntry(acct, v+1, "b", "2.00", base)})
		if !errors.Is(err, cashback.ErrConflict) {
			t.Errorf("Append at version %d of an account at version 1: %v, want ErrConflict", v, err)
		}
	}
	checkEntries(t, e, acct, []cashback.Entry{one})
}

func testDuplicateKey(t *testing.T, e *env) {
	acct := e.account("dup", "USD")
	one := issueEntry(acct, 1, "same", "1.00", base)
	if err := e.store.Append(e.ctx, acct, 0, []cashback.Entry{one}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	dupOnly := issueEntry(acct, 2, "same", "5.00", base)
	err := e.store.Append(e.ctx, acct, 1, []cashback.Entry{dupOnly})
	if !errors.Is(err, cashback.ErrDuplicateKey) && !errors.Is(err, cashback.ErrConflict) {
		t.Errorf("Append of a recorded key: %v, want ErrDuplicateKey", err)
	}
	// A batch whose second entry repeats a key writes nothing at all.
	batch := []cashback.Entry{issueEntry(acct, 2, "fresh", "2.00", base), issueEntry(acct, 3, "same", "3.00", base)}
	err = e.store.Append(e.ctx, acct, 1, batch)
	if !errors.Is(err, cashback.ErrDuplicateKey) && !errors.Is(err, cashback.ErrConflict) {
		t.Errorf("Append of a batch with a recorded key: %v, want ErrDuplicateKey", err)
	}
	// And so does a batch repeating a key within itself.
	batch = []cashback.Entry{issueEntry(acct, 2, "twice", "2.00", base), issueEntry(acct, 3, "twice", "3.00", base)}
	err = e.store.Append(e.ctx, acct, 1, batch)
	if !errors.Is(err, cashback.ErrDuplicateKey) && !errors.Is(err, cashback.ErrConflict) {
		t.Errorf("Append of a batch repeating a key: %v, want ErrDuplicateKey", err)
	}
	checkEntries(t, e, acct, []cashback.Entry{one})
	if _, err := e.store.LookupKey(e.ctx, acct, "fresh"); !errors.Is(err, cashback.ErrNotFound) {
		t.Errorf("LookupKey of a key from a failed batch: %v, want ErrNotFound", err)
	}
}

func testLookupKey(t *testing.T, e *env) {
	acct := e.account("lookup", "JPY")
	other := e.account("lookup-other", "JPY")
	entries := []cashback.Entry{issueEntry(acct, 1, "k1", "500", base), issueEntry(acct, 2, "k2", "700", base.Add(time.Second))}
	if err := e.store.Append(e.ctx, acct, 0, entries); err != nil {
		t.Fatalf("Append: %v", err)
	}
	for _, want := range entries {
		got, err := e.store.LookupKey(e.ctx, acct, want.Key)
		if err != nil {
			t.Fatalf("LookupKey(%q): %v", want.Key, err)
		}
		if d := diffEntry(got, want); d != "" {
			t.Errorf("LookupKey(%q): %s", want.Key, d)
		}
	}
	if _, err := e.store.LookupKey(e.ctx, acct, "unknown"); !errors.Is(err, cashback.ErrNotFound) {
		t.Errorf("LookupKey of an unknown key: %v, want ErrNotFound", err)
	}
	if _, err := e.store.LookupKey(e.ctx, other, "k1"); !errors.Is(err, cashback.ErrNotFound) {
		t.Errorf("LookupKey of another account's key: %v, want ErrNotFound (keys are scoped to an account)", err)
	}
	if _, err := e.store.LookupKey(e.ctx, e.account("lookup", "USD"), "k1"); !errors.Is(err, cashback.ErrNotFound) {
		t.Errorf("LookupKey in the same customer's other currency: %v, want ErrNotFound", err)
	}
}

func testAccountsIsolated(t *testing.T, e *env) {
	usd := e.account("iso", "USD")
	eur := e.account("iso", "EUR")
	other := e.account("iso-2", "USD")
	for _, a := range []cashback.Account{usd, eur, other} {
		// The same key and version in each account.
		if err := e.store.Append(e.ctx, a, 0, []cashback.Entry{issueEntry(a, 1, "k", "1.00", base)}); err != nil {
			t.Fatalf("Append to a fresh account: %v", err)
		}
	}
	if err := e.store.Append(e.ctx, usd, 1, []cashback.Entry{issueEntry(usd, 2, "k2", "2.00", base)}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	checkEntries(t, e, eur, []cashback.Entry{issueEntry(eur, 1, "k", "1.00", base)})
	checkEntries(t, e, other, []cashback.Entry{issueEntry(other, 1, "k", "1.00", base)})
	checkEntries(t, e, usd, []cashback.Entry{issueEntry(usd, 1, "k", "1.00", base), issueEntry(usd, 2, "k2", "2.00", base)})
}

func testNoAliasing(t *testing.T, e *env) {
	acct := e.account("alias", "USD")
	in := []cashback.Entry{issueEntry(acct, 1, "i", "10.00", base), redeemEntry(acct, 2, 1, "r", "4.00", base)}
	want := []cashback.Entry{issueEntry(acct, 1, "i", "10.00", base), redeemEntry(acct, 2, 1, "r", "4.00", base)}
	if err := e.store.Append(e.ctx, acct, 0, in); err != nil {
		t.Fatalf("Append: %v", err)
	}
	in[0].Amount = dec("99.00")
	in[1].Allocations[0].Lot = 7
	got, err := e.store.Load(e.ctx, acct)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	got[0].Reason = "changed"
	got[1].Allocations[0].Amount = dec("1.00")
	if l, err := e.store.LookupKey(e.ctx, acct, "r"); err == nil {
		l.Allocations[0].Lot = 5
	}
	checkEntries(t, e, acct, want)
}

func testConcurrentAppend(t *testing.T, e *env) {
	acct := e.account("race", "USD")
	if err := e.store.Append(e.ctx, acct, 0, []cashback.Entry{issueEntry(acct, 1, "seed", "1.00", base)}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, concurrentWriters)
	for i := range concurrentWriters {
		wg.Go(func() {
			errs[i] = e.store.Append(e.ctx, acct, 1, []cashback.Entry{issueEntry(acct, 2, fmt.Sprintf("w%d", i), "1.00", base)})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, cashback.ErrConflict), errors.Is(err, cashback.ErrDuplicateKey):
		default:
			t.Errorf("writer %d: %v, want nil or ErrConflict", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent appends at the same version succeeded, want exactly 1", won)
	}
	got, err := e.store.Load(e.ctx, acct)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("account has %d entries after the race, want 2", len(got))
	}
}

func testIssueRedeemBalance(t *testing.T, e *env) {
	acct := e.account("basic", "USD")
	l := e.ledger
	iss, err := l.Issue(e.ctx,

		base, cashback.IssueRequest{
			Account: acct, Amount: money(t, "15.00", "USD"), Key: "delay-1", Reason: "late parcel",
			OrderID: "o-1", DelayID: "d-1",
		})

	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if iss.Seq != 1 || iss.Kind != cashback.KindIssue || !iss.Amount.Equal(dec("15")) {
		t.Fatalf("Issue returned seq %d kind %s amount %s", iss.Seq, iss.Kind, iss.Amount)
	}
	red, err := l.Redeem(e.ctx, base.Add(time.Hour), cashback.RedeemRequest{Account: acct, Amount: money(t, "4.25", "USD"), Key: "checkout-2", OrderID: "o-2"})
	if err != nil {
		t.Fatalf("Redeem: %v", err)
	}
	if red.Seq != 2 || len(red.Allocations) != 1 || red.Allocations[0].Lot != 1 {
		t.Fatalf("Redeem returned seq %d allocations %v", red.Seq, red.Allocations)
	}
	b, err := l.Balance(e.ctx, base.Add(2*time.Hour), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	wantBalance(t, b, "10.75", "0", "15.00", "4.25")
	// Before the redemption the balance was whole.
	b, err = l.Balance(e.ctx, base.Add(time.Minute), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	wantBalance(t, b, "15.00", "0", "15.00", "0")
	if b.Version != 1 {
		t.Errorf("Version as of before the redemption = %d, want 1", b.Version)
	}
	// Before anything, nothing.
	b, err = l.Balance(e.ctx, base.Add(-time.Minute), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	wantBalance(t, b, "0", "0", "0", "0")
}

func wantBalance(t *testing.T, b cashback.Balance, available, pending, earned, redeemed string) {
	t.Helper()
	for _, f := range []struct {
		name      string
		got, want decimal.Decimal
	}{{"Available", b.Available, dec(available)}, {"Pending", b.Pending, dec(pending)}, {"LifetimeEarned", b.LifetimeEarned, dec(earned)}, {"Redeemed", b.Redeemed, dec(redeemed)}} {
		if !f.got.Equal(f.want) {
			t.Errorf("%s = %s, want %s", f.name, f.got, f.want)
		}
	}
}

func testIdempotency(t *testing.T, e *env) {
	acct := e.account("idem", "EUR")
	l := e.ledger
	req := cashback.IssueRequest{Account: acct, Amount: money(t, "5.00", "EUR"), Key: "k", Reason: "r", ExpiresAt: base.Add(30 * 24 * time.Hour)}
	first, err := l.Issue(e.ctx, base, req)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	again, err := l.Issue(e.ctx, base.Add(time.Hour), req)
	if err != nil {
		t.Fatalf("replayed Issue: %v", err)
	}
	if d := diffEntry(again, first); d != "" {
		t.Errorf("replayed Issue returned a different entry: %s", d)
	}
	// "5" and "5.00" are the same amount, so the same request.
	req2 := req
	req2.Amount = cashback.Money{Amount: dec("5"), Currency: "EUR"}
	if _, err := l.Issue(e.ctx, base.Add(time.Hour), req2); err != nil {
		t.Errorf("replay with 5 instead of 5.00: %v", err)
	}
	changed := req
	changed.Amount = money(t, "6.00", "EUR")
	_, err = l.Issue(e.ctx, base.Add(time.Hour), changed)
	var ce *cashback.IdempotencyConflictError
	if !errors.Is(err, cashback.ErrIdempotencyConflict) || !errors.As(err, &ce) || ce.Existing.Seq != first.Seq {
		t.Errorf("Issue with a used key and another amount: %v, want *IdempotencyConflictError naming entry %d", err, first.Seq)
	}
	// A key used by an issue cannot be used by a redemption.
	_, err = l.Redeem(e.ctx, base.Add(time.Hour), cashback.RedeemRequest{Account: acct, Amount: money(t, "1.00", "EUR"), Key: "k", OrderID: "o"})
	if !errors.Is(err, cashback.ErrIdempotencyConflict) {
		t.Errorf("Redeem with an issue's key: %v, want ErrIdempotencyConflict", err)
	}
	// Redemption replays return the first result even after the balance changed.
	rreq := cashback.RedeemRequest{Account: acct, Amount: money(t, "5.00", "EUR"), Key: "spend", OrderID: "o-9"}
	r1, err := l.Redeem(e.ctx, base.Add(2*time.Hour), rreq)
	if err != nil {
		t.Fatalf("Redeem: %v", err)
	}
	r2, err := l.Redeem(e.ctx, base.Add(3*time.Hour), rreq)
	if err != nil {
		t.Fatalf("replayed Redeem of the whole balance: %v, want the first result", err)
	}
	if d := diffEntry(r2, r1); d != "" {
		t.Errorf("replayed Redeem returned a different entry: %s", d)
	}
	// The same key in another account is another write.
	otherAcct := e.account("idem-2", "EUR")
	req3 := req
	req3.Account = otherAcct
	o, err := l.Issue(e.ctx, base, req3)
	if err != nil || o.Seq != 1 {
		t.Errorf("Issue with the same key in another account: seq %d, %v; want a new entry", o.Seq, err)
	}
	entries, err := l.Entries(e.ctx, acct)
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	if len(entries) != 2 {
		t.Errorf("account has %d entries after replays and conflicts, want 2", len(entries))
	}
}

func testInsufficientFunds(t *testing.T, e *env) {
	acct := e.account("funds", "JPY")
	l := e.ledger
	if _, err := l.Issue(e.ctx, base, cashback.IssueRequest{Account: acct, Amount: money(t, "1000", "JPY"), Key: "i1"}); err != nil {
		t.Fatalf("Issue: %v", err)
	}
	// Pending credit is not spendable.
	if _, err := l.Issue(e.ctx, base, cashback.IssueRequest{Account: acct, Amount: money(t, "5000", "JPY"), Key: "i2", AvailableAt: base.Add(72 * time.Hour)}); err != nil {
		t.Fatalf("Issue: %v", err)
	}
	_, err := l.Redeem(e.ctx, base.Add(time.Hour), cashback.RedeemRequest{Account: acct, Amount: money(t, "1001", "JPY"), Key: "r1", OrderID: "o"})
	var ie *cashback.InsufficientFundsError
	if !errors.Is(err, cashback.ErrInsufficientFunds) || !errors.As(err, &ie) || !ie.Available.Equal(dec("1000")) || !ie.Requested.Equal(dec("1001")) {
		t.Fatalf("Redeem above the available balance: %v, want *InsufficientFundsError with 1000 available", err)
	}
	entries, err := l.Entries(e.ctx, acct)
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	if len(entries) != 2 {
		t.Fatalf("a failed redemption wrote: %d entries, want 2", len(entries))
	}
	// The key of a failed redemption is still free.
	if _, err := l.Redeem(e.ctx, base.Add(time.Hour), cashback.RedeemRequest{Account: acct, Amount: money(t, "1000", "JPY"), Key: "r1", OrderID: "o"}); err != nil {
		t.Fatalf("Redeem of the whole available balance with the failed key: %v", err)
	}
}

func testFIFO(t *testing.T, e *env) {
	acct := e.account("fifo", "USD")
	l := e.ledger
	day := 24 * time.Hour
	issue := func(key, amount string, expires time.Duration) cashback.Entry {
		t.Helper()
		req := cashback.IssueRequest{Account: acct, Amount: money(t, amount, "USD"), Key: key}
		if expires != 0 {
			req.ExpiresAt = base.Add(expires)
		}
		en, err := l.Issue(e.ctx, base, req)
		if err != nil {
			t.Fatalf("Issue %s: %v", key, err)
		}
		return en
	}
	never := issue("never", "10.00", 0)    // seq 1
	late := issue("late", "10.00", 60*day) // seq 2
	soon := issue("soon", "3.00", 10*day)  // seq 3
	red, err := l.Redeem(e.ctx, base.Add(day), cashback.RedeemRequest{Account: acct, Amount: money(t, "15.50", "USD"), Key: "r", OrderID: "o"})
	if err != nil {
		t.Fatalf("Redeem: %v", err)
	}
	want := []cashback.Allocation{{Lot: soon.Seq, Amount: dec("3")}, {Lot: late.Seq, Amount: dec("10")}, {Lot: never.Seq, Amount: dec("2.5")}}
	if len(red.Allocations) != len(want) {
		t.Fatalf("allocations %v, want %v (soonest expiry first, never-expiring last)", red.Allocations, want)
	}
	for i := range want {
		if red.Allocations[i].Lot != want[i].Lot || !red.Allocations[i].Amount.Equal(want[i].Amount) {
			t.Errorf("allocation %d = %d:%s, want %d:%s", i, red.Allocations[i].Lot, red.Allocations[i].Amount, want[i].Lot, want[i].Amount)
		}
	}
}

func testPendingAndExpiry(t *testing.T, e *env) {
	acct := e.account("expiry", "GBP")
	l := e.ledger
	day := 24 * time.Hour
	_, err := l.Issue(e.ctx,

		base, cashback.IssueRequest{
			Account: acct, Amount: money(t, "20.00", "GBP"), Key: "pending", AvailableAt: base.Add(3 * day), ExpiresAt: base.Add(33 * day),
		})

	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	_, err = l.Issue(e.ctx, base, cashback.IssueRequest{Account: acct, Amount: money(t, "5.00", "GBP"), Key: "now", ExpiresAt: base.Add(5 * day)})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	b, err := l.Balance(e.ctx, base.Add(day), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	wantBalance(t, b, "5.00", "20.00", "25.00", "0")
	if !b.ExpiringSoon.Equal(dec("5")) {
		t.Errorf("ExpiringSoon at day 1 = %s, want 5.00 (7-day window)", b.ExpiringSoon)
	}
	if !b.NextExpiry.Equal(base.Add(5 * day)) {
		t.Errorf("NextExpiry = %v, want %v", b.NextExpiry, base.Add(5*day))
	}
	b, err = l.Balance(e.ctx, base.Add(6*day), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	wantBalance(t, b, "20.00", "0", "25.00", "0")
	if !b.Lapsed.Equal(dec("5")) || !b.ExpiringSoon.IsZero() {
		t.Errorf("at day 6 Lapsed = %s, ExpiringSoon = %s; want 5.00 and 0", b.Lapsed, b.ExpiringSoon)
	}
	if _, err := l.Redeem(e.ctx, base.Add(6*day), cashback.RedeemRequest{Account: acct, Amount: money(t, "20.01", "GBP"), Key: "r", OrderID: "o"}); !errors.Is(err, cashback.ErrInsufficientFunds) {
		t.Errorf("Redeem of lapsed credit: %v, want ErrInsufficientFunds", err)
	}
	exp, err := l.Expire(e.ctx, base.Add(6*day), acct)
	if err != nil {
		t.Fatalf("Expire: %v", err)
	}
	if len(exp) != 1 || exp[0].Kind != cashback.KindExpire || exp[0].Target != 2 || !exp[0].Amount.Equal(dec("5")) {
		t.Fatalf("Expire wrote %d entries (%v), want one expiring 5.00 of entry 2", len(exp), exp)
	}
	again, err := l.Expire(e.ctx, base.Add(6*day), acct)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Expire: %d entries, %v; want none", len(again), err)
	}
	b, err = l.Balance(e.ctx, base.Add(6*day), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	if !b.Lapsed.IsZero() || !b.Expired.Equal(dec("5")) {
		t.Errorf("after Expire Lapsed = %s, Expired = %s; want 0 and 5.00", b.Lapsed, b.Expired)
	}
	b, err = l.Balance(e.ctx, base.Add(40*day), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	if !b.Available.IsZero() || !b.Lapsed.Equal(dec("20")) {
		t.Errorf("at day 40 Available = %s, Lapsed = %s; want 0 and 20.00", b.Available, b.Lapsed)
	}
}

func testReverse(t *testing.T, e *env) {
	acct := e.account("reverse", "USD")
	l := e.ledger
	at := base
	next := func() time.Time { at = at.Add(time.Minute); return at }
	issue := func(key, amount string) cashback.Entry {
		t.Helper()
		en, err := l.Issue(e.ctx, next(), cashback.IssueRequest{Account: acct, Amount: money(t, amount, "USD"), Key: key})
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}
		return en
	}
	a := issue("a", "10.00") // 1
	// Untouched issue: reversed whole.
	rev, err := l.Reverse(e.ctx, next(), cashback.ReverseRequest{Account: acct, Seq: a.Seq, Key: "rev-a", Reason: "order cancelled"})
	if err != nil {
		t.Fatalf("Reverse of an unspent issue: %v", err)
	}
	if rev.Kind != cashback.KindReverseIssue || !rev.Amount.Equal(dec("10")) || rev.Target != a.Seq {
		t.Fatalf("Reverse returned kind %s amount %s target %d", rev.Kind, rev.Amount, rev.Target)
	}
	if _, err := l.Reverse(e.ctx, next(), cashback.ReverseRequest{Account: acct, Seq: a.Seq, Key: "rev-a-2"}); !errors.Is(err, cashback.ErrNothingToReverse) {
		t.Errorf("second Reverse of an issue: %v, want ErrNothingToReverse", err)
	}
	b := issue("b", "10.00") // seq 3: the failed reversal wrote nothing
	red, err := l.Redeem(e.ctx, next(), cashback.RedeemRequest{Account: acct, Amount: money(t, "6.00", "USD"), Key: "spend", OrderID: "o"})
	if err != nil {
		t.Fatalf("Redeem: %v", err)
	}
	_, err = l.Reverse(e.ctx, next(), cashback.ReverseRequest{Account: acct, Seq: b.Seq, Key: "rev-b"})
	var pe *cashback.PartiallySpentError
	if !errors.Is(err, cashback.ErrPartiallySpent) || !errors.As(err, &pe) || !pe.Remaining.Equal(dec("4")) {
		t.Fatalf("strict Reverse of a partly spent issue: %v, want *PartiallySpentError with 4.00 left", err)
	}
	rb, err := l.Reverse(e.ctx, next(), cashback.ReverseRequest{Account: acct, Seq: b.Seq, Key: "rev-b", AllowPartial: true})
	if err != nil {
		t.Fatalf("partial Reverse: %v", err)
	}
	if !rb.Amount.Equal(dec("4")) {
		t.Errorf("partial Reverse took %s, want 4.00", rb.Amount)
	}
	bal, err := l.Balance(e.ctx, next(), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	wantBalance(t, bal, "0", "0", "6.00", "6.00")
	// Undo the redemption: its credit returns to issue b and is spendable.
	rr, err := l.Reverse(e.ctx, next(), cashback.ReverseRequest{Account: acct, Seq: red.Seq, Key: "refund"})
	if err != nil {
		t.Fatalf("Reverse of a redemption: %v", err)
	}
	if rr.Kind != cashback.KindReverseRedeem || !rr.Amount.Equal(dec("6")) {
		t.Errorf("Reverse of a redemption: kind %s amount %s", rr.Kind, rr.Amount)
	}
	bal, err = l.Balance(e.ctx, next(), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	wantBalance(t, bal, "6.00", "0", "6.00", "0")
	if _, err := l.Reverse(e.ctx, next(), cashback.ReverseRequest{Account: acct, Seq: red.Seq, Key: "refund-2"}); !errors.Is(err, cashback.ErrAlreadyReversed) {
		t.Errorf("second Reverse of a redemption: %v, want ErrAlreadyReversed", err)
	}
	if _, err := l.Reverse(e.ctx, next(), cashback.ReverseRequest{Account: acct, Seq: rr.Seq, Key: "rev-rev"}); !errors.Is(err, cashback.ErrNotReversible) {
		t.Errorf("Reverse of a reversal: %v, want ErrNotReversible", err)
	}
	if _, err := l.Reverse(e.ctx, next(), cashback.ReverseRequest{Account: acct, Seq: 999, Key: "missing"}); !errors.Is(err, cashback.ErrNotFound) {
		t.Errorf("Reverse of a missing entry: %v, want ErrNotFound", err)
	}
}

// testConcurrentIssueRedeem has many goroutines issue and redeem against one
// account, retrying on ErrConflict, with some keys sent twice.
func testConcurrentIssueRedeem(t *testing.T, e *env) {
	acct := e.account("hammer", "USD")
	l := e.ledger
	type result struct {
		key    string
		seq    int64
		redeem bool
		amount decimal.Decimal
	}
	results := make([][]result, concurrentWriters)
	var wg sync.WaitGroup
	for w := range concurrentWriters {
		wg.Go(func() {
			for i := range opsPerWriter {
				now := base.Add(time.Duration(i) * time.Second)
				// Writers pair up on keys: writer w and w^1 send the same
				// issue keys, so every issue key arrives twice.
				var (
					en  cashback.Entry
					err error
					r   result
				)
				for attempt := 0; ; attempt++ {
					if i%3 == 2 {
						r = result{key: fmt.Sprintf("redeem-%d-%d", w, i), redeem: true, amount: dec("2.50")}
						en, err = l.Redeem(e.ctx, now, cashback.RedeemRequest{Account: acct, Amount: cashback.Money{Amount: r.amount, Currency: "USD"}, Key: r.key, OrderID: r.key})
					} else {
						r = result{key: fmt.Sprintf("issue-%d-%d", w/2, i), amount: dec("1.25")}
						en, err = l.Issue(e.ctx, now, cashback.IssueRequest{Account: acct, Amount: cashback.Money{Amount: r.amount, Currency: "USD"}, Key: r.key})
					}
					if !errors.Is(err, cashback.ErrConflict) || attempt > 1000 {
						break
					}
				}
				switch {
				case err == nil:
					r.seq = en.Seq
					results[w] = append(results[w], r)
				case errors.Is(err, cashback.ErrInsufficientFunds):
				default:
					t.Errorf("writer %d op %d: %v", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()

	entries, err := l.Entries(e.ctx, acct)
	if err != nil {
		t.Fatalf("Entries after the race (the ledger must still be valid): %v", err)
	}
	byKey := make(map[string]cashback.Entry)
	sum := decimal.Zero
	for i, en := range entries {
		if _, dup := byKey[en.Key]; dup {
			t.Errorf("key of entry %d applied twice", en.Seq)
		}
		byKey[en.Key] = en
		sum = sum.Add(en.Delta())
		// Never overdrawn at any point: the balance after each entry.
		b, err := cashback.BalanceOf(acct, entries[:i+1], en.At, 0)
		if err != nil {
			t.Fatalf("BalanceOf after entry %d: %v", en.Seq, err)
		}
		if b.Available.IsNegative() {
			t.Fatalf("available balance negative after entry %d: %s", en.Seq, b.Available)
		}
	}
	// Every success names the entry under its key; replays got the same entry.
	for w, rs := range results {
		for _, r := range rs {
			en, ok := byKey[r.key]
			if !ok || en.Seq != r.seq || !en.Amount.Equal(r.amount) {
				t.Errorf("writer %d: success for a key not recorded as returned (seq %d)", w, r.seq)
			}
		}
	}
	b, err := l.Balance(e.ctx, base.Add(time.Hour), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	if total := b.Available.Add(b.Pending).Add(b.Lapsed); !total.Equal(sum) {
		t.Errorf("balance %s does not equal the sum of entries %s", total, sum)
	}
	if b.Available.IsNegative() {
		t.Errorf("final available balance negative: %s", b.Available)
	}
	issued := 0
	for _, en := range entries {
		if en.Kind == cashback.KindIssue {
			issued++
		}
	}
	if want := (concurrentWriters / 2) * (opsPerWriter - opsPerWriter/3); issued != want {
		t.Errorf("%d issues recorded, want %d (each issue key once)", issued, want)
	}
}

func testConcurrentSameKey(t *testing.T, e *env) {
	acct := e.account("same-key", "USD")
	l := e.ledger
	req := cashback.IssueRequest{Account: acct, Amount: money(t, "7.00", "USD"), Key: "one-credit", DelayID: "d"}
	seqs := make([]int64, concurrentWriters)
	var wg sync.WaitGroup
	for w := range concurrentWriters {
		wg.Go(func() {
			for {
				en, err := l.Issue(e.ctx, base, req)
				if errors.Is(err, cashback.ErrConflict) {
					continue
				}
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				seqs[w] = en.Seq
				return
			}
		})
	}
	wg.Wait()
	for w, s := range seqs {
		if s != 1 {
			t.Errorf("writer %d got seq %d, want 1 (the one entry)", w, s)
		}
	}
	entries, err := l.Entries(e.ctx, acct)
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	if len(entries) != 1 {
		t.Errorf("%d entries after concurrent writes of one key, want 1", len(entries))
	}
}
