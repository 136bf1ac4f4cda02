package klaviyotest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Stats counts what the fake saw.
type Stats struct {
	// Requests is every request received.
	Requests int
	// Accepted is every event recorded; Duplicates every event dropped
	// because its unique_id was already recorded for the profile and metric.
	Accepted, Duplicates int
	// ProfilesCreated and ProfilesUpdated count profile imports.
	ProfilesCreated, ProfilesUpdated int
	// Throttled counts 429s for exceeding the rate limits.
	Throttled int
	// EarlyRetries counts requests re-sent (same body) before the
	// Retry-After of an earlier 429 for that body had passed. They are
	// answered with 429 again.
	EarlyRetries int
	// Injected counts injected faults by kind.
	Injected map[Fault]int
	// Rejected counts other 4xx answers (auth, headers, invalid bodies).
	Rejected int
}

// Event is an event the fake accepted.
type Event struct {
	// Seq orders accepted events from 1.
	Seq int
	// Path is the endpoint it came through.
	Path      string
	ProfileID string
	Metric    string
	// Email, PhoneNumber and CustomerID (sent as external_id) are the
	// identifiers sent with it.
	Email, PhoneNumber, CustomerID string
	// Properties as decoded from JSON (numbers as json.Number).
	Properties map[string]any
	// Time is the event time, or the receive time when none was sent.
	Time time.Time
	// Value is the value's JSON text ("" when absent).
	Value         string
	ValueCurrency string
	UniqueID      string
	Backfill      bool
	ReceivedAt    time.Time
}

// Profile is a profile as the fake stores it.
type Profile struct {
	ProfileID  string
	Attributes map[string]any // standard attributes, nulls removed
	Properties map[string]any
	Created    time.Time
	Updated    time.Time
}

// Server is a local fake of Klaviyo's event and profile-import endpoints.
// It is safe for concurrent use.
type Server struct {
	// URL is the base URL to give the client (klaviyo.Options.BaseURL).
	URL string

	ts  *httptest.Server
	cfg Options
	now func() time.Time

	mu         sync.Mutex
	limits     map[string]Limit
	windows    map[string]*windowCount
	notBefore  map[[32]byte]time.Time
	seq        int
	stats      Stats
	events     []Event
	seen       map[dedupeKey]struct{}
	profiles   []*Profile
	byID       map[string]*Profile
	byEmail    map[string]*Profile
	byPhone    map[string]*Profile
	byExternal map[string]*Profile
}

type windowCount struct {
	burstIdx, steadyIdx int64
	burst, steady       int
}

type dedupeKey struct{ profile, metric, uid string }

// NewServer starts a fake. Close it when done.
func NewServer(cfg Options) (*Server, error) {
	if cfg.Revision != "" && !validRevision(cfg.Revision) {
		return nil, fmt.Errorf("klaviyotest: revision %q is not YYYY-MM-DD[.suffix]", cfg.Revision)
	}
	if cfg.RetryAfter < 0 || cfg.SlowDelay < 0 {
		return nil, errors.New("klaviyotest: negative RetryAfter or SlowDelay")
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = 1
	}
	if cfg.SlowDelay == 0 {
		cfg.SlowDelay = 200 * time.Millisecond
	}
	limits := DefaultLimits()
	for p, l := range cfg.Limits {
		if _, ok := limits[p]; !ok {
			return nil, fmt.Errorf("klaviyotest: limit for unknown path %q", p)
		}
		if l.Burst < 1 || l.Steady < 1 || l.BurstWindow <= 0 || l.SteadyWindow <= 0 {
			return nil, fmt.Errorf("klaviyotest: limit for %s needs positive counts and windows", p)
		}
		limits[p] = l
	}
	s := &Server{
		cfg:        cfg,
		now:        cfg.Now,
		limits:     limits,
		windows:    map[string]*windowCount{},
		notBefore:  map[[32]byte]time.Time{},
		seen:       map[dedupeKey]struct{}{},
		byID:       map[string]*Profile{},
		byEmail:    map[string]*Profile{},
		byPhone:    map[string]*Profile{},
		byExternal: map[string]*Profile{},
	}
	s.stats.Injected = map[Fault]int{}
	if s.now == nil {
		s.now = time.Now
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	return s, nil
}

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// Client returns an *http.Client suited to the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Injected = make(map[Fault]int, len(s.stats.Injected))
	for k, v := range s.stats.Injected {
		st.Injected[k] = v
	}
	return st
}

