package jsonstr_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/postpurchase/postpurchase/internal/jsonstr"
)

// edges are the strings where an escaper goes wrong: quotes, HTML,
// control bytes, U+2028/2029, and every kind of invalid UTF-8.
var edges = []string{
	"", "a", "Salt Lake City", `"`, `\`, "/", "<", ">", "&", "<script>&amp;</script>", "\u2028", "\u2029", "\u2027",
	"\u202a", "\x00", "\x01", "\x1f", "\b", "\f", "\n", "\r", "\t", "\x7f", "\x80", "\xff", "\xc3", "\xc3(", "\xe2\x80",
	"\xe2\x80\xa8", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf0\x9f\x93\xa6", "é", "ü", "東京", "\ufffd", "\ufeff",
	"Zürich \U0001F4E6 <Dépôt>", strings.Repeat("x", 300),
}

// check requires Append to write s, as a string and as bytes, exactly as
// encoding/json does.
func check(t interface {
	Helper()
	Errorf(string, ...any)
}, s string) {
	t.Helper()
	want, _ := json.Marshal(s)
	if got := jsonstr.Append(nil, s); !bytes.Equal(got, want) {
		t.Errorf("Append(%q) = %s, want %s", s, got, want)
	}
	if got := jsonstr.Append([]byte("x"), []byte(s)); !bytes.Equal(got, append([]byte("x"), want...)) {
		t.Errorf("Append(x, []byte(%q)) = %s, want x%s", s, got, want)
	}
}

// TestAppendLikeEncodingJSON: every edge, all of them at once, and every
// byte between two letters.
func TestAppendLikeEncodingJSON(t *testing.T) {
	for _, s := range append(edges, strings.Join(edges, "")) {
		check(t, s)
	}
	for c := range 256 {
		check(t, string([]byte{'a', byte(c), 'b'}))
	}
}

// TestAppendProperty: any string, valid UTF-8 or not.
func TestAppendProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		if rapid.Bool().Draw(rt, "utf8") {
			check(rt, rapid.String().Draw(rt, "s"))
		} else {
			check(rt, string(rapid.SliceOf(rapid.Byte()).Draw(rt, "b")))
		}
	})
}

func ExampleAppend() {
	b := []byte(`{"city":`)
	b = jsonstr.Append(b, "Zürich <Dépôt>\n")
	b = append(b, '}')
	fmt.Println(string(b))
	// Output: {"city":"Zürich \u003cDépôt\u003e\n"}
}
