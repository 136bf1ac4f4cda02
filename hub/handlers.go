package hub

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/postpurchase/postpurchase"
)

// redirect answers 303 with a Location relative to the request's own URL
// (http.Redirect would resolve it against the path after StripPrefix).
func redirect(w http.ResponseWriter, loc string) {
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusSeeOther)
}

func (h *Handler) lookupPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, "lookup", h.basePage(h.t("lookup.heading")))
}

// lookup checks an order number against an email or postcode and, when
// they match, verifies the client and sends it to the order's page.
func (h *Handler) lookup(w http.ResponseWriter, r *http.Request) {
	now := h.now()
	p := h.basePage(h.t("lookup.heading"))
	if err := parseForm(w, r); err != nil {
		p.Notice = &notice{Error: true, Text: h.t("badrequest")}
		h.render(w, http.StatusBadRequest, "lookup", p)
		return
	}
	orderID := strings.TrimSpace(r.PostForm.Get("order"))
	contact := r.PostForm.Get("contact")
	if len(orderID) > MaxOrderIDLen {
		orderID = ""
	}
	// The order number is not echoed: a failed lookup answers the same
	// bytes whatever was typed.
	if !h.allowVerify(r, orderID, now) {
		w.Header().Set("Retry-After", "60")
		p.Notice = &notice{Error: true, Text: h.t("ratelimited")}
		h.render(w, http.StatusTooManyRequests, "lookup", p)
		return
	}
	var order *postpurchase.Order
	if orderID != "" {
		v, err := h.find(r, now, orderID)
		if err != nil && !errors.Is(err, postpurchase.ErrNotFound) {
			h.sourceErr(w, "lookup", err)
			return
		}
		if v != nil {
			order = &v.Order
		}
	}
	// An unknown order and a wrong email or postcode take the same path
	// and get the same answer.
	if !contactMatches(order, contact) {
		p.Notice = &notice{Error: true, Text: h.t("lookup.failed")}
		h.render(w, http.StatusNotFound, "lookup", p)
		return
	}
	h.setSession(w, r, order.ID, now)
	redirect(w, "track/"+h.sig.sign(purposeLink, order.ID, now.Add(h.opts.LinkTTL)))
}

// find looks an order up as typed, then with or without a leading "#".
func (h *Handler) find(r *http.Request, now time.Time, orderID string) (*postpurchase.OrderView, error) {
	alt := "#" + orderID
	if strings.HasPrefix(orderID, "#") {
		alt = orderID[1:]
	}
	// Both are always asked for, so an unknown order costs the same
	// store reads as a known one.
	v, err := h.src.OrderView(r.Context(), now, orderID)
	var v2 *postpurchase.OrderView
	err2 := postpurchase.ErrNotFound
	if alt != "" {
		v2, err2 = h.src.OrderView(r.Context(), now, alt)
	}
	switch {
	case err == nil:
		return v, nil
	case !errors.Is(err, postpurchase.ErrNotFound):
		return nil, err
	}
	return v2, err2
}

// contactMatches reports, in time independent of the values, whether
// input is the order's email or postcode. A nil order never matches.
func contactMatches(o *postpurchase.Order, input string) bool {
	var email, postcode string
	if o != nil {
		email, postcode = o.Email, o.Postcode
	}
	in := strings.TrimSpace(input)
	ie, is := sha256.Sum256([]byte(normEmail(in))), sha256.Sum256([]byte(normEmail(email)))
	ip, ps := sha256.Sum256([]byte(normPostcode(in))), sha256.Sum256([]byte(normPostcode(postcode)))
	okE := subtle.ConstantTimeCompare(ie[:], is[:]) & nonZero(normEmail(email))
	okP := subtle.ConstantTimeCompare(ip[:], ps[:]) & nonZero(normPostcode(postcode))
	return (okE|okP)&nonZero(in) == 1
}

