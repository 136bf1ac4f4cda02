package fedex

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/postpurchase/postpurchase/carriers"
)

// SignatureHeader is the HTTP header in which FedEx sends the signature of a
// Shipment Visibility (Advanced Integrated Visibility) webhook payload.
const SignatureHeader = "fdx-signature"

// ErrBadSignature is returned by VerifyWebhookSignature for a payload whose
// signature does not match.
var ErrBadSignature = errors.New("fedex: webhook signature does not match")

// VerifyWebhookSignature checks a webhook payload against the value of its
// fdx-signature header. FedEx signs each push with HMAC-SHA256 keyed by the
// security token given when the webhook project was set up, and sends the
// Base64 of the MAC (FedEx Developer Portal, "Advanced Integrated Visibility
// Validation Process"). Verify the raw body before parsing it: the MAC is
// over the exact bytes. It returns nil or ErrBadSignature; the comparison
// takes constant time.
func VerifyWebhookSignature(body []byte, signature, securityToken string) error {
	if securityToken == "" || signature == "" {
		return ErrBadSignature
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return ErrBadSignature
	}
	if !hmac.Equal(got, mac(body, securityToken)) {
		return ErrBadSignature
	}
	return nil
}

// SignWebhook returns the fdx-signature FedEx would send for body under
// securityToken, for tests of webhook handlers.
func SignWebhook(body []byte, securityToken string) string {
	return base64.StdEncoding.EncodeToString(mac(body, securityToken))
}

func mac(body []byte, key string) []byte {
	h := hmac.New(sha256.New, []byte(key))
	h.Write(body)
	return h.Sum(nil)
}

// ParseWebhook reads a FedEx Shipment Visibility webhook payload: FedEx's
// TestWebhookOutputVO schema, {transactionId, outputMetaData[], output:
// {completeTrackResults[]}}, whose completeTrackResults have the Track API's
// shape, so each holds the shipment's current state and scans. It returns
// one Tracking per shipment. Malformed payloads return a *carriers.Error
// (Op "webhook") matching carriers.ErrMalformedResponse; it never panics.
// Authenticate the request first with VerifyWebhookSignature.
func ParseWebhook(body []byte) ([]carriers.Tracking, error) {
	results, err := parseBody(body, "webhook")
	if err != nil {
		return nil, err
	}
	return trackingsOf(results)
}

// ParseWebhook calls the package-level ParseWebhook; it makes Carrier a
// carriers.WebhookParser.
func (c *Carrier) ParseWebhook(body []byte) ([]carriers.Tracking, error) {
	return ParseWebhook(body)
}

// UniqueID returns FedEx's trackingNumberUniqueId of a Tracking this package
// produced (read from its Raw JSON), or "" if there is none. Pass it to
// Track to follow one particular shipment of a reused number.
func UniqueID(t *carriers.Tracking) string {
	if t == nil || len(t.Raw) == 0 {
		return ""
	}
	var r struct {
		Info trackingNumberInfo `json:"trackingNumberInfo"`
	}
	if json.Unmarshal(t.Raw, &r) != nil {
		return ""
	}
	return r.Info.TrackingNumberUniqueID.Trim()
}
