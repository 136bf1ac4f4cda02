package ups_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
	"github.com/postpurchase/postpurchase/carriers/ups"
)

const (
	knownNumber   = "1Z12345E0205271688"
	unknownNumber = "1Z12345E0205271600"
)

// harness serves the fixture bodies from a local server: the constructed
// two-package response for knownNumber, the TW0001 body for anything else.
type harness struct{}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (harness) KnownNumber() string   { return knownNumber }
func (harness) UnknownNumber() string { return unknownNumber }

func (h harness) MakeCarrier(ctx context.Context, t *testing.T) (carriers.Carrier, error) {
	known, notFound := fixture(t, "constructed_two_packages_zones.json"), fixture(t, "not_found_tw0001.json")
	return h.MakeCarrierWithHandler(ctx, t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/"+knownNumber) {
			_, _ = w.Write(known)
			return
		}
		_, _ = w.Write(notFound)
	}))
}

func (harness) MakeCarrierWithHandler(ctx context.Context, t *testing.T, track http.Handler) (carriers.Carrier, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /security/v1/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"token_type":"Bearer","access_token":"t0k","expires_in":"14399","status":"approved"}`))
	})
	mux.Handle("/api/track/v1/details/", track)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return ups.New(ups.Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL + "/api",
		RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
}

func TestConformance(t *testing.T) {
	carrierstest.RunConformanceTests(t, harness{})
}
