package klaviyo

import (
	"strings"
	"testing"
)

func TestAPIErrorRedactsEchoedIdentifiers(t *testing.T) {
	e := &APIError{Method: "POST", Endpoint: EndpointEvents, StatusCode: 400, Errors: []ErrorObject{{
		Code:   "invalid",
		Detail: `Email 'jane.doe+vip@example.com' or phone "+1 555-010-9999" for 01HXYZ; qty 3`,
	}}}
	msg := e.Error()
	for _, leak := range []string{"jane.doe", "example.com", "555-010-9999"} {
		if strings.Contains(msg, leak) {
			t.Errorf("Error() leaks %q: %s", leak, msg)
		}
	}
	for _, keep := range []string{"[email]", "[phone]", "01HXYZ", "qty 3", "status 400"} {
		if !strings.Contains(msg, keep) {
			t.Errorf("Error() lost %q: %s", keep, msg)
		}
	}
	if e.Errors[0].Detail == "" || !strings.Contains(e.Errors[0].Detail, "jane.doe") {
		t.Error("the ErrorObject must keep Klaviyo's detail as sent")
	}
}

func TestRedactPIIPassesPlainText(t *testing.T) {
	for _, s := range []string{"", "Invalid input.", "The page[size] parameter must be 1-100", "revision 2026-07-15 is not valid"} {
		if got := redactPII(s); got != s {
			t.Errorf("redactPII(%q) = %q", s, got)
		}
	}
}
