package scoring

import (
	"errors"
	"fmt"
)

// Sentinel errors, usable with errors.Is.
var (
	// ErrInvalidHistory marks a History that cannot be scored; the error
	// is a *HistoryError naming the field.
	ErrInvalidHistory = errors.New("scoring: invalid history")
	// ErrInvalidConfig marks a configuration that cannot be used; the error
	// is a *ConfigError naming the JSON path.
	ErrInvalidConfig = errors.New("scoring: invalid config")
	// ErrInvalidSignal marks a custom signal that cannot be registered, or
	// that returned a non-finite value while scoring.
	ErrInvalidSignal = errors.New("scoring: invalid signal")
)

// HistoryError reports one unusable value in a History: Field is a path
// such as "orders[3].total". It matches ErrInvalidHistory. Messages never
// contain identifiers, addresses or amounts.
type HistoryError struct {
	Field  string
	Reason string
}

func (e *HistoryError) Error() string { return "scoring: history: " + e.Field + ": " + e.Reason }

// Is reports whether target is ErrInvalidHistory.
func (e *HistoryError) Is(target error) bool { return target == ErrInvalidHistory }

// ConfigError reports one problem in a scoring configuration: Path is a
// JSON path such as "value_weights.order_count" or "tiers.rules[2].when.risk".
// It matches ErrInvalidConfig.
type ConfigError struct {
	Path   string
	Reason string
}

func (e *ConfigError) Error() string {
	if e.Path == "" {
		return "scoring: config: " + e.Reason
	}
	return "scoring: config: " + e.Path + ": " + e.Reason
}

// Is reports whether target is ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// SignalError reports a custom signal problem: Signal names it. It matches
// ErrInvalidSignal.
type SignalError struct {
	Signal string
	Reason string
}

func (e *SignalError) Error() string {
	return fmt.Sprintf("scoring: signal %q: %s", truncate(e.Signal, 64), e.Reason)
}

// Is reports whether target is ErrInvalidSignal.
func (e *SignalError) Is(target error) bool { return target == ErrInvalidSignal }

func histErr(field string, idx int, sub, reason string) error {
	f := field
	if idx >= 0 {
		f = fmt.Sprintf("%s[%d]", field, idx)
	}
	if sub != "" {
		f += "." + sub
	}
	return &HistoryError{Field: f, Reason: reason}
}
