package scoring

import (
	"math"
	"strings"
)

// builtin is a built-in signal: its public description, how it is read
// from the aggregate (NaN = missing), its reason text and default weights.
type builtin struct {
	Signal
	get      func(a *agg, h *History) float64
	describe func(v float64, vs Values) string
	valueW   float64 // default weight in Config.ValueWeights (0 = off)
	riskW    float64 // default weight in Config.RiskWeights (0 = off)
}

var nan = math.NaN()

func ifOK(ok bool, v float64) float64 {
	if ok {
		return v
	}
	return nan
}

func ratio(num, den int) float64 {
	if den <= 0 {
		return nan
	}
	return float64(num) / float64(den)
}

func intp(p *int) float64 {
	if p == nil {
		return nan
	}
	return float64(*p)
}

func boolp(p *bool) float64 {
	if p == nil {
		return nan
	}
	if *p {
		return 1
	}
	return 0
}

func hasOrders(a *agg) bool { return a.hasOrders && a.nOrders > 0 }

// builtins returns the built-in signals in documentation order. It builds
// a fresh slice each time (no package-level mutable state).
func builtins() []builtin {
	return []builtin{
		// ── value and relationship ──
		{Signal: Signal{Name: "order_count", Neutral: 2, Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Scale: 4,
			Definition: "Orders placed, not counting canceled ones (0 when the order list is known and empty)."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasOrders, float64(a.nOrders)) },
			describe: func(v float64, vs Values) string {
				s := plural(v, "order", "orders")
				if t, ok := vs.at("tenure_days"); ok && v > 1 {
					s += " in " + span(t)
				}
				return s
			}, valueW: 3},
		{Signal: Signal{Name: "repeat_purchase_days", Neutral: 1, Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Scale: 3,
			Definition: "Distinct UTC days with an order, minus the first (BG/NBD frequency x)."},
			get: func(a *agg, h *History) float64 { return ifOK(hasOrders(a), float64(a.distinctDays-1)) },
			describe: func(v float64, vs Values) string {
				if v == 0 {
					return "has not come back to buy again"
				}
				return "came back to buy on " + plural(v, "more day", "more days")
			}, valueW: 1},
		{Signal: Signal{Name: "tenure_days", Neutral: 180, Group: GroupValue, Unit: UnitDays, Direction: MoreValue, Scale: 365,
			Definition: "Days from the first order to now (BG/NBD age T)."},
			get:      func(a *agg, h *History) float64 { return ifOK(hasOrders(a), float64(a.nowDay-a.firstDay)) },
			describe: func(v float64, vs Values) string { return "first order " + span(v) + " ago" }, valueW: 1},
		{Signal: Signal{Name: "days_since_last_order", Neutral: 90, Group: GroupValue, Unit: UnitDays, Direction: LessValue, Scale: 120,
			Definition: "Days from the most recent order to now."},
			get:      func(a *agg, h *History) float64 { return ifOK(hasOrders(a), float64(a.nowDay-a.lastDay)) },
			describe: func(v float64, vs Values) string { return "last order " + ago(v) }, valueW: 2},
		{Signal: Signal{Name: "orders_last_365_days", Neutral: 1, Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Scale: 3,
			Definition: "Orders placed in the last 365 days, not counting canceled ones."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.hasOrders, float64(a.orders365)) },
			describe: func(v float64, vs Values) string { return plural(v, "order", "orders") + " in the last 12 months" }, valueW: 2},
		{Signal: Signal{Name: "total_spent", Neutral: 150, Group: GroupValue, Unit: UnitMoney, Direction: MoreValue, Scale: 300,
			Definition: "Sum of order totals, canceled orders excluded (historic value)."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.hasOrders, a.total) },
			describe: func(v float64, vs Values) string { return fmtMoney(v, vs.currency) + " spent in total" }, valueW: 3},
		{Signal: Signal{Name: "net_spent", Neutral: 150, Group: GroupValue, Unit: UnitMoney, Direction: MoreValue, Scale: 300,
			Definition: "total_spent minus the value of returns; missing unless returns are known."},
			get: func(a *agg, h *History) float64 {
				return ifOK(a.hasOrders && a.hasReturns, math.Max(0, a.total-a.returnValue))
			},
			describe: func(v float64, vs Values) string { return fmtMoney(v, vs.currency) + " kept after returns" }, valueW: 1},
		{Signal: Signal{Name: "average_order_value", Neutral: 60, Group: GroupValue, Unit: UnitMoney, Direction: MoreValue, Scale: 80,
			Definition: "total_spent divided by order_count."},
			get:      func(a *agg, h *History) float64 { return ifOK(hasOrders(a), a.total/float64(a.nOrders)) },
			describe: func(v float64, vs Values) string { return "average order " + fmtMoney(v, vs.currency) }, valueW: 1},
		{Signal: Signal{Name: "largest_order_value", Neutral: 100, Group: GroupValue, Unit: UnitMoney, Direction: MoreValue, Scale: 150,
			Definition: "Largest single order total."},
			get:      func(a *agg, h *History) float64 { return ifOK(hasOrders(a), a.maxOrder) },
			describe: func(v float64, vs Values) string { return "largest order " + fmtMoney(v, vs.currency) }},
		{Signal: Signal{Name: "average_days_between_orders", Neutral: 90, Group: GroupValue, Unit: UnitDays, Direction: LessValue, Scale: 60,
			Definition: "Days from first to last order divided by the number of repeat purchase days; missing before a second purchase day."},
			get: func(a *agg, h *History) float64 {
				return ifOK(hasOrders(a) && a.distinctDays > 1, float64(a.lastDay-a.firstDay)/float64(a.distinctDays-1))
			},
			describe: func(v float64, vs Values) string {
				return "orders every " + plural(math.Round(v), "day", "days") + " on average"
			}, valueW: 1},
		{Signal: Signal{Name: "discount_share", Neutral: 0.1, Group: GroupValue, Unit: UnitRatio, Direction: LessValue,
			Definition: "Discounts divided by (order totals + discounts): how much of the list value was discounted."},
			get: func(a *agg, h *History) float64 {
				return ifOK(hasOrders(a) && a.total+a.discount > 0, a.discount/(a.total+a.discount))
			},
			describe: func(v float64, vs Values) string { return pct(v) + " of order value came from discounts" }, valueW: 1},
		{Signal: Signal{Name: "canceled_orders", Group: GroupValue, Unit: UnitCount, Direction: MoreRisk, Scale: 2,
			Definition: "Orders canceled before fulfilment."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.hasOrders, float64(a.nCanceled)) },
			describe: func(v float64, vs Values) string { return plural(v, "canceled order", "canceled orders") }, riskW: 0.05},
		{Signal: Signal{Name: "distinct_categories", Neutral: 1, Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Scale: 3,
			Definition: "Distinct product categories across orders (basket breadth)."},
			get: func(a *agg, h *History) float64 { return ifOK(hasOrders(a) && a.categories > 0, float64(a.categories)) },
			describe: func(v float64, vs Values) string {
				return "buys across " + plural(v, "category", "categories")
			}, valueW: 0.5},
		{Signal: Signal{Name: "account_age_days", Neutral: 180, Group: GroupValue, Unit: UnitDays, Direction: MoreValue, Scale: 365,
			Definition: "Days since the customer account was created."},
			get: func(a *agg, h *History) float64 {
				if h.Profile == nil || h.Profile.CreatedAt.IsZero() {
					return nan
				}
				return math.Max(0, float64(a.nowDay-day(h.Profile.CreatedAt)))
			},
			describe: func(v float64, vs Values) string { return "account opened " + span(v) + " ago" }, valueW: 0.5},
		{Signal: Signal{Name: "marketing_consent", Group: GroupValue, Unit: UnitFlag, Direction: MoreValue,
			Definition: "1 if the customer accepts email marketing."},
			get: func(a *agg, h *History) float64 {
				if h.Profile == nil {
					return nan
				}
				return boolp(h.Profile.MarketingConsent)
			},
			describe: yesNo("subscribed to marketing email", "not subscribed to marketing email"), valueW: 0.5},
		{Signal: Signal{Name: "email_verified", Group: GroupValue, Unit: UnitFlag, Direction: LessRisk,
			Definition: "1 if the customer verified their email address."},
			get: func(a *agg, h *History) float64 {
				if h.Profile == nil {
					return nan
				}
				return boolp(h.Profile.EmailVerified)
			},
			describe: yesNo("verified email address", "email address not verified"), riskW: 0.2},
		{Signal: Signal{Name: "vip_tag", Group: GroupValue, Unit: UnitFlag, Direction: MoreValue,
			Definition: "1 if the merchant tagged the customer \"vip\" (any case)."},
			get: func(a *agg, h *History) float64 {
				if h.Profile == nil || h.Profile.Tags == nil {
					return nan
				}
				for _, t := range h.Profile.Tags {
					if strings.EqualFold(strings.TrimSpace(t), "vip") {
						return 1
					}
				}
				return 0
			},
			describe: yesNo("tagged VIP by the store", "not tagged VIP"), valueW: 2},
		{Signal: Signal{Name: "cashback_issued", Group: GroupValue, Unit: UnitMoney, Direction: MoreValue, Scale: 20,
			Definition: "Store credit issued to the customer so far."},
			get: func(a *agg, h *History) float64 {
				if h.Cashback == nil {
					return nan
				}
				return money(h.Cashback.Issued)
			},
			describe: func(v float64, vs Values) string { return fmtMoney(v, vs.currency) + " of store credit issued" }},
		{Signal: Signal{Name: "cashback_redemption_rate", Neutral: 0.5, Group: GroupValue, Unit: UnitRatio, Direction: MoreValue,
			Definition: "Store credit redeemed divided by issued; missing when none was issued."},
			get: func(a *agg, h *History) float64 {
				if h.Cashback == nil || h.Cashback.Issued.Sign() == 0 {
					return nan
				}
				return math.Min(1, money(h.Cashback.Redeemed)/money(h.Cashback.Issued))
			},
			describe: func(v float64, vs Values) string { return "spent " + pct(v) + " of store credit received" }, valueW: 0.5},

		// ── predicted value ──
		{Signal: Signal{Name: "probability_alive", Neutral: 0.5, Group: GroupPredicted, Unit: UnitProbability, Direction: MoreValue,
			Definition: "BG/NBD probability that the customer is still active (needs a fitted model)."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasPred, a.pred.ProbabilityAlive) },
			describe: func(v float64, vs Values) string {
				return pct(v) + " likely to still be an active customer"
			}, valueW: 2},
		{Signal: Signal{Name: "expected_purchases_90_days", Neutral: 0.25, Group: GroupPredicted, Unit: UnitPurchases, Direction: MoreValue, Scale: 0.5,
			Definition: "BG/NBD expected number of purchase days in the next 90 days."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasPred, a.pred.Purchases90Days) },
			describe: func(v float64, vs Values) string {
				return "expected to buy " + decimal1(v) + " times in the next 90 days"
			}, valueW: 2},
		{Signal: Signal{Name: "expected_purchases_12_months", Neutral: 1, Group: GroupPredicted, Unit: UnitPurchases, Direction: MoreValue, Scale: 2,
			Definition: "BG/NBD expected number of purchase days in the next 12 months."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasPred, a.pred.Purchases12Month) },
			describe: func(v float64, vs Values) string {
				return "expected to buy " + decimal1(v) + " times in the next 12 months"
			}},
		{Signal: Signal{Name: "expected_average_order_value", Neutral: 60, Group: GroupPredicted, Unit: UnitMoney, Direction: MoreValue, Scale: 80,
			Definition: "Gamma-Gamma expected average order value given the repeat orders (needs a spend model)."},
			get: func(a *agg, h *History) float64 {
				return ifOK(a.hasPred && !math.IsNaN(a.pred.AverageValue), a.pred.AverageValue)
			},
			describe: func(v float64, vs Values) string { return "expected average order " + fmtMoney(v, vs.currency) }},
		{Signal: Signal{Name: "predicted_value_12_months", Neutral: 50, Group: GroupPredicted, Unit: UnitMoney, Direction: MoreValue, Scale: 150,
			Definition: "Discounted expected spend over the next 12 months: BG/NBD purchases × Gamma-Gamma value, monthly steps."},
			get: func(a *agg, h *History) float64 {
				return ifOK(a.hasPred && !math.IsNaN(a.pred.Value12Month), a.pred.Value12Month)
			},
			describe: func(v float64, vs Values) string {
				return "predicted to spend " + fmtMoney(v, vs.currency) + " in the next 12 months"
			}, valueW: 3},

		// ── engagement ──
		{Signal: Signal{Name: "email_open_rate", Neutral: 0.2, Group: GroupEngagement, Unit: UnitRatio, Direction: MoreValue, Scale: 0.3,
			Definition: "Email opens divided by emails received (last 90 days), capped at 1."},
			get: func(a *agg, h *History) float64 {
				if e := h.Engagement; e != nil {
					return math.Min(1, ratio(e.EmailOpens, e.EmailsReceived))
				}
				return nan
			},
			describe: func(v float64, vs Values) string { return "opens " + pct(v) + " of emails" }, valueW: 0.5},
		{Signal: Signal{Name: "email_click_rate", Neutral: 0.02, Group: GroupEngagement, Unit: UnitRatio, Direction: MoreValue, Scale: 0.05,
			Definition: "Email clicks divided by emails received (last 90 days), capped at 1."},
			get: func(a *agg, h *History) float64 {
				if e := h.Engagement; e != nil {
					return math.Min(1, ratio(e.EmailClicks, e.EmailsReceived))
				}
				return nan
			},
			describe: func(v float64, vs Values) string { return "clicks in " + pct(v) + " of emails" }, valueW: 0.5},
		{Signal: Signal{Name: "site_sessions_90_days", Neutral: 1, Group: GroupEngagement, Unit: UnitCount, Direction: MoreValue, Scale: 5,
			Definition: "Site visits in the last 90 days."},
			get: func(a *agg, h *History) float64 {
				if e := h.Engagement; e != nil {
					return float64(e.SiteSessions)
				}
				return nan
			},
			describe: func(v float64, vs Values) string { return plural(v, "site visit", "site visits") + " in 90 days" }, valueW: 0.3},
		{Signal: Signal{Name: "referrals", Group: GroupEngagement, Unit: UnitCount, Direction: MoreValue, Scale: 1,
			Definition: "Customers this customer referred."},
			get: func(a *agg, h *History) float64 {
				if e := h.Engagement; e != nil {
					return float64(e.Referrals)
				}
				return nan
			},
			describe: func(v float64, vs Values) string { return "referred " + plural(v, "customer", "customers") }, valueW: 1},
		{Signal: Signal{Name: "reviews_written", Group: GroupEngagement, Unit: UnitCount, Direction: MoreValue, Scale: 2,
			Definition: "Product reviews written; missing when reviews are unknown."},
			get: func(a *agg, h *History) float64 {
				if e := h.Engagement; e != nil && e.Reviews != nil {
					return float64(a.reviews)
				}
				return nan
			},
			describe: func(v float64, vs Values) string { return "wrote " + plural(v, "review", "reviews") }, valueW: 0.5},
		{Signal: Signal{Name: "average_review_rating", Neutral: 3.5, Group: GroupEngagement, Unit: UnitStars, Direction: MoreValue,
			Definition: "Mean star rating (1–5) of the customer's reviews."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.reviews > 0, a.ratingSum/float64(a.reviews)) },
			describe: func(v float64, vs Values) string { return "rates products " + decimal1(v) + " stars on average" }, valueW: 0.5},
		{Signal: Signal{Name: "last_review_rating", Neutral: 3.5, Group: GroupEngagement, Unit: UnitStars, Direction: MoreValue,
			Definition: "Star rating (1–5) of the most recent review."},
			get: func(a *agg, h *History) float64 { return ifOK(a.reviews > 0, a.lastRating) },
			describe: func(v float64, vs Values) string {
				return "last review gave " + plural(v, "star", "stars")
			}, valueW: 0.5},
		{Signal: Signal{Name: "reviews_with_text_share", Group: GroupEngagement, Unit: UnitRatio, Direction: MoreValue,
			Definition: "Share of reviews with written text, not only stars."},
			get:      func(a *agg, h *History) float64 { return ratio(a.reviewsText, a.reviews) },
			describe: func(v float64, vs Values) string { return pct(v) + " of reviews have written comments" }},
		{Signal: Signal{Name: "days_since_last_activity", Neutral: 30, Group: GroupEngagement, Unit: UnitDays, Direction: LessValue, Scale: 60,
			Definition: "Days since the last open, click, visit or review."},
			get: func(a *agg, h *History) float64 {
				if e := h.Engagement; e != nil && !e.LastActiveAt.IsZero() {
					return math.Max(0, float64(a.nowDay-day(e.LastActiveAt)))
				}
				return nan
			},
			describe: func(v float64, vs Values) string { return "last active " + ago(v) }, valueW: 0.5},

		// ── delivery experience and support ──
		{Signal: Signal{Name: "late_deliveries", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 1,
			Definition: "Shipments delivered after the promised date, or still undelivered past it."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasShipments, float64(a.late)) },
			describe: func(v float64, vs Values) string {
				s := plural(v, "late delivery", "late deliveries")
				if n, ok := vs.at("shipments_count"); ok && n > 0 {
					s += " out of " + plural(n, "shipment", "shipments")
				}
				return s
			}, valueW: 1},
		{Signal: Signal{Name: "late_deliveries_90_days", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 1,
			Definition: "late_deliveries whose promised date lies in the last 90 days: a fresh bad experience."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasShipments, float64(a.late90)) },
			describe: func(v float64, vs Values) string {
				return plural(v, "late delivery", "late deliveries") + " in the last 90 days"
			}, valueW: 0.5},
		{Signal: Signal{Name: "late_delivery_rate", Group: GroupDelivery, Unit: UnitRatio, Direction: LessValue,
			Definition: "late_deliveries divided by shipments whose promised date has passed or that were delivered."},
			get:      func(a *agg, h *History) float64 { return ratio(a.late, a.promised) },
			describe: func(v float64, vs Values) string { return pct(v) + " of deliveries arrived late" }},
		{Signal: Signal{Name: "average_days_late", Group: GroupDelivery, Unit: UnitDays, Direction: LessValue, Scale: 3,
			Definition: "Mean days past the promised date over late shipments."},
			get: func(a *agg, h *History) float64 { return ifOK(a.late > 0, a.daysLateSum/float64(a.late)) },
			describe: func(v float64, vs Values) string {
				return "late deliveries were " + decimal1(v) + " days late on average"
			}},
		{Signal: Signal{Name: "max_days_late", Group: GroupDelivery, Unit: UnitDays, Direction: LessValue, Scale: 5,
			Definition: "Most days any shipment was past its promised date."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.late > 0, a.maxLate) },
			describe: func(v float64, vs Values) string { return "one delivery was " + plural(v, "day", "days") + " late" }},
		{Signal: Signal{Name: "shipments_count", Group: GroupDelivery, Unit: UnitCount, Direction: MoreValue, Scale: 4,
			Definition: "Shipments known for the customer."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.hasShipments, float64(a.nShip)) },
			describe: func(v float64, vs Values) string { return plural(v, "shipment", "shipments") }},
		{Signal: Signal{Name: "overdue_open_shipments", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 1,
			Definition: "Undelivered, not-lost shipments past their promised date now."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasShipments, float64(a.overdueOpen)) },
			describe: func(v float64, vs Values) string {
				return plural(v, "package", "packages") + " overdue right now"
			}},
		{Signal: Signal{Name: "delivery_exceptions", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 2,
			Definition: "Carrier exceptions (failed attempts, damage, customs holds) across shipments."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.hasShipments, float64(a.exceptions)) },
			describe: func(v float64, vs Values) string { return plural(v, "carrier exception", "carrier exceptions") }},
		{Signal: Signal{Name: "lost_shipments", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 1,
			Definition: "Shipments declared lost or returned to sender."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.hasShipments, float64(a.lost)) },
			describe: func(v float64, vs Values) string { return plural(v, "lost package", "lost packages") }, valueW: 0.5},
		{Signal: Signal{Name: "average_delivery_days", Neutral: 4, Group: GroupDelivery, Unit: UnitDays, Direction: LessValue, Scale: 5,
			Definition: "Mean days from shipping to delivery."},
			get: func(a *agg, h *History) float64 {
				return ifOK(a.delivered > 0, a.deliveryDaysSum/float64(a.delivered))
			},
			describe: func(v float64, vs Values) string { return "deliveries take " + decimal1(v) + " days on average" }},
		{Signal: Signal{Name: "split_shipment_orders", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 2,
			Definition: "Orders that arrived in more than one package."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasShipments, float64(a.splitOrders)) },
			describe: func(v float64, vs Values) string {
				return plural(v, "order", "orders") + " split into several packages"
			}},
		{Signal: Signal{Name: "wismo_contacts_90_days", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 1,
			Definition: "\"Where is my order?\" support contacts in the last 90 days."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasSupport, float64(a.wismo90)) },
			describe: func(v float64, vs Values) string {
				return plural(v, "\"where is my order?\" contact", "\"where is my order?\" contacts") + " in 90 days"
			}, valueW: 0.5},
		{Signal: Signal{Name: "support_contacts_90_days", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 3,
			Definition: "All support contacts in the last 90 days."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasSupport, float64(a.contacts90)) },
			describe: func(v float64, vs Values) string {
				return plural(v, "support contact", "support contacts") + " in 90 days"
			}},

		// ── returns and claims ──
		{Signal: Signal{Name: "returns_count", Group: GroupReturns, Unit: UnitCount, Direction: LessValue, Scale: 2,
			Definition: "Return requests."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.hasReturns, float64(a.nReturns)) },
			describe: func(v float64, vs Values) string { return plural(v, "return", "returns") }},
		{Signal: Signal{Name: "return_rate", Neutral: 0.1, Group: GroupReturns, Unit: UnitRatio, Direction: LessValue,
			Definition: "Units returned divided by units bought; needs item counts on orders and returns."},
			get: func(a *agg, h *History) float64 {
				return ifOK(a.hasReturns && a.items > 0, math.Min(1, float64(a.returnItems)/float64(a.items)))
			},
			describe: func(v float64, vs Values) string { return "returned " + pct(v) + " of items bought" },
			valueW:   2, riskW: 0.25},
		{Signal: Signal{Name: "returned_value_365_days", Group: GroupReturns, Unit: UnitMoney, Direction: LessValue, Scale: 200,
			Definition: "Value of returns requested in the last 365 days."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasReturns, a.returnValue365) },
			describe: func(v float64, vs Values) string {
				return fmtMoney(v, vs.currency) + " returned in the last 12 months"
			}},
		{Signal: Signal{Name: "flagged_returns", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 0.5,
			Definition: "Returns the merchant flagged: empty box, used or worn, swapped item."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasReturns, float64(a.flagged)) },
			describe: func(v float64, vs Values) string {
				return plural(v, "return", "returns") + " flagged as abusive (empty, used or swapped)"
			}, riskW: 0.6},
		{Signal: Signal{Name: "opportunistic_return_share", Neutral: 0.5, Group: GroupReturns, Unit: UnitRatio, Direction: LessValue,
			Definition: "Share of returns with a reason on the customer's side (size or fit, changed mind, other) rather than the merchant's."},
			get:      func(a *agg, h *History) float64 { return ratio(a.opportunistic, a.withReason) },
			describe: func(v float64, vs Values) string { return pct(v) + " of returns were a change of mind or fit" }, valueW: 0.5},
		{Signal: Signal{Name: "claims_count", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 2,
			Definition: "Post-purchase claims of any kind (lifetime)."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.hasClaims, float64(a.nClaims)) },
			describe: func(v float64, vs Values) string { return plural(v, "claim", "claims") }},
		{Signal: Signal{Name: "claim_rate", Group: GroupReturns, Unit: UnitRatio, Direction: MoreRisk, Scale: 0.2,
			Definition: "Claims divided by orders."},
			get: func(a *agg, h *History) float64 {
				return ifOK(a.hasClaims && hasOrders(a), float64(a.nClaims)/float64(a.nOrders))
			},
			describe: func(v float64, vs Values) string {
				if v > 1 {
					return decimal1(v) + " claims per order"
				}
				return "claims on " + pct(v) + " of orders"
			}, riskW: 0.3},
		{Signal: Signal{Name: "claims_60_days", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Claims of any kind filed in the last 60 days."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.hasClaims, float64(a.claims60)) },
			describe: func(v float64, vs Values) string { return plural(v, "claim", "claims") + " in 60 days" }, riskW: 0.15},
		{Signal: Signal{Name: "not_received_claims_60_days", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Item-not-received claims filed in the last 60 days."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasClaims, float64(a.inr60)) },
			describe: func(v float64, vs Values) string {
				return plural(v, "item-not-received claim", "item-not-received claims") + " in 60 days"
			}, riskW: 0.3},
		{Signal: Signal{Name: "not_received_claims_365_days", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Item-not-received claims filed in the last 365 days."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasClaims, float64(a.inr365)) },
			describe: func(v float64, vs Values) string {
				return plural(v, "item-not-received claim", "item-not-received claims") + " in 12 months"
			}, riskW: 0.25},
		{Signal: Signal{Name: "missing_item_claims_365_days", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Missing-item claims filed in the last 365 days."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasClaims, float64(a.mi365)) },
			describe: func(v float64, vs Values) string {
				return plural(v, "missing-item claim", "missing-item claims") + " in 12 months"
			}, riskW: 0.2},
		{Signal: Signal{Name: "damaged_claims_365_days", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 2,
			Definition: "Damaged-item claims filed in the last 365 days."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasClaims, float64(a.dmg365)) },
			describe: func(v float64, vs Values) string {
				return plural(v, "damaged-item claim", "damaged-item claims") + " in 12 months"
			}, riskW: 0.1},
		{Signal: Signal{Name: "denied_claims", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Claims the merchant denied."},
			get:      func(a *agg, h *History) float64 { return ifOK(a.hasClaims, float64(a.denied)) },
			describe: func(v float64, vs Values) string { return plural(v, "denied claim", "denied claims") }, riskW: 0.3},
		{Signal: Signal{Name: "early_claims", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Not-received or missing-item claims filed within 7 days of placing the order."},
			get: func(a *agg, h *History) float64 { return ifOK(a.hasClaims && a.hasOrders, float64(a.early)) },
			describe: func(v float64, vs Values) string {
				return plural(v, "claim", "claims") + " filed within a week of ordering"
			}, riskW: 0.2},

		// ── payment and identity risk ──
		{Signal: Signal{Name: "chargebacks", Group: GroupRisk, Unit: UnitCount, Direction: MoreRisk, Scale: 0.5,
			Definition: "Card chargebacks (lifetime)."},
			get:      func(a *agg, h *History) float64 { return riskInt(h, func(r *RiskInputs) *int { return r.Chargebacks }) },
			describe: func(v float64, vs Values) string { return plural(v, "chargeback", "chargebacks") }, riskW: 0.8},
		{Signal: Signal{Name: "disputes", Group: GroupRisk, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Payment disputes and inquiries (lifetime)."},
			get:      func(a *agg, h *History) float64 { return riskInt(h, func(r *RiskInputs) *int { return r.Disputes }) },
			describe: func(v float64, vs Values) string { return plural(v, "payment dispute", "payment disputes") }, riskW: 0.4},
		{Signal: Signal{Name: "early_fraud_warnings", Group: GroupRisk, Unit: UnitCount, Direction: MoreRisk, Scale: 0.5,
			Definition: "Card issuers' early fraud warnings."},
			get: func(a *agg, h *History) float64 {
				return riskInt(h, func(r *RiskInputs) *int { return r.EarlyFraudWarnings })
			},
			describe: func(v float64, vs Values) string { return plural(v, "early fraud warning", "early fraud warnings") }, riskW: 0.7},
		{Signal: Signal{Name: "processor_risk_score", Neutral: 25, Group: GroupRisk, Unit: UnitScore100, Direction: MoreRisk,
			Definition: "The payment processor's risk score, 0–100."},
			get: func(a *agg, h *History) float64 {
				if h.Risk == nil || h.Risk.ProcessorRiskScore == nil {
					return nan
				}
				return *h.Risk.ProcessorRiskScore
			},
			describe: func(v float64, vs Values) string {
				return "payment risk score " + itoa(int(math.Round(v))) + "/100"
			}, riskW: 0.6},
		{Signal: Signal{Name: "disposable_email", Group: GroupRisk, Unit: UnitFlag, Direction: MoreRisk,
			Definition: "1 if the email address is from a disposable-email provider."},
			get: func(a *agg, h *History) float64 {
				return riskBool(h, func(r *RiskInputs) *bool { return r.DisposableEmail })
			},
			describe: yesNo("uses a disposable email address", "email is not disposable"), riskW: 0.3},
		{Signal: Signal{Name: "proxy_ip", Group: GroupRisk, Unit: UnitFlag, Direction: MoreRisk,
			Definition: "1 if orders came through an anonymising proxy, VPN or Tor."},
			get:      func(a *agg, h *History) float64 { return riskBool(h, func(r *RiskInputs) *bool { return r.ProxyIP }) },
			describe: yesNo("orders through an anonymising proxy or VPN", "no proxy or VPN seen"), riskW: 0.2},
		{Signal: Signal{Name: "reshipper_address", Group: GroupRisk, Unit: UnitFlag, Direction: MoreRisk,
			Definition: "1 if the shipping address is a reshipper or freight forwarder."},
			get: func(a *agg, h *History) float64 {
				return riskBool(h, func(r *RiskInputs) *bool { return r.ReshipperAddress })
			},
			describe: yesNo("ships to a reshipping or forwarding address", "ships to a regular address"), riskW: 0.2},
		{Signal: Signal{Name: "billing_shipping_mismatch_share", Group: GroupRisk, Unit: UnitRatio, Direction: MoreRisk,
			Definition: "Share of orders whose billing and shipping address hashes differ; RiskInputs.BillingShippingMismatch when orders carry no addresses."},
			get: func(a *agg, h *History) float64 {
				if a.addrPairs > 0 {
					return float64(a.addrMismatch) / float64(a.addrPairs)
				}
				return riskBool(h, func(r *RiskInputs) *bool { return r.BillingShippingMismatch })
			},
			describe: func(v float64, vs Values) string {
				return "billing and shipping addresses differ on " + pct(v) + " of orders"
			}, riskW: 0.15},
		{Signal: Signal{Name: "country_mismatch_share", Group: GroupRisk, Unit: UnitRatio, Direction: MoreRisk,
			Definition: "Share of orders shipped to another country than the billing country."},
			get: func(a *agg, h *History) float64 { return ratio(a.countryMismatch, a.countryPairs) },
			describe: func(v float64, vs Values) string {
				return pct(v) + " of orders shipped abroad from the billing country"
			}, riskW: 0.15},
		{Signal: Signal{Name: "address_changes_180_days", Group: GroupRisk, Unit: UnitCount, Direction: MoreRisk, Scale: 2,
			Definition: "Shipping address changes in the last 180 days (from the host's risk inputs)."},
			get: func(a *agg, h *History) float64 {
				return riskInt(h, func(r *RiskInputs) *int { return r.AddressChanges })
			},
			describe: func(v float64, vs Values) string {
				return plural(v, "address change", "address changes") + " in 6 months"
			}, riskW: 0.15},
		{Signal: Signal{Name: "prepaid_card_share", Group: GroupRisk, Unit: UnitRatio, Direction: MoreRisk,
			Definition: "Share of orders (with a known payment method) paid with a prepaid card."},
			get:      func(a *agg, h *History) float64 { return ratio(a.prepaid, a.paymentKnown) },
			describe: func(v float64, vs Values) string { return pct(v) + " of orders paid with prepaid cards" }, riskW: 0.1},
		{Signal: Signal{Name: "email_age_days", Neutral: 90, Group: GroupRisk, Unit: UnitDays, Direction: LessRisk, Scale: 180,
			Definition: "Days since the email address was first seen (older addresses are safer)."},
			get: func(a *agg, h *History) float64 {
				if h.Risk == nil || h.Risk.EmailFirstSeen.IsZero() {
					return nan
				}
				return math.Max(0, float64(a.nowDay-day(h.Risk.EmailFirstSeen)))
			},
			describe: func(v float64, vs Values) string { return "email address first seen " + span(v) + " ago" }, riskW: 0.3},
	}
}

func riskInt(h *History, f func(*RiskInputs) *int) float64 {
	if h.Risk == nil {
		return nan
	}
	return intp(f(h.Risk))
}

func riskBool(h *History, f func(*RiskInputs) *bool) float64 {
	if h.Risk == nil {
		return nan
	}
	return boolp(f(h.Risk))
}

func yesNo(yes, no string) func(v float64, vs Values) string {
	return func(v float64, vs Values) string {
		if v >= 0.5 {
			return yes
		}
		return no
	}
}
