package bankhub

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// fakeClock is a settable clock for the token source.
type fakeClock struct{ now atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.now.Store(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.now.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.now.Add(int64(d)) }

func withClock(api *testAPI) *fakeClock {
	clk := newFakeClock()
	api.client.builtin.now = clk.Now
	return clk
}

// revokeHandler answers link-token revoke with 200; a cheap business call.
func revokeHandler(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, `{"message":"ok"}`)
}

func revoke(c *Client) error {
	return c.LinkTokens.Revoke(context.Background(), "80655c97-e9d8-4e76-adb7-652c3fbef58c")
}

func TestTokenExchangeRequest(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.tokenFn = func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "POST", r.Method)
		user, pass, ok := r.BasicAuth()
		assert.True(t, ok, "Basic auth expected on /v1/token")
		assert.Equal(t, testClientID, user)
		assert.Equal(t, testClientSecret, pass)
		assert.Equal(t, int64(0), r.ContentLength, "the token request has an empty body")
		assert.Empty(t, r.Header.Get("Content-Type"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		api.serveToken(w, r)
	}
	api.handle("POST /v1/link-token/revoke", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer "+testAccessToken, r.Header.Get("Authorization"))
		revokeHandler(w, r)
	})
	require.NoError(t, revoke(api.client))

	tok, err := api.client.TokenSource().Token()
	require.NoError(t, err)
	assert.Equal(t, testAccessToken, tok.AccessToken)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.WithinDuration(t, time.Now().Add(60000*time.Second), tok.Expiry, 5*time.Second)
}

func TestTokenCachedAcrossCalls(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/revoke", revokeHandler)
	for range 5 {
		require.NoError(t, revoke(api.client))
	}
	assert.Equal(t, int32(1), api.tokenCalls.Load())
	assert.Equal(t, 5, api.requestsTo("POST /v1/link-token/revoke"))
}

func TestTokenLenientDecoding(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		body string
		ttl  time.Duration
	}{
		"root":               {`{"code":201,"access_token":"aaa","ttl":60000}`, 60000 * time.Second},
		"ttl as string":      {`{"code":201,"access_token":"aaa","ttl":"3600"}`, time.Hour},
		"under data":         {`{"code":201,"data":{"access_token":"aaa","ttl":120}}`, 2 * time.Minute},
		"missing ttl":        {`{"access_token":"aaa"}`, defaultTokenTTL},
		"negative ttl":       {`{"access_token":"aaa","ttl":-5}`, defaultTokenTTL},
		"200 instead of 201": {`{"access_token":"aaa","ttl":10}`, 10 * time.Second},
		// Regression: a ttl that did not parse failed the exchange and
		// every call after it; the token is good, so keep it.
		"fractional ttl":  {`{"access_token":"aaa","ttl":3600.5}`, 3600*time.Second + 500*time.Millisecond},
		"ttl not numeric": {`{"access_token":"aaa","ttl":"abc"}`, defaultTokenTTL},
		"ttl a bool":      {`{"access_token":"aaa","ttl":true}`, defaultTokenTTL},
		"ttl absurd":      {`{"access_token":"aaa","ttl":1e20}`, defaultTokenTTL},
		"ttl an object":   {`{"access_token":"aaa","ttl":{"s":1}}`, defaultTokenTTL},
		"ttl null":        {`{"access_token":"aaa","ttl":null}`, defaultTokenTTL},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := setup(t)
			clk := withClock(api)
			api.tokenFn = func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 201, tc.body) }
			tok, err := api.client.TokenSource().Token()
			require.NoError(t, err)
			assert.Equal(t, "aaa", tok.AccessToken)
			assert.Equal(t, clk.Now().Add(tc.ttl), tok.Expiry)
		})
	}
}

func TestTokenResponseWithoutToken(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.tokenFn = func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 201, `{"code":201}`) }
	_, err := api.client.TokenSource().Token()
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "no access_token")
}

