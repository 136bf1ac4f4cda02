package adaptertest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
)

// sample is the tracking testdata/golden/sample.json holds.
func sample(t *testing.T) carriers.Tracking {
	raw := ReadFile(t, "sample.json")
	at := time.Date(2024, 3, 26, 14, 30, 12, 0, time.FixedZone("", -4*3600))
	return carriers.Tracking{Carrier: "demo", TrackingNumber: "1Z999", Status: carriers.StatusDelivered, DeliveredAt: at, Raw: raw,
		Events: []carriers.Event{{Time: at, Status: carriers.StatusDelivered, Code: "DL"}}}
}

func TestGoldenAndCheckTrackings(t *testing.T) {
	tr := sample(t)
	CheckTrackings(t, "demo", []carriers.Tracking{tr})
	Golden(t, "sample.json", []carriers.Tracking{tr})

	// The same instant in another offset is a difference: the golden
	// comparison is by RFC 3339 text.
	moved := sample(t)
	moved.DeliveredAt = moved.DeliveredAt.UTC()
	if diff := diffGolden(t, moved); !strings.Contains(diff, "DeliveredAt") {
		t.Errorf("offset change not reported:\n%s", diff)
	}
	// Raw is not compared.
	other := sample(t)
	other.Raw = []byte(`{}`)
	if diff := diffGolden(t, other); diff != "" {
		t.Errorf("Raw compared:\n%s", diff)
	}
}

// diffGolden is Golden's comparison of tr with the sample golden file.
func diffGolden(t *testing.T, tr carriers.Tracking) string {
	t.Helper()
	var want []carriers.Tracking
	if err := json.Unmarshal(ReadFile(t, "golden/sample.json"), &want); err != nil {
		t.Fatal(err)
	}
	return cmpDiff(want, []carriers.Tracking{tr})
}

func TestCheckParsed(t *testing.T) {
	tr := sample(t)
	CheckParsed(t, "demo", []carriers.Tracking{tr}, nil)
	CheckParsedStrict(t, "demo", []carriers.Tracking{tr}, nil)
	CheckParsed(t, "demo", nil, &carriers.Error{Carrier: "demo", Err: carriers.ErrNotFound})
	CheckParsed(t, "demo", []carriers.Tracking{}, nil) // a push may carry nothing
}

func TestSeedFuzzSeedsGarbage(t *testing.T) {
	n := 0
	for _, b := range carrierstest.Garbage() {
		if len(b) < 1<<16 {
			n++
		}
	}
	if n == 0 || n == len(carrierstest.Garbage()) {
		t.Errorf("%d small garbage bodies: the 64 KB cut should keep some and drop the 10 MB one", n)
	}
}

func postToken(t *testing.T, srv string, form url.Values, basic bool) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth("id", "secret")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestTokens(t *testing.T) {
	params := &Tokens{ClientID: "id", ClientSecret: "secret", AuthStyle: oauth2.AuthStyleInParams, Scope: "tracking", RevokeOnIssue: true}
	srv := NewServer(t, params)
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {"id"}, "client_secret": {"secret"}, "scope": {"tracking"}}
	for name, tc := range map[string]struct {
		form  func(url.Values)
		basic bool
		want  int
	}{
		"good":          {func(url.Values) {}, false, 200},
		"basic refused": {func(url.Values) {}, true, 401},
		"wrong secret":  {func(v url.Values) { v.Set("client_secret", "x") }, false, 401},
		"wrong grant":   {func(v url.Values) { v.Set("grant_type", "password") }, false, 401},
		"wrong scope":   {func(v url.Values) { v.Set("scope", "all") }, false, 401},
	} {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		tc.form(form)
		if got := postToken(t, srv.URL, form, tc.basic); got != tc.want {
			t.Errorf("%s: HTTP %d, want %d", name, got, tc.want)
		}
	}
	if params.Issued() != 1 || params.Requests() != 5 {
		t.Errorf("issued %d of %d requests", params.Issued(), params.Requests())
	}
	bearer := func(tok string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return r
	}
	if !params.Authorized(bearer("tok-1")) || params.Authorized(bearer("tok-2")) || params.Authorized(bearer("")) {
		t.Error("Authorized before the second token")
	}
	postToken(t, srv.URL, good, false)
	if params.Authorized(bearer("tok-1")) || !params.Authorized(bearer("tok-2")) {
		t.Error("RevokeOnIssue: the first token survived the second")
	}

	header := &Tokens{ClientID: "id", ClientSecret: "secret", AuthStyle: oauth2.AuthStyleInHeader}
	srv = NewServer(t, header)
	form := url.Values{"grant_type": {"client_credentials"}}
	if postToken(t, srv.URL, form, false) != 401 || postToken(t, srv.URL, form, true) != 200 || postToken(t, srv.URL, form, true) != 200 {
		t.Error("HTTP Basic style")
	}
	if !header.Authorized(bearer("tok-1")) || !header.Authorized(bearer("tok-2")) {
		t.Error("tokens revoked without RevokeOnIssue")
	}
	header.Revoke("tok-1")
	if header.Authorized(bearer("tok-1")) || !header.Authorized(bearer("tok-2")) {
		t.Error("Revoke(tok-1)")
	}
	header.Revoke()
	if header.Authorized(bearer("tok-2")) {
		t.Error("Revoke()")
	}
}

func TestHarnessJSONAndClock(t *testing.T) {
	var got http.Handler
	h := Harness{Known: "K", Unknown: "U", Make: func(_ *testing.T, track http.Handler) (carriers.Carrier, error) {
		got = track
		return nil, nil
	}}
	made, err := h.Maker()(context.Background(), t)
	if err != nil {
		t.Fatal(err)
	}
	defer made.Close()
	hh, ok := made.(carrierstest.HTTPHarness)
	if !ok {
		t.Fatal("the harness is not an HTTPHarness")
	}
	if _, err := hh.MakeCarrier(context.Background()); err != nil || got != nil || hh.KnownNumber() != "K" || hh.UnknownNumber() != "U" {
		t.Error("MakeCarrier must pass a nil handler")
	}
	j := JSON(http.StatusTeapot, []byte(`{"a":1}`))
	if _, err := hh.MakeCarrierWithHandler(context.Background(), j); err != nil || got == nil {
		t.Error("MakeCarrierWithHandler must pass the handler")
	}
	srv := NewServer(t, j)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot || resp.Header.Get("Content-Type") != "application/json" || string(body) != `{"a":1}` {
		t.Errorf("JSON: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	c := NewClock(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
	c.Add(90 * time.Minute)
	if c.Now() != time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC) {
		t.Errorf("Clock = %v", c.Now())
	}
}
