package bankhub

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// getWith serves body with status and content type on link-token get and
// returns the call's error.
func getWith(t *testing.T, status int, contentType, body string, hdr map[string]string) error {
	t.Helper()
	api := setup(t, WithRetryPolicy(NoRetry))
	api.handle("POST /v1/link-token/get", func(w http.ResponseWriter, r *http.Request) {
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	})
	_, err := api.client.LinkTokens.Get(context.Background(), "tok")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "\n", "errors are one line")
	return err
}

func TestErrorEnvelopes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		status   int
		body     string
		sentinel error
		want     APIError
		text     string
	}{
		{
			name: "global envelope with field errors", status: 400, body: fixture(t, "error.400.json"), sentinel: ErrValidation,
			want: APIError{StatusCode: 400, Code: 400, Message: "Bad request", FieldErrors: map[string][]string{
				"full_name": {"Tên công ty là bắt buộc"},
				"status":    {"Trạng thái không hợp lệ", "Status must be Active or Pending"},
			}},
			text: "bankhub: POST /v1/link-token/get: 400 Bad request (full_name: Tên công ty là bắt buộc; status: Trạng thái không hợp lệ, Status must be Active or Pending)",
		},
		{
			name: "docs field error example", status: 400, body: fixture(t, "docs/error.400.validation.vi.json"), sentinel: ErrValidation,
			want: APIError{StatusCode: 400, Code: 400, Message: "Bad request", FieldErrors: map[string][]string{"field_name": {"Thông báo lỗi chi tiết"}}},
			text: "bankhub: POST /v1/link-token/get: 400 Bad request (field_name: Thông báo lỗi chi tiết)",
		},
		{
			name: "401", status: 401, body: fixture(t, "error.401.json"), sentinel: ErrUnauthorized,
			want: APIError{StatusCode: 401, Code: 401, Message: "Unauthenticated"},
			text: "bankhub: POST /v1/link-token/get: 401 Unauthenticated",
		},
		{
			name: "404 global", status: 404, body: fixture(t, "error.404.json"), sentinel: ErrNotFound,
			want: APIError{StatusCode: 404, Code: 404, Message: "Resource not found"},
		},
		{
			name: "code/message/status/error shape", status: 404, body: fixture(t, "error.404.status-error.json"), sentinel: ErrNotFound,
			want: APIError{StatusCode: 404, Code: 404, Message: "Không tìm thấy công ty: Company not found"},
		},
		{
			name: "docs placeholder of that shape", status: 404, body: fixture(t, "docs/company-get.response.404.json"), sentinel: ErrNotFound,
			want: APIError{StatusCode: 404, Code: 0, Message: "string"},
		},
		{
			name: "webhook envelope", status: 400, body: fixture(t, "error.webhook-envelope.json"), sentinel: ErrValidation,
			want: APIError{StatusCode: 400, Code: 400, Message: "webhook_url is invalid; internal IP addresses are not allowed"},
		},
		{
			name: "error only", status: 500, body: `{"error":"Internal Server Error"}`, sentinel: ErrServer,
			want: APIError{StatusCode: 500, Message: "Internal Server Error"},
		},
		{
			name: "errors as list", status: 422, body: `{"message":"Invalid","errors":["a","b"]}`, sentinel: ErrValidation,
			want: APIError{StatusCode: 422, Message: "Invalid", FieldErrors: map[string][]string{"": {"a", "b"}}},
			text: "bankhub: POST /v1/link-token/get: 422 Invalid (a, b)",
		},
		{
			name: "empty object", status: 503, body: `{}`, sentinel: ErrServer,
			want: APIError{StatusCode: 503, Message: "Service Unavailable"},
		},
		{
			name: "status as string", status: 429, body: `{"status":"429","message":"Too many"}`, sentinel: ErrRateLimited,
			want: APIError{StatusCode: 429, Code: 429, Message: "Too many"},
		},
		{
			name: "403 json", status: 403, body: `{"code":403,"message":"Chỉ khả dụng trên sandbox"}`, sentinel: ErrForbidden,
			want: APIError{StatusCode: 403, Code: 403, Message: "Chỉ khả dụng trên sandbox"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := getWith(t, tc.status, "application/json", tc.body, nil)
			assert.ErrorIs(t, err, tc.sentinel)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			tc.want.Method, tc.want.Path, tc.want.Body = "POST", "/v1/link-token/get", []byte(tc.body)
			assert.Equal(t, &tc.want, apiErr)
			if tc.text != "" {
				assert.Equal(t, tc.text, err.Error())
			}
			for _, other := range []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrValidation, ErrRateLimited, ErrServer, ErrBlocked, ErrInvalidParams} {
				if !errors.Is(tc.sentinel, other) {
					assert.NotErrorIs(t, err, other, "must not match %v", other)
				}
			}
		})
	}
}