func TestTokenRefreshedAheadOfExpiry(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.ttl = 100 // seconds: soft window 20s, hard window 5s before expiry
	clk := withClock(api)
	api.handle("POST /v1/link-token/revoke", revokeHandler)
	require.NoError(t, revoke(api.client))
	first := api.currentToken()

	clk.Advance(70 * time.Second)
	require.NoError(t, revoke(api.client))
	assert.Equal(t, int32(1), api.tokenCalls.Load(), "no refresh while far from expiry")

	// Inside the soft window the call goes on with the current token and a
	// refresh starts in the background.
	clk.Advance(15 * time.Second)
	tok, err := api.client.builtin.token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, first, tok.AccessToken)
	require.Eventually(t, func() bool {
		api.client.builtin.mu.Lock()
		defer api.client.builtin.mu.Unlock()
		return api.client.builtin.tok.AccessToken != first
	}, 2*time.Second, time.Millisecond)
	assert.Equal(t, int32(2), api.tokenCalls.Load())
	second := api.currentToken()
	assert.NotEqual(t, first, second)

	// Inside the hard window callers wait for a new token.
	clk.Advance(97 * time.Second)
	tok, err = api.client.builtin.token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int32(3), api.tokenCalls.Load())
	assert.NotEqual(t, second, tok.AccessToken)
}

func TestTokenConcurrentRefreshIsShared(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		api := setupInProcess(t)
		clk := withClock(api)
		release := make(chan struct{})
		api.tokenFn = func(w http.ResponseWriter, r *http.Request) {
			if api.tokenCalls.Load() >= 1 {
				<-release // hold the refresh until every caller waits on it
			}
			api.serveToken(w, r)
		}
		api.handle("POST /v1/link-token/revoke", revokeHandler)
		require.NoError(t, revoke(api.client))
		require.Equal(t, int32(1), api.tokenCalls.Load())

		clk.Advance(60001 * time.Second) // the token has expired
		const n = 100
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- revoke(api.client)
			}()
		}
		synctest.Wait() // every caller waits on the held refresh
		close(release)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		assert.Equal(t, int32(2), api.tokenCalls.Load(), "100 callers on an expired token share one refresh")
		assert.Equal(t, 2, api.requestsTo("POST /v1/token"))
		assert.Equal(t, n+1, api.requestsTo("POST /v1/link-token/revoke"))
	})
}

func TestUnauthorizedRefreshesAndReplaysOnce(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/revoke", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", `{"link_token_xid":"80655c97-e9d8-4e76-adb7-652c3fbef58c"}`)
		revokeHandler(w, r)
	})
	require.NoError(t, revoke(api.client))
	api.revokeTokens()
	require.NoError(t, revoke(api.client))
	assert.Equal(t, int32(2), api.tokenCalls.Load())
	assert.Equal(t, 3, api.requestsTo("POST /v1/link-token/revoke"), "1 + rejected + replay")
}

func TestUnauthorizedTwiceIsAnError(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.mux.HandleFunc("POST "+apiPrefix+"/v1/link-token/revoke", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, fixture(t, "error.401.json"))
	})
	err := revoke(api.client)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnauthorized)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "Unauthenticated", apiErr.Message)
	assert.Equal(t, 2, api.requestsTo("POST /v1/link-token/revoke"), "one attempt and one replay, never a loop")
	assert.Equal(t, int32(2), api.tokenCalls.Load())
}

func TestConcurrentUnauthorizedRefreshOnce(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/revoke", revokeHandler)
	require.NoError(t, revoke(api.client))
	api.revokeTokens()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); assert.NoError(t, revoke(api.client)) }()
	}
	wg.Wait()
	assert.Equal(t, int32(2), api.tokenCalls.Load(), "a 401 seen by many callers invalidates the token once")
}

