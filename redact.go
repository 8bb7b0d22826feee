package bankhub

import (
	"regexp"
	"strings"
)

// redacted stands in for a secret in every error text, excerpt and body the
// SDK keeps.
const redacted = "[redacted]"

var (
	// secretField matches the value of a field that carries a secret, in
	// JSON ("access_token": "…", truncated or not) or as text
	// (access_token=…), whatever the rest of the body looks like. Ids such as
	// link_token_xid do not match: the name must end at a word boundary.
	secretField = regexp.MustCompile(`(?i)\b(access_?token|link_?token|secret_?key|client_?secret|api_?key|secret|token|password|passwd)\b("?\s*[:=]\s*)("(?:[^"\\]|\\.)*"?|[^\s,;&}\]"]+)`)
	// authCredential matches the credential after an Authorization scheme.
	authCredential = regexp.MustCompile(`(?i)\b(basic|bearer|apikey)(\s+)[A-Za-z0-9+/=._~:-]{4,}`)
)

// minSecretLen is the shortest known secret replaced by value: shorter ones
// would blot out ordinary words.
const minSecretLen = 6

// redact removes secrets from s: every value in known, the values of the
// fields that carry secrets, and Authorization credentials.
func redact(s string, known []string) string {
	for _, k := range known {
		if len(k) >= minSecretLen && strings.Contains(s, k) {
			s = strings.ReplaceAll(s, k, redacted)
		}
	}
	s = secretField.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretField.FindStringSubmatch(m)
		if strings.HasPrefix(sub[3], `"`) {
			return sub[1] + sub[2] + `"` + redacted + `"`
		}
		return sub[1] + sub[2] + redacted
	})
	return authCredential.ReplaceAllString(s, "${1}${2}"+redacted)
}

// knownSecrets lists the secrets the client holds, plus extra (a call's own,
// such as the webhook secret being set), for redaction.
func (c *Client) knownSecrets(auth *authHeader, extra []string) []string {
	out := append([]string(nil), extra...)
	if c.basicAuth != nil {
		out = append(out, c.basicAuth.secret, c.basicAuth.encoded)
	}
	if auth != nil {
		out = append(out, auth.token)
	}
	if a := c.lastAuth.Load(); a != nil {
		out = append(out, a.token)
	}
	return out
}

// excerpt is the start of b as text, secrets redacted before it is cut (so
// that a cut cannot leave half a secret behind).
func excerpt(b []byte, secrets []string) string {
	s := redact(strings.ToValidUTF8(string(b[:min(len(b), maxRedactedBody)]), ""), secrets)
	n := min(len(s), maxExcerpt)
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 { // cut at a rune boundary
		n--
	}
	return s[:n]
}