// Events returns the accepted events in acceptance order.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Event, len(s.events))
	copy(out, s.events)
	return out
}

// Profiles returns copies of the stored profiles in creation order.
func (s *Server) Profiles() []Profile {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Profile, len(s.profiles))
	for i, p := range s.profiles {
		out[i] = copyProfile(p)
	}
	return out
}

// ProfileByEmail returns the profile with this email.
func (s *Server) ProfileByEmail(email string) (Profile, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byEmail[email]
	if !ok {
		return Profile{}, false
	}
	return copyProfile(p), true
}

func copyProfile(p *Profile) Profile {
	c := *p
	c.Attributes = cloneMap(p.Attributes)
	c.Properties = cloneMap(p.Properties)
	return c
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// apiError is one JSON:API error object as Klaviyo sends it.
type apiError struct {
	ID     string         `json:"id"`
	Status int            `json:"status"`
	Code   string         `json:"code"`
	Title  string         `json:"title"`
	Detail string         `json:"detail"`
	Source map[string]any `json:"source,omitempty"`
	Meta   map[string]any `json:"meta"`
}

func (s *Server) reqID(seq int) string {
	return fmt.Sprintf("fa4e0000-0000-4000-8000-%012d", seq)
}

func (s *Server) writeError(w http.ResponseWriter, seq, status int, code, title, detail, pointer, parameter string, meta map[string]any) {
	e := apiError{ID: s.reqID(seq), Status: status, Code: code, Title: title, Detail: detail, Meta: meta}
	if e.Meta == nil {
		e.Meta = map[string]any{}
	}
	if pointer != "" {
		e.Source = map[string]any{"pointer": pointer}
	} else if parameter != "" {
		e.Source = map[string]any{"parameter": parameter}
	}
	body, _ := json.Marshal(map[string]any{"errors": []apiError{e}})
	w.Header().Set("Content-Type", "application/vnd.api+json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) reject(w http.ResponseWriter, seq, status int, code, title, detail, pointer, parameter string) {
	s.mu.Lock()
	s.stats.Rejected++
	s.mu.Unlock()
	s.writeError(w, seq, status, code, title, detail, pointer, parameter, nil)
}

func validRevision(v string) bool {
	date, suffix, has := strings.Cut(v, ".")
	if has && suffix == "" {
		return false
	}
	_, err := time.Parse("2006-01-02", date)
	return err == nil
}

func maxBody(path string) int64 {
	if path == PathProfileImport {
		return 100 << 10
	}
	return 5 << 20
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.seq++
	seq := s.seq
	s.stats.Requests++
	s.mu.Unlock()
	w.Header().Set("X-Klaviyo-Req-Id", s.reqID(seq))

	path := r.URL.Path
	if _, ok := s.limits[path]; !ok {
		s.reject(w, seq, http.StatusNotFound, "not_found", "Not found.", "No endpoint at this path.", "", "")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.reject(w, seq, http.StatusMethodNotAllowed, "method_not_allowed", "Method not allowed.", "Method \""+r.Method+"\" not allowed.", "", "")
		return
	}
	if !s.authorized(r.Header.Get("Authorization")) {
		s.reject(w, seq, http.StatusUnauthorized, "not_authenticated", "Authentication credentials were not provided.", "Missing or invalid private key.", "", "")
		return
	}
	rev := r.Header.Get("Revision")
	if rev == "" || !validRevision(rev) || (s.cfg.Revision != "" && rev != s.cfg.Revision) {
		s.reject(w, seq, http.StatusBadRequest, "invalid", "Invalid input.", "A valid revision header is required.", "", "revision")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/vnd.api+json" && mt != "application/json") {
		s.reject(w, seq, http.StatusUnsupportedMediaType, "unsupported_media_type", "Unsupported media type.", "Content-Type must be application/vnd.api+json.", "", "")
		return
	}
	if acc := r.Header.Get("Accept"); acc != "" && !acceptable(acc) {
		s.reject(w, seq, http.StatusNotAcceptable, "not_acceptable", "Not acceptable.", "Could not satisfy the request Accept header.", "", "")
		return
	}
	limit := maxBody(path)
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return // the client went away
	}
	if int64(len(body)) > limit {
		s.reject(w, seq, http.StatusRequestEntityTooLarge, "invalid", "Invalid input.", fmt.Sprintf("The payload is larger than %d bytes.", limit), "/data", "")
		return
	}
	hash := sha256.Sum256(body)
	now := s.now()

	// A re-send of a throttled body before its Retry-After passed.
	s.mu.Lock()
	if nb, ok := s.notBefore[hash]; ok && now.Before(nb) {
		s.stats.EarlyRetries++
		s.mu.Unlock()
		s.throttle(w, seq, nb.Sub(now), hash, now, false)
		return
	}
	s.mu.Unlock()

	fault := NoFault
	if s.cfg.Faults != nil {
		fault = s.cfg.Faults(RequestInfo{Seq: seq, Path: path, Body: body})
	}
	if fault != NoFault {
		s.mu.Lock()
		s.stats.Injected[fault]++
		s.mu.Unlock()
	}
	switch fault {
	case FaultThrottle:
		s.throttle(w, seq, time.Duration(s.cfg.RetryAfter)*time.Second, hash, now, false)
		return
	case FaultServerError:
		s.writeError(w, seq, http.StatusInternalServerError, "error", "A server error occurred.", "A server error occurred.", "", "", nil)
		return
	case FaultUnavailable:
		s.writeError(w, seq, http.StatusServiceUnavailable, "service_unavailable", "Service unavailable.", "Please try again later.", "", "", nil)
		return
	case FaultReset:
		resetConn(w)
		return
	case FaultSlow:
		t := time.NewTimer(s.cfg.SlowDelay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
		now = s.now()
	}

	if !s.cfg.NoRateLimits {
		if wait, ok := s.admit(path, now); !ok {
			s.throttle(w, seq, wait, hash, now, true)
			return
		}
	}

	doc, perr := checkBody(path, body, now)
	if perr != nil {
		s.reject(w, seq, perr.status, perr.code, "Invalid input.", perr.detail, perr.pointer, "")
		return
	}
	if s.cfg.Validate != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := s.cfg.Validate(r, body); err != nil {
			s.reject(w, seq, http.StatusBadRequest, "invalid", "Invalid input.", "OpenAPI: "+err.Error(), "/data", "")
			return
		}
	}

	var status int
	var respBody []byte
	switch path {
	case PathEvents:
		s.recordEvents(path, doc.events, now)
		status = http.StatusAccepted
	case PathBulkEvents:
		if i, dup := s.duplicateInBulk(doc.events); dup {
			s.reject(w, seq, http.StatusBadRequest, "invalid", "Invalid input.", fmt.Sprintf("Event %d repeats a unique_id for the same profile and metric; no events were processed.", i), "/data/attributes/events-bulk-create/data", "")
			return
		}
		s.recordEvents(path, doc.events, now)
		status = http.StatusAccepted
	case PathProfileImport:
		var dup string
		var berr *bodyError
		status, respBody, dup, berr = s.upsert(doc.profile, now)
		if berr != nil {
			s.reject(w, seq, berr.status, berr.code, "Not found.", berr.detail, berr.pointer, "")
			return
		}
		if dup != "" {
			s.writeError(w, seq, http.StatusConflict, "duplicate_profile", "Conflict.", "A profile already exists with one of these identifiers.", "/data/attributes", "", map[string]any{"duplicate_profile_id": dup})
			return
		}
	}

	switch fault {
	case FaultResetAfterAccept:
		resetConn(w)
		return
	case FaultServerErrorAfterAccept:
		s.writeError(w, seq, http.StatusInternalServerError, "error", "A server error occurred.", "A server error occurred.", "", "", nil)
		return
	}
	s.rateHeaders(w, path, now)
	if respBody != nil {
		w.Header().Set("Content-Type", "application/vnd.api+json")
		w.WriteHeader(status)
		_, _ = w.Write(respBody)
		return
	}
	w.WriteHeader(status)
}

func acceptable(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/vnd.api+json", "application/json", "application/*", "*/*":
			return true
		}
	}
	return false
}

