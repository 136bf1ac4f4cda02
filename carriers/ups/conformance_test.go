package ups_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
	"github.com/postpurchase/postpurchase/carriers/ups"
)

const (
	knownNumber   = "1Z12345E0205271688"
	unknownNumber = "1Z12345E0205271600"
)

// upsServer is a fake UPS: a token endpoint (HTTP Basic, expires_in as a
// string) and a Track endpoint that passes requests with a valid token to
// track and answers the others with UPS's 401 body.
type upsServer struct {
	srv       string // base URL, as Config.BaseURL wants it
	tokens    *adaptertest.Tokens
	tracks    atomic.Int32
	mu        sync.Mutex
	lastTrack *http.Request
	lastToken http.Header
}

func newUPSServer(t *testing.T, expiresIn string, track http.Handler) *upsServer {
	s := &upsServer{tokens: &adaptertest.Tokens{
		ClientID: "id", ClientSecret: "secret", AuthStyle: oauth2.AuthStyleInHeader,
		Response: func(tok string) string {
			return fmt.Sprintf(`{"token_type":"Bearer","access_token":%q,"expires_in":%s,"status":"approved"}`, tok, expiresIn)
		},
		Refused: []byte(`{"response":{"errors":[{"code":"250003","message":"Invalid Access License number"}]}}`),
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /security/v1/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.lastToken = r.Header.Clone()
		s.mu.Unlock()
		s.tokens.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /api/track/v1/details/{number}", func(w http.ResponseWriter, r *http.Request) {
		s.tracks.Add(1)
		s.mu.Lock()
		s.lastTrack = r.Clone(context.Background())
		s.mu.Unlock()
		if !s.tokens.Authorized(r) {
			adaptertest.JSON(http.StatusUnauthorized, []byte(`{"response":{"errors":[{"code":"250002","message":"Invalid Authentication Information."}]}}`))(w, r)
			return
		}
		track.ServeHTTP(w, r)
	})
	s.srv = adaptertest.NewServer(t, mux).URL + "/api"
	return s
}

// fixtures answers the constructed two-package response for knownNumber,
// the TW0001 body (in an HTTP 200, as UPS does) for anything else.
func fixtures(t testing.TB) http.HandlerFunc {
	known, notFound := adaptertest.ReadFile(t, "constructed_two_packages_zones.json"), adaptertest.ReadFile(t, "not_found_tw0001.json")
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("number") == knownNumber {
			adaptertest.JSON(http.StatusOK, known)(w, r)
			return
		}
		adaptertest.JSON(http.StatusOK, notFound)(w, r)
	}
}

func TestConformance(t *testing.T) {
	carrierstest.RunConformanceTests(t, adaptertest.Harness{
		Known:   knownNumber,
		Unknown: unknownNumber,
		Make: func(t *testing.T, track http.Handler) (carriers.Carrier, error) {
			if track == nil {
				track = fixtures(t)
			}
			s := newUPSServer(t, `"14399"`, track)
			return ups.New("id", "secret", ups.Options{BaseURL: s.srv,
				RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
		},
	}.Maker())
}
