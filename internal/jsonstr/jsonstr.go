// Package jsonstr writes JSON strings exactly as encoding/json does, for
// the module's hand-written encoders (tracking's stored shipment, klaviyo's
// request bodies): one escaping rule, tested byte for byte against
// encoding/json.
package jsonstr

import "unicode/utf8"

// Append appends src as a JSON string exactly as encoding/json
// writes it: '"' and '\\' escaped, control characters as \b \f \n \r \t
// or \u00XX, '<', '>' and '&' as \u003c \u003e \u0026 (HTML-safe),
// U+2028 and U+2029 as \u2028 and \u2029, and each byte of invalid UTF-8
// as \ufffd.
func Append[S ~string | ~[]byte](b []byte, src S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(src); {
		if c := src[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, src[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(src)-i, utf8.UTFMax)
		r, size := utf8.DecodeRuneInString(string(src[i : i+n]))
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, src[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, src[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, src[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// jsonSafe holds the ASCII bytes that Append copies as they are:
// printable, other than '"', '\\', '<', '>' and '&' (DEL included, as
// encoding/json does).
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()
