package clv

import (
	"errors"
	"fmt"
)

// Sentinel errors, usable with errors.Is.
var (
	// ErrInvalidInput marks a summary, transaction or option that cannot be
	// used (negative, NaN or infinite numbers, recency after age, and so on).
	// The concrete error is an *InputError naming the record and field.
	ErrInvalidInput = errors.New("clv: invalid input")
	// ErrTooFewCustomers is returned by a fit given fewer customers than
	// FitOptions.MinCustomers.
	ErrTooFewCustomers = errors.New("clv: too few customers to fit")
	// ErrDegenerate is returned when the data cannot identify the model,
	// for example when no customer ever bought twice, or when the fitted
	// parameters describe no usable population (Gamma-Gamma q <= 1).
	ErrDegenerate = errors.New("clv: degenerate data")
	// ErrNoConvergence is returned when the optimiser cannot find a finite
	// maximum of the likelihood.
	ErrNoConvergence = errors.New("clv: fit did not converge")
	// ErrNotFitted is returned when a prediction needs a model that has not
	// been fitted (zero parameters).
	ErrNotFitted = errors.New("clv: model not fitted")
)

// InputError reports one unusable input value: which record (Index, -1
// when the error is about an option), which field, and why. It matches
// ErrInvalidInput with errors.Is. It never carries customer identifiers or
// amounts, so it is safe to log.
type InputError struct {
	Index  int    // position of the record in the input slice, or -1
	Field  string // field name, e.g. "recency" or "options.end"
	Reason string // what is wrong, in lower case
	Err    error  // the cause beyond Reason, or nil
}

func (e *InputError) Error() string {
	s := fmt.Sprintf("clv: [%d].%s: %s", e.Index, e.Field, e.Reason)
	if e.Index < 0 {
		s = fmt.Sprintf("clv: %s: %s", e.Field, e.Reason)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause, if any.
func (e *InputError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

func inputErr(i int, field, format string, args ...any) error {
	return &InputError{Index: i, Field: field, Reason: fmt.Sprintf(format, args...)}
}
