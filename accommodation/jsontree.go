package accommodation

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/postpurchase/postpurchase/internal/iso4217"
)

// node is a parsed JSON value that keeps object members in document order,
// so every problem can name its path and duplicate keys can be caught
// (encoding/json into a map would silently keep the last one).
//
// A node does not store its JSON path: it links to its parent with its
// member name or array index, and path builds the path only when a problem
// is reported. Storing paths made the cost of parsing grow with depth times
// key length (a 50,000-character key above 20,000 array elements took
// 1.15 GB); now it is linear in the input.
type node struct {
	kind   nodeKind
	vals   []*node // object member values (each with its key) / array elements
	str    string  // string value, or number text
	b      bool
	index  int32  // element index in the parent array; -1 for a member
	parent *node  // nil for the root
	key    string // member name in the parent object
}

// path returns the node's JSON path, such as $.rules[2].when[0].fact, with
// each member name clipped for display (at most 64 bytes, then "…"). It
// walks up to the root, so it costs the depth (at most maxDepth) times the
// clipped name length.
func (n *node) path() string {
	if n == nil {
		return "$"
	}
	var chain [maxDepth + 1]*node
	depth := 0
	for m := n; m.parent != nil && depth < len(chain); m = m.parent {
		chain[depth] = m
		depth++
	}
	b := make([]byte, 0, 64)
	b = append(b, '$')
	for i := depth - 1; i >= 0; i-- {
		b = appendStep(b, chain[i].key, int(chain[i].index))
	}
	return string(b)
}

// at returns the path of member key of n (which may be absent), for
// problems about a missing member.
func (n *node) at(key string) string {
	return string(appendStep([]byte(n.path()), key, -1))
}

// appendStep appends one step to a JSON path: [i] for an array element
// (index ≥ 0), .name for a plain member name, ["name"] otherwise, the name
// clipped.
func appendStep(b []byte, key string, index int) []byte {
	if index >= 0 {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(index), 10)
		return append(b, ']')
	}
	plain := key != "" && len(key) <= 64
	for i := 0; plain && i < len(key); i++ {
		c := key[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			plain = false
		}
	}
	if plain {
		return append(append(b, '.'), key...)
	}
	b = append(b, '[')
	b = strconv.AppendQuote(b, iso4217.Clip(key))
	return append(b, ']')
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
// problems; malformed JSON stops parsing with a single ErrSyntax problem,
// and nesting deeper than maxDepth with a single ErrLimit problem.
//
// The parser is the package's own, strict as encoding/json is (RFC 8259;
// invalid UTF-8 in strings becomes U+FFFD, as encoding/json does; a test
// compares the two): the input is copied to a string once and every string
// without escapes and every number is a substring of it, so parsing costs a
// node per value and nothing per byte beyond the copy. (The compiled Policy
// clones the few strings it keeps, so it does not hold on to the document.)
func parseTree(data []byte, ps *problems) *node {
	p := treeParser{src: string(data), ps: ps}
	p.skipSpace()
	root := p.value(nil, "", -1, 0)
	if p.err == "" {
		p.skipSpace()
		if p.pos < len(p.src) {
			p.fail("unexpected data after the top-level value")
		}
	}
	switch {
	case p.limit != "":
		ps.add(p.limit, ErrLimit, "nested deeper than %d levels", maxDepth)
		return nil
	case p.err != "":
		ps.add("$", ErrSyntax, "%s (at byte %d)", p.err, p.errPos)
		return nil
	}
	return root
}

// pathOf returns the path of a child of parent with key or index, before
// the child node exists.
func pathOf(parent *node, key string, index int) string {
	if parent == nil {
		return "$"
	}
	return string(appendStep([]byte(parent.path()), key, index))
}

type treeParser struct {
	src    string
	pos    int
	ps     *problems
	err    string // the first syntax error, in words
	errPos int    // its byte offset
	limit  string // path of the value nested too deep
}

