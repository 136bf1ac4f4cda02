package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/postpurchase/postpurchase"
)

// Source is what the hub reads orders from and files cases through. The
// *postpurchase.Engine implements it.
type Source interface {
	// OrderView returns the order's page data as of now; an unknown order
	// is an error matching postpurchase.ErrNotFound.
	OrderView(ctx context.Context, now time.Time, orderID string) (*postpurchase.OrderView, error)
	// FileClaim files a claim; its errors include *postpurchase.WindowError,
	// *postpurchase.CaseExistsError and *postpurchase.InputError.
	FileClaim(ctx context.Context, now time.Time, req postpurchase.ClaimRequest) (postpurchase.Case, error)
	// StartReturn starts a return, with the same errors as FileClaim.
	StartReturn(ctx context.Context, now time.Time, req postpurchase.ReturnRequest) (postpurchase.Case, error)
}

// Brand is how the pages look and whom customers contact. Every field is
// optional.
type Brand struct {
	// Name is the brand's name, shown in the header and the title.
	Name string
	// LogoURL is the logo image: https, or a path on the host's site
	// (plain http is refused: the Content-Security-Policy would block it).
	LogoURL string
	// Primary, Background and Text are CSS colours as "#rgb" or
	// "#rrggbb". Defaults: #1f4fd1, #f6f7f9, #1b1d21.
	Primary, Background, Text string
	// SupportEmail, SupportPhone and SupportURL are shown in the footer.
	SupportEmail string
	SupportPhone string
	SupportURL   string
}

// Options configures a Handler. Keys is required; every other field's
// zero value is the documented default.
type Options struct {
	// Keys sign and verify links and session cookies. Keys[0] signs; every
	// key verifies, so a key is rotated by putting a new one first and
	// keeping the old ones until their links expire. Each key is at least
	// MinKeyLen (32) random bytes; keep them secret.
	Keys [][]byte
	// Brand styles the pages.
	Brand Brand
	// Strings overrides texts of DefaultStrings by key.
	Strings map[string]string
	// Recommender, if set, supplies the products recommended on the page
	// (moment postpurchase.MomentPage); otherwise the view's Products are
	// shown.
	Recommender postpurchase.Recommender
	// BaseURL is the absolute URL the handler is mounted at
	// ("https://shop.example/orders/"), used by Link. Empty makes Link
	// return paths relative to the mount point ("track/…").
	BaseURL string
	// LinkTTL is how long a link from Link stays valid. Default 120 days:
	// long enough for the journey, a return window and a late claim.
	LinkTTL time.Duration
	// SessionTTL is how long a customer stays verified after confirming
	// their email or postcode. Default 1 hour.
	SessionTTL time.Duration
	// Location is the brand's time zone, for dates that are not a
	// carrier's local scan time (order placed, claim windows). Default UTC.
	Location *time.Location
	// VerifyRate and VerifyBurst limit verification attempts (lookup and
	// confirm forms) per client. Defaults: 10 per minute, burst 5.
	VerifyRate  rate.Limit
	VerifyBurst int
	// OrderRate and OrderBurst limit verification attempts per order
	// number, from any client: a postcode has few values, and many
	// addresses must not make guessing one cheap. Defaults: 20 per hour,
	// burst 10.
	OrderRate  rate.Limit
	OrderBurst int
	// ClientKey names the client a request comes from, for the rate limit.
	// Default: the remote IP (IPv6 by /64). Behind a proxy, return the
	// address the proxy reports.
	ClientKey func(r *http.Request) string
	// SecureCookies marks the session cookie Secure even when the request
	// arrived over plain HTTP (set it behind a TLS-terminating proxy).
	// Requests over TLS always get Secure cookies.
	SecureCookies bool
	// FormatDate shows dates and times in the brand's language; nil means
	// FormatDate (English). It gets t in the location to show it in.
	FormatDate func(t time.Time, s DateStyle) string
	// TimelineShown is how many tracking events are shown before "show
	// more". Default 5.
	TimelineShown int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives operational errors (never personal data); nil means
	// slog.Default().
	Logger *slog.Logger
}

