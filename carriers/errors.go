package carriers

import (
	"errors"
	"strconv"

	"github.com/postpurchase/postpurchase/carriers/internal/clip"
)

// Sentinel errors. Adapters return a *Error whose Unwrap yields one of these
// (or another error), so callers test with errors.Is:
//
//	if errors.Is(err, carriers.ErrNotFound) { ... }
var (
	// ErrNotFound: the carrier has no information on the number (yet).
	ErrNotFound = errors.New("carriers: tracking number not found")
	// ErrInvalidNumber: the number is not a valid number for the carrier,
	// either by local validation or by the carrier's answer.
	ErrInvalidNumber = errors.New("carriers: invalid tracking number")
	// ErrUnauthorized: the credentials were refused or have expired.
	ErrUnauthorized = errors.New("carriers: unauthorized")
	// ErrRateLimited: the carrier throttled the request (HTTP 429 or a
	// quota error) and retries did not get through.
	ErrRateLimited = errors.New("carriers: rate limited")
	// ErrUnavailable: the carrier's service is down or failing (5xx,
	// maintenance, "try again later").
	ErrUnavailable = errors.New("carriers: carrier unavailable")
	// ErrMalformedResponse: the carrier answered with a body that is not
	// the JSON its API documents.
	ErrMalformedResponse = errors.New("carriers: malformed carrier response")
	// ErrUnsupported: the carrier does not offer the operation.
	ErrUnsupported = errors.New("carriers: operation not supported")
)

// Error is a failure reported by, or about, a carrier. It keeps what the
// carrier said so support can look it up, and unwraps to a sentinel (Err)
// for errors.Is. It never contains credentials.
type Error struct {
	// Carrier is the carrier's Code ("ups").
	Carrier string
	// Op is the operation that failed ("track", "webhook", "token").
	Op string
	// TrackingNumber is the tracking number concerned, if any.
	TrackingNumber string
	// StatusCode is the HTTP status code, 0 if not an HTTP failure.
	StatusCode int
	// Code and Message are the carrier's own error code and text.
	Code    string
	Message string
	// RequestID is the carrier's request or transaction ID, if it sent one.
	RequestID string
	// Err is the underlying cause: one of the sentinels of this package,
	// a context error, or a transport error.
	Err error
}

// Error formats the error as
// "carriers: ups track 1Z...: HTTP 404 TW0001 Tracking Information Not Found (request abc): carriers: tracking number not found".
// The tracking number, code and request ID are clipped to 64 bytes and the
// message to 256 (then "…"), whatever the fields hold.
func (e *Error) Error() string {
	b := make([]byte, 0, 128)
	b = append(b, "carriers: "...)
	b = append(b, e.Carrier...)
	if e.Op != "" {
		b = append(b, ' ')
		b = append(b, e.Op...)
	}
	if e.TrackingNumber != "" {
		b = append(b, ' ')
		b = append(b, clip.String(e.TrackingNumber, clip.Input)...)
	}
	sep := ": "
	if e.StatusCode != 0 {
		b = append(b, sep...)
		b = append(b, "HTTP "...)
		b = strconv.AppendInt(b, int64(e.StatusCode), 10)
		sep = " "
	}
	if e.Code != "" {
		b = append(b, sep...)
		b = append(b, clip.String(e.Code, clip.Input)...)
		sep = " "
	}
	if e.Message != "" {
		b = append(b, sep...)
		b = append(b, clip.String(e.Message, 4*clip.Input)...)
	}
	if e.RequestID != "" {
		b = append(b, " (request "...)
		b = append(b, clip.String(e.RequestID, clip.Input)...)
		b = append(b, ')')
	}
	if e.Err != nil {
		b = append(b, ": "...)
		b = append(b, e.Err.Error()...)
	}
	return string(b)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// DecodeError reports input that could not be decoded: which field (a JSON
// path such as "trackResponse.shipment[0].package[1].activity[3].date") and
// why. Adapters wrap it in a *Error whose Err is ErrMalformedResponse and
// which unwraps further to the DecodeError; use errors.As to reach it.
type DecodeError struct {
	// Path is the JSON path or field name that failed; empty for the
	// document as a whole.
	Path string
	// Value is the offending value, if useful (Error clips it to 64
	// bytes). Never personal data.
	Value string
	// Err is the cause (a *json.SyntaxError, a *time.ParseError, ...).
	Err error
}

// Error formats the error as "carriers: decode PATH (VALUE): CAUSE", the
// path clipped to 256 bytes and the value to 64 (then "…").
func (e *DecodeError) Error() string {
	s := "carriers: decode"
	if e.Path != "" {
		s += " " + clip.String(e.Path, 4*clip.Input)
	}
	if e.Value != "" {
		s += " (" + strconv.Quote(clip.String(e.Value, clip.Input)) + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is reports that every DecodeError is an ErrMalformedResponse, so a parser
// may return a bare *DecodeError and callers still match the sentinel.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformedResponse }

// OptionError reports an argument or option of an adapter's New that cannot
// be used: which one and why. It never holds the value, which may be a
// credential.
type OptionError struct {
	// Carrier is the carrier's Code ("ups").
	Carrier string
	// Option names the argument or option: "clientID", "Options.BaseURL".
	Option string
	// Err says why.
	Err error
}

// Error formats the error as "ups: Options.BaseURL: not an absolute http(s) URL".
func (e *OptionError) Error() string {
	s := e.Carrier + ": " + e.Option
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *OptionError) Unwrap() error { return e.Err }
