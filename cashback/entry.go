package cashback

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Limits on the text a request may carry. They keep entries a host stores
// bounded and match common column sizes.
const (
	MaxIDLen     = 255  // customer, order, delay IDs and idempotency keys, in bytes
	MaxReasonLen = 1000 // free-text reasons, in bytes
)

// Account names one ledger: a customer's credit in one currency. CustomerID is
// the host's opaque customer ID; this package never logs it nor puts it in an
// error message, so it may be anything the host uses, an email included.
type Account struct {
	CustomerID string `json:"customer_id"`
	Currency   string `json:"currency"`
}

// Validate checks the customer ID (non-empty, valid UTF-8 without NUL, at most MaxIDLen
// bytes) and the currency (known to MinorUnits).
func (a Account) Validate() error {
	if err := checkID("account.customer_id", a.CustomerID, true); err != nil {
		return err
	}
	if _, ok := MinorUnits(a.Currency); !ok {
		return &FieldError{Path: "account.currency", Reason: fmt.Sprintf("%q is not an ISO 4217 code this package accepts", clipCurrency(a.Currency)), Err: ErrUnknownCurrency}
	}
	return nil
}

// Kind is what an entry does to the account. The zero Kind is invalid.
type Kind uint8

// The kinds of entry. Issue adds credit; the others take it away or, for
// KindReverseRedeem, give back what a redemption took.
const (
	KindIssue         Kind = iota + 1 // credit issued (a lot)
	KindRedeem                        // credit spent on an order
	KindExpire                        // what was left of a lot at its expiry
	KindReverseIssue                  // an issue taken back (its unspent part)
	KindReverseRedeem                 // a redemption undone; its credit returns to its lots
	KindRelease                       // a held issue made available (from AvailableAt)
)

var kindNames = [...]string{
	KindIssue:         "issue",
	KindRedeem:        "redeem",
	KindExpire:        "expire",
	KindReverseIssue:  "reverse_issue",
	KindReverseRedeem: "reverse_redeem",
	KindRelease:       "release",
}

