package cashback_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/postpurchase/postpurchase/cashback"
)

// TestTypedErrorsMatchTheirSentinel: each typed error matches its sentinel
// through Is, so one built without Err (by a host's fake, a store) still
// does, and Unwrap reaches Err.
func TestTypedErrorsMatchTheirSentinel(t *testing.T) {
	cause := errors.New("cause")
	for _, c := range []struct {
		name     string
		bare     error // without Err
		withErr  error // with Err set to cause
		sentinel error
	}{
		{"InsufficientFundsError", &cashback.InsufficientFundsError{}, &cashback.InsufficientFundsError{Err: cause}, cashback.ErrInsufficientFunds},
		{"IdempotencyConflictError", &cashback.IdempotencyConflictError{}, &cashback.IdempotencyConflictError{Err: cause}, cashback.ErrIdempotencyConflict},
		{"PartiallySpentError", &cashback.PartiallySpentError{}, &cashback.PartiallySpentError{Err: cause}, cashback.ErrPartiallySpent},
		{"CorruptError", &cashback.CorruptError{}, &cashback.CorruptError{Err: cause}, cashback.ErrCorrupt},
	} {
		if !errors.Is(c.bare, c.sentinel) {
			t.Errorf("%s without Err does not match %v", c.name, c.sentinel)
		}
		if !errors.Is(c.withErr, c.sentinel) || !errors.Is(c.withErr, cause) {
			t.Errorf("%s with Err does not match both %v and its Err", c.name, c.sentinel)
		}
		if errors.Unwrap(c.withErr) != cause {
			t.Errorf("%s: Unwrap = %v, want Err", c.name, errors.Unwrap(c.withErr))
		}
	}
}

// TestCorruptErrorKeepsItsCause: an entry read back with an amount too
// precise for its currency is corrupt, keeps the precise sentinel as its
// cause, and does not pass for a bad request.
func TestCorruptErrorKeepsItsCause(t *testing.T) {
	var e cashback.Entry
	err := json.Unmarshal([]byte(`{"customer_id":"c","currency":"USD","seq":1,"kind":"issue","at":"2026-03-02T09:30:00Z","key":"k","amount":"1.005","available_at":"2026-03-02T09:30:00Z"}`), &e)
	var ce *cashback.CorruptError
	if !errors.As(err, &ce) || ce.Path != "amount" || ce.Seq != 1 {
		t.Fatalf("err = %v, want a *CorruptError at amount of entry 1", err)
	}
	if !errors.Is(err, cashback.ErrCorrupt) || !errors.Is(err, cashback.ErrTooPrecise) || ce.Err != cashback.ErrTooPrecise {
		t.Errorf("err = %v (Err %v), want ErrCorrupt with cause ErrTooPrecise", err, ce.Err)
	}
	if errors.Is(err, cashback.ErrInvalidRequest) || errors.Is(err, cashback.ErrInvalidAmount) {
		t.Errorf("a corrupt entry matches a request error: %v", err)
	}
	var te *json.UnmarshalTypeError
	if err := e.UnmarshalJSON([]byte(`{"seq": "one"}`)); !errors.Is(err, cashback.ErrCorrupt) || !errors.As(err, &te) {
		t.Errorf("seq of the wrong type: %v, want ErrCorrupt caused by a *json.UnmarshalTypeError", err)
	}
}
