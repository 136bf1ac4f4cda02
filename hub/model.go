package hub

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/internal/iso4217"
	"github.com/postpurchase/postpurchase/tracking"
)

// page is what every template gets.
type page struct {
	Lang    string
	Title   string
	CSS     any
	Brand   *Brand
	LogoAlt string
	Notice  *notice
	Order   *orderModel
}

type notice struct {
	Error bool
	Text  string
	Case  *caseModel
}

type orderModel struct {
	ID        string
	Heading   string
	Placed    string
	Verified  bool
	Place     string   // unverified: city and region only
	Address   []string // verified: the address lines
	Total     string   // verified
	Shipments []shipmentModel
	Cases     []caseModel
	Cashback  *cashbackModel
	Products  []productModel
}

type shipmentModel struct {
	ID             string
	Heading        string
	Carrier        string
	TrackingNumber string // verified only
	Status         string
	Reason         string // the status's reason in words, if it has any
	StatusClass    string
	Steps          []stepModel
	Estimate       string
	Late           string
	Delays         []string
	Events         []eventModel
	More           []eventModel
	MoreLabel      string
	Items          []itemModel
	Claims         []claimModel
	Return         *claimModel
	NeedContact    bool
}

type stepModel struct {
	Label   string
	Done    bool
	Current bool
}

type eventModel struct {
	When     string
	DateTime string
	Text     string
	Place    string
}

type itemModel struct {
	SKU      string
	Name     string
	ImageURL string
	URL      string
	Qty      string
}

type claimModel struct {
	Reason string
	Label  string
	Until  string
	Items  []itemModel
}

type caseModel struct {
	ID         string
	Title      string
	State      string
	Review     bool
	Resolution string
	Opened     string
	Ref        string
	Note       string
	Items      []string
}

type cashbackModel struct {
	Available string
	Pending   string
	Expiry    string
}

type productModel struct {
	Name     string
	URL      string
	ImageURL string
	Price    string
}

func (h *Handler) basePage(title string) *page {
	b := &h.opts.Brand
	if b.Name != "" {
		title += " · " + b.Name
	}
	return &page{Lang: h.str["lang"], Title: title, CSS: h.css, Brand: b, LogoAlt: fill(h.str["logo.alt"], "brand", b.Name)}
}

var defaultSteps = []string{"ordered", "shipped", "in_transit", "out_for_delivery", "delivered"}

func defaultStep(s carriers.Status) int {
	switch s {
	case carriers.StatusDelivered:
		return 4
	case carriers.StatusOutForDelivery, carriers.StatusAttemptFail, carriers.StatusAvailableForPickup:
		return 3
	case carriers.StatusInTransit, carriers.StatusException, carriers.StatusReturnToSender:
		return 2
	case carriers.StatusInfoReceived:
		return 1
	}
	return 0
}

// orderPage builds the page model of an order view; products are the
// recommendations to show.
func (h *Handler) orderModel(v *postpurchase.OrderView, products []postpurchase.Product, verified bool) *page {
	o := &v.Order
	p := h.basePage(fill(h.str["order.heading"], "order", clean(o.ID)))
	m := &orderModel{ID: o.ID, Heading: fill(h.str["order.heading"], "order", clean(o.ID)), Verified: verified}
	if !o.PlacedAt.IsZero() {
		m.Placed = fill(h.str["order.placed"], "date", h.date(o.PlacedAt.In(h.opts.Location), DayYear))
	}
	a := o.ShippingAddress
	if verified {
		m.Address = nonEmpty(clean(a.Name), clean(a.Line1), clean(a.Line2), clean(joinNonEmpty(" ", joinNonEmpty(", ", a.City, a.Region), a.Postcode)), clean(a.Country))
		if !o.Total.IsZero() {
			m.Total = money(o.Total, o.Currency)
		}
	} else if place := clean(joinNonEmpty(", ", a.City, a.Region)); place != "" {
		m.Place = fill(h.str["order.city"], "place", place)
	}
	names := make(map[string]*postpurchase.LineItem, len(o.Items))
	for i := range o.Items {
		names[o.Items[i].SKU] = &o.Items[i]
	}
	for i := range v.Shipments {
		m.Shipments = append(m.Shipments, h.shipmentModel(v, i, names, verified))
	}
	for i := len(v.Cases) - 1; i >= 0; i-- {
		m.Cases = append(m.Cases, h.caseModel(&v.Cases[i], names, verified))
	}
	if cb := v.Cashback; cb != nil && (cb.Available.IsPositive() || cb.Pending.IsPositive()) {
		c := &cashbackModel{Available: fill(h.str["cashback.available"], "amount", money(cb.Available, cb.Currency))}
		if cb.Pending.IsPositive() {
			c.Pending = fill(h.str["cashback.pending"], "amount", money(cb.Pending, cb.Currency))
		}
		if !cb.NextExpiry.IsZero() {
			c.Expiry = fill(h.str["cashback.expiry"], "date", h.dayIn(cb.NextExpiry, v.At))
		}
		m.Cashback = c
	}
	for _, pr := range products {
		cur := pr.Currency
		if cur == "" {
			cur = o.Currency
		}
		pm := productModel{Name: clean(pr.Name), URL: pr.URL, ImageURL: pr.ImageURL}
		if pm.Name == "" {
			pm.Name = pr.SKU
		}
		if !pr.Price.IsZero() {
			pm.Price = money(pr.Price, cur)
		}
		m.Products = append(m.Products, pm)
	}
	p.Order = m
	return p
}

