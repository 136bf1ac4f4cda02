package accommodation

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
)

// TestVocabulary pins the sets to the module's one vocabulary (issue 10):
// delay kinds are tracking's, tiers scoring's, with exactly these names.
// Checking them against scoring and tracking themselves belongs to the
// root package, which may import all three.
func TestVocabulary(t *testing.T) {
	kinds := []DelayKind{"exception", "attempt_failed", "returned_to_sender", "fulfillment_stalled",
		"shipment_stalled", "at_risk", "late", "estimate_slipped", "lost"}
	if got := DelayKinds(); !slices.Equal(got, kinds) {
		t.Errorf("DelayKinds() = %v, want %v", got, kinds)
	}
	if got := facts[factDelayKind].enums; len(got) != len(kinds) {
		t.Errorf("delay_kind enum has %d names", len(got))
	} else {
		for i, k := range kinds {
			if got[i] != string(k) {
				t.Errorf("delay_kind enum[%d] = %q, want %q", i, got[i], k)
			}
		}
	}
	tiers := []Tier{"vip", "loyal", "regular", "new", "risky"}
	if got := Tiers(); !slices.Equal(got, tiers) {
		t.Errorf("Tiers() = %v, want %v", got, tiers)
	}
	for i, tr := range tiers {
		if facts[factTier].enums[i] != string(tr) {
			t.Errorf("tier enum[%d] = %q, want %q", i, facts[factTier].enums[i], tr)
		}
	}
	// A name outside the sets is refused, never silently unmatched.
	for _, f := range []Facts{
		{Currency: "USD", DelayKind: "failed_attempt"},
		{Currency: "USD", DelayKind: "stalled"},
		{Currency: "USD", Tier: "gold"},
	} {
		_, err := Default().Evaluate(f)
		var fe *FactsError
		if !errors.Is(err, ErrInvalidFacts) || !errors.Is(err, ErrInvalidValue) || !errors.As(err, &fe) {
			t.Errorf("Evaluate(%+v) = %v, want a *FactsError matching ErrInvalidFacts and ErrInvalidValue", f, err)
		}
	}
}

// delayFacts are facts as the Engine builds them from a tracking delay of
// each kind: the kind itself plus the lateness and stall counts such a
// delay typically comes with.
func delayFacts(k DelayKind) Facts {
	f := Facts{Currency: "USD", DelayKind: k, OrderTotal: decimal.RequireFromString("84.00"), OrderCount: 4,
		Carrier: "ups", DestinationCountry: "US", ValueScore: 60, RiskScore: 20}
	switch k {
	case DelayFulfillmentStalled:
		f.BusinessDaysStalled = 3
	case DelayShipmentStalled:
		f.BusinessDaysStalled = 5
	case DelayLate:
		f.DaysLate = 2
	case DelayReturnedToSender:
		f.DaysLate = 3
	case DelayLost:
		f.DaysLate, f.BusinessDaysStalled = 6, 10
	}
	return f
}

// TestDecisionForEveryDelayKind evaluates the default policy on facts built
// from a tracking delay of every kind, for every tier (and an unscored
// customer), and checks that everything the Engine needs is in the
// decision: a deciding rule, and for each action its kind, rule, message
// key, upgrade target and amount.
func TestDecisionForEveryDelayKind(t *testing.T) {
	p := Default()
	ruleIDs := p.RuleIDs()
	for _, tier := range append(Tiers(), "") {
		for _, k := range DelayKinds() {
			f := delayFacts(k)
			f.Tier = tier
			d, err := p.Evaluate(f)
			if err != nil {
				t.Fatalf("%s/%s: %v", tier, k, err)
			}
			name := string(tier) + "/" + string(k)
			if !d.Matched() || !slices.Contains(ruleIDs, d.Rule) || len(d.Actions()) == 0 {
				t.Errorf("%s: rule %q, %d actions; want a deciding rule with actions", name, d.Rule, len(d.Actions()))
				continue
			}
			for _, a := range d.Actions() {
				if actionIndex(a.Kind) < 0 || !slices.Contains(ruleIDs, a.Rule) || a.MessageKey == "" || a.Currency() != "USD" {
					t.Errorf("%s: incomplete action %+v", name, a)
				}
				if (a.Kind == ActionShippingUpgrade) != (a.Upgrade != "") {
					t.Errorf("%s: %s with upgrade target %q", name, a.Kind, a.Upgrade)
				}
				switch {
				case a.Kind == ActionCashback:
					if !a.Amount().IsPositive() || a.Amount().GreaterThan(decimal.RequireFromString("50.00")) ||
						a.Requested().LessThan(a.Amount()) {
						t.Errorf("%s: cashback %s (requested %s) outside (0, per_order]", name, a.Amount(), a.Requested())
					}
				case !a.Amount().IsZero():
					t.Errorf("%s: %s carries an amount %s", name, a.Kind, a.Amount())
				}
			}
			trace := d.Trace()
			if last := trace[len(trace)-1]; last.Rule != d.Rule || last.Result != StepMatched {
				t.Errorf("%s: trace ends with %+v, decision says %s", name, last, d.Rule)
			}
			if _, err := json.Marshal(d); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			// The default policy's promises, kind by kind.
			_, credit := d.Action(ActionCashback)
			_, apology := d.Action(ActionApologyOnly)
			_, replacement := d.Action(ActionExpeditedReplacement)
			switch tier {
			case TierRisky:
				// An apology, no credit, no reshipment (a long stall of a
				// low-risk score still adds priority support).
				if !apology || credit || replacement {
					t.Errorf("%s: a risky customer gets an apology, no credit, no replacement; got %v", name, d.Actions())
				}
			case TierVIP:
				headsUp := k == DelayAtRisk || k == DelayEstimateSlipped || k == DelayAttemptFailed
				if apology || credit == headsUp {
					t.Errorf("%s: a VIP gets credit unless the delay is only a heads-up (at risk, estimate slipped, attempt failed): %v", name, d.Actions())
				}
				if replacement != (k == DelayLost || k == DelayReturnedToSender) {
					t.Errorf("%s: a VIP gets a replacement exactly when the parcel is lost or returned: %v", name, d.Actions())
				}
			}
		}
	}
}
