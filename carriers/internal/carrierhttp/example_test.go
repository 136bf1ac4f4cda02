package carrierhttp_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/internal/carrierhttp"
)

// A carrier that fails once with 503 and then answers 404: the client
// retries the 503, and the adapter maps the final 404 to a sentinel.
func Example() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("X-Request-Id", "req-42")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"not found"}`)
	}))
	defer srv.Close()

	client, err := carrierhttp.NewClient(carrierhttp.Options{RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	req, err := retryablehttp.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/track/123", nil)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := carrierhttp.Do(client, req, carrierhttp.DefaultMaxBody)
	if err != nil {
		log.Fatal(carrierhttp.TransportError("demo", "track", "123", err))
	}
	if resp.StatusCode != http.StatusOK {
		e := carrierhttp.StatusError("demo", "track", "123", resp)
		fmt.Println(calls.Load(), "requests;", errors.Is(e, carriers.ErrNotFound), e.RequestID)
	}
	// Output: 2 requests; true req-42
}
