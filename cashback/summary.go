package cashback

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/internal/iso4217"
)

// Summary is an account's running position, kept by the Store beside the
// entries and replaced in the same atomic Append that adds them: the balance
// row. The Ledger reads it (one row) instead of every entry on each write,
// and computes balances at or after LastAt from it; entries are read only
// for the account's history, for balances at earlier instants, and by
// Ledger.Check.
//
// A Store keeps a Summary exactly as given: as a JSON document
// (MarshalJSON, UnmarshalJSON) or mapped to columns. The Ledger validates
// every Summary it reads (Validate) and blocks writes to an account whose
// summary breaks the rules (*CorruptError).
type Summary struct {
	Account Account
	// Version is the Seq of the account's last entry (0: no entries).
	Version int64
	// LastAt is the At of the last entry (zero: no entries).
	LastAt time.Time
	// LifetimeEarned, Redeemed, Expired and Reversed are Balance's fields of
	// the same names, over all entries.
	LifetimeEarned decimal.Decimal
	Redeemed       decimal.Decimal
	Expired        decimal.Decimal
	Reversed       decimal.Decimal
	// Lots are the issues with credit left (pending, available or lapsed),
	// in Seq order. Fully spent, expired or reversed issues drop out, so a
	// summary stays as small as the credit the customer still has; the rare
	// write that needs one again (a redemption reversed) reads the entries.
	Lots []Lot
	// ReversedRedeems lists, in order, the redeem entries already reversed
	// (a redemption is reversed at most once). Reversals are rare, so the
	// list stays short.
	ReversedRedeems []int64
}

// Lot is the running state of one issue entry.
type Lot struct {
	// Seq is the issue entry's sequence number.
	Seq int64
	// Issued is the amount; Remaining what is left of it (pending,
	// available or lapsed); Spent what redemptions took from it and have not
	// returned.
	Issued    decimal.Decimal
	Remaining decimal.Decimal
	Spent     decimal.Decimal
	// AvailableAt is when the credit becomes spendable (zero while held and
	// not released); ExpiresAt when what is left lapses (zero: never).
	AvailableAt time.Time
	ExpiresAt   time.Time
	// Held is set for an issue held until a release; Released once a release
	// entry named it.
	Held     bool
	Released bool
}

// summary returns the state as a Summary, without the lots that have
// nothing left: a write that needs one of them again (a redemption returned
// to it, a release of a spent credit) folds the entries instead.
func (s *state) summary() Summary {
	out := Summary{
		Account: s.acct, Version: s.version, LastAt: s.last,
		LifetimeEarned: s.earned, Redeemed: s.redeemed, Expired: s.expired, Reversed: s.reversed,
		ReversedRedeems: slices.Clone(s.reversedRedeems),
		Lots:            make([]Lot, 0, len(s.lots)),
	}
	for i := range s.lots {
		l := &s.lots[i]
		if l.remaining.Sign() == 0 {
			continue
		}
		out.Lots = append(out.Lots, Lot{
			Seq: l.seq, Issued: l.issued, Remaining: l.remaining, Spent: l.spent,
			AvailableAt: l.availableAt, ExpiresAt: l.expiresAt, Held: l.held, Released: l.released,
		})
	}
	return out
}

// stateOf returns the state a valid Summary describes.
func stateOf(sum *Summary) *state {
	s := newState(sum.Account)
	if sum.Version == 0 {
		return s
	}
	s.version, s.last = sum.Version, sum.LastAt
	s.earned, s.redeemed, s.expired, s.reversed = sum.LifetimeEarned, sum.Redeemed, sum.Expired, sum.Reversed
	s.reversedRedeems = slices.Clone(sum.ReversedRedeems)
	s.lots = make([]lot, len(sum.Lots), len(sum.Lots)+1)
	for i, l := range sum.Lots {
		s.lots[i] = lot{seq: l.Seq, issued: l.Issued, remaining: l.Remaining, spent: l.Spent,
			availableAt: l.AvailableAt, expiresAt: l.ExpiresAt, held: l.Held, released: l.Released}
	}
	return s
}

