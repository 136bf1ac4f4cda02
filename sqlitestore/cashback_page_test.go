package sqlitestore_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

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
