package klaviyo

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/internal/jsonstr"
)

// Identifiers name the Klaviyo profile an event or update belongs to. At
// least one must be set. Klaviyo creates the profile when none matches.
type Identifiers struct {
	// ProfileID is Klaviyo's own profile ID ("01GDDKASAP8TKDDA2GRZDSVP4H").
	ProfileID string
	// Email is the customer's email address.
	Email string
	// PhoneNumber is in E.164 format ("+15005550006").
	PhoneNumber string
	// CustomerID is the host's own customer ID, sent as Klaviyo's
	// external_id.
	CustomerID string
}

// IsZero reports whether no identifier is set.
func (id Identifiers) IsZero() bool {
	return id.ProfileID == "" && id.Email == "" && id.PhoneNumber == "" && id.CustomerID == ""
}

// Event is one Klaviyo event (POST /api/events, or one entry of a bulk job).
// Build post-purchase events with Catalog rather than by hand.
type Event struct {
	// Metric is the metric name flows trigger on; 1–127 characters.
	Metric string
	// Profile identifies whom the event is about (required).
	Profile Identifiers
	// ProfileProperties, when non-empty, are custom properties set on the
	// profile together with the event (profile.attributes.properties).
	ProfileProperties map[string]any
	// Properties are the event's properties (at most 400 at the top level).
	// Values may be nil, strings, bools, integers, floats (finite),
	// decimal.Decimal (sent as a JSON number, exactly), json.Number,
	// time.Time (RFC 3339 UTC), json.RawMessage, map[string]any,
	// map[string]string, []any, []string, []map[string]any; anything else
	// goes through encoding/json. Maps are sent with sorted keys.
	Properties map[string]any
	// Time is when the event happened. Zero means "now" by the client's
	// clock, fixed before the first attempt so retries carry the same time.
	// Must be after 2000-01-01 and at most one year ahead. Klaviyo keeps
	// whole seconds.
	Time time.Time
	// Value is the event's monetary value, sent with ValueCurrency. It is
	// sent when ValueCurrency is set; a non-zero Value without a currency is
	// rejected.
	Value decimal.Decimal
	// ValueCurrency is the ISO 4217 code of Value ("USD").
	ValueCurrency string
	// UniqueID de-duplicates the event: Klaviyo records only the first event
	// with a given unique_id per profile and metric. Empty means derived
	// deterministically from the metric, identifiers, time, value and
	// properties (never random), so a retry or a second process sending the
	// same event is recorded once. With a zero Time the derivation uses the
	// client's "now", which differs between calls and processes: set Time
	// (when the domain event happened) or UniqueID for that guarantee.
	UniqueID string
	// Backfill records the event without triggering flows (historical
	// imports). Needs revision 2026-04-15 or later.
	Backfill bool
}

// encodeConfig is what encoding needs from the client.
type encodeConfig struct {
	now           time.Time
	allowBackfill bool
}

var minEventTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// validateIdentifiers checks the identifiers under the JSON path prefix.
func validateIdentifiers(prefix string, id Identifiers) error {
	if id.IsZero() {
		return &ValidationError{Path: prefix, Reason: "needs at least one identifier (email, phone_number, external_id or id)"}
	}
	if id.Email != "" {
		if r := emailProblem(id.Email); r != "" {
			return &ValidationError{Path: prefix + ".email", Reason: r}
		}
	}
	if id.PhoneNumber != "" && !isE164(id.PhoneNumber) {
		return &ValidationError{Path: prefix + ".phone_number", Reason: "not in E.164 format (+ and 8 to 15 digits)"}
	}
	if id.CustomerID != "" {
		if r := idProblem(id.CustomerID); r != "" {
			return &ValidationError{Path: prefix + ".external_id", Reason: r}
		}
	}
	if id.ProfileID != "" {
		if r := idProblem(id.ProfileID); r != "" {
			return &ValidationError{Path: prefix + ".id", Reason: r}
		}
	}
	return nil
}

func idProblem(s string) string {
	if len(s) > 255 {
		return "longer than 255 bytes"
	}
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	if strings.TrimSpace(s) != s {
		return "has leading or trailing space"
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "has control characters"
		}
	}
	return ""
}

