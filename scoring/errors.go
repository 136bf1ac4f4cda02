package scoring

import (
	"errors"
	"strconv"

	"github.com/postpurchase/postpurchase/internal/iso4217"
)

// Sentinel errors, usable with errors.Is.
var (
	// ErrInvalidHistory marks a History that cannot be scored; the error
	// is a *HistoryError naming the field.
	ErrInvalidHistory = errors.New("scoring: invalid history")
	// ErrInvalidConfig marks a configuration that cannot be used; the error
	// is a *ConfigError naming the JSON path.
	ErrInvalidConfig = errors.New("scoring: invalid config")
	// ErrInexactNumber marks a configuration number that float64 cannot
	// hold exactly enough to keep its meaning: written with more digits
	// than a float64 carries (10.0000000000000000001 would become 10 and
	// pass a maximum of 10), or too small to be anything but 0 (a weight of
	// 1e-400 would silently switch its signal off). It is the Err of a
	// *ConfigError and matches ErrInvalidConfig too.
	ErrInexactNumber = errors.New("scoring: number not representable as float64")
	// ErrUnknownCurrency is the Err of a *HistoryError whose currency is
	// not an ISO 4217 code of the module's table (internal/iso4217).
	ErrUnknownCurrency = iso4217.ErrUnknownCurrency
	// ErrTooPrecise is the Err of a *HistoryError whose amount has more
	// decimal places than its currency's minor units (12.505 USD).
	ErrTooPrecise = iso4217.ErrTooPrecise
	// ErrTooLarge is the Err of a *HistoryError whose amount exceeds 10^15
	// minor units of its currency.
	ErrTooLarge = iso4217.ErrTooLarge
	// ErrInvalidSignal marks a custom signal that cannot be registered, or
	// that returned a non-finite value while scoring.
	ErrInvalidSignal = errors.New("scoring: invalid signal")
)

// HistoryError reports one unusable value in a History: Path names it,
// such as "orders[3].total". It matches ErrInvalidHistory. Messages never
// contain identifiers, addresses or amounts.
type HistoryError struct {
	Path   string
	Reason string
	// Err is the cause when there is one beyond the Reason (for example
	// the currency check's error), else nil.
	Err error
}

func (e *HistoryError) Error() string {
	s := "scoring: history: " + e.Path + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause, if any.
func (e *HistoryError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidHistory.
func (e *HistoryError) Is(target error) bool { return target == ErrInvalidHistory }

// ConfigError reports one problem in a scoring configuration: Path is a
// JSON path such as "value_weights.order_count" or "tiers.rules[2].when.risk"
// (keys from the input are clipped to 64 bytes). It matches
// ErrInvalidConfig.
type ConfigError struct {
	Path   string
	Reason string
	// Err is a more specific cause (ErrInexactNumber), or nil.
	Err error
}

func (e *ConfigError) Error() string {
	s := "scoring: config: "
	if e.Path != "" {
		s += e.Path + ": "
	}
	return s + e.Reason
}

// Unwrap returns the specific cause, if any.
func (e *ConfigError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// SignalError reports a custom signal problem: Signal names it (clipped
// to 64 bytes). It matches ErrInvalidSignal.
type SignalError struct {
	Signal string
	Reason string
	// Err is the cause beyond the Reason, or nil.
	Err error
}

func (e *SignalError) Error() string {
	s := "scoring: signal " + strconv.Quote(clip(e.Signal)) + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause, if any.
func (e *SignalError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidSignal.
func (e *SignalError) Is(target error) bool { return target == ErrInvalidSignal }

func histErr(field string, idx int, sub, reason string) error {
	return &HistoryError{Path: histPath(field, idx, sub), Reason: reason}
}

func histPath(field string, idx int, sub string) string {
	f := field
	if idx >= 0 {
		f += "[" + strconv.Itoa(idx) + "]"
	}
	if sub != "" {
		f += "." + sub
	}
	return f
}

// maxEcho is the most bytes of an input value an error text repeats.
const maxEcho = 64

// clip is the module's one rule for echoed input (iso4217.Clip): at most
// 64 bytes, cut on a rune boundary, then "…".
func clip(s string) string { return iso4217.Clip(s) }
