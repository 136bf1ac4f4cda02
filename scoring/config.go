package scoring

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/shopspring/decimal"
)

// Limits checked by ParseConfig and New.
const (
	MaxValueWeight     = 10.0 // value weights lie in [0, MaxValueWeight]
	MaxRiskWeight      = 1.0  // risk weights lie in [0, MaxRiskWeight]
	MaxReasons         = 20   // Config.Reasons lies in [0, MaxReasons]
	DefaultReasons     = 5
	DefaultMinContrib  = 1.0 // points
	maxConfigBytes     = 1 << 20
	maxConfigRules     = 64
	maxConfigCondition = 16
)

// Config holds the scoring model's weights, normalisation scales, tier
// rules and reason settings. It is plain data, loaded from JSON with
// ParseConfig (overlaying DefaultConfig) or built in code, and validated
// once by New. SIGNALS.md lists the defaults.
//
// The model (Scorer.Score computes exactly this): every present signal
// with a non-zero weight is normalised to a strength s in [0, 1] (see
// Unit), and s₀ is the strength of its Neutral value. Its effect d is
// s − s₀ for MoreValue/LessRisk signals and s₀ − s for LessValue/MoreRisk
// ones, so d lies in [−1, 1] and is 0 at the neutral point. Then
//
//   - Value = 50 + 50 · Σ w·d / Σ w over the present signals with a value
//     weight w (ModelValueWeights' entry when the Scorer has a model and
//     the entry exists, else ValueWeights'), clamped to [0, 100]; 50 when
//     none is present. Missing
//     signals leave both sums, so they neither help nor hurt; a signal's
//     Reason contribution is 50 · w·d / Σ w points;
//   - Risk = 100 · (1 − Π(1 − e)) · Π(1 − e′), where each signal with a
//     risk weight r and s > s₀ gives the evidence e = r·(s − s₀)/(1 − s₀)
//     (at most 0.999): the first product runs over LessValue/MoreRisk
//     signals, which combine like independent alarms (a noisy-OR), the
//     second over MoreValue/LessRisk ones, which damp it.
type Config struct {
	// ValueWeights maps signal names to weights in [0, MaxValueWeight].
	// With a model (Options.Model) an entry of ModelValueWeights replaces
	// the entry of the same signal here, and the defaults have one for
	// each raw frequency, recency and spend signal (SIGNALS.md): New
	// rejects a ValueWeights entry changed from its default that such a
	// default ModelValueWeights entry would silently replace (a
	// *ConfigError at "value_weights.<name>"); set the ModelValueWeights
	// entry too, or delete it to keep the ValueWeights weight with the
	// model.
	ValueWeights map[string]float64 `json:"value_weights"`
	// ModelValueWeights are the value weights that change when the Scorer
	// has a model (Options.Model): an entry replaces the ValueWeights entry
	// of the same signal; signals without an entry keep their ValueWeights
	// weight. The defaults hand the raw frequency, recency and spend
	// signals over to the model's forecast, which is computed from the same
	// purchases (SIGNALS.md lists both columns).
	ModelValueWeights map[string]float64 `json:"model_value_weights,omitempty"`
	// RiskWeights maps signal names to weights in [0, MaxRiskWeight]; a
	// weight is the risk a signal at full strength contributes alone.
	RiskWeights map[string]float64 `json:"risk_weights"`
	// Scales overrides signals' normalisation scales (> 0); money scales
	// are in the customer's currency.
	Scales map[string]float64 `json:"scales,omitempty"`
	// Tiers assigns the tier.
	Tiers TierConfig `json:"tiers"`
	// Reasons is how many reasons a Score carries, 0–MaxReasons.
	Reasons int `json:"reasons"`
	// MinContribution is the smallest |contribution| in points (0–100) a
	// signal needs to be given as a reason.
	MinContribution float64 `json:"min_contribution"`
}

