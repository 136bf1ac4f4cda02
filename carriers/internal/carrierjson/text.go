package carrierjson

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Text is a JSON scalar read as a string. Carriers document most fields as
// strings but send some as numbers (DHL's shipments[].id, FedEx's counts and
// codes) and the reverse, so a string is taken as written, a number or a
// boolean as its JSON text ("7777777770", "true"), and null as "". An object
// or an array is a *json.UnmarshalTypeError, which Unmarshal reports as a
// *carriers.DecodeError naming the field.
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	s, err := scalar(b, false)
	if err != nil {
		return err
	}
	*t = Text(s)
	return nil
}

// Trim returns the text with surrounding white space removed.
func (t Text) Trim() string { return strings.TrimSpace(string(t)) }

// LooseText is Text that also reads an object or an array as "" instead of
// failing the whole document: for carriers (UPS, USPS) whose bodies put
// containers where scalars are documented often enough that one odd field
// must not cost the whole response. The fields an adapter cannot do without
// (dates, times) are then reported missing, with their JSON path, by the
// adapter.
type LooseText string

// UnmarshalJSON implements json.Unmarshaler.
func (t *LooseText) UnmarshalJSON(b []byte) error {
	s, err := scalar(b, true)
	if err != nil {
		return err
	}
	*t = LooseText(s)
	return nil
}

// Trim returns the text with surrounding white space removed.
func (t LooseText) Trim() string { return strings.TrimSpace(string(t)) }

var stringType = reflect.TypeFor[string]()

// scalar reads one JSON value (as encoding/json hands it to UnmarshalJSON:
// already checked to be valid) as text. looseContainers reads an object or
// an array as "" rather than as a type error.
func scalar(b []byte, looseContainers bool) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	switch b[0] {
	case '"':
		// Fast path: a string literal without escapes is its own content.
		if len(b) >= 2 && b[len(b)-1] == '"' {
			if inner := b[1 : len(b)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
				return string(inner), nil
			}
		}
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return "", err
		}
		return v, nil
	case 'n':
		return "", nil
	case '{', '[':
		if looseContainers {
			return "", nil
		}
		kind := "object"
		if b[0] == '[' {
			kind = "array"
		}
		return "", &json.UnmarshalTypeError{Value: kind, Type: stringType}
	default: // number, true, false
		return string(b), nil
	}
}
