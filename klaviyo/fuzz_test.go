package klaviyo

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzKey is the API key the fuzzed answers may echo.
const fuzzKey = "pk_fuzz_5f1c0ffee0ddba11deadbeef42"

// FuzzParseErrorBody: any error body (JSON:API, other JSON, HTML, garbage)
// becomes an APIError without panicking; its message is bounded (every
// echoed text clipped), never shows a raw non-JSON body nor the API key or
// a fragment of it, and classification does not panic.
func FuzzParseErrorBody(f *testing.F) {
	files, _ := filepath.Glob("testdata/error-*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(429, "application/vnd.api+json", b)
	}
	f.Add(403, "text/html", []byte("<html><title>Just a moment...</title></html>"))
	f.Add(500, "", []byte(""))
	f.Add(400, "application/json", []byte(`{"errors":[{"status":"400","source":{"pointer":7},"meta":[]}]}`))
	f.Add(401, "application/vnd.api+json", []byte(`{"errors":[{"code":"`+fuzzKey+`","title":"Klaviyo-API-Key `+fuzzKey+`","detail":"key `+fuzzKey[3:]+` invalid","source":{"pointer":"/`+fuzzKey+`"},"meta":{"k":"`+fuzzKey+`"}}]}`))
	f.Add(400, "application/vnd.api+json", []byte(`{"errors":[{"code":"invalid","detail":"`+strings.Repeat("é", 300)+`\n`+fuzzKey+`"}]}`))
	f.Add(502, "text/plain", []byte(strings.Repeat("x", 500)+fuzzKey))
	f.Fuzz(func(t *testing.T, status int, ct string, body []byte) {
		e := &APIError{Method: "POST", Endpoint: EndpointEvents, StatusCode: status}
		e.parseErrorBody(ct, body, redactor{key: fuzzKey})
		msg := e.Error()
		if !strings.HasPrefix(msg, "klaviyo: POST /api/events: status ") {
			t.Fatalf("message %q", msg)
		}
		if len(e.Errors) == 0 && len(body) > 16 && strings.Contains(msg, string(body)) {
			t.Fatalf("raw body in message %q", msg)
		}
		if len(e.Body) > maxRawBody {
			t.Fatalf("kept %d raw bytes", len(e.Body))
		}
		// code, detail, source, request ID: each at most 64 bytes plus "…".
		if len(msg) > 400 {
			t.Fatalf("message of %d bytes: %q", len(msg), msg)
		}
		kept := msg + string(e.Body)
		for _, o := range e.Errors {
			kept += o.ID + o.Code + o.Title + o.Detail + o.Source.Pointer + o.Source.Parameter + string(o.Meta)
		}
		if !bytes.Contains(body, []byte(fuzzKey[:8])) && !bytes.Contains(body, []byte(fuzzKey[len(fuzzKey)-8:])) {
			return
		}
		for i := 0; i+8 <= len(fuzzKey); i++ {
			if strings.Contains(kept, fuzzKey[i:i+8]) {
				t.Fatalf("key fragment %q kept: %q", fuzzKey[i:i+8], kept)
			}
		}
		for _, s := range []error{ErrRateLimited, ErrUnauthorized, ErrInvalid, ErrDuplicateProfile, ErrUnavailable} {
			_ = e.Is(s)
		}
		_ = e.DuplicateProfileID()
		_ = isJSONContentType(ct)
	})
}

// FuzzEncodeProperties: properties decoded from arbitrary JSON either fail
// validation with a field path, or encode to valid JSON that decodes to the
// same value (encoding/json as the reference), with sorted keys.
func FuzzEncodeProperties(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":[true,null,"x\u2028y"],"c":{"d":1.5e300}}`))
	f.Add([]byte(`{"":1}`))
	f.Add([]byte(`{"k":"\ud800"}`))
	b, _ := os.ReadFile("testdata/create-event.request.json")
	f.Add(b)
	f.Fuzz(func(t *testing.T, in []byte) {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.UseNumber()
		if dec.Decode(&m) != nil || m == nil {
			return
		}
		st := encodeState{path: []string{"properties"}}
		out, err := appendProperties(nil, &st, m, MaxEventProperties)
		if err != nil {
			ve, ok := err.(*ValidationError)
			if !ok || !strings.HasPrefix(ve.Path, "properties") || ve.Reason == "" {
				t.Fatalf("error %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %q from %q", out, in)
		}
		var back, ref any
		d1 := json.NewDecoder(bytes.NewReader(out))
		d1.UseNumber()
		_ = d1.Decode(&back)
		refBytes, _ := json.Marshal(m)
		d2 := json.NewDecoder(bytes.NewReader(refBytes))
		d2.UseNumber()
		_ = d2.Decode(&ref)
		bj, _ := json.Marshal(back)
		rj, _ := json.Marshal(ref)
		if !bytes.Equal(bj, rj) {
			t.Fatalf("round trip differs:\n got %s\nwant %s", bj, rj)
		}
	})
}
