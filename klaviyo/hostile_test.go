package klaviyo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/postpurchase/postpurchase/klaviyo"
)

// keyFragments returns every 8-byte run of the key: none may appear.
func keyFragments(key string) []string {
	var out []string
	for i := 0; i+8 <= len(key); i++ {
		out = append(out, key[i:i+8])
	}
	return out
}

// A server (or proxy) that echoes the Authorization header back in every
// member of a JSON:API error, in X-Klaviyo-Req-Id and in a non-JSON body,
// whole, without its prefix, and cut: the key reaches neither Error(), nor
// any field of the *APIError, nor the log. Every echoed text is clipped.
func TestServerEchoingTheKey(t *testing.T) {
	for name, write := range map[string]func(w http.ResponseWriter, key string){
		"json:api": func(w http.ResponseWriter, key string) {
			obj := map[string]any{
				"id": key, "status": 400, "code": key, "title": "Bad key " + key,
				"detail": "Klaviyo-API-Key " + key + " (" + key[3:] + ", " + key[:20] + ")",
				"source": map[string]any{"pointer": "/data/" + key, "parameter": key},
				"meta":   map[string]any{"echo": key, "duplicate_profile_id": key},
			}
			w.Header().Set("Content-Type", "application/vnd.api+json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{obj}})
		},
		"pointer only": func(w http.ResponseWriter, key string) {
			w.Header().Set("Content-Type", "application/vnd.api+json")
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"code": "x", "source": map[string]any{"parameter": strings.Repeat("p", 60) + key}}}})
		},
		"html": func(w http.ResponseWriter, key string) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			// The key straddles the 512-byte cut of APIError.Body.
			_, _ = w.Write([]byte(strings.Repeat("<p>", 500/3) + "Authorization: Klaviyo-API-Key " + key))
		},
	} {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				key := strings.TrimPrefix(r.Header.Get("Authorization"), "Klaviyo-API-Key ")
				w.Header().Set("X-Klaviyo-Req-Id", "req-"+key+"\r\nforged: 1")
				write(w, key)
			}))
			defer ts.Close()
			var logs bytes.Buffer
			var mu sync.Mutex
			logger := slog.New(slog.NewJSONHandler(lockedWriter{&logs, &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, err := klaviyo.New(testKey, klaviyo.Options{BaseURL: ts.URL, Logger: logger, Retry: klaviyo.RetryPolicy{MaxRetries: -1}})
			if err != nil {
				t.Fatal(err)
			}
			err = c.CreateEvent(context.Background(), deliveredEvent(t, "s1"))
			var ae *klaviyo.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v", err)
			}
			kept := []string{err.Error(), ae.RequestID, string(ae.Body), ae.DuplicateProfileID()}
			for _, o := range ae.Errors {
				kept = append(kept, o.ID, o.Code, o.Title, o.Detail, o.Source.Pointer, o.Source.Parameter, string(o.Meta))
			}
			mu.Lock()
			kept = append(kept, logs.String())
			mu.Unlock()
			for _, s := range kept {
				for _, frag := range keyFragments(testKey) {
					if strings.Contains(s, frag) {
						t.Fatalf("key fragment %q in %q", frag, s)
					}
				}
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") || len(msg) > 300 {
				t.Errorf("message not clipped or has line breaks (%d bytes): %q", len(msg), msg)
			}
			if !strings.Contains(msg, "[redacted]") && name != "html" {
				t.Errorf("message %q does not show where the key was masked", msg)
			}
		})
	}
}

// Texts the server sends are clipped to 64 bytes each in Error(); the
// APIError keeps them whole (minus the key) for code that needs them.
func TestAPIErrorClipsEchoedText(t *testing.T) {
	long := strings.Repeat("ü", 10000)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.api+json")
		w.Header().Set("X-Klaviyo-Req-Id", strings.Repeat("r", 1000))
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
			"code": strings.Repeat("c", 1000), "detail": long, "source": map[string]any{"pointer": "/" + strings.Repeat("x", 1000)}}}})
	}))
	defer ts.Close()
	c, err := klaviyo.New(testKey, klaviyo.Options{BaseURL: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	err = c.CreateEvent(context.Background(), deliveredEvent(t, "s1"))
	var ae *klaviyo.APIError
	if !errors.As(err, &ae) || !errors.Is(err, klaviyo.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	if len(msg) > 400 || strings.Count(msg, "…") != 4 || !strings.Contains(msg, strings.Repeat("ü", 32)+"…") {
		t.Errorf("message (%d bytes) not clipped per text: %q", len(msg), msg)
	}
	if ae.Errors[0].Detail != long || len(ae.RequestID) != 128 {
		t.Errorf("APIError lost the texts: detail %d bytes, request ID %d", len(ae.Errors[0].Detail), len(ae.RequestID))
	}
}

// A property name is the caller's input: a 100 KB name in a rejected
// event is clipped in the error's path.
func TestValidationErrorClipsPropertyNames(t *testing.T) {
	c, err := klaviyo.New(testKey, klaviyo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key := strings.Repeat("k", 100<<10)
	e := klaviyo.Event{Metric: "M", Profile: klaviyo.Identifiers{Email: "a@b.co"},
		Properties: map[string]any{key: map[string]any{"x\n" + key: []any{nan()}}}}
	err = c.Validate(e)
	var ve *klaviyo.ValidationError
	if !errors.As(err, &ve) || len(err.Error()) > 300 || strings.ContainsAny(err.Error(), "\n") {
		t.Fatalf("err (%d bytes) = %.300q", len(err.Error()), err)
	}
	want := "properties." + strings.Repeat("k", 64) + "….x " + strings.Repeat("k", 62) + "…" // the inner name is over 100 KB
	if ve.Path != want {
		t.Errorf("path %q, want %q", ve.Path, want)
	}
}
