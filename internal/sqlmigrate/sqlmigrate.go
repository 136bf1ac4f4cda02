// Package sqlmigrate is the migration bookkeeping shared by the reference
// SQL stores (pgstore, sqlitestore): plain SQL files embedded in the store's
// package, named NNNN_name.sql and numbered from 0001 with no gaps, applied
// in order, each recorded in a schema_migrations table. Each store runs the
// files itself, under its database's lock (an advisory lock on PostgreSQL,
// BEGIN IMMEDIATE on SQLite); this package reads the files and compares
// what a database has applied with what the code knows.
package sqlmigrate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/postpurchase/postpurchase/internal/iso4217"
)

// Migration is one schema change.
type Migration struct {
	// Version numbers it, from 1.
	Version int
	// Name is the file name without ".sql", e.g. "0001_cashback".
	Name string
	// SQL is the file's text.
	SQL string
}

// Sentinels carried by *SchemaError in Err.
var (
	// ErrSchemaTooOld: the database lacks migrations the code needs; run
	// Migrate.
	ErrSchemaTooOld = errors.New("database schema older than the code")
	// ErrSchemaTooNew: the database has migrations this code does not know
	// (a newer release migrated it); run the newer code, never this one.
	ErrSchemaTooNew = errors.New("database schema newer than the code")
	// ErrSchemaMismatch: a migration the database applied has another name
	// than the code's migration of the same version.
	ErrSchemaMismatch = errors.New("database schema differs from the code's")
)

// SchemaError reports a database schema that does not match the code.
type SchemaError struct {
	// Store is the store package ("pgstore", "sqlitestore").
	Store string
	// Have is the last migration version the database applied (0: none);
	// Want the code's last version.
	Have, Want int
	// Migration names the migration concerned: the first the database
	// lacks (too old), the newest it has that the code does not know (too
	// new), or the one whose name differs (mismatch).
	Migration string
	// Err is ErrSchemaTooOld, ErrSchemaTooNew or ErrSchemaMismatch.
	Err error
}

// Error implements error.
func (e *SchemaError) Error() string {
	switch e.Err {
	case ErrSchemaTooOld:
		return fmt.Sprintf("%s: %v: at migration %d of %d, missing %s (run Migrate)", e.Store, e.Err, e.Have, e.Want, e.Migration)
	case ErrSchemaTooNew:
		return fmt.Sprintf("%s: %v: at migration %d, the code knows %d; %s is unknown to this code", e.Store, e.Err, e.Have, e.Want, e.Migration)
	}
	return fmt.Sprintf("%s: %v: migration %s", e.Store, e.Err, e.Migration)
}

// Unwrap returns Err.
func (e *SchemaError) Unwrap() error { return e.Err }

// Load reads the migrations in dir of fsys: files NNNN_name.sql, numbered
// 1..n without gaps or repeats. Other files are an error, so a misnamed
// migration is never skipped silently.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlmigrate: %w", err)
	}
	var out []Migration
	for _, ent := range ents {
		name := ent.Name()
		base, ok := strings.CutSuffix(name, ".sql")
		num, _, ok2 := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if ent.IsDir() || !ok || !ok2 || len(num) != 4 || err != nil || v < 1 {
			return nil, fmt.Errorf("sqlmigrate: %s: not a migration file (want NNNN_name.sql)", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("sqlmigrate: %w", err)
		}
		out = append(out, Migration{Version: v, Name: base, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("sqlmigrate: %s: migrations must be numbered 1, 2, 3... without gaps or repeats", m.Name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sqlmigrate: no migrations in %s", dir)
	}
	return out, nil
}

// Pending compares applied (version to name, as the database recorded
// them) with the code's migrations and returns those still to apply, in
// order, or a *SchemaError if the database is newer than the code or
// disagrees with it.
func Pending(store string, migs []Migration, applied map[int]string) ([]Migration, error) {
	want := len(migs)
	have := 0
	for v := range applied {
		have = max(have, v)
	}
	if have > want {
		return nil, &SchemaError{Store: store, Have: have, Want: want, Migration: applied[have], Err: ErrSchemaTooNew}
	}
	var out []Migration
	for _, m := range migs {
		name, ok := applied[m.Version]
		switch {
		case !ok:
			out = append(out, m)
		case name != m.Name:
			return nil, &SchemaError{Store: store, Have: have, Want: want, Migration: fmt.Sprintf("%s (the database has %q)", m.Name, iso4217.Clip(name)), Err: ErrSchemaMismatch}
		case len(out) > 0:
			// Applied after a gap: the database skipped one.
			return nil, &SchemaError{Store: store, Have: have, Want: want, Migration: out[0].Name + " (skipped)", Err: ErrSchemaMismatch}
		}
	}
	return out, nil
}

// Check returns nil if the database has applied exactly the code's
// migrations, else a *SchemaError saying which way it differs.
func Check(store string, migs []Migration, applied map[int]string) error {
	pending, err := Pending(store, migs, applied)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		have := 0
		for v := range applied {
			have = max(have, v)
		}
		return &SchemaError{Store: store, Have: have, Want: len(migs), Migration: pending[0].Name, Err: ErrSchemaTooOld}
	}
	return nil
}
