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
	"unicode/utf8"

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
		{"StoreSummaryRoundTrip", testSummaryRoundTrip},
		{"StoreFailedAppendKeepsSummary", testFailedAppendKeepsSummary},
		{"StoreHostileText", testHostileText},
		{"StoreEntriesPaged", testEntriesPaged},
		{"StoreEntriesPageLimit", testEntriesPageLimit},
		{"LedgerIssueRedeemBalance", testIssueRedeemBalance},
		{"LedgerIdempotency", testIdempotency},
		{"LedgerInsufficientFunds", testInsufficientFunds},
		{"LedgerFIFO", testFIFO},
		{"LedgerPendingAndExpiry", testPendingAndExpiry},
		{"LedgerReverse", testReverse},
		{"LedgerConcurrentIssueRedeem", testConcurrentIssueRedeem},
		{"LedgerConcurrentSameKey", testConcurrentSameKey},
		{"LedgerHeldRelease", testHeldRelease},
		{"LedgerConcurrentSummary", testConcurrentSummary},
		{"LedgerEntriesPage", testLedgerEntriesPage},
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

// storePage is the page size storeEntries reads with: small, so that the
// suite's histories span several pages.
const storePage = 3

// storeEntries reads the account's whole history from the store a page of
// storePage entries at a time, as the Ledger does.
func storeEntries(ctx context.Context, s cashback.Store, acct cashback.Account) ([]cashback.Entry, error) {
	var out []cashback.Entry
	for {
		after := int64(len(out))
		page, err := s.Entries(ctx, acct, cashback.EntryPage{After: after, Limit: storePage})
		if err != nil {
			return nil, err
		}
		if len(page) > storePage {
			return nil, fmt.Errorf("Entries(after %d, limit %d) returned %d entries", after, storePage, len(page))
		}
		out = append(out, page...)
		if len(page) < storePage {
			return out, nil
		}
	}
}

