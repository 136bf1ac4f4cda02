package postpurchase

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/postpurchase/postpurchase/internal/iso4217"
)

// Sentinel errors, usable with errors.Is.
var (
	// ErrNotFound: an unknown order, shipment, tracking number or case.
	ErrNotFound = errors.New("postpurchase: not found")
	// ErrConflict: a concurrent writer changed the order first (Store
	// implementations return it on a version mismatch), or an order was
	// registered again with different content.
	ErrConflict = errors.New("postpurchase: conflict")
	// ErrInvalid: input the Engine refuses; the *InputError says which
	// field and why.
	ErrInvalid = errors.New("postpurchase: invalid input")
	// ErrUnauthorized: a webhook whose signature or credential does not
	// verify.
	ErrUnauthorized = errors.New("postpurchase: unauthorized")
	// ErrOutsideWindow: a claim or return outside its window; the
	// *WindowError says which window.
	ErrOutsideWindow = errors.New("postpurchase: outside the window")
	// ErrCaseExists: a claim or return of the same reason already exists
	// for the shipment with other content; the *CaseExistsError names it.
	ErrCaseExists = errors.New("postpurchase: case exists")
)

// clip returns outside text as an error repeats it: the module's one rule
// (iso4217.Clip), quoted.
func clip(s string) string { return strconv.Quote(iso4217.Clip(s)) }

// InputError is input the Engine refuses: which field, and why. It
// matches ErrInvalid, or ErrNotFound when the input names something
// unknown.
type InputError struct {
	// Op is the operation ("register", "ingest", "claim", ...).
	Op string
	// Field is the field at fault ("order.shipments[1].carrier").
	Field string
	// Reason says why.
	Reason string
	// Err is ErrInvalid or ErrNotFound, or a cause from another package.
	Err error
}

func (e *InputError) Error() string {
	return "postpurchase: " + e.Op + ": " + e.Field + ": " + e.Reason
}

// Unwrap returns the cause.
func (e *InputError) Unwrap() error { return e.Err }

func invalid(op, field, reason string) error {
	return &InputError{Op: op, Field: field, Reason: reason, Err: ErrInvalid}
}

func notFound(op, field, value string) error {
	return &InputError{Op: op, Field: field, Reason: "unknown " + clip(value), Err: ErrNotFound}
}

// WindowError is a claim or return filed outside its window. It matches
// ErrOutsideWindow whatever Err holds.
type WindowError struct {
	Reason CaseReason
	// Opens and Closes bound the window; a zero Opens means it has not
	// opened yet and cannot be known (for example, not delivered).
	Opens, Closes time.Time
	// Why says in words why it is not open now.
	Why string
	// Err is the cause: ErrOutsideWindow as the Engine returns it.
	Err error
}

func (e *WindowError) Error() string {
	return "postpurchase: " + string(e.Reason) + ": " + e.Why
}

// Is reports whether target is ErrOutsideWindow: every WindowError is one.
func (e *WindowError) Is(target error) bool { return target == ErrOutsideWindow }

// Unwrap returns the cause, Err.
func (e *WindowError) Unwrap() error { return e.Err }

// CaseExistsError is a second, different case of the same reason for one
// shipment. It matches ErrCaseExists whatever Err holds.
type CaseExistsError struct {
	Existing Case
	// Err is the cause: ErrCaseExists as the Engine returns it.
	Err error
}

func (e *CaseExistsError) Error() string {
	return "postpurchase: a " + string(e.Existing.Reason) + " case already exists for shipment " + clip(e.Existing.ShipmentID)
}

// Is reports whether target is ErrCaseExists: every CaseExistsError is one.
func (e *CaseExistsError) Is(target error) bool { return target == ErrCaseExists }

// Unwrap returns the cause, Err.
func (e *CaseExistsError) Unwrap() error { return e.Err }

// EffectError is a side effect that failed; it is retried at RetryAt.
type EffectError struct {
	ID      string
	Kind    EffectKind
	Attempt int
	RetryAt time.Time
	Err     error
}

func (e *EffectError) Error() string {
	return fmt.Sprintf("postpurchase: %s effect %s failed (attempt %d, retry at %s): %v", e.Kind, clip(e.ID), e.Attempt, e.RetryAt.Format(time.RFC3339), e.Err)
}

// Unwrap returns the cause.
func (e *EffectError) Unwrap() error { return e.Err }
