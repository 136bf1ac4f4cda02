package scoring

import (
	"math"
	"strings"
)

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

// values writes every built-in signal's value into out (NaN = missing),
// at the sig constants. It is the one definition of the built-in values
// (builtins() holds their descriptions): straight-line code over the
// aggregate, so that Score does not make an indirect call per signal.
func (a *agg) values(h *History, out *[nBuiltin]float64) {
	// ── value and relationship ──
	out[sigOrderCount] = ifOK(a.hasOrders, float64(a.nOrders))
	out[sigRepeatPurchaseDays] = ifOK(a.hasOrders, float64(max(0, a.distinctDays-1)))
	out[sigTenureDays] = ifOK(hasOrders(a), float64(a.nowDay-a.firstDay))
	out[sigDaysSinceLastOrder] = ifOK(hasOrders(a), float64(a.nowDay-a.lastDay))
	out[sigOrdersLast365Days] = ifOK(a.hasOrders, float64(a.orders365))
	out[sigTotalSpent] = ifOK(a.hasOrders, a.total)
	out[sigNetSpent] = ifOK(a.hasOrders && a.hasReturns, max(0, a.total-a.returnValue))
	out[sigAverageOrderValue] = ifOK(hasOrders(a), a.total/float64(a.nOrders))
	out[sigLargestOrderValue] = ifOK(hasOrders(a), a.maxOrder)
	out[sigAverageDaysBetweenOrders] = ifOK(hasOrders(a) && a.distinctDays > 1, float64(a.lastDay-a.firstDay)/float64(a.distinctDays-1))
	// A zero Discount means "none or unknown" (History): the share is
	// missing until some order records a discount, which shows the host
	// records them, and then zeros count as none.
	out[sigDiscountShare] = ifOK(hasOrders(a) && a.discount > 0, a.discount/(a.total+a.discount))
	out[sigCanceledOrders] = ifOK(a.hasOrders, float64(a.nCanceled))
	out[sigDistinctCategories] = ifOK(hasOrders(a) && a.categories > 0, float64(a.categories))
	out[sigAccountAgeDays], out[sigMarketingConsent], out[sigEmailVerified], out[sigVIPTag] = nan, nan, nan, nan
	if p := h.Profile; p != nil {
		if !p.CreatedAt.IsZero() {
			out[sigAccountAgeDays] = max(0, float64(a.nowDay-day(p.CreatedAt)))
		}
		out[sigMarketingConsent] = boolp(p.MarketingConsent)
		out[sigEmailVerified] = boolp(p.EmailVerified)
		if p.Tags != nil {
			out[sigVIPTag] = 0
			for _, t := range p.Tags {
				if strings.EqualFold(strings.TrimSpace(t), "vip") {
					out[sigVIPTag] = 1
					break
				}
			}
		}
	}
	out[sigCashbackIssued], out[sigCashbackRedemptionRate] = nan, nan
	if c := h.Cashback; c != nil {
		out[sigCashbackIssued] = money(c.Issued)
		if c.Issued.Sign() != 0 {
			out[sigCashbackRedemptionRate] = min(1, money(c.Redeemed)/money(c.Issued))
		}
	}

	// ── predicted value ──
	out[sigProbabilityAlive] = ifOK(a.hasPred, a.pred.ProbabilityAlive)
	out[sigExpectedPurchases90Days] = ifOK(a.hasPred, a.pred.Purchases90Days)
	out[sigExpectedPurchases12Months] = ifOK(a.hasPred, a.pred.Purchases12Month)
	// The spend predictions need a repeat purchase: for a one-time buyer
	// Gamma-Gamma returns the population mean, the same for everyone, and
	// the value forecast would rank one-time buyers by their age alone
	// (see TestHoldout).
	repeat := a.distinctDays > 1
	out[sigExpectedAverageOrderValue] = ifOK(a.hasPred && repeat && !math.IsNaN(a.pred.AverageValue), a.pred.AverageValue)
	out[sigPredictedValue12Months] = ifOK(a.hasPred && repeat && !math.IsNaN(a.pred.Value12Month), a.pred.Value12Month)

	// ── engagement ──
	out[sigEmailOpenRate], out[sigEmailClickRate], out[sigSiteSessions90Days], out[sigReferrals] = nan, nan, nan, nan
	out[sigReviewsWritten], out[sigDaysSinceLastActivity] = nan, nan
	if e := h.Engagement; e != nil {
		out[sigEmailOpenRate] = min(1, ratio(e.EmailOpens, e.EmailsReceived))
		out[sigEmailClickRate] = min(1, ratio(e.EmailClicks, e.EmailsReceived))
		out[sigSiteSessions90Days] = float64(e.SiteSessions)
		out[sigReferrals] = float64(e.Referrals)
		if e.Reviews != nil {
			out[sigReviewsWritten] = float64(a.reviews)
		}
		if !e.LastActiveAt.IsZero() {
			out[sigDaysSinceLastActivity] = max(0, float64(a.nowDay-day(e.LastActiveAt)))
		}
	}
	out[sigAverageReviewRating] = ifOK(a.reviews > 0, a.ratingSum/float64(a.reviews))
	out[sigLastReviewRating] = ifOK(a.reviews > 0, a.lastRating)
	out[sigReviewsWithTextShare] = ratio(a.reviewsText, a.reviews)

	// ── delivery experience and support ──
	out[sigLateDeliveries] = ifOK(a.hasShipments, float64(a.late))
	out[sigLateDeliveries90Days] = ifOK(a.hasShipments, float64(a.late90))
	out[sigLateDeliveryRate] = ratio(a.late, a.promised)
	out[sigAverageDaysLate] = ifOK(a.late > 0, a.daysLateSum/float64(a.late))
	out[sigMaxDaysLate] = ifOK(a.late > 0, a.maxLate)
	out[sigShipmentsCount] = ifOK(a.hasShipments, float64(a.nShip))
	out[sigOverdueOpenShipments] = ifOK(a.hasShipments, float64(a.overdueOpen))
	out[sigDeliveryExceptions] = ifOK(a.hasShipments, float64(a.exceptions))
	out[sigLostShipments] = ifOK(a.hasShipments, float64(a.lost))
	out[sigAverageDeliveryDays] = ifOK(a.delivered > 0, a.deliveryDaysSum/float64(a.delivered))
	out[sigSplitShipmentOrders] = ifOK(a.hasShipments, float64(a.splitOrders))
	out[sigWismoContacts90Days] = ifOK(a.hasSupport, float64(a.wismo90))
	out[sigSupportContacts90Days] = ifOK(a.hasSupport, float64(a.contacts90))

	// ── returns and claims ──
	out[sigReturnsCount] = ifOK(a.hasReturns, float64(a.nReturns))
	out[sigReturnRate] = ifOK(a.hasReturns && a.items > 0, min(1, float64(a.returnItems)/float64(a.items)))
	out[sigReturnedValue365Days] = ifOK(a.hasReturns, a.returnValue365)
	out[sigFlaggedReturns] = ifOK(a.hasReturns, float64(a.flagged))
	out[sigOpportunisticReturnShare] = ratio(a.opportunistic, a.withReason)
	out[sigClaimsCount] = ifOK(a.hasClaims, float64(a.nClaims))
	out[sigClaimRate] = ifOK(a.hasClaims && hasOrders(a), float64(a.nClaims)/float64(a.nOrders))
	out[sigClaims60Days] = ifOK(a.hasClaims, float64(a.claims60))
	out[sigNotReceivedClaims60Days] = ifOK(a.hasClaims, float64(a.inr60))
	out[sigNotReceivedClaims365Days] = ifOK(a.hasClaims, float64(a.inr365))
	out[sigMissingItemClaims365Days] = ifOK(a.hasClaims, float64(a.mi365))
	out[sigDamagedClaims365Days] = ifOK(a.hasClaims, float64(a.dmg365))
	out[sigDeniedClaims] = ifOK(a.hasClaims, float64(a.denied))
	out[sigEarlyClaims] = ifOK(a.hasClaims && a.hasOrders, float64(a.early))

	// ── payment and identity risk ──
	out[sigChargebacks], out[sigDisputes], out[sigEarlyFraudWarnings], out[sigProcessorRiskScore] = nan, nan, nan, nan
	out[sigDisposableEmail], out[sigProxyIP], out[sigReshipperAddress], out[sigBillingShippingMismatchShare] = nan, nan, nan, nan
	out[sigAddressChanges180Days], out[sigEmailAgeDays] = nan, nan
	if r := h.Risk; r != nil {
		out[sigChargebacks] = intp(r.Chargebacks)
		out[sigDisputes] = intp(r.Disputes)
		out[sigEarlyFraudWarnings] = intp(r.EarlyFraudWarnings)
		if r.ProcessorRiskScore != nil {
			out[sigProcessorRiskScore] = *r.ProcessorRiskScore
		}
		out[sigDisposableEmail] = boolp(r.DisposableEmail)
		out[sigProxyIP] = boolp(r.ProxyIP)
		out[sigReshipperAddress] = boolp(r.ReshipperAddress)
		out[sigBillingShippingMismatchShare] = boolp(r.BillingShippingMismatch)
		out[sigAddressChanges180Days] = intp(r.AddressChanges)
		if !r.EmailFirstSeen.IsZero() {
			out[sigEmailAgeDays] = max(0, float64(a.nowDay-day(r.EmailFirstSeen)))
		}
	}
	if a.addrPairs > 0 { // the orders' own addresses win over the host's flag
		out[sigBillingShippingMismatchShare] = float64(a.addrMismatch) / float64(a.addrPairs)
	}
	out[sigCountryMismatchShare] = ratio(a.countryMismatch, a.countryPairs)
	out[sigPrepaidCardShare] = ratio(a.prepaid, a.paymentKnown)
}
