package scoring

import "fmt"

// Tier is the customer segment a Score assigns. It is a small string enum
// that round-trips through text and JSON as its lower-case name.
type Tier string

// Tiers, from most to least favoured. TierRisky overrides value: a risky
// customer with high spend is still risky.
const (
	TierVIP     Tier = "vip"
	TierLoyal   Tier = "loyal"
	TierRegular Tier = "regular"
	TierNew     Tier = "new"
	TierRisky   Tier = "risky"
)

// Tiers returns all tiers in a fixed order.
func Tiers() []Tier { return []Tier{TierVIP, TierLoyal, TierRegular, TierNew, TierRisky} }

// Valid reports whether t is one of the defined tiers.
func (t Tier) Valid() bool {
	switch t {
	case TierVIP, TierLoyal, TierRegular, TierNew, TierRisky:
		return true
	}
	return false
}

// String returns the tier's name.
func (t Tier) String() string { return string(t) }

// MarshalText implements encoding.TextMarshaler; it rejects undefined tiers.
func (t Tier) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, fmt.Errorf("scoring: unknown tier %q", string(t))
	}
	return []byte(t), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts exactly
// the five lower-case names.
func (t *Tier) UnmarshalText(b []byte) error {
	v := Tier(b)
	if !v.Valid() {
		return fmt.Errorf("scoring: unknown tier %q (want vip, loyal, regular, new or risky)", clip(string(b)))
	}
	*t = v
	return nil
}
