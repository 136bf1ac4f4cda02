package scoring

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/postpurchase/postpurchase/scoring/clv"
)

// registry is the ordered set of signals a Scorer computes: built-ins
// first, then the host's.
type registry struct {
	sigs     []Signal // nBuiltin built-ins (computed by agg.values), then custom
	describe []func(v float64, vs Values) string
	index    map[string]int
}

var signalName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

func newRegistry(custom []Signal) (*registry, error) {
	bs := builtins()
	r := &registry{index: make(map[string]int, len(bs)+len(custom))}
	for _, b := range bs {
		r.index[b.Name] = len(r.sigs)
		r.sigs = append(r.sigs, b.Signal)
		r.describe = append(r.describe, b.describe)
	}
	for _, s := range custom {
		switch {
		case !signalName.MatchString(s.Name):
			return nil, &SignalError{Signal: s.Name, Reason: "name must be lower_snake_case, 1–64 characters"}
		case s.Name == "value" || s.Name == "risk":
			return nil, &SignalError{Signal: s.Name, Reason: "name is reserved for the scores"}
		case s.Compute == nil:
			return nil, &SignalError{Signal: s.Name, Reason: "Compute is nil"}
		case !s.Group.valid():
			return nil, &SignalError{Signal: s.Name, Reason: "unknown group " + strconv.Quote(clip(string(s.Group)))}
		case !s.Unit.valid():
			return nil, &SignalError{Signal: s.Name, Reason: "unknown unit " + strconv.Quote(clip(string(s.Unit)))}
		case !s.Direction.valid():
			return nil, &SignalError{Signal: s.Name, Reason: "unknown direction " + strconv.Quote(clip(string(s.Direction)))}
		case !(s.Scale >= 0 && s.Scale < 1e15):
			return nil, &SignalError{Signal: s.Name, Reason: "scale must be a finite number >= 0"}
		}
		if _, dup := r.index[s.Name]; dup {
			return nil, &SignalError{Signal: s.Name, Reason: "already registered"}
		}
		r.index[s.Name] = len(r.sigs)
		r.sigs = append(r.sigs, s)
		desc := s.Describe
		name := s.Name
		r.describe = append(r.describe, func(v float64, vs Values) string {
			if desc != nil {
				return desc(v)
			}
			return name + ": " + strconv.FormatFloat(v, 'g', 4, 64)
		})
	}
	return r, nil
}

// Signals returns the built-in signals in documentation order. Their
// Compute evaluates one signal on its own (aggregating the whole History
// for it; predicted signals are missing there because no model is
// attached); a Scorer computes all of them in one pass.
func Signals() []Signal {
	bs := builtins()
	out := make([]Signal, len(bs))
	for i, b := range bs {
		s := b.Signal
		idx := b.idx
		s.Compute = func(now time.Time, h *History) (float64, bool) {
			var a agg
			var sc scratch
			if h == nil || a.aggregate(h, now.UTC(), nil, &sc) != nil {
				return 0, false
			}
			var vals [nBuiltin]float64
			a.values(h, &vals)
			v := vals[idx]
			return v, !math.IsNaN(v)
		}
		out[i] = s
	}
	return out
}

// Options are the optional parts of a Scorer. The zero value is the
// default: the built-in signals only, and no model (the predicted-value
// signals are then missing).
type Options struct {
	// Model is a fitted purchase/spend model (see package clv and
	// FitModel); the predicted-value signals are missing without one. Its
	// Unit converts order dates; its Currency, when set, must match a
	// history's for the money predictions to be used. New validates it and
	// keeps a copy, so the host may reuse its value.
	Model *clv.Model
	// Signals are host-defined signals, computed after the built-ins. Their
	// names may then appear in the Config's weights, scales and tier rules.
	Signals []Signal
}

// Scorer computes signals and scores. It is immutable after New and safe
// for concurrent use.
type Scorer struct {
	reg        *registry
	cfg        Config
	used       []weighted // signals with a non-zero weight, in registry order
	rules      []rule
	def        Tier
	nReasons   int
	minContrib float64
	model      *clv.Model
	// work recycles the per-call aggregate and scratch memory (*work),
	// about 2.5 KB that would otherwise be zeroed on every call.
	work sync.Pool
}