func (s *Server) authorized(h string) bool {
	key, ok := strings.CutPrefix(h, "Klaviyo-API-Key ")
	if !ok || key == "" {
		return false
	}
	return s.cfg.APIKey == "" || key == s.cfg.APIKey
}

// throttle answers 429 with a Retry-After of wait rounded up to whole
// seconds, and remembers not to accept this body before it passes.
func (s *Server) throttle(w http.ResponseWriter, seq int, wait time.Duration, hash [32]byte, now time.Time, byLimit bool) {
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	s.mu.Lock()
	if byLimit {
		s.stats.Throttled++
	}
	nb := now.Add(time.Duration(secs) * time.Second)
	if nb.After(s.notBefore[hash]) {
		s.notBefore[hash] = nb
	}
	s.mu.Unlock()
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	e := apiError{ID: s.reqID(seq), Status: http.StatusTooManyRequests, Code: "throttled", Title: "Request was throttled.",
		Detail: fmt.Sprintf("Request was throttled. Expected available in %d %s.", secs, unit),
		Source: map[string]any{"pointer": "/data"}, Meta: map[string]any{}}
	body, _ := json.Marshal(map[string]any{"errors": []apiError{e}})
	w.Header().Set("Content-Type", "application/vnd.api+json")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write(body)
}

