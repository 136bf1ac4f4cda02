package scoring

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

var testNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func usd(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// loyalHistory is a customer with 10 orders over 14 months, good delivery
// experience, engaged, no risk flags.
func loyalHistory() *History {
	h := &History{
		Profile: &Profile{CreatedAt: testNow.AddDate(-2, 0, 0), EmailVerified: new(true), MarketingConsent: new(true), Tags: []string{"newsletter"}},
		Orders:  make([]Order, 0, 10),
	}
	for i := range 10 {
		placed := testNow.AddDate(0, -14, 0).Add(time.Duration(i) * 42 * 24 * time.Hour)
		h.Orders = append(h.Orders, Order{
			ID: fmt.Sprintf("o-%d", i), PlacedAt: placed, Total: usd("84.50"), Currency: "USD",
			Items: 2, Categories: []string{"coffee", []string{"mugs", "filters"}[i%2]}, Payment: PaymentCard,
			ShippingAddress: "h1", BillingAddress: "h1", ShippingCountry: "US", BillingCountry: "US",
		})
		h.Shipments = append(h.Shipments, Shipment{
			OrderID: fmt.Sprintf("o-%d", i), ShippedAt: placed.Add(24 * time.Hour),
			PromisedBy: placed.Add(5 * 24 * time.Hour), DeliveredAt: placed.Add(4 * 24 * time.Hour),
		})
	}
	h.Returns = []Return{{OrderID: "o-3", CreatedAt: h.Orders[3].PlacedAt.AddDate(0, 0, 10), Items: 1, Value: usd("20"), Currency: "USD", Reason: ReturnDamaged}}
	h.Claims = []Claim{}
	h.Engagement = &Engagement{EmailsReceived: 12, EmailOpens: 7, EmailClicks: 2, SiteSessions: 6, Referrals: 1,
		Reviews: []Review{{At: testNow.AddDate(0, -2, 0), Rating: 5, HasText: true}}, LastActiveAt: testNow.AddDate(0, 0, -3)}
	h.Support = []SupportContact{}
	h.Risk = &RiskInputs{Chargebacks: new(0), Disputes: new(0), ProcessorRiskScore: new(8.0), DisposableEmail: new(false), EmailFirstSeen: testNow.AddDate(-5, 0, 0)}
	return h
}

// riskyHistory is a first order with claims and payment risk.
func riskyHistory() *History {
	placed := testNow.AddDate(0, 0, -20)
	return &History{
		Orders: []Order{{ID: "r-1", PlacedAt: placed, Total: usd("640.00"), Currency: "USD", Items: 3,
			ShippingAddress: "a", BillingAddress: "b", ShippingCountry: "US", BillingCountry: "GB", Payment: PaymentPrepaidCard}},
		Shipments: []Shipment{{OrderID: "r-1", ShippedAt: placed.Add(24 * time.Hour), PromisedBy: placed.AddDate(0, 0, 5), DeliveredAt: placed.AddDate(0, 0, 4)}},
		Claims: []Claim{
			{OrderID: "r-1", CreatedAt: placed.AddDate(0, 0, 5), Kind: ClaimNotReceived, Approved: new(false)},
			{OrderID: "r-1", CreatedAt: placed.AddDate(0, 0, 12), Kind: ClaimNotReceived},
		},
		Risk: &RiskInputs{ProcessorRiskScore: new(71.0), DisposableEmail: new(true), EmailFirstSeen: testNow.AddDate(0, 0, -25)},
	}
}