func TestTokenEndpointUnauthorizedIsNotRetried(t *testing.T) {
	t.Parallel()
	api := setup(t)
	c, err := NewClient(testClientID, "wrong-secret", WithBaseURL(api.srv.URL+apiPrefix), WithRetryPolicy(fastRetries))
	require.NoError(t, err)
	err = revoke(c)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnauthorized)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "/v1/token", apiErr.Path)
	assert.Equal(t, 1, api.requestsTo("POST /v1/token"))
	assert.Equal(t, 0, api.requestsTo("POST /v1/link-token/revoke"))
}

func TestTokenEndpointServerErrorIsRetried(t *testing.T) {
	t.Parallel()
	api := setup(t)
	var failures atomic.Int32
	api.tokenFn = func(w http.ResponseWriter, r *http.Request) {
		if failures.Add(1) <= 2 {
			writeJSON(w, 503, `{"code":503,"message":"Service Unavailable"}`)
			return
		}
		api.serveToken(w, r)
	}
	api.handle("POST /v1/link-token/revoke", revokeHandler)
	require.NoError(t, revoke(api.client))
	assert.Equal(t, 3, api.requestsTo("POST /v1/token"))
}

// recordingSource is a caller-supplied token source with Invalidate.
type recordingSource struct {
	mu          sync.Mutex
	tokens      []string
	next        int
	invalidated []string
}

func (s *recordingSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &oauth2.Token{AccessToken: s.tokens[s.next], TokenType: "Bearer"}, nil
}

func (s *recordingSource) Invalidate(tok *oauth2.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated = append(s.invalidated, tok.AccessToken)
	s.next++
}

func TestCustomTokenSourceIsInvalidatedOn401(t *testing.T) {
	t.Parallel()
	api := setup(t)
	src := &recordingSource{tokens: []string{"stale-token", "fresh-token"}}
	c, err := NewClient("", "", WithBaseURL(api.srv.URL+apiPrefix), WithTokenSource(src), WithRetryPolicy(fastRetries))
	require.NoError(t, err)
	var seen []string
	var mu sync.Mutex
	api.mux.HandleFunc("POST "+apiPrefix+"/v1/link-token/revoke", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer fresh-token" {
			writeJSON(w, 401, `{"code":401,"message":"Unauthenticated"}`)
			return
		}
		revokeHandler(w, r)
	})
	require.NoError(t, revoke(c))
	assert.Equal(t, []string{"Bearer stale-token", "Bearer fresh-token"}, seen)
	assert.Equal(t, []string{"stale-token"}, src.invalidated)
	assert.Equal(t, 0, api.requestsTo("POST /v1/token"), "the built-in exchange is replaced")
}

func TestTokenWaitRespectsContext(t *testing.T) {
	t.Parallel()
	api := setup(t)
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	api.tokenFn = func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
		api.serveToken(w, r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := api.client.LinkTokens.Revoke(ctx, "x")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)
}

func TestExchangeTokenBypassesTheCache(t *testing.T) {
	t.Parallel()
	api := setup(t)
	first, err := api.client.ExchangeToken(context.Background())
	require.NoError(t, err)
	second, err := api.client.ExchangeToken(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, second.AccessToken)
	assert.Equal(t, int32(2), api.tokenCalls.Load())
	assert.WithinDuration(t, time.Now().Add(60000*time.Second), second.Expiry, 5*time.Second)

	c, err := NewClient("", "", WithTokenSource(src()))
	require.NoError(t, err)
	_, err = c.ExchangeToken(context.Background())
	assert.ErrorContains(t, err, "no credentials")
}

