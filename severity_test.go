package postpurchase

import (
	"testing"

	"github.com/postpurchase/postpurchase/tracking"
)

// TestEverySeverity: every delay kind tracking emits has a rank in the
// Engine's escalation order (a kind without one would never escalate an
// incident).
func TestEverySeverity(t *testing.T) {
	for _, k := range tracking.DelayKinds() {
		if severityOf(k.String()) == 0 {
			t.Errorf("delay kind %s has no severity", k)
		}
	}
}
