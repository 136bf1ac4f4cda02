package carrierhttp

import (
	"errors"
	"net/url"
	"strings"

	"github.com/postpurchase/postpurchase/carriers"
)

// OptionError returns the *carriers.OptionError an adapter's New reports
// for a bad option: "ups: Options.BaseURL: not an absolute http(s) URL".
func OptionError(carrier, option string, why error) error {
	return &carriers.OptionError{Carrier: carrier, Option: option, Err: why}
}

// Reasons for OptionError.
var (
	errEmpty     = errors.New("required, is empty")
	errLineBreak = errors.New("contains a line break")
	errNegative  = errors.New("negative")
)

// Required returns an OptionError for the first name whose value is blank
// or holds a line break (it would end up in a header), nil if none is.
// pairs are name, value, name, value...
func Required(carrier string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return OptionError(carrier, pairs[i], errEmpty)
		}
	}
	return HeaderSafe(carrier, pairs...)
}

// HeaderSafe returns an OptionError for the first name whose value holds a
// line break (values end up in headers or query strings), nil if none
// does. pairs are name, value, name, value...
func HeaderSafe(carrier string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.ContainsAny(pairs[i+1], "\r\n") {
			return OptionError(carrier, pairs[i], errLineBreak)
		}
	}
	return nil
}

// Endpoint is an adapter's resolved base URL and body limit.
type Endpoint struct {
	// Base is the base URL without a trailing slash.
	Base string
	// URL is Base parsed.
	URL *url.URL
	// MaxBody is the response body limit in bytes.
	MaxBody int64
}

// ResolveEndpoint applies the defaults every adapter documents for its
// Options.BaseURL (empty means def; any absolute http(s) URL) and
// Options.MaxBodyBytes (zero means DefaultMaxBody; negative is refused).
func ResolveEndpoint(carrier, base, def string, maxBody int64) (Endpoint, error) {
	if base == "" {
		base = def
	}
	base = strings.TrimRight(base, "/")
	u, err := CheckURL(base)
	if err != nil {
		return Endpoint{}, OptionError(carrier, "Options.BaseURL", err)
	}
	switch {
	case maxBody < 0:
		return Endpoint{}, OptionError(carrier, "Options.MaxBodyBytes", errNegative)
	case maxBody == 0:
		maxBody = DefaultMaxBody
	}
	return Endpoint{Base: base, URL: u, MaxBody: maxBody}, nil
}

// Origin returns the scheme and host of the base URL ("https://host").
func (e Endpoint) Origin() string { return e.URL.Scheme + "://" + e.URL.Host }

// ResolveTokenURL returns tokenURL, or def when it is empty, checked as
// CheckURL does.
func ResolveTokenURL(carrier, tokenURL, def string) (string, error) {
	if tokenURL == "" {
		tokenURL = def
	}
	if _, err := CheckURL(tokenURL); err != nil {
		return "", OptionError(carrier, "Options.TokenURL", err)
	}
	return tokenURL, nil
}

// NewError returns an error of NewClient or NewOAuth (inconsistent retry
// waits, a bad token URL) as a *carriers.OptionError that keeps it as the
// cause, nil for nil.
func NewError(carrier string, err error) error {
	if err == nil {
		return nil
	}
	return OptionError(carrier, "Options", err)
}
