package klaviyo

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// maxEcho bounds each text a server sent back (code, detail, title,
// source, request ID) in an error message: 64 bytes, then "…".
const maxEcho = 64

// redactor masks the client's API key in what a server sends back, so that
// a server (or proxy) that echoes the Authorization header cannot carry
// the key into errors and logs. Any run of 8 or more bytes that is part of
// the key is masked (a fragment cut at a clip boundary, a key with its
// prefix dropped), not just the whole key.
type redactor struct{ key string }

const redacted = "[redacted]"

func (r redactor) minRun() int { return min(8, len(r.key)) }

// longestKeyRun returns the length of the longest prefix of s that occurs
// in key.
func longestKeyRun(s, key string) int {
	best := 0
	for j := 0; j < len(key); j++ {
		n := 0
		for n < len(s) && j+n < len(key) && s[n] == key[j+n] {
			n++
		}
		best = max(best, n)
	}
	return best
}

// string returns s with every key fragment replaced by "[redacted]".
func (r redactor) string(s string) string {
	if r.key == "" || len(s) < r.minRun() {
		return s
	}
	var b strings.Builder
	start := 0 // s[start:i] is pending plain text
	for i := 0; i < len(s); {
		if n := longestKeyRun(s[i:], r.key); n >= r.minRun() {
			if b.Len() == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[start:i])
			b.WriteString(redacted)
			i += n
			start = i
			continue
		}
		i++
	}
	if start == 0 {
		return s
	}
	b.WriteString(s[start:])
	return b.String()
}

// bytes is string for raw bytes (a non-JSON body, a meta object).
func (r redactor) bytes(p []byte) []byte {
	if r.key == "" || len(p) < r.minRun() {
		return p
	}
	s := r.string(string(p))
	if len(s) == len(p) && s == string(p) {
		return p
	}
	return []byte(s)
}

// clip returns s cut to at most n bytes on a rune boundary, with "…" when
// cut, and control characters (line breaks that could forge log lines)
// replaced by spaces.
func clip(s string, n int) string {
	cut := false
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s, cut = s[:i], true
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		s = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return ' '
			}
			return r
		}, s)
	}
	if cut {
		s += "…"
	}
	return s
}

// sanitizeHeaderID keeps a response header ID (X-Klaviyo-Req-Id) printable
// ASCII and at most 128 bytes, with the key masked.
func sanitizeHeaderID(v string, r redactor) string {
	var b bytes.Buffer
	for i := 0; i < len(v) && b.Len() < 128; i++ {
		if c := v[i]; c > ' ' && c < 0x7f {
			b.WriteByte(c)
		}
	}
	return r.string(b.String())
}
