package bankhub

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// staticToken skips the token exchange in transport-level tests.
var staticToken = WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "static-test-token"}))

func createParams() *LinkTokenCreateParams {
	return &LinkTokenCreateParams{CompanyXID: "c1", Purpose: PurposeLinkBankAccount}
}

// failThen answers status (with body and headers) for the first n calls, then calls next.
func failThen(n int32, status int, body string, hdr map[string]string, next http.HandlerFunc) http.HandlerFunc {
	var calls atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= n {
			for k, v := range hdr {
				w.Header().Set(k, v)
			}
			writeJSON(w, status, body)
			return
		}
		next(w, r)
	}
}

func okGet(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, fixture(t, "link-token-get.json")) }
}

func okCreate(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, fixture(t, "link-token-create.json"))
	}
}

func TestRetrySafeOperationOnServerErrors(t *testing.T) {
	t.Parallel()
	for _, status := range []int{408, 425, 429, 500, 502, 503, 504} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			api := setup(t)
			api.handle("POST /v1/link-token/get", failThen(2, status, `{"code":1,"message":"busy"}`, nil, okGet(t)))
			got, err := api.client.LinkTokens.Get(context.Background(), "tok")
			require.NoError(t, err)
			assert.Equal(t, "628af450-6f83-443f-b2f1-7d8ae4664e45", got.XID)
			assert.Equal(t, 3, api.requestsTo("POST /v1/link-token/get"))
		})
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 403, 404, 405, 409, 413, 422, 501} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			api := setup(t)
			api.handle("POST /v1/link-token/get", failThen(5, status, `{"code":1,"message":"no"}`, nil, okGet(t)))
			_, err := api.client.LinkTokens.Get(context.Background(), "tok")
			require.Error(t, err)
			assert.Equal(t, 1, api.requestsTo("POST /v1/link-token/get"))
		})
	}
}

func TestCreateIsNotRetriedAfterReachingServer(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 502, 503, 504, 408} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			api := setup(t)
			api.handle("POST /v1/link-token/create", failThen(1, status, `{"code":503,"message":"database error"}`, nil, okCreate(t)))
			_, err := api.client.LinkTokens.Create(context.Background(), createParams())
			require.Error(t, err)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, status, apiErr.StatusCode)
			assert.Equal(t, "database error", apiErr.Message)
			assert.Equal(t, 1, api.requestsTo("POST /v1/link-token/create"), "a create that reached the server is never resent")
		})
	}
}

func TestCreateIsRetriedOn429WithSameBody(t *testing.T) {
	t.Parallel()
	api := setup(t)
	var bodies []string
	api.handle("POST /v1/link-token/create", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if len(bodies) < 3 {
			writeJSON(w, 429, `{"code":429,"message":"Too Many Requests"}`)
			return
		}
		okCreate(t)(w, r)
	})
	_, err := api.client.LinkTokens.Create(context.Background(), createParams())
	require.NoError(t, err)
	require.Len(t, bodies, 3)
	want := `{"company_xid":"c1","purpose":"LINK_BANK_ACCOUNT"}`
	assert.Equal(t, []string{want, want, want}, bodies, "every retry resends the same body")
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	for _, header := range []string{"Retry-After", "X-Sepay-Userapi-Retry-After"} {
		t.Run(header, func(t *testing.T) {
			t.Parallel()
			api := setup(t)
			api.handle("POST /v1/link-token/get", failThen(1, 429, `{"message":"slow down"}`, map[string]string{header: "1"}, okGet(t)))
			start := time.Now()
			_, err := api.client.LinkTokens.Get(context.Background(), "tok")
			require.NoError(t, err)
			assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "the server's wait is honoured")
			assert.Equal(t, 2, api.requestsTo("POST /v1/link-token/get"))
		})
	}
}

func TestRetryAfterBeyondCapReturnsAtOnce(t *testing.T) {
	t.Parallel()
	api := setup(t) // MaxRetryAfter 2s
	api.handle("POST /v1/link-token/get", failThen(10, 429, `{"code":429,"message":"quota exceeded"}`, map[string]string{"Retry-After": "120"}, okGet(t)))
	start := time.Now()
	_, err := api.client.LinkTokens.Get(context.Background(), "tok")
	assert.Less(t, time.Since(start), time.Second)
	assert.ErrorIs(t, err, ErrRateLimited)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 120*time.Second, apiErr.RetryAfter)
	assert.Equal(t, "quota exceeded", apiErr.Message)
	assert.Equal(t, 1, api.requestsTo("POST /v1/link-token/get"))
	assert.Contains(t, err.Error(), "retry after 2m0s")
}