// OptionError is an invalid Options field given to New, or an invalid
// argument to Link.
type OptionError struct {
	// Field names the field or argument ("Brand.Primary", "Keys[1]").
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns "hub: Options.<Field>: <Reason>".
func (e *OptionError) Error() string { return "hub: Options." + e.Field + ": " + e.Reason }

// Handler serves the hub: the lookup form at the mount point, an order's
// page at track/<token>, and its JSON at api/track/<token>. Mount it under
// any prefix with http.StripPrefix; every link it makes is relative. It
// is safe for concurrent use.
type Handler struct {
	src     Source
	opts    Options
	sig     signer
	str     map[string]string
	tmpl    *template.Template
	css     template.CSS
	csp     string
	limiter *limiter // per client
	orders  *limiter // per order number
	inner   http.Handler
	log     *slog.Logger

	notFoundHTML []byte
	notFoundJSON []byte
}

// textRE matches a text of the templates: {{t "key"}}.
var textRE = regexp.MustCompile(`\{\{t "([a-z0-9_.]+)"\}\}`)

var colourRE = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// New returns a Handler reading from src.
func New(src Source, opts Options) (*Handler, error) {
	if src == nil {
		return nil, &OptionError{"Source", "is nil"}
	}
	if len(opts.Keys) == 0 {
		return nil, &OptionError{"Keys", "at least one key is required"}
	}
	keys := make([][]byte, len(opts.Keys))
	for i, k := range opts.Keys {
		if len(k) < MinKeyLen {
			return nil, &OptionError{fmt.Sprintf("Keys[%d]", i), fmt.Sprintf("shorter than %d bytes", MinKeyLen)}
		}
		keys[i] = bytes.Clone(k)
	}
	opts.Keys = nil // keep the copies only
	b := &opts.Brand
	b.Name = clean(b.Name)
	for _, c := range []struct {
		name string
		v    *string
		def  string
	}{{"Primary", &b.Primary, "#1f4fd1"}, {"Background", &b.Background, "#f6f7f9"}, {"Text", &b.Text, "#1b1d21"}} {
		if *c.v == "" {
			*c.v = c.def
		} else if !colourRE.MatchString(*c.v) {
			return nil, &OptionError{"Brand." + c.name, "not a #rgb or #rrggbb colour"}
		}
	}
	for _, u := range []struct{ name, v string }{{"Brand.LogoURL", b.LogoURL}, {"Brand.SupportURL", b.SupportURL}, {"BaseURL", opts.BaseURL}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "" && p.Scheme != "https" && p.Scheme != "http") {
			return nil, &OptionError{u.name, "not an http(s) URL or a path"}
		}
		if u.name == "BaseURL" && (p.Scheme == "" || p.Host == "") {
			return nil, &OptionError{u.name, "must be absolute (https://host/path/)"}
		}
		if u.name == "Brand.LogoURL" && p.Scheme == "http" {
			// The pages' Content-Security-Policy loads images over https
			// or from the host's own origin only.
			return nil, &OptionError{u.name, "must be https or a path on the host's site"}
		}
	}
	if opts.BaseURL != "" && !strings.HasSuffix(opts.BaseURL, "/") {
		opts.BaseURL += "/"
	}
	str := DefaultStrings()
	for k, v := range opts.Strings {
		def, ok := defaultStrings[k]
		if !ok {
			return nil, &OptionError{"Strings", fmt.Sprintf("unknown key %q", clip(k))}
		}
		if !slices.Equal(placeholders(def), placeholders(v)) {
			return nil, &OptionError{"Strings", fmt.Sprintf("%q must keep the placeholders %v", k, placeholders(def))}
		}
		str[k] = v
	}
	if opts.LinkTTL < 0 || opts.SessionTTL < 0 || opts.TimelineShown < 0 || opts.VerifyRate < 0 || opts.VerifyBurst < 0 || opts.OrderRate < 0 || opts.OrderBurst < 0 {
		return nil, &OptionError{"LinkTTL, SessionTTL, TimelineShown, VerifyRate, VerifyBurst, OrderRate, OrderBurst", "must not be negative"}
	}
	if opts.LinkTTL == 0 {
		opts.LinkTTL = 120 * 24 * time.Hour
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = time.Hour
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.VerifyRate == 0 {
		opts.VerifyRate = rate.Every(6 * time.Second)
	}
	if opts.VerifyBurst == 0 {
		opts.VerifyBurst = 5
	}
	if opts.OrderRate == 0 {
		opts.OrderRate = rate.Every(3 * time.Minute)
	}
	if opts.OrderBurst == 0 {
		opts.OrderBurst = 10
	}
	if opts.ClientKey == nil {
		opts.ClientKey = remoteKey
	}
	if opts.TimelineShown == 0 {
		opts.TimelineShown = 5
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{src: src, opts: opts, sig: signer{keys: keys}, str: str, log: opts.Logger}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.limiter = newLimiter(opts.VerifyRate, opts.VerifyBurst)
	h.orders = newLimiter(opts.OrderRate, opts.OrderBurst)

	css := fmt.Sprintf(":root{--primary:%s;--bg:%s;--text:%s}\n%s", b.Primary, b.Background, b.Text, baseCSS)
	h.css = template.CSS(css)
	sum := sha256.Sum256([]byte(css))
	h.csp = "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

	// The texts are fixed per Handler: each {{t "key"}} becomes a string
	// constant before parsing (still escaped for its context when
	// executed), which spares a function call per text per page.
	page, err := templateFS.ReadFile("templates/page.html")
	if err != nil {
		return nil, fmt.Errorf("hub: templates: %w", err)
	}
	text := textRE.ReplaceAllStringFunc(string(page), func(m string) string {
		return "{{" + strconv.Quote(h.t(textRE.FindStringSubmatch(m)[1])) + "}}"
	})
	t, err := template.New("hub").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("hub: templates: %w", err)
	}
	h.tmpl = t

	// The not-found answers are rendered once: a wrong, expired or
	// tampered token and an unknown order get these very bytes.
	var buf bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&buf, "notfound", h.basePage(h.str["notfound.title"])); err != nil {
		return nil, fmt.Errorf("hub: templates: %w", err)
	}
	h.notFoundHTML = bytes.Clone(buf.Bytes())
	h.notFoundJSON = []byte(`{"error":"not_found"}` + "\n")

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.errorPage(w, http.StatusForbidden, "badrequest")
	}))
	h.inner = cop.Handler(http.HandlerFunc(h.route))
	return h, nil
}

