package bankhub

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewClientValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		id, cs string
		opts   []Option
		msg    string
	}{
		{"empty id", "", "secret", nil, "client ID and client secret are required"},
		{"empty secret", "id", "", nil, "client ID and client secret are required"},
		{"blank secret", "id", "   ", nil, "client ID and client secret are required"},
		{"colon in id", "a:b", "secret", nil, "must not contain ':'"},
		{"ftp base URL", "id", "secret", []Option{WithBaseURL("ftp://bankhub-api.sepay.vn")}, "absolute http(s) URL"},
		{"relative base URL", "id", "secret", []Option{WithBaseURL("bankhub-api.sepay.vn")}, "absolute http(s) URL"},
		{"base URL with query", "id", "secret", []Option{WithBaseURL("https://x.vn/?a=1")}, "query"},
		{"negative retries", "id", "secret", []Option{WithRetryPolicy(RetryPolicy{MaxRetries: -1})}, "must not be negative"},
		{"negative wait", "id", "secret", []Option{WithRetryPolicy(RetryPolicy{MinWait: -time.Second})}, "must not be negative"},
		{"min over max", "id", "secret", []Option{WithRetryPolicy(RetryPolicy{MinWait: time.Minute, MaxWait: time.Second})}, "MinWait"},
		{"nil http client", "id", "secret", []Option{WithHTTPClient(nil)}, "nil *http.Client"},
		{"nil token source", "id", "secret", []Option{WithTokenSource(nil)}, "nil token source"},
		{"user agent newline", "id", "secret", []Option{WithUserAgent("a\nb")}, "control characters"},
		{"nil option", "id", "secret", []Option{nil}, "nil option"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.id, tc.cs, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tc.msg)
			assert.NotContains(t, err.Error(), "secret\"")
		})
	}
}

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	c, err := NewClient("id", "secret")
	require.NoError(t, err)
	assert.Equal(t, ProductionURL, c.BaseURL())
	assert.NotSame(t, http.DefaultClient, c.httpClient)
	assert.Equal(t, defaultTimeout, c.httpClient.Timeout)
	assert.NotNil(t, c.httpClient.CheckRedirect)
	assert.Equal(t, DefaultRetryPolicy(), c.policy)
	for _, s := range []any{c.LinkTokens, c.Companies, c.BankAccounts, c.Transactions, c.MerchantConfig, c.Webhooks} {
		assert.NotNil(t, s)
	}

	c, err = NewClient("id", "secret", WithSandbox())
	require.NoError(t, err)
	assert.Equal(t, SandboxURL, c.BaseURL())
	c, err = NewClient("id", "secret", WithBaseURL("http://127.0.0.1:8080/prefix/"))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/prefix", c.BaseURL())
}

func TestWithHTTPClientIsCopied(t *testing.T) {
	t.Parallel()
	user := &http.Client{Timeout: 7 * time.Second}
	c, err := NewClient("id", "secret", WithHTTPClient(user))
	require.NoError(t, err)
	assert.Nil(t, user.CheckRedirect, "the caller's client is not modified")
	assert.Equal(t, 7*time.Second, c.httpClient.Timeout)
	assert.NotNil(t, c.httpClient.CheckRedirect)
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	api := setup(t, WithUserAgent("myshop/1.2"))
	var ua string
	api.handle("POST /v1/link-token/revoke", func(w http.ResponseWriter, r *http.Request) {
		ua = r.Header.Get("User-Agent")
		revokeHandler(w, r)
	})
	require.NoError(t, revoke(api.client))
	assert.Equal(t, "bankhub-go/"+Version+" ("+runtime.Version()+") myshop/1.2", ua)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLoggingOneLinePerAttempt(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api := setup(t, WithLogger(logger))
	api.handle("POST /v1/link-token/get", failThen(1, 503, `{"message":"busy"}`, nil, okGet(t)))
	_, err := api.client.LinkTokens.Get(context.Background(), "tok")
	require.NoError(t, err)

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		lines = append(lines, m)
	}
	require.Len(t, lines, 3, logs.String())
	assert.Equal(t, "/v1/token", lines[0]["path"])
	assert.EqualValues(t, 201, lines[0]["status"])
	assert.Equal(t, "/v1/link-token/get", lines[1]["path"])
	assert.EqualValues(t, 503, lines[1]["status"])
	assert.EqualValues(t, 1, lines[1]["attempt"])
	assert.EqualValues(t, 200, lines[2]["status"])
	assert.EqualValues(t, 2, lines[2]["attempt"])
	for _, l := range lines {
		assert.Equal(t, "DEBUG", l["level"])
		assert.Equal(t, "POST", l["method"])
		assert.Contains(t, l, "duration")
	}
}