// TierConfig is a set of mutually exclusive rules and a default tier for
// customers no rule matches (including those whose signals a rule needs
// are missing).
type TierConfig struct {
	Default Tier       `json:"default"`
	Rules   []TierRule `json:"rules"`
}

// TierRule assigns Tier when every condition in When holds. Keys of When
// are "value", "risk" (the scores) or signal names; a condition on a
// missing signal does not hold. Two rules for different tiers must not
// overlap: New rejects a pair some customer could match both of.
type TierRule struct {
	Tier Tier             `json:"tier"`
	When map[string]Range `json:"when"`
}

// Range is the half-open interval [AtLeast, Below); a nil bound is open.
type Range struct {
	AtLeast *float64 `json:"at_least,omitempty"`
	Below   *float64 `json:"below,omitempty"`
}

func (r Range) bounds() (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if r.AtLeast != nil {
		lo = *r.AtLeast
	}
	if r.Below != nil {
		hi = *r.Below
	}
	return lo, hi
}

func ptr(v float64) *float64 { return &v }

// DefaultConfig returns a fresh copy of the default configuration: the
// default weights listed in SIGNALS.md and these tiers, where a purchase
// is a day with an order (same-day orders count once, as for the value
// models; see Summary) —
//
//	risky   risk ≥ 60
//	vip     risk < 60, repeat_purchase_days ≥ 1, value ≥ 65
//	loyal   risk < 60, repeat_purchase_days ≥ 1, 55 ≤ value < 65
//	new     risk < 60, repeat_purchase_days < 1 (one purchase day) or no order at all
//	regular everything else (the default)
func DefaultConfig() Config {
	c := Config{
		ValueWeights:    map[string]float64{},
		RiskWeights:     map[string]float64{},
		Reasons:         DefaultReasons,
		MinContribution: DefaultMinContrib,
	}
	for _, b := range builtins() {
		if b.valueW > 0 {
			c.ValueWeights[b.Name] = b.valueW
		}
		if b.modelW != nil {
			if c.ModelValueWeights == nil {
				c.ModelValueWeights = map[string]float64{}
			}
			c.ModelValueWeights[b.Name] = *b.modelW
		}
		if b.riskW > 0 {
			c.RiskWeights[b.Name] = b.riskW
		}
	}
	c.Tiers = TierConfig{
		Default: TierRegular,
		Rules: []TierRule{
			{Tier: TierRisky, When: map[string]Range{"risk": {AtLeast: ptr(60)}}},
			// order_count ≥ 1 follows from repeat_purchase_days ≥ 1; it is
			// stated so that New can see these rules never overlap the
			// last one.
			{Tier: TierVIP, When: map[string]Range{"risk": {Below: ptr(60)}, "order_count": {AtLeast: ptr(1)}, "repeat_purchase_days": {AtLeast: ptr(1)}, "value": {AtLeast: ptr(65)}}},
			{Tier: TierLoyal, When: map[string]Range{"risk": {Below: ptr(60)}, "order_count": {AtLeast: ptr(1)}, "repeat_purchase_days": {AtLeast: ptr(1)}, "value": {AtLeast: ptr(55), Below: ptr(65)}}},
			{Tier: TierNew, When: map[string]Range{"risk": {Below: ptr(60)}, "repeat_purchase_days": {Below: ptr(1)}}},
			{Tier: TierNew, When: map[string]Range{"risk": {Below: ptr(60)}, "order_count": {Below: ptr(1)}}},
		},
	}
	return c
}

// clone returns a deep copy of c.
func (c Config) clone() Config {
	out := c
	out.ValueWeights = cloneMap(c.ValueWeights)
	out.ModelValueWeights = cloneMap(c.ModelValueWeights)
	out.RiskWeights = cloneMap(c.RiskWeights)
	out.Scales = cloneMap(c.Scales)
	out.Tiers.Rules = make([]TierRule, len(c.Tiers.Rules))
	for i, r := range c.Tiers.Rules {
		out.Tiers.Rules[i] = TierRule{Tier: r.Tier, When: make(map[string]Range, len(r.When))}
		for k, v := range r.When {
			var nv Range
			if v.AtLeast != nil {
				nv.AtLeast = ptr(*v.AtLeast)
			}
			if v.Below != nil {
				nv.Below = ptr(*v.Below)
			}
			out.Tiers.Rules[i].When[k] = nv
		}
	}
	return out
}

