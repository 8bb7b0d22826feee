package bankhubtest

// Authentication: the token exchange and the bearer check.

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// authenticate checks the bearer token; it answers 401 and returns false
// when the token is missing, unknown or expired.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		s.mu.Lock()
		exp, known := s.tokens[tok]
		valid := known && s.now().Before(exp)
		if known && !valid {
			delete(s.tokens, tok)
		}
		s.mu.Unlock()
		if valid {
			return true
		}
	}
	writeJSON(w, http.StatusUnauthorized, codeMessage{401, "Unauthenticated"})
	return false
}

// handleToken is POST /v1/token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	var id, secret string
	if ok && strings.EqualFold(scheme, "Basic") {
		if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
			id, secret, _ = strings.Cut(string(raw), ":")
		}
	}
	if id == "" || id != s.ClientID || secret != s.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, codeMessage{401, "Unauthenticated"})
		return
	}
	b := make([]byte, 20)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = s.now().Add(s.ttl)
	s.mu.Unlock()
	ttl := int(s.ttl / time.Second)
	if ttl < 1 {
		ttl = 1
	}
	writeJSON(w, http.StatusCreated, tokenBody{201, tok, ttl})
}
