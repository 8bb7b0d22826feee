package bankhub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bankhub-go/bankhub/internal/wire"
)

// Sentinel errors. Every error the client returns for an HTTP answer matches
// one of these with errors.Is, so callers can branch without knowing the
// concrete type.
var (
	// ErrUnauthorized: 401, bad credentials or a token the server rejected
	// even after one refresh.
	ErrUnauthorized = errors.New("bankhub: unauthorized")
	// ErrForbidden: 403, e.g. simulating a transaction outside the sandbox.
	ErrForbidden = errors.New("bankhub: forbidden")
	// ErrNotFound: 404, the resource does not exist or belongs to another merchant.
	ErrNotFound = errors.New("bankhub: not found")
	// ErrValidation: 400, 413 or 422, the server rejected the input.
	ErrValidation = errors.New("bankhub: validation failed")
	// ErrRateLimited: 429, too many requests.
	ErrRateLimited = errors.New("bankhub: rate limited")
	// ErrServer: any 5xx.
	ErrServer = errors.New("bankhub: server error")
	// ErrBlocked: the edge (Cloudflare) answered with an HTML block page
	// instead of passing the request to the API.
	ErrBlocked = errors.New("bankhub: blocked by the edge")
	// ErrInvalidParams: the SDK refused the call before sending anything.
	ErrInvalidParams = errors.New("bankhub: invalid params")
	// ErrEmptyBody: a successful answer had no body where one was expected.
	ErrEmptyBody = errors.New("bankhub: empty response body")
)

// APIError is a non-2xx answer from the API with a JSON body. Whatever error
// envelope the server used ({code,message,errors}, {code,message,status,error}
// or {status,error,messages}), its content ends up here.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the "code" (or "status") number in the body; often equal to
	// StatusCode, 0 when absent.
	Code int
	// Message is the server's message, falling back to "error" and then to
	// the HTTP status text.
	Message string
	// FieldErrors maps a request field to the server's messages about it.
	// Messages not tied to a field are under "".
	FieldErrors map[string][]string
	// Method and Path identify the request (path without query string).
	Method string
	Path   string
	// RetryAfter is the wait the server asked for (Retry-After or
	// x-sepay-userapi-retry-after), zero when none.
	RetryAfter time.Duration
	// RayID is the Cloudflare Ray ID of the answer, when present; quote it
	// to SePay support.
	RayID string
	// Body is the response body, at most 64 KiB, with secrets redacted (the
	// values of fields such as access_token, link_token and secret_key, and
	// any credential the client holds).
	Body []byte
}

// maxErrorText bounds Error() of every error type of the SDK.
const maxErrorText = 1024

// Error returns one line of at most about 1 KiB, control characters
// escaped: "bankhub: POST /v1/company/create: 400 Bad request (full_name: required)".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("bankhub: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(cleanLine(e.Path, 200))
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Message != "" {
		b.WriteByte(' ')
		b.WriteString(cleanLine(e.Message, 200))
	}
	if len(e.FieldErrors) > 0 {
		b.WriteString(" (")
		keys := sortedKeys(e.FieldErrors)
		for i, f := range keys {
			if i == maxFieldsShown || b.Len() > maxErrorText-100 {
				fmt.Fprintf(&b, "; and %d more", len(keys)-i)
				break
			}
			if i > 0 {
				b.WriteString("; ")
			}
			if f != "" {
				b.WriteString(cleanLine(f, 60))
				b.WriteString(": ")
			}
			b.WriteString(cleanLine(strings.Join(e.FieldErrors[f], ", "), 120))
		}
		b.WriteByte(')')
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " [retry after %s]", e.RetryAfter)
	}
	return truncate(b.String(), maxErrorText)
}

