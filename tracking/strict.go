package tracking

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/internal/iso4217"
)

// The strict pre-scan of a stored shipment. encoding/json accepts unknown
// keys, repeated keys (the last wins), keys in any letter case, and UTC
// offsets of ±24:00–24:59 that its encoder then refuses; it also decodes
// a whole document before a caller can count its events. Before decoding,
// UnmarshalJSON walks the (already valid) JSON once against the stored
// layout and refuses, with the JSON path:
//
//   - a key the layout does not have, spelled exactly (so no other letter
//     case either);
//   - a key given twice in one object;
//   - more than maxStoredEvents events, before any of them is decoded;
//   - a time whose UTC offset is 24 hours or more, which could never be
//     encoded again.
//
// The walk allocates nothing for input in the stored layout (keys are
// looked up without conversion, the path stack starts on the stack, and
// the path text is built only when an error is reported).

// schema is the shape of a JSON value in the stored layout.
type schema struct {
	fields map[string]field // object: the keys allowed, exactly spelled
	elem   *schema          // array: the element's shape
	maxLen int              // array: the most elements allowed (0: any)
	isTime bool             // string: an RFC 3339 time
}

// field is one key of an object: its position (for duplicate detection)
// and its shape.
type field struct {
	bit uint64
	s   *schema
}

var (
	timeType = reflect.TypeFor[time.Time]()
	textType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonType = reflect.TypeFor[json.Unmarshaler]()
)

// shipmentSchema is the stored layout as MarshalJSON writes it.
var shipmentSchema = func() *schema {
	s := schemaOf(reflect.TypeFor[shipmentJSON]())
	for key, elem := range map[string]reflect.Type{
		"events":     reflect.TypeFor[carriers.Event](),
		"milestones": reflect.TypeFor[Milestone](),
		"delays":     reflect.TypeFor[Delay](),
	} {
		f := s.fields[key]
		f.s = &schema{elem: schemaOf(elem)}
		s.fields[key] = f
	}
	s.fields["events"].s.maxLen = maxStoredEvents
	return s
}()

// schemaOf derives the shape of t from its json tags. Types that decode
// themselves (time.Time, text and JSON unmarshalers) are leaves.
func schemaOf(t reflect.Type) *schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return &schema{isTime: true}
	case reflect.PointerTo(t).Implements(jsonType), reflect.PointerTo(t).Implements(textType):
		return &schema{}
	}
	switch t.Kind() {
	case reflect.Struct:
		s := &schema{fields: map[string]field{}}
		addFields(s, t)
		return s
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &schema{} // base64 string
		}
		return &schema{elem: schemaOf(t.Elem())}
	}
	return &schema{}
}

func addFields(s *schema, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(s, f.Type)
			continue
		}
		if name == "" {
			name = f.Name
		}
		if len(s.fields) == 64 {
			panic("tracking: stored layout has more than 64 keys in one object") // unreachable
		}
		s.fields[name] = field{bit: 1 << len(s.fields), s: schemaOf(f.Type)}
	}
}

// pathSeg is one step of the path to the value being scanned: an object
// key (raw, as in the input) or an array index.
type pathSeg struct {
	key []byte
	idx int
}

type strictScanner struct {
	b []byte
	i int
	// path[:depth] is the path to the value being scanned. The stored
	// layout nests at most seven steps deep (delays[i].evidence.events[j].
	// location.city), so a fixed array keeps the scanner off the heap.
	path  [16]pathSeg
	depth int
}

// strictCheck walks b, which must be valid JSON, against the stored
// layout. It returns a *DecodeError for the first problem.
func strictCheck(b []byte) error {
	var sc strictScanner
	sc.b = b
	return sc.value(shipmentSchema)
}

func (sc *strictScanner) fail(reason string) error {
	var p strings.Builder
	for _, seg := range sc.path[:sc.depth] {
		if seg.key == nil {
			p.WriteByte('[')
			p.WriteString(strconv.Itoa(seg.idx))
			p.WriteByte(']')
			continue
		}
		if p.Len() > 0 {
			p.WriteByte('.')
		}
		p.WriteString(iso4217.Clip(unquoteKey(string(seg.key))))
	}
	return &DecodeError{Path: p.String(), Reason: reason}
}