func nonZero(s string) int {
	if s == "" {
		return 0
	}
	return 1
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// normPostcode drops spaces and dashes and upper-cases: "sw1a 1aa" is
// "SW1A1AA".
func normPostcode(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
}

// load verifies a link token and loads its order. It answers the request
// itself (not found, unavailable) when it returns nil.
func (h *Handler) load(w http.ResponseWriter, r *http.Request, tok string, now time.Time, notFound func()) *postpurchase.OrderView {
	id, err := h.sig.verify(purposeLink, tok, now)
	if err != nil {
		notFound()
		return nil
	}
	v, err := h.src.OrderView(r.Context(), now, id)
	switch {
	case errors.Is(err, postpurchase.ErrNotFound):
		notFound()
		return nil
	case err != nil:
		h.sourceErr(w, "view", err)
		return nil
	case v == nil || v.Order.ID != id:
		// A Source that answers for another order is a bug; never show
		// that order.
		h.log.Error("hub: source returned a view of another order")
		notFound()
		return nil
	}
	return v
}

func (h *Handler) orderPage(w http.ResponseWriter, r *http.Request, tok string) {
	now := h.now()
	v := h.load(w, r, tok, now, func() { h.notFound(w) })
	if v == nil {
		return
	}
	verified := h.verifiedFor(r, v.Order.ID, now)
	p := h.orderModel(v, h.recommendations(r.Context(), v), verified)
	q := r.URL.Query()
	if id := q.Get("case"); id != "" {
		for i := range p.Order.Cases {
			if c := &p.Order.Cases[i]; c.ID == id {
				key := "confirm.claim"
				if j := slices.IndexFunc(v.Cases, func(c postpurchase.Case) bool { return c.ID == id }); j >= 0 && v.Cases[j].Kind == postpurchase.CaseReturn {
					key = "confirm.return"
				}
				p.Notice = &notice{Text: h.t(key), Case: c}
				break
			}
		}
	} else if q.Get("verified") == "1" && verified {
		p.Notice = &notice{Text: h.t("verify.done")}
	}
	h.render(w, http.StatusOK, "order", p)
}

// maxItems bounds the items a form may name.
const maxItems = 100

func (h *Handler) orderPost(w http.ResponseWriter, r *http.Request, tok string) {
	now := h.now()
	if _, err := h.sig.verify(purposeLink, tok, now); err != nil {
		h.notFound(w)
		return
	}
	if err := parseForm(w, r); err != nil {
		h.errorPage(w, http.StatusBadRequest, "badrequest")
		return
	}
	v := h.load(w, r, tok, now, func() { h.notFound(w) })
	if v == nil {
		return
	}
	id := v.Order.ID
	again := func(status int, key string, c *postpurchase.Case, verified bool) {
		p := h.orderModel(v, h.recommendations(r.Context(), v), verified)
		p.Notice = &notice{Error: true, Text: h.t(key)}
		if c != nil {
			cm := h.caseModel(c, nil, verified)
			p.Notice.Case = &cm
		}
		h.render(w, status, "order", p)
	}
	f := r.PostForm
	verified := h.verifiedFor(r, id, now)
	if !verified {
		if !h.allowVerify(r, id, now) {
			w.Header().Set("Retry-After", "60")
			again(http.StatusTooManyRequests, "ratelimited", nil, false)
			return
		}
		if !contactMatches(&v.Order, f.Get("contact")) {
			again(http.StatusForbidden, "verify.failed", nil, false)
			return
		}
		h.setSession(w, r, id, now)
	}
	shipment := f.Get("shipment")
	items := f["item"]
	note := f.Get("note")
	action := f.Get("action")
	if action != "verify" {
		if !slices.ContainsFunc(v.Shipments, func(s postpurchase.ShipmentView) bool { return s.Shipment.ID == shipment }) ||
			len(items) > maxItems || len(note) > postpurchase.MaxNoteLen {
			again(http.StatusBadRequest, "badrequest", nil, true)
			return
		}
	}
	var c postpurchase.Case
	var err error
	switch action {
	case "verify":
		redirect(w, url.PathEscape(tok)+"?verified=1")
		return
	case "claim":
		reason := postpurchase.CaseReason(f.Get("reason"))
		if !slices.Contains(postpurchase.ClaimReasons(), reason) {
			again(http.StatusBadRequest, "badrequest", nil, true)
			return
		}
		c, err = h.src.FileClaim(r.Context(), now, postpurchase.ClaimRequest{OrderID: id, ShipmentID: shipment, Reason: reason, Items: items, Note: note})
	case "return":
		c, err = h.src.StartReturn(r.Context(), now, postpurchase.ReturnRequest{OrderID: id, ShipmentID: shipment, Items: items, Note: note})
	default:
		again(http.StatusBadRequest, "badrequest", nil, true)
		return
	}
	var we *postpurchase.WindowError
	var ce *postpurchase.CaseExistsError
	var ie *postpurchase.InputError
	switch {
	case err == nil:
		redirect(w, url.PathEscape(tok)+"?case="+url.QueryEscape(c.ID))
	case errors.As(err, &we):
		again(http.StatusConflict, "error.window", nil, true)
	case errors.As(err, &ce):
		again(http.StatusConflict, "error.exists", &ce.Existing, true)
	case errors.As(err, &ie):
		again(http.StatusUnprocessableEntity, "error.input", nil, true)
	default:
		h.sourceErr(w, action, err)
	}
}

// orderJSON serves the JSON view of an order for headless storefronts,
// with the same access rules as the page.
func (h *Handler) orderJSON(w http.ResponseWriter, r *http.Request, tok string) {
	now := h.now()
	nf := func() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write(h.notFoundJSON)
	}
	v := h.load(w, r, tok, now, nf)
	if v == nil {
		return
	}
	out := h.jsonView(v, h.recommendations(r.Context(), v), h.verifiedFor(r, v.Order.ID, now))
	b, err := json.Marshal(out)
	if err != nil {
		h.log.Error("hub: json", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}
