package usps_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
	"github.com/postpurchase/postpurchase/carriers/usps"
)

const (
	knownNumber   = "9400109104250532908587"
	unknownNumber = "9400111899223197428490"
)

// notFoundBody is USPS's answer for a number it has no data on (HTTP 400,
// code 150001), in the documented error shape.
const notFoundBody = `{"apiVersion":"v3","error":{"code":"400","message":"Bad Request","errors":[{"status":"400","code":"150001","title":"12: A status update is not yet available on your package.","detail":""}]}}`

type uspsServer struct {
	srv    string // base URL, as Config.BaseURL wants it
	tokens *adaptertest.Tokens
	tracks atomic.Int32
}

// newUSPSServer fakes the token endpoint (form client credentials, scope
// tracking; a new token revokes the previous one, as USPS does) and the
// Tracking endpoint, which passes requests for the DETAIL view with a valid
// token to track.
func newUSPSServer(t *testing.T, track http.Handler) *uspsServer {
	s := &uspsServer{tokens: &adaptertest.Tokens{
		ClientID: "id", ClientSecret: "secret", AuthStyle: oauth2.AuthStyleInParams, Scope: "tracking", RevokeOnIssue: true,
		Response: func(tok string) string {
			return fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer","expires_in":28799}`, tok)
		},
		Refused: adaptertest.ReadFile(t, "error_oauth_invalid_client.json"),
	}}
	mux := http.NewServeMux()
	mux.Handle("POST /oauth2/v3/token", s.tokens)
	mux.HandleFunc("GET /tracking/v3/tracking/{number}", func(w http.ResponseWriter, r *http.Request) {
		s.tracks.Add(1)
		if r.URL.Query().Get("expand") != "DETAIL" {
			t.Errorf("expand = %q", r.URL.Query().Get("expand"))
		}
		if !s.tokens.Authorized(r) {
			adaptertest.JSON(http.StatusUnauthorized, []byte(`{"error":"invalid_token"}`))(w, r)
			return
		}
		track.ServeHTTP(w, r)
	})
	s.srv = adaptertest.NewServer(t, mux).URL + "/tracking/v3"
	return s
}

func TestConformance(t *testing.T) {
	carrierstest.RunConformanceTests(t, adaptertest.Harness{
		Known:   knownNumber,
		Unknown: unknownNumber,
		Make: func(t *testing.T, track http.Handler) (carriers.Carrier, error) {
			if track == nil {
				known := adaptertest.ReadFile(t, "delivered_parcel_locker.json")
				track = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.PathValue("number") == knownNumber {
						adaptertest.JSON(http.StatusOK, known)(w, r)
						return
					}
					adaptertest.JSON(http.StatusBadRequest, []byte(notFoundBody))(w, r)
				})
			}
			s := newUSPSServer(t, track)
			return usps.New("id", "secret", usps.Options{BaseURL: s.srv,
				RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
		},
	}.Maker())
}