// Validate checks the summary's own consistency: amounts in the account's
// currency, lots in order with Remaining > 0, Spent >= 0 and
// Remaining+Spent <= Issued, totals that agree with the lots
// (LifetimeEarned = the lots' Remaining + Redeemed + Expired; the lots'
// Spent at most Redeemed), times with at most microsecond precision. A
// Summary of Version 0 must be empty. Errors are *CorruptError (Seq 0)
// naming the field. It does not allocate on a valid summary.
func (sum *Summary) Validate() error {
	bad := func(field, reason string) error {
		return &CorruptError{Path: "summary." + field, Reason: reason}
	}
	lotBad := func(i int, field, reason string) error {
		return bad(fmt.Sprintf("lots[%d].%s", i, field), reason)
	}
	if err := sum.Account.Validate(); err != nil {
		var fe *FieldError
		if asFieldError(err, &fe) {
			return bad(fe.Path, fe.Reason)
		}
		return bad("account", "invalid")
	}
	if sum.Version < 0 {
		return bad("version", "negative")
	}
	if sum.Version == 0 {
		if !sum.LastAt.IsZero() || len(sum.Lots) != 0 || len(sum.ReversedRedeems) != 0 ||
			!sum.LifetimeEarned.IsZero() || !sum.Redeemed.IsZero() || !sum.Expired.IsZero() || !sum.Reversed.IsZero() {
			return bad("version", "0 with a position")
		}
		return nil
	}
	if sum.LastAt.IsZero() {
		return bad("last_at", "missing")
	}
	if sum.LastAt.Nanosecond()%1000 != 0 {
		return bad("last_at", "finer than a microsecond")
	}
	minor, _ := MinorUnits(sum.Account.Currency)
	// units returns d in minor units, or says what is wrong with it.
	units := func(d decimal.Decimal) (int64, string) {
		v, err := iso4217.ToUnits(d, minor)
		switch {
		case err == iso4217.ErrTooLarge:
			return 0, "too large"
		case err != nil:
			return 0, "more precise than the currency allows"
		case v < 0:
			return 0, "negative"
		}
		return v, ""
	}
	var totals [4]int64
	for i, f := range [...]struct {
		name string
		d    *decimal.Decimal
	}{{"lifetime_earned", &sum.LifetimeEarned}, {"redeemed", &sum.Redeemed}, {"expired", &sum.Expired}, {"reversed", &sum.Reversed}} {
		v, r := units(*f.d)
		if r != "" {
			return bad(f.name, r)
		}
		totals[i] = v
	}
	// Sums of at most 10^15 per lot: int64 holds 9,000 full lots; more is
	// refused rather than overflowed.
	const maxSum = 1 << 62
	var remaining, spent int64
	var prev int64
	for i := range sum.Lots {
		l := &sum.Lots[i]
		if l.Seq <= prev || l.Seq > sum.Version {
			return lotBad(i, "seq", "out of order or after the version")
		}
		prev = l.Seq
		var v [3]int64
		for j, f := range [...]struct {
			name string
			d    *decimal.Decimal
		}{{"issued", &l.Issued}, {"remaining", &l.Remaining}, {"spent", &l.Spent}} {
			var r string
			if v[j], r = units(*f.d); r != "" {
				return lotBad(i, f.name, r)
			}
		}
		issued, rem, sp := v[0], v[1], v[2]
		switch {
		case rem <= 0:
			return lotBad(i, "remaining", "not positive (an empty lot is not kept)")
		case rem+sp > issued:
			return lotBad(i, "remaining", "remaining and spent exceed issued")
		case l.Released && !l.Held:
			return lotBad(i, "released", "set on a lot that was not held")
		case l.Held && !l.Released && !l.AvailableAt.IsZero():
			return lotBad(i, "available_at", "set on a held lot")
		case (!l.Held || l.Released) && l.AvailableAt.IsZero():
			return lotBad(i, "available_at", "missing")
		case !l.ExpiresAt.IsZero() && !l.AvailableAt.IsZero() && !l.ExpiresAt.After(l.AvailableAt) && !l.Released:
			return lotBad(i, "expires_at", "not after available_at")
		case l.AvailableAt.Nanosecond()%1000 != 0 || l.ExpiresAt.Nanosecond()%1000 != 0:
			return lotBad(i, "times", "finer than a microsecond")
		}
		remaining, spent = remaining+rem, spent+sp
		if remaining > maxSum || spent > maxSum {
			return lotBad(i, "remaining", "the lots' sum is too large")
		}
	}
	if spent > totals[1] {
		return bad("redeemed", "less than what the lots say is spent")
	}
	if remaining+totals[1]+totals[2] != totals[0] {
		return bad("lifetime_earned", "differs from remaining + redeemed + expired")
	}
	prev = 0
	for i, seq := range sum.ReversedRedeems {
		if seq <= prev || seq > sum.Version {
			return bad(fmt.Sprintf("reversed_redeems[%d]", i), "out of order or after the version")
		}
		prev = seq
	}
	return nil
}

// Equal reports whether two summaries are the same position (amounts and
// times compared by value).
func (sum *Summary) Equal(o *Summary) bool {
	return sum.Account == o.Account && sum.Version == o.Version && sum.LastAt.Equal(o.LastAt) &&
		sum.LifetimeEarned.Equal(o.LifetimeEarned) && sum.Redeemed.Equal(o.Redeemed) &&
		sum.Expired.Equal(o.Expired) && sum.Reversed.Equal(o.Reversed) &&
		slices.Equal(sum.ReversedRedeems, o.ReversedRedeems) &&
		slices.EqualFunc(sum.Lots, o.Lots, func(a, b Lot) bool {
			return a.Seq == b.Seq && a.Issued.Equal(b.Issued) && a.Remaining.Equal(b.Remaining) && a.Spent.Equal(b.Spent) &&
				a.AvailableAt.Equal(b.AvailableAt) && a.ExpiresAt.Equal(b.ExpiresAt) && a.Held == b.Held && a.Released == b.Released
		})
}

