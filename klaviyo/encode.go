package klaviyo

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/internal/jsonstr"
)

// Klaviyo's ingestion limits (spec 2026-07-15 and the "Ingestion limits"
// section of developers.klaviyo.com/en/docs/rate_limits_and_error_handling).
const (
	// MaxMetricNameLength: "Must be less than 128 characters."
	MaxMetricNameLength = 127
	// MaxEventProperties is the spec's limit on an event's properties.
	MaxEventProperties = 400
	// MaxStringBytes: "each string cannot be larger than 100 KB".
	MaxStringBytes = 100 << 10
	// MaxArrayItems: arrays may hold at most 4,000 items.
	MaxArrayItems = 4000
	// MaxNesting: at most 10 levels of nested objects and arrays.
	MaxNesting = 10
	// MaxEventPayloadBytes: an event payload must not exceed 5 MB.
	MaxEventPayloadBytes = 5 << 20
	// MaxBulkEvents: the bulk endpoint accepts up to 1,000 events per request.
	MaxBulkEvents = 1000
	// MaxBulkPayloadBytes: the bulk endpoint's maximum payload is 5 MB.
	MaxBulkPayloadBytes = 5 << 20
	// MaxProfilePayloadBytes: profile import's maximum payload is 100 KB.
	MaxProfilePayloadBytes = 100 << 10
)

// encodeState carries the path of the value being encoded, for errors.
type encodeState struct {
	path []string // JSON path segments, joined lazily on error
}

// newEncodeState returns a state with room for 8 path segments.
func newEncodeState() *encodeState { return &encodeState{path: make([]string, 0, 8)} }

func (st *encodeState) push(seg string) { st.path = append(st.path, seg) }
func (st *encodeState) pop()            { st.path = st.path[:len(st.path)-1] }

// field joins the path. Property names are the caller's input: each
// segment is clipped to 64 bytes ("…"), so a hostile key cannot make an
// error text unbounded.
func (st *encodeState) field() string {
	n := 0
	for _, s := range st.path {
		n += min(len(s), maxEcho+4) + 1
	}
	b := make([]byte, 0, n)
	for i, s := range st.path {
		if i > 0 && (s == "" || s[0] != '[') {
			b = append(b, '.')
		}
		b = append(b, clip(s, maxEcho)...)
	}
	return string(b)
}

func (st *encodeState) fail(reason string) error {
	return &ValidationError{Path: st.field(), Reason: reason}
}

// appendTime appends t as an RFC 3339 UTC timestamp to the second, the
// precision Klaviyo keeps.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().Truncate(time.Second).AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

// appendProperties appends a properties object with sorted keys, checking
// Klaviyo's ingestion limits on the way. maxKeys <= 0 means no key limit.
func appendProperties(b []byte, st *encodeState, m map[string]any, maxKeys int) ([]byte, error) {
	if maxKeys > 0 && len(m) > maxKeys {
		return b, st.fail("has " + strconv.Itoa(len(m)) + " properties, more than the " + strconv.Itoa(maxKeys) + " Klaviyo accepts")
	}
	return appendObject(b, st, m, 1)
}

func sortedKeys[V any](m map[string]V, buf []string) []string {
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendObject(b []byte, st *encodeState, m map[string]any, depth int) ([]byte, error) {
	if depth > MaxNesting {
		return b, st.fail("nests deeper than " + strconv.Itoa(MaxNesting) + " levels")
	}
	var arr [16]string
	keys := sortedKeys(m, arr[:])
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		if k == "" {
			return b, st.fail("empty property name")
		}
		st.push(k)
		if len(k) > MaxStringBytes {
			return b, st.fail("property name longer than 100 KB")
		}
		b = jsonstr.Append(b, k)
		b = append(b, ':')
		b, err = appendValue(b, st, m[k], depth)
		if err != nil {
			return b, err
		}
		st.pop()
	}
	return append(b, '}'), nil
}

