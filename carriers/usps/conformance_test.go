package usps_test

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
	"github.com/postpurchase/postpurchase/carriers/usps"
)

const (
	knownNumber   = "9400109104250532908587"
	unknownNumber = "9400111899223197428490"
)

// notFoundBody is USPS's answer for a number it has no data on (HTTP 400,
// code 150001), in the documented error shape.
const notFoundBody = `{"apiVersion":"v3","error":{"code":"400","message":"Bad Request","errors":[{"status":"400","code":"150001","title":"12: A status update is not yet available on your package.","detail":""}]}}`

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type harness struct{}

func (harness) KnownNumber() string   { return knownNumber }
func (harness) UnknownNumber() string { return unknownNumber }

func (h harness) MakeCarrier(ctx context.Context, t *testing.T) (carriers.Carrier, error) {
	known := fixture(t, "delivered_parcel_locker.json")
	return h.MakeCarrierWithHandler(ctx, t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/"+knownNumber) {
			_, _ = w.Write(known)
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(notFoundBody))
	}))
}

func (harness) MakeCarrierWithHandler(ctx context.Context, t *testing.T, track http.Handler) (carriers.Carrier, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/v3/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"t0k","token_type":"Bearer","expires_in":28799,"scope":"tracking"}`))
	})
	mux.Handle("/tracking/v3/tracking/", track)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return usps.New(usps.Config{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL + "/tracking/v3",
		RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
}

func TestConformance(t *testing.T) {
	carrierstest.RunConformanceTests(t, harness{})
}