// weighted is a signal with a non-zero value or risk weight, with all
// Score needs to know about it in one place.
type weighted struct {
	idx     int     // index in the registry
	vw, rw  float64 // value and risk weight
	scale   float64
	neutral float64 // strength at the signal's Neutral value
	kind    uint8   // normalisation kind, see strengthOf
	good    bool    // Direction is MoreValue or LessRisk
}

// work is the per-call memory of Score, recycled through Scorer.work.
type work struct {
	agg
	scratch
	vc, e []float64 // effects of the used signals, for the reasons pass
}

type rule struct {
	tier  Tier
	conds []cond
}

type cond struct {
	dim    int // ≥ 0 signal index; dimValue, dimRisk
	lo, hi float64
}

const (
	dimValue = -1
	dimRisk  = -2
)

// New validates cfg and opts once and returns a Scorer. Errors:
// *ConfigError (ErrInvalidConfig) with the JSON path of the problem
// (also, with a model, a changed ValueWeights entry that a default
// ModelValueWeights entry would replace: see Config.ValueWeights),
// *SignalError (ErrInvalidSignal) for a bad custom signal, or the model's
// validation error.
func New(cfg Config, opts Options) (*Scorer, error) {
	reg, err := newRegistry(opts.Signals)
	if err != nil {
		return nil, err
	}
	var model *clv.Model
	if opts.Model != nil {
		if err := opts.Model.Validate(); err != nil {
			return nil, err
		}
		m := *opts.Model // the host may reuse its value
		model = &m
	}
	cfg = cfg.clone()
	if err := cfg.check(func(n string) bool { _, ok := reg.index[n]; return ok }); err != nil {
		return nil, err
	}
	if model != nil {
		if err := cfg.checkShadowed(); err != nil {
			return nil, err
		}
	}
	s := &Scorer{
		reg: reg, cfg: cfg,
		def: cfg.Tiers.Default, nReasons: cfg.Reasons, minContrib: cfg.MinContribution, model: model,
	}
	for i, sig := range reg.sigs {
		u := weighted{idx: i, vw: cfg.ValueWeights[sig.Name], rw: cfg.RiskWeights[sig.Name], scale: sig.Scale, good: sig.Direction.good()}
		if w, ok := cfg.ModelValueWeights[sig.Name]; ok && model != nil {
			u.vw = w
		}
		if v, ok := cfg.Scales[sig.Name]; ok {
			u.scale = v
		}
		u.neutral = strength(sig.Unit, u.scale, sig.Neutral)
		u.kind = kindOf(sig.Unit, u.scale)
		if u.vw > 0 || u.rw > 0 {
			s.used = append(s.used, u)
		}
	}
	for _, r := range cfg.Tiers.Rules {
		cr := rule{tier: r.Tier}
		for _, k := range sortedKeys(r.When) {
			lo, hi := r.When[k].bounds()
			d := dimValue
			switch k {
			case "value":
			case "risk":
				d = dimRisk
			default:
				d = reg.index[k]
			}
			cr.conds = append(cr.conds, cond{dim: d, lo: lo, hi: hi})
		}
		s.rules = append(s.rules, cr)
	}
	return s, nil
}

// Config returns a copy of the validated configuration.
func (s *Scorer) Config() Config { return s.cfg.clone() }

// Signals returns the descriptions of all signals the Scorer computes,
// built-in then custom, in the order of Score.Signals.
func (s *Scorer) Signals() []Signal {
	out := make([]Signal, len(s.reg.sigs))
	copy(out, s.reg.sigs)
	return out
}

// Effect says which score a Reason moved.
type Effect string

// Effects.
const (
	EffectValue Effect = "value"
	EffectRisk  Effect = "risk"
)

// Score is the outcome for one customer.
type Score struct {
	// Value is 0–100: 50 is neutral, higher means a more valuable
	// relationship.
	Value float64
	// Risk is 0–100: the chance-like strength of abuse or fraud evidence.
	Risk float64
	// Tier is the segment the tier rules assign.
	Tier Tier
	// Reasons are the signals that moved Value or Risk most, largest
	// |Contribution| first.
	Reasons []Reason
	// Signals are all computed signal values (missing ones absent).
	Signals Values
}