// ledgerEntries collects Ledger.Entries.
func ledgerEntries(ctx context.Context, l *cashback.Ledger, acct cashback.Account) ([]cashback.Entry, error) {
	var out []cashback.Entry
	for e, err := range l.Entries(ctx, acct) {
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// append appends entries at version expected with the summary they lead
// to from what the account holds (as the Ledger would compute it). For
// appends at a wrong version, or of entries that do not follow, the summary
// only names the version.
func (e *env) append(acct cashback.Account, expected int64, entries []cashback.Entry) error {
	prior, err := storeEntries(e.ctx, e.store, acct)
	if err != nil {
		return fmt.Errorf("reading the entries to build a summary: %w", err)
	}
	next := cashback.Summary{Account: acct}
	if n := len(entries); n > 0 {
		next.Version = entries[n-1].Seq
	}
	if expected <= int64(len(prior)) {
		if sum, err := cashback.SummaryOf(acct, append(prior[:expected:expected], entries...)); err == nil {
			next = sum
		}
	}
	return e.store.Append(e.ctx, acct, expected, entries, next)
}

// checkSummary fails the test if the account's stored summary is not the one
// its entries give.
func checkSummary(t *testing.T, e *env, acct cashback.Account) {
	t.Helper()
	got, err := e.store.Load(e.ctx, acct)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	entries, err := storeEntries(e.ctx, e.store, acct)
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	want, err := cashback.SummaryOf(acct, entries)
	if err != nil {
		t.Fatalf("SummaryOf the stored entries: %v", err)
	}
	if !got.Equal(&want) {
		t.Errorf("stored summary (version %d, %d lots) is not the one its entries give (version %d, %d lots)",
			got.Version, len(got.Lots), want.Version, len(want.Lots))
	}
}

// checkEntries fails the test if the account does not hold exactly want.
func checkEntries(t *testing.T, e *env, acct cashback.Account, want []cashback.Entry) {
	t.Helper()
	got, err := storeEntries(e.ctx, e.store, acct)
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("Entries returned %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if d := diffEntry(got[i], want[i]); d != "" {
			t.Errorf("entry %d: %s", i+1, d)
		}
	}
}

func testLoadEmpty(t *testing.T, e *env) {
	acct := e.account("nobody", "USD")
	got, err := storeEntries(e.ctx, e.store, acct)
	if err != nil {
		t.Fatalf("Entries of an account never written: %v, want no error", err)
	}
	if len(got) != 0 {
		t.Fatalf("Entries of an account never written returned %d entries", len(got))
	}
	sum, err := e.store.Load(e.ctx, acct)
	if err != nil {
		t.Fatalf("Load of an account never written: %v, want no error", err)
	}
	if sum.Version != 0 || len(sum.Lots) != 0 || !sum.LastAt.IsZero() {
		t.Fatalf("Load of an account never written: version %d with %d lots, want the zero summary", sum.Version, len(sum.Lots))
	}
	if sum.Account != acct && sum.Account != (cashback.Account{}) {
		t.Errorf("Load of an account never written names another account")
	}
	if _, err := e.store.Entry(e.ctx, acct, 1); !errors.Is(err, cashback.ErrNotFound) {
		t.Errorf("Entry 1 of an account never written: %v, want ErrNotFound", err)
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
	if err := e.append(acct, 0, []cashback.Entry{issue}); err != nil {
		t.Fatalf("Append at version 0: %v", err)
	}
	if err := e.append(acct, 1, []cashback.Entry{issue2, redeem, reverse}); err != nil {
		t.Fatalf("Append of a batch at version 1: %v", err)
	}
	want := []cashback.Entry{issue, issue2, redeem, reverse}
	checkEntries(t, e, acct, want)
	checkSummary(t, e, acct)
	for _, w := range want {
		got, err := e.store.Entry(e.ctx, acct, w.Seq)
		if err != nil {
			t.Fatalf("Entry(%d): %v", w.Seq, err)
		}
		if d := diffEntry(got, w); d != "" {
			t.Errorf("Entry(%d): %s", w.Seq, d)
		}
	}
	for _, seq := range []int64{0, -1, 5} {
		if _, err := e.store.Entry(e.ctx, acct, seq); !errors.Is(err, cashback.ErrNotFound) {
			t.Errorf("Entry(%d) of an account of 4 entries: %v, want ErrNotFound", seq, err)
		}
	}
	got, err := storeEntries(e.ctx, e.store, acct)
	if err != nil {
		t.Fatalf("Entries: %v", err)
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
	if err := e.append(acct, 3, []cashback.Entry{issueEntry(acct, 4, "a", "1.00", base)}); !errors.Is(err, cashback.ErrConflict) {
		t.Fatalf("Append at version 3 of an empty account: %v, want ErrConflict", err)
	}
	checkEntries(t, e, acct, nil)
	one := issueEntry(acct, 1, "a", "1.00", base)
	if err := e.append(acct, 0, []cashback.Entry{one}); err != nil {
		t.Fatalf("Append at version 0: %v", err)
	}
	for _, v := range []int64{0, 2} {
		err := e.append(acct, v, []cashback.Entry{issueEntry(acct, v+1, "b", "2.00", base)})
		if !errors.Is(err, cashback.ErrConflict) {
			t.Errorf("Append at version %d of an account at version 1: %v, want ErrConflict", v, err)
		}
	}
	checkEntries(t, e, acct, []cashback.Entry{one})
}

func testDuplicateKey(t *testing.T, e *env) {
	acct := e.account("dup", "USD")
	one := issueEntry(acct, 1, "same", "1.00", base)
	if err := e.append(acct, 0, []cashback.Entry{one}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	dupOnly := issueEntry(acct, 2, "same", "5.00", base)
	err := e.append(acct, 1, []cashback.Entry{dupOnly})
	if !errors.Is(err, cashback.ErrDuplicateKey) && !errors.Is(err, cashback.ErrConflict) {
		t.Errorf("Append of a recorded key: %v, want ErrDuplicateKey", err)
	}
	// A batch whose second entry repeats a key writes nothing at all.
	batch := []cashback.Entry{issueEntry(acct, 2, "fresh", "2.00", base), issueEntry(acct, 3, "same", "3.00", base)}
	err = e.append(acct, 1, batch)
	if !errors.Is(err, cashback.ErrDuplicateKey) && !errors.Is(err, cashback.ErrConflict) {
		t.Errorf("Append of a batch with a recorded key: %v, want ErrDuplicateKey", err)
	}
	// And so does a batch repeating a key within itself.
	batch = []cashback.Entry{issueEntry(acct, 2, "twice", "2.00", base), issueEntry(acct, 3, "twice", "3.00", base)}
	err = e.append(acct, 1, batch)
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
	if err := e.append(acct, 0, entries); err != nil {
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
		if err := e.append(a, 0, []cashback.Entry{issueEntry(a, 1, "k", "1.00", base)}); err != nil {
			t.Fatalf("Append to a fresh account: %v", err)
		}
	}
	if err := e.append(usd, 1, []cashback.Entry{issueEntry(usd, 2, "k2", "2.00", base)}); err != nil {
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
	if err := e.append(acct, 0, in); err != nil {
		t.Fatalf("Append: %v", err)
	}
	in[0].Amount = dec("99.00")
	in[1].Allocations[0].Lot = 7
	got, err := storeEntries(e.ctx, e.store, acct)
	if err != nil {
		t.Fatalf("Entries: %v", err)
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
	if err := e.append(acct, 0, []cashback.Entry{issueEntry(acct, 1, "seed", "1.00", base)}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, concurrentWriters)
	for i := range concurrentWriters {
		wg.Go(func() {
			errs[i] = e.append(acct, 1, []cashback.Entry{issueEntry(acct, 2, fmt.Sprintf("w%d", i), "1.00", base)})
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
	got, err := storeEntries(e.ctx, e.store, acct)
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("account has %d entries after the race, want 2", len(got))
	}
	checkSummary(t, e, acct)
}

func testIssueRedeemBalance(t *testing.T, e *env) {
	acct := e.account("basic", "USD")
	l := e.ledger
	iss, err := l.Issue(e.ctx, base, cashback.IssueRequest{
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
	if !errors.Is(err, cashback.ErrIdempotencyConflict) || !errors.As(err, &ce) || ce.Existing.Seq != first.Seq || ce.Path != "key" {
		t.Errorf("Issue with a used key and another amount: %v, want *IdempotencyConflictError at key naming entry %d", err, first.Seq)
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
	entries, err := ledgerEntries(e.ctx, l, acct)
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
	if !errors.Is(err, cashback.ErrInsufficientFunds) || !errors.As(err, &ie) || !ie.Available.Equal(dec("1000")) || !ie.Requested.Equal(dec("1001")) || ie.Path != "amount" {
		t.Fatalf("Redeem above the available balance: %v, want *InsufficientFundsError at amount with 1000 available", err)
	}
	entries, err := ledgerEntries(e.ctx, l, acct)
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
	_, err := l.Issue(e.ctx, base, cashback.IssueRequest{
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
	if !errors.Is(err, cashback.ErrPartiallySpent) || !errors.As(err, &pe) || !pe.Remaining.Equal(dec("4")) || pe.Path != "seq" {
		t.Fatalf("strict Reverse of a partly spent issue: %v, want *PartiallySpentError at seq with 4.00 left", err)
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

	entries, err := ledgerEntries(e.ctx, l, acct)
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
		b, err := cashback.BalanceOf(en.At, acct, entries[:i+1], 0)
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
	entries, err := ledgerEntries(e.ctx, l, acct)
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	if len(entries) != 1 {
		t.Errorf("%d entries after concurrent writes of one key, want 1", len(entries))
	}
}

// testSummaryRoundTrip stores a summary with every field set and reads it
// back exactly: decimals with the currency's places, times to the
// microsecond, held and released lots, reversed redemptions.
func testSummaryRoundTrip(t *testing.T, e *env) {
	acct := e.account("summary", "KWD")
	at := base.Add(123456 * time.Microsecond)
	held := cashback.Entry{Account: acct, Seq: 1, Kind: cashback.KindIssue, Amount: dec("7.125"), At: at, Key: "held", Fingerprint: "f1", Held: true}
	plain := issueEntry(acct, 2, "plain", "3.001", at)
	plain.ExpiresAt = at.Add(30 * 24 * time.Hour)
	release := cashback.Entry{Account: acct, Seq: 3, Kind: cashback.KindRelease, Amount: dec("7.125"), At: at.Add(time.Hour), Key: "release",
		Fingerprint: "f3", Target: 1, AvailableAt: at.Add(49 * time.Hour), ExpiresAt: at.Add(90 * 24 * time.Hour),
		Allocations: []cashback.Allocation{{Lot: 1, Amount: dec("7.125")}}}
	redeem := redeemEntry(acct, 4, 2, "spend", "1.000", at.Add(2*time.Hour))
	unredeem := cashback.Entry{Account: acct, Seq: 5, Kind: cashback.KindReverseRedeem, Amount: dec("1.000"), At: at.Add(3 * time.Hour),
		Key: "refund", Fingerprint: "f5", Target: 4, Allocations: []cashback.Allocation{{Lot: 2, Amount: dec("1.000")}}}
	redeem2 := redeemEntry(acct, 6, 2, "spend-2", "0.500", at.Add(4*time.Hour))
	entries := []cashback.Entry{held, plain, release, redeem, unredeem, redeem2}
	if err := e.append(acct, 0, entries); err != nil {
		t.Fatalf("Append: %v", err)
	}
	checkEntries(t, e, acct, entries)
	checkSummary(t, e, acct)
	sum, err := e.store.Load(e.ctx, acct)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := sum.Validate(); err != nil {
		t.Errorf("the stored summary read back fails Validate: %v", err)
	}
	if len(sum.Lots) != 2 || !sum.Lots[0].Held || !sum.Lots[0].Released || len(sum.ReversedRedeems) != 1 {
		t.Errorf("summary read back: %d lots (first held %v released %v), %d reversed redeems; want 2, true, true, 1",
			len(sum.Lots), len(sum.Lots) > 0 && sum.Lots[0].Held, len(sum.Lots) > 0 && sum.Lots[0].Released, len(sum.ReversedRedeems))
	}
	// Changing what Load returned changes nothing stored.
	if len(sum.Lots) > 0 {
		sum.Lots[0].Remaining = dec("0")
	}
	checkSummary(t, e, acct)
	b, err := e.ledger.Balance(e.ctx, at.Add(50*time.Hour), acct)
	if err != nil {
		t.Fatalf("Ledger.Balance over the stored summary: %v", err)
	}
	if !b.Available.Equal(dec("9.626")) {
		t.Errorf("Available = %s, want 9.626", b.Available)
	}
}

// testFailedAppendKeepsSummary: an append refused for its version or a
// duplicate key changes neither the entries nor the summary.
func testFailedAppendKeepsSummary(t *testing.T, e *env) {
	acct := e.account("atomic", "USD")
	one := issueEntry(acct, 1, "one", "5.00", base)
	if err := e.append(acct, 0, []cashback.Entry{one}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	before, err := e.store.Load(e.ctx, acct)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	bogus := before.Clone()
	bogus.Version, bogus.LifetimeEarned = 2, dec("99.00")
	two := issueEntry(acct, 2, "two", "1.00", base)
	if err := e.store.Append(e.ctx, acct, 0, []cashback.Entry{two}, bogus); !errors.Is(err, cashback.ErrConflict) {
		t.Errorf("Append at a stale version: %v, want ErrConflict", err)
	}
	dup := issueEntry(acct, 2, "one", "1.00", base)
	if err := e.store.Append(e.ctx, acct, 1, []cashback.Entry{dup}, bogus); !errors.Is(err, cashback.ErrDuplicateKey) && !errors.Is(err, cashback.ErrConflict) {
		t.Errorf("Append of a recorded key: %v, want ErrDuplicateKey", err)
	}
	after, err := e.store.Load(e.ctx, acct)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !after.Equal(&before) {
		t.Errorf("a refused Append changed the summary (version %d, earned %s)", after.Version, after.LifetimeEarned)
	}
	checkEntries(t, e, acct, []cashback.Entry{one})
}

// hostile are texts a store must keep byte for byte and never interpret:
// SQL and JSON metacharacters, comments, NUL-free control characters,
// right-to-left marks, emoji and the longest IDs allowed.
var hostile = []string{
	"'; DROP TABLE cashback_entries; --",
	`" OR "1"="1`,
	`\'\"\\%_*?[]{}$1:name@var`,
	"/* comment */ -- line\r\n\t\x1b[31m",
	"\u202eevil\u202c 🙏 日本語 é",
	`{"json":true,"nested":["x"]}`,
	strings.Repeat("ß", cashback.MaxIDLen/2),
}

// clipID cuts s to at most MaxIDLen-1 bytes on a rune boundary (room for
// the one byte some tests append).
func clipID(s string) string {
	for len(s) > cashback.MaxIDLen-1 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// testHostileText writes entries whose every text field holds hostile text
// (customer ID, key, fingerprint, reason, order and delay IDs) and reads
// them back unchanged, through the Ledger too.
func testHostileText(t *testing.T, e *env) {
	for i, h := range hostile {
		acct := cashback.Account{CustomerID: clipID(e.prefix + h), Currency: "USD"}
		id := clipID(h)
		l := e.ledger
		iss, err := l.Issue(e.ctx, base, cashback.IssueRequest{Account: acct, Amount: money(t, "2.00", "USD"), Key: id,
			Reason: h + h, OrderID: id, DelayID: id})
		if err != nil {
			t.Fatalf("hostile %d: Issue: %v", i, err)
		}
		red, err := l.Redeem(e.ctx, base.Add(time.Minute), cashback.RedeemRequest{Account: acct, Amount: money(t, "1.00", "USD"), Key: id + "2", OrderID: id})
		if err != nil {
			t.Fatalf("hostile %d: Redeem: %v", i, err)
		}
		checkEntries(t, e, acct, []cashback.Entry{iss, red})
		checkSummary(t, e, acct)
		got, err := e.store.LookupKey(e.ctx, acct, id)
		if err != nil || diffEntry(got, iss) != "" {
			t.Errorf("hostile %d: LookupKey: %v %s", i, err, diffEntry(got, iss))
		}
		// A key differing only in case or a trailing space is another key.
		_, last := utf8.DecodeLastRuneInString(id)
		for _, k := range []string{strings.ToUpper(id), id[:len(id)-last] + " "} {
			if k == id {
				continue
			}
			if _, err := e.store.LookupKey(e.ctx, acct, k); !errors.Is(err, cashback.ErrNotFound) {
				t.Errorf("hostile %d: LookupKey of a near key: %v, want ErrNotFound", i, err)
			}
		}
	}
}

// testHeldRelease: credit issued held is pending and not spendable until a
// release names it; a release can keep it pending until a later time;
// reversing a held credit cancels it; releases are idempotent by key.
func testHeldRelease(t *testing.T, e *env) {
	acct := e.account("held", "EUR")
	l := e.ledger
	day := 24 * time.Hour
	held, err := l.Issue(e.ctx, base, cashback.IssueRequest{Account: acct, Amount: money(t, "12.00", "EUR"), Key: "delay:d1", Held: true, OrderID: "o1"})
	if err != nil {
		t.Fatalf("Issue held: %v", err)
	}
	if !held.Held || !held.AvailableAt.IsZero() {
		t.Fatalf("held issue: Held %v AvailableAt %v; want true and zero", held.Held, held.AvailableAt)
	}
	cancel, err := l.Issue(e.ctx, base, cashback.IssueRequest{Account: acct, Amount: money(t, "3.00", "EUR"), Key: "delay:d2", Held: true, OrderID: "o2"})
	if err != nil {
		t.Fatalf("Issue held: %v", err)
	}
	b, err := l.Balance(e.ctx, base.Add(day), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	wantBalance(t, b, "0", "15.00", "15.00", "0")
	if !b.Held.Equal(dec("15")) {
		t.Errorf("Held = %s, want 15.00", b.Held)
	}
	if _, err := l.Redeem(e.ctx, base.Add(day), cashback.RedeemRequest{Account: acct, Amount: money(t, "0.01", "EUR"), Key: "r0", OrderID: "x"}); !errors.Is(err, cashback.ErrInsufficientFunds) {
		t.Errorf("Redeem of held credit: %v, want ErrInsufficientFunds", err)
	}
	// Delivered at day 2; spendable from day 5; expires at day 95.
	req := cashback.ReleaseRequest{Account: acct, IssueKey: "delay:d1", Key: "delivered:o1", AvailableAt: base.Add(5 * day), ExpiresAt: base.Add(95 * day)}
	rel, err := l.Release(e.ctx, base.Add(2*day), req)
	if err != nil {
		t.Fatalf("Release: %v", err)
	}
	if rel.Kind != cashback.KindRelease || rel.Target != held.Seq || !rel.Amount.Equal(dec("12")) || !rel.Delta().IsZero() {
		t.Fatalf("Release returned kind %s target %d amount %s delta %s", rel.Kind, rel.Target, rel.Amount, rel.Delta())
	}
	again, err := l.Release(e.ctx, base.Add(3*day), req)
	if err != nil || diffEntry(again, rel) != "" {
		t.Errorf("replayed Release: %v %s; want the first release", err, diffEntry(again, rel))
	}
	if _, err := l.Release(e.ctx, base.Add(3*day), cashback.ReleaseRequest{Account: acct, Seq: held.Seq, Key: "other"}); !errors.Is(err, cashback.ErrAlreadyReleased) {
		t.Errorf("second Release under another key: %v, want ErrAlreadyReleased", err)
	}
	b, err = l.Balance(e.ctx, base.Add(3*day), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	wantBalance(t, b, "0", "15.00", "15.00", "0")
	if !b.Held.Equal(dec("3")) {
		t.Errorf("Held after the release = %s, want 3.00 (the other credit)", b.Held)
	}
	// The order of the other credit never arrives: cancel it.
	if _, err := l.Reverse(e.ctx, base.Add(4*day), cashback.ReverseRequest{Account: acct, TargetKey: "delay:d2", Key: "lost:o2", Reason: "never delivered"}); err != nil {
		t.Fatalf("Reverse of a held credit: %v", err)
	}
	if _, err := l.Release(e.ctx, base.Add(4*day), cashback.ReleaseRequest{Account: acct, Seq: cancel.Seq, Key: "late"}); !errors.Is(err, cashback.ErrNotReleasable) {
		t.Errorf("Release of a cancelled credit: %v, want ErrNotReleasable", err)
	}
	b, err = l.Balance(e.ctx, base.Add(6*day), acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	wantBalance(t, b, "12.00", "0", "12.00", "0")
	if !b.NextExpiry.Equal(base.Add(95 * day)) {
		t.Errorf("NextExpiry = %v, want the release's %v", b.NextExpiry, base.Add(95*day))
	}
	if _, err := l.Redeem(e.ctx, base.Add(6*day), cashback.RedeemRequest{Account: acct, Amount: money(t, "12.00", "EUR"), Key: "r1", OrderID: "o9"}); err != nil {
		t.Errorf("Redeem of released credit: %v", err)
	}
	// Balances in the past still see the credit held.
	b, err = l.Balance(e.ctx, base.Add(day), acct)
	if err != nil {
		t.Fatalf("Balance in the past: %v", err)
	}
	if !b.Held.Equal(dec("15")) {
		t.Errorf("Held as of day 1 = %s, want 15.00", b.Held)
	}
	if _, err := l.Release(e.ctx, base.Add(7*day), cashback.ReleaseRequest{Account: acct, Seq: 5, Key: "not-an-issue"}); !errors.Is(err, cashback.ErrNotReleasable) {
		t.Errorf("Release of a redemption: %v, want ErrNotReleasable", err)
	}
	if err := l.Check(e.ctx, acct); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// testConcurrentSummary runs concurrent issues, redemptions, releases and
// reversals on one account, then recomputes the balance from the entries:
// the stored summary must be exactly what the entries give.
func testConcurrentSummary(t *testing.T, e *env) {
	acct := e.account("summary-race", "USD")
	l := e.ledger
	var wg sync.WaitGroup
	for w := range concurrentWriters {
		wg.Go(func() {
			for i := range opsPerWriter {
				now := base.Add(time.Duration(i) * time.Minute)
				key := fmt.Sprintf("w%d-%d", w, i)
				var err error
				for attempt := 0; attempt < 1000; attempt++ {
					switch i % 4 {
					case 0:
						_, err = l.Issue(e.ctx, now, cashback.IssueRequest{Account: acct, Amount: money(t, "2.00", "USD"), Key: key, ExpiresAt: base.Add(time.Duration(w+1) * time.Hour)})
					case 1:
						_, err = l.Issue(e.ctx, now, cashback.IssueRequest{Account: acct, Amount: money(t, "1.50", "USD"), Key: key, Held: true})
					case 2:
						_, err = l.Release(e.ctx, now, cashback.ReleaseRequest{Account: acct, IssueKey: fmt.Sprintf("w%d-%d", w, i-1), Key: key})
					case 3:
						_, err = l.Redeem(e.ctx, now, cashback.RedeemRequest{Account: acct, Amount: money(t, "1.75", "USD"), Key: key, OrderID: key})
					}
					if !errors.Is(err, cashback.ErrConflict) {
						break
					}
				}
				if err != nil && !errors.Is(err, cashback.ErrInsufficientFunds) {
					t.Errorf("writer %d op %d: %v", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if _, err := l.Expire(e.ctx, base.Add(48*time.Hour), acct); err != nil {
		t.Fatalf("Expire: %v", err)
	}
	if err := l.Check(e.ctx, acct); err != nil {
		t.Fatalf("Check after the race: %v", err)
	}
	checkSummary(t, e, acct)
	entries, err := storeEntries(e.ctx, e.store, acct)
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	at := base.Add(72 * time.Hour)
	want, err := cashback.BalanceOf(at, acct, entries, 7*24*time.Hour)
	if err != nil {
		t.Fatalf("BalanceOf the entries: %v", err)
	}
	got, err := l.Balance(e.ctx, at, acct)
	if err != nil {
		t.Fatalf("Balance: %v", err)
	}
	for _, f := range []struct {
		name      string
		got, want decimal.Decimal
	}{{"Available", got.Available, want.Available}, {"Pending", got.Pending, want.Pending}, {"Held", got.Held, want.Held},
		{"Lapsed", got.Lapsed, want.Lapsed}, {"LifetimeEarned", got.LifetimeEarned, want.LifetimeEarned},
		{"Redeemed", got.Redeemed, want.Redeemed}, {"Expired", got.Expired, want.Expired}} {
		if !f.got.Equal(f.want) {
			t.Errorf("%s from the summary = %s, recomputed from the entries = %s", f.name, f.got, f.want)
		}
	}
	if got.Version != int64(len(entries)) {
		t.Errorf("Version = %d, the account has %d entries", got.Version, len(entries))
	}
}

// testEntriesPaged checks Store.Entries' keyset pages: entries after After,
// at most Limit, in Seq order with no gaps, nothing past the end, and
// nothing of another account.
func testEntriesPaged(t *testing.T, e *env) {
	acct := e.account("paged", "USD")
	other := e.account("paged-2", "USD")
	const n = 25
	var all []cashback.Entry
	for i := int64(1); i <= n; i++ {
		en := issueEntry(acct, i, fmt.Sprintf("k%d", i), fmt.Sprintf("%d.00", i), base.Add(time.Duration(i)*time.Minute))
		if err := e.append(acct, i-1, []cashback.Entry{en}); err != nil {
			t.Fatalf("Append entry %d: %v", i, err)
		}
		all = append(all, en)
	}
	if err := e.append(other, 0, []cashback.Entry{issueEntry(other, 1, "k1", "1.00", base)}); err != nil {
		t.Fatalf("Append to another account: %v", err)
	}
	for _, p := range []struct {
		after      int64
		limit, len int
	}{
		{0, 1, 1}, {0, 10, 10}, {10, 10, 10}, {20, 10, 5}, {24, 10, 1}, {25, 10, 0}, {100, 10, 0},
		{3, cashback.MaxPageLimit + 1, n - 3}, {0, n, n},
	} {
		got, err := e.store.Entries(e.ctx, acct, cashback.EntryPage{After: p.after, Limit: p.limit})
		if err != nil {
			t.Fatalf("Entries(after %d, limit %d): %v", p.after, p.limit, err)
		}
		if len(got) != p.len {
			t.Errorf("Entries(after %d, limit %d) returned %d entries, want %d", p.after, p.limit, len(got), p.len)
			continue
		}
		for i := range got {
			if d := diffEntry(got[i], all[p.after+int64(i)]); d != "" {
				t.Errorf("Entries(after %d, limit %d): entry %d: %s", p.after, p.limit, i, d)
				break
			}
		}
	}
	if got, err := e.store.Entries(e.ctx, e.account("paged-none", "USD"), cashback.EntryPage{Limit: 10}); err != nil || len(got) != 0 {
		t.Errorf("Entries of an account never written: %d entries, %v; want none, no error", len(got), err)
	}
	// Pages read while the account grows neither repeat nor skip entries.
	first, err := e.store.Entries(e.ctx, acct, cashback.EntryPage{After: 0, Limit: 20})
	if err != nil || len(first) != 20 {
		t.Fatalf("first page: %d entries, %v", len(first), err)
	}
	more := issueEntry(acct, n+1, "k-more", "1.00", base.Add(time.Hour))
	if err := e.append(acct, n, []cashback.Entry{more}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	rest, err := e.store.Entries(e.ctx, acct, cashback.EntryPage{After: first[len(first)-1].Seq, Limit: 20})
	if err != nil || len(rest) != n+1-20 || rest[0].Seq != 21 || rest[len(rest)-1].Seq != n+1 {
		t.Errorf("second page after an append: %d entries, %v; want 21 to %d", len(rest), err, n+1)
	}
}

// testEntriesPageLimit checks Store.Entries' reading of EntryPage.Limit
// (EntryPage.EffectiveLimit): 0 is a page of DefaultPageLimit entries, and
// a negative Limit is a *cashback.FieldError at "page.limit", also for an
// account never written.
func testEntriesPageLimit(t *testing.T, e *env) {
	acct := e.account("page-limit", "USD")
	const n = cashback.DefaultPageLimit + 5
	batch := make([]cashback.Entry, 0, n)
	for i := int64(1); i <= n; i++ {
		batch = append(batch, issueEntry(acct, i, fmt.Sprintf("k%d", i), "1.00", base.Add(time.Duration(i)*time.Minute)))
	}
	if err := e.append(acct, 0, batch); err != nil {
		t.Fatalf("Append %d entries: %v", n, err)
	}
	for _, p := range []struct {
		after      int64
		len        int
		first, end int64
	}{{0, cashback.DefaultPageLimit, 1, cashback.DefaultPageLimit}, {cashback.DefaultPageLimit, 5, cashback.DefaultPageLimit + 1, n}} {
		got, err := e.store.Entries(e.ctx, acct, cashback.EntryPage{After: p.after})
		if err != nil {
			t.Fatalf("Entries(after %d, limit 0): %v", p.after, err)
		}
		if len(got) != p.len || got[0].Seq != p.first || got[len(got)-1].Seq != p.end {
			t.Errorf("Entries(after %d, limit 0) returned %d entries, want %d (the default page, seq %d to %d)", p.after, len(got), p.len, p.first, p.end)
		}
	}
	for _, a := range []cashback.Account{acct, e.account("page-limit-none", "USD")} {
		got, err := e.store.Entries(e.ctx, a, cashback.EntryPage{Limit: -1})
		var fe *cashback.FieldError
		if !errors.Is(err, cashback.ErrInvalidRequest) || !errors.As(err, &fe) || fe.Path != "page.limit" {
			t.Errorf("Entries(limit -1) = %d entries, %v; want a *FieldError at page.limit", len(got), err)
		}
	}
}

// testLedgerEntriesPage checks Ledger.EntriesPage's cursors and
// Ledger.Entries' iteration over a history of several pages.
func testLedgerEntriesPage(t *testing.T, e *env) {
	acct := e.account("statement", "EUR")
	l := e.ledger
	const n = 23
	var want []cashback.Entry
	for i := range n {
		var en cashback.Entry
		var err error
		at := base.Add(time.Duration(i) * time.Minute)
		if i%3 == 2 {
			en, err = l.Redeem(e.ctx, at, cashback.RedeemRequest{Account: acct, Amount: money(t, "1.00", "EUR"), Key: fmt.Sprintf("r%d", i), OrderID: "o"})
		} else {
			en, err = l.Issue(e.ctx, at, cashback.IssueRequest{Account: acct, Amount: money(t, "2.00", "EUR"), Key: fmt.Sprintf("i%d", i)})
		}
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		want = append(want, en)
	}
	// A reversal of an early redemption, checked against an earlier page.
	rev, err := l.Reverse(e.ctx, base.Add(time.Hour), cashback.ReverseRequest{Account: acct, Seq: want[2].Seq, Key: "rev"})
	if err != nil {
		t.Fatalf("Reverse: %v", err)
	}
	want = append(want, rev)
	var got []cashback.Entry
	var next int64
	pages := 0
	for {
		page, nx, err := l.EntriesPage(e.ctx, acct, cashback.EntryPage{After: next, Limit: 5})
		if err != nil {
			t.Fatalf("EntriesPage(after %d): %v", next, err)
		}
		pages++
		if len(page) > 5 || (nx != 0 && (len(page) != 5 || nx != page[len(page)-1].Seq)) {
			t.Fatalf("EntriesPage(after %d, limit 5): %d entries, next %d", next, len(page), nx)
		}
		got = append(got, page...)
		if next = nx; next == 0 {
			break
		}
		if pages > len(want) {
			t.Fatalf("EntriesPage does not end")
		}
	}
	if pages != 5 || len(got) != len(want) {
		t.Fatalf("EntriesPage: %d entries in %d pages, want %d in 5", len(got), pages, len(want))
	}
	for i := range want {
		if d := diffEntry(got[i], want[i]); d != "" {
			t.Fatalf("EntriesPage: entry %d: %s", i+1, d)
		}
	}
	// The default page, and a page past the end.
	if page, nx, err := l.EntriesPage(e.ctx, acct, cashback.EntryPage{}); err != nil || len(page) != len(want) || nx != 0 {
		t.Errorf("EntriesPage with the zero EntryPage: %d entries, next %d, %v; want all %d, next 0", len(page), nx, err, len(want))
	}
	if page, nx, err := l.EntriesPage(e.ctx, acct, cashback.EntryPage{After: int64(len(want)), Limit: 5}); err != nil || len(page) != 0 || nx != 0 {
		t.Errorf("EntriesPage past the end: %d entries, next %d, %v; want none", len(page), nx, err)
	}
	for _, p := range []cashback.EntryPage{{After: -1}, {Limit: -1}, {Limit: cashback.MaxPageLimit + 1}} {
		var fe *cashback.FieldError
		if _, _, err := l.EntriesPage(e.ctx, acct, p); !errors.Is(err, cashback.ErrInvalidRequest) || !errors.As(err, &fe) || !strings.HasPrefix(fe.Path, "page.") {
			t.Errorf("EntriesPage(%+v) = %v, want a *FieldError at page.*", p, err)
		}
	}
	all, err := ledgerEntries(e.ctx, l, acct)
	if err != nil || len(all) != len(want) {
		t.Fatalf("Entries: %d entries, %v; want %d", len(all), err, len(want))
	}
	for i := range want {
		if d := diffEntry(all[i], want[i]); d != "" {
			t.Fatalf("Entries: entry %d: %s", i+1, d)
		}
	}
	// Breaking out of the loop stops the iteration.
	seen := 0
	for _, err := range l.Entries(e.ctx, acct) {
		if err != nil {
			t.Fatalf("Entries: %v", err)
		}
		if seen++; seen == 3 {
			break
		}
	}
	if seen != 3 {
		t.Errorf("Entries went on after break: %d", seen)
	}
	if err := l.Check(e.ctx, acct); err != nil {
		t.Errorf("Check: %v", err)
	}
}