func cloneMap(m map[string]float64) map[string]float64 {
	if m == nil {
		return nil
	}
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ParseConfig reads a JSON configuration and lays it over DefaultConfig:
// entries of "value_weights", "model_value_weights", "risk_weights" and
// "scales" replace the
// default for that signal only (set a weight to 0 to switch a default
// off); "tiers", "reasons" and "min_contribution", when present, replace
// the default as a whole. Unknown keys, wrong types, out-of-range numbers,
// invalid tiers and overlapping tier rules are *ConfigError values with
// the JSON path. Signal names are checked by New, which knows the host's
// custom signals.
func ParseConfig(data []byte) (Config, error) {
	c := DefaultConfig()
	if len(data) > maxConfigBytes {
		return Config{}, &ConfigError{Reason: "larger than 1 MiB"}
	}
	top, err := object(data, "")
	if err != nil {
		return Config{}, err
	}
	for _, k := range sortedKeys(top) {
		raw := top[k]
		switch k {
		case "value_weights":
			err = numberMap(raw, k, c.ValueWeights)
		case "model_value_weights":
			if c.ModelValueWeights == nil {
				c.ModelValueWeights = map[string]float64{}
			}
			err = numberMap(raw, k, c.ModelValueWeights)
		case "risk_weights":
			err = numberMap(raw, k, c.RiskWeights)
		case "scales":
			if c.Scales == nil {
				c.Scales = map[string]float64{}
			}
			err = numberMap(raw, k, c.Scales)
		case "tiers":
			c.Tiers, err = parseTiers(raw)
		case "reasons":
			var f float64
			f, err = number(raw, k)
			if err == nil && (f != math.Trunc(f) || f < 0 || f > MaxReasons) {
				err = &ConfigError{Path: k, Reason: fmt.Sprintf("must be a whole number from 0 to %d", MaxReasons)}
			}
			c.Reasons = int(f)
		case "min_contribution":
			c.MinContribution, err = number(raw, k)
		default:
			err = &ConfigError{Path: quoteKey("", k), Reason: "unknown key"}
		}
		if err != nil {
			return Config{}, err
		}
	}
	if err := c.check(nil); err != nil {
		return Config{}, err
	}
	return c, nil
}

func parseTiers(raw json.RawMessage) (TierConfig, error) {
	obj, err := object(raw, "tiers")
	if err != nil {
		return TierConfig{}, err
	}
	tc := TierConfig{Default: TierRegular}
	for _, k := range sortedKeys(obj) {
		switch k {
		case "default":
			if tc.Default, err = tier(obj[k], "tiers.default"); err != nil {
				return TierConfig{}, err
			}
		case "rules":
			if isNull(obj[k]) {
				return TierConfig{}, &ConfigError{Path: "tiers.rules", Reason: "must be an array"}
			}
			var arr []json.RawMessage
			if err := json.Unmarshal(obj[k], &arr); err != nil {
				return TierConfig{}, &ConfigError{Path: "tiers.rules", Reason: "must be an array"}
			}
			if len(arr) > maxConfigRules {
				return TierConfig{}, &ConfigError{Path: "tiers.rules", Reason: fmt.Sprintf("more than %d rules", maxConfigRules)}
			}
			tc.Rules = make([]TierRule, 0, len(arr))
			for i, r := range arr {
				rule, err := parseRule(r, "tiers.rules["+strconv.Itoa(i)+"]")
				if err != nil {
					return TierConfig{}, err
				}
				tc.Rules = append(tc.Rules, rule)
			}
		default:
			return TierConfig{}, &ConfigError{Path: quoteKey("tiers", k), Reason: "unknown key"}
		}
	}
	if _, ok := obj["rules"]; !ok {
		return TierConfig{}, &ConfigError{Path: "tiers.rules", Reason: "is required when tiers is given"}
	}
	return tc, nil
}

func parseRule(raw json.RawMessage, path string) (TierRule, error) {
	obj, err := object(raw, path)
	if err != nil {
		return TierRule{}, err
	}
	var r TierRule
	for _, k := range sortedKeys(obj) {
		switch k {
		case "tier":
			if r.Tier, err = tier(obj[k], path+".tier"); err != nil {
				return TierRule{}, err
			}
		case "when":
			w, err := object(obj[k], path+".when")
			if err != nil {
				return TierRule{}, err
			}
			if len(w) > maxConfigCondition {
				return TierRule{}, &ConfigError{Path: path + ".when", Reason: fmt.Sprintf("more than %d conditions", maxConfigCondition)}
			}
			r.When = make(map[string]Range, len(w))
			for _, name := range sortedKeys(w) {
				cp := quoteKey(path+".when", name)
				ro, err := object(w[name], cp)
				if err != nil {
					return TierRule{}, err
				}
				var rg Range
				for _, b := range sortedKeys(ro) {
					v, err := number(ro[b], quoteKey(cp, b))
					if err != nil {
						return TierRule{}, err
					}
					switch b {
					case "at_least":
						rg.AtLeast = ptr(v)
					case "below":
						rg.Below = ptr(v)
					default:
						return TierRule{}, &ConfigError{Path: quoteKey(cp, b), Reason: "unknown key (want at_least or below)"}
					}
				}
				r.When[name] = rg
			}
		default:
			return TierRule{}, &ConfigError{Path: quoteKey(path, k), Reason: "unknown key"}
		}
	}
	if _, ok := obj["tier"]; !ok {
		return TierRule{}, &ConfigError{Path: path + ".tier", Reason: "is required"}
	}
	if r.When == nil {
		return TierRule{}, &ConfigError{Path: path + ".when", Reason: "is required"}
	}
	return r, nil
}

// check validates c. known reports whether a signal name exists; nil
// skips name checks (ParseConfig).
// checkShadowed is New's check, with a model, that no ValueWeights entry
// changed from its default is replaced by a ModelValueWeights entry left
// at its default: the change would have no effect, and no error say so.
// A ModelValueWeights entry the host set itself (any value but the
// default, or any entry of a custom signal) is taken as meant, and so is a
// ValueWeights change to the weight the model entry gives anyway.
func (c *Config) checkShadowed() error {
	def := DefaultConfig()
	for _, k := range sortedKeys(c.ModelValueWeights) {
		mw := c.ModelValueWeights[k]
		dmw, ok := def.ModelValueWeights[k]
		if !ok || mw != dmw {
			continue
		}
		vw := c.ValueWeights[k]
		if vw == def.ValueWeights[k] || vw == mw {
			continue
		}
		mp := quoteKey("model_value_weights", k)
		return &ConfigError{Path: quoteKey("value_weights", k), Reason: fmt.Sprintf(
			"weight %s would have no effect: with a model, %s (default %s) replaces it; set %s too, or delete it to keep this weight",
			fmtNum(vw), mp, fmtNum(mw), mp)}
	}
	return nil
}

func (c *Config) check(known func(string) bool) error {
	for _, s := range []struct {
		path string
		m    map[string]float64
		max  float64
	}{{"value_weights", c.ValueWeights, MaxValueWeight}, {"model_value_weights", c.ModelValueWeights, MaxValueWeight},
		{"risk_weights", c.RiskWeights, MaxRiskWeight}} {
		for _, k := range sortedKeys(s.m) {
			p := quoteKey(s.path, k)
			if known != nil && !known(k) {
				return &ConfigError{Path: p, Reason: "unknown signal"}
			}
			if v := s.m[k]; !(v >= 0 && v <= s.max) {
				return &ConfigError{Path: p, Reason: fmt.Sprintf("weight %s out of range [0, %g]", fmtNum(v), s.max)}
			}
		}
	}
	for _, k := range sortedKeys(c.Scales) {
		p := quoteKey("scales", k)
		if known != nil && !known(k) {
			return &ConfigError{Path: p, Reason: "unknown signal"}
		}
		if v := c.Scales[k]; !(v > 0 && v < 1e15) {
			return &ConfigError{Path: p, Reason: "scale must be a positive number below 1e15"}
		}
	}
	if c.Reasons < 0 || c.Reasons > MaxReasons {
		return &ConfigError{Path: "reasons", Reason: fmt.Sprintf("must be from 0 to %d", MaxReasons)}
	}
	if !(c.MinContribution >= 0 && c.MinContribution <= 100) {
		return &ConfigError{Path: "min_contribution", Reason: "must be from 0 to 100 points"}
	}
	if !c.Tiers.Default.Valid() {
		return &ConfigError{Path: "tiers.default", Reason: fmt.Sprintf("unknown tier %q", clip(string(c.Tiers.Default)))}
	}
	if len(c.Tiers.Rules) > maxConfigRules {
		return &ConfigError{Path: "tiers.rules", Reason: fmt.Sprintf("more than %d rules", maxConfigRules)}
	}
	for i, r := range c.Tiers.Rules {
		rp := "tiers.rules[" + strconv.Itoa(i) + "]"
		if !r.Tier.Valid() {
			return &ConfigError{Path: rp + ".tier", Reason: fmt.Sprintf("unknown tier %q", clip(string(r.Tier)))}
		}
		if len(r.When) > maxConfigCondition {
			return &ConfigError{Path: rp + ".when", Reason: fmt.Sprintf("more than %d conditions", maxConfigCondition)}
		}
		for _, k := range sortedKeys(r.When) {
			cp := quoteKey(rp+".when", k)
			if k != "value" && k != "risk" && known != nil && !known(k) {
				return &ConfigError{Path: cp, Reason: "unknown signal (want value, risk or a signal name)"}
			}
			rg := r.When[k]
			if rg.AtLeast == nil && rg.Below == nil {
				return &ConfigError{Path: cp, Reason: "needs at_least, below or both"}
			}
			lo, hi := rg.bounds()
			if (rg.AtLeast != nil && !finite(lo)) || (rg.Below != nil && !finite(hi)) {
				return &ConfigError{Path: cp, Reason: "bounds must be finite numbers"}
			}
			if !(lo < hi) {
				return &ConfigError{Path: cp, Reason: fmt.Sprintf("empty range: at_least %s is not below %s", fmtNum(lo), fmtNum(hi))}
			}
		}
		for j := 0; j < i; j++ {
			o := c.Tiers.Rules[j]
			if o.Tier != r.Tier && overlap(o.When, r.When) {
				return &ConfigError{Path: rp, Reason: fmt.Sprintf(
					"overlaps tiers.rules[%d] (%s): a customer can match both; add a condition that separates them", j, o.Tier)}
			}
		}
	}
	return nil
}

// overlap reports whether some point satisfies both condition sets; a
// dimension one rule does not mention is unbounded for it.
func overlap(a, b map[string]Range) bool {
	for k, ra := range a {
		rb, ok := b[k]
		if !ok {
			continue
		}
		alo, ahi := ra.bounds()
		blo, bhi := rb.bounds()
		if !(math.Max(alo, blo) < math.Min(ahi, bhi)) {
			return false
		}
	}
	return true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// quoteKey appends a key to a JSON path, bracket-quoting keys that are not
// plain identifiers. The key is clipped (see clip): a path never repeats
// more than 64 bytes of any one key.
func quoteKey(path, k string) string {
	plain := k != "" && len(k) <= maxEcho
	for i := 0; i < len(k) && plain; i++ {
		c := k[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			plain = false
		}
	}
	seg := "." + k
	if !plain {
		seg = "[" + strconv.Quote(clip(k)) + "]"
	}
	if path == "" {
		return seg[len("."):]
	}
	return path + seg
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func jsonErr(path string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &ConfigError{Path: path, Reason: fmt.Sprintf("invalid JSON at byte %d", se.Offset)}
	}
	return &ConfigError{Path: path, Reason: "invalid JSON"}
}

// object decodes raw as a JSON object with unique keys.
func object(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	if !json.Valid(raw) {
		var v any
		return nil, jsonErr(path, json.Unmarshal(raw, &v))
	}
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '{' {
		return nil, &ConfigError{Path: path, Reason: "must be a JSON object"}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, jsonErr(path, err)
	}
	if err := duplicateKeys(raw, path); err != nil {
		return nil, err
	}
	return m, nil
}

// duplicateKeys rejects an object that names a key twice (encoding/json
// would silently keep the last one).
func duplicateKeys(raw json.RawMessage, path string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return jsonErr(path, err)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonErr(path, err)
		}
		k, _ := tok.(string)
		if seen[k] {
			return &ConfigError{Path: quoteKey(path, k), Reason: "duplicate key"}
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return jsonErr(path, err)
		}
	}
	return nil
}

