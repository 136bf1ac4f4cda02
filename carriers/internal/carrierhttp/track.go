package carrierhttp

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/clip"
)

// Answer says how an adapter reads its carrier's answer to a request for
// one tracking number (UPS, USPS, DHL; FedEx asks for several at once).
type Answer struct {
	// Carrier is the carrier's Code, used in errors.
	Carrier string
	// Parse normalizes a 2xx body; number is the number asked for. Its
	// *carriers.Error failures get Op "track", the number, the HTTP status
	// and the request ID.
	Parse func(body []byte, number string) ([]carriers.Tracking, error)
	// ErrorBody reads the carrier's own error code and message from a
	// non-2xx body; ok is false when the body is not the carrier's error
	// document. Nil means bodies are not read.
	ErrorBody func(body []byte) (code, message string, ok bool)
	// CodeSentinel maps the carrier's code and the HTTP status to the
	// sentinel of the error. Nil keeps SentinelForStatus's.
	CodeSentinel func(status int, code string) error
}

// Tracking maps resp, the answer to a request for number. A non-2xx status
// is a *carriers.Error from StatusError with RequestID requestID and, when
// ErrorBody reads one, the carrier's code, message (at most 256 bytes) and
// CodeSentinel's sentinel. A 2xx body is parsed, and of the trackings it
// holds the one whose number is number (see PickTracking) is returned.
func (a Answer) Tracking(resp *Response, number, requestID string) (*carriers.Tracking, error) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := StatusError(a.Carrier, "track", number, resp)
		e.RequestID = requestID
		if a.ErrorBody == nil {
			return nil, e
		}
		if code, msg, ok := a.ErrorBody(resp.Body); ok {
			e.Code, e.Message = code, Clip(msg, 256)
			if a.CodeSentinel != nil {
				e.Err = a.CodeSentinel(resp.StatusCode, code)
			}
		}
		return nil, e
	}
	trs, err := a.Parse(resp.Body, number)
	if err != nil {
		var ce *carriers.Error
		if errors.As(err, &ce) {
			ce.Op, ce.TrackingNumber, ce.StatusCode, ce.RequestID = "track", number, resp.StatusCode, requestID
		}
		return nil, err
	}
	if len(trs) == 0 {
		return nil, &carriers.Error{Carrier: a.Carrier, Op: "track", TrackingNumber: number, StatusCode: resp.StatusCode,
			RequestID: requestID, Message: "response holds no tracking", Err: carriers.ErrNotFound}
	}
	return PickTracking(trs, number), nil
}

// PickTracking returns the tracking of trs whose number is number (compared
// without white space and case), else the first. trs must not be empty.
func PickTracking(trs []carriers.Tracking, number string) *carriers.Tracking {
	for i := range trs {
		if strings.EqualFold(strings.Join(strings.Fields(trs[i].TrackingNumber), ""), number) {
			return &trs[i]
		}
	}
	return &trs[0]
}

// CodeSentinel maps an error code a carrier put in a body through codes
// (after trimming white space). An unknown code falls back on the HTTP
// status's sentinel (SentinelForStatus), and, in a 2xx answer or a parse
// without a status (0), on carriers.ErrUnavailable: the carrier reported a
// failure it did not explain.
func CodeSentinel(codes map[string]error, status int, code string) error {
	if err, ok := codes[strings.TrimSpace(code)]; ok {
		return err
	}
	if err := SentinelForStatus(status); status != 0 && err != nil {
		return err
	}
	return carriers.ErrUnavailable
}

// CleanNumber trims a tracking number, drops its spaces and upper-cases it,
// and reports whether the result is min to max ASCII letters and digits.
func CleanNumber(number string, min, max int) (string, bool) {
	n := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(number), " ", ""))
	if len(n) < min || len(n) > max {
		return n, false
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return n, false
		}
	}
	return n, true
}

// Clip cuts s to at most n bytes (on a UTF-8 boundary) followed by "…", for
// carrier text and input put into errors; see clip.String.
func Clip(s string, n int) string { return clip.String(s, n) }

// RandomID returns n random bytes in hex: a request or transaction ID for
// carriers that want one per request (UPS's transId, FedEx's
// x-customer-transaction-id).
func RandomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// CheckURL parses raw and accepts only an absolute http or https URL.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("not an absolute http(s) URL")
	}
	return u, nil
}