func TestRetriesExhaustedReturnServerMessage(t *testing.T) {
	t.Parallel()
	api := setup(t) // 3 retries
	api.handle("POST /v1/link-token/get", failThen(100, 503, `{"code":503,"message":"Hệ thống đang bảo trì"}`, nil, okGet(t)))
	_, err := api.client.LinkTokens.Get(context.Background(), "tok")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrServer)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.StatusCode)
	assert.Equal(t, "Hệ thống đang bảo trì", apiErr.Message)
	assert.JSONEq(t, `{"code":503,"message":"Hệ thống đang bảo trì"}`, string(apiErr.Body))
	assert.NotContains(t, err.Error(), "giving up")
	assert.Equal(t, 4, api.requestsTo("POST /v1/link-token/get"))
}

func TestNoRetryPolicy(t *testing.T) {
	t.Parallel()
	api := setup(t, WithRetryPolicy(NoRetry))
	api.handle("POST /v1/link-token/get", failThen(100, 503, `{"message":"down"}`, nil, okGet(t)))
	_, err := api.client.LinkTokens.Get(context.Background(), "tok")
	assert.ErrorIs(t, err, ErrServer)
	assert.Equal(t, 1, api.requestsTo("POST /v1/link-token/get"))
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		api := setupInProcess(t, WithRetryPolicy(RetryPolicy{MaxRetries: 3, MaxRetryAfter: time.Minute}))
		api.handle("POST /v1/link-token/get", failThen(100, 503, `{"message":"down"}`, map[string]string{"Retry-After": "30"}, okGet(t)))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := api.client.LinkTokens.Get(ctx, "tok")
			done <- err
		}()
		time.Sleep(20 * time.Second)
		synctest.Wait() // sleeping in the 30 s backoff
		require.Equal(t, 1, api.requestsTo("POST /v1/link-token/get"))
		select {
		case <-done:
			t.Fatal("returned before the backoff ended")
		default:
		}
		cancelled := time.Now()
		cancel()
		err := <-done
		assert.Zero(t, time.Since(cancelled), "returned at once")
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, api.requestsTo("POST /v1/link-token/get"))
	})
}

func TestCancelledContextSendsNothing(t *testing.T) {
	t.Parallel()
	api := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := api.client.LinkTokens.Get(ctx, "tok")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 0, api.requestCount())
}

// countingTransport counts round trips.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int32
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.base.RoundTrip(r)
}

func refusedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

func TestCreateIsRetriedWhenConnectionRefused(t *testing.T) {
	t.Parallel()
	ct := &countingTransport{base: http.DefaultTransport}
	c, err := NewClient("", "", staticToken, WithBaseURL(refusedURL(t)), WithRetryPolicy(fastRetries),
		WithHTTPClient(&http.Client{Transport: ct}))
	require.NoError(t, err)
	_, err = c.LinkTokens.Create(context.Background(), createParams())
	require.Error(t, err)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.Contains(t, err.Error(), "after 4 attempts")
	assert.Contains(t, err.Error(), "POST /v1/link-token/create")
	assert.Equal(t, int32(4), ct.n.Load(), "a refused connection surely did not reach the server")
}

func TestTransportErrorsPerClass(t *testing.T) {
	t.Parallel()
	reset := httpmock.NewErrorResponder(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET})
	refused := httpmock.NewErrorResponder(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	dns := httpmock.NewErrorResponder(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "bankhub-api.sepay.vn", IsNotFound: true}})
	cases := []struct {
		name      string
		responder httpmock.Responder
		create    bool
		want      int
	}{
		{"reset on a read is retried", reset, false, 4},
		{"reset on a create is not", reset, true, 1},
		{"refused on a create is retried", refused, true, 4},
		{"DNS failure on a create is retried", dns, true, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mock := httpmock.NewMockTransport()
			mock.RegisterResponder("POST", "=~^https://bankhub-api.sepay.vn/v1/link-token/", tc.responder)
			c, err := NewClient("", "", staticToken, WithRetryPolicy(fastRetries), WithHTTPClient(&http.Client{Transport: mock}))
			require.NoError(t, err)
			if tc.create {
				_, err = c.LinkTokens.Create(context.Background(), createParams())
			} else {
				_, err = c.LinkTokens.Get(context.Background(), "tok")
			}
			require.Error(t, err)
			assert.Equal(t, tc.want, mock.GetTotalCallCount())
		})
	}
}

func TestTLSCertificateErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = nil
	srv.StartTLS()
	defer srv.Close()
	srv.Config.SetKeepAlivesEnabled(false)
	c, err := NewClient("", "", staticToken, WithBaseURL(srv.URL), WithRetryPolicy(fastRetries))
	require.NoError(t, err)
	_, err = c.LinkTokens.Get(context.Background(), "tok")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate")
	assert.Equal(t, int32(1), conns.Load())
}

