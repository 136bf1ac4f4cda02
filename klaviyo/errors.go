package klaviyo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for errors.Is. An *APIError or a *ValidationError matches
// the sentinel that describes it; see their Is and Unwrap methods.
var (
	// ErrRateLimited: Klaviyo answered 429 (throttled) and the retries the
	// client was allowed did not get the request through (an *APIError),
	// or the wait for the endpoint's rate limit — the client's pacing, or
	// the pause a 429's Retry-After set — would outlast the context's
	// deadline (nothing was sent).
	ErrRateLimited = errors.New("klaviyo: rate limited")
	// ErrUnauthorized: the API key is missing, invalid, or lacks the scope
	// (401, or a 403 carrying a Klaviyo JSON:API error body).
	ErrUnauthorized = errors.New("klaviyo: unauthorized")
	// ErrInvalid: the request was rejected as invalid, either locally before
	// sending (*ValidationError) or by Klaviyo (400, 413, 415, 422).
	ErrInvalid = errors.New("klaviyo: invalid request")
	// ErrDuplicateProfile: profile import found the identifiers on two
	// different profiles (409 duplicate_profile). APIError.DuplicateProfileID
	// names the existing profile.
	ErrDuplicateProfile = errors.New("klaviyo: duplicate profile")
	// ErrUnavailable: Klaviyo answered 5xx, or the network failed
	// (connection refused or reset, timeout of an attempt), and the retries
	// did not get through. The request may or may not have taken effect;
	// resending the same events is safe because they carry a unique_id.
	// The same condition has the same name in package carriers.
	ErrUnavailable = errors.New("klaviyo: unavailable")
	// ErrMalformedResponse: a success status came with a body that is not
	// what the endpoint returns.
	ErrMalformedResponse = errors.New("klaviyo: malformed response")
	// ErrUnknownKind: a catalog input names a milestone, delay kind or tier
	// outside the shared vocabulary (see MilestoneKinds, DelayKinds, Tiers).
	// The *ValidationError carrying it also matches ErrInvalid.
	ErrUnknownKind = errors.New("klaviyo: unknown kind")
)

// maxErrorBody bounds how much of an error response body is read.
const maxErrorBody = 64 << 10

// maxRawBody bounds APIError.Body for bodies that are not JSON:API.
const maxRawBody = 512

// APIError is a non-success answer from Klaviyo. Use errors.As to reach it and
// errors.Is with the sentinels (ErrRateLimited, ErrUnauthorized, ErrInvalid,
// ErrDuplicateProfile, ErrUnavailable) to classify it.
type APIError struct {
	// Method and Endpoint of the request ("POST", "/api/events").
	Method   string
	Endpoint Endpoint
	// StatusCode is the HTTP status of the last attempt.
	StatusCode int
	// RequestID is the X-Klaviyo-Req-Id response header, when present
	// (printable ASCII, at most 128 bytes).
	RequestID string
	// RetryAfter is the parsed Retry-After header of the last answer (zero when absent).
	RetryAfter time.Duration
	// Attempts is how many times the request was sent.
	Attempts int
	// Errors are the JSON:API error objects of the body, in order. Empty when
	// the body was not a JSON:API error document (see Body).
	Errors []ErrorObject
	// ContentType is the response Content-Type.
	ContentType string
	// Body holds at most the first 512 bytes of a body that was not a
	// JSON:API error document (an HTML page from a proxy, plain text). It is
	// never part of Error().
	Body []byte
}

// ErrorObject is one JSON:API error object, as Klaviyo sends them.
type ErrorObject struct {
	// ID identifies this occurrence; quote it to Klaviyo support.
	ID string `json:"id"`
	// Status is the HTTP status Klaviyo put in the object (0 when absent).
	Status int `json:"-"`
	// Code is Klaviyo's machine-readable code: "invalid", "not_authenticated",
	// "not_found", "duplicate_profile", "throttled", ...
	Code string `json:"code"`
	// Title is a short summary; Detail the specific explanation. Both are
	// kept as Klaviyo sent them (with the API key masked) and may quote the
	// request's input (an email address): APIError.Error masks such
	// identifiers and clips each text, so log the error, not these fields.
	Title  string `json:"title"`
	Detail string `json:"detail"`
	// Source points at the offending part of the request.
	Source ErrorSource `json:"source"`
	// Meta is the raw "meta" object, when present.
	Meta json.RawMessage `json:"meta,omitempty"`
}

// ErrorSource is the "source" member of a JSON:API error object.
type ErrorSource struct {
	// Pointer is a JSON pointer into the request body ("/data/attributes/metric").
	Pointer string `json:"pointer,omitempty"`
	// Parameter names the offending query or header parameter.
	Parameter string `json:"parameter,omitempty"`
}