func (h *Handler) shipmentModel(v *postpurchase.OrderView, i int, names map[string]*postpurchase.LineItem, verified bool) shipmentModel {
	sv := &v.Shipments[i]
	s := shipmentModel{ID: sv.Shipment.ID, NeedContact: !verified}
	if n := len(v.Shipments); n > 1 {
		s.Heading = fill(h.str["shipment.heading"], "n", strconv.Itoa(i+1), "count", strconv.Itoa(n))
	}
	carrier := sv.CarrierName
	if carrier == "" {
		carrier = sv.Shipment.Carrier
	}
	if carrier != "" {
		s.Carrier = fill(h.str["shipment.carrier"], "carrier", clean(carrier))
	}
	if verified {
		s.TrackingNumber = clean(sv.Shipment.TrackingNumber)
	}
	s.Status = h.str["status."+sv.Status.String()]
	if sv.Status == carriers.StatusException && sv.Reason == carriers.ReasonLost {
		s.Status = h.str["status.lost"]
	}
	if sv.Status == carriers.StatusUnknown && sv.StatusText != "" {
		s.Status = clean(sv.StatusText)
	}
	if t, ok := h.str["reason."+sv.Reason.String()]; ok {
		s.Reason = t
	}
	switch sv.Status {
	case carriers.StatusDelivered:
		s.StatusClass = "ok"
	case carriers.StatusException, carriers.StatusAttemptFail, carriers.StatusReturnToSender, carriers.StatusExpired:
		s.StatusClass = "warn"
	}

	steps, step := sv.Steps, sv.Step
	if len(steps) == 0 {
		steps, step = defaultSteps, defaultStep(sv.Status)
	}
	for j, name := range steps {
		label, ok := h.str["step."+stepKey(name)]
		if !ok {
			label = name
		}
		s.Steps = append(s.Steps, stepModel{Label: label, Done: j < step, Current: j == step})
	}

	// The estimate: a delivery date, a window, or nothing yet.
	var delivered *carriers.Event
	for k := range sv.Events {
		if sv.Events[k].Status == carriers.StatusDelivered {
			delivered = &sv.Events[k]
			break
		}
	}
	switch {
	case sv.Status == carriers.StatusDelivered && delivered != nil:
		s.Estimate = fill(h.str["estimate.delivered"], "date", h.eventTime(delivered))
	case !sv.DeliveredAt.IsZero():
		s.Estimate = fill(h.str["estimate.delivered"], "date", h.date(sv.DeliveredAt.In(h.opts.Location), DayTime))
	case sv.Estimate.Date.IsZero():
		s.Estimate = h.str["estimate.none"]
	case !v.At.IsZero() && lastDay(sv.Estimate).Before(tracking.DateOf(v.At.In(h.opts.Location))):
		// A date that has passed is no estimate: say so.
		s.Estimate = fill(h.str["estimate.overdue"], "date", h.day(lastDay(sv.Estimate)))
	case sv.Estimate.Latest.IsZero() || sv.Estimate.Latest == sv.Estimate.Date:
		s.Estimate = fill(h.str["estimate.day"], "date", h.day(sv.Estimate.Date))
	default:
		s.Estimate = fill(h.str["estimate.window"], "from", h.day(sv.Estimate.Date), "to", h.day(sv.Estimate.Latest))
	}
	switch {
	case sv.DaysLate == 1:
		s.Late = h.str["late.one"]
	case sv.DaysLate > 1:
		s.Late = fill(h.str["late.many"], "n", strconv.Itoa(sv.DaysLate))
	}
	seen := map[tracking.DelayKind]bool{}
	for _, d := range sv.Delays {
		if !d.Active() || seen[d.Kind] {
			continue
		}
		seen[d.Kind] = true
		if t, ok := h.str["delay."+d.Kind.String()]; ok {
			s.Delays = append(s.Delays, t)
		}
	}

	// The timeline, newest first, without noise: scans that say nothing
	// and repeats of the same scan.
	var evs []eventModel
	var prev *carriers.Event
	for k := range sv.Events {
		e := &sv.Events[k]
		if e.Status == carriers.StatusUnknown && strings.TrimSpace(e.Description) == "" {
			continue
		}
		if prev != nil && prev.Status == e.Status && prev.Description == e.Description && prev.Location == e.Location {
			continue
		}
		prev = e
		text := e.Description
		if strings.TrimSpace(text) == "" {
			text = h.str["status."+e.Status.String()]
		}
		evs = append(evs, eventModel{When: h.eventTime(e), DateTime: e.Time.Format(time.RFC3339), Text: clean(text),
			// Never the postal code: a delivery scan's is the
			// customer's, which the lookup form accepts as proof.
			Place: clean(joinNonEmpty(", ", e.Location.City, e.Location.State, e.Location.Country))})
	}
	if n := h.opts.TimelineShown; len(evs) > n+1 {
		s.Events, s.More = evs[:n], evs[n:]
		s.MoreLabel = fill(h.str["timeline.more"], "n", strconv.Itoa(len(s.More)))
	} else {
		s.Events = evs
	}

	items := sv.Items
	if len(items) == 0 && len(v.Shipments) == 1 {
		items = v.Order.Items
	}
	for _, it := range items {
		s.Items = append(s.Items, h.item(&it))
	}
	pick := func(skus []string) []itemModel {
		if len(skus) == 0 {
			for _, it := range items {
				skus = append(skus, it.SKU)
			}
		}
		out := make([]itemModel, 0, len(skus))
		for _, sku := range skus {
			if it, ok := names[sku]; ok {
				out = append(out, h.item(it))
			} else {
				out = append(out, itemModel{SKU: sku, Name: clean(sku)})
			}
		}
		return out
	}
	// A case already opened is shown under "Your requests", not offered
	// again.
	opened := func(r postpurchase.CaseReason) bool {
		return slices.ContainsFunc(v.Cases, func(c postpurchase.Case) bool { return c.ShipmentID == sv.Shipment.ID && c.Reason == r })
	}
	for _, c := range sv.Claims {
		if opened(c.Reason) {
			continue
		}
		cm := claimModel{Reason: string(c.Reason), Label: h.t("claim.reason." + string(c.Reason))}
		if !c.Until.IsZero() {
			cm.Until = fill(h.str["claim.until"], "date", h.dayIn(c.Until, v.At))
		}
		if c.Reason == postpurchase.ReasonDamaged || c.Reason == postpurchase.ReasonMissingItems {
			cm.Items = pick(c.Items)
		}
		s.Claims = append(s.Claims, cm)
	}
	if r := sv.Return; r != nil && !opened(postpurchase.ReasonReturn) {
		cm := claimModel{Reason: string(postpurchase.ReasonReturn), Label: h.str["return.heading"], Items: pick(r.Items)}
		if !r.Until.IsZero() {
			cm.Until = fill(h.str["return.until"], "date", h.dayIn(r.Until, v.At))
		}
		s.Return = &cm
	}
	return s
}

