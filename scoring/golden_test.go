// The digests were recorded on amd64 without FMA in compiled code (GOAMD64
// v1/v2); other architectures and GOAMD64=v3 may fuse multiply-adds, which
// changes the last bits legitimately. math.Exp also takes another path on
// processors without FMA: the first line of the golden file is a probe of
// math.Exp and math.Log, and the test skips where the probe differs.

//go:build amd64 && !amd64.v3

package scoring

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/scoring/clv"
	"github.com/shopspring/decimal"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden/scores.txt")

const goldenPath = "testdata/golden/scores.txt"

// corpusHistories builds n varied customers deterministically, covering
// every part of a History: profiles, canceled and same-day orders, missing
// IDs, split and lost shipments, all claim kinds, cashback, engagement,
// support contacts and risk inputs, and some longer than the stack
// buffers (smallN) plus some invalid histories.
func corpusHistories(n int) []*History {
	r := rand.New(rand.NewPCG(11, 2026))
	pick := func(p int) bool { return r.IntN(100) < p }
	money := func(max int) decimal.Decimal { return decimal.New(int64(r.IntN(max*100)), -2) }
	ago := func(days int) time.Time {
		return testNow.Add(-time.Duration(r.IntN(days*24*3600)) * time.Second)
	}
	cur := "USD"
	reasons := []ReturnReason{ReturnDamaged, ReturnDefective, ReturnWrongItem, ReturnNotAsDescribed, ReturnLate, ReturnSizeFit, ReturnChangedMind, ReturnOther, ""}
	kinds := []ClaimKind{ClaimNotReceived, ClaimDamaged, ClaimMissingItems, "other"}
	pays := []PaymentMethod{PaymentCard, PaymentPrepaidCard, PaymentWallet, PaymentBuyNowPayLater, "", "crypto"}
	topics := []ContactTopic{TopicWhereIsMyOrder, TopicReturn, TopicDamage, TopicComplaint, TopicOther}
	out := make([]*History, n)
	for i := range out {
		h := &History{}
		if pick(70) {
			h.Profile = &Profile{}
			if pick(80) {
				h.Profile.CreatedAt = ago(1500)
			}
			if pick(60) {
				h.Profile.EmailVerified = new(pick(70))
			}
			if pick(60) {
				h.Profile.MarketingConsent = new(pick(50))
			}
			if pick(40) {
				h.Profile.Tags = []string{"newsletter"}
				if pick(30) {
					h.Profile.Tags = append(h.Profile.Tags, []string{"VIP", " vip ", "wholesale"}[r.IntN(3)])
				}
			}
		}
		if pick(95) {
			var no int
			switch {
			case pick(5):
				no = 65 + r.IntN(40) // beyond the stack buffers
			case pick(10):
				no = 0
			default:
				no = 1 + r.IntN(20)
			}
			h.Orders = make([]Order, no)
			for k := range h.Orders {
				o := Order{PlacedAt: ago(1000), Total: money(300), Currency: cur, Items: r.IntN(5)}
				if k > 0 && pick(15) { // same UTC day as the previous order
					o.PlacedAt = h.Orders[k-1].PlacedAt.Add(time.Duration(r.IntN(3600)) * time.Second)
					if o.PlacedAt.After(testNow) {
						o.PlacedAt = testNow
					}
				}
				if !pick(10) {
					o.ID = "gid://shop/Order/" + strconv.Itoa(i) + "-" + strconv.Itoa(k)
				}
				if pick(30) {
					o.Discount = money(40)
				}
				for c := r.IntN(4); c > 0; c-- {
					o.Categories = append(o.Categories, []string{"coffee", "mugs", "filters", "", "tea", "beans", "gifts"}[r.IntN(7)])
				}
				o.Payment = pays[r.IntN(len(pays))]
				if pick(60) {
					o.ShippingAddress, o.BillingAddress = "h"+strconv.Itoa(r.IntN(3)), "h"+strconv.Itoa(r.IntN(3))
				}
				if pick(60) {
					o.ShippingCountry, o.BillingCountry = []string{"US", "us", "GB"}[r.IntN(3)], []string{"US", "GB"}[r.IntN(2)]
				}
				o.Canceled = pick(7)
				h.Orders[k] = o
			}
		}
		if pick(85) && h.Orders != nil {
			h.Shipments = []Shipment{}
			for k := range h.Orders {
				o := &h.Orders[k]
				for parts := 1 + r.IntN(2)*r.IntN(2); parts > 0; parts-- {
					s := Shipment{OrderID: o.ID, Exceptions: r.IntN(2) * r.IntN(3)}
					if pick(90) {
						s.ShippedAt = o.PlacedAt.Add(time.Duration(r.IntN(72)) * time.Hour)
					}
					if pick(80) {
						s.PromisedBy = o.PlacedAt.Add(time.Duration(2+r.IntN(6)) * 24 * time.Hour)
					}
					if pick(85) && !s.ShippedAt.IsZero() {
						s.DeliveredAt = s.ShippedAt.Add(time.Duration(r.IntN(10*24)) * time.Hour)
					}
					if !s.ShippedAt.IsZero() && s.ShippedAt.After(testNow) {
						s.ShippedAt = time.Time{}
					}
					if s.DeliveredAt.After(testNow) {
						s.DeliveredAt = time.Time{}
					}
					s.Lost = s.DeliveredAt.IsZero() && pick(20)
					h.Shipments = append(h.Shipments, s)
				}
			}
		}
		if pick(70) {
			h.Returns = []Return{}
			for k := range h.Orders {
				if pick(15) {
					o := &h.Orders[k]
					rt := Return{OrderID: o.ID, CreatedAt: o.PlacedAt.Add(time.Duration(r.IntN(30*24)) * time.Hour), Items: r.IntN(3),
						Value: money(80), Currency: cur, Reason: reasons[r.IntN(len(reasons))], Flagged: pick(10)}
					if rt.CreatedAt.After(testNow) {
						rt.CreatedAt = testNow
					}
					h.Returns = append(h.Returns, rt)
				}
			}
		}
		if pick(60) {
			h.Claims = []Claim{}
			for k := range h.Orders {
				if pick(12) {
					o := &h.Orders[k]
					c := Claim{OrderID: o.ID, CreatedAt: o.PlacedAt.Add(time.Duration(r.IntN(20*24)) * time.Hour), Kind: kinds[r.IntN(len(kinds))]}
					if c.CreatedAt.After(testNow) {
						c.CreatedAt = testNow
					}
					if pick(60) {
						c.Approved = new(pick(60))
					}
					h.Claims = append(h.Claims, c)
				}
			}
		}
		if pick(30) {
			h.Cashback = &Cashback{Issued: money(50), Currency: cur}
			h.Cashback.Redeemed = money(60)
		}
		if pick(60) {
			e := &Engagement{EmailsReceived: r.IntN(20), EmailOpens: r.IntN(15), EmailClicks: r.IntN(5), SiteSessions: r.IntN(10), Referrals: r.IntN(2) * r.IntN(3)}
			if pick(70) {
				e.Reviews = []Review{}
				for k := r.IntN(4); k > 0; k-- {
					e.Reviews = append(e.Reviews, Review{At: ago(500), Rating: 1 + r.IntN(5), HasText: pick(50)})
				}
			}
			if pick(50) {
				e.LastActiveAt = ago(100)
			}
			h.Engagement = e
		}
		if pick(50) {
			h.Support = []SupportContact{}
			for k := r.IntN(5); k > 0; k-- {
				h.Support = append(h.Support, SupportContact{At: ago(200), Topic: topics[r.IntN(len(topics))]})
			}
		}
		if pick(70) {
			rk := &RiskInputs{}
			if pick(60) {
				rk.Chargebacks = new(r.IntN(2) * r.IntN(2))
			}
			if pick(50) {
				rk.Disputes = new(r.IntN(2) * r.IntN(3))
			}
			if pick(30) {
				rk.EarlyFraudWarnings = new(r.IntN(2) * r.IntN(2))
			}
			if pick(60) {
				rk.ProcessorRiskScore = new(float64(r.IntN(101)))
			}
			if pick(50) {
				rk.DisposableEmail = new(pick(10))
			}
			if pick(30) {
				rk.ProxyIP = new(pick(10))
			}
			if pick(30) {
				rk.ReshipperAddress = new(pick(10))
			}
			if pick(30) {
				rk.BillingShippingMismatch = new(pick(20))
			}
			if pick(30) {
				rk.AddressChanges = new(r.IntN(4))
			}
			if pick(50) {
				rk.EmailFirstSeen = ago(3000)
			}
			h.Risk = rk
		}
		// A few invalid histories: the error must not change either.
		if pick(4) && len(h.Orders) > 1 {
			switch r.IntN(5) {
			case 0:
				h.Orders[len(h.Orders)-1].ID = h.Orders[0].ID
				if h.Orders[0].ID == "" {
					h.Orders[0].ID, h.Orders[len(h.Orders)-1].ID = "dup", "dup"
				}
			case 1:
				h.Orders[1].Total = decimal.NewFromInt(-1)
			case 2:
				h.Orders[1].PlacedAt = testNow.Add(time.Hour)
			case 3:
				h.Orders[1].Currency = "EUR"
			case 4:
				h.Orders[0].PlacedAt = time.Time{}
			}
		}
		out[i] = h
	}
	return out
}

