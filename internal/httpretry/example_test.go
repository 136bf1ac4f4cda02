package httpretry_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/postpurchase/postpurchase/internal/httpretry"
)

// A server that throttles twice with "Retry-After: 0", then answers: the
// client waits at least the floor (MinWait) between attempts, and gets
// through.
func Example() {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	client := &retryablehttp.Client{HTTPClient: &http.Client{}, ErrorHandler: retryablehttp.PassthroughErrorHandler}
	httpretry.Policy{MaxRetries: 3, MinWait: 10 * time.Millisecond, MaxWait: time.Second}.Apply(client, nil)

	req, err := retryablehttp.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := httpretry.Do(client, req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "after", n.Load(), "attempts")
	// Output: 200 after 3 attempts
}
