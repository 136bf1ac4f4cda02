package hub

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// Token layout, before base64url (no padding):
//
//	version (1 byte) | purpose (1 byte) | expiry (8 bytes, Unix seconds, big endian) | order ID | HMAC-SHA256 (32 bytes)
//
// The MAC covers a domain-separation label and everything before it, so a
// link token cannot be replayed as a session cookie or the other way round.
const (
	// MaxOrderIDLen bounds the order IDs the hub signs and accepts.
	MaxOrderIDLen = 200
	// MinKeyLen is the shortest signing key New accepts.
	MinKeyLen = 32
)

const (
	tokenVersion   = 1
	purposeLink    = 'L'
	purposeSession = 'S'
	tokenHeader    = 1 + 1 + 8
	macLen         = sha256.Size
	// maxTokenLen bounds the encoded tokens the hub decodes.
	maxTokenLen = (tokenHeader + MaxOrderIDLen + macLen + 2) / 3 * 4
)

var macLabel = []byte("postpurchase/hub/v1\x00")

var strictB64 = base64.RawURLEncoding.Strict()

var errBadToken = errors.New("hub: invalid token")

// signer signs with keys[0] and verifies with any of keys.
type signer struct {
	keys [][]byte
}

func (s *signer) sign(purpose byte, orderID string, expires time.Time) string {
	buf := make([]byte, 0, tokenHeader+len(orderID)+macLen)
	buf = append(buf, tokenVersion, purpose)
	buf = binary.BigEndian.AppendUint64(buf, uint64(expires.Unix()))
	buf = append(buf, orderID...)
	buf = appendMAC(buf, s.keys[0], buf)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func appendMAC(dst, key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(macLabel)
	m.Write(msg)
	return m.Sum(dst)
}

// verify returns the order ID a token names if its MAC verifies under one
// of the keys, its purpose matches and it has not expired at now. Every
// failure is the same error: callers must not tell them apart.
func (s *signer) verify(purpose byte, token string, now time.Time) (string, error) {
	if len(token) == 0 || len(token) > maxTokenLen {
		return "", errBadToken
	}
	// Only the URL alphabet: the decoder would skip line breaks, and a
	// token has one spelling.
	for i := 0; i < len(token); i++ {
		if c := token[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return "", errBadToken
		}
	}
	raw, err := strictB64.DecodeString(token)
	if err != nil || len(raw) < tokenHeader+1+macLen {
		return "", errBadToken
	}
	msg, mac := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	var want [macLen]byte
	ok := false
	for _, k := range s.keys {
		// Check every key (no early exit), so timing says nothing about
		// which key signed.
		if hmac.Equal(appendMAC(want[:0], k, msg), mac) {
			ok = true
		}
	}
	if !ok || msg[0] != tokenVersion || msg[1] != purpose {
		return "", errBadToken
	}
	exp := int64(binary.BigEndian.Uint64(msg[2:tokenHeader]))
	if exp < 0 || now.Unix() >= exp {
		return "", errBadToken
	}
	return string(msg[tokenHeader:]), nil
}