func (p *treeParser) fail(msg string) {
	if p.err == "" {
		p.err, p.errPos = msg, p.pos
	}
}

func (p *treeParser) unexpected(context string) {
	if p.pos >= len(p.src) {
		p.fail("unexpected end of document")
		return
	}
	p.fail("invalid character " + quoteByte(p.src[p.pos]) + " " + context)
}

// quoteByte shows a byte of the input in a syntax error: 'x', or '\xff'.
func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return `'\x` + strconv.FormatUint(uint64(c)|0x100, 16)[1:] + `'`
}

func (p *treeParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// value parses one value at p.pos (after white space); on error it sets
// p.err or p.limit and returns nil.
func (p *treeParser) value(parent *node, key string, index, depth int) *node {
	if p.pos >= len(p.src) {
		p.fail("unexpected end of document")
		return nil
	}
	n := &node{parent: parent, key: key, index: int32(index)}
	switch c := p.src[p.pos]; {
	case c == '{' || c == '[':
		if depth >= maxDepth {
			p.limit = pathOf(parent, key, index)
			return nil
		}
		p.pos++
		if c == '{' {
			n.kind = jObject
			if !p.object(n, depth) {
				return nil
			}
		} else {
			n.kind = jArray
			if !p.array(n, depth) {
				return nil
			}
		}
	case c == '"':
		s, ok := p.string()
		if !ok {
			return nil
		}
		n.kind, n.str = jString, s
	case c == '-' || c >= '0' && c <= '9':
		s, ok := p.number()
		if !ok {
			return nil
		}
		n.kind, n.str = jNumber, s
	case strings.HasPrefix(p.src[p.pos:], "true"):
		p.pos += 4
		n.kind, n.b = jBool, true
	case strings.HasPrefix(p.src[p.pos:], "false"):
		p.pos += 5
		n.kind = jBool
	case strings.HasPrefix(p.src[p.pos:], "null"):
		p.pos += 4
		n.kind = jNull
	default:
		p.unexpected("looking for beginning of value")
		return nil
	}
	if p.pos < len(p.src) && n.kind <= jNumber && isLetter(p.src[p.pos]) {
		// "truex", "nullnull", "1x": encoding/json rejects these too.
		p.unexpected("after a literal")
		return nil
	}
	return n
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (p *treeParser) object(n *node, depth int) bool {
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return true
	}
	var seen map[string]bool
	for {
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			p.unexpected("looking for beginning of object key string")
			return false
		}
		k, ok := p.string()
		if !ok {
			return false
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			p.unexpected("after object key")
			return false
		}
		p.pos++
		p.skipSpace()
		child := p.value(n, k, -1, depth+1)
		if child == nil {
			return false
		}
		if n.has(k, &seen) {
			p.ps.add(child.path(), ErrDuplicate, "key %s appears more than once", strconv.Quote(iso4217.Clip(k)))
		} else {
			n.vals = append(n.vals, child)
			if seen != nil {
				seen[k] = true
			}
		}
		p.skipSpace()
		if p.pos >= len(p.src) {
			p.fail("unexpected end of document")
			return false
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return true
		default:
			p.unexpected("after object key:value pair")
			return false
		}
	}
}

func (p *treeParser) array(n *node, depth int) bool {
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return true
	}
	for i := 0; ; i++ {
		p.skipSpace()
		child := p.value(n, "", i, depth+1)
		if child == nil {
			return false
		}
		n.vals = append(n.vals, child)
		p.skipSpace()
		if p.pos >= len(p.src) {
			p.fail("unexpected end of document")
			return false
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return true
		default:
			p.unexpected("after array element")
			return false
		}
	}
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and returns
// it as a substring of the input.
func (p *treeParser) number() (string, bool) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.src[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.src) && p.src[p.pos] == '0':
		p.pos++
	case digits() == 0:
		p.unexpected("in numeric literal")
		return "", false
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			p.unexpected("after decimal point in numeric literal")
			return "", false
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			p.unexpected("in exponent of numeric literal")
			return "", false
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == '.' || p.src[p.pos] >= '0' && p.src[p.pos] <= '9') {
		p.unexpected("after top-level value") // "01", "1.2.3"
		return "", false
	}
	return p.src[start:p.pos], true
}