// scoreDigest renders everything a Score exposes, floats as exact bits
// (missing values as "-").
func scoreDigest(sc Score, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	var b strings.Builder
	bits := func(v float64) {
		if math.IsNaN(v) {
			b.WriteString(" -")
			return
		}
		b.WriteString(" " + strconv.FormatUint(math.Float64bits(v), 16))
	}
	bits(sc.Value)
	bits(sc.Risk)
	b.WriteString(" " + string(sc.Tier) + " |")
	for _, r := range sc.Reasons {
		b.WriteString(" " + r.Signal + " " + string(r.Group) + " " + string(r.Effect))
		bits(r.Value)
		bits(r.Contribution)
		b.WriteString(" " + strconv.Quote(r.String()))
	}
	b.WriteString(" | " + sc.Signals.Currency())
	for _, v := range sc.Signals.v {
		bits(v)
	}
	return b.String()
}

type goldenCase struct {
	name string
	s    *Scorer
	hs   []*History
}

func goldenCases(t *testing.T) []goldenCase {
	week := 7 * 24 * time.Hour
	weekly := &clv.Model{Unit: week, Purchases: clv.BGNBD{R: 0.242593, Alpha: 4.413532, A: 0.792886, B: 2.425752},
		Spend: clv.GammaGamma{P: 6.248803, Q: 3.744588, V: 15.447747}}
	noSpend := &clv.Model{Unit: 24 * time.Hour, Purchases: clv.BGNBD{R: 0.5, Alpha: 20, A: 3, B: 9}}
	largeAB := &clv.Model{Unit: 24 * time.Hour, Purchases: clv.BGNBD{R: 0.3, Alpha: 40, A: 2e6, B: 8e6},
		Spend: clv.GammaGamma{P: 6, Q: 4, V: 15}, MonthlyDiscountRate: 0.02, Currency: "USD"}
	eur := benchModel()
	eur.Currency = "EUR"
	custom := Signal{Name: "orders_on_weekends", Group: GroupValue, Unit: UnitCount, Direction: MoreValue, Scale: 2,
		Compute: func(now time.Time, h *History) (float64, bool) {
			if h.Orders == nil {
				return 0, false
			}
			n := 0
			for _, o := range h.Orders {
				if wd := o.PlacedAt.Weekday(); wd == time.Saturday || wd == time.Sunday {
					n++
				}
			}
			return float64(n), true
		}}
	cfg := DefaultConfig()
	cfg.ValueWeights["orders_on_weekends"] = 1
	cfg.Reasons = MaxReasons
	cfg.MinContribution = 0
	corpus := corpusHistories(1500)
	fixed := []*History{loyalHistory(), riskyHistory(), {}, {Orders: []Order{}}}
	synth := syntheticHistories(300)
	all := append(append(fixed, synth...), corpus...)
	mk := func(cfg Config, opts Options) *Scorer {
		s, err := New(cfg, opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return []goldenCase{
		{"default", mk(DefaultConfig(), Options{}), all},
		{"model", mk(DefaultConfig(), Options{Model: benchModel()}), all},
		{"weekly", mk(DefaultConfig(), Options{Model: weekly}), corpus[:500]},
		{"nospend", mk(DefaultConfig(), Options{Model: noSpend}), corpus[:500]},
		{"largeab", mk(DefaultConfig(), Options{Model: largeAB}), corpus[:500]},
		{"eur", mk(DefaultConfig(), Options{Model: eur}), corpus[:300]},
		{"custom", mk(cfg, Options{Signals: []Signal{custom}, Model: benchModel()}), corpus[:500]},
	}
}

// TestScoreGolden pins every Score bit for bit on a corpus of about two
// thousand histories and several models and configurations, so that
// performance work cannot change a result. After an intended change of
// results, rewrite the digests with
// go test -run TestScoreGolden -update-golden ./scoring and say why in
// the commit.
func TestScoreGolden(t *testing.T) {
	lines := []string{mathProbe()}
	for _, c := range goldenCases(t) {
		for i, h := range c.hs {
			sc, err := c.s.Score(testNow, h)
			sum := sha256.Sum256([]byte(scoreDigest(sc, err)))
			lines = append(lines, fmt.Sprintf("%s/%d %s", c.name, i, hex.EncodeToString(sum[:8])))
		}
	}
	if *updateGolden {
		if err := os.MkdirAll("testdata/golden", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if sc.Scan() && sc.Text() != lines[0] {
		t.Skipf("math.Exp/Log give other bits here than where %s was recorded (%q, want %q)", goldenPath, lines[0], sc.Text())
	}
	k, bad := 1, 0
	for sc.Scan() {
		if k >= len(lines) {
			t.Fatalf("%s has more lines than the corpus (%d)", goldenPath, len(lines))
		}
		if sc.Text() != lines[k] {
			bad++
			if bad <= 10 {
				t.Errorf("digest changed: got %q, want %q", lines[k], sc.Text())
			}
		}
		k++
	}
	if k != len(lines) {
		t.Errorf("%s has %d lines, the corpus %d", goldenPath, k, len(lines))
	}
	if bad > 0 {
		t.Errorf("%d of %d scores changed", bad, len(lines))
	}
}

// mathProbe digests math.Exp and math.Log on a range of arguments: their
// last bits depend on the processor (FMA or not), and so do the digests.
func mathProbe() string {
	var b strings.Builder
	for i := range 2000 {
		x := -20 + float64(i)*0.0173
		b.WriteString(strconv.FormatUint(math.Float64bits(math.Exp(x)), 16))
		b.WriteString(strconv.FormatUint(math.Float64bits(math.Log(math.Exp(x)+float64(i))), 16))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return "probe " + hex.EncodeToString(sum[:8])
}
