package tracking

import (
	"strconv"
	"time"
)

// Config is the configuration of delay detection and event acceptance.
// Every zero value means the documented default; NewRules validates it
// once.
type Config struct {
	// Calendar decides which days are business days. Nil means the
	// model's calendar, or weekends only when there is no model.
	Calendar *Calendar
	// Model is the transit-time model for estimates, the at-risk
	// detector and lane stall gaps. Nil means no model: estimates come
	// from the carrier only, and stalls use the domestic and
	// international defaults.
	Model *TransitModel
	// Detectors holds the detector thresholds.
	Detectors Detectors
	// MaxEvents bounds the events kept per shipment; further new events
	// are refused with ErrTooManyEvents. Zero means 500; at most 10000,
	// the most a stored shipment may hold (see UnmarshalJSON).
	MaxEvents int
	// MaxClockSkew is how far after now an event time may be before
	// ApplyAt and Update refuse it as being in the future. Zero means 24
	// hours (carriers stamp local times; a clock or zone error of a few
	// hours is common, a day is not).
	MaxClockSkew time.Duration
	// Location is the brand's time zone: the zone in which DaysLate takes
	// the delivery date and today, and in which a date-only promise
	// (Shipment.PromisedOn) ends. Nil means UTC.
	Location *time.Location
}

// Detectors configures the delay detectors. Thresholds are in business
// days; every zero value means the default in brackets.
type Detectors struct {
	// FulfillmentStall: label created and no carrier scan for more than
	// this many business days [2].
	FulfillmentStall int
	// DomesticStall and InternationalStall: no new scan for more than
	// this many business days [3 and 5], used when the model does not
	// know the lane's usual gap (or IgnoreLaneGap is set). With a model
	// the threshold is the lane's usual longest gap (P95) plus one.
	DomesticStall      int
	InternationalStall int
	// IgnoreLaneGap turns off the lane-specific stall threshold learned
	// by the model (its P95 of longest gaps between scans, plus one), so
	// the defaults above always apply.
	IgnoreLaneGap bool
	// DomesticLost and InternationalLost: without a model (or a lane it
	// knows), no new scan for more than this many business days means
	// the parcel is presumed lost [8 and 15].
	DomesticLost      int
	InternationalLost int
	// LostMargin: with a model, a parcel is presumed lost when it has been
	// silent for longer than the stall threshold and in transit for more
	// than the lane's P99 plus this many business days [3].
	LostMargin int
	// AtRiskProbability: with a model and no fresh carrier estimate (or
	// on the day the carrier's estimate names), a parcel is at risk when
	// the probability that it is delivered by the promised day, given its
	// pickup and the time it has already spent in transit, is below this
	// [DefaultAtRiskProbability, 0.4]. Higher warns earlier and more
	// often (the trade-off measured is in the package doc).
	AtRiskProbability float64
	// Disabled lists detectors to switch off.
	Disabled []DelayKind
}

// Rules are a validated Config, shared by any number of shipments and
// goroutines. Build them once with NewRules.
type Rules struct {
	cfg      Config
	disabled uint32 // bit per DelayKind
}

// defaultRules are the rules of a shipment that was given none. Never
// mutated.
var defaultRules = mustRules(Config{})

func mustRules(c Config) Rules {
	r, err := NewRules(c)
	if err != nil {
		panic(err) // unreachable: the zero Config is valid
	}
	return *r
}

// NewRules validates cfg, fills in the defaults and returns the rules.
func NewRules(cfg Config) (*Rules, error) {
	d := &cfg.Detectors
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{"Detectors.FulfillmentStall", &d.FulfillmentStall, 2},
		{"Detectors.DomesticStall", &d.DomesticStall, 3},
		{"Detectors.InternationalStall", &d.InternationalStall, 5},
		{"Detectors.DomesticLost", &d.DomesticLost, 8},
		{"Detectors.InternationalLost", &d.InternationalLost, 15},
		{"Detectors.LostMargin", &d.LostMargin, 3},
		{"MaxEvents", &cfg.MaxEvents, 500},
	} {
		if *f.v < 0 {
			return nil, &ConfigError{Field: f.name, Reason: "must not be negative"}
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if cfg.MaxEvents > maxStoredEvents {
		return nil, &ConfigError{Field: "MaxEvents", Reason: "must not exceed " + strconv.Itoa(maxStoredEvents) + ", the most a stored shipment may hold"}
	}
	if !(d.AtRiskProbability >= 0 && d.AtRiskProbability < 1) {
		return nil, &ConfigError{Field: "Detectors.AtRiskProbability", Reason: "must be in [0, 1)"}
	}
	if d.AtRiskProbability == 0 {
		d.AtRiskProbability = DefaultAtRiskProbability
	}
	if cfg.MaxClockSkew < 0 {
		return nil, &ConfigError{Field: "MaxClockSkew", Reason: "must not be negative"}
	}
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = 24 * time.Hour
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Calendar == nil && cfg.Model != nil {
		cfg.Calendar = cfg.Model.Calendar()
	}
	r := &Rules{cfg: cfg}
	for i, k := range d.Disabled {
		if k < 1 || k > numDelayKinds {
			return nil, &ConfigError{Field: "Detectors.Disabled[" + strconv.Itoa(i) + "]", Reason: "unknown delay kind"}
		}
		r.disabled |= 1 << k
	}
	d.Disabled = append([]DelayKind(nil), d.Disabled...)
	r.cfg.Detectors = *d
	return r, nil
}

// Config returns a copy of the configuration with the defaults filled in.
func (r *Rules) Config() Config {
	c := r.cfg
	c.Detectors.Disabled = append([]DelayKind(nil), c.Detectors.Disabled...)
	return c
}

func (r *Rules) enabled(k DelayKind) bool { return r.disabled&(1<<k) == 0 }

// DefaultAtRiskProbability is the default Detectors.AtRiskProbability.
const DefaultAtRiskProbability = 0.4