func appendStringObject(b []byte, st *encodeState, m map[string]string) ([]byte, error) {
	var arr [16]string
	keys := sortedKeys(m, arr[:])
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		if k == "" {
			return b, st.fail("empty property name")
		}
		st.push(k)
		v := m[k]
		if len(k) > MaxStringBytes || len(v) > MaxStringBytes {
			return b, st.fail("string longer than 100 KB")
		}
		b = jsonstr.Append(b, k)
		b = append(b, ':')
		b = jsonstr.Append(b, v)
		st.pop()
	}
	return append(b, '}'), nil
}

// smallIndexes holds "[0]" … "[63]", so encoding short arrays does not
// build a path segment per element.
var smallIndexes = func() (out [64]string) {
	for i := range out {
		out[i] = "[" + strconv.Itoa(i) + "]"
	}
	return out
}()

func index(i int) string {
	if i < len(smallIndexes) {
		return smallIndexes[i]
	}
	return "[" + strconv.Itoa(i) + "]"
}

func checkArrayLen(st *encodeState, n int) error {
	if n > MaxArrayItems {
		return st.fail("array of " + strconv.Itoa(n) + " items, more than " + strconv.Itoa(MaxArrayItems))
	}
	return nil
}

// appendArray appends a JSON array of property values held in a container
// at depth; each element goes through appendValue with its index on the
// path.
func appendArray[T any](b []byte, st *encodeState, xs []T, depth int) ([]byte, error) {
	if depth+1 > MaxNesting {
		return b, st.fail("nests deeper than " + strconv.Itoa(MaxNesting) + " levels")
	}
	if err := checkArrayLen(st, len(xs)); err != nil {
		return b, err
	}
	b = append(b, '[')
	for i, e := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		st.push(index(i))
		var err error
		if b, err = appendValue(b, st, any(e), depth+1); err != nil {
			return b, err
		}
		st.pop()
	}
	return append(b, ']'), nil
}

// appendValue appends one property value. depth is the nesting level of the
// container holding v.
func appendValue(b []byte, st *encodeState, v any, depth int) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		if len(x) > MaxStringBytes {
			return b, st.fail("string longer than 100 KB")
		}
		return jsonstr.Append(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float32:
		return appendFloat(b, st, float64(x), 32)
	case float64:
		return appendFloat(b, st, x, 64)
	case decimal.Decimal:
		return append(b, x.String()...), nil
	case *decimal.Decimal:
		if x == nil {
			return append(b, "null"...), nil
		}
		return append(b, x.String()...), nil
	case json.Number:
		if _, perr := strconv.ParseFloat(string(x), 64); perr != nil || !json.Valid([]byte(x)) {
			return b, st.fail("json.Number is not a JSON number")
		}
		return append(b, x...), nil
	case time.Time:
		return appendTime(b, x), nil
	case json.RawMessage:
		if !json.Valid(x) {
			return b, st.fail("json.RawMessage is not valid JSON")
		}
		if len(x) > MaxStringBytes {
			return b, st.fail("raw JSON longer than 100 KB")
		}
		return append(b, x...), nil
	case map[string]any:
		return appendObject(b, st, x, depth+1)
	case map[string]string:
		if depth+1 > MaxNesting {
			return b, st.fail("nests deeper than " + strconv.Itoa(MaxNesting) + " levels")
		}
		return appendStringObject(b, st, x)
	case []string:
		if depth+1 > MaxNesting {
			return b, st.fail("nests deeper than " + strconv.Itoa(MaxNesting) + " levels")
		}
		if err = checkArrayLen(st, len(x)); err != nil {
			return b, err
		}
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if len(s) > MaxStringBytes {
				st.push(index(i))
				return b, st.fail("string longer than 100 KB")
			}
			b = jsonstr.Append(b, s)
		}
		return append(b, ']'), nil
	case []any:
		return appendArray(b, st, x, depth)
	case []map[string]any:
		return appendArray(b, st, x, depth)
	default:
		// Anything else goes through encoding/json; its strings are not
		// walked, so only the total size is checked.
		raw, merr := json.Marshal(x)
		if merr != nil {
			return b, st.fail(fmt.Sprintf("cannot encode value of type %T as JSON", v))
		}
		if len(raw) > MaxStringBytes {
			return b, st.fail("value encodes to more than 100 KB")
		}
		return append(b, raw...), nil
	}
}

func appendFloat(b []byte, st *encodeState, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, st.fail("number is NaN or infinite")
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits), nil
}
