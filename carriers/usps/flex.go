package usps

import (
	"encoding/json"
	"unicode/utf8"
)

// str is a JSON scalar read as text. USPS documents its fields as
// strings but numbers arrive where strings are documented (and the reverse),
// so str accepts a string, a number or a boolean (kept as written) and null
// (empty). An object or array where a scalar belongs is read as empty rather
// than failing the whole document; the fields the adapter cannot do without
// (dates, times) are then reported missing, with their JSON path.
type str string

// UnmarshalJSON implements json.Unmarshaler.
func (s *str) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
		*s = ""
	case b[0] == '"':
		if v, ok := plainString(b); ok {
			*s = str(v)
			return nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = str(v)
	case b[0] == '{' || b[0] == '[' || b[0] == 'n':
		*s = ""
	default: // number, true, false
		*s = str(b)
	}
	return nil
}

// plainString returns the content of a JSON string literal that needs no
// unescaping, without going through the reflection decoder.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[len(b)-1] != '"' {
		return "", false
	}
	inner := b[1 : len(b)-1]
	for _, c := range inner {
		if c == '\\' || c == '"' || c < 0x20 || c >= utf8.RuneSelf {
			return "", false
		}
	}
	return string(inner), true
}