func (sc *strictScanner) ws() {
	for sc.i < len(sc.b) {
		switch sc.b[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// push adds a step to the path and returns its index. The schema bounds
// the nesting (see strictScanner.path).
func (sc *strictScanner) push() int {
	d := sc.depth
	sc.path[d] = pathSeg{}
	sc.depth++
	return d
}

// value scans one value of shape s.
func (sc *strictScanner) value(s *schema) error {
	sc.ws()
	switch c := sc.b[sc.i]; {
	case c == '{' && s.fields != nil:
		return sc.object(s)
	case c == '[' && s.elem != nil:
		return sc.array(s)
	case c == '"' && s.isTime:
		start := sc.i
		sc.skipString()
		return sc.checkTime(sc.b[start+1 : sc.i-1])
	}
	sc.skip()
	return nil
}

func (sc *strictScanner) object(s *schema) error {
	sc.i++ // {
	var seen uint64
	depth := sc.push()
	for {
		sc.ws()
		if sc.b[sc.i] == '}' {
			sc.i++
			sc.depth = depth
			return nil
		}
		if sc.b[sc.i] == ',' {
			sc.i++
			sc.ws()
		}
		start := sc.i
		sc.skipString()
		raw := sc.b[start:sc.i]
		sc.path[depth] = pathSeg{key: raw}
		key := raw[1 : len(raw)-1]
		f, ok := s.fields[string(key)]
		if !ok && containsByte(key, '\\') {
			f, ok = s.fields[unquoteKey(string(raw))]
		}
		if !ok {
			return sc.fail("unknown field")
		}
		if seen&f.bit != 0 {
			return sc.fail("duplicate field")
		}
		seen |= f.bit
		sc.ws()
		sc.i++ // :
		if err := sc.value(f.s); err != nil {
			return err
		}
	}
}

func (sc *strictScanner) array(s *schema) error {
	sc.i++ // [
	depth := sc.push()
	for n := 0; ; n++ {
		sc.ws()
		if sc.b[sc.i] == ']' {
			sc.i++
			sc.depth = depth
			return nil
		}
		if sc.b[sc.i] == ',' {
			sc.i++
		}
		if s.maxLen > 0 && n == s.maxLen {
			sc.depth = depth
			return sc.fail("more than " + strconv.Itoa(s.maxLen) + " elements")
		}
		sc.path[depth] = pathSeg{idx: n}
		if err := sc.value(s.elem); err != nil {
			return err
		}
	}
}

// checkTime refuses an RFC 3339 time whose offset is 24 hours or more
// ("+24:00" to "+24:59" parse, but cannot be encoded again). Anything
// else is left to time.Time's own decoder.
func (sc *strictScanner) checkTime(s []byte) error {
	n := len(s)
	if n < 6 || s[n-3] != ':' || (s[n-6] != '+' && s[n-6] != '-') {
		return nil
	}
	h1, h2 := s[n-5], s[n-4]
	if h1 < '0' || h1 > '9' || h2 < '0' || h2 > '9' {
		return nil
	}
	if (h1-'0')*10+(h2-'0') >= 24 {
		return sc.fail("UTC offset out of range (hours above 23)")
	}
	return nil
}

// skipString moves past the string starting at sc.i (valid JSON).
func (sc *strictScanner) skipString() {
	sc.i++ // "
	for {
		switch sc.b[sc.i] {
		case '\\':
			sc.i += 2
		case '"':
			sc.i++
			return
		default:
			sc.i++
		}
	}
}

// skip moves past one value of any shape (valid JSON), iteratively.
func (sc *strictScanner) skip() {
	depth := 0
	for {
		switch sc.b[sc.i] {
		case '"':
			sc.skipString()
		case '{', '[':
			depth++
			sc.i++
		case '}', ']':
			depth--
			sc.i++
		default:
			// A literal or number, or a separator inside a container.
			sc.i++
			if depth == 0 {
				for sc.i < len(sc.b) && !isDelim(sc.b[sc.i]) {
					sc.i++
				}
				return
			}
			continue
		}
		if depth == 0 {
			return
		}
	}
}

func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// unquoteKey returns the text of a raw JSON string (with its quotes). It
// takes a copy, so that the scanner's path stack does not escape.
func unquoteKey(raw string) string {
	var s string
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return raw
	}
	return s
}
