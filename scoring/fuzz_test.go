package scoring

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseConfig: any input either fails with a *ConfigError or yields a
// configuration that New accepts (when it names only known signals) and
// that scores without NaN.
func FuzzParseConfig(f *testing.F) {
	files, err := filepath.Glob("testdata/config/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed configs: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"tiers": {"rules": [{"tier": "vip", "when": {"value": {"at_least": 1e308, "below": -1e308}}}]}}`))
	f.Add([]byte(`{"scales": {"order_count": 1e-300}, "reasons": 20, "min_contribution": 0}`))
	f.Add([]byte(`{"value_weights": {"order_count": 1e-400, "total_spent": 10.0000000000000000001}}`))
	f.Add([]byte(`{"value_weights": {"` + strings.Repeat("k", 300) + `": 1}, "risk_weights": {"\u00e9\u00e9\u00e9": 0.5}}`))
	hs := []*History{loyalHistory(), riskyHistory(), {}}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			// Echoed input is clipped: a path holds at most a few keys of
			// 64 bytes (each possibly quoted), whatever the input's size.
			if n := len(err.Error()); n > 1024 {
				t.Fatalf("error text of %d bytes", n)
			}
			return
		}
		s, err := New(cfg, Options{})
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("New: untyped error %T: %v", err, err)
			}
			return
		}
		for _, h := range hs {
			sc, err := s.Score(testNow, h)
			if err != nil {
				t.Fatal(err)
			}
			if math.IsNaN(sc.Value) || math.IsNaN(sc.Risk) || !sc.Tier.Valid() || len(sc.Reasons) > cfg.Reasons {
				t.Fatalf("bad score %+v", sc)
			}
			for _, r := range sc.Reasons {
				if math.IsNaN(r.Contribution) || r.String() == "" {
					t.Fatalf("bad reason %+v", r)
				}
			}
		}
	})
}
