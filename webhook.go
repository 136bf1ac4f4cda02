package postpurchase

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"

	"github.com/postpurchase/postpurchase/carriers"
	"github.com/postpurchase/postpurchase/carriers/fedex"
)

// MaxWebhookBytes caps a carrier push's body.
const MaxWebhookBytes = 1 << 20

// Verifier authenticates a carrier push before it is parsed: it returns
// nil or an error (the handler answers 401). body is the exact bytes
// received.
type Verifier func(r *http.Request, body []byte) error

// FedExSignature verifies FedEx's HMAC-SHA256 signature (header
// fdx-signature) with the webhook project's security token.
func FedExSignature(securityToken string) Verifier {
	return func(r *http.Request, body []byte) error {
		return fedex.VerifyWebhookSignature(body, r.Header.Get(fedex.SignatureHeader), securityToken)
	}
}

// HeaderCredential verifies a shared secret the carrier sends in a
// header, compared in constant time: UPS Track Alert sends back the
// credential given when subscribing (name the header it arrives in).
func HeaderCredential(header, secret string) Verifier {
	return func(r *http.Request, _ []byte) error {
		got := r.Header.Get(header)
		if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			return ErrUnauthorized
		}
		return nil
	}
}

// WebhookHandler returns the http.Handler for one carrier's pushes: it
// accepts POST only, caps the body at MaxWebhookBytes, verifies it with
// verify (required: an unauthenticated push could fake a delivery), parses
// it with the carrier's parser and ingests every tracking in it. Answers:
// 204 when done (also for numbers the Engine does not know: the carrier
// must not retry those), 401 when verification fails, 400 for a body the
// parser refuses, 413 over the cap, 500 when the store fails (the carrier
// retries; ingesting again is idempotent). Response bodies say nothing
// about the cause.
func (e *Engine) WebhookHandler(p carriers.WebhookParser, verify Verifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBytes))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if verify == nil || verify(r, body) != nil {
			e.log.Warn("postpurchase: webhook refused: authentication failed", "carrier", p.Code())
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		trackings, err := p.ParseWebhook(body)
		if err != nil {
			e.log.Warn("postpurchase: webhook refused: malformed", "carrier", p.Code(), "err", err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		now := e.now()
		for i := range trackings {
			t := &trackings[i]
			t.Carrier = p.Code() // a push speaks only for its own carrier
			if err := e.Ingest(r.Context(), now, t); err != nil {
				if errors.Is(err, ErrNotFound) {
					e.log.Info("postpurchase: webhook for an unknown tracking number", "carrier", p.Code())
					continue
				}
				if errors.Is(err, ErrInvalid) {
					e.log.Warn("postpurchase: webhook tracking refused", "carrier", p.Code(), "err", err)
					continue
				}
				e.log.Error("postpurchase: webhook ingest failed", "carrier", p.Code(), "err", err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
