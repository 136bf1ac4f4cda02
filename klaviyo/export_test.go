package klaviyo

// Test-only access to the encoders (package klaviyo_test).

// EncodeEvent is encodeEvent, for tests and benchmarks.
func (c *Client) EncodeEvent(dst []byte, e Event) ([]byte, error) { return c.encodeEvent(dst, e) }

// EncodeProfile is encodeProfile, for tests.
var EncodeProfile = encodeProfile