func src() oauth2.TokenSource { return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"}) }

// ctxSource records whether the client used TokenContext.
type ctxSource struct{ gotCtx atomic.Bool }

func (s *ctxSource) Token() (*oauth2.Token, error) { return &oauth2.Token{AccessToken: "plain"}, nil }
func (s *ctxSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	s.gotCtx.Store(true)
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestContextTokenSourceIsCancelled(t *testing.T) {
	t.Parallel()
	s := &ctxSource{}
	c, err := NewClient("", "", WithTokenSource(s))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Companies.List(ctx, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, s.gotCtx.Load())
}

// Once a token is held, getting the Authorization header allocates nothing.
func TestHeldTokenCostsNoAllocation(t *testing.T) {
	api := setup(t)
	ctx := context.Background()
	_, err := api.client.authorization(ctx)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := api.client.authorization(ctx); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestTokenTTLNotUnderstoodIsLoggedOnce(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	api := setup(t, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	api.tokenFn = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, `{"code":201,"access_token":"`+testAccessToken+`","ttl":"abc"}`)
	}
	for range 3 {
		_, err := api.client.ExchangeToken(context.Background())
		require.NoError(t, err)
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "token ttl not understood"), logs.String())
	assert.Contains(t, logs.String(), `ttl="\"abc\""`)
	assert.NotContains(t, logs.String(), testAccessToken)
}

// hangFirstTokens makes the first n token requests hang until the client
// gives up; the others are answered normally.
func hangFirstTokens(api *testAPI, n int32) *atomic.Int32 {
	var seen atomic.Int32
	api.tokenFn = func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			<-r.Context().Done()
			return
		}
		api.serveToken(w, r)
	}
	return &seen
}

// Regression: one hung /v1/token request made every caller fail for 30 s
// (2 minutes with a caller's http.Client without a timeout).
func TestHungTokenExchangeDoesNotStallCallers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		api := setupInProcess(t) // an HTTP client without a timeout of its own
		api.client.builtin.stuckAfter = 300 * time.Millisecond
		api.client.builtin.timeout = 2 * time.Second
		seen := hangFirstTokens(api, 1)
		api.handle("GET /v1/webhook", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"status":200,"data":null}`) })
		call := func(d time.Duration) error {
			ctx, cancel := context.WithTimeout(context.Background(), d)
			defer cancel()
			_, err := api.client.Webhooks.Get(ctx)
			return err
		}

		// Callers with short deadlines arriving while the exchange is young
		// wait on it, and time out.
		patient := make(chan error, 1)
		go func() { patient <- call(time.Minute) }()
		synctest.Wait()
		require.Equal(t, int32(1), seen.Load(), "the first exchange hangs")
		for range 3 {
			assert.ErrorIs(t, call(30*time.Millisecond), context.DeadlineExceeded)
		}
		time.Sleep(300*time.Millisecond - 3*30*time.Millisecond) // now it is clearly stuck

		// Later callers do not wait on it: one fresh exchange serves them all.
		start := time.Now()
		errs := make(chan error, 20)
		for range 20 {
			go func() { errs <- call(time.Second) }()
		}
		for range 20 {
			assert.NoError(t, <-errs)
		}
		assert.Zero(t, time.Since(start), "they did not wait at all")
		assert.NoError(t, <-patient, "the caller that waited from the start is served by the fresh exchange")
		assert.Equal(t, int32(2), seen.Load(), "the hung request and one fresh one")
		time.Sleep(api.client.builtin.timeout) // the hung request is abandoned at the exchange timeout
	})
}

func TestHungTokenExchangeIsBounded(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		api := setupInProcess(t) // an HTTP client without a timeout of its own
		api.client.builtin.stuckAfter = 50 * time.Millisecond
		api.client.builtin.timeout = 300 * time.Millisecond
		seen := hangFirstTokens(api, 1000) // the endpoint never answers
		start := time.Now()
		_, err := api.client.Webhooks.Get(context.Background()) // no deadline of its own
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, api.client.builtin.stuckAfter+api.client.builtin.timeout, time.Since(start),
			"it waits for the first exchange until it is stuck, then for a fresh one until the exchange timeout; the HTTP client has none")
		assert.LessOrEqual(t, seen.Load(), int32(3), "at most one fresh start per caller")
	})
}
