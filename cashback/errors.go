package cashback

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/postpurchase/postpurchase/internal/iso4217"
)

// Sentinel errors, for errors.Is. Each error the package returns wraps at
// least one of them; the typed errors below carry the details for errors.As.
// No error message contains a customer ID, an order ID, an idempotency key or
// a free-text reason: they may hold personal data. Messages name fields and
// entry sequence numbers instead.
var (
	// ErrInvalidRequest reports a request field that is missing or malformed
	// (see *FieldError). Nothing was written.
	ErrInvalidRequest = errors.New("cashback: invalid request")

	// ErrInvalidAmount reports an amount that is not a positive number
	// representable in its currency's minor units (see *AmountError).
	ErrInvalidAmount = errors.New("cashback: invalid amount")

	// ErrTooPrecise reports an amount with more decimal places than its
	// currency allows (1.005 USD, 1.5 JPY). Amounts are never rounded. It is
	// the module's one sentinel for the condition: accommodation.ErrTooPrecise
	// and scoring.ErrTooPrecise are the same value, so errors.Is matches it
	// whichever package's name the caller uses.
	ErrTooPrecise = iso4217.ErrTooPrecise

	// ErrNotPositive reports a zero or negative amount.
	ErrNotPositive = errors.New("cashback: amount not positive")

	// ErrTooLarge reports an amount of more than MaxMinorUnits minor units in
	// magnitude. It is the same value as scoring.ErrTooLarge (the module's
	// one bound on amounts, internal/iso4217).
	ErrTooLarge = iso4217.ErrTooLarge

	// ErrMalformedAmount reports text that is not a plain decimal number.
	ErrMalformedAmount = errors.New("cashback: malformed amount")

	// ErrUnknownCurrency reports a currency code that MinorUnits rejects. It
	// is the same value as scoring.ErrUnknownCurrency (the module's one
	// currency table, internal/iso4217).
	ErrUnknownCurrency = iso4217.ErrUnknownCurrency

	// ErrWithdrawnCurrency reports new credit in a currency ISO 4217 has
	// withdrawn (HRK, BGN, ...): accounts in it can still be read, spent,
	// reversed and expired, but not credited. It is the module's one
	// sentinel for the condition (internal/iso4217).
	ErrWithdrawnCurrency = iso4217.ErrWithdrawnCurrency

	// ErrCurrencyMismatch reports money in one currency used with an account
	// or money in another.
	ErrCurrencyMismatch = errors.New("cashback: currency mismatch")

	// ErrInsufficientFunds reports a redemption larger than the available
	// balance (see *InsufficientFundsError). Nothing was written.
	ErrInsufficientFunds = errors.New("cashback: insufficient funds")

	// ErrIdempotencyConflict reports an idempotency key already used in the
	// account for a different request (see *IdempotencyConflictError).
	// Nothing was written.
	ErrIdempotencyConflict = errors.New("cashback: idempotency key reused for a different request")

	// ErrConflict reports that the account changed between reading it and
	// appending to it: the expected version did not match. Stores return it
	// from Append; the Ledger retries and returns it (wrapped) only when
	// Options.MaxAttempts attempts all lost the race. Nothing was written, and
	// the call may be retried with the same idempotency key.
	ErrConflict = errors.New("cashback: concurrent update")

	// ErrDuplicateKey is returned by Store.Append when an entry's idempotency
	// key is already recorded in the account. Nothing was written. The Ledger
	// turns it into a replay or an ErrIdempotencyConflict.
	ErrDuplicateKey = errors.New("cashback: duplicate idempotency key")

	// ErrNotFound reports a missing entry: Store.LookupKey for an unknown key,
	// or a reversal of a sequence number the account does not have.
	ErrNotFound = errors.New("cashback: not found")

	// ErrNotReversible reports a reversal of an entry that cannot be reversed
	// (an expiry or a reversal). Nothing was written.
	ErrNotReversible = errors.New("cashback: entry cannot be reversed")

	// ErrAlreadyReversed reports a second reversal of a redemption. Nothing
	// was written.
	ErrAlreadyReversed = errors.New("cashback: entry already reversed")

	// ErrNothingToReverse reports a reversal of an issue whose credit is all
	// spent, expired or reversed already. Nothing was written.
	ErrNothingToReverse = errors.New("cashback: nothing left to reverse")

	// ErrNotReleasable reports a release of an entry that is not a held
	// credit, or whose credit was reversed. Nothing was written.
	ErrNotReleasable = errors.New("cashback: entry cannot be released")

	// ErrAlreadyReleased reports a second release of a held credit under
	// another key. Nothing was written.
	ErrAlreadyReleased = errors.New("cashback: credit already released")

	// ErrPartiallySpent reports a reversal of an issue of which only part is
	// left, when the request did not set AllowPartial (see
	// *PartiallySpentError). Nothing was written.
	ErrPartiallySpent = errors.New("cashback: credit partly spent")

	// ErrCorrupt reports entries from the Store that break the ledger's rules
	// (see *CorruptError): a gap in sequence numbers, an unknown kind, an
	// allocation to a lot that does not exist, a lot overdrawn. The Ledger
	// writes nothing to an account it cannot read.
	ErrCorrupt = errors.New("cashback: corrupt ledger")
)