// stepKey turns a step name ("In transit", "in_transit") into its key
// ("in_transit").
func stepKey(name string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), " ", "_")
}

func (h *Handler) item(it *postpurchase.LineItem) itemModel {
	name := it.Name
	if strings.TrimSpace(name) == "" {
		name = it.SKU
	}
	q := it.Quantity
	if q < 1 {
		q = 1
	}
	return itemModel{SKU: it.SKU, Name: clean(name), ImageURL: it.ImageURL, URL: it.URL, Qty: fill(h.str["items.qty"], "n", strconv.Itoa(q))}
}

func (h *Handler) caseModel(c *postpurchase.Case, names map[string]*postpurchase.LineItem, verified bool) caseModel {
	m := caseModel{
		ID:         c.ID,
		Title:      h.t("case.reason." + string(c.Reason)),
		State:      h.t("case.state." + string(c.State)),
		Review:     c.State == postpurchase.CaseInReview,
		Resolution: clean(c.Resolution),
		Ref:        fill(h.str["case.ref"], "id", clean(c.ID)),
	}
	if !c.OpenedAt.IsZero() {
		m.Opened = fill(h.str["case.opened"], "date", h.dayIn(c.OpenedAt, time.Time{}))
	}
	for _, sku := range c.Items {
		if it, ok := names[sku]; ok && it.Name != "" {
			m.Items = append(m.Items, clean(it.Name))
		} else {
			m.Items = append(m.Items, clean(sku))
		}
	}
	if verified {
		m.Note = clean(c.Note)
	}
	return m
}

