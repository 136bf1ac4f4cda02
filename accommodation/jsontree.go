package accommodation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// node is a parsed JSON value that keeps object members in document order,
// so every problem can name its path and duplicate keys can be caught
// (encoding/json into a map would silently keep the last one).
type node struct {
	kind nodeKind
	keys []string // object member names, in order
	vals []*node  // object member values / array elements
	str  string   // string value, or number text
	b    bool
	path string
}

type nodeKind uint8

const (
	jNull nodeKind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

func (k nodeKind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// maxDepth bounds nesting; the schema itself needs five levels.
const maxDepth = 16

// parseTree parses data into a node tree. Duplicate keys are reported as
// problems; malformed JSON stops parsing with a single ErrSyntax problem.
func parseTree(data []byte, ps *problems) *node {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := treeParser{dec: dec, ps: ps}
	root, err := p.value("$", 0)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("unexpected data after the top-level value")
			if terr != nil && !errors.Is(terr, io.EOF) {
				err = terr
			}
		}
	}
	if err != nil {
		var limit limitError
		if errors.As(err, &limit) {
			ps.add(limit.path, ErrLimit, "nested deeper than %d levels", maxDepth)
			return nil
		}
		ps.add("$", ErrSyntax, "%s", syntaxDetail(err, dec))
		return nil
	}
	return root
}

type limitError struct{ path string }

func (e limitError) Error() string { return "too deep at " + e.path }

func syntaxDetail(err error, dec *json.Decoder) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of document"
	}
	return fmt.Sprintf("%s (at byte %d)", err.Error(), dec.InputOffset())
}

type treeParser struct {
	dec *json.Decoder
	ps  *problems
}

func (p *treeParser) value(path string, depth int) (*node, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	return p.fromToken(tok, path, depth)
}

func (p *treeParser) fromToken(tok json.Token, path string, depth int) (*node, error) {
	switch t := tok.(type) {
	case nil:
		return &node{kind: jNull, path: path}, nil
	case bool:
		return &node{kind: jBool, b: t, path: path}, nil
	case json.Number:
		return &node{kind: jNumber, str: string(t), path: path}, nil
	case string:
		return &node{kind: jString, str: t, path: path}, nil
	case json.Delim:
		if depth >= maxDepth {
			return nil, limitError{path}
		}
		switch t {
		case '{':
			n := &node{kind: jObject, path: path}
			seen := map[string]bool{}
			for p.dec.More() {
				kt, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is not a string")
				}
				child, err := p.value(memberPath(path, key), depth+1)
				if err != nil {
					return nil, err
				}
				if seen[key] {
					p.ps.add(memberPath(path, key), ErrDuplicate, "key %s appears more than once", strconv.Quote(key))
					continue
				}
				seen[key] = true
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, child)
			}
			if _, err := p.dec.Token(); err != nil { // '}'
				return nil, err
			}
			return n, nil
		case '[':
			n := &node{kind: jArray, path: path}
			for i := 0; p.dec.More(); i++ {
				child, err := p.value(path+"["+strconv.Itoa(i)+"]", depth+1)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, child)
			}
			if _, err := p.dec.Token(); err != nil { // ']'
				return nil, err
			}
			return n, nil
		}
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// memberPath appends an object member to a JSON path, quoting names that
// are not plain identifiers.
func memberPath(path, key string) string {
	plain := key != ""
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

// get returns the member named key of an object node, or nil.
func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// object checks that n is an object whose members are all in allowed,
// reporting each unknown member. It returns false if n is not an object.
func (n *node) object(ps *problems, allowed ...string) bool {
	if n.kind != jObject {
		ps.add(n.path, ErrWrongType, "must be an object, not %s", describeNode(n))
		return false
	}
	for i, k := range n.keys {
		known := false
		for _, a := range allowed {
			if k == a {
				known = true
				break
			}
		}
		if !known {
			ps.add(n.vals[i].path, ErrUnknownField, "unknown field %s (known: %s)", strconv.Quote(k), joinNames(allowed))
		}
	}
	return true
}

func joinNames(names []string) string {
	var b bytes.Buffer
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
	}
	return b.String()
}

// describeNode names a node's type for error messages, with a short value.
func describeNode(n *node) string {
	switch n.kind {
	case jString:
		s := n.str
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return "the string " + strconv.Quote(s)
	case jNumber:
		s := n.str
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return "the number " + s
	case jBool:
		return "the boolean " + strconv.FormatBool(n.b)
	case jNull:
		return "null"
	case jArray:
		return "an array"
	default:
		return "an object"
	}
}
