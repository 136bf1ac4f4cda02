package carrierjson

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/postpurchase/postpurchase/carriers"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		`"abc"`:           "abc",
		`"  padded  "`:    "  padded  ",
		`"esc\"aped\n"`:   "esc\"aped\n",
		`"\u00e9t\u00e9"`: "été",
		`"été"`:           "été",
		`7777777770`:      "7777777770",
		`-1.5e3`:          "-1.5e3",
		`true`:            "true",
		`false`:           "false",
		`null`:            "",
	} {
		var s Text
		if err := json.Unmarshal([]byte(in), &s); err != nil || string(s) != want {
			t.Errorf("Text %s = %q, %v; want %q", in, s, err, want)
		}
		var l LooseText
		if err := json.Unmarshal([]byte(in), &l); err != nil || string(l) != want {
			t.Errorf("LooseText %s = %q, %v; want %q", in, l, err, want)
		}
	}
	if got := Text("  x \n").Trim(); got != "x" {
		t.Errorf("Trim = %q", got)
	}
	if got := LooseText("\t7 ").Trim(); got != "7" {
		t.Errorf("Trim = %q", got)
	}
	// Invalid UTF-8 is replaced as encoding/json does.
	var s Text
	if err := json.Unmarshal([]byte("\"a\xffb\""), &s); err != nil || string(s) != "a\uFFFDb" {
		t.Errorf("invalid UTF-8: %q, %v", s, err)
	}
}

func TestTextContainers(t *testing.T) {
	for _, in := range []string{`{}`, `{"a":1}`, `[]`, `[1,2]`} {
		var s Text
		err := json.Unmarshal([]byte(in), &s)
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) || te.Type.Kind().String() != "string" {
			t.Errorf("Text %s: error %v, want a type error", in, err)
		}
		l := LooseText("previous")
		if err := json.Unmarshal([]byte(in), &l); err != nil || l != "" {
			t.Errorf("LooseText %s = %q, %v; want empty", in, l, err)
		}
	}
}

// doc is a small document with nested arrays, a custom UnmarshalJSON (as
// the adapters use to keep raw bytes) and both text types.
type doc struct {
	Output *struct {
		Results []result `json:"results"`
	} `json:"output"`
	Count int `json:"count"`
}

type result struct {
	raw    json.RawMessage
	Number Text       `json:"number"`
	Loose  LooseText  `json:"loose"`
	Events []struct{} `json:"events"`
	Flag   bool       `json:"flag"`
}

func (r *result) UnmarshalJSON(b []byte) error {
	type plain result
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	r.raw = append(json.RawMessage(nil), b...)
	return nil
}

func TestUnmarshalPaths(t *testing.T) {
	for _, tc := range []struct {
		name, body, field, cause string
	}{
		{"text object", `{"output":{"results":[{"number":"1"},{"number":{"x":1}}]}}`, "output.results[1].number", "expected a string, got object"},
		{"array where struct slice", `{"output":{"results":[{},{},{"events":"none"}]}}`, "output.results[2].events", "expected an array, got string"},
		{"bool", `{"output":{"results":[{"flag":"yes"}]}}`, "output.results[0].flag", "expected a boolean, got string"},
		{"number", `{"count":"3"}`, "count", "expected a number, got string"},
		{"object where array", `{"output":{"results":{}}}`, "output.results", "expected an array, got object"},
		{"top-level", `[1]`, "", "expected an object, got array"},
		// encoding/json gives no position for a body that stops short.
		{"truncated", `{"output":{"results":[{"number":"1"},{"num`, "", "unexpected end of JSON input"},
		{"syntax", `{"output":{"results":[{"number":"1"}x]}}`, "output.results[1]", "invalid character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := Unmarshal([]byte(tc.body), &d)
			var de *carriers.DecodeError
			if !errors.As(err, &de) || !errors.Is(err, carriers.ErrMalformedResponse) {
				t.Fatalf("error %v: want a *carriers.DecodeError", err)
			}
			if de.Path != tc.field || !strings.Contains(de.Err.Error(), tc.cause) {
				t.Errorf("Field %q cause %q; want %q, %q", de.Path, de.Err, tc.field, tc.cause)
			}
			if de.Value != "" {
				t.Errorf("Value %q: values are never copied into errors", de.Value)
			}
		})
	}
	// A LooseText container is no error at all.
	var d doc
	if err := Unmarshal([]byte(`{"output":{"results":[{"loose":{"a":[1]}}]}}`), &d); err != nil || d.Output.Results[0].Loose != "" {
		t.Errorf("LooseText container: %v", err)
	}
	// Syntax errors stay reachable.
	err := Unmarshal([]byte(`{"count":`), &d)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("syntax error not reachable: %v", err)
	}
}

func TestUnmarshalEmpty(t *testing.T) {
	for _, body := range []string{"", " \n\t"} {
		var d doc
		err := Unmarshal([]byte(body), &d)
		var de *carriers.DecodeError
		if !errors.As(err, &de) || de.Err.Error() != "empty body" || de.Path != "" {
			t.Errorf("%q: %v", body, err)
		}
	}
}

// TestPathCap: a document nested thousands deep yields a path cut to
// MaxPath bytes, not one the size of the document.
func TestPathCap(t *testing.T) {
	var b strings.Builder
	for range 5000 {
		b.WriteString(`{"abcdefgh":`)
	}
	b.WriteString(`[1,x]`)
	var v any
	err := Unmarshal([]byte(b.String()), &v)
	var de *carriers.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error %v", err)
	}
	if len(de.Path) != MaxPath+len("...") || !strings.HasPrefix(de.Path, "...") || !strings.HasSuffix(de.Path, "abcdefgh[1]") {
		t.Errorf("Field has %d bytes: %.80q...", len(de.Path), de.Path)
	}
	if got := shortPath("a.b"); got != "a.b" {
		t.Errorf("short path changed: %q", got)
	}
}

func TestDecodeErrorOther(t *testing.T) {
	cause := errors.New("boom")
	de := DecodeError([]byte(`{}`), cause)
	if de.Path != "" || !errors.Is(de, cause) {
		t.Errorf("%#v", de)
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(`{"output":{"results":[{"number":1,"loose":[],"events":[{}],"flag":true}]},"count":2}`))
	f.Add([]byte(`{"output":{"results":[{"number":{}}]}}`))
	f.Add([]byte(`[[[[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var d doc
		err := Unmarshal(body, &d)
		if err == nil {
			return
		}
		var de *carriers.DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("error %T %v is not a *carriers.DecodeError", err, err)
		}
		if len(de.Path) > MaxPath+3 {
			t.Fatalf("path of %d bytes", len(de.Path))
		}
	})
}
