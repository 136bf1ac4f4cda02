package postpurchase_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase"
	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/fedex"
)

func TestFedExWebhook(t *testing.T) {
	ctx := t.Context()
	body, err := os.ReadFile("testdata/fedex_webhook.json")
	if err != nil {
		t.Fatal(err)
	}
	fx, err := fedex.New("client-id", "client-secret", fedex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 8, 20, 18, 0, 0, 0, time.UTC)
	eng, err := postpurchase.New(postpurchase.Config{Carriers: []carriers.Carrier{fx}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	err = eng.Register(ctx, now.Add(-72*time.Hour), postpurchase.Order{
		ID: "#2001", CustomerID: "c1", PlacedAt: now.Add(-96 * time.Hour), Currency: "USD", Total: decimal.RequireFromString("50.00"),
		Shipments: []postpurchase.Shipment{{ID: "s1", Carrier: "fedex", TrackingNumber: "738488882438"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	const token = "fedex-security-token"
	h := eng.WebhookHandler(fx, postpurchase.FedExSignature(token))
	post := func(b []byte, sig string) int {
		r := httptest.NewRequest(http.MethodPost, "/hooks/fedex", bytes.NewReader(b))
		if sig != "" {
			r.Header.Set(fedex.SignatureHeader, sig)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if strings.Contains(w.Body.String(), token) {
			t.Fatal("the response repeats the security token")
		}
		return w.Code
	}
	journal := func() int {
		js, err := eng.Journal(ctx, "#2001")
		if err != nil {
			t.Fatal(err)
		}
		return len(js)
	}
	before := journal()
	for name, c := range map[string]struct {
		body []byte
		sig  string
		want int
	}{
		"no signature":         {body, "", http.StatusUnauthorized},
		"wrong token":          {body, fedex.SignWebhook(body, "other"), http.StatusUnauthorized},
		"tampered body":        {bytes.Replace(body, []byte("738488882438"), []byte("738488882439"), 1), fedex.SignWebhook(body, token), http.StatusUnauthorized},
		"malformed but signed": {[]byte(`{"trackingNumber":`), fedex.SignWebhook([]byte(`{"trackingNumber":`), token), http.StatusBadRequest},
		"too large":            {bytes.Repeat([]byte(" "), postpurchase.MaxWebhookBytes+1), "x", http.StatusRequestEntityTooLarge},
	} {
		if got := post(c.body, c.sig); got != c.want {
			t.Errorf("%s: status %d, want %d", name, got, c.want)
		}
	}
	if n := journal(); n != before {
		t.Fatalf("refused pushes changed the order: journal %d → %d entries", before, n)
	}
	r := httptest.NewRequest(http.MethodGet, "/hooks/fedex", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", w.Code)
	}
	if got := post(body, fedex.SignWebhook(body, token)); got != http.StatusNoContent {
		t.Fatalf("signed push: %d", got)
	}
	v, err := eng.OrderView(ctx, now, "#2001")
	if err != nil {
		t.Fatal(err)
	}
	if v.Shipments[0].Status != carriers.StatusDelivered || len(v.Shipments[0].Events) == 0 {
		t.Fatalf("after the signed push: status %s, %d events", v.Shipments[0].Status, len(v.Shipments[0].Events))
	}
	after := journal()
	if got := post(body, fedex.SignWebhook(body, token)); got != http.StatusNoContent {
		t.Fatalf("the same push again: %d", got)
	}
	if n := journal(); n != after {
		t.Fatalf("a repeated push changed the journal: %d → %d entries", after, n)
	}
	// Scans older than 72 hours are applied but not announced: only the
	// fresh milestones of the push become messages.
	if _, err := eng.Drain(ctx, now); err != nil {
		t.Fatal(err)
	}
	for _, m := range eng.Notifier().(*postpurchase.MemoryNotifier).Messages() {
		if age := now.Sub(m.At); age > 72*time.Hour {
			t.Errorf("milestone %s announced from a scan %s old", m.Milestone, age)
		}
		t.Logf("announced %s (scan %s old)", m.Milestone, now.Sub(m.At))
	}
	js, _ := eng.Journal(ctx, "#2001")
	skipped := 0
	for _, j := range js {
		if j.Kind == postpurchase.JournalSkipped {
			skipped++
		}
	}
	if skipped == 0 {
		t.Fatal("no milestone was held back, yet the push carries scans days old")
	}
}