func TestLoggingSilentAboveDebug(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	api := setup(t, WithLogger(logger))
	api.handle("POST /v1/link-token/revoke", revokeHandler)
	require.NoError(t, revoke(api.client))
	assert.Empty(t, logs.String())
}

// Regression: Companies.Get(ctx, "..") sent GET /v1/company/.., which a
// normalising proxy turns into /v1/. Every id in a path is checked, and
// anything else is path-escaped.
func TestDotIDsNeverReachTheWire(t *testing.T) {
	t.Parallel()
	api := setup(t)
	ctx := context.Background()
	for _, id := range []string{".", ".."} {
		calls := map[string]error{}
		_, calls["Companies.Get"] = api.client.Companies.Get(ctx, id)
		calls["Companies.Update"] = api.client.Companies.Update(ctx, id, &CompanyUpdateParams{FullName: Ptr("X")})
		_, calls["Companies.Counter"] = api.client.Companies.Counter(ctx, id, nil)
		_, calls["BankAccounts.Get"] = api.client.BankAccounts.Get(ctx, id)
		_, calls["Transactions.Get"] = api.client.Transactions.Get(ctx, id)
		for op, err := range calls {
			assert.ErrorIs(t, err, ErrInvalidParams, "%s(%q)", op, id)
			assert.ErrorContains(t, err, "must not be . or ..", "%s(%q)", op, id)
		}
	}
	assert.Equal(t, 0, api.requestCount(), "nothing was sent")

	var got string
	api.handle("GET /v1/company/{xid}", func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		writeJSON(w, 404, `{"code":404,"message":"Resource not found"}`)
	})
	_, err := api.client.Companies.Get(ctx, "../x?y")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, apiPrefix+"/v1/company/..%2Fx%3Fy", got, "other ids are escaped as one segment")
}

func TestEndpointPathFromOneDeclaration(t *testing.T) {
	t.Parallel()
	one := &endpoint{name: "Companies.Get", method: "GET", pattern: "/v1/company/{xid}"}
	two := &endpoint{name: "Test.Two", method: "GET", pattern: "/v1/a/{first}/b/{second}"}
	got, err := one.path("d3dafd01-e06b")
	require.NoError(t, err)
	assert.Equal(t, "/v1/company/d3dafd01-e06b", got)
	got, err = one.path("a/b?c d")
	require.NoError(t, err)
	assert.Equal(t, "/v1/company/a%2Fb%3Fc%20d", got, "one escaped segment")
	got, err = two.path("x y", "z")
	require.NoError(t, err)
	assert.Equal(t, "/v1/a/x%20y/b/z", got)
	for _, id := range []string{"", ".", "..", " x", "a\nb"} {
		_, err := one.path(id)
		assert.ErrorIs(t, err, ErrInvalidParams, "%q", id)
		assert.ErrorContains(t, err, "Companies.Get: invalid params: xid:", "the op name and the placeholder name the field")
	}
	_, err = two.path("x", "")
	assert.ErrorContains(t, err, "second:")
	_, err = one.path("a", "b")
	assert.ErrorContains(t, err, "more ids than placeholders")
	got, err = one.path()
	require.NoError(t, err)
	assert.Equal(t, "/v1/company/{xid}", got, "no ids: the pattern as is (Client.Do's paths have no braces)")
}
