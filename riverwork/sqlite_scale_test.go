package riverwork_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/cashback"
	"github.com/postpurchase/postpurchase/riverwork"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// sqliteEnv names the SQLite file of a scale run; unset, the run is on
// PostgreSQL.
const sqliteEnv = "RIVERWORK_SCALE_SQLITE"

// openSQLiteWorkerDB opens a worker process's store on the run's SQLite
// file, its commits inserting the effect jobs, and a Runner on the same
// connections.
func openSQLiteWorkerDB(path string, opts riverwork.Options) (*workerDB, error) {
	ob, err := riverwork.NewSQLiteOutbox(opts)
	if err != nil {
		return nil, err
	}
	st, err := sqlitestore.Open(path, sqlitestore.Options{AfterCommitTx: ob.AfterCommitTx, MaxOpenConns: envConns()})
	if err != nil {
		return nil, err
	}
	return &workerDB{store: st, ledger: st.Cashback(), close: func() { st.Close() },
		runner: func(eng *postpurchase.Engine, opts riverwork.Options) (runner, error) {
			return riverwork.NewSQLite(eng, st.DB(), opts)
		}}, nil
}

// sqliteScaleDB is a SQLite file in the test's temporary directory, opened
// by the test process (to queue the replays and read the outcome) and by
// every worker process.
type sqliteScaleDB struct {
	path  string
	st    *sqlitestore.Store
	conns int // the worker processes' pool size; 0 means connsEnv's
}

