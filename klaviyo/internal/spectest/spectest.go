// Package spectest checks request and response bodies against Klaviyo's
// OpenAPI spec with getkin/kin-openapi. It exists for the tests of klaviyo
// and klaviyotest only (it is internal and imported from _test files), so
// the library itself does not depend on kin-openapi.
package spectest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// routeHost is the server URL the spec is routed under; requests are
// re-addressed to it, so any fake server's port matches.
const routeHost = "http://klaviyo.spectest"

// Validator validates against the loaded spec. It is safe for concurrent use.
type Validator struct {
	router routers.Router
}

var (
	once    sync.Once
	loaded  *Validator
	loadErr error
)

// Load loads the spec at path once per test binary (later calls return
// the first result, whatever their path). It does not call doc.Validate:
// an unrelated schema of Klaviyo's spec fails it.
func Load(path string) (*Validator, error) {
	once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(path)
		if err != nil {
			loadErr = fmt.Errorf("spectest: load %s: %w", path, err)
			return
		}
		doc.Servers = openapi3.Servers{{URL: routeHost}}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			loadErr = fmt.Errorf("spectest: router: %w", err)
			return
		}
		loaded = &Validator{router: r}
	})
	return loaded, loadErr
}

func (v *Validator) route(r *http.Request, body []byte) (*http.Request, *routers.Route, map[string]string, error) {
	u, err := url.Parse(routeHost + r.URL.RequestURI())
	if err != nil {
		return nil, nil, nil, err
	}
	rr := r.Clone(context.Background())
	rr.URL = u
	rr.Host = u.Host
	rr.RequestURI = ""
	rr.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := v.router.FindRoute(rr)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("spectest: no operation for %s %s: %w", r.Method, r.URL.Path, err)
	}
	return rr, route, params, nil
}

// Request validates a request (headers, parameters, body) against its
// operation. body is the request body; r.Body is not read.
func (v *Validator) Request(r *http.Request, body []byte) error {
	rr, route, params, err := v.route(r, body)
	if err != nil {
		return err
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    rr,
		PathParams: params,
		Route:      route,
		Options:    &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
	return v.simplify(openapi3filter.ValidateRequest(context.Background(), in))
}

// Response validates a response to the request against its operation.
func (v *Validator) Response(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	rr, route, params, err := v.route(r, reqBody)
	if err != nil {
		return err
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: rr, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return v.simplify(openapi3filter.ValidateResponse(context.Background(), in))
}

func (v *Validator) simplify(err error) error {
	if err == nil {
		return nil
	}
	var me openapi3.MultiError
	if errors.As(err, &me) && len(me) > 0 {
		return fmt.Errorf("%d problem(s), first: %w", len(me), me[0])
	}
	return err
}
