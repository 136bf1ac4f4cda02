package carrierhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/internal/httpretry"
)

// DefaultMaxBody is the body size limit adapters use unless they have a
// reason for another: far above any tracking response (a few hundred KB for
// a long international history), far below what would hurt the host.
const DefaultMaxBody = 16 << 20

// ErrBodyTooLarge is the cause of the error ReadBody returns for a body
// longer than its limit. The error is a *carriers.DecodeError, so it matches
// both ErrBodyTooLarge and carriers.ErrMalformedResponse.
var ErrBodyTooLarge = errors.New("carrierhttp: response body too large")

// ReadBody reads all of r, but at most limit bytes: a longer body fails with
// a *carriers.DecodeError wrapping ErrBodyTooLarge, without reading the rest.
// A read error (a connection cut mid-body) is returned as is, so callers can
// tell a cancelled context (errors.Is(err, context.Canceled)) from a
// truncated transfer.
func ReadBody(r io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &carriers.DecodeError{Err: fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, limit)}
	}
	return b, nil
}

// Response is an HTTP response whose body has been read and closed.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Do sends req through c and reads the response body with ReadBody(limit).
// A failure without a usable response (transport error, cancelled context,
// body cut short or too large) is returned as the error; a non-2xx status is
// not an error here, it is the caller's to map (see StatusError).
func Do(c *retryablehttp.Client, req *retryablehttp.Request, limit int64) (*Response, error) {
	resp, err := httpretry.Do(c, req)
	if err != nil {
		return nil, RedactError(err)
	}
	defer resp.Body.Close()
	body, err := ReadBody(resp.Body, limit)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// SentinelForStatus maps an HTTP status to the carriers sentinel it means
// for a tracking request: 401, 403 and 407 → ErrUnauthorized; 404 and 410 →
// ErrNotFound; 429 → ErrRateLimited; 400 and 422 → ErrInvalidNumber (the
// number is the only input); 5xx and any other unexpected status →
// ErrUnavailable. A 2xx status yields nil. Adapters check the carrier's own
// error codes first, since carriers use 400 for "not found" too.
func SentinelForStatus(status int) error {
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusUnauthorized, status == http.StatusForbidden, status == http.StatusProxyAuthRequired:
		return carriers.ErrUnauthorized
	case status == http.StatusNotFound, status == http.StatusGone:
		return carriers.ErrNotFound
	case status == http.StatusTooManyRequests:
		return carriers.ErrRateLimited
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity:
		return carriers.ErrInvalidNumber
	default:
		return carriers.ErrUnavailable
	}
}

// RequestID returns the first non-empty value among the headers names (or,
// when names is empty, X-Request-Id, X-Correlation-Id, X-Amzn-Requestid and
// X-B3-Traceid), cut to 128 bytes of printable ASCII so a hostile header
// cannot flood an error message.
func RequestID(h http.Header, names ...string) string {
	if len(names) == 0 {
		names = []string{"X-Request-Id", "X-Correlation-Id", "X-Amzn-Requestid", "X-B3-Traceid"}
	}
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return sanitizeID(v)
		}
	}
	return ""
}

func sanitizeID(v string) string {
	var b strings.Builder
	for i := 0; i < len(v) && b.Len() < 128; i++ {
		if c := v[i]; c > ' ' && c < 0x7f {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// StatusError returns the *carriers.Error for a non-2xx response: Carrier,
// Op and Number as given, StatusCode, RequestID from the headers names (see
// RequestID) and Err from SentinelForStatus. The adapter fills Code and
// Message from the body and may replace Err when the carrier's code says
// more than the status.
func StatusError(carrier, op, number string, resp *Response, requestIDHeaders ...string) *carriers.Error {
	e := &carriers.Error{Carrier: carrier, Op: op, TrackingNumber: number, StatusCode: resp.StatusCode, Err: SentinelForStatus(resp.StatusCode)}
	if resp.Header != nil {
		e.RequestID = RequestID(resp.Header, requestIDHeaders...)
	}
	return e
}

// TransportError returns the *carriers.Error for a failure without a usable
// response. A context error stays the cause (errors.Is(err,
// context.Canceled) holds); a body over the limit or cut short is
// carriers.ErrMalformedResponse; anything else (connection refused, reset,
// timeout) is carriers.ErrUnavailable, with the transport error still
// reachable through errors.Is/As.
func TransportError(carrier, op, number string, err error) *carriers.Error {
	e := &carriers.Error{Carrier: carrier, Op: op, TrackingNumber: number}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		if errors.Is(err, context.DeadlineExceeded) {
			e.Err = context.DeadlineExceeded
		} else {
			e.Err = context.Canceled
		}
	case errors.Is(err, carriers.ErrMalformedResponse):
		e.Err = err
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Err = &carriers.DecodeError{Err: RedactError(err)}
	default:
		e.Err = fmt.Errorf("%w: %w", carriers.ErrUnavailable, RedactError(err))
	}
	return e
}