// t returns the text for key.
func (h *Handler) t(key string) string {
	if s, ok := h.str[key]; ok {
		return s
	}
	return key
}

// Link returns the customer's link to an order's page, valid for
// Options.LinkTTL from now: Options.BaseURL + "track/<token>". The token
// is HMAC-SHA256-signed with Options.Keys[0] and names the order; nothing
// else about the customer is in it.
func (h *Handler) Link(now time.Time, orderID string) (string, error) {
	if orderID == "" || len(orderID) > MaxOrderIDLen {
		return "", &OptionError{"orderID", fmt.Sprintf("must be 1 to %d bytes", MaxOrderIDLen)}
	}
	return h.opts.BaseURL + "track/" + h.sig.sign(purposeLink, orderID, now.Add(h.opts.LinkTTL)), nil
}

// TrackingURL returns Link(Options.Now(), orderID), or "" for an order ID
// Link refuses. It has the shape of postpurchase.Config.TrackingURL, so
// the Engine's messages carry the hub's links:
//
//	var h *hub.Handler
//	eng, _ := postpurchase.New(postpurchase.Config{..., TrackingURL: func(id string) string { return h.TrackingURL(id) }})
//	h, _ = hub.New(eng, hub.Options{...})
func (h *Handler) TrackingURL(orderID string) string {
	u, err := h.Link(h.now(), orderID)
	if err != nil {
		return ""
	}
	return u
}

// sessionCookie names the session cookie of one order: one per order, so
// a customer confirmed on two orders stays confirmed on both. The name
// carries a hash of the order ID, not the ID.
func sessionCookie(orderID string) string {
	sum := sha256.Sum256([]byte(orderID))
	return "pphub_" + hex.EncodeToString(sum[:6])
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
	h.inner.ServeHTTP(w, r)
}