// string scans a JSON string at p.pos (its opening quote) and returns its
// value: a substring of the input when it has no escapes and is valid
// UTF-8, else a new string, with invalid UTF-8 and lone surrogates
// replaced by U+FFFD as encoding/json does.
func (p *treeParser) string() (string, bool) {
	p.pos++ // opening quote
	start := p.pos
	plain := true
	for {
		if p.pos >= len(p.src) {
			p.fail("unexpected end of document")
			return "", false
		}
		c := p.src[p.pos]
		switch {
		case c == '"':
			s := p.src[start:p.pos]
			p.pos++
			if plain && utf8.ValidString(s) {
				return s, true
			}
			return unescape(s), true
		case c == '\\':
			plain = false
			p.pos++
			if p.pos >= len(p.src) {
				p.fail("unexpected end of document")
				return "", false
			}
			switch p.src[p.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos++
			case 'u':
				p.pos++
				for k := 0; k < 4; k++ {
					if p.pos >= len(p.src) || !isHex(p.src[p.pos]) {
						p.unexpected("in \\u hexadecimal character escape")
						return "", false
					}
					p.pos++
				}
			default:
				p.unexpected("in string escape code")
				return "", false
			}
		case c < 0x20:
			p.unexpected("in string literal")
			return "", false
		default:
			p.pos++
		}
	}
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// unescape decodes the body of a scanned (so well-formed) JSON string.
func unescape(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
		switch s[i] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(s[i+1:])
			i += 4
			if utf16.IsSurrogate(r) {
				// A pair is "\uD83D\uDE00": the low half's escape follows.
				if i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					if r2 := hex4(s[i+3:]); utf16.DecodeRune(r, r2) != utf8.RuneError {
						b = utf8.AppendRune(b, utf16.DecodeRune(r, r2))
						i += 7
						continue
					}
				}
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
		default: // '"', '\\', '/'
			b = append(b, s[i])
		}
		i++
	}
	return string(b)
}

func hex4(s string) rune {
	var r rune
	for k := 0; k < 4; k++ {
		c := s[k]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// has reports whether object n already has a member named k. Small
// objects (all the schema's) are scanned; from 8 members on, a set is
// built once in *seen and kept up to date by the caller.
func (n *node) has(k string, seen *map[string]bool) bool {
	if *seen == nil && len(n.vals) < 8 {
		return n.get(k) != nil
	}
	if *seen == nil {
		*seen = make(map[string]bool, 2*len(n.vals))
		for _, v := range n.vals {
			(*seen)[v.key] = true
		}
	}
	return (*seen)[k]
}

// get returns the member named key of an object node, or nil.
func (n *node) get(key string) *node {
	for _, v := range n.vals {
		if v.key == key {
			return v
		}
	}
	return nil
}

// object checks that n is an object whose members are all in allowed,
// reporting each unknown member. It returns false if n is not an object.
func (n *node) object(ps *problems, allowed ...string) bool {
	if n.kind != jObject {
		ps.add(n.path(), ErrWrongType, "must be an object, not %s", describeNode(n))
		return false
	}
	for _, v := range n.vals {
		k := v.key
		known := false
		for _, a := range allowed {
			if k == a {
				known = true
				break
			}
		}
		if !known {
			ps.add(v.path(), ErrUnknownField, "unknown field %s (known: %s)", strconv.Quote(iso4217.Clip(k)), joinNames(allowed))
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
		return "the string " + strconv.Quote(iso4217.Clip(n.str))
	case jNumber:
		return "the number " + iso4217.Clip(n.str)
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
