package clip

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"", 4, ""},
		{"abcd", 4, "abcd"},
		{"abcde", 4, "abcd…"},
		{"abcé", 4, "abc…"}, // é is two bytes: never split a rune
		{"abc", 0, "…"},
		{"abc", -1, "…"},
	} {
		if got := String(tc.in, tc.n); got != tc.want {
			t.Errorf("String(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
	long := strings.Repeat("é", 1000)
	if got := String(long, Input); len(got) > Input+len(Ellipsis) || !utf8.ValidString(got) {
		t.Errorf("String of %d bytes gave %d bytes, valid %v", len(long), len(got), utf8.ValidString(got))
	}
}