func TestBlockPage(t *testing.T) {
	t.Parallel()
	err := getWith(t, 403, "text/html; charset=UTF-8", fixture(t, "blocked.html"), map[string]string{"Cf-Ray": "8f3b2c1d4e5a6b7c-SIN"})
	assert.ErrorIs(t, err, ErrBlocked)
	assert.ErrorIs(t, err, ErrForbidden)
	var ne *NonJSONError
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Blocked)
	assert.Equal(t, 403, ne.StatusCode)
	assert.Equal(t, "8f3b2c1d4e5a6b7c-SIN", ne.RayID)
	assert.Equal(t, "text/html; charset=UTF-8", ne.ContentType)
	assert.True(t, strings.HasPrefix(ne.Excerpt, "<!DOCTYPE html>"))
	assert.LessOrEqual(t, len(ne.Excerpt), 512)
	assert.Equal(t, "bankhub: POST /v1/link-token/get: 403 blocked by the edge (text/html; charset=UTF-8) ray=8f3b2c1d4e5a6b7c-SIN", err.Error())
}

func TestBlockPageRayIDFromBody(t *testing.T) {
	t.Parallel()
	err := getWith(t, 403, "text/html", fixture(t, "blocked.html"), nil)
	var ne *NonJSONError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, "8f3b2c1d4e5a6b7c", ne.RayID)
	assert.ErrorIs(t, err, ErrBlocked)
}

func TestProxyErrorPage(t *testing.T) {
	t.Parallel()
	body := "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>" + strings.Repeat("x", 4000)
	err := getWith(t, 502, "text/html", body, nil)
	assert.ErrorIs(t, err, ErrServer)
	assert.NotErrorIs(t, err, ErrBlocked)
	var ne *NonJSONError
	require.ErrorAs(t, err, &ne)
	assert.False(t, ne.Blocked)
	assert.Len(t, ne.Excerpt, 512)
	assert.Contains(t, err.Error(), "502 non-JSON response (text/html)")
	assert.Less(t, len(err.Error()), 300)
}

func TestHTMLOnSuccessStatus(t *testing.T) {
	t.Parallel()
	err := getWith(t, 200, "text/html", "<html>maintenance</html>", nil)
	var ne *NonJSONError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, 200, ne.StatusCode)
}

func TestTruncatedJSON(t *testing.T) {
	t.Parallel()
	full := fixture(t, "link-token-get.json")
	err := getWith(t, 200, "application/json", full[:len(full)/2], nil)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 200, de.StatusCode)
	assert.Contains(t, err.Error(), "cannot decode response")
	assert.Contains(t, err.Error(), "unexpected end of JSON input")
}

func TestEmptySuccessBody(t *testing.T) {
	t.Parallel()
	err := getWith(t, 200, "application/json", "", nil)
	assert.ErrorIs(t, err, ErrEmptyBody)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "bankhub: POST /v1/link-token/get: 200: cannot decode response: bankhub: empty response body", err.Error())
}

func TestWrongShape(t *testing.T) {
	t.Parallel()
	err := getWith(t, 200, "application/json", `{"xid": {"nested": true}}`, nil)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	err = getWith(t, 200, "application/json", `{"data": []}`, nil)
	require.ErrorAs(t, err, &de, "an object without the expected fields is not a link token")
}

func TestEmptyErrorBody(t *testing.T) {
	t.Parallel()
	err := getWith(t, 500, "", "", nil)
	assert.ErrorIs(t, err, ErrServer)
	var ne *NonJSONError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, "bankhub: POST /v1/link-token/get: 500 non-JSON response", err.Error())
}

func TestRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	api := setup(t)
	var leaked bool
	api.mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		leaked = true
		writeJSON(w, 200, fixture(t, "link-token-get.json"))
	})
	api.handle("POST /v1/link-token/get", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	_, err := api.client.LinkTokens.Get(context.Background(), "tok")
	require.Error(t, err)
	assert.False(t, leaked, "the redirect (and the bearer token) must not be followed")
	assert.Contains(t, err.Error(), "307")
}

func TestParamErrorText(t *testing.T) {
	t.Parallel()
	err := paramErr("Companies.Get", "xid", "required")
	assert.Equal(t, "bankhub: Companies.Get: invalid params: xid: required", err.Error())
	assert.ErrorIs(t, err, ErrInvalidParams)
	assert.Equal(t, "bankhub: X: invalid params: nope", paramErr("X", "", "nope").Error())
}

// Regression: a huge field name, or one with a newline, made Error()
// unbounded and split it over lines (log injection).
func TestAPIErrorTextIsOneBoundedLine(t *testing.T) {
	t.Parallel()
	body := `{"code":400,"message":"bad\u001b[31m red\u2028next","errors":{"` + strings.Repeat("f", 10_000) + `":"x","line\nINFO forged entry":"y\r\nz","k\u0007":["` + strings.Repeat("m", 5000) + `"]}}`
	resp := &http.Response{StatusCode: 400, Header: http.Header{}}
	err := newResponseError("POST", "/v1/company/create", resp, []byte(body), nil)
	msg := err.Error()
	assert.LessOrEqual(t, len(msg), maxErrorText+len("…"))
	assert.NotContains(t, msg, "\n")
	assert.NotContains(t, msg, "\r")
	assert.False(t, strings.ContainsFunc(msg, needsEscape), "control characters are escaped: %q", msg)
	assert.Contains(t, msg, `bad\x1b[31m red\u2028next`)
	assert.Contains(t, msg, "line INFO forged entry: y z")
	assert.Contains(t, msg, `k\x07: `)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Len(t, apiErr.FieldErrors, 3, "every field error is kept, whatever Error() shows")
}