// FieldError reports a request or entry field that is missing or invalid.
// Path is the field's JSON path (for example "account.customer_id",
// "expires_at"). errors.Is matches ErrInvalidRequest and, through Err, a
// more specific sentinel where one applies (ErrUnknownCurrency,
// ErrCurrencyMismatch).
type FieldError struct {
	Path   string // JSON path of the field
	Reason string // what is wrong, in words
	Err    error  // more specific cause, or nil
}

// Error formats the error for logs: the fields concerned, never personal data.
func (e *FieldError) Error() string {
	return fmt.Sprintf("cashback: %s: %s", e.Path, e.Reason)
}

// Is reports whether target is ErrInvalidRequest: every FieldError is one.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidRequest }

// Unwrap returns the specific cause, if any.
func (e *FieldError) Unwrap() error { return e.Err }

// AmountError reports an amount that cannot be used. errors.Is matches
// ErrInvalidAmount and ErrInvalidRequest, and through Err exactly one of
// ErrTooPrecise, ErrNotPositive, ErrTooLarge, ErrMalformedAmount or
// ErrUnknownCurrency.
type AmountError struct {
	Path     string // JSON path, e.g. "amount"
	Value    string // the amount as given (a number, never personal data), clipped to 64 bytes
	Currency string // the currency it was given in (clipped)
	Err      error  // the specific sentinel
}

// Error formats the error for logs: the fields concerned, never personal data.
func (e *AmountError) Error() string {
	return fmt.Sprintf("cashback: %s: %q %s: %v", e.Path, e.Value, e.Currency, trimPrefix(e.Err))
}

// Is reports whether target is ErrInvalidAmount or ErrInvalidRequest.
func (e *AmountError) Is(target error) bool {
	return target == ErrInvalidAmount || target == ErrInvalidRequest
}

// Unwrap returns the specific sentinel.
func (e *AmountError) Unwrap() error { return e.Err }

// InsufficientFundsError reports a redemption above the available balance.
// It matches ErrInsufficientFunds whatever Err holds.
type InsufficientFundsError struct {
	Path      string // JSON path of the request field at fault: "amount"
	Requested decimal.Decimal
	Available decimal.Decimal
	Currency  string
	Err       error // the cause: ErrInsufficientFunds as the Ledger returns it
}

// Error formats the error for logs: the fields concerned, never personal data.
func (e *InsufficientFundsError) Error() string {
	return fmt.Sprintf("cashback: insufficient funds: requested %s %s, available %s %s",
		formatAmount(e.Requested, e.Currency), e.Currency, formatAmount(e.Available, e.Currency), e.Currency)
}