func emailProblem(s string) string {
	if len(s) > 254 {
		return "longer than 254 bytes"
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "not an email address"
	}
	if !strings.Contains(s[at+1:], ".") && s[at+1:] != "localhost" {
		return "not an email address (domain has no dot)"
	}
	for _, r := range s {
		if r <= 0x20 || r == 0x7f {
			return "not an email address (has space or control characters)"
		}
	}
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	return ""
}

// isE164 reports whether s is "+" followed by 8 to 15 digits, the first not 0.
func isE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isCurrency reports whether s looks like an ISO 4217 alphabetic code.
func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// validateEventHead checks everything but the properties.
func validateEventHead(e *Event, cfg encodeConfig) error {
	name := e.Metric
	if strings.TrimSpace(name) == "" {
		return &ValidationError{Path: "metric.name", Reason: "empty"}
	}
	if !utf8.ValidString(name) {
		return &ValidationError{Path: "metric.name", Reason: "not valid UTF-8"}
	}
	if n := utf8.RuneCountInString(name); n > MaxMetricNameLength {
		return &ValidationError{Path: "metric.name", Reason: "has " + strconv.Itoa(n) + " characters; Klaviyo needs fewer than 128"}
	}
	if err := validateIdentifiers("profile", e.Profile); err != nil {
		return err
	}
	if !e.Time.IsZero() {
		if e.Time.Before(minEventTime) {
			return &ValidationError{Path: "time", Reason: "before 2000-01-01"}
		}
		if e.Time.After(cfg.now.AddDate(1, 0, 0)) {
			return &ValidationError{Path: "time", Reason: "more than one year in the future"}
		}
	}
	if e.ValueCurrency != "" && !isCurrency(e.ValueCurrency) {
		return &ValidationError{Path: "value_currency", Reason: "not an ISO 4217 code (three upper-case letters)"}
	}
	if e.ValueCurrency == "" && !e.Value.IsZero() {
		return &ValidationError{Path: "value_currency", Reason: "required when value is set"}
	}
	if e.UniqueID != "" {
		if r := idProblem(e.UniqueID); r != "" {
			return &ValidationError{Path: "unique_id", Reason: r}
		}
	}
	if e.Backfill && !cfg.allowBackfill {
		return &ValidationError{Path: "backfill", Reason: "needs revision 2026-04-15 or later"}
	}
	return nil
}

// appendProfileObject appends {"type":"profile",["id":…,]"attributes":{…}}.
// st, when not nil, is a scratch encodeState to reuse (its path is reset).
func appendProfileObject(b []byte, st *encodeState, id Identifiers, props map[string]any) ([]byte, error) {
	b = append(b, `{"type":"profile",`...)
	if id.ProfileID != "" {
		b = append(b, `"id":`...)
		b = jsonstr.Append(b, id.ProfileID)
		b = append(b, ',')
	}
	b = append(b, `"attributes":{`...)
	n := len(b)
	if id.Email != "" {
		b = append(b, `"email":`...)
		b = jsonstr.Append(b, id.Email)
	}
	if id.PhoneNumber != "" {
		if len(b) > n {
			b = append(b, ',')
		}
		b = append(b, `"phone_number":`...)
		b = jsonstr.Append(b, id.PhoneNumber)
	}
	if id.CustomerID != "" {
		if len(b) > n {
			b = append(b, ',')
		}
		b = append(b, `"external_id":`...)
		b = jsonstr.Append(b, id.CustomerID)
	}
	if len(props) > 0 {
		if len(b) > n {
			b = append(b, ',')
		}
		b = append(b, `"properties":`...)
		if st == nil {
			st = &encodeState{}
		}
		st.path = append(st.path[:0], "profile", "properties")
		var err error
		if b, err = appendProperties(b, st, props, 0); err != nil {
			return b, err
		}
	}
	return append(b, "}}"...), nil
}

// appendEventAttributes appends the members of an event's "attributes"
// object except "profile" (no braces). It validates e first.
func appendEventAttributes(b []byte, st *encodeState, e *Event, cfg encodeConfig) ([]byte, error) {
	b, _, err := appendEventAttributesUID(b, st, e, cfg)
	return b, err
}

