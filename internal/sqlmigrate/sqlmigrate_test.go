package sqlmigrate

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	good := fstest.MapFS{
		"m/0002_b.sql": {Data: []byte("B")},
		"m/0001_a.sql": {Data: []byte("A")},
	}
	ms, err := Load(good, "m")
	if err != nil || len(ms) != 2 || ms[0].Name != "0001_a" || ms[1].SQL != "B" || ms[1].Version != 2 {
		t.Fatalf("Load: %+v, %v", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"gap":       {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"repeat":    {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
		"misnamed":  {"m/0001_a.sql": {}, "m/2_b.sql": {}},
		"not sql":   {"m/0001_a.sql": {}, "m/README.md": {}},
		"zero":      {"m/0000_a.sql": {}},
		"empty dir": {"m/": {}},
	} {
		if _, err := Load(fsys, "m"); err == nil {
			t.Errorf("%s: Load accepted it", name)
		}
	}
}

func TestPendingAndCheck(t *testing.T) {
	ms := []Migration{{1, "0001_a", ""}, {2, "0002_b", ""}}
	p, err := Pending("s", ms, map[int]string{})
	if err != nil || len(p) != 2 {
		t.Fatalf("fresh: %v %v", p, err)
	}
	p, err = Pending("s", ms, map[int]string{1: "0001_a"})
	if err != nil || len(p) != 1 || p[0].Name != "0002_b" {
		t.Fatalf("half: %v %v", p, err)
	}
	var se *SchemaError
	if err := Check("s", ms, map[int]string{1: "0001_a"}); !errors.Is(err, ErrSchemaTooOld) || !errors.As(err, &se) || se.Migration != "0002_b" || se.Have != 1 || se.Want != 2 {
		t.Errorf("Check half: %v", err)
	}
	if err := Check("s", ms, map[int]string{1: "0001_a", 2: "0002_b"}); err != nil {
		t.Errorf("Check full: %v", err)
	}
	err = Check("s", ms, map[int]string{1: "0001_a", 2: "0002_b", 3: "0003_new"})
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "0003_new") {
		t.Errorf("Check newer: %v", err)
	}
	if _, err := Pending("s", ms, map[int]string{1: "0001_x"}); !errors.Is(err, ErrSchemaMismatch) {
		t.Errorf("renamed: %v", err)
	}
	if _, err := Pending("s", ms, map[int]string{2: "0002_b"}); !errors.Is(err, ErrSchemaMismatch) {
		t.Errorf("skipped: %v", err)
	}
}