// Code returns the code of the first error object, or "".
func (e *APIError) Code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// DuplicateProfileID returns meta.duplicate_profile_id of a 409
// duplicate_profile answer, or "".
func (e *APIError) DuplicateProfileID() string {
	// The meta object is kept with the key masked; the ID is clipped so a
	// hostile answer cannot make it unbounded.
	for _, o := range e.Errors {
		if len(o.Meta) == 0 {
			continue
		}
		var m struct {
			ID string `json:"duplicate_profile_id"`
		}
		if json.Unmarshal(o.Meta, &m) == nil && m.ID != "" && len(m.ID) <= 255 {
			return m.ID
		}
	}
	return ""
}

// Error describes the failure: method, endpoint, status, the first error
// object's code, detail (or title) and source, the request ID. Every text
// the server sent is clipped to 64 bytes ("…") with email addresses and
// phone numbers masked; the client masks its API key in everything it
// keeps of the answer, so no text here carries it, whatever the server
// echoes. It never contains the raw body.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("klaviyo: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(string(e.Endpoint))
	b.WriteString(": status ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if len(e.Errors) > 0 {
		o := e.Errors[0]
		if o.Code != "" {
			b.WriteString(" ")
			b.WriteString(echo(o.Code))
		}
		if o.Detail != "" {
			b.WriteString(": ")
			b.WriteString(echo(o.Detail))
		} else if o.Title != "" {
			b.WriteString(": ")
			b.WriteString(echo(o.Title))
		}
		if o.Source.Pointer != "" {
			b.WriteString(" (at ")
			b.WriteString(echo(o.Source.Pointer))
			b.WriteString(")")
		} else if o.Source.Parameter != "" {
			b.WriteString(" (parameter ")
			b.WriteString(echo(o.Source.Parameter))
			b.WriteString(")")
		}
		if n := len(e.Errors) - 1; n > 0 {
			fmt.Fprintf(&b, " and %d more error(s)", n)
		}
	} else if e.ContentType != "" || len(e.Body) > 0 {
		fmt.Fprintf(&b, ": non-JSON:API body (%s, %d bytes kept)", mediaType(e.ContentType), len(e.Body))
	}
	if e.RequestID != "" {
		b.WriteString(" [request ")
		b.WriteString(echo(e.RequestID))
		b.WriteString("]")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// Is reports whether the error matches one of the package sentinels.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnauthorized:
		// A 403 without a JSON:API body is typically a proxy or bot
		// challenge (Cloudflare), not a statement about the key.
		return e.StatusCode == http.StatusUnauthorized ||
			(e.StatusCode == http.StatusForbidden && len(e.Errors) > 0)
	case ErrInvalid:
		switch e.StatusCode {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge,
			http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
			return true
		}
		return false
	case ErrDuplicateProfile:
		if e.StatusCode != http.StatusConflict {
			return false
		}
		for _, o := range e.Errors {
			if o.Code == "duplicate_profile" {
				return true
			}
		}
		return false
	case ErrUnavailable:
		return e.StatusCode >= 500
	}
	return false
}

// errorDocument is the JSON:API top-level error document.
type errorDocument struct {
	Errors []rawErrorObject `json:"errors"`
}

// rawErrorObject decodes leniently: status may be a number (Klaviyo) or a
// string (JSON:API spec), and any member may be missing or of another type.
type rawErrorObject struct {
	ID     json.RawMessage `json:"id"`
	Status json.RawMessage `json:"status"`
	Code   json.RawMessage `json:"code"`
	Title  json.RawMessage `json:"title"`
	Detail json.RawMessage `json:"detail"`
	Source json.RawMessage `json:"source"`
	Meta   json.RawMessage `json:"meta"`
}

// lenientString returns the string a JSON value holds, the text of a number,
// or "" for anything else.
func lenientString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			return n.String()
		}
	}
	return ""
}

// echo prepares a text the server sent for an error message: identifiers
// masked, then clipped.
func echo(s string) string { return clip(redactPII(s), maxEcho) }

// parseErrorBody fills e.Errors from a JSON:API error document, or e.Body
// with a bounded prefix of anything else, masking the API key (r) in all
// of it. It never fails: an unreadable body is an APIError without error
// objects.
func (e *APIError) parseErrorBody(contentType string, body []byte, r redactor) {
	e.ContentType = contentType
	if objs, ok := parseErrorObjects(body); ok {
		for i := range objs {
			o := &objs[i]
			o.ID, o.Code, o.Title, o.Detail = r.string(o.ID), r.string(o.Code), r.string(o.Title), r.string(o.Detail)
			o.Source.Pointer, o.Source.Parameter = r.string(o.Source.Pointer), r.string(o.Source.Parameter)
			o.Meta = r.bytes(o.Meta)
		}
		e.Errors = objs
		return
	}
	if len(body) > 0 {
		// Mask before cutting, so a key across the cut is masked whole.
		body = r.bytes(body[:min(len(body), maxRawBody+len(r.key))])
		e.Body = bytes.Clone(body[:min(len(body), maxRawBody)])
	}
}