// Is reports whether target is ErrInsufficientFunds: every
// InsufficientFundsError is one.
func (e *InsufficientFundsError) Is(target error) bool { return target == ErrInsufficientFunds }

// Unwrap returns the cause, Err.
func (e *InsufficientFundsError) Unwrap() error { return e.Err }

// IdempotencyConflictError reports a key already used for a different
// request. Existing is the entry recorded under the key. The key itself is
// not in the message. It matches ErrIdempotencyConflict whatever Err holds.
type IdempotencyConflictError struct {
	Path     string // JSON path of the request field at fault: "key"
	Existing Entry
	Err      error // the cause: ErrIdempotencyConflict as the Ledger returns it
}

// Error formats the error for logs: the fields concerned, never personal data.
func (e *IdempotencyConflictError) Error() string {
	return fmt.Sprintf("cashback: idempotency key already used by entry %d (%s) for a different request",
		e.Existing.Seq, e.Existing.Kind)
}

// Is reports whether target is ErrIdempotencyConflict: every
// IdempotencyConflictError is one.
func (e *IdempotencyConflictError) Is(target error) bool { return target == ErrIdempotencyConflict }

// Unwrap returns the cause, Err.
func (e *IdempotencyConflictError) Unwrap() error { return e.Err }

// PartiallySpentError reports a strict reversal of an issue of which only
// Remaining out of Issued is left. It matches ErrPartiallySpent whatever Err
// holds.
type PartiallySpentError struct {
	Path      string // JSON path of the request field naming the issue: "seq" or "target_key"
	Seq       int64  // the issue entry
	Issued    decimal.Decimal
	Remaining decimal.Decimal
	Currency  string
	Err       error // the cause: ErrPartiallySpent as the Ledger returns it
}

// Error formats the error for logs: the fields concerned, never personal data.
func (e *PartiallySpentError) Error() string {
	return fmt.Sprintf("cashback: entry %d: only %s of %s %s left to reverse (set AllowPartial to reverse the rest)",
		e.Seq, formatAmount(e.Remaining, e.Currency), formatAmount(e.Issued, e.Currency), e.Currency)
}

// Is reports whether target is ErrPartiallySpent: every PartiallySpentError
// is one.
func (e *PartiallySpentError) Is(target error) bool { return target == ErrPartiallySpent }

// Unwrap returns the cause, Err.
func (e *PartiallySpentError) Unwrap() error { return e.Err }

// CorruptError reports an entry or a summary read from the Store that breaks
// the ledger's rules. Seq is the entry's sequence number (or its position, if
// the sequence number itself is wrong; 0 for a summary), Path the JSON path of
// the field at fault and Reason what is wrong, in words. Err is the cause when
// there is a more specific one: the decoding error (a *json.SyntaxError, a
// decimal parse error) or the sentinel of a malformed amount (ErrTooPrecise,
// ErrMalformedAmount, ...); nil otherwise. A CorruptError matches ErrCorrupt
// whatever Err holds. Stores that find rows they cannot decode return one
// too, with Err set to the decoding error.
type CorruptError struct {
	Seq    int64
	Path   string
	Reason string
	Err    error
}

// Error formats the error for logs: the fields concerned, never personal data.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("cashback: corrupt ledger: entry %d: %s: %s", e.Seq, e.Path, e.Reason)
}

// Is reports whether target is ErrCorrupt: every CorruptError is one.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// Unwrap returns the cause, Err, or nil.
func (e *CorruptError) Unwrap() error { return e.Err }

// trimPrefix renders a sentinel's message without the "cashback: " prefix,
// for use inside another cashback message.
func trimPrefix(err error) string {
	if err == nil {
		return "invalid"
	}
	s := err.Error()
	const p = "cashback: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
