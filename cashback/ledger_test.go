package cashback_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/cashbacktest"
	"github.com/postpurchase/postpurchase/cashback/memstore"
)

func TestNewOptions(t *testing.T) {
	s := newMem(t)
	if _, err := cashback.New(nil, cashback.Options{}); !errors.Is(err, cashback.ErrInvalidRequest) {
		t.Errorf("New(nil store): %v", err)
	}
	for _, o := range []cashback.Options{{ExpiringSoon: -1}, {MaxAttempts: -1}} {
		if _, err := cashback.New(s, o); !errors.Is(err, cashback.ErrInvalidRequest) {
			t.Errorf("New(%+v): %v, want ErrInvalidRequest", o, err)
		}
	}
	l, err := cashback.New(s, cashback.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Balance(context.Background(), t0, cashback.Account{CustomerID: "c", Currency: "USD"})
	if err != nil || b.ExpiringSoonWindow != cashback.DefaultExpiringSoon || !b.Available.IsZero() || b.Version != 0 {
		t.Errorf("empty balance with defaults: %+v, %v", b, err)
	}
}

// TestRequestValidation checks that each bad field is named and that nothing
// is written.
func TestRequestValidation(t *testing.T) {
	ctx := context.Background()
	l, s := newLedger(t, cashback.Options{})
	acct := cashback.Account{CustomerID: "c", Currency: "USD"}
	good := cashback.IssueRequest{Account: acct, Amount: usd("1.00"), Key: "k"}
	long := strings.Repeat("x", cashback.MaxIDLen+1)
	issue := []struct {
		name  string
		edit  func(*cashback.IssueRequest)
		now   time.Time
		field string
		is    error
	}{
		{"no customer", func(r *cashback.IssueRequest) { r.Account.CustomerID = "" }, t0, "account.customer_id", nil},
		{"long customer", func(r *cashback.IssueRequest) { r.Account.CustomerID = long }, t0, "account.customer_id", nil},
		{"bad utf8 customer", func(r *cashback.IssueRequest) { r.Account.CustomerID = "\xff" }, t0, "account.customer_id", nil},
		{"NUL in key", func(r *cashback.IssueRequest) { r.Key = "a\x00b" }, t0, "key", nil},
		{"NUL in reason", func(r *cashback.IssueRequest) { r.Reason = "a\x00b" }, t0, "reason", nil},
		{"held with a time", func(r *cashback.IssueRequest) { r.Held = true; r.AvailableAt = t0.Add(time.Hour) }, t0, "available_at", nil},
		{"withdrawn currency", func(r *cashback.IssueRequest) {
			r.Account.Currency = "HRK"
			r.Amount.Currency = "HRK"
		}, t0, "account.currency", cashback.ErrWithdrawnCurrency},
		{"unknown currency", func(r *cashback.IssueRequest) {
			r.Account.Currency = "XAU"
			r.Amount.Currency = "XAU"
		}, t0, "account.currency", cashback.ErrUnknownCurrency},
		{"currency mismatch", func(r *cashback.IssueRequest) { r.Amount = cashback.Money{Amount: dec("1"), Currency: "EUR"} }, t0, "amount.currency", cashback.ErrCurrencyMismatch},
		{"no key", func(r *cashback.IssueRequest) { r.Key = "" }, t0, "key", nil},
		{"long key", func(r *cashback.IssueRequest) { r.Key = long }, t0, "key", nil},
		{"reserved key", func(r *cashback.IssueRequest) { r.Key = "cashback:expire:1:2" }, t0, "key", nil},
		{"zero now", func(r *cashback.IssueRequest) {}, time.Time{}, "now", nil},
		{"long reason", func(r *cashback.IssueRequest) { r.Reason = strings.Repeat("r", cashback.MaxReasonLen+1) }, t0, "reason", nil},
		{"bad utf8 reason", func(r *cashback.IssueRequest) { r.Reason = "ok\xc3" }, t0, "reason", nil},
		{"long order", func(r *cashback.IssueRequest) { r.OrderID = long }, t0, "order_id", nil},
		{"long delay", func(r *cashback.IssueRequest) { r.DelayID = long }, t0, "delay_id", nil},
		{"expiry in the past", func(r *cashback.IssueRequest) { r.ExpiresAt = t0.Add(-time.Hour) }, t0, "expires_at", nil},
		{"expiry before availability", func(r *cashback.IssueRequest) {
			r.AvailableAt = t0.Add(2 * day)
			r.ExpiresAt = t0.Add(day)
		}, t0, "expires_at", nil},
	}
	for _, tt := range issue {
		r := good
		tt.edit(&r)
		_, err := l.Issue(ctx, tt.now, r)
		var fe *cashback.FieldError
		if !errors.As(err, &fe) || fe.Path != tt.field || !errors.Is(err, cashback.ErrInvalidRequest) || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("%s: %v; want *FieldError on %q", tt.name, err, tt.field)
		}
	}
	amounts := []struct {
		amount cashback.Money
		is     error
	}{
		{usd("0"), cashback.ErrNotPositive},
		{usd("-1.00"), cashback.ErrNotPositive},
		{usd("1.005"), cashback.ErrTooPrecise},
		{usd("1000000000000000"), cashback.ErrTooLarge},
		{cashback.Money{Amount: dec("0.5"), Currency: "JPY"}, cashback.ErrTooPrecise},
	}
	for _, tt := range amounts {
		r := good
		r.Amount = tt.amount
		r.Account.Currency = tt.amount.Currency
		_, err := l.Issue(ctx, t0, r)
		var ae *cashback.AmountError
		if !errors.As(err, &ae) || !errors.Is(err, tt.is) || !errors.Is(err, cashback.ErrInvalidAmount) || ae.Path != "amount.amount" {
			t.Errorf("Issue of %s: %v; want *AmountError %v", tt.amount, err, tt.is)
		}
		_, err = l.Redeem(ctx, t0, cashback.RedeemRequest{Account: r.Account, Amount: tt.amount, Key: "r", OrderID: "o"})
		if !errors.Is(err, tt.is) {
			t.Errorf("Redeem of %s: %v; want %v", tt.amount, err, tt.is)
		}
	}
	if _, err := l.Redeem(ctx, t0, cashback.RedeemRequest{Account: acct, Amount: usd("1"), Key: "r"}); !errors.Is(err, cashback.ErrInvalidRequest) {
		t.Errorf("Redeem without an order: %v", err)
	}
	if _, err := l.Reverse(ctx, t0, cashback.ReverseRequest{Account: acct, Key: "v"}); !errors.Is(err, cashback.ErrInvalidRequest) {
		t.Errorf("Reverse without a seq: %v", err)
	}
	if _, err := l.Expire(ctx, time.Time{}, acct); !errors.Is(err, cashback.ErrInvalidRequest) {
		t.Errorf("Expire without now: %v", err)
	}
	if _, err := l.Balance(ctx, t0, cashback.Account{Currency: "USD"}); !errors.Is(err, cashback.ErrInvalidRequest) {
		t.Errorf("Balance without a customer: %v", err)
	}
	if got, _ := storeAll(ctx, s, acct); len(got) != 0 {
		t.Errorf("invalid requests wrote %d entries", len(got))
	}
}