// cleanLine makes s safe for one log line: runs of white space become one
// space, other control characters (and Unicode line separators) are
// escaped as \xNN or \uNNNN, and the result is cut to about n bytes.
func cleanLine(s string, n int) string {
	if strings.ContainsAny(s, "\r\n\t\v\f") {
		s = strings.Join(strings.Fields(s), " ")
	}
	if strings.ContainsFunc(s, needsEscape) {
		var b strings.Builder
		for _, r := range s {
			switch {
			case !needsEscape(r):
				b.WriteRune(r)
			case r < 0x100:
				fmt.Fprintf(&b, "\\x%02x", r)
			default:
				fmt.Fprintf(&b, "\\u%04x", r)
			}
			if b.Len() > n {
				break
			}
		}
		s = b.String()
	}
	return truncate(s, n)
}

func needsEscape(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029
}

// Is makes errors.Is(err, ErrNotFound) and the other status sentinels work.
func (e *APIError) Is(target error) bool { return statusSentinel(e.StatusCode) == target }

// NonJSONError is an answer whose body is not JSON: an HTML page from the
// edge, a proxy's 502, a plain-text error. It matches ErrBlocked for a
// Cloudflare block page and the status sentinels otherwise.
type NonJSONError struct {
	StatusCode  int
	ContentType string
	Method      string
	Path        string
	// Excerpt is the start of the body as text (at most 512 bytes), with
	// secrets redacted.
	Excerpt string
	// RayID is the Cloudflare Ray ID (cf-ray header or the page's "Ray ID").
	RayID string
	// Blocked is true when the page is an edge block page.
	Blocked bool
}

// Error returns one line with the status, content type and Ray ID.
func (e *NonJSONError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bankhub: %s %s: %d ", e.Method, e.Path, e.StatusCode)
	if e.Blocked {
		b.WriteString("blocked by the edge")
	} else {
		b.WriteString("non-JSON response")
	}
	if e.ContentType != "" {
		fmt.Fprintf(&b, " (%s)", e.ContentType)
	}
	if e.RayID != "" {
		fmt.Fprintf(&b, " ray=%s", e.RayID)
	}
	if !e.Blocked && e.Excerpt != "" {
		fmt.Fprintf(&b, ": %q", truncate(oneLine(e.Excerpt, 200), 120))
	}
	return b.String()
}

// Is matches ErrBlocked for block pages and the status sentinel otherwise.
func (e *NonJSONError) Is(target error) bool {
	if target == ErrBlocked {
		return e.Blocked
	}
	return statusSentinel(e.StatusCode) == target
}

// DecodeError is a successful (2xx) answer whose body could not be decoded
// into the expected result: empty, truncated, or of the wrong shape.
type DecodeError struct {
	StatusCode int
	Method     string
	Path       string
	// Excerpt is the start of the body (at most 512 bytes), with secrets
	// redacted.
	Excerpt string
	Err     error
}

// Error returns one line naming the request and the decoding problem.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("bankhub: %s %s: %d: cannot decode response: %s", e.Method, cleanLine(e.Path, 200), e.StatusCode, cleanLine(fmt.Sprint(e.Err), 400))
}

// Unwrap returns the decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

// ParamError reports a call refused before anything was sent.
type ParamError struct {
	// Op is the method, e.g. "LinkTokens.Create".
	Op string
	// Field is the parameter at fault, in its wire name (e.g. "company_xid").
	Field string
	// Reason says what is wrong.
	Reason string
}

// Error returns one line naming the method, the field and the reason.
func (e *ParamError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("bankhub: %s: invalid params: %s", e.Op, e.Reason)
	}
	return fmt.Sprintf("bankhub: %s: invalid params: %s: %s", e.Op, e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidParams) true.
func (e *ParamError) Is(target error) bool { return target == ErrInvalidParams }

func paramErr(op, field, reason string) error {
	return &ParamError{Op: op, Field: field, Reason: reason}
}

func statusSentinel(status int) error {
	switch {
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity,
		status == http.StatusRequestEntityTooLarge:
		return ErrValidation
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500 && status <= 599:
		return ErrServer
	}
	return nil
}

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

const (
	maxExcerpt = 512
	// maxRedactedBody bounds what is kept of an error body (APIError.Body)
	// and what redaction reads before an excerpt is cut.
	maxRedactedBody = 64 << 10
	// maxFieldsShown bounds the field errors named in Error(); all of them
	// stay in FieldErrors.
	maxFieldsShown = 8
)

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