func newSQLiteScaleDB(t testing.TB) *sqliteScaleDB {
	path := filepath.Join(t.TempDir(), "state.db")
	st := openSQLite(t, path, sqlitestore.Options{})
	if err := migrateSQLite(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return &sqliteScaleDB{path: path, st: st}
}

func (s *sqliteScaleDB) env() []string {
	env := []string{sqliteEnv + "=" + s.path}
	if s.conns > 0 {
		env = append(env, connsEnv+"="+strconv.Itoa(s.conns))
	}
	return env
}

func (s *sqliteScaleDB) insertReplays(ctx context.Context, n int) error {
	inserter, err := river.NewClient(riversqlite.New(s.st.DB()), &river.Config{})
	if err != nil {
		return err
	}
	_, err = inserter.InsertManyFast(ctx, replayParams(n))
	return err
}

func (s *sqliteScaleDB) progress(ctx context.Context) (replays, open, pending int, err error) {
	err = s.st.DB().QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM river_job WHERE kind = 'riverwork_test.replay' AND state = 'completed'),
		(SELECT count(*) FROM river_job WHERE kind NOT IN (?, ?) AND state IN ('available', 'running', 'retryable', 'scheduled', 'pending')),
		(SELECT count(*) FROM effects WHERE state = 'pending')`, riverwork.KindSchedule, riverwork.KindSweep).Scan(&replays, &open, &pending)
	return replays, open, pending, err
}

func (s *sqliteScaleDB) jobStates(ctx context.Context) string {
	var states string
	s.st.DB().QueryRowContext(ctx, `SELECT group_concat(kind || ' ' || state || ' ' || n || ' ' || coalesce(err, ''), '; ') FROM (
		SELECT kind, state, count(*) AS n, substr(max(json_extract(errors, '$[#-1].error')), 1, 300) AS err
		FROM river_job GROUP BY 1, 2)`).Scan(&states) //nolint:errcheck // for the message only
	return states
}

func (s *sqliteScaleDB) outcome(ctx context.Context) (*outcome, error) {
	db := s.st.DB()
	out := &outcome{replaysBy: map[string]int{}, effectsBy: map[string]int{}, statuses: map[string]string{}}
	// Jobs per process: the client that completed each job (the last in
	// attempted_by), by worker index.
	rows, err := db.QueryContext(ctx, `SELECT kind, json_extract(attempted_by, '$[#-1]'), count(*)
		FROM river_job WHERE state = 'completed' AND kind IN ('riverwork_test.replay', ?) GROUP BY 1, 2`, riverwork.KindExecuteEffect)
	if err != nil {
		return nil, err
	}
	err = each(rows, func(scan func(...any) error) error {
		var kind, client string
		var count int
		if err := scan(&kind, &client, &count); err != nil {
			return err
		}
		worker, _, _ := strings.Cut(client, "-")
		if kind == riverwork.KindExecuteEffect {
			out.effectsBy[worker] += count
		} else {
			out.replaysBy[worker] += count
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `SELECT shipment_id, status FROM shipments`)
	if err != nil {
		return nil, err
	}
	if err := each(rows, func(scan func(...any) error) error {
		var id, status string
		err := scan(&id, &status)
		out.statuses[id] = status
		return err
	}); err != nil {
		return nil, err
	}
	if err := db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM river_job WHERE json(errors) LIKE '%rescued%'),
		(SELECT count(*) FROM effects WHERE state <> 'done'),
		(SELECT count(*) FROM effects WHERE credit_minor IS NOT NULL),
		(SELECT count(*) FROM cashback_entries WHERE kind = 'issue'),
		(SELECT count(*) FROM cashback_accounts a WHERE a.lifetime_earned <>
			(SELECT coalesce(sum(amount), 0) FROM cashback_entries e WHERE e.customer_id = a.customer_id AND e.currency = a.currency AND e.kind = 'issue')),
		(SELECT count(*) FROM effects WHERE json_extract(effect, '$.kind') = 'message'
			OR (json_extract(effect, '$.kind') = 'credit' AND json_type(effect, '$.credit.notify') IS NOT NULL)
			OR (json_extract(effect, '$.kind') = 'release' AND json_type(effect, '$.release.notify') IS NOT NULL))`).Scan(
		&out.rescued, &out.notDone, &out.credits, &out.issues, &out.off, &out.messages); err != nil {
		return nil, err
	}
	// Credits matched by key, customer and amount: the effect keeps the
	// amount as decimal places and units, the ledger in the currency's
	// minor units; compared as decimals.
	rows, err = db.QueryContext(ctx, `SELECT e.credit_minor, e.credit_places, c.amount, c.currency
		FROM effects e JOIN cashback_entries c ON c.kind = 'issue' AND c.key = json_extract(e.effect, '$.credit.key')
		AND c.customer_id = e.credit_customer WHERE e.credit_minor IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	err = each(rows, func(scan func(...any) error) error {
		var units, amount int64
		var places int32
		var currency string
		if err := scan(&units, &places, &amount, &currency); err != nil {
			return err
		}
		minor, ok := cashback.MinorUnits(currency)
		if !ok {
			return fmt.Errorf("ledger entry in unknown currency %q", currency)
		}
		if decimal.New(units, -places).Equal(decimal.New(amount, -minor)) {
			out.matched++
		}
		return nil
	})
	return out, err
}

// rowsScanner is *sql.Rows, as each uses it.
type rowsScanner interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

// each calls f for every row, then closes rows.
func each(rows rowsScanner, f func(scan func(...any) error) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := f(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// TestScaleKillSQLite is the kill test on SQLite: two worker processes
// share one SQLite file (the store's tables and River's) while a random
// one is SIGKILLed and restarted during the run, then every shipment, credit
// and message is checked as on PostgreSQL (TestScaleKill). By default it
// runs 100 shipments and 2 kills (it takes about 30 seconds: River's
// rescuer finds a killed process's jobs every 30 seconds);
// RIVERWORK_SCALE_SHIPMENTS and RIVERWORK_SCALE_KILLS set a bigger run.
func TestScaleKillSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	n := envInt(t, shipEnv, 100)
	kills := envInt(t, killsEnv, 2)
	db := newSQLiteScaleDB(t)
	checkScaleRun(t, db, n, 2, kills)
	// SQLite's one write lock: attempts that failed on it (a wait past the
	// busy timeout) were retried by River; the outcome above is whole.
	var failed, locked int
	if err := db.st.DB().QueryRow(`SELECT
		(SELECT coalesce(sum(json_array_length(errors)), 0) FROM river_job WHERE errors IS NOT NULL),
		(SELECT count(*) FROM river_job, json_each(river_job.errors) e WHERE json_extract(e.value, '$.error') LIKE '%locked%'
			OR json_extract(e.value, '$.error') LIKE '%busy%')`).Scan(&failed, &locked); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d job attempts failed (rescues included), %d of them on SQLite's lock", failed, locked)
}

// BenchmarkScaleSQLite is BenchmarkScale on one SQLite file: b.N
// shipments (use -benchtime=1000x) through 1 and 2 worker processes, no
// kills, after the same in-process MemoryStore baseline; each with the
// store River runs on opened with one connection (as advised) and with
// the store's default of eight.
func BenchmarkScaleSQLite(b *testing.B) {
	b.Run("memstore", benchMemstore)
	for _, conns := range []int{1, 8} {
		for _, procs := range []int{1, 2} {
			b.Run(fmt.Sprintf("conns=%d/procs=%d", conns, procs), func(b *testing.B) {
				b.ReportAllocs()
				db := newSQLiteScaleDB(b)
				db.conns = conns
				res := scaleRun(b, db, b.N, procs, 0)
				reportRun(b, &res)
			})
		}
	}
}

// connsEnv sets the worker processes' SQLite pool size (MaxOpenConns);
// unset, one connection, as riverwork's documentation advises.
const connsEnv = "RIVERWORK_SCALE_CONNS"

func envConns() int {
	if n, err := strconv.Atoi(os.Getenv(connsEnv)); err == nil && n > 0 {
		return n
	}
	return 1
}
