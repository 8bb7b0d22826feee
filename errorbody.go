package bankhub

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/bankhub-go/bankhub/internal/wire"
)

// errorEnvelope is the union of every error body shape the API uses.
type errorEnvelope struct {
	Code     json.RawMessage `json:"code"`
	Status   json.RawMessage `json:"status"`
	Message  json.RawMessage `json:"message"`
	Error    json.RawMessage `json:"error"`
	Errors   json.RawMessage `json:"errors"`
	Messages *struct {
		Error []string `json:"error"`
	} `json:"messages"`
}

// newResponseError turns a non-2xx answer into *APIError or *NonJSONError.
// secrets are redacted from every field, Body included.
func newResponseError(method, path string, resp *http.Response, body []byte, secrets []string) error {
	ct := resp.Header.Get("Content-Type")
	ray := resp.Header.Get("Cf-Ray")
	retryAfter, _ := parseRetryAfter(resp.Header, time.Now())
	trimmed := bytes.TrimPrefix(bytes.TrimSpace(body), utf8BOM)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return newNonJSONError(method, path, resp.StatusCode, ct, ray, body, secrets)
	}
	var env errorEnvelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return newNonJSONError(method, path, resp.StatusCode, ct, ray, body, secrets)
	}
	e := &APIError{
		StatusCode: resp.StatusCode,
		Method:     method,
		Path:       path,
		RetryAfter: retryAfter,
		RayID:      ray,
		Body:       []byte(redact(string(body[:min(len(body), maxRedactedBody)]), secrets)),
	}
	if n, ok := rawInt(env.Code); ok {
		e.Code = n
	} else if n, ok := rawInt(env.Status); ok {
		e.Code = n
	}
	e.Message = rawText(env.Message)
	errText := rawText(env.Error)
	if e.Message == "" || e.Message == "string" {
		e.Message = errText
	} else if errText != "" && errText != e.Message && errText != "string" {
		e.Message += ": " + errText
	}
	if e.Message == "" && env.Messages != nil && len(env.Messages.Error) > 0 {
		e.Message = strings.Join(env.Messages.Error, "; ")
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	e.Message = redact(e.Message, secrets)
	e.FieldErrors = decodeFieldErrors(env.Errors)
	if e.FieldErrors == nil && len(env.Error) > 0 && env.Error[0] == '{' {
		e.FieldErrors = decodeFieldErrors(env.Error)
	}
	for field, msgs := range e.FieldErrors {
		for i := range msgs {
			msgs[i] = redact(msgs[i], secrets)
		}
		if clean := redact(field, secrets); clean != field {
			delete(e.FieldErrors, field)
			e.FieldErrors[clean] = msgs
		}
	}
	return e
}

func newNonJSONError(method, path string, status int, ct, ray string, body []byte, secrets []string) error {
	e := &NonJSONError{
		StatusCode:  status,
		ContentType: ct,
		Method:      method,
		Path:        path,
		Excerpt:     excerpt(body, secrets),
		RayID:       ray,
	}
	head := string(body[:min(len(body), 64<<10)])
	lower := asciiLower(head)
	if e.RayID == "" {
		e.RayID = findRayID(lower, head)
	}
	e.Blocked = strings.Contains(lower, "attention required") ||
		strings.Contains(lower, "you have been blocked") ||
		strings.Contains(lower, "cf-error-details") ||
		(strings.Contains(lower, "cloudflare") && (status == http.StatusForbidden || strings.Contains(lower, "blocked")))
	return e
}

// asciiLower lower-cases ASCII letters only, so that byte offsets in the
// result are valid in s (strings.ToLower may change the length).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// findRayID extracts "Ray ID: <id>" from a Cloudflare page; lower is
// asciiLower(orig).
func findRayID(lower, orig string) string {
	i := strings.Index(lower, "ray id")
	if i < 0 {
		return ""
	}
	rest := orig[i+len("ray id"):]
	// Skip ':' and markup such as "</span> <strong>" before the id.
	for len(rest) > 0 {
		c := rest[0]
		switch {
		case c == '<':
			j := strings.IndexByte(rest, '>')
			if j < 0 {
				return ""
			}
			rest = rest[j+1:]
		case c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
			rest = rest[1:]
		default:
			j := 0
			for j < len(rest) && j < 40 && isRayChar(rest[j]) {
				j++
			}
			return rest[:j]
		}
	}
	return ""
}

func isRayChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-'
}

// decodeFieldErrors accepts {"f": "msg"}, {"f": ["m1","m2"]}, ["msg", ...]
// and a bare string.
func decodeFieldErrors(raw json.RawMessage) map[string][]string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, wire.Null) {
		return nil
	}
	switch raw[0] {
	case '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
			return nil
		}
		out := make(map[string][]string, len(m))
		for k, v := range m {
			if msgs := rawTexts(v); len(msgs) > 0 {
				out[k] = msgs
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case '[', '"':
		if msgs := rawTexts(raw); len(msgs) > 0 {
			return map[string][]string{"": msgs}
		}
	}
	return nil
}

func rawTexts(v json.RawMessage) []string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil
	}
	if v[0] == '[' {
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil {
			return nil
		}
		var out []string
		for _, it := range items {
			if s := rawText(it); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	if s := rawText(v); s != "" {
		return []string{s}
	}
	return nil
}

// rawText renders a JSON scalar as text; objects and arrays become their
// compact JSON.
func rawText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || bytes.Equal(v, wire.Null) {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	if v[0] == '{' || v[0] == '[' {
		var buf bytes.Buffer
		if json.Compact(&buf, v) == nil {
			return buf.String()
		}
	}
	return string(v)
}

func rawInt(v json.RawMessage) (int, bool) {
	var n wire.Int
	if len(v) == 0 || n.UnmarshalJSON(v) != nil {
		return 0, false
	}
	return int(n), true
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// oneLine is cleanLine: an error stays one line.
func oneLine(s string, n int) string { return cleanLine(s, n) }