// String returns the kind's JSON name ("issue", "redeem", "expire",
// "reverse_issue", "reverse_redeem", "release"), or "kind(N)" for an invalid
// kind.
func (k Kind) String() string {
	if k.valid() {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

func (k Kind) valid() bool { return k >= KindIssue && k <= KindRelease }

// MarshalText encodes the kind's name.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.valid() {
		return nil, &FieldError{Path: "kind", Reason: fmt.Sprintf("invalid kind %d", uint8(k))}
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText decodes a kind's name; anything else is an error.
func (k *Kind) UnmarshalText(b []byte) error {
	for i := KindIssue; i <= KindRelease; i++ {
		if string(b) == kindNames[i] {
			*k = i
			return nil
		}
	}
	return &FieldError{Path: "kind", Reason: fmt.Sprintf("unknown kind %q", clip(string(b)))}
}

// Allocation is the part of a debit (or of a returned redemption) that falls
// on one lot. A lot is an issue entry, named by its sequence number.
type Allocation struct {
	Lot    int64
	Amount decimal.Decimal
}

// Entry is one immutable line of an account's ledger. Stores keep entries
// exactly as given and may serialize them with encoding/json (the encoding is
// stable and round-trips) or map the fields to columns.
//
// Amount is always positive, in the account's currency, with exactly its
// decimal places; Delta gives the signed effect. Times are UTC with
// microsecond precision, so SQL timestamp columns keep them exactly.
type Entry struct {
	Account Account
	// Seq is the entry's position in the account, from 1 with no gaps. The
	// account's version is the Seq of its last entry (0 when empty).
	Seq    int64
	Kind   Kind
	Amount decimal.Decimal
	// At is when the entry took effect. An account's entries have
	// non-decreasing At.
	At time.Time
	// Key is the idempotency key the write carried; unique within the
	// account. Expiry entries carry a key the Ledger derives
	// ("cashback:expire:<lot>:<seq>").
	Key string
	// Fingerprint identifies the request that wrote the entry (a SHA-256 of
	// its canonical form). A later request with the same Key must have the
	// same Fingerprint to be a replay.
	Fingerprint string
	// Reason is free text from the request (issue, reverse).
	Reason string
	// OrderID is the order the credit came from (issue) or was spent on
	// (redeem).
	OrderID string
	// DelayID is the delay that caused the credit (issue), if any.
	DelayID string
	// Held marks an issue held until a release: pending, with no
	// availability time known yet (AvailableAt zero). Issue entries only.
	Held bool
	// AvailableAt is when credit becomes spendable; before it the credit is
	// pending. Set on issues that are not held, and on releases (the held
	// issue's availability); never before At.
	AvailableAt time.Time
	// ExpiresAt is when what is left of an issued credit lapses; zero means
	// never. On issues (after AvailableAt, or after At for a held issue) and
	// on releases of held issues that have none.
	ExpiresAt time.Time
	// Target is the entry a reversal reverses, the lot an expiry expires or
	// the held issue a release releases.
	Target int64
	// Allocations says which lots a redeem, expire or reverse_issue took
	// credit from, which lots a reverse_redeem gave it back to, and which
	// lot a release made available. They sum to Amount. Nil for issues.
	Allocations []Allocation
}

// Delta is the entry's signed effect on the account's credit: +Amount for
// issue and reverse_redeem, zero for release (credit moves from pending to
// available), -Amount for the other kinds.
func (e Entry) Delta() decimal.Decimal {
	switch e.Kind {
	case KindIssue, KindReverseRedeem:
		return e.Amount
	case KindRelease:
		return decimal.New(0, e.Amount.Exponent())
	default:
		return e.Amount.Neg()
	}
}

// Validate checks the entry on its own: fields present for its kind, amounts
// positive and within the currency's minor units, allocations summing to the
// amount, times with at most microsecond precision. Errors are *CorruptError naming the field. It does not
// check the entry against the rest of the account; the Ledger does that when
// it reads an account.
func (e Entry) Validate() error {
	bad := func(field, reason string) error {
		return &CorruptError{Seq: e.Seq, Path: field, Reason: reason}
	}
	if err := e.Account.Validate(); err != nil {
		var fe *FieldError
		if asFieldError(err, &fe) {
			return &CorruptError{Seq: e.Seq, Path: fe.Path, Reason: fe.Reason, Err: fe.Err}
		}
		return bad("account", "invalid")
	}
	if e.Seq < 1 {
		return bad("seq", "must be at least 1")
	}
	if !e.Kind.valid() {
		return bad("kind", fmt.Sprintf("invalid kind %d", uint8(e.Kind)))
	}
	if _, err := checkAmount("amount", e.Amount, e.Account.Currency, true); err != nil {
		return &CorruptError{Seq: e.Seq, Path: "amount", Reason: amountReason(err), Err: amountCause(err)}
	}
	if e.At.IsZero() {
		return bad("at", "missing")
	}
	for _, f := range []struct {
		name string
		v    string
		max  int
	}{{"key", e.Key, MaxIDLen}, {"fingerprint", e.Fingerprint, MaxIDLen}, {"reason", e.Reason, MaxReasonLen}, {"order_id", e.OrderID, MaxIDLen}, {"delay_id", e.DelayID, MaxIDLen}} {
		if len(f.v) > f.max {
			return bad(f.name, fmt.Sprintf("longer than %d bytes", f.max))
		}
		if !utf8.ValidString(f.v) {
			return bad(f.name, "not valid UTF-8")
		}
		if strings.IndexByte(f.v, 0) >= 0 {
			return bad(f.name, "contains a NUL byte")
		}
	}
	if e.Key == "" {
		return bad("key", "missing")
	}
	if e.Held && e.Kind != KindIssue {
		return bad("held", "set on a "+e.Kind.String())
	}
	switch e.Kind {
	case KindIssue:
		switch {
		case e.Held && !e.AvailableAt.IsZero():
			return bad("available_at", "set on a held issue")
		case e.Held && !e.ExpiresAt.IsZero() && !e.ExpiresAt.After(e.At):
			return bad("expires_at", "not after at")
		case e.Held:
		case e.AvailableAt.IsZero():
			return bad("available_at", "missing")
		case e.AvailableAt.Before(e.At):
			return bad("available_at", "before at")
		case !e.ExpiresAt.IsZero() && !e.ExpiresAt.After(e.AvailableAt):
			return bad("expires_at", "not after available_at")
		}
		if e.Target != 0 {
			return bad("target", "set on an issue")
		}
		if len(e.Allocations) != 0 {
			return bad("allocations", "set on an issue")
		}
	default:
		if e.Kind == KindRelease {
			switch {
			case e.AvailableAt.IsZero():
				return bad("available_at", "missing")
			case e.AvailableAt.Before(e.At):
				return bad("available_at", "before at")
			case !e.ExpiresAt.IsZero() && !e.ExpiresAt.After(e.AvailableAt):
				return bad("expires_at", "not after available_at")
			}
		} else if !e.AvailableAt.IsZero() || !e.ExpiresAt.IsZero() {
			return bad("available_at", "set on a "+e.Kind.String())
		}
		if e.Kind == KindRedeem && e.Target != 0 {
			return bad("target", "set on a redeem")
		}
		if e.Kind != KindRedeem && (e.Target < 1 || e.Target >= e.Seq) {
			return bad("target", "must name an earlier entry")
		}
		if len(e.Allocations) == 0 {
			return bad("allocations", "missing")
		}
		sum := decimal.Zero
		for i, a := range e.Allocations {
			if a.Lot < 1 || a.Lot >= e.Seq {
				return bad(fmt.Sprintf("allocations[%d].lot", i), "must name an earlier entry")
			}
			if _, err := checkAmount("amount", a.Amount, e.Account.Currency, true); err != nil {
				return &CorruptError{Seq: e.Seq, Path: fmt.Sprintf("allocations[%d].amount", i), Reason: amountReason(err), Err: amountCause(err)}
			}
			sum = sum.Add(a.Amount)
		}
		if !sum.Equal(e.Amount) {
			return bad("allocations", "do not sum to amount")
		}
	}
	for _, t := range []struct {
		name string
		v    time.Time
	}{{"at", e.At}, {"available_at", e.AvailableAt}, {"expires_at", e.ExpiresAt}} {
		if !t.v.IsZero() && t.v.Nanosecond()%1000 != 0 {
			return bad(t.name, "finer than a microsecond")
		}
	}
	return nil
}

func amountReason(err error) string {
	if ae, ok := err.(*AmountError); ok {
		return trimPrefix(ae.Err)
	}
	return "invalid"
}

// amountCause returns the sentinel of an *AmountError (ErrTooPrecise, ...),
// the cause a CorruptError keeps: not the *AmountError itself, which would
// make a corrupt store match ErrInvalidRequest.
func amountCause(err error) error {
	if ae, ok := err.(*AmountError); ok {
		return ae.Err
	}
	return err
}

func asFieldError(err error, fe **FieldError) bool {
	e, ok := err.(*FieldError)
	if ok {
		*fe = e
	}
	return ok
}

// entryJSON is the wire form of an Entry.
type entryJSON struct {
	CustomerID  string           `json:"customer_id"`
	Currency    string           `json:"currency"`
	Seq         int64            `json:"seq"`
	Kind        Kind             `json:"kind"`
	Amount      string           `json:"amount"`
	At          time.Time        `json:"at"`
	Key         string           `json:"key"`
	Fingerprint string           `json:"fingerprint,omitempty"`
	Reason      string           `json:"reason,omitempty"`
	OrderID     string           `json:"order_id,omitempty"`
	DelayID     string           `json:"delay_id,omitempty"`
	Held        bool             `json:"held,omitempty"`
	AvailableAt time.Time        `json:"available_at,omitzero"`
	ExpiresAt   time.Time        `json:"expires_at,omitzero"`
	Target      int64            `json:"target,omitempty"`
	Allocations []allocationJSON `json:"allocations,omitempty"`
}

type allocationJSON struct {
	Lot    int64  `json:"lot"`
	Amount string `json:"amount"`
}

// MarshalJSON encodes the entry with snake_case fields, amounts as strings
// with the currency's decimal places and times in RFC 3339. It fails only for
// an entry with an invalid Kind.
func (e Entry) MarshalJSON() ([]byte, error) {
	w := entryJSON{
		CustomerID: e.Account.CustomerID, Currency: e.Account.Currency,
		Seq: e.Seq, Kind: e.Kind, Amount: formatAmount(e.Amount, e.Account.Currency),
		At: e.At, Key: e.Key, Fingerprint: e.Fingerprint, Reason: e.Reason,
		OrderID: e.OrderID, DelayID: e.DelayID, Held: e.Held, AvailableAt: e.AvailableAt, ExpiresAt: e.ExpiresAt,
		Target: e.Target,
	}
	for _, a := range e.Allocations {
		w.Allocations = append(w.Allocations, allocationJSON{Lot: a.Lot, Amount: formatAmount(a.Amount, e.Account.Currency)})
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes an entry written by MarshalJSON and validates it
// (see Validate). Unknown fields, malformed amounts and invalid entries are
// errors naming the field; times are converted to UTC.
func (e *Entry) UnmarshalJSON(b []byte) error {
	var w entryJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		if fe, ok := err.(*FieldError); ok { // from Kind.UnmarshalText
			return &CorruptError{Path: fe.Path, Reason: fe.Reason, Err: fe.Err}
		}
		return &CorruptError{Path: "entry", Reason: jsonReason(err), Err: err}
	}
	if dec.More() {
		return &CorruptError{Path: "entry", Reason: "trailing data after the object"}
	}
	v := Entry{
		Account: Account{CustomerID: w.CustomerID, Currency: w.Currency},
		Seq:     w.Seq, Kind: w.Kind, At: utc(w.At), Key: w.Key, Fingerprint: w.Fingerprint,
		Reason: w.Reason, OrderID: w.OrderID, DelayID: w.DelayID, Held: w.Held,
		AvailableAt: utc(w.AvailableAt), ExpiresAt: utc(w.ExpiresAt), Target: w.Target,
	}
	var err error
	if v.Amount, err = parseAmount("amount", w.Amount, w.Currency); err != nil {
		return &CorruptError{Seq: w.Seq, Path: "amount", Reason: amountReason(err), Err: amountCause(err)}
	}
	for i, a := range w.Allocations {
		field := fmt.Sprintf("allocations[%d].amount", i)
		d, err := parseAmount(field, a.Amount, w.Currency)
		if err != nil {
			return &CorruptError{Seq: w.Seq, Path: field, Reason: amountReason(err), Err: amountCause(err)}
		}
		v.Allocations = append(v.Allocations, Allocation{Lot: a.Lot, Amount: d})
	}
	if err := v.Validate(); err != nil {
		return err
	}
	// Canonical decimal places, as the Ledger writes them.
	minor, _ := MinorUnits(v.Account.Currency)
	v.Amount = v.Amount.Round(minor)
	for i := range v.Allocations {
		v.Allocations[i].Amount = v.Allocations[i].Amount.Round(minor)
	}
	*e = v
	return nil
}

// utc returns t in UTC, keeping the zero time zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// checkID validates an ID-like string field.
func checkID(field, v string, required bool) error {
	if v == "" {
		if required {
			return &FieldError{Path: field, Reason: "missing"}
		}
		return nil
	}
	if len(v) > MaxIDLen {
		return &FieldError{Path: field, Reason: fmt.Sprintf("longer than %d bytes", MaxIDLen)}
	}
	if !utf8.ValidString(v) {
		return &FieldError{Path: field, Reason: "not valid UTF-8"}
	}
	if strings.IndexByte(v, 0) >= 0 {
		return &FieldError{Path: field, Reason: "contains a NUL byte"}
	}
	return nil
}
