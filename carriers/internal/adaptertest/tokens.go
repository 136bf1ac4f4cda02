package adaptertest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/oauth2"
)

// Tokens is a fake OAuth 2 client-credentials token endpoint (RFC 6749
// §4.4) for adapter tests. It issues "tok-1", "tok-2", ... to a POST with
// grant_type client_credentials and the right credentials sent the right
// way, answers anything else with 401 and Refused, and remembers which
// tokens it issued and has not revoked (Authorized). Set the fields before
// the first request; it is safe for concurrent use after that.
type Tokens struct {
	// ClientID and ClientSecret are the credentials it accepts.
	ClientID, ClientSecret string
	// AuthStyle is how they must travel: oauth2.AuthStyleInHeader (HTTP
	// Basic, UPS) or oauth2.AuthStyleInParams (form fields, and Basic is
	// refused: USPS, FedEx).
	AuthStyle oauth2.AuthStyle
	// Scope, when not empty, is the scope the request must ask for.
	Scope string
	// Response is the JSON body for a new token; nil means
	// {"access_token":token,"token_type":"Bearer","expires_in":3600}.
	Response func(token string) string
	// Refused is the body of the 401 answer to a bad request; nil means
	// {"error":"invalid_client"}.
	Refused []byte
	// RevokeOnIssue makes each new token revoke the earlier ones, as USPS
	// does.
	RevokeOnIssue bool

	requests atomic.Int32
	issued   atomic.Int32
	mu       sync.Mutex
	valid    map[string]bool
}

// ServeHTTP implements http.Handler.
func (tk *Tokens) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tk.requests.Add(1)
	w.Header().Set("Content-Type", "application/json")
	if !tk.accept(r) {
		w.WriteHeader(http.StatusUnauthorized)
		refused := tk.Refused
		if refused == nil {
			refused = []byte(`{"error":"invalid_client","error_description":"Client authentication failed."}`)
		}
		_, _ = w.Write(refused)
		return
	}
	tok := "tok-" + strconv.Itoa(int(tk.issued.Add(1)))
	tk.mu.Lock()
	if tk.valid == nil || tk.RevokeOnIssue {
		tk.valid = map[string]bool{}
	}
	tk.valid[tok] = true
	tk.mu.Unlock()
	if tk.Response != nil {
		fmt.Fprint(w, tk.Response(tok))
		return
	}
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, tok)
}

// accept checks method, grant type, scope and credentials.
func (tk *Tokens) accept(r *http.Request) bool {
	if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		return false
	}
	if tk.Scope != "" && r.PostForm.Get("scope") != tk.Scope {
		return false
	}
	id, secret, basic := r.BasicAuth()
	if tk.AuthStyle == oauth2.AuthStyleInParams {
		if basic {
			return false
		}
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	} else if !basic {
		return false
	}
	return id == tk.ClientID && secret == tk.ClientSecret
}

// Authorized reports whether r carries "Authorization: Bearer" with a token
// that tk issued and has not revoked.
func (tk *Tokens) Authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return ok && tk.valid[tok]
}

// Revoke makes tokens invalid (all issued so far when none is named).
func (tk *Tokens) Revoke(tokens ...string) {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	if len(tokens) == 0 {
		clear(tk.valid)
	}
	for _, t := range tokens {
		delete(tk.valid, t)
	}
}

// Issued returns how many tokens were issued.
func (tk *Tokens) Issued() int { return int(tk.issued.Load()) }

// Requests returns how many requests reached the endpoint, refused or not.
func (tk *Tokens) Requests() int { return int(tk.requests.Load()) }
