package adaptertest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/postpurchase/postpurchase/carriers/internal/adaptertest"
)

// A fake token endpoint issues tokens to the right credentials, sent the
// right way, and tells a tracking endpoint which tokens are still valid.
func ExampleTokens() {
	tokens := &adaptertest.Tokens{ClientID: "id", ClientSecret: "secret", AuthStyle: oauth2.AuthStyleInParams}
	srv := httptest.NewServer(tokens)
	defer srv.Close()

	cfg := clientcredentials.Config{ClientID: "id", ClientSecret: "secret", TokenURL: srv.URL, AuthStyle: oauth2.AuthStyleInParams}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, "https://carrier.example/track/1", nil)
	if err != nil {
		log.Fatal(err)
	}
	tok.SetAuthHeader(req)
	fmt.Println(tok.AccessToken, tokens.Authorized(req))
	tokens.Revoke(tok.AccessToken)
	fmt.Println(tokens.Authorized(req), tokens.Issued())

	wrong := clientcredentials.Config{ClientID: "id", ClientSecret: "wrong", TokenURL: srv.URL, AuthStyle: oauth2.AuthStyleInParams}
	_, err = wrong.Token(context.Background())
	fmt.Println(err != nil, tokens.Requests())
	// Output:
	// tok-1 true
	// false 1
	// true 2
}
