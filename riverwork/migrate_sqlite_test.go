package riverwork_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/postpurchase/postpurchase/riverwork"
	"github.com/postpurchase/postpurchase/sqlitestore"
)

// Several pools on one new file (as several processes would be) migrate
// River's tables at once: every call succeeds, and the file ends with
// every migration applied once.
func TestMigrateSQLiteConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		st := openSQLite(t, path, sqlitestore.Options{})
		wg.Go(func() { errs[i] = riverwork.MigrateSQLite(ctx, st.DB()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("MigrateSQLite %d: %v", i, err)
		}
	}
	st := openSQLite(t, path, sqlitestore.Options{})
	m, err := rivermigrate.New(riversqlite.New(st.DB()), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Validate(ctx, nil)
	if err != nil || !res.OK {
		t.Fatalf("after the concurrent migrations: %+v, %v", res, err)
	}
	var applied, versions int
	if err := st.DB().QueryRow(`SELECT count(*), count(DISTINCT version) FROM river_migration`).Scan(&applied, &versions); err != nil {
		t.Fatal(err)
	}
	if applied != len(m.AllVersions()) || versions != applied {
		t.Errorf("river_migration: %d rows, %d versions; want %d once each", applied, versions, len(m.AllVersions()))
	}
	// Again: nothing to do.
	if err := riverwork.MigrateSQLite(ctx, st.DB()); err != nil {
		t.Errorf("MigrateSQLite again: %v", err)
	}
}