// Reason is one signal's effect on a Score.
type Reason struct {
	Signal string
	Group  Group
	Effect Effect
	// Value is the signal's value.
	Value float64
	// Contribution is the points this signal added to (or, negative,
	// took from) Value or Risk.
	Contribution float64

	describe func(v float64, vs Values) string
	vs       Values
}

// String renders the reason in words a support lead reads, for example
// "7 orders in 14 months" or "2 item-not-received claims in 60 days".
func (r Reason) String() string {
	if r.describe == nil {
		return r.Signal + ": " + strconv.FormatFloat(r.Value, 'g', 4, 64)
	}
	return r.describe(r.Value, r.vs)
}

// MarshalJSON encodes the reason with its text.
func (r Reason) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Signal       string  `json:"signal"`
		Group        Group   `json:"group"`
		Effect       Effect  `json:"effect"`
		Value        float64 `json:"value"`
		Contribution float64 `json:"contribution"`
		Text         string  `json:"text"`
	}{r.Signal, r.Group, r.Effect, r.Value, math.Round(r.Contribution*100) / 100, r.String()})
}

// MarshalJSON encodes the score as {"value", "risk", "tier", "reasons", "signals"}.
func (sc Score) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Value   float64  `json:"value"`
		Risk    float64  `json:"risk"`
		Tier    Tier     `json:"tier"`
		Reasons []Reason `json:"reasons"`
		Signals Values   `json:"signals"`
	}{math.Round(sc.Value*100) / 100, math.Round(sc.Risk*100) / 100, sc.Tier, sc.Reasons, sc.Signals})
}

type candidate struct {
	idx     int
	effect  Effect
	contrib float64
}