// maxNumberLen bounds the text of one configuration number: a float64
// needs 17 significant digits and an exponent, far less than this.
const maxNumberLen = 64

// number decodes a JSON number that float64 holds without changing its
// meaning: the decimal written must equal the float64 it parses to, as
// that float's shortest decimal form ("0.1" is fine: 0.1 is what the
// nearest float64 prints as). Out-of-range and inexact numbers are
// *ConfigError values (ErrInexactNumber for the latter).
func number(raw json.RawMessage, path string) (float64, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || !(t[0] == '-' || t[0] >= '0' && t[0] <= '9') {
		return 0, &ConfigError{Path: path, Reason: "must be a number"}
	}
	if len(t) > maxNumberLen {
		return 0, &ConfigError{Path: path, Reason: fmt.Sprintf("number longer than %d characters", maxNumberLen), Err: ErrInexactNumber}
	}
	f, err := strconv.ParseFloat(string(t), 64)
	if err != nil || !finite(f) {
		return 0, &ConfigError{Path: path, Reason: "must be a number within float64 range"}
	}
	// The text is a valid JSON number (object checked it), so decimal
	// fails only on exponents beyond its range: far from any float64. A
	// non-zero d with an exponent below -450 is smaller than
	// 10^64·10^-450, under the smallest float64; checking it first keeps
	// Equal from scaling by 10^(huge).
	d, err := decimal.NewFromString(string(t))
	if err != nil || d.Sign() != 0 && (d.Exponent() < -450 || !d.Equal(decimal.NewFromFloat(f))) {
		return 0, &ConfigError{Path: path, Reason: "cannot be represented exactly as a float64 (it would become " + fmtNum(f) + ")", Err: ErrInexactNumber}
	}
	return f, nil
}

func numberMap(raw json.RawMessage, path string, into map[string]float64) error {
	m, err := object(raw, path)
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(m) {
		v, err := number(m[k], quoteKey(path, k))
		if err != nil {
			return err
		}
		into[k] = v
	}
	return nil
}

func tier(raw json.RawMessage, path string) (Tier, error) {
	var s string
	if isNull(raw) || json.Unmarshal(raw, &s) != nil {
		return "", &ConfigError{Path: path, Reason: "must be a string"}
	}
	t := Tier(s)
	if !t.Valid() {
		return "", &ConfigError{Path: path, Reason: fmt.Sprintf("unknown tier %q (want vip, loyal, regular, new or risky)", clip(s))}
	}
	return t, nil
}