// clean drops the Unicode bidirectional embedding, override and isolate
// controls from text that carriers, hosts or customers supply: escaping
// makes such text inert as markup, and this keeps it from reordering the
// page around it (where an element cannot isolate it, as in the title).
// Right-to-left text itself needs no controls and is kept.
func clean(s string) string {
	if !strings.ContainsAny(s, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return -1
		}
		return r
	}, s)
}

// eventTime formats a scan's time in the carrier's local time.
func (h *Handler) eventTime(e *carriers.Event) string {
	if e.ZoneUnknown {
		return h.date(e.Time, DayTime)
	}
	return h.date(e.Time, DayTimeZone)
}

// dayIn formats an instant's day in the brand's zone, with the year when
// it is not the year of ref (a zero ref: always without).
func (h *Handler) dayIn(t, ref time.Time) string {
	t = t.In(h.opts.Location)
	if !ref.IsZero() && t.Year() != ref.In(h.opts.Location).Year() {
		return h.date(t, DayYear)
	}
	return h.date(t, Day)
}

// day formats a calendar day.
func (h *Handler) day(d tracking.Date) string {
	return h.date(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC), Day)
}

func (h *Handler) date(t time.Time, s DateStyle) string {
	if h.opts.FormatDate != nil {
		return h.opts.FormatDate(t, s)
	}
	return FormatDate(t, s)
}

// lastDay is the last day of an estimate's window.
func lastDay(e tracking.Estimate) tracking.Date {
	if e.Latest.After(e.Date) {
		return e.Latest
	}
	return e.Date
}

var symbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥", "NZD": "NZ$"}

// money formats an amount in its currency's minor units ("$25.00",
// "25.00 CHF").
func money(d decimal.Decimal, currency string) string {
	places, ok := iso4217.MinorUnits(currency)
	if !ok {
		places = 2
	}
	s := d.StringFixed(places)
	if sym, ok := symbols[currency]; ok {
		if strings.HasPrefix(s, "-") {
			return "-" + sym + s[1:]
		}
		return sym + s
	}
	if currency == "" {
		return s
	}
	return s + " " + currency
}

func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func joinNonEmpty(sep string, ss ...string) string {
	return strings.Join(nonEmpty(ss...), sep)
}

// recommendations returns the products to show: the Recommender's, or
// the view's.
func (h *Handler) recommendations(ctx context.Context, v *postpurchase.OrderView) []postpurchase.Product {
	if h.opts.Recommender == nil {
		return v.Products
	}
	ps, err := h.opts.Recommender.Recommend(ctx, postpurchase.MomentPage, &v.Order)
	if err != nil {
		h.log.Warn("hub: recommender", "err", err)
		return nil
	}
	if len(ps) > 8 {
		ps = ps[:8]
	}
	return ps
}
