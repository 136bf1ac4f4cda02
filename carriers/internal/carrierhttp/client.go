package carrierhttp

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/postpurchase/postpurchase/internal/httpretry"
)

// Defaults used for the zero values of Options.
const (
	DefaultRetryMax      = 3
	DefaultRetryWaitMin  = 500 * time.Millisecond
	DefaultRetryWaitMax  = 30 * time.Second
	DefaultMaxRetryAfter = 60 * time.Second
	DefaultTimeout       = 30 * time.Second
)

// Options configures NewClient. The zero value is usable: every field has a
// documented default.
type Options struct {
	// HTTPClient sends the requests. Nil means a new client with
	// http.DefaultTransport and a DefaultTimeout per attempt. A caller's
	// client is used as is (its Timeout, Transport, Jar).
	HTTPClient *http.Client
	// RetryMax is the number of retries after the first attempt. Zero
	// means DefaultRetryMax; a negative value means no retries.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff. Zero
	// means DefaultRetryWaitMin and DefaultRetryWaitMax.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// MaxRetryAfter is the longest Retry-After the client will wait for
	// before retrying; a longer one ends the retries at once. Zero means
	// DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Logger receives debug records of requests and retries (URLs without
	// query strings, never headers). Nil means no logging.
	Logger *slog.Logger
	// Now returns the current time, used to turn a Retry-After HTTP date
	// into a wait. Nil means time.Now.
	Now func() time.Time
}

// resolved returns o with the defaults applied, or an error for
// inconsistent values.
func (o Options) resolved() (Options, error) {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: DefaultTimeout}
	}
	switch {
	case o.RetryMax == 0:
		o.RetryMax = DefaultRetryMax
	case o.RetryMax < 0:
		o.RetryMax = 0
	}
	if o.RetryWaitMin == 0 {
		o.RetryWaitMin = DefaultRetryWaitMin
	}
	if o.RetryWaitMax == 0 {
		o.RetryWaitMax = DefaultRetryWaitMax
	}
	if o.MaxRetryAfter == 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RetryWaitMin < 0 || o.RetryWaitMax < 0 || o.MaxRetryAfter < 0 {
		return o, errors.New("carrierhttp: negative retry wait")
	}
	if o.RetryWaitMin > o.RetryWaitMax {
		return o, fmt.Errorf("carrierhttp: RetryWaitMin %v is above RetryWaitMax %v", o.RetryWaitMin, o.RetryWaitMax)
	}
	return o, nil
}

// NewClient returns a retrying HTTP client configured from o, with the retry
// policy, backoff and error handling described in the package doc. It fails
// only for inconsistent options (negative waits, RetryWaitMin above
// RetryWaitMax). The client is safe for concurrent use.
func NewClient(o Options) (*retryablehttp.Client, error) {
	o, err := o.resolved()
	if err != nil {
		return nil, err
	}
	c := &retryablehttp.Client{HTTPClient: o.HTTPClient, ErrorHandler: errorHandler}
	httpretry.Policy{
		MaxRetries: o.RetryMax, MinWait: o.RetryWaitMin, MaxWait: o.RetryWaitMax,
		MaxRetryAfter: o.MaxRetryAfter, Now: o.Now,
	}.Apply(c, checkRetry)
	if o.Logger != nil {
		c.Logger = leveledLogger{o.Logger}
	}
	// A nil Logger interface value keeps retryablehttp silent.
	return c, nil
}

// checkRetry decides which outcomes are retried, as the package doc says;
// httpretry (Policy.Apply) adds the context, Retry-After and deadline
// rules and the waits.
func checkRetry(_ context.Context, resp *http.Response, err error) (bool, error) {
	if err != nil {
		return retryableTransportError(err), nil
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests, code == 0, code >= 500 && code != http.StatusNotImplemented:
		return true, nil
	}
	return false, nil
}

// retryableTransportError reports whether a failure without a response may
// heal on a retry.
func retryableTransportError(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) {
		msg := ue.Error()
		switch {
		case strings.Contains(msg, "stopped after") && strings.Contains(msg, "redirects"),
			strings.Contains(msg, "unsupported protocol scheme"),
			strings.Contains(msg, "invalid header"):
			return false
		}
	}
	var unknownAuthority x509.UnknownAuthorityError
	var certInvalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	if errors.As(err, &unknownAuthority) || errors.As(err, &certInvalid) || errors.As(err, &hostname) {
		return false
	}
	return true
}

// errorHandler runs when retries end without success. A response is handed
// back as is, for the adapter to map; a failure without a response (or a
// cancelled context) is returned with any URL query stripped from it.
func errorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err == nil {
		return resp, nil
	}
	if resp != nil && resp.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
	}
	return nil, RedactError(err)
}

// RedactError returns err with the URL of any *url.Error in it stripped of
// its query string and user info, so that an error message never carries a
// credential passed in a URL. Other errors are returned unchanged.
func RedactError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	clean := &url.Error{Op: ue.Op, URL: RedactURL(ue.URL), Err: ue.Err}
	if ue == err {
		return clean
	}
	// The *url.Error is wrapped: keep the outer chain's meaning but print
	// the redacted URL.
	return fmt.Errorf("%w", clean)
}

// RedactURL returns raw without its query string, fragment and user info.
// A string that does not parse as a URL is cut at the first '?'.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			return raw[:i]
		}
		return raw
	}
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}

// leveledLogger adapts *slog.Logger to retryablehttp.LeveledLogger, redacting
// URLs in the values it is given.
type leveledLogger struct{ l *slog.Logger }

func (a leveledLogger) Error(msg string, kv ...any) { a.l.Debug(msg, redactKV(kv)...) }
func (a leveledLogger) Info(msg string, kv ...any)  { a.l.Debug(msg, redactKV(kv)...) }
func (a leveledLogger) Debug(msg string, kv ...any) { a.l.Debug(msg, redactKV(kv)...) }
func (a leveledLogger) Warn(msg string, kv ...any)  { a.l.Debug(msg, redactKV(kv)...) }

// redactKV strips query strings from every URL-looking value. All levels go
// to Debug: a retry or failed attempt is not an error of the adapter, which
// reports the final outcome itself.
func redactKV(kv []any) []any {
	out := make([]any, len(kv))
	for i, v := range kv {
		switch x := v.(type) {
		case string:
			out[i] = redactText(x)
		case error:
			out[i] = redactText(x.Error())
		case *url.URL:
			out[i] = RedactURL(x.String())
		case fmt.Stringer:
			out[i] = redactText(x.String())
		default:
			out[i] = v
		}
	}
	return out
}

// redactText removes the query string and user info of every URL inside s.
func redactText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	fields := strings.Fields(s)
	for i, f := range fields {
		if strings.Contains(f, "://") {
			trail := ""
			if strings.HasSuffix(f, `"`) || strings.HasSuffix(f, ":") || strings.HasSuffix(f, ",") {
				trail = f[len(f)-1:]
				f = f[:len(f)-1]
			}
			lead := ""
			if strings.HasPrefix(f, `"`) || strings.HasPrefix(f, "(") {
				lead = f[:1]
				f = f[1:]
			}
			fields[i] = lead + RedactURL(f) + trail
		}
	}
	return strings.Join(fields, " ")
}