// Clone returns a deep copy (the slices are the only shared memory).
func (sum Summary) Clone() Summary {
	sum.Lots = slices.Clone(sum.Lots)
	sum.ReversedRedeems = slices.Clone(sum.ReversedRedeems)
	return sum
}

type summaryJSON struct {
	CustomerID      string    `json:"customer_id"`
	Currency        string    `json:"currency"`
	Version         int64     `json:"version"`
	LastAt          time.Time `json:"last_at,omitzero"`
	LifetimeEarned  string    `json:"lifetime_earned"`
	Redeemed        string    `json:"redeemed"`
	Expired         string    `json:"expired"`
	Reversed        string    `json:"reversed"`
	Lots            []lotJSON `json:"lots,omitempty"`
	ReversedRedeems []int64   `json:"reversed_redeems,omitempty"`
}

type lotJSON struct {
	Seq         int64     `json:"seq"`
	Issued      string    `json:"issued"`
	Remaining   string    `json:"remaining"`
	Spent       string    `json:"spent"`
	AvailableAt time.Time `json:"available_at,omitzero"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	Held        bool      `json:"held,omitempty"`
	Released    bool      `json:"released,omitempty"`
}

// MarshalJSON encodes the summary with snake_case fields, amounts as strings
// with the currency's decimal places and times in RFC 3339.
func (sum Summary) MarshalJSON() ([]byte, error) {
	c := sum.Account.Currency
	w := summaryJSON{
		CustomerID: sum.Account.CustomerID, Currency: c, Version: sum.Version, LastAt: sum.LastAt,
		LifetimeEarned: formatAmount(sum.LifetimeEarned, c), Redeemed: formatAmount(sum.Redeemed, c),
		Expired: formatAmount(sum.Expired, c), Reversed: formatAmount(sum.Reversed, c),
		ReversedRedeems: sum.ReversedRedeems,
	}
	for _, l := range sum.Lots {
		w.Lots = append(w.Lots, lotJSON{
			Seq: l.Seq, Issued: formatAmount(l.Issued, c), Remaining: formatAmount(l.Remaining, c), Spent: formatAmount(l.Spent, c),
			AvailableAt: l.AvailableAt, ExpiresAt: l.ExpiresAt, Held: l.Held, Released: l.Released,
		})
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes a summary written by MarshalJSON and validates it.
// Unknown fields, malformed amounts and inconsistent summaries are
// *CorruptError naming the field; times are converted to UTC.
func (sum *Summary) UnmarshalJSON(b []byte) error {
	var w summaryJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return &CorruptError{Path: "summary", Reason: jsonReason(err), Err: err}
	}
	if dec.More() {
		return &CorruptError{Path: "summary", Reason: "trailing data after the object"}
	}
	c := w.Currency
	v := Summary{Account: Account{CustomerID: w.CustomerID, Currency: c}, Version: w.Version, LastAt: utc(w.LastAt),
		ReversedRedeems: w.ReversedRedeems}
	amt := func(field, text string) (decimal.Decimal, error) {
		d, err := parseAmount(field, text, c)
		if err != nil {
			return d, &CorruptError{Path: "summary." + field, Reason: amountReason(err), Err: amountCause(err)}
		}
		if minor, ok := MinorUnits(c); ok {
			d = d.Round(minor)
		}
		return d, nil
	}
	var err error
	for _, f := range []struct {
		name, text string
		dst        *decimal.Decimal
	}{{"lifetime_earned", w.LifetimeEarned, &v.LifetimeEarned}, {"redeemed", w.Redeemed, &v.Redeemed},
		{"expired", w.Expired, &v.Expired}, {"reversed", w.Reversed, &v.Reversed}} {
		if *f.dst, err = amt(f.name, f.text); err != nil {
			return err
		}
	}
	for i, l := range w.Lots {
		p := fmt.Sprintf("lots[%d].", i)
		lt := Lot{Seq: l.Seq, AvailableAt: utc(l.AvailableAt), ExpiresAt: utc(l.ExpiresAt), Held: l.Held, Released: l.Released}
		if lt.Issued, err = amt(p+"issued", l.Issued); err != nil {
			return err
		}
		if lt.Remaining, err = amt(p+"remaining", l.Remaining); err != nil {
			return err
		}
		if lt.Spent, err = amt(p+"spent", l.Spent); err != nil {
			return err
		}
		v.Lots = append(v.Lots, lt)
	}
	if err := v.Validate(); err != nil {
		return err
	}
	*sum = v
	return nil
}