// TestErrorsKeepPersonalData checks that no error or log line carries the
// customer ID (here an email), order IDs, keys or reasons.
func TestErrorsKeepPersonalData(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	l, _ := newLedger(t, cashback.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	secrets := []string{"jane.doe@example.com", "ORDER-SECRET", "KEY-SECRET", "REASON-SECRET"}
	acct := cashback.Account{CustomerID: secrets[0], Currency: "USD"}
	var errs []error
	add := func(_ cashback.Entry, err error) { errs = append(errs, err) }
	add(l.Issue(ctx, t0, cashback.IssueRequest{Account: acct, Amount: usd("5"), Key: "KEY-SECRET", Reason: "REASON-SECRET", OrderID: "ORDER-SECRET"}))
	add(l.Issue(ctx, t0, cashback.IssueRequest{Account: acct, Amount: usd("6"), Key: "KEY-SECRET", Reason: "REASON-SECRET", OrderID: "ORDER-SECRET"}))
	add(l.Redeem(ctx, t0, cashback.RedeemRequest{Account: acct, Amount: usd("50"), Key: "KEY-SECRET-2", OrderID: "ORDER-SECRET"}))
	add(l.Redeem(ctx, t0, cashback.RedeemRequest{Account: acct, Amount: usd("1"), Key: "KEY-SECRET-3", OrderID: "ORDER-SECRET"}))
	add(l.Reverse(ctx, t0, cashback.ReverseRequest{Account: acct, Seq: 1, Key: "KEY-SECRET-4", Reason: "REASON-SECRET"}))
	add(l.Reverse(ctx, t0, cashback.ReverseRequest{Account: acct, Seq: 9, Key: "KEY-SECRET-5"}))
	add(l.Issue(ctx, t0, cashback.IssueRequest{Account: acct, Amount: cashback.Money{Amount: dec("1"), Currency: "EUR"}, Key: "KEY-SECRET-6"}))
	nonNil := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		nonNil++
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q contains personal data", err)
			}
		}
	}
	if nonNil < 5 {
		t.Fatalf("only %d of the calls failed; the test should exercise errors", nonNil)
	}
	if logs.Len() == 0 {
		t.Fatal("no debug logs were written")
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("logs contain personal data %q", s)
		}
	}
}

