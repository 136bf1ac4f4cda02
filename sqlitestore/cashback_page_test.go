package sqlitestore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/internal/benchcpu"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// TestEntriesPageUsesPrimaryKey: the keyset read of CashbackStore.Entries
// is a SEARCH of the primary key's index on (customer_id, currency, seq),
// a range from After, not a scan of the table or of the account followed by
// a sort: a page costs the same anywhere in a long history.
func TestEntriesPageUsesPrimaryKey(t *testing.T) {
	t.Parallel()
	s := migrated(t, filepath.Join(t.TempDir(), "plan.db"), sqlitestore.Options{})
	rows, err := s.DB().QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+sqlitestore.SelectEntriesPage, "c", "USD", 10, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(plan, "; ")
	if len(plan) != 1 || !strings.HasPrefix(got, "SEARCH cashback_entries USING INDEX ") || !strings.Contains(got, "(customer_id=? AND currency=? AND seq>?)") {
		t.Errorf("query plan %q, want one SEARCH of the primary key's index on customer_id=? AND currency=? AND seq>?", got)
	}
}

// BenchmarkEntriesPage: a page of 100 entries at the start and at the end
// of a 100,000-entry account (keyset pagination: the two should cost the
// same), and, for scale, walking the whole history with Ledger.Entries.
//
//	go test -run='^$' -bench='EntriesPage/page' -benchtime=300x -count=3 ./sqlitestore
//	go test -run='^$' -bench='EntriesPage/history' -benchtime=3x ./sqlitestore
func BenchmarkEntriesPage(b *testing.B) {
	const n, batch, limit = 100_000, 10_000, 100
	ctx := context.Background()
	s := migrated(b, filepath.Join(b.TempDir(), "page.db"), sqlitestore.Options{})
	acct := cashback.Account{CustomerID: "long", Currency: "USD"}
	amount := decimal.RequireFromString("1.00")
	var all []cashback.Entry
	for len(all) < n {
		start := len(all)
		for i := start; i < start+batch; i++ {
			at := t0.Add(time.Duration(i) * time.Minute)
			all = append(all, cashback.Entry{Account: acct, Seq: int64(i + 1), Kind: cashback.KindIssue, Amount: amount,
				At: at, AvailableAt: at, Key: fmt.Sprintf("k%d", i+1)})
		}
		sum, err := cashback.SummaryOf(acct, all)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Cashback().Append(ctx, acct, int64(start), all[start:], sum); err != nil {
			b.Fatal(err)
		}
	}
	l := ledger(b, s)
	for _, p := range []struct {
		name  string
		after int64
	}{{"first", 0}, {"last", n - limit}} {
		b.Run("page="+p.name, func(b *testing.B) {
			b.ReportAllocs()
			defer benchcpu.Start(b)()
			for b.Loop() {
				page, _, err := l.EntriesPage(ctx, acct, cashback.EntryPage{After: p.after, Limit: limit})
				if err != nil || len(page) != limit {
					b.Fatalf("%d entries, %v", len(page), err)
				}
			}
		})
	}
	b.Run("history=all", func(b *testing.B) {
		b.ReportAllocs()
		defer benchcpu.Start(b)()
		for b.Loop() {
			k := 0
			for _, err := range l.Entries(ctx, acct) {
				if err != nil {
					b.Fatal(err)
				}
				k++
			}
			if k != n {
				b.Fatalf("%d entries", k)
			}
		}
	})
}
