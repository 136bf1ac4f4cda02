package klaviyo_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/klaviyo"
	"github.com/postpurchase/postpurchase/klaviyo/internal/spectest"
	"github.com/postpurchase/postpurchase/klaviyo/klaviyotest"
)

const testKey = "pk_test_0123456789abcdef0123456789abcdef"

func spec(t testing.TB) *spectest.Validator {
	t.Helper()
	v, err := spectest.Load("testdata/openapi-2026-07-15-trimmed.json")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newFake starts a fake that also validates every request against the
// OpenAPI spec.
func newFake(t testing.TB, cfg klaviyotest.Options) *klaviyotest.Server {
	t.Helper()
	v := spec(t)
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.Validate == nil {
		cfg.Validate = func(r *http.Request, body []byte) error { return v.Request(r, body) }
	}
	srv, err := klaviyotest.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a client for srv with short backoff steps.
// Zero fields of opts (at most one) get the test defaults: srv's URL and
// millisecond backoff steps.
func newClient(t testing.TB, srv *klaviyotest.Server, opts ...klaviyo.Options) *klaviyo.Client {
	t.Helper()
	var o klaviyo.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.BaseURL == "" {
		o.BaseURL = srv.URL
	}
	if o.Retry == (klaviyo.RetryPolicy{}) {
		o.Retry = klaviyo.RetryPolicy{MaxRetries: 4, MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond}
	}
	c, err := klaviyo.New(testKey, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var t0 = time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)