// parseErrorObjects decodes a JSON:API error document. ok is false when the
// body is not a JSON object with an "errors" array of objects.
func parseErrorObjects(body []byte) ([]ErrorObject, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, false
	}
	var doc errorDocument
	if err := json.Unmarshal(body, &doc); err != nil || doc.Errors == nil {
		return nil, false
	}
	objs := make([]ErrorObject, 0, len(doc.Errors))
	for _, r := range doc.Errors {
		o := ErrorObject{
			ID:     lenientString(r.ID),
			Code:   lenientString(r.Code),
			Title:  lenientString(r.Title),
			Detail: lenientString(r.Detail),
		}
		if s := lenientString(r.Status); s != "" {
			if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < 1000 {
				o.Status = n
			}
		}
		var src struct {
			Pointer   json.RawMessage `json:"pointer"`
			Parameter json.RawMessage `json:"parameter"`
		}
		if len(r.Source) > 0 && json.Unmarshal(r.Source, &src) == nil {
			o.Source.Pointer = lenientString(src.Pointer)
			o.Source.Parameter = lenientString(src.Parameter)
		}
		if m := bytes.TrimSpace(r.Meta); len(m) > 0 && m[0] == '{' {
			o.Meta = bytes.Clone(m)
		}
		objs = append(objs, o)
	}
	return objs, true
}

// mediaType returns the media type of a Content-Type header for messages:
// parsed, without parameters, and only when short and printable.
func mediaType(ct string) string {
	if ct == "" {
		return "no content type"
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || len(mt) > 64 {
		return "unreadable content type"
	}
	return mt
}

// isJSONContentType reports whether a Content-Type names JSON or JSON:API.
func isJSONContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "application/vnd.api+json" || strings.HasSuffix(mt, "+json")
}

// ValidationError reports an event, profile or catalog input rejected
// locally, before anything was sent. It matches ErrInvalid, and Err when
// set (ErrUnknownKind for a kind outside the shared vocabulary).
type ValidationError struct {
	// Path is the JSON path of the offending field in Klaviyo's terms
	// ("metric.name", "properties.Items[2].Name", "events[3].time"), or the
	// Go field of a catalog input ("Shipment.ShipmentID", "Kind").
	Path string
	// Reason says what is wrong with it. It never quotes the value.
	Reason string
	// Err is the cause beyond ErrInvalid, or nil.
	Err error
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "klaviyo: invalid " + e.Path + ": " + e.Reason
}

// Is makes every ValidationError match ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns Err.
func (e *ValidationError) Unwrap() error { return e.Err }

// NetworkError reports a request that got no answer from Klaviyo after
// its retries ran out: connections refused or reset, attempts timing out.
// It matches ErrUnavailable. Whether Klaviyo recorded the request is
// unknown; resending the same events is safe (unique_id).
type NetworkError struct {
	// Method and Endpoint of the request.
	Method   string
	Endpoint Endpoint
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the last attempt's transport error.
	Err error
}

// Error implements error.
func (e *NetworkError) Error() string {
	return fmt.Sprintf("klaviyo: %s %s: no answer after %d attempt(s): %v", e.Method, e.Endpoint, e.Attempts, e.Err)
}

// Is makes a NetworkError match ErrUnavailable.
func (e *NetworkError) Is(target error) bool { return target == ErrUnavailable }

// Unwrap returns Err.
func (e *NetworkError) Unwrap() error { return e.Err }

// BatchError reports a CreateEvents call that stopped part-way. Events
// [0, Accepted) were accepted by Klaviyo; the rest were not sent or not
// accepted. Err is the cause (often an *APIError).
type BatchError struct {
	Accepted int
	Total    int
	Err      error
}

// Error implements error.
func (e *BatchError) Error() string {
	return fmt.Sprintf("klaviyo: bulk create events: %d of %d events accepted: %v", e.Accepted, e.Total, e.Err)
}

// Unwrap returns the cause.
func (e *BatchError) Unwrap() error { return e.Err }

// redactPII replaces what looks like an email address or a phone number in
// text Klaviyo echoes back (its error details quote the offending input) so
// that Error() never carries a customer's identifiers into logs. The
// ErrorObject fields keep Klaviyo's text as sent, for code that needs it.
func redactPII(s string) string {
	if !strings.ContainsAny(s, "@0123456789") {
		return s
	}
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		b.WriteString(redactToken(s[start:end]))
		start = -1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\'' || c == '"' || c == ',' || c == '(' || c == ')' || c == '<' || c == '>' || c == ';' {
			flush(i)
			b.WriteByte(c)
			continue
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(s))
	return b.String()
}

// redactToken returns "[email]" for a token with text on both sides of an
// '@', "[phone]" for a run of digits and separators that starts with '+' and
// has 7 or more digits, or has 10 or more (so dates such as 2026-07-15 stay),
// and the token otherwise.
func redactToken(t string) string {
	if at := strings.IndexByte(t, '@'); at > 0 && at < len(t)-1 {
		return "[email]"
	}
	digits := 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0, c == '-', c == '.':
		default:
			return t
		}
	}
	if (t[0] == '+' && digits >= 7) || digits >= 10 {
		return "[phone]"
	}
	return t
}
