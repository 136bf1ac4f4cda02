// Package clip bounds the text that error messages echo from their input,
// so that a hostile or broken carrier (or caller) cannot flood an error, a
// log line or a response with it.
package clip

import "unicode/utf8"

// Ellipsis marks a clipped text.
const Ellipsis = "…"

// Input is the bound for input echoed in error texts: tracking numbers,
// codes, values, in bytes.
const Input = 64

// String returns s when it has at most n bytes, else its first n bytes (cut
// back to a UTF-8 boundary) followed by Ellipsis. It does not allocate when
// s is short enough.
func String(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < 0 {
		n = 0
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + Ellipsis
}
