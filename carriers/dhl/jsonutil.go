package dhl

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/postpurchase/postpurchase/carriers"
)

// text is a JSON scalar read as a string. DHL documents most fields as
// strings but sends some as numbers (shipments[].id arrives as a number), so a
// number or a boolean is kept as its JSON text and null is the empty string.
// An object or an array is a type error naming the field.
type text string

var textType = reflect.TypeFor[string]()

// UnmarshalJSON implements json.Unmarshaler.
func (s *text) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		inner := b[1 : len(b)-1]
		if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			*s = text(inner)
			return nil
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = text(v)
	case 'n':
		*s = ""
	case '{':
		return &json.UnmarshalTypeError{Value: "object", Type: textType}
	case '[':
		return &json.UnmarshalTypeError{Value: "array", Type: textType}
	default: // number, true, false
		*s = text(b)
	}
	return nil
}

// str returns the value with surrounding space removed.
func (s text) str() string { return strings.TrimSpace(string(s)) }

// decodeError turns an encoding/json failure on body into a
// *carriers.DecodeError naming the JSON path with array indices
// ("shipments[0].events[3].timestamp").
func decodeError(body []byte, err error) *carriers.DecodeError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &carriers.DecodeError{
			Field: shortPath(locate(body, te.Field, te.Value, te.Offset)),
			Err:   errors.New("cannot read " + te.Value + " as " + te.Type.String()),
		}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &carriers.DecodeError{Field: shortPath(locate(body, "", "", se.Offset)), Err: err}
	}
	return &carriers.DecodeError{Err: err}
}

// maxPath is the longest JSON path an error reports: a hostile document
// nested thousands deep must not make a megabyte error message.
const maxPath = 256

// shortPath keeps the last maxPath bytes of a long path, marked with "...".
func shortPath(p string) string {
	if len(p) <= maxPath {
		return p
	}
	return "..." + p[len(p)-maxPath:]
}

// locate finds, in body, the indexed JSON path of the value that caused a
// decoding error. encoding/json reports the field path without array
// indices, and its offset is relative to the innermost UnmarshalJSON call
// (or absent for errors raised by one). locate first walks the tokens of
// body to the first value whose path (indices dropped) is field and whose
// kind is kind; failing that, to the byte offset if there is one. It runs
// only on the error path. If it cannot do better it returns field.
func locate(body []byte, field, kind string, offset int64) string {
	if field != "" {
		if p, ok := walk(body, func(stack []pathFrame, tok json.Token, _ int64) bool {
			return renderPath(stack, false) == field && (kind == "" || strings.HasPrefix(kind, tokenKind(tok)))
		}); ok {
			return p
		}
	}
	if offset > 0 {
		if p, ok := walk(body, func(_ []pathFrame, _ json.Token, at int64) bool { return at >= offset-1 }); ok {
			return p
		}
	}
	return field
}

// walk calls match for each value of body with the path to it and its start
// offset, and returns the indexed path of the first value matched. On a
// syntax error it returns the path reached so far.
func walk(body []byte, match func(stack []pathFrame, tok json.Token, at int64) bool) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []pathFrame
	for {
		at := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return renderPath(stack, true), true
			}
			return "", false
		}
		if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].expectKey {
			if k, ok := tok.(string); ok {
				stack[n-1].key = k
				stack[n-1].expectKey = false
				continue
			}
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			advance(stack)
			continue
		}
		// tok starts a value.
		if match(stack, tok, at) {
			return renderPath(stack, true), true
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, pathFrame{array: d == '[', expectKey: d == '{'})
			continue
		}
		advance(stack)
	}
}

// pathFrame is one open container while locate walks a document.
type pathFrame struct {
	array     bool
	index     int    // arrays: index of the next value
	key       string // objects: key of the current value
	expectKey bool   // objects: the next string token is a key
}

// advance moves the innermost container of stack past one value.
func advance(stack []pathFrame) {
	if len(stack) == 0 {
		return
	}
	f := &stack[len(stack)-1]
	if f.array {
		f.index++
	} else {
		f.expectKey = true
	}
}

// renderPath formats stack as "a.b[1].c", or "a.b.c" without indices.
func renderPath(stack []pathFrame, indexed bool) string {
	var b strings.Builder
	for _, f := range stack {
		if f.array {
			if indexed {
				b.WriteByte('[')
				b.WriteString(strconv.Itoa(f.index))
				b.WriteByte(']')
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(f.key)
	}
	return b.String()
}

// tokenKind names the JSON kind of tok as encoding/json's
// UnmarshalTypeError.Value does ("object", "array", "string", "number",
// "bool").
func tokenKind(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return "object"
		}
		return "array"
	case string:
		return "string"
	case bool:
		return "bool"
	case nil:
		return "null"
	default:
		return "number"
	}
}

// parsedTime is a carrier time with what is known about its zone.
type parsedTime struct {
	t           time.Time
	zoneUnknown bool // no offset given: t holds the wall clock in UTC
	dateOnly    bool // a bare date (no clock) was given
}

// errBadTime is the cause of a DecodeError for an unreadable date-time.
var errBadTime = errors.New("not an ISO 8601 date-time")

// parseTime reads the date-time forms DHL sends: RFC 3339 with an offset
// or Z ("2018-03-02T07:53:47Z"), the same without an offset
// ("2022-06-27T19:30:00", zone unknown, as parcel-de sends), optionally with fractional
// seconds, and a bare date ("2018-08-03", which the schema allows). The empty string is the zero
// parsedTime and no error.
func parseTime(s string) (parsedTime, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return parsedTime{}, nil
	}
	if len(s) == len("2006-01-02") {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return parsedTime{}, errBadTime
		}
		return parsedTime{t: t, zoneUnknown: true, dateOnly: true}, nil
	}
	if hasZone(s) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return parsedTime{t: t}, nil
		}
		if t, err := time.Parse("2006-01-02T15:04:05.999999999-0700", s); err == nil {
			return parsedTime{t: t}, nil
		}
		return parsedTime{}, errBadTime
	}
	t, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		return parsedTime{}, errBadTime
	}
	return parsedTime{t: t, zoneUnknown: true}, nil
}

// hasZone reports whether an ISO 8601 date-time ends with Z or an offset.
func hasZone(s string) bool {
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		return true
	}
	// The clock starts after 'T' at index 10; an offset sign can only
	// follow it.
	if len(s) <= 11 {
		return false
	}
	return strings.ContainsAny(s[11:], "+-")
}