func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "" && r.Method == http.MethodGet {
		// Mounted at "/x" and asked for "/x": relative links need the
		// trailing slash.
		base := "/"
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
			base = u.EscapedPath()
		}
		http.Redirect(w, r, lastSegment(base)+"/", http.StatusMovedPermanently)
		return
	}
	p = strings.TrimPrefix(p, "/")
	switch {
	case p == "":
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			h.lookupPage(w, r)
		case http.MethodPost:
			h.lookup(w, r)
		default:
			methodNotAllowed(w, "GET, HEAD, POST")
		}
	case strings.HasPrefix(p, "track/") && !strings.Contains(p[len("track/"):], "/"):
		tok := p[len("track/"):]
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			h.orderPage(w, r, tok)
		case http.MethodPost:
			h.orderPost(w, r, tok)
		default:
			methodNotAllowed(w, "GET, HEAD, POST")
		}
	case strings.HasPrefix(p, "api/track/") && !strings.Contains(p[len("api/track/"):], "/"):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		h.orderJSON(w, r, p[len("api/track/"):])
	default:
		http.NotFound(w, r)
	}
}

func lastSegment(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	if p == "" || strings.ContainsAny(p, "\\:") {
		// Never a Location a browser could read as another host.
		return "."
	}
	return p
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}

// notFound writes the one answer for every order the request may not see.
func (h *Handler) notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write(h.notFoundHTML)
}

func (h *Handler) now() time.Time { return h.opts.Now() }

// mountPath is the path the handler is mounted at, from the request as
// the client sent it (before any StripPrefix), ending in "/".
func mountPath(r *http.Request) string {
	full := ""
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		full = u.Path
	}
	prefix := strings.TrimSuffix(full, r.URL.Path)
	if !strings.HasPrefix(prefix, "/") {
		return "/"
	}
	return strings.TrimSuffix(prefix, "/") + "/"
}

// allowVerify takes one verification attempt from the client's and the
// order number's budgets.
func (h *Handler) allowVerify(r *http.Request, orderID string, now time.Time) bool {
	c := h.limiter.allow(h.opts.ClientKey(r), now)
	o := h.orders.allow(normOrder(orderID), now)
	return c && o
}

// normOrder is the order number as the per-order limit counts it: "#1001"
// and "1001" are one.
func normOrder(id string) string { return strings.TrimPrefix(strings.TrimSpace(id), "#") }

// verifiedFor reports whether the request carries a session cookie for
// orderID.
func (h *Handler) verifiedFor(r *http.Request, orderID string, now time.Time) bool {
	c, err := r.Cookie(sessionCookie(orderID))
	if err != nil {
		return false
	}
	id, err := h.sig.verify(purposeSession, c.Value, now)
	return err == nil && id == orderID
}

func (h *Handler) setSession(w http.ResponseWriter, r *http.Request, orderID string, now time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie(orderID),
		Value:    h.sig.sign(purposeSession, orderID, now.Add(h.opts.SessionTTL)),
		Path:     mountPath(r),
		MaxAge:   int(h.opts.SessionTTL / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil || h.opts.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

// maxForm bounds a form body.
const maxForm = 16 << 10

func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	return r.ParseForm()
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes a template into a pooled buffer and writes it with the
// status, so a template error never leaves a half page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, data any) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := h.tmpl.ExecuteTemplate(buf, name, data); err != nil {
		h.log.Error("hub: render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (h *Handler) errorPage(w http.ResponseWriter, status int, key string) {
	p := h.basePage(h.t("title"))
	p.Notice = &notice{Error: true, Text: h.t(key)}
	h.render(w, status, "message", p)
}

// sourceErr answers an error from the Source that is not about the input.
func (h *Handler) sourceErr(w http.ResponseWriter, op string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	h.log.Error("hub: source", "op", op, "err", err)
	h.errorPage(w, http.StatusServiceUnavailable, "unavailable")
}

// clip shortens s for error messages.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	cut := 64
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
