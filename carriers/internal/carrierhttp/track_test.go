package carrierhttp

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/postpurchase/postpurchase/carriers"
)

func TestAnswerTracking(t *testing.T) {
	codes := map[string]error{"NF": carriers.ErrNotFound}
	a := Answer{
		Carrier: "demo",
		Parse: func(body []byte, number string) ([]carriers.Tracking, error) {
			switch string(body) {
			case "bad":
				return nil, &carriers.Error{Carrier: "demo", Op: "parse", Err: &carriers.DecodeError{Path: "x"}}
			case "none":
				return nil, nil
			}
			return []carriers.Tracking{{Carrier: "demo", TrackingNumber: "OTHER"}, {Carrier: "demo", TrackingNumber: " 1z 999 "}}, nil
		},
		ErrorBody: func(body []byte) (string, string, bool) {
			code, msg, ok := strings.Cut(string(body), ":")
			return code, msg, ok
		},
		CodeSentinel: func(status int, code string) error { return CodeSentinel(codes, status, code) },
	}
	resp := func(status int, body string) *Response {
		return &Response{StatusCode: status, Header: http.Header{"X-Request-Id": {"hdr"}}, Body: []byte(body)}
	}

	tr, err := a.Tracking(resp(200, "ok"), "1Z999", "req")
	if err != nil || tr.TrackingNumber != " 1z 999 " {
		t.Errorf("pick: %+v, %v", tr, err)
	}
	tr, err = a.Tracking(resp(200, "ok"), "UNKNOWN", "req")
	if err != nil || tr.TrackingNumber != "OTHER" {
		t.Errorf("first: %+v, %v", tr, err)
	}

	_, err = a.Tracking(resp(200, "bad"), "1Z999", "req")
	var ce *carriers.Error
	if !errors.As(err, &ce) || ce.Op != "track" || ce.TrackingNumber != "1Z999" || ce.StatusCode != 200 || ce.RequestID != "req" ||
		!errors.Is(err, carriers.ErrMalformedResponse) {
		t.Errorf("parse error: %#v", err)
	}
	_, err = a.Tracking(resp(200, "none"), "1Z999", "req")
	if !errors.Is(err, carriers.ErrNotFound) || !errors.As(err, &ce) || ce.StatusCode != 200 {
		t.Errorf("no tracking: %v", err)
	}

	// The carrier's code says more than the status.
	_, err = a.Tracking(resp(400, "NF:"+strings.Repeat("m", 300)), "1Z999", "req")
	if !errors.Is(err, carriers.ErrNotFound) || !errors.As(err, &ce) || ce.Code != "NF" || ce.Message != strings.Repeat("m", 256)+"…" ||
		ce.StatusCode != 400 || ce.RequestID != "req" || ce.Op != "track" || ce.TrackingNumber != "1Z999" {
		t.Errorf("code: %#v", err)
	}
	// An unknown code follows the status; a body that is no error
	// document leaves Code empty.
	if _, err = a.Tracking(resp(503, "ZZ:down"), "1Z999", "req"); !errors.Is(err, carriers.ErrUnavailable) || !errors.As(err, &ce) || ce.Code != "ZZ" {
		t.Errorf("unknown code: %v", err)
	}
	if _, err = a.Tracking(resp(404, "<html>"), "1Z999", "req"); !errors.Is(err, carriers.ErrNotFound) || !errors.As(err, &ce) || ce.Code != "" {
		t.Errorf("no error document: %v", err)
	}
	// Without CodeSentinel the status decides; without ErrorBody the body
	// is not read.
	b := a
	b.CodeSentinel = nil
	if _, err = b.Tracking(resp(429, "NF:slow down"), "1Z999", "req"); !errors.Is(err, carriers.ErrRateLimited) || !errors.As(err, &ce) || ce.Message != "slow down" {
		t.Errorf("status sentinel: %v", err)
	}
	b.ErrorBody = nil
	if _, err = b.Tracking(resp(401, "NF:x"), "1Z999", "req"); !errors.Is(err, carriers.ErrUnauthorized) || !errors.As(err, &ce) || ce.Code != "" {
		t.Errorf("no ErrorBody: %v", err)
	}
}

func TestCodeSentinel(t *testing.T) {
	codes := map[string]error{"150001": carriers.ErrNotFound}
	for _, tc := range []struct {
		status int
		code   string
		want   error
	}{
		{400, " 150001 ", carriers.ErrNotFound},
		{400, "other", carriers.ErrInvalidNumber},
		{200, "other", carriers.ErrUnavailable},
		{0, "other", carriers.ErrUnavailable},
		{0, "150001", carriers.ErrNotFound},
	} {
		if got := CodeSentinel(codes, tc.status, tc.code); got != tc.want {
			t.Errorf("CodeSentinel(%d, %q) = %v, want %v", tc.status, tc.code, got, tc.want)
		}
	}
}

func TestSmallHelpers(t *testing.T) {
	if Clip("abcdef", 3) != "abc…" || Clip("ab", 3) != "ab" {
		t.Error("Clip")
	}
	a, b := RandomID(16), RandomID(16)
	if len(a) != 32 || a == b || strings.Trim(a, "0123456789abcdef") != "" {
		t.Errorf("RandomID: %q %q", a, b)
	}
	for raw, ok := range map[string]bool{"https://apis.fedex.com": true, "http://127.0.0.1:8080/x": true,
		"ftp://x": false, "apis.fedex.com": false, "/oauth": false, "https://": false, "%zz": false} {
		if _, err := CheckURL(raw); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v", raw, err)
		}
	}
}

func TestCleanNumber(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{" 1z 999 aa1 ", "1Z999AA1", true},
		{"1Z999AA", "1Z999AA", true},
		{"1Z999A", "1Z999A", false},
		{"1Z/../x99", "1Z/../X99", false},
		{"1Z\t9999999", "1Z\t9999999", false},
		{"12345678901", "12345678901", false},
	} {
		if got, ok := CleanNumber(tc.in, 7, 10); got != tc.want || ok != tc.ok {
			t.Errorf("CleanNumber(%q) = %q %v, want %q %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
