package scoring

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// signalsMarkdown renders SIGNALS.md: every built-in signal with its
// group, unit, direction, scale, neutral point, default weights and
// definition, then the default configuration as JSON. TestSignalsDoc keeps
// the committed file equal to this output (go test -run TestSignalsDoc
// -update rewrites it).
func signalsMarkdown() string {
	var b strings.Builder
	bs := builtins()
	cfg := DefaultConfig()
	b.WriteString("# Built-in signals\n\n")
	b.WriteString("Generated from the registry in `builtin.go` by `go test -run TestSignalsDoc -update ./scoring`; a test\n")
	b.WriteString("fails when this file and the code disagree.\n\n")
	fmt.Fprintf(&b, "%d signals. A signal whose inputs are absent from the `History` is *missing*: it is left out of\n", len(bs))
	b.WriteString("the score entirely (not counted as zero). Strength: `v/(v+scale)` when a scale is set, else the raw\n")
	b.WriteString("0–1 value (stars: `(v−1)/4`, 0–100 scores: `v/100`). *Neutral* is the value at which a signal neither\n")
	b.WriteString("raises nor lowers the score. Weights are the defaults of `DefaultConfig` (`—` = not weighted); the\n")
	b.WriteString("value weight *with a model* applies when the `Scorer` has a fitted model (`ModelValueWeights`).\n")
	b.WriteString("Time windows count whole UTC days back from `now`.\n")
	groups := []struct {
		g     Group
		title string
	}{
		{GroupValue, "Value and relationship"}, {GroupPredicted, "Predicted value (needs a fitted `clv.Model`)"},
		{GroupEngagement, "Engagement"}, {GroupDelivery, "Delivery experience and support"},
		{GroupReturns, "Returns and claims"}, {GroupRisk, "Payment and identity risk"},
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "\n## %s (`%s`)\n\n", g.title, g.g)
		b.WriteString("| signal | unit | direction | scale | neutral | value weight | with a model | risk weight | definition |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
		for _, s := range bs {
			if s.Group != g.g {
				continue
			}
			mw, ok := cfg.ModelValueWeights[s.Name]
			if !ok {
				mw = cfg.ValueWeights[s.Name]
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n", s.Name, s.Unit, s.Direction,
				dash(s.Scale), strconv.FormatFloat(s.Neutral, 'g', -1, 64), dash(cfg.ValueWeights[s.Name]), dash(mw),
				dash(cfg.RiskWeights[s.Name]), strings.ReplaceAll(s.Definition, "|", "\\|"))
		}
	}
	b.WriteString("\n## Default configuration\n\n")
	b.WriteString("`ParseConfig` lays a JSON document over these defaults: weight and scale entries (`value_weights`,\n")
	b.WriteString("`model_value_weights`, `risk_weights`, `scales`) replace single\n")
	b.WriteString("signals' defaults; `tiers`, `reasons` and `min_contribution` replace the defaults as a whole. Tier\n")
	b.WriteString("ranges are `[at_least, below)`; rules for different tiers must not overlap.\n\n```json\n")
	js, _ := json.MarshalIndent(cfg, "", "  ")
	b.Write(js)
	b.WriteString("\n```\n")
	return b.String()
}

func dash(v float64) string {
	if v == 0 {
		return "—"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
