package sqlmigrate_test

import (
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/postpurchase/postpurchase/internal/sqlmigrate"
)

// A store reads its embedded files, asks what its database lacks, and
// refuses a database a newer release migrated.
func ExamplePending() {
	files := fstest.MapFS{
		"migrations/0001_cashback.sql": {Data: []byte("CREATE TABLE a (x int);")},
		"migrations/0002_engine.sql":   {Data: []byte("CREATE TABLE b (y int);")},
	}
	migs, err := sqlmigrate.Load(files, "migrations")
	if err != nil {
		fmt.Println(err)
		return
	}
	pending, _ := sqlmigrate.Pending("example", migs, map[int]string{1: "0001_cashback"})
	fmt.Println("to apply:", pending[0].Name)

	_, err = sqlmigrate.Pending("example", migs, map[int]string{1: "0001_cashback", 2: "0002_engine", 3: "0003_future"})
	fmt.Println(errors.Is(err, sqlmigrate.ErrSchemaTooNew), err)
	// Output:
	// to apply: 0002_engine
	// true example: database schema newer than the code: at migration 3, the code knows 2; 0003_future is unknown to this code
}
