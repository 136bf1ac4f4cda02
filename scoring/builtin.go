package scoring

import (
	"math"
	"strconv"
)

// builtin is a built-in signal: its public description, where agg.values
// writes its value, its reason text and default weights.
type builtin struct {
	Signal
	idx      int // sig constant: where values writes the signal
	describe func(v float64, vs Values) string
	valueW   float64  // default weight in Config.ValueWeights (0 = off)
	riskW    float64  // default weight in Config.RiskWeights (0 = off)
	modelW   *float64 // default weight in Config.ModelValueWeights (nil = valueW)
}

// Indices of the built-in signals in the registry, in documentation order
// (builtins() lists them in this order; TestBuiltinIndices checks it).
const (
	sigOrderCount = iota
	sigRepeatPurchaseDays
	sigTenureDays
	sigDaysSinceLastOrder
	sigOrdersLast365Days
	sigTotalSpent
	sigNetSpent
	sigAverageOrderValue
	sigLargestOrderValue
	sigAverageDaysBetweenOrders
	sigDiscountShare
	sigCanceledOrders
	sigDistinctCategories
	sigAccountAgeDays
	sigMarketingConsent
	sigEmailVerified
	sigVIPTag
	sigCashbackIssued
	sigCashbackRedemptionRate
	sigProbabilityAlive
	sigExpectedPurchases90Days
	sigExpectedPurchases12Months
	sigExpectedAverageOrderValue
	sigPredictedValue12Months
	sigEmailOpenRate
	sigEmailClickRate
	sigSiteSessions90Days
	sigReferrals
	sigReviewsWritten
	sigAverageReviewRating
	sigLastReviewRating
	sigReviewsWithTextShare
	sigDaysSinceLastActivity
	sigLateDeliveries
	sigLateDeliveries90Days
	sigLateDeliveryRate
	sigAverageDaysLate
	sigMaxDaysLate
	sigShipmentsCount
	sigOverdueOpenShipments
	sigDeliveryExceptions
	sigLostShipments
	sigAverageDeliveryDays
	sigSplitShipmentOrders
	sigWismoContacts90Days
	sigSupportContacts90Days
	sigReturnsCount
	sigReturnRate
	sigReturnedValue365Days
	sigFlaggedReturns
	sigOpportunisticReturnShare
	sigClaimsCount
	sigClaimRate
	sigClaims60Days
	sigNotReceivedClaims60Days
	sigNotReceivedClaims365Days
	sigMissingItemClaims365Days
	sigDamagedClaims365Days
	sigDeniedClaims
	sigEarlyClaims
	sigChargebacks
	sigDisputes
	sigEarlyFraudWarnings
	sigProcessorRiskScore
	sigDisposableEmail
	sigProxyIP
	sigReshipperAddress
	sigBillingShippingMismatchShare
	sigCountryMismatchShare
	sigAddressChanges180Days
	sigPrepaidCardShare
	sigEmailAgeDays
	nBuiltin // number of built-in signals
)

