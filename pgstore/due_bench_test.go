package pgstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BenchmarkDue1M: the due-list query with 1,000,000 shipments in the table
// (100,000 orders of 10; four in five with a next check spread over 30
// days, so about 27,000 are due), asking for the 100 most overdue. It
// checks that the plan is an index scan of shipments_due and reports the
// query's p50 in ms. Needs POSTPURCHASE_POSTGRES_TEST_URL; the setup takes
// a while.
//
//	go test -run='^$' -bench=Due1M -benchtime=200x ./pgstore
func BenchmarkDue1M(b *testing.B) {
	ctx := context.Background()
	db := newTestDB(b)
	s := newStore(b, db)
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if _, err := db.pool.Exec(ctx, `INSERT INTO orders (order_id, customer_id, version, record)
		SELECT 'o' || g, 'c' || (g % 50000), 1, '{}'::jsonb FROM generate_series(1, 100000) g`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO shipments (order_id, shipment_id, carrier, tracking_number, status, next_check)
		SELECT 'o' || ((g - 1) / 10 + 1), 's' || g, 'ups', '1Z' || g, 'in_transit',
			CASE WHEN g % 5 = 0 THEN NULL ELSE $1::timestamptz + (g % 43200) * interval '1 minute' END
		FROM generate_series(1, 1000000) g`, base); err != nil {
		b.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `ANALYZE shipments`); err != nil {
		b.Fatal(err)
	}
	now := base.Add(24 * time.Hour)
	rows, err := db.pool.Query(ctx, `EXPLAIN SELECT order_id, shipment_id, next_check FROM shipments
		WHERE next_check IS NOT NULL AND next_check <= $1 ORDER BY next_check, shipment_id LIMIT $2`, now, 100)
	if err != nil {
		b.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	if !strings.Contains(plan, "Index Scan using shipments_due") && !strings.Contains(plan, "Index Only Scan using shipments_due") {
		b.Fatalf("the due query does not use the index:\n%s", plan)
	}
	b.Logf("plan:\n%s", plan)
	var ls []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		refs, err := s.Due(ctx, now, 100)
		ls = append(ls, time.Since(start))
		if err != nil || len(refs) != 100 {
			b.Fatalf("Due: %d refs, %v", len(refs), err)
		}
	}
	slicesSort(ls)
	b.ReportMetric(float64(ls[len(ls)/2].Microseconds())/1e3, "p50-ms")
	b.ReportMetric(float64(ls[min(len(ls)-1, len(ls)*99/100)].Microseconds())/1e3, "p99-ms")
}
