package bankhub

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
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

const (
	maxExcerpt = 512
	// maxRedactedBody bounds what is kept of an error body (APIError.Body)
	// and what redaction reads before an excerpt is cut.
	maxRedactedBody = 64 << 10
	// maxFieldsShown bounds the field errors named in Error(); all of them
	// stay in FieldErrors.
	maxFieldsShown = 8
)
