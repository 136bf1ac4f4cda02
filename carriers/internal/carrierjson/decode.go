package carrierjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"

	"github.com/postpurchase/postpurchase/carriers"
)

// MaxPath is the longest JSON path a DecodeError reports: a hostile
// document nested thousands deep must not make a megabyte error message.
// A longer path keeps its last MaxPath bytes after "...".
const MaxPath = 256

// errEmpty is the cause of the DecodeError for an empty body.
var errEmpty = errors.New("empty body")

// Unmarshal decodes body into v as json.Unmarshal does. A body of nothing
// but white space fails with a *carriers.DecodeError "empty body"; any
// other failure is turned into a *carriers.DecodeError by DecodeError.
func Unmarshal(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &carriers.DecodeError{Err: errEmpty}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return DecodeError(body, err)
	}
	return nil
}

// DecodeError turns an encoding/json failure on body into a
// *carriers.DecodeError whose Field is the JSON path of the value at fault,
// with array indices ("shipments[0].events[3].timestamp"), cut to MaxPath:
//
//   - a *json.UnmarshalTypeError (a value of the wrong JSON type, also when
//     raised by an UnmarshalJSON method such as Text's) names the value and
//     says what was expected ("expected an array, got string");
//   - a *json.SyntaxError names the value being read where the document
//     breaks off or goes wrong, and stays the cause;
//   - anything else is the cause of a DecodeError without a Field.
//
// Values are never copied into the error: they may be personal data.
func DecodeError(body []byte, err error) *carriers.DecodeError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &carriers.DecodeError{
			Path: shortPath(locate(body, te.Field, te.Value, te.Offset)),
			Err:  errors.New("expected " + jsonKind(te.Type) + ", got " + te.Value),
		}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &carriers.DecodeError{Path: shortPath(locate(body, "", "", se.Offset)), Err: err}
	}
	return &carriers.DecodeError{Err: err}
}

// jsonKind names the JSON type that a Go type is decoded from ("an array",
// "an object", "a string", ...).
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return "a string" // []byte is base64 text
		}
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return "a value"
	}
}

// shortPath keeps the last MaxPath bytes of a long path, marked with "...".
func shortPath(p string) string {
	if len(p) <= MaxPath {
		return p
	}
	return "..." + p[len(p)-MaxPath:]
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
