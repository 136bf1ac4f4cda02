package hub

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"testing"
	"time"
)

func TestTokenPurposeAndExpiry(t *testing.T) {
	s := signer{keys: [][]byte{bytes.Repeat([]byte{7}, 32)}}
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	link := s.sign(purposeLink, "#1001", now.Add(time.Hour))
	if id, err := s.verify(purposeLink, link, now); err != nil || id != "#1001" {
		t.Fatalf("verify: %q %v", id, err)
	}
	// A link is not a session, nor the other way round.
	if _, err := s.verify(purposeSession, link, now); err == nil {
		t.Error("a link token verified as a session")
	}
	if _, err := s.verify(purposeLink, s.sign(purposeSession, "#1001", now.Add(time.Hour)), now); err == nil {
		t.Error("a session token verified as a link")
	}
	// Expiry is exclusive.
	if _, err := s.verify(purposeLink, link, now.Add(time.Hour)); err == nil {
		t.Error("expired token verified")
	}
	// An old key still verifies after rotation; a dropped one does not.
	r := signer{keys: [][]byte{bytes.Repeat([]byte{8}, 32), s.keys[0]}}
	if _, err := r.verify(purposeLink, link, now); err != nil {
		t.Error("rotation: old key refused")
	}
	if _, err := s.verify(purposeLink, r.sign(purposeLink, "#1001", now.Add(time.Hour)), now); err == nil {
		t.Error("a token of an unknown key verified")
	}
}

// FuzzVerify: any string is refused without panicking unless it is a
// token the signer made; tokens round-trip any order ID.
func FuzzVerify(f *testing.F) {
	s := signer{keys: [][]byte{bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{9}, 32)}}
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	f.Add("AUwAAAAAa7FPwCMxMDAxWebubBajIhhYNSiYbN7eQ7C2rxDunvh9PIWwBuLf_tU", "#1001")
	f.Add(s.sign(purposeLink, "#1001", now.Add(time.Hour)), "#1001")
	f.Fuzz(func(t *testing.T, token, orderID string) {
		if id, err := s.verify(purposeLink, token, now); err == nil {
			// Only tokens one of the keys made verify: signing the same
			// order and expiry again gives the same bytes.
			raw, _ := base64.RawURLEncoding.DecodeString(token)
			exp := time.Unix(int64(binary.BigEndian.Uint64(raw[2:tokenHeader])), 0)
			if (&signer{keys: s.keys[:1]}).sign(purposeLink, id, exp) != token && (&signer{keys: s.keys[1:]}).sign(purposeLink, id, exp) != token {
				t.Fatalf("verified a token no key made: %q", token)
			}
		}
		if len(orderID) == 0 || len(orderID) > MaxOrderIDLen {
			return
		}
		tok := s.sign(purposeLink, orderID, now.Add(time.Minute))
		if id, err := s.verify(purposeLink, tok, now); err != nil || id != orderID {
			t.Fatalf("round trip of %q: %q %v", orderID, id, err)
		}
		if len(tok) > maxTokenLen {
			t.Fatalf("token of %d bytes longer than the bound %d", len(tok), maxTokenLen)
		}
	})
}

func TestLimiterStaysBounded(t *testing.T) {
	l := newLimiter(1, 2)
	now := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	var got []bool
	for range 3 {
		got = append(got, l.allow("a", now))
	}
	if !got[0] || !got[1] || got[2] {
		t.Fatalf("burst of 2: %v", got)
	}
	for i := range 3 * maxClients {
		l.allow(strconv.Itoa(i), now)
	}
	if n := len(l.clients); n > maxClients {
		t.Fatalf("%d clients kept, bound %d", n, maxClients)
	}
	// Clients whose bucket has refilled are dropped first, losing nothing.
	later := now.Add(time.Minute)
	l.allow("fresh", later)
	if _, ok := l.clients["fresh"]; !ok {
		t.Fatal("new client not kept")
	}
}