func TestConnectionCutMidBodyIsRetriedForReads(t *testing.T) {
	t.Parallel()
	api := setup(t)
	var calls atomic.Int32
	api.handle("POST /v1/link-token/get", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// Promise a long body, send part of it, and cut the connection.
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "5000")
			w.WriteHeader(200)
			io.WriteString(w, `{"xid":"628af450`)
			w.(http.Flusher).Flush()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		okGet(t)(w, r)
	})
	got, err := api.client.LinkTokens.Get(context.Background(), "tok")
	require.NoError(t, err)
	assert.Equal(t, "628af450-6f83-443f-b2f1-7d8ae4664e45", got.XID)
	assert.Equal(t, int32(2), calls.Load())
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		hdr  http.Header
		want time.Duration
		ok   bool
	}{
		{http.Header{"Retry-After": {"7"}}, 7 * time.Second, true},
		{http.Header{"Retry-After": {"Sat, 21 Nov 2026 10:00:30 GMT"}}, 30 * time.Second, true},
		{http.Header{"Retry-After": {"Sat, 21 Nov 2026 09:00:00 GMT"}}, 0, true},
		{http.Header{"X-Sepay-Userapi-Retry-After": {"3"}}, 3 * time.Second, true},
		{http.Header{"Retry-After": {"soon"}}, 0, false},
		{http.Header{"Retry-After": {"-1"}}, 0, false},
		{http.Header{"Retry-After": {"99999999999"}}, 1e6 * time.Second, true},
		{http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond, true},
		{http.Header{}, 0, false},
		// Junk falls back to the normal backoff.
		{http.Header{"Retry-After": {"NaN"}}, 0, false},
		{http.Header{"Retry-After": {"nan"}}, 0, false},
		{http.Header{"Retry-After": {"inf"}}, 0, false},
		{http.Header{"Retry-After": {"+Inf"}}, 0, false},
		{http.Header{"Retry-After": {"1e400"}}, 0, false},
		{http.Header{"Retry-After": {"1e3"}}, 0, false},
		{http.Header{"Retry-After": {"0x10"}}, 0, false},
		{http.Header{"Retry-After": {"-0.5"}}, 0, false},
		{http.Header{"Retry-After": {"+3"}}, 0, false},
		{http.Header{"Retry-After": {"3."}}, 0, false},
		{http.Header{"Retry-After": {".5"}}, 0, false},
		{http.Header{"Retry-After": {"1_000"}}, 0, false},
		{http.Header{"Retry-After": {"NaN"}, "X-Sepay-Userapi-Retry-After": {"2"}}, 2 * time.Second, true},
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.hdr, now)
		assert.Equal(t, tc.ok, ok, "%v", tc.hdr)
		assert.Equal(t, tc.want, got, "%v", tc.hdr)
	}
}

// Regression: Retry-After: NaN turned the wait into zero: 4 attempts in a
// millisecond. Junk now leaves the normal backoff in place.
func TestJunkRetryAfterKeepsBackoff(t *testing.T) {
	t.Parallel()
	for _, junk := range []string{"NaN", "inf", "1e400", "-5"} {
		t.Run(junk, func(t *testing.T) {
			t.Parallel()
			api := setup(t, WithRetryPolicy(RetryPolicy{MaxRetries: 3, MinWait: 20 * time.Millisecond, MaxWait: 20 * time.Millisecond, MaxRetryAfter: time.Second}))
			var stamps []time.Time
			var mu sync.Mutex
			api.handle("GET /v1/webhook", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				stamps = append(stamps, time.Now())
				mu.Unlock()
				w.Header().Set("Retry-After", junk)
				writeJSON(w, 503, `{"code":503,"message":"busy"}`)
			})
			_, err := api.client.Webhooks.Get(context.Background())
			require.ErrorIs(t, err, ErrServer)
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, stamps, 4)
			// Full jitter draws each wait from [0, 20ms]: three waits of
			// exactly zero are what the bug did, every time.
			assert.Greater(t, stamps[3].Sub(stamps[0]), time.Millisecond, "the backoff was applied")
		})
	}
}

func TestBackoffFullJitterBounds(t *testing.T) {
	t.Parallel()
	for attempt := range 8 {
		ceiling := min(100*time.Millisecond<<attempt, 2*time.Second)
		for range 200 {
			d := backoff(100*time.Millisecond, 2*time.Second, attempt, nil)
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.LessOrEqual(t, d, ceiling)
		}
	}
	resp := &http.Response{Header: http.Header{"Retry-After": {"4"}}}
	assert.Equal(t, 4*time.Second, backoff(time.Millisecond, time.Second, 0, resp))
}
