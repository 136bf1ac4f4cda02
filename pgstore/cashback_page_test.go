package pgstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/postpurchase/postpurchase/pgstore"
)

// TestEntriesPageUsesPrimaryKey: the keyset read of CashbackStore.Entries
// can be served by the primary key's index on (customer_id, currency, seq)
// alone, a range from After in seq order with no sort: a page costs the
// same anywhere in a long history. Sequential scans are switched off for
// the EXPLAIN because the test table is small enough for the planner to
// prefer one; what is checked is that the index path exists and needs no
// Sort.
func TestEntriesPageUsesPrimaryKey(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	newStore(t, db)
	ctx := context.Background()
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, "EXPLAIN "+pgstore.SelectEntriesPage, "c", "USD", int64(10), 100)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, strings.TrimSpace(line))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(plan, "\n")
	if !strings.Contains(got, "Index Scan using cashback_entries_pkey") || strings.Contains(got, "Sort") ||
		!strings.Contains(got, "seq >") {
		t.Errorf("query plan:\n%s\nwant an Index Scan of cashback_entries_pkey with seq > in its condition, and no Sort", got)
	}
}