// Score computes all signals of h as of now and scores them; a nil h is
// an empty History. It is
// deterministic (no clock or randomness) and, for histories of up to 64
// orders, shipments and returns, allocates only the signal vector and the
// reasons. Errors: *HistoryError (ErrInvalidHistory) for invalid input,
// *SignalError (ErrInvalidSignal) when a custom signal returns a
// non-finite value. A Score never holds NaN.
func (s *Scorer) Score(now time.Time, h *History) (Score, error) {
	if h == nil {
		h = &History{}
	}
	now = now.UTC()
	w, _ := s.work.Get().(*work)
	if w == nil {
		w = new(work)
	}
	defer s.work.Put(w)
	a := &w.agg
	if err := a.aggregate(h, now, s.model, &w.scratch); err != nil {
		return Score{}, err
	}
	vals := make([]float64, len(s.reg.sigs))
	a.values(h, (*[nBuiltin]float64)(vals))
	for i := nBuiltin; i < len(vals); i++ {
		v, ok := s.reg.sigs[i].Compute(now, h)
		switch {
		case !ok:
			vals[i] = math.NaN()
		case math.IsNaN(v) || math.IsInf(v, 0):
			return Score{}, &SignalError{Signal: s.reg.sigs[i].Name, Reason: "returned a non-finite value"}
		default:
			vals[i] = v
		}
	}
	vs := Values{reg: s.reg, v: vals, currency: a.currency}

	// Value: 50 ± 50 × weighted mean of oriented strengths relative to
	// each signal's neutral point. Risk: noisy-OR of bad evidence above
	// neutral, damped by good evidence above neutral.
	var wsum, acc float64
	prodBad, prodGood := 1.0, 1.0
	// Effects are kept for the reasons pass.
	if cap(w.vc) < len(s.used) {
		w.vc, w.e = make([]float64, len(s.used)), make([]float64, len(s.used))
	}
	vcBuf, eBuf := w.vc[:len(s.used)], w.e[:len(s.used)]
	for k := range s.used {
		u := &s.used[k]
		v := vals[u.idx]
		if math.IsNaN(v) {
			continue
		}
		// The effect of the signal: oriented value effect vc in [−1, 1]
		// (strength minus neutral strength, sign by direction) and risk
		// evidence e in [0, 0.999] (risk weight × strength above neutral,
		// rescaled to [0, 1]), damping risk if u.good, adding otherwise.
		var st float64
		if u.kind == kindSaturate { // strengthOf's first case, inlined
			if v > 0 {
				st = v / (v + u.scale)
			}
		} else {
			st = strengthOf(u.kind, u.scale, v)
		}
		ns := u.neutral
		vc := st - ns
		if !u.good {
			vc = -vc
		}
		var e float64
		if rw := u.rw; rw > 0 && st > ns && ns < 1 {
			e = rw * (st - ns) / (1 - ns)
			if e > 0.999 {
				e = 0.999
			}
		}
		vcBuf[k], eBuf[k] = vc, e
		if w := u.vw; w > 0 {
			wsum += w
			acc += w * vc
		}
		if e > 0 {
			if u.good {
				prodGood *= 1 - e
			} else {
				prodBad *= 1 - e
			}
		}
	}
	value := 50.0
	if wsum > 0 {
		value = 50 + 50*acc/wsum
	}
	rawRisk := 1 - prodBad
	risk := 100 * rawRisk * prodGood
	var logBad, logGood float64
	if prodBad < 1 {
		logBad = -math.Log(prodBad)
	}
	if prodGood < 1 {
		logGood = -math.Log(prodGood)
	}
	value = clamp100(value)
	risk = clamp100(risk)

	sc := Score{Value: value, Risk: risk, Signals: vs}
	sc.Tier = s.tier(value, risk, vals)

	// Reasons: top contributions by magnitude.
	if s.nReasons > 0 {
		var top [MaxReasons]candidate
		n := 0
		push := func(c candidate) {
			if math.Abs(c.contrib) < s.minContrib || c.contrib == 0 {
				return
			}
			if n == s.nReasons && math.Abs(c.contrib) <= math.Abs(top[n-1].contrib) {
				return
			}
			j := n
			if n < s.nReasons {
				n++
			} else {
				j = n - 1
			}
			for j > 0 && math.Abs(top[j-1].contrib) < math.Abs(c.contrib) {
				top[j] = top[j-1]
				j--
			}
			top[j] = c
		}
		for k := range s.used {
			u := &s.used[k]
			i := u.idx
			v := vals[i]
			if math.IsNaN(v) {
				continue
			}
			vc, e := vcBuf[k], eBuf[k]
			if w := u.vw; w > 0 {
				push(candidate{i, EffectValue, 50 * w * vc / wsum})
			}
			if e > 0 {
				// The contribution is k·l with l = −ln(1−e) < e/(1−e):
				// skip the logarithm when even that bound (widened far
				// beyond rounding) could not make a reason. push would
				// refuse the candidate anyway, so results do not change.
				k := 100 * rawRisk * prodGood / logBad
				if u.good {
					k = 100 * rawRisk * (1 - prodGood) / logGood
				}
				if bound := k * e / (1 - e) * (1 + 1e-9); bound < s.minContrib || n == s.nReasons && bound <= math.Abs(top[n-1].contrib) {
					continue
				}
				l := -math.Log(1 - e)
				if u.good {
					push(candidate{i, EffectRisk, -100 * rawRisk * (1 - prodGood) * l / logGood})
				} else {
					push(candidate{i, EffectRisk, 100 * rawRisk * prodGood * l / logBad})
				}
			}
		}
		if n > 0 {
			sc.Reasons = make([]Reason, n)
			for k := 0; k < n; k++ {
				c := top[k]
				sig := &s.reg.sigs[c.idx]
				sc.Reasons[k] = Reason{
					Signal: sig.Name, Group: sig.Group, Effect: c.effect, Value: vals[c.idx],
					Contribution: c.contrib, describe: s.reg.describe[c.idx], vs: vs,
				}
			}
		}
	}
	return sc, nil
}

func clamp100(v float64) float64 {
	if !(v >= 0) {
		return 0
	}
	return min(100, v)
}

// tier returns the tier of the only matching rule, or the default.
func (s *Scorer) tier(value, risk float64, vals []float64) Tier {
	for _, r := range s.rules {
		ok := true
		for _, c := range r.conds {
			var v float64
			switch c.dim {
			case dimValue:
				v = value
			case dimRisk:
				v = risk
			default:
				v = vals[c.dim]
			}
			if !(v >= c.lo && v < c.hi) { // NaN (missing) fails
				ok = false
				break
			}
		}
		if ok {
			return r.tier
		}
	}
	return s.def
}