// TestClockSkew: a write with a clock behind the account's last entry takes
// effect at that entry's time, so entries stay in order.
func TestClockSkew(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t, cashback.Options{})
	acct := cashback.Account{CustomerID: "c", Currency: "USD"}
	if _, err := l.Issue(ctx, t0.Add(time.Hour), cashback.IssueRequest{Account: acct, Amount: usd("5"), Key: "a"}); err != nil {
		t.Fatal(err)
	}
	r, err := l.Redeem(ctx, t0, cashback.RedeemRequest{Account: acct, Amount: usd("5"), Key: "b", OrderID: "o"})
	if err != nil {
		t.Fatalf("Redeem with a clock an hour behind: %v", err)
	}
	if !r.At.Equal(t0.Add(time.Hour)) {
		t.Errorf("At = %v, want the previous entry's %v", r.At, t0.Add(time.Hour))
	}
	// Times are kept to the microsecond, in UTC.
	e, err := l.Issue(ctx, t0.Add(2*time.Hour+1234567*time.Nanosecond).In(time.FixedZone("X", 3600)), cashback.IssueRequest{Account: acct, Amount: usd("1"), Key: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if e.At.Location() != time.UTC || e.At.Nanosecond() != 1234000 {
		t.Errorf("At = %v, want UTC truncated to the microsecond", e.At)
	}
}

// corruptStore returns whatever entries it is given.
type corruptStore struct {
	entries []cashback.Entry
	sum     cashback.Summary
}

func (c *corruptStore) Load(context.Context, cashback.Account) (cashback.Summary, error) {
	return c.sum.Clone(), nil
}
func (c *corruptStore) Entries(_ context.Context, _ cashback.Account, p cashback.EntryPage) ([]cashback.Entry, error) {
	from := min(p.After, int64(len(c.entries)))
	to := min(from+int64(p.Limit), int64(len(c.entries)))
	return append([]cashback.Entry(nil), c.entries[from:to]...), nil
}
func (c *corruptStore) Entry(_ context.Context, _ cashback.Account, seq int64) (cashback.Entry, error) {
	if seq >= 1 && seq <= int64(len(c.entries)) {
		return c.entries[seq-1], nil
	}
	return cashback.Entry{}, cashback.ErrNotFound
}
func (c *corruptStore) Append(context.Context, cashback.Account, int64, []cashback.Entry, cashback.Summary) error {
	return errors.New("append must not be reached")
}
func (c *corruptStore) LookupKey(context.Context, cashback.Account, string) (cashback.Entry, error) {
	return cashback.Entry{}, cashback.ErrNotFound
}

// TestCorruptEntries: entries that break the rules are a *CorruptError
// wherever they are read (a balance in the past, the statement, Check).
func TestCorruptEntries(t *testing.T) {
	ctx := context.Background()
	acct := cashback.Account{CustomerID: "c", Currency: "USD"}
	issue := cashback.Entry{Account: acct, Seq: 1, Kind: cashback.KindIssue, Amount: dec("5"), At: t0, AvailableAt: t0, Key: "i"}
	redeem := func(seq int64, amount string, lot int64) cashback.Entry {
		return cashback.Entry{Account: acct, Seq: seq, Kind: cashback.KindRedeem, Amount: dec(amount), At: t0, Key: "r" + amount,
			OrderID: "o", Allocations: []cashback.Allocation{{Lot: lot, Amount: dec(amount)}}}
	}
	other := issue
	other.Account.CustomerID = "someone else"
	eur := issue
	eur.Account.Currency = "EUR"
	gap := issue
	gap.Seq = 2
	early := redeem(2, "1", 1)
	early.At = t0.Add(-time.Second)
	tests := []struct {
		name    string
		entries []cashback.Entry
		field   string
	}{
		{"gap", []cashback.Entry{gap}, "seq"},
		{"other customer", []cashback.Entry{other}, "customer_id"},
		{"other currency", []cashback.Entry{eur}, "currency"},
		{"overdraw", []cashback.Entry{issue, redeem(2, "6", 1)}, "allocations[0].amount"},
		{"allocation to a redeem", []cashback.Entry{issue, redeem(2, "1", 1), redeem(3, "1", 2)}, "allocations[0].lot"},
		{"time goes back", []cashback.Entry{issue, early}, "at"},
	}
	for _, tt := range tests {
		// A summary that is valid on its own, as of after the entries.
		sum := cashback.Summary{Account: acct, Version: int64(len(tt.entries)), LastAt: t0.Add(2 * time.Hour)}
		l, err := cashback.New(&corruptStore{entries: tt.entries, sum: sum}, cashback.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = l.Balance(ctx, t0.Add(time.Hour), acct)
		var ce *cashback.CorruptError
		if !errors.As(err, &ce) || ce.Path != tt.field {
			t.Errorf("%s: Balance: %v; want *CorruptError on %q", tt.name, err, tt.field)
		}
		if _, err := cashbacktest.Entries(ctx, l, acct); !errors.As(err, &ce) || ce.Path != tt.field {
			t.Errorf("%s: Entries: %v; want *CorruptError on %q", tt.name, err, tt.field)
		}
		if err := l.Check(ctx, acct); !errors.As(err, &ce) || ce.Path != tt.field {
			t.Errorf("%s: Check: %v; want *CorruptError on %q", tt.name, err, tt.field)
		}
	}
}

// TestCorruptSummary: a summary that breaks the rules blocks writes and
// balances with a *CorruptError naming the field, and nothing is written.
func TestCorruptSummary(t *testing.T) {
	ctx := context.Background()
	acct := cashback.Account{CustomerID: "c", Currency: "USD"}
	good := cashback.Summary{
		Account: acct, Version: 2, LastAt: t0, LifetimeEarned: dec("5.00"), Redeemed: dec("1.00"), Expired: dec("0"), Reversed: dec("0"),
		Lots: []cashback.Lot{{Seq: 1, Issued: dec("5.00"), Remaining: dec("4.00"), Spent: dec("1.00"), AvailableAt: t0}},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("the good summary: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*cashback.Summary)
		field string
	}{
		{"other account", func(s *cashback.Summary) { s.Account.CustomerID = "x" }, "summary.account"},
		{"negative version", func(s *cashback.Summary) { s.Version = -1 }, "summary.version"},
		{"overfull lot", func(s *cashback.Summary) { s.Lots[0].Remaining = dec("4.01") }, "summary.lots[0].remaining"},
		{"lot after version", func(s *cashback.Summary) { s.Lots[0].Seq = 3 }, "summary.lots[0].seq"},
		{"totals disagree", func(s *cashback.Summary) { s.LifetimeEarned = dec("6.00") }, "summary.lifetime_earned"},
		{"spent disagrees", func(s *cashback.Summary) { s.Redeemed = dec("0.50"); s.LifetimeEarned = dec("4.50") }, "summary.redeemed"},
		{"empty lot kept", func(s *cashback.Summary) {
			s.Lots[0].Remaining, s.Redeemed, s.Lots[0].Spent, s.LifetimeEarned = dec("0"), dec("5.00"), dec("5.00"), dec("5.00")
		}, "summary.lots[0].remaining"},
		{"too precise", func(s *cashback.Summary) { s.Expired = dec("0.001") }, "summary.expired"},
		{"held with a time", func(s *cashback.Summary) { s.Lots[0].Held = true }, "summary.lots[0].available_at"},
		{"no last_at", func(s *cashback.Summary) { s.LastAt = time.Time{} }, "summary.last_at"},
	}
	for _, tt := range tests {
		sum := good.Clone()
		tt.edit(&sum)
		l, err := cashback.New(&corruptStore{sum: sum}, cashback.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var ce *cashback.CorruptError
		_, err = l.Issue(ctx, t0.Add(time.Hour), cashback.IssueRequest{Account: acct, Amount: usd("1"), Key: "n"})
		if !errors.As(err, &ce) || ce.Path != tt.field {
			t.Errorf("%s: Issue: %v; want *CorruptError on %q and no write", tt.name, err, tt.field)
		}
		if _, err := l.Balance(ctx, t0.Add(time.Hour), acct); !errors.Is(err, cashback.ErrCorrupt) {
			t.Errorf("%s: Balance: %v; want ErrCorrupt", tt.name, err)
		}
	}
}

// conflictStore always loses the race.
type conflictStore struct{ *memstore.Store }

func (conflictStore) Append(context.Context, cashback.Account, int64, []cashback.Entry, cashback.Summary) error {
	return cashback.ErrConflict
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	l, err := cashback.New(conflictStore{newMem(t)}, cashback.Options{MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Issue(context.Background(), t0, cashback.IssueRequest{Account: cashback.Account{CustomerID: "c", Currency: "USD"}, Amount: usd("1"), Key: "k"})
	if !errors.Is(err, cashback.ErrConflict) || !strings.Contains(err.Error(), "3 attempts") {
		t.Errorf("Issue on a store that always conflicts: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = l.Issue(ctx, t0, cashback.IssueRequest{Account: cashback.Account{CustomerID: "c", Currency: "USD"}, Amount: usd("1"), Key: "k"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Issue with a cancelled context: %v", err)
	}
}

// TestReverseRedeemOfExpiredLot: credit returned to an issue that has
// expired comes back lapsed, and Expire writes it off again.
func TestReverseRedeemOfExpiredLot(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t, cashback.Options{})
	acct := cashback.Account{CustomerID: "c", Currency: "USD"}
	if _, err := l.Issue(ctx, t0, cashback.IssueRequest{Account: acct, Amount: usd("10"), Key: "i", ExpiresAt: t0.Add(5 * day)}); err != nil {
		t.Fatal(err)
	}
	r, err := l.Redeem(ctx, t0.Add(day), cashback.RedeemRequest{Account: acct, Amount: usd("4"), Key: "r", OrderID: "o"})
	if err != nil {
		t.Fatal(err)
	}
	if exp, err := l.Expire(ctx, t0.Add(6*day), acct); err != nil || len(exp) != 1 || !exp[0].Amount.Equal(dec("6")) {
		t.Fatalf("Expire: %v, %v", exp, err)
	}
	if _, err := l.Reverse(ctx, t0.Add(7*day), cashback.ReverseRequest{Account: acct, Seq: r.Seq, Key: "refund"}); err != nil {
		t.Fatal(err)
	}
	b, err := l.Balance(ctx, t0.Add(7*day), acct)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Available.IsZero() || !b.Lapsed.Equal(dec("4")) {
		t.Errorf("after returning credit to an expired issue: available %s lapsed %s; want 0 and 4", b.Available, b.Lapsed)
	}
	exp, err := l.Expire(ctx, t0.Add(7*day), acct)
	if err != nil || len(exp) != 1 || !exp[0].Amount.Equal(dec("4")) {
		t.Fatalf("second Expire: %v, %v", exp, err)
	}
	if exp[0].Key == "" || !strings.HasPrefix(exp[0].Key, "cashback:expire:1:") {
		t.Errorf("expire key %q", exp[0].Key)
	}
}

// TestPendingNotSpendableAndReversible: credit pending delivery can be
// reversed whole (the order never arrived and was refunded instead).
func TestPendingReversal(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t, cashback.Options{})
	acct := cashback.Account{CustomerID: "c", Currency: "USD"}
	i, err := l.Issue(ctx, t0, cashback.IssueRequest{Account: acct, Amount: usd("8"), Key: "i", AvailableAt: t0.Add(3 * day)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Redeem(ctx, t0.Add(day), cashback.RedeemRequest{Account: acct, Amount: usd("1"), Key: "r", OrderID: "o"}); !errors.Is(err, cashback.ErrInsufficientFunds) {
		t.Errorf("Redeem of pending credit: %v", err)
	}
	if _, err := l.Reverse(ctx, t0.Add(day), cashback.ReverseRequest{Account: acct, Seq: i.Seq, Key: "v"}); err != nil {
		t.Fatal(err)
	}
	b, err := l.Balance(ctx, t0.Add(4*day), acct)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Pending.IsZero() || !b.Available.IsZero() || !b.LifetimeEarned.IsZero() || !b.Reversed.Equal(dec("8")) {
		t.Errorf("balance after reversing pending credit: %+v", b)
	}
}
