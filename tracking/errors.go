package tracking

import (
	"errors"
	"strconv"

	"github.com/postpurchase/postpurchase/internal/iso4217"
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
	// Index is the event's position in the Apply or ApplyAt call (or in
	// Tracking.Events for Update); -1 for the carrier's estimate (Update).
	Index int
	// Field is the offending field: "time", "status", "reason" or
	// "estimate"; empty when the event as a whole was refused
	// (ErrTooManyEvents).
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
// matches ErrInvalidShipment (errors.Is) and unwraps to the underlying
// cause when there is one (a *json.SyntaxError, a *time.ParseError, ...).
// Its text echoes at most 64 bytes of any input value.
type DecodeError struct {
	// Path is the JSON path of the value, "" for the document as a whole.
	// Keys from the input are clipped to 64 bytes.
	Path string
	// Reason says what is wrong, in a few words.
	Reason string
	// Err is the underlying cause, or nil.
	Err error
}

// Error formats the error as "tracking: decode shipment events[3].time: ...".
// The cause's own text is not repeated (it may echo the input without
// bound); see Err.
func (e *DecodeError) Error() string {
	s := "tracking: decode shipment"
	if e.Path != "" {
		s += " " + e.Path
	}
	switch {
	case e.Reason != "":
		s += ": " + e.Reason
	case e.Err != nil:
		s += ": " + iso4217.Clip(e.Err.Error())
	}
	return s
}

// Unwrap returns the cause, if any.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidShipment.
func (e *DecodeError) Is(target error) bool { return target == ErrInvalidShipment }

// ConfigError names a configuration field that is out of range. It
// matches ErrInvalidConfig (errors.Is).
type ConfigError struct {
	// Field is the Go path of the field in Config or Options, such as
	// "Detectors.DomesticStall" or "Carriers[2]"; keys from the input are
	// clipped to 64 bytes.
	Field string
	// Reason says what is wrong.
	Reason string
	// Err is a more specific cause, or nil.
	Err error
}

// Error formats the error as "tracking: config Detectors.DomesticStall: must not be negative".
func (e *ConfigError) Error() string {
	return "tracking: config " + e.Field + ": " + e.Reason
}

// Unwrap returns the cause, if any.
func (e *ConfigError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// quote returns s clipped as iso4217.Clip does (the module's rule for
// echoed input), in double quotes with Go escapes.
func quote(s string) string { return strconv.Quote(iso4217.Clip(s)) }