// admit counts the request in the endpoint's fixed windows. When a window
// is full it returns the time until that window ends.
func (s *Server) admit(path string, now time.Time) (time.Duration, bool) {
	l := s.limits[path]
	s.mu.Lock()
	defer s.mu.Unlock()
	wc := s.windows[path]
	if wc == nil {
		wc = &windowCount{}
		s.windows[path] = wc
	}
	ns := now.UnixNano()
	bi, si := ns/int64(l.BurstWindow), ns/int64(l.SteadyWindow)
	if bi != wc.burstIdx {
		wc.burstIdx, wc.burst = bi, 0
	}
	if si != wc.steadyIdx {
		wc.steadyIdx, wc.steady = si, 0
	}
	if wc.steady >= l.Steady {
		return time.Duration((si+1)*int64(l.SteadyWindow) - ns), false
	}
	if wc.burst >= l.Burst {
		return time.Duration((bi+1)*int64(l.BurstWindow) - ns), false
	}
	wc.burst++
	wc.steady++
	return 0, true
}

// rateHeaders sets RateLimit-* headers as Klaviyo does on non-429 answers.
func (s *Server) rateHeaders(w http.ResponseWriter, path string, now time.Time) {
	if s.cfg.NoRateLimits {
		return
	}
	l := s.limits[path]
	s.mu.Lock()
	wc := s.windows[path]
	used := 0
	if wc != nil {
		used = wc.steady
	}
	s.mu.Unlock()
	ns := now.UnixNano()
	reset := (int64(l.SteadyWindow) - ns%int64(l.SteadyWindow) + int64(time.Second) - 1) / int64(time.Second)
	h := w.Header()
	h.Set("RateLimit-Limit", fmt.Sprintf("%d, %d;w=%d, %d;w=%d", l.Steady, l.Burst, int(l.BurstWindow.Seconds()+0.5), l.Steady, int(l.SteadyWindow.Seconds()+0.5)))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(0, l.Steady-used)))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset, 10))
}

// resetConn aborts the connection with a TCP reset.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
