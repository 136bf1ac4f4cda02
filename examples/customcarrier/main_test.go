package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/carrierstest"
)

// harness runs carrierstest against the Acme adapter, with the stand-in
// API for the known and unknown numbers and the suite's own handlers for
// hostile answers.
type harness struct{ t *testing.T }

func (harness) KnownNumber() string   { return "AC00001000" }
func (harness) UnknownNumber() string { return "AC99999999" }
func (harness) Close()                {}

func (h harness) MakeCarrier(ctx context.Context) (carriers.Carrier, error) {
	api := &backend{now: func() time.Time { return time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC) }, parcels: map[string][]scan{}}
	api.ship("AC00001000", time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC), true)
	srv := httptest.NewServer(api)
	h.t.Cleanup(srv.Close)
	return NewAcme(srv.URL, srv.Client())
}

func (h harness) MakeCarrierWithHandler(ctx context.Context, handler http.Handler) (carriers.Carrier, error) {
	srv := httptest.NewServer(handler)
	h.t.Cleanup(srv.Close)
	return NewAcme(srv.URL, srv.Client())
}

func TestAcmeConformance(t *testing.T) {
	carrierstest.RunConformanceTests(t, func(_ context.Context, t *testing.T) (carrierstest.Harness, error) {
		return harness{t: t}, nil
	})
}

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	t.Log("\n" + s)
	a1, a2, _ := strings.Cut(s, "Order #A2")
	if !strings.Contains(a1, "delivered") || strings.Contains(a1, "delay caught") {
		t.Errorf("#A1 should be delivered on time:\n%s", a1)
	}
	if !strings.Contains(a2, "delay caught: exception") || !strings.Contains(a2, "delivered") {
		t.Errorf("#A2 should be held by weather, then delivered:\n%s", a2)
	}
}
