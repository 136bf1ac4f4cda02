package scoring

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/scoring/clv"
	"github.com/shopspring/decimal"
)

// FitModel leaves out histories without a purchase and repeat buyers
// whose repeat purchases average $0 (reporting both by index), refuses a
// second currency and names a bad history by its index.
func TestFitModelLeftOutAndErrors(t *testing.T) {
	ctx := context.Background()
	cs := loadCDNOW(t)
	hs := make([]*History, 0, len(cs)+3)
	for i := range cs {
		hs = append(hs, cs[i].cal)
	}
	// A repeat buyer whose second day was free, one with no orders, one
	// with only a canceled order, and nil.
	free := &History{Orders: []Order{
		{PlacedAt: cdnowCalEnd.AddDate(0, -3, 0), Total: decimal.NewFromInt(20), Currency: "USD"},
		{PlacedAt: cdnowCalEnd.AddDate(0, -1, 0), Total: decimal.Zero, Currency: "USD"},
	}}
	canceled := &History{Orders: []Order{{PlacedAt: cdnowCalEnd.AddDate(0, -1, 0), Total: decimal.NewFromInt(5), Currency: "USD", Canceled: true}}}
	hs = append(hs, free, &History{}, canceled, nil)
	n := len(cs)
	fit, err := FitModel(ctx, cdnowCalEnd, hs, FitOptions{Unit: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fit.Spend.LeftOut, []int{n}) || !slices.Equal(fit.NoPurchase, []int{n + 1, n + 2, n + 3}) || fit.SpendErr != nil {
		t.Errorf("left out %v, no purchase %v, spend error %v", fit.Spend.LeftOut, fit.NoPurchase, fit.SpendErr)
	}
	if fit.Purchases.Customers != n+1 || fit.Spend.Customers != 946 {
		t.Errorf("customers: purchases %d, spend %d", fit.Purchases.Customers, fit.Spend.Customers)
	}
	// The $0 repeat buyer is scored like anyone else.
	s, err := New(DefaultConfig(), Options{Model: fit.Model})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := s.Score(cdnowCalEnd, free)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := sc.Signals.Get("expected_average_order_value"); !ok || !(v > 0) {
		t.Errorf("expected_average_order_value of the $0 repeat buyer = %v, %v", v, ok)
	}

	eur := &History{Orders: []Order{{PlacedAt: cdnowCalEnd.AddDate(0, -1, 0), Total: decimal.NewFromInt(5), Currency: "EUR"}}}
	var he *HistoryError
	if _, err := FitModel(ctx, cdnowCalEnd, append(hs[:n:n], eur), FitOptions{}); !errors.As(err, &he) || he.Path != "histories[2357]" {
		t.Errorf("second currency: %v", err)
	}
	bad := &History{Orders: []Order{{PlacedAt: cdnowCalEnd.AddDate(0, -1, 0), Total: decimal.RequireFromString("1.001"), Currency: "USD"}}}
	if _, err := FitModel(ctx, cdnowCalEnd, append(hs[:n:n], bad), FitOptions{}); !errors.As(err, &he) || he.Path != "histories[2357].orders[0].total" || !errors.Is(err, ErrTooPrecise) {
		t.Errorf("bad amount: %v", err)
	}
	if _, err := FitModel(ctx, cdnowCalEnd, hs[:10], FitOptions{}); !errors.Is(err, clv.ErrTooFewCustomers) {
		t.Errorf("10 customers: %v", err)
	}
	if _, err := FitModel(ctx, cdnowCalEnd, hs, FitOptions{MonthlyDiscountRate: -1}); !errors.Is(err, clv.ErrInvalidInput) {
		t.Errorf("negative discount rate: %v", err)
	}
	canceledCtx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := FitModel(canceledCtx, cdnowCalEnd, hs, FitOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
	// Too few repeat buyers for a spend model: the purchase model stands,
	// SpendErr says why there are no value predictions.
	var once []*History
	for i := range cs {
		if cs[i].calPurchDay == 1 || len(once) < 40 {
			once = append(once, cs[i].cal)
		}
	}
	fit, err = FitModel(ctx, cdnowCalEnd, once, FitOptions{Fit: clv.FitOptions{MinCustomers: 50}})
	if err != nil || !errors.Is(fit.SpendErr, clv.ErrTooFewCustomers) || fit.Model.Spend != (clv.GammaGamma{}) || fit.Model.Validate() != nil {
		t.Errorf("few repeat buyers: %v, spend error %v", err, fit.SpendErr)
	}
}

func TestSummaryErrors(t *testing.T) {
	if _, _, err := Summary(testNow, loyalHistory(), -time.Hour); !errors.Is(err, clv.ErrInvalidInput) {
		t.Errorf("negative unit: %v", err)
	}
	if _, ok, err := Summary(testNow, nil, 0); ok || err != nil {
		t.Errorf("nil history: %v %v", ok, err)
	}
	h := loyalHistory()
	h.Orders[1].PlacedAt = testNow.AddDate(0, 0, 1)
	var he *HistoryError
	if _, _, err := Summary(testNow, h, 0); !errors.As(err, &he) || he.Path != "orders[1].placed_at" {
		t.Errorf("future order: %v", err)
	}
}