// builtins returns the built-in signals in documentation order. It builds
// a fresh slice each time (no package-level mutable state).
//
// The default value weights are checked on the CDNOW sample
// (TestHoldout). With a fitted model (Config.ModelValueWeights) they were
// chosen on the customers with odd sample ids, by Spearman's correlation
// with holdout spend (average ranks), and checked on the even ids and on
// all:
//
//   - predicted_value_12_months 6: the BG/NBD × Gamma-Gamma forecast
//     orders repeat buyers best; it and expected_average_order_value are
//     missing for one-time buyers, for whom Gamma-Gamma knows only the
//     population mean and the forecast would order them by age alone;
//   - repeat_purchase_days 1: a second purchase day is the strongest
//     single fact (repeat buyers buy again in the holdout 26–81 % of the
//     time, one-time buyers 11–21 %), and it keeps every repeat buyer
//     above every one-time buyer, which BG/NBD alone does not (it gives a
//     one-time buyer P(alive) = 1);
//   - 0 for the raw frequency, recency and spend signals the forecast is
//     computed from (order_count, orders_last_365_days,
//     days_since_last_order, total_spent, net_spent, average_order_value):
//     for repeat buyers they repeat the forecast, and for the 60 % of
//     customers who bought once (86 % of whom spend nothing in the
//     holdout) they only order one-time buyers among themselves, which
//     cost up to 0.07 of Spearman (the ablation rows "Value + …").
//
// Without a model the raw signals carry Value: repeat_purchase_days 3,
// days_since_last_order 3, total_spent 3, order_count 1,
// orders_last_365_days 1, average_order_value 1 (net_spent 1 when
// returns are known). probability_alive, tenure_days and
// average_days_between_orders stay at 0 in both: BG/NBD gives every
// one-time buyer P(alive) = 1 (Spearman −0.33 as a value signal), tenure
// without a repeat is bad news, not value, and the average gap is missing
// for one-time buyers, so it docked only repeat buyers.
func builtins() []builtin {
	return []builtin{
		// ── value and relationship ──
		{Signal: Signal{Name: "order_count", Neutral: 2, Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Scale: 4,
			Definition: "Orders placed, not counting canceled ones (0 when the order list is known and empty)."},
			idx: sigOrderCount,
			describe: func(v float64, vs Values) string {
				s := plural(v, "order", "orders")
				if t, ok := vs.at("tenure_days"); ok && v > 1 {
					s += " in " + span(t)
				}
				return s
			}, valueW: 1, modelW: ptr(0)},
		{Signal: Signal{Name: "repeat_purchase_days", Neutral: 1, Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Scale: 3,
			Definition: "Distinct UTC days with an order, minus the first (BG/NBD frequency x); 0 when the order list is known and empty."},
			idx: sigRepeatPurchaseDays,
			describe: func(v float64, vs Values) string {
				if n, ok := vs.at("order_count"); ok && n == 0 {
					return "has not bought yet"
				}
				if v == 0 {
					return "has not come back to buy again"
				}
				return "came back to buy on " + plural(v, "more day", "more days")
			}, valueW: 3, modelW: ptr(1)},
		{Signal: Signal{Name: "tenure_days", Neutral: 180, Group: GroupValue, Unit: UnitDays, Direction: MoreValue, Scale: 365,
			Definition: "Days from the first order to now (BG/NBD age T)."},
			idx:      sigTenureDays,
			describe: func(v float64, vs Values) string { return "first order " + span(v) + " ago" }},
		{Signal: Signal{Name: "days_since_last_order", Neutral: 90, Group: GroupValue, Unit: UnitDays, Direction: LessValue, Scale: 120,
			Definition: "Days from the most recent order to now."},
			idx:      sigDaysSinceLastOrder,
			describe: func(v float64, vs Values) string { return "last order " + ago(v) }, valueW: 3, modelW: ptr(0)},
		{Signal: Signal{Name: "orders_last_365_days", Neutral: 1, Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Scale: 3,
			Definition: "Orders placed in the last 365 days, not counting canceled ones."},
			idx:      sigOrdersLast365Days,
			describe: func(v float64, vs Values) string { return plural(v, "order", "orders") + " in the last 12 months" }, valueW: 1, modelW: ptr(0)},
		{Signal: Signal{Name: "total_spent", Neutral: 150, Group: GroupValue, Unit: UnitMoney, Direction: MoreValue, Scale: 300,
			Definition: "Sum of order totals, canceled orders excluded (historic value)."},
			idx:      sigTotalSpent,
			describe: func(v float64, vs Values) string { return fmtMoney(v, vs.currency) + " spent in total" }, valueW: 3, modelW: ptr(0)},
		{Signal: Signal{Name: "net_spent", Neutral: 150, Group: GroupValue, Unit: UnitMoney, Direction: MoreValue, Scale: 300,
			Definition: "total_spent minus the value of returns; missing unless returns are known."},
			idx:      sigNetSpent,
			describe: func(v float64, vs Values) string { return fmtMoney(v, vs.currency) + " kept after returns" }, valueW: 1, modelW: ptr(0)},
		{Signal: Signal{Name: "average_order_value", Neutral: 60, Group: GroupValue, Unit: UnitMoney, Direction: MoreValue, Scale: 80,
			Definition: "total_spent divided by order_count."},
			idx:      sigAverageOrderValue,
			describe: func(v float64, vs Values) string { return "average order " + fmtMoney(v, vs.currency) }, valueW: 1, modelW: ptr(0)},
		{Signal: Signal{Name: "largest_order_value", Neutral: 100, Group: GroupValue, Unit: UnitMoney, Direction: MoreValue, Scale: 150,
			Definition: "Largest single order total."},
			idx:      sigLargestOrderValue,
			describe: func(v float64, vs Values) string { return "largest order " + fmtMoney(v, vs.currency) }},
		{Signal: Signal{Name: "average_days_between_orders", Neutral: 90, Group: GroupValue, Unit: UnitDays, Direction: LessValue, Scale: 60,
			Definition: "Days from first to last order divided by the number of repeat purchase days; missing before a second purchase day."},
			idx: sigAverageDaysBetweenOrders,
			describe: func(v float64, vs Values) string {
				return "orders every " + plural(math.Round(v), "day", "days") + " on average"
			}},
		{Signal: Signal{Name: "discount_share", Neutral: 0.1, Group: GroupValue, Unit: UnitRatio, Direction: LessValue,
			Definition: "Discounts divided by (order totals + discounts): how much of the list value was discounted; missing until some order records a discount (a zero discount means none or unknown)."},
			idx:      sigDiscountShare,
			describe: func(v float64, vs Values) string { return pct(v) + " of order value came from discounts" }, valueW: 1},
		{Signal: Signal{Name: "canceled_orders", Group: GroupValue, Unit: UnitCount, Direction: MoreRisk, Scale: 2,
			Definition: "Orders canceled before fulfilment."},
			idx:      sigCanceledOrders,
			describe: func(v float64, vs Values) string { return plural(v, "canceled order", "canceled orders") }, riskW: 0.05},
		{Signal: Signal{Name: "distinct_categories", Neutral: 1, Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Scale: 3,
			Definition: "Distinct product categories across orders (basket breadth)."},
			idx: sigDistinctCategories,
			describe: func(v float64, vs Values) string {
				return "buys across " + plural(v, "category", "categories")
			}, valueW: 0.5},
		{Signal: Signal{Name: "account_age_days", Neutral: 180, Group: GroupValue, Unit: UnitDays, Direction: MoreValue, Scale: 365,
			Definition: "Days since the customer account was created."},
			idx:      sigAccountAgeDays,
			describe: func(v float64, vs Values) string { return "account opened " + span(v) + " ago" }, valueW: 0.5},
		{Signal: Signal{Name: "marketing_consent", Group: GroupValue, Unit: UnitFlag, Direction: MoreValue,
			Definition: "1 if the customer accepts email marketing."},
			idx:      sigMarketingConsent,
			describe: yesNo("subscribed to marketing email", "not subscribed to marketing email"), valueW: 0.5},
		{Signal: Signal{Name: "email_verified", Group: GroupValue, Unit: UnitFlag, Direction: LessRisk,
			Definition: "1 if the customer verified their email address."},
			idx:      sigEmailVerified,
			describe: yesNo("verified email address", "email address not verified"), riskW: 0.2},
		{Signal: Signal{Name: "vip_tag", Group: GroupValue, Unit: UnitFlag, Direction: MoreValue,
			Definition: "1 if the merchant tagged the customer \"vip\" (any case)."},
			idx:      sigVIPTag,
			describe: yesNo("tagged VIP by the store", "not tagged VIP"), valueW: 2},
		{Signal: Signal{Name: "cashback_issued", Group: GroupValue, Unit: UnitMoney, Direction: MoreValue, Scale: 20,
			Definition: "Store credit issued to the customer so far."},
			idx:      sigCashbackIssued,
			describe: func(v float64, vs Values) string { return fmtMoney(v, vs.currency) + " of store credit issued" }},
		{Signal: Signal{Name: "cashback_redemption_rate", Neutral: 0.5, Group: GroupValue, Unit: UnitRatio, Direction: MoreValue,
			Definition: "Store credit redeemed divided by issued; missing when none was issued."},
			idx:      sigCashbackRedemptionRate,
			describe: func(v float64, vs Values) string { return "spent " + pct(v) + " of store credit received" }, valueW: 0.5},

		// ── predicted value ──
		{Signal: Signal{Name: "probability_alive", Neutral: 0.5, Group: GroupPredicted, Unit: UnitProbability, Direction: MoreValue,
			Definition: "BG/NBD probability that the customer is still active (needs a fitted model)."},
			idx: sigProbabilityAlive,
			describe: func(v float64, vs Values) string {
				return pct(v) + " likely to still be an active customer"
			}},
		{Signal: Signal{Name: "expected_purchases_90_days", Neutral: 0.25, Group: GroupPredicted, Unit: UnitPurchases, Direction: MoreValue, Scale: 0.5,
			Definition: "BG/NBD expected number of purchase days in the next 90 days."},
			idx: sigExpectedPurchases90Days,
			describe: func(v float64, vs Values) string {
				return "expected to buy " + decimal1(v) + " times in the next 90 days"
			}},
		{Signal: Signal{Name: "expected_purchases_12_months", Neutral: 1, Group: GroupPredicted, Unit: UnitPurchases, Direction: MoreValue, Scale: 2,
			Definition: "BG/NBD expected number of purchase days in the next 12 months."},
			idx: sigExpectedPurchases12Months,
			describe: func(v float64, vs Values) string {
				return "expected to buy " + decimal1(v) + " times in the next 12 months"
			}},
		{Signal: Signal{Name: "expected_average_order_value", Neutral: 60, Group: GroupPredicted, Unit: UnitMoney, Direction: MoreValue, Scale: 80,
			Definition: "Gamma-Gamma expected average order value given the repeat orders (needs a spend model); missing before a second purchase day, when the model knows only the population mean."},
			idx:      sigExpectedAverageOrderValue,
			describe: func(v float64, vs Values) string { return "expected average order " + fmtMoney(v, vs.currency) }},
		{Signal: Signal{Name: "predicted_value_12_months", Neutral: 50, Group: GroupPredicted, Unit: UnitMoney, Direction: MoreValue, Scale: 150,
			Definition: "Discounted expected spend over the next 12 months: BG/NBD purchases × Gamma-Gamma value, monthly steps; missing before a second purchase day (no spend evidence of the customer's own)."},
			idx: sigPredictedValue12Months,
			describe: func(v float64, vs Values) string {
				return "predicted to spend " + fmtMoney(v, vs.currency) + " in the next 12 months"
			}, valueW: 6},

		// ── engagement ──
		{Signal: Signal{Name: "email_open_rate", Neutral: 0.2, Group: GroupEngagement, Unit: UnitRatio, Direction: MoreValue, Scale: 0.3,
			Definition: "Email opens divided by emails received (last 90 days), capped at 1."},
			idx:      sigEmailOpenRate,
			describe: func(v float64, vs Values) string { return "opens " + pct(v) + " of emails" }, valueW: 0.5},
		{Signal: Signal{Name: "email_click_rate", Neutral: 0.02, Group: GroupEngagement, Unit: UnitRatio, Direction: MoreValue, Scale: 0.05,
			Definition: "Email clicks divided by emails received (last 90 days), capped at 1."},
			idx:      sigEmailClickRate,
			describe: func(v float64, vs Values) string { return "clicks in " + pct(v) + " of emails" }, valueW: 0.5},
		{Signal: Signal{Name: "site_sessions_90_days", Neutral: 1, Group: GroupEngagement, Unit: UnitCount, Direction: MoreValue, Scale: 5,
			Definition: "Site visits in the last 90 days."},
			idx:      sigSiteSessions90Days,
			describe: func(v float64, vs Values) string { return plural(v, "site visit", "site visits") + " in 90 days" }, valueW: 0.3},
		{Signal: Signal{Name: "referrals", Group: GroupEngagement, Unit: UnitCount, Direction: MoreValue, Scale: 1,
			Definition: "Customers this customer referred."},
			idx:      sigReferrals,
			describe: func(v float64, vs Values) string { return "referred " + plural(v, "customer", "customers") }, valueW: 1},
		{Signal: Signal{Name: "reviews_written", Group: GroupEngagement, Unit: UnitCount, Direction: MoreValue, Scale: 2,
			Definition: "Product reviews written; missing when reviews are unknown."},
			idx:      sigReviewsWritten,
			describe: func(v float64, vs Values) string { return "wrote " + plural(v, "review", "reviews") }, valueW: 0.5},
		{Signal: Signal{Name: "average_review_rating", Neutral: 3.5, Group: GroupEngagement, Unit: UnitStars, Direction: MoreValue,
			Definition: "Mean star rating (1–5) of the customer's reviews."},
			idx:      sigAverageReviewRating,
			describe: func(v float64, vs Values) string { return "rates products " + decimal1(v) + " stars on average" }, valueW: 0.5},
		{Signal: Signal{Name: "last_review_rating", Neutral: 3.5, Group: GroupEngagement, Unit: UnitStars, Direction: MoreValue,
			Definition: "Star rating (1–5) of the most recent review."},
			idx: sigLastReviewRating,
			describe: func(v float64, vs Values) string {
				return "last review gave " + plural(v, "star", "stars")
			}, valueW: 0.5},
		{Signal: Signal{Name: "reviews_with_text_share", Group: GroupEngagement, Unit: UnitRatio, Direction: MoreValue,
			Definition: "Share of reviews with written text, not only stars."},
			idx:      sigReviewsWithTextShare,
			describe: func(v float64, vs Values) string { return pct(v) + " of reviews have written comments" }},
		{Signal: Signal{Name: "days_since_last_activity", Neutral: 30, Group: GroupEngagement, Unit: UnitDays, Direction: LessValue, Scale: 60,
			Definition: "Days since the last open, click, visit or review."},
			idx:      sigDaysSinceLastActivity,
			describe: func(v float64, vs Values) string { return "last active " + ago(v) }, valueW: 0.5},

		// ── delivery experience and support ──
		{Signal: Signal{Name: "late_deliveries", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 1,
			Definition: "Shipments delivered after the promised date, or still undelivered past it."},
			idx: sigLateDeliveries,
			describe: func(v float64, vs Values) string {
				s := plural(v, "late delivery", "late deliveries")
				if n, ok := vs.at("shipments_count"); ok && n > 0 {
					s += " out of " + plural(n, "shipment", "shipments")
				}
				return s
			}, valueW: 1},
		{Signal: Signal{Name: "late_deliveries_90_days", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 1,
			Definition: "late_deliveries whose promised date lies in the last 90 days: a fresh bad experience."},
			idx: sigLateDeliveries90Days,
			describe: func(v float64, vs Values) string {
				return plural(v, "late delivery", "late deliveries") + " in the last 90 days"
			}, valueW: 0.5},
		{Signal: Signal{Name: "late_delivery_rate", Group: GroupDelivery, Unit: UnitRatio, Direction: LessValue,
			Definition: "late_deliveries divided by shipments whose promised date has passed or that were delivered."},
			idx:      sigLateDeliveryRate,
			describe: func(v float64, vs Values) string { return pct(v) + " of deliveries arrived late" }},
		{Signal: Signal{Name: "average_days_late", Group: GroupDelivery, Unit: UnitDays, Direction: LessValue, Scale: 3,
			Definition: "Mean days past the promised date over late shipments."},
			idx: sigAverageDaysLate,
			describe: func(v float64, vs Values) string {
				return "late deliveries were " + decimal1(v) + " days late on average"
			}},
		{Signal: Signal{Name: "max_days_late", Group: GroupDelivery, Unit: UnitDays, Direction: LessValue, Scale: 5,
			Definition: "Most days any shipment was past its promised date."},
			idx:      sigMaxDaysLate,
			describe: func(v float64, vs Values) string { return "one delivery was " + plural(v, "day", "days") + " late" }},
		{Signal: Signal{Name: "shipments_count", Group: GroupDelivery, Unit: UnitCount, Direction: MoreValue, Scale: 4,
			Definition: "Shipments known for the customer."},
			idx:      sigShipmentsCount,
			describe: func(v float64, vs Values) string { return plural(v, "shipment", "shipments") }},
		{Signal: Signal{Name: "overdue_open_shipments", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 1,
			Definition: "Undelivered, not-lost shipments past their promised date now."},
			idx: sigOverdueOpenShipments,
			describe: func(v float64, vs Values) string {
				return plural(v, "package", "packages") + " overdue right now"
			}},
		{Signal: Signal{Name: "delivery_exceptions", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 2,
			Definition: "Carrier exceptions (failed attempts, damage, customs holds) across shipments."},
			idx:      sigDeliveryExceptions,
			describe: func(v float64, vs Values) string { return plural(v, "carrier exception", "carrier exceptions") }},
		{Signal: Signal{Name: "lost_shipments", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 1,
			Definition: "Shipments declared lost or returned to sender."},
			idx:      sigLostShipments,
			describe: func(v float64, vs Values) string { return plural(v, "lost package", "lost packages") }, valueW: 0.5},
		{Signal: Signal{Name: "average_delivery_days", Neutral: 4, Group: GroupDelivery, Unit: UnitDays, Direction: LessValue, Scale: 5,
			Definition: "Mean days from shipping to delivery."},
			idx:      sigAverageDeliveryDays,
			describe: func(v float64, vs Values) string { return "deliveries take " + decimal1(v) + " days on average" }},
		{Signal: Signal{Name: "split_shipment_orders", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 2,
			Definition: "Orders that arrived in more than one package."},
			idx: sigSplitShipmentOrders,
			describe: func(v float64, vs Values) string {
				return plural(v, "order", "orders") + " split into several packages"
			}},
		{Signal: Signal{Name: "wismo_contacts_90_days", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 1,
			Definition: "\"Where is my order?\" support contacts in the last 90 days."},
			idx: sigWismoContacts90Days,
			describe: func(v float64, vs Values) string {
				return plural(v, "\"where is my order?\" contact", "\"where is my order?\" contacts") + " in 90 days"
			}, valueW: 0.5},
		{Signal: Signal{Name: "support_contacts_90_days", Group: GroupDelivery, Unit: UnitCount, Direction: LessValue, Scale: 3,
			Definition: "All support contacts in the last 90 days."},
			idx: sigSupportContacts90Days,
			describe: func(v float64, vs Values) string {
				return plural(v, "support contact", "support contacts") + " in 90 days"
			}},

		// ── returns and claims ──
		{Signal: Signal{Name: "returns_count", Group: GroupReturns, Unit: UnitCount, Direction: LessValue, Scale: 2,
			Definition: "Return requests."},
			idx:      sigReturnsCount,
			describe: func(v float64, vs Values) string { return plural(v, "return", "returns") }},
		{Signal: Signal{Name: "return_rate", Neutral: 0.1, Group: GroupReturns, Unit: UnitRatio, Direction: LessValue,
			Definition: "Units returned divided by units bought; needs item counts on orders and returns."},
			idx:      sigReturnRate,
			describe: func(v float64, vs Values) string { return "returned " + pct(v) + " of items bought" },
			valueW:   2, riskW: 0.25},
		{Signal: Signal{Name: "returned_value_365_days", Group: GroupReturns, Unit: UnitMoney, Direction: LessValue, Scale: 200,
			Definition: "Value of returns requested in the last 365 days."},
			idx: sigReturnedValue365Days,
			describe: func(v float64, vs Values) string {
				return fmtMoney(v, vs.currency) + " returned in the last 12 months"
			}},
		{Signal: Signal{Name: "flagged_returns", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 0.5,
			Definition: "Returns the merchant flagged: empty box, used or worn, swapped item."},
			idx: sigFlaggedReturns,
			describe: func(v float64, vs Values) string {
				return plural(v, "return", "returns") + " flagged as abusive (empty, used or swapped)"
			}, riskW: 0.6},
		{Signal: Signal{Name: "opportunistic_return_share", Neutral: 0.5, Group: GroupReturns, Unit: UnitRatio, Direction: LessValue,
			Definition: "Share of returns with a reason on the customer's side (size or fit, changed mind, other) rather than the merchant's."},
			idx:      sigOpportunisticReturnShare,
			describe: func(v float64, vs Values) string { return pct(v) + " of returns were a change of mind or fit" }, valueW: 0.5},
		{Signal: Signal{Name: "claims_count", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 2,
			Definition: "Post-purchase claims of any kind (lifetime)."},
			idx:      sigClaimsCount,
			describe: func(v float64, vs Values) string { return plural(v, "claim", "claims") }},
		{Signal: Signal{Name: "claim_rate", Group: GroupReturns, Unit: UnitRatio, Direction: MoreRisk, Scale: 0.2,
			Definition: "Claims divided by orders."},
			idx: sigClaimRate,
			describe: func(v float64, vs Values) string {
				if v > 1 {
					return decimal1(v) + " claims per order"
				}
				return "claims on " + pct(v) + " of orders"
			}, riskW: 0.3},
		{Signal: Signal{Name: "claims_60_days", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Claims of any kind filed in the last 60 days."},
			idx:      sigClaims60Days,
			describe: func(v float64, vs Values) string { return plural(v, "claim", "claims") + " in 60 days" }, riskW: 0.15},
		{Signal: Signal{Name: "not_received_claims_60_days", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Item-not-received claims filed in the last 60 days."},
			idx: sigNotReceivedClaims60Days,
			describe: func(v float64, vs Values) string {
				return plural(v, "item-not-received claim", "item-not-received claims") + " in 60 days"
			}, riskW: 0.3},
		{Signal: Signal{Name: "not_received_claims_365_days", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Item-not-received claims filed in the last 365 days."},
			idx: sigNotReceivedClaims365Days,
			describe: func(v float64, vs Values) string {
				return plural(v, "item-not-received claim", "item-not-received claims") + " in 12 months"
			}, riskW: 0.25},
		{Signal: Signal{Name: "missing_item_claims_365_days", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Missing-item claims filed in the last 365 days."},
			idx: sigMissingItemClaims365Days,
			describe: func(v float64, vs Values) string {
				return plural(v, "missing-item claim", "missing-item claims") + " in 12 months"
			}, riskW: 0.2},
		{Signal: Signal{Name: "damaged_claims_365_days", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 2,
			Definition: "Damaged-item claims filed in the last 365 days."},
			idx: sigDamagedClaims365Days,
			describe: func(v float64, vs Values) string {
				return plural(v, "damaged-item claim", "damaged-item claims") + " in 12 months"
			}, riskW: 0.1},
		{Signal: Signal{Name: "denied_claims", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Claims the merchant denied."},
			idx:      sigDeniedClaims,
			describe: func(v float64, vs Values) string { return plural(v, "denied claim", "denied claims") }, riskW: 0.3},
		{Signal: Signal{Name: "early_claims", Group: GroupReturns, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Not-received or missing-item claims filed within 7 days of placing the order."},
			idx: sigEarlyClaims,
			describe: func(v float64, vs Values) string {
				return plural(v, "claim", "claims") + " filed within a week of ordering"
			}, riskW: 0.2},

		// ── payment and identity risk ──
		{Signal: Signal{Name: "chargebacks", Group: GroupRisk, Unit: UnitCount, Direction: MoreRisk, Scale: 0.5,
			Definition: "Card chargebacks (lifetime)."},
			idx:      sigChargebacks,
			describe: func(v float64, vs Values) string { return plural(v, "chargeback", "chargebacks") }, riskW: 0.8},
		{Signal: Signal{Name: "disputes", Group: GroupRisk, Unit: UnitCount, Direction: MoreRisk, Scale: 1,
			Definition: "Payment disputes and inquiries (lifetime)."},
			idx:      sigDisputes,
			describe: func(v float64, vs Values) string { return plural(v, "payment dispute", "payment disputes") }, riskW: 0.4},
		{Signal: Signal{Name: "early_fraud_warnings", Group: GroupRisk, Unit: UnitCount, Direction: MoreRisk, Scale: 0.5,
			Definition: "Card issuers' early fraud warnings."},
			idx:      sigEarlyFraudWarnings,
			describe: func(v float64, vs Values) string { return plural(v, "early fraud warning", "early fraud warnings") }, riskW: 0.7},
		{Signal: Signal{Name: "processor_risk_score", Neutral: 25, Group: GroupRisk, Unit: UnitScore100, Direction: MoreRisk,
			Definition: "The payment processor's risk score, 0–100."},
			idx: sigProcessorRiskScore,
			describe: func(v float64, vs Values) string {
				return "payment risk score " + strconv.Itoa(int(math.Round(v))) + "/100"
			}, riskW: 0.6},
		{Signal: Signal{Name: "disposable_email", Group: GroupRisk, Unit: UnitFlag, Direction: MoreRisk,
			Definition: "1 if the email address is from a disposable-email provider."},
			idx:      sigDisposableEmail,
			describe: yesNo("uses a disposable email address", "email is not disposable"), riskW: 0.3},
		{Signal: Signal{Name: "proxy_ip", Group: GroupRisk, Unit: UnitFlag, Direction: MoreRisk,
			Definition: "1 if orders came through an anonymising proxy, VPN or Tor."},
			idx:      sigProxyIP,
			describe: yesNo("orders through an anonymising proxy or VPN", "no proxy or VPN seen"), riskW: 0.2},
		{Signal: Signal{Name: "reshipper_address", Group: GroupRisk, Unit: UnitFlag, Direction: MoreRisk,
			Definition: "1 if the shipping address is a reshipper or freight forwarder."},
			idx:      sigReshipperAddress,
			describe: yesNo("ships to a reshipping or forwarding address", "ships to a regular address"), riskW: 0.2},
		{Signal: Signal{Name: "billing_shipping_mismatch_share", Group: GroupRisk, Unit: UnitRatio, Direction: MoreRisk,
			Definition: "Share of orders whose billing and shipping address hashes differ; RiskInputs.BillingShippingMismatch when orders carry no addresses."},
			idx: sigBillingShippingMismatchShare,
			describe: func(v float64, vs Values) string {
				return "billing and shipping addresses differ on " + pct(v) + " of orders"
			}, riskW: 0.15},
		{Signal: Signal{Name: "country_mismatch_share", Group: GroupRisk, Unit: UnitRatio, Direction: MoreRisk,
			Definition: "Share of orders shipped to another country than the billing country."},
			idx: sigCountryMismatchShare,
			describe: func(v float64, vs Values) string {
				return pct(v) + " of orders shipped abroad from the billing country"
			}, riskW: 0.15},
		{Signal: Signal{Name: "address_changes_180_days", Group: GroupRisk, Unit: UnitCount, Direction: MoreRisk, Scale: 2,
			Definition: "Shipping address changes in the last 180 days (from the host's risk inputs)."},
			idx: sigAddressChanges180Days,
			describe: func(v float64, vs Values) string {
				return plural(v, "address change", "address changes") + " in 6 months"
			}, riskW: 0.15},
		{Signal: Signal{Name: "prepaid_card_share", Group: GroupRisk, Unit: UnitRatio, Direction: MoreRisk,
			Definition: "Share of orders (with a known payment method) paid with a prepaid card."},
			idx:      sigPrepaidCardShare,
			describe: func(v float64, vs Values) string { return pct(v) + " of orders paid with prepaid cards" }, riskW: 0.1},
		{Signal: Signal{Name: "email_age_days", Neutral: 90, Group: GroupRisk, Unit: UnitDays, Direction: LessRisk, Scale: 180,
			Definition: "Days since the email address was first seen (older addresses are safer)."},
			idx:      sigEmailAgeDays,
			describe: func(v float64, vs Values) string { return "email address first seen " + span(v) + " ago" }, riskW: 0.3},
	}
}

func yesNo(yes, no string) func(v float64, vs Values) string {
	return func(v float64, vs Values) string {
		if v >= 0.5 {
			return yes
		}
		return no
	}
}