// appendEventAttributesUID is appendEventAttributes that also returns where
// the unique_id string (with quotes) starts in b. st is scratch state for
// paths, reused by the caller for the profile (one allocation per event).
func appendEventAttributesUID(b []byte, st *encodeState, e *Event, cfg encodeConfig) ([]byte, [2]int, error) {
	var uid [2]int
	if err := validateEventHead(e, cfg); err != nil {
		return b, uid, err
	}
	t := e.Time
	if t.IsZero() {
		t = cfg.now
	}
	b = append(b, `"properties":`...)
	propStart := len(b)
	st.path = append(st.path[:0], "properties")
	var err error
	if b, err = appendProperties(b, st, e.Properties, MaxEventProperties); err != nil {
		return b, uid, err
	}
	propEnd := len(b)
	b = append(b, `,"time":`...)
	timeStart := len(b)
	b = appendTime(b, t)
	timeEnd := len(b)
	if e.ValueCurrency != "" {
		b = append(b, `,"value":`...)
		b = append(b, e.Value.String()...)
		b = append(b, `,"value_currency":`...)
		b = jsonstr.Append(b, e.ValueCurrency)
	}
	b = append(b, `,"unique_id":`...)
	uid[0] = len(b)
	if e.UniqueID != "" {
		b = jsonstr.Append(b, e.UniqueID)
	} else {
		b = appendDerivedUniqueID(b, e, b[timeStart:timeEnd], b[propStart:propEnd])
	}
	uid[1] = len(b)
	if e.Backfill {
		b = append(b, `,"backfill":true`...)
	}
	b = append(b, `,"metric":{"data":{"type":"metric","attributes":{"name":`...)
	b = jsonstr.Append(b, e.Metric)
	return append(b, "}}}"...), uid, nil
}

// DeriveUniqueID returns the unique_id the client sends for e when
// e.UniqueID is empty: a hash of the metric, identifiers, time (to the
// second), value, currency and the encoded properties. now stands in for a
// zero e.Time, as the client's clock does; like every instant in the
// module's signatures, it comes first.
func DeriveUniqueID(now time.Time, e Event) (string, error) {
	if e.UniqueID != "" {
		return e.UniqueID, nil
	}
	cfg := encodeConfig{now: now, allowBackfill: true}
	if err := validateEventHead(&e, cfg); err != nil {
		return "", err
	}
	t := e.Time
	if t.IsZero() {
		t = now
	}
	st := encodeState{path: []string{"properties"}}
	props, err := appendProperties(nil, &st, e.Properties, MaxEventProperties)
	if err != nil {
		return "", err
	}
	id := appendDerivedUniqueID(nil, &e, appendTime(nil, t), props)
	return string(id[1 : len(id)-1]), nil
}

func appendDerivedUniqueID(b []byte, e *Event, timeJSON, propsJSON []byte) []byte {
	h := sha256.New()
	sep := []byte{0}
	h.Write([]byte(e.Metric))
	h.Write(sep)
	h.Write([]byte(e.Profile.ProfileID))
	h.Write(sep)
	h.Write([]byte(e.Profile.Email))
	h.Write(sep)
	h.Write([]byte(e.Profile.PhoneNumber))
	h.Write(sep)
	h.Write([]byte(e.Profile.CustomerID))
	h.Write(sep)
	h.Write(timeJSON)
	h.Write(sep)
	if e.ValueCurrency != "" {
		h.Write([]byte(e.Value.String()))
		h.Write([]byte(e.ValueCurrency))
	}
	h.Write(sep)
	h.Write(propsJSON)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	b = append(b, `"pp1-`...)
	b = hex.AppendEncode(b, sum[:16])
	return append(b, '"')
}

// appendEventBody appends a complete Create Event request body.
func appendEventBody(b []byte, e *Event, cfg encodeConfig) ([]byte, error) {
	b = append(b, `{"data":{"type":"event","attributes":{`...)
	var err error
	var pathBuf [8]string
	st := &encodeState{path: pathBuf[:0]}
	if b, err = appendEventAttributes(b, st, e, cfg); err != nil {
		return b, err
	}
	b = append(b, `,"profile":{"data":`...)
	if b, err = appendProfileObject(b, st, e.Profile, e.ProfileProperties); err != nil {
		return b, err
	}
	b = append(b, "}}}}"...)
	if len(b) > MaxEventPayloadBytes {
		return b, &ValidationError{Path: "data", Reason: "event payload larger than 5 MB"}
	}
	return b, nil
}
