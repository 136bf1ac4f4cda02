package accommodation

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// toAny converts a tree to the values encoding/json decodes (with
// UseNumber), for comparison.
func toAny(n *node) any {
	switch n.kind {
	case jNull:
		return nil
	case jBool:
		return n.b
	case jNumber:
		return json.Number(n.str)
	case jString:
		return n.str
	case jArray:
		out := make([]any, len(n.vals))
		for i, v := range n.vals {
			out[i] = toAny(v)
		}
		return out
	}
	out := make(map[string]any, len(n.vals))
	for _, v := range n.vals {
		out[v.key] = toAny(v)
	}
	return out
}

// checkTreeAgrees parses data with the package's parser and with
// encoding/json: both accept or both reject it (nesting beyond maxDepth
// aside), and what they accept decodes to the same values (documents with
// duplicate keys aside: the package keeps the first and reports the rest,
// encoding/json keeps the last).
func checkTreeAgrees(t *testing.T, data []byte) {
	t.Helper()
	var ps problems
	root := parseTree(data, &ps)
	if err := ps.err(); errors.Is(err, ErrLimit) {
		return
	}
	valid := json.Valid(data)
	if (root != nil) != valid {
		t.Fatalf("parseTree accepted=%v, json.Valid=%v for %q (problems: %v)", root != nil, valid, data, ps.err())
	}
	if root == nil {
		if !errors.Is(ps.err(), ErrSyntax) {
			t.Fatalf("rejected %q without ErrSyntax: %v", data, ps.err())
		}
		return
	}
	if errors.Is(ps.err(), ErrDuplicate) {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var want any
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	if got := toAny(root); !reflect.DeepEqual(got, want) {
		t.Fatalf("parseTree(%q) = %#v, encoding/json says %#v", data, got, want)
	}
}

var treeSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-3`, `true`, `false`, `null`, ` {"a" : [1, {"b": null}] } `,
	`"\u00e9\ud83d\ude00\ud83d\u0041\udc00x\"\\\/\b\f\n\r\t"`, "\"\xff\xfe\"", "\"a\x01\"", `01`, `1.`, `.5`, `1e`, `-`,
	`[1,]`, `{"a":1,}`, `{"a" 1}`, `{1: 2}`, `[1 2]`, `truex`, `nul`, `{"a":1}{}`, `{"a":1} x`, "\ufeff{}",
	`{"a":1,"a":2}`, `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"a":10}`, `"\u12"`, `"\x"`, `[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`, `1E+2`, `-12.5E-7`, `"unterminated`,
}

func TestTreeAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range treeSeeds {
		checkTreeAgrees(t, []byte(s))
	}
	files, _ := filepath.Glob("testdata/policies/*.json")
	for _, name := range append(files, "default_policy.json") {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		checkTreeAgrees(t, data)
	}
}

// FuzzTree checks the package's JSON parser against encoding/json on
// arbitrary input.
func FuzzTree(f *testing.F) {
	for _, s := range treeSeeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/policies/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(checkTreeAgrees)
}
