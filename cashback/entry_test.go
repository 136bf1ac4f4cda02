package cashback_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/cashback/cashbacktest"
)

var update = flag.Bool("update", false, "rewrite testdata/ledger.jsonl and testdata/summaries.jsonl from the scenario")

// scenario writes one account through every kind of entry.
func scenario(t *testing.T) (cashback.Account, []cashback.Entry) {
	t.Helper()
	ctx := context.Background()
	l, _ := newLedger(t, cashback.Options{})
	acct := cashback.Account{CustomerID: "cust_8c1f", Currency: "USD"}
	must := func(e cashback.Entry, err error) cashback.Entry {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	late := must(l.Issue(ctx, t0, cashback.IssueRequest{
		Account: acct, Amount: usd("15.00"), Key: "delay:dl_1:cashback", Reason: "Parcel stalled 4 days in transit",
		OrderID: "ord_1001", DelayID: "dl_1", AvailableAt: t0.Add(2 * day), ExpiresAt: t0.Add(92 * day),
	}))
	must(l.Issue(ctx, t0.Add(time.Hour), cashback.IssueRequest{
		Account: acct, Amount: usd("5.00"), Key: "delay:dl_2:cashback", Reason: "Missed delivery estimate",
		OrderID: "ord_1002", DelayID: "dl_2", ExpiresAt: t0.Add(10 * day),
	}))
	red := must(l.Redeem(ctx, t0.Add(3*day), cashback.RedeemRequest{Account: acct, Amount: usd("12.34"), Key: "checkout:ord_1100", OrderID: "ord_1100"}))
	must(l.Reverse(ctx, t0.Add(4*day), cashback.ReverseRequest{Account: acct, Seq: red.Seq, Key: "cancel:ord_1100", Reason: "order cancelled"}))
	must(l.Redeem(ctx, t0.Add(5*day), cashback.RedeemRequest{Account: acct, Amount: usd("3.00"), Key: "checkout:ord_1101", OrderID: "ord_1101"}))
	must(l.Reverse(ctx, t0.Add(6*day), cashback.ReverseRequest{Account: acct, Seq: late.Seq, Key: "fraud:ord_1001", Reason: "chargeback on the source order", AllowPartial: true}))
	if _, err := l.Expire(ctx, t0.Add(11*day), acct); err != nil {
		t.Fatal(err)
	}
	must(l.Issue(ctx, t0.Add(12*day), cashback.IssueRequest{
		Account: acct, Amount: usd("7.50"), Key: "delay:dl_3:cashback", Reason: "Late: credit on delivery",
		OrderID: "ord_1003", DelayID: "dl_3", Held: true,
	}))
	must(l.Release(ctx, t0.Add(14*day), cashback.ReleaseRequest{
		Account: acct, IssueKey: "delay:dl_3:cashback", Key: "delivered:ord_1003", ExpiresAt: t0.Add(104 * day),
	}))
	entries, err := cashbacktest.Entries(ctx, l, acct)
	if err != nil {
		t.Fatal(err)
	}
	return acct, entries
}

func TestEntryJSONGolden(t *testing.T) {
	acct, entries := scenario(t)
	var buf bytes.Buffer
	for _, e := range entries {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("Marshal entry %d: %v", e.Seq, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	golden := filepath.Join("testdata", "ledger.jsonl")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("encoding changed; got:\n%s\nwant:\n%s", buf.Bytes(), want)
	}
	// Decoding the golden file gives the same entries and the same balance.
	var back []cashback.Entry
	sc := bufio.NewScanner(bytes.NewReader(want))
	for sc.Scan() {
		var e cashback.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("Unmarshal %s: %v", sc.Bytes(), err)
		}
		back = append(back, e)
	}
	if len(back) != len(entries) {
		t.Fatalf("decoded %d entries, want %d", len(back), len(entries))
	}
	for i := range back {
		if d := sameEntry(back[i], entries[i]); d != "" {
			t.Errorf("entry %d after a round trip: %s", i+1, d)
		}
	}
	for _, at := range []time.Time{t0, t0.Add(3 * day), t0.Add(7 * day), t0.Add(100 * day)} {
		b1, err1 := cashback.BalanceOf(at, acct, entries, 7*day)
		b2, err2 := cashback.BalanceOf(at, acct, back, 7*day)
		if err1 != nil || err2 != nil || !sameBalance(b1, b2) {
			t.Errorf("balance at %v differs after a round trip: %+v / %+v (%v, %v)", at, b1, b2, err1, err2)
		}
	}
}

func TestEntryJSONInvalid(t *testing.T) {
	valid := `{"customer_id":"c","currency":"USD","seq":2,"kind":"redeem","amount":"1.00","at":"2026-03-02T09:30:00Z","key":"k","order_id":"o","allocations":[{"lot":1,"amount":"1.00"}]}`
	var ok cashback.Entry
	if err := json.Unmarshal([]byte(valid), &ok); err != nil {
		t.Fatalf("valid entry rejected: %v", err)
	}
	tests := []struct{ from, to, field string }{
		{`"kind":"redeem"`, `"kind":"refund"`, "kind"},
		{`"kind":"redeem"`, `"kind":7`, "entry"},
		{`"amount":"1.00","at"`, `"amount":"1.001","at"`, "amount"},
		{`"amount":"1.00","at"`, `"amount":"-1.00","at"`, "amount"},
		{`"amount":"1.00","at"`, `"amount":"0","at"`, "amount"},
		{`"amount":"1.00","at"`, `"amount":1.00,"at"`, "entry"},
		{`"currency":"USD"`, `"currency":"XAU"`, "account.currency"},
		{`"customer_id":"c"`, `"customer_id":""`, "account.customer_id"},
		{`"seq":2`, `"seq":0`, "seq"},
		{`"at":"2026-03-02T09:30:00Z"`, `"at":"2026-03-02T09:30:00.0000001Z"`, "at"},
		{`,"at":"2026-03-02T09:30:00Z"`, ``, "at"},
		{`"key":"k"`, `"key":""`, "key"},
		{`"allocations":[{"lot":1,"amount":"1.00"}]`, `"allocations":[{"lot":1,"amount":"0.50"}]`, "allocations"},
		{`"allocations":[{"lot":1,"amount":"1.00"}]`, `"allocations":[{"lot":2,"amount":"1.00"}]`, "allocations[0].lot"},
		{`"allocations":[{"lot":1,"amount":"1.00"}]`, `"allocations":[{"lot":1,"amount":"x"}]`, "allocations[0].amount"},
		{`,"allocations":[{"lot":1,"amount":"1.00"}]`, ``, "allocations"},
		{`"order_id":"o"`, `"order_id":"o","bogus":1`, "entry"},
		{`"order_id":"o"`, `"order_id":"o","expires_at":"2026-04-01T00:00:00Z"`, "available_at"},
		{`"order_id":"o"`, `"order_id":"` + strings.Repeat("o", 256) + `"`, "order_id"},
	}
	for _, tt := range tests {
		in := strings.Replace(valid, tt.from, tt.to, 1)
		if in == valid {
			t.Fatalf("test %q does not change the input", tt.from)
		}
		var e cashback.Entry
		err := json.Unmarshal([]byte(in), &e)
		var ce *cashback.CorruptError
		if !errors.As(err, &ce) || !errors.Is(err, cashback.ErrCorrupt) || ce.Path != tt.field {
			t.Errorf("Unmarshal with %s: %v; want *CorruptError on field %q", tt.to, err, tt.field)
		}
	}
	if err := json.Unmarshal([]byte(valid+` {}`), &ok); err == nil {
		t.Error("trailing data accepted")
	}
}

func TestKindText(t *testing.T) {
	for k := cashback.KindIssue; k <= cashback.KindReverseRedeem; k++ {
		b, err := k.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back cashback.Kind
		if err := back.UnmarshalText(b); err != nil || back != k || k.String() != string(b) {
			t.Errorf("kind %d: %s, %v", k, b, err)
		}
	}
	if _, err := cashback.Kind(0).MarshalText(); err == nil {
		t.Error("zero Kind marshalled")
	}
	if s := cashback.Kind(9).String(); s != "kind(9)" {
		t.Errorf("String of an invalid kind = %q", s)
	}
}

func TestDelta(t *testing.T) {
	for k, sign := range map[cashback.Kind]int{
		cashback.KindIssue: 1, cashback.KindReverseRedeem: 1,
		cashback.KindRedeem: -1, cashback.KindExpire: -1, cashback.KindReverseIssue: -1,
	} {
		if got := (cashback.Entry{Kind: k, Amount: dec("2")}).Delta().Sign(); got != sign {
			t.Errorf("%s Delta sign = %d, want %d", k, got, sign)
		}
	}
}

// TestSummaryJSONGolden: the summary after each entry of the scenario,
// encoded, matches testdata/summaries.jsonl, decodes back to the same
// summary, and is what the ledger stored after the last entry.
func TestSummaryJSONGolden(t *testing.T) {
	acct, entries := scenario(t)
	var buf bytes.Buffer
	var sums []cashback.Summary
	for i := range entries {
		sum, err := cashback.SummaryOf(acct, entries[:i+1])
		if err != nil {
			t.Fatalf("SummaryOf %d entries: %v", i+1, err)
		}
		sums = append(sums, sum)
		b, err := json.Marshal(sum)
		if err != nil {
			t.Fatalf("Marshal summary %d: %v", i+1, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	golden := filepath.Join("testdata", "summaries.jsonl")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("encoding changed; got:\n%s\nwant:\n%s", buf.Bytes(), want)
	}
	for i, line := range bytes.Split(bytes.TrimSpace(want), []byte("\n")) {
		var back cashback.Summary
		if err := json.Unmarshal(line, &back); err != nil {
			t.Fatalf("Unmarshal summary %d: %v", i+1, err)
		}
		if i < len(sums) && !back.Equal(&sums[i]) {
			t.Errorf("summary %d changed in a round trip", i+1)
		}
	}
	for _, bad := range []struct{ name, edit, field string }{
		{"unknown field", `"version":`, `"extra":1,"version":`},
		{"float amount", `"redeemed":"`, `"redeemed":1.5,"x":"`},
	} {
		line := bytes.Replace(bytes.Split(want, []byte("\n"))[2], []byte(bad.edit), []byte(bad.field), 1)
		var s cashback.Summary
		if err := json.Unmarshal(line, &s); !errors.Is(err, cashback.ErrCorrupt) {
			t.Errorf("%s: Unmarshal: %v, want ErrCorrupt", bad.name, err)
		}
	}
}
