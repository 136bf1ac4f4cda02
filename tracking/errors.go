package tracking

import (
	"errors"
	"strconv"
)

// Sentinel errors, for errors.Is. The typed errors below unwrap to them.
var (
	// ErrInvalidEvent: an event was rejected (zero or out-of-range time,
	// undefined status). The rest of the batch is still applied.
	ErrInvalidEvent = errors.New("tracking: invalid event")
	// ErrWrongShipment: a carrier result is for another carrier or another
	// tracking number than the shipment's. Nothing was applied.
	ErrWrongShipment = errors.New("tracking: tracking result is for another shipment")
	// ErrTooManyEvents: the shipment already holds Config.MaxEvents events;
	// further new events are dropped.
	ErrTooManyEvents = errors.New("tracking: too many events for one shipment")
	// ErrInvalidShipment: a stored shipment could not be decoded or is
	// inconsistent; the decode left the destination unchanged.
	ErrInvalidShipment = errors.New("tracking: invalid shipment")
	// ErrInvalidConfig: a Config, Cadence or option value is out of range.
	ErrInvalidConfig = errors.New("tracking: invalid configuration")
	// ErrNoCarrier: the tracker has no carrier for the shipment's carrier
	// code.
	ErrNoCarrier = errors.New("tracking: no carrier for shipment")
)

// EventError says why one event of an Apply batch was rejected: which event
// (its index in the batch), which field, and the cause. It unwraps to
// ErrInvalidEvent, or to ErrTooManyEvents.
type EventError struct {
	// Index is the event's position in the Apply call (or in
	// Tracking.Events for ApplyTracking).
	Index int
	// Field is the offending field: "time" or "status"; empty when the
	// event as a whole was refused (ErrTooManyEvents).
	Field string
	// Reason says what is wrong with it, in a few words.
	Reason string
	// Err is ErrInvalidEvent or ErrTooManyEvents.
	Err error
}

// Error formats the error as "tracking: event 3: time: zero time".
func (e *EventError) Error() string {
	s := "tracking: event " + strconv.Itoa(e.Index)
	if e.Field != "" {
		s += ": " + e.Field
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err == ErrTooManyEvents {
		s += ": too many events"
	}
	return s
}

// Unwrap returns ErrInvalidEvent or ErrTooManyEvents.
func (e *EventError) Unwrap() error { return e.Err }

// DecodeError reports a stored shipment that could not be decoded: the JSON
// path of the offending value (such as "events[3].time") and why. It
// unwraps to ErrInvalidShipment and, when there is one, to the underlying
// cause (a *json.SyntaxError, a *time.ParseError, ...).
type DecodeError struct {
	// Path is the JSON path of the value, "" for the document as a whole.
	Path string
	// Reason says what is wrong, when there is no underlying error.
	Reason string
	// Err is the underlying cause, or nil.
	Err error
}

// Error formats the error as "tracking: decode shipment events[3].time: ...".
func (e *DecodeError) Error() string {
	s := "tracking: decode shipment"
	if e.Path != "" {
		s += " " + e.Path
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns ErrInvalidShipment and the cause, if any.
func (e *DecodeError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidShipment, e.Err}
	}
	return []error{ErrInvalidShipment}
}

// ConfigError names a configuration field that is out of range. It unwraps
// to ErrInvalidConfig.
type ConfigError struct {
	Field  string
	Reason string
}

// Error formats the error as "tracking: config Detectors.DomesticStall: must not be negative".
func (e *ConfigError) Error() string {
	return "tracking: config " + e.Field + ": " + e.Reason
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func itoa(i int) string { return strconv.Itoa(i) }
