package bankhub

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The test server serves the API under this prefix, so a request built
// with an absolute path (dropping the base URL's path) hits nothing.
const apiPrefix = "/api-prefix"

const (
	testClientID     = "merchant-client-id"
	testClientSecret = "cs_live_Z9q8W7e6R5t4Y3u2"
	testAccessToken  = "36483db493b10304eb3abc143b3593fa1473eb9b"
)

// fastRetries keeps retry tests quick.
var fastRetries = RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, MaxRetryAfter: 2 * time.Second}

type testAPI struct {
	t      *testing.T
	srv    *httptest.Server
	mux    *http.ServeMux
	client *Client

	tokenCalls atomic.Int32
	mu         sync.Mutex
	tokens     []string // access tokens issued, in order; the last one is valid
	ttl        int
	tokenFn    http.HandlerFunc // replaces serveToken when set
	requests   []string         // "METHOD path" of every request, in order
}

// setup starts a test server that issues tokens at /v1/token and returns a
// client wired to it. Handlers for the endpoints under test are added to
// api.mux with handle.
func setup(t *testing.T, opts ...Option) *testAPI {
	t.Helper()
	api := newTestAPI(t)
	api.srv = httptest.NewServer(api)
	t.Cleanup(api.srv.Close)
	api.connect(api.srv.URL, opts)
	return api
}

// setupInProcess is setup without a socket: the client's requests are
// served in its own goroutine. A test that sequences with time runs in a
// testing/synctest bubble, where time is fake and moves only when every
// goroutine of the bubble is blocked; a goroutine waiting on a real socket
// would stop it.
func setupInProcess(t *testing.T, opts ...Option) *testAPI {
	t.Helper()
	api := newTestAPI(t)
	api.connect("http://bankhub.test", append([]Option{WithHTTPClient(&http.Client{Transport: inProcess{api}})}, opts...))
	return api
}

func newTestAPI(t *testing.T) *testAPI {
	api := &testAPI{t: t, mux: http.NewServeMux(), ttl: 60000}
	api.mux.HandleFunc("POST "+apiPrefix+"/v1/token", func(w http.ResponseWriter, r *http.Request) {
		if api.tokenFn != nil {
			api.tokenFn(w, r)
			return
		}
		api.serveToken(w, r)
	})
	return api
}

func (api *testAPI) connect(baseURL string, opts []Option) {
	api.t.Helper()
	all := append([]Option{WithBaseURL(baseURL + apiPrefix), WithRetryPolicy(fastRetries)}, opts...)
	c, err := NewClient(testClientID, testClientSecret, all...)
	require.NoError(api.t, err)
	api.client = c
}

// ServeHTTP records the request and serves it.
func (api *testAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	api.mu.Lock()
	api.requests = append(api.requests, r.Method+" "+strings.TrimPrefix(r.URL.Path, apiPrefix))
	api.mu.Unlock()
	api.mux.ServeHTTP(w, r)
}

// inProcess is an http.RoundTripper that serves each request with h in the
// caller's goroutine. A request whose context ends while h runs fails with
// the context's error, as on a real connection.
type inProcess struct{ h http.Handler }

func (p inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RequestURI = r.URL.RequestURI()
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return rec.Result(), nil
}

func (api *testAPI) serveToken(w http.ResponseWriter, r *http.Request) {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(testClientID+":"+testClientSecret))
	if r.Header.Get("Authorization") != want {
		writeJSON(w, 401, `{"code":401,"message":"Unauthenticated"}`)
		return
	}
	n := api.tokenCalls.Add(1)
	tok := testAccessToken
	if n > 1 {
		tok = testAccessToken[:len(testAccessToken)-2] + string(rune('a'+n%26)) + string(rune('a'+n/26%26))
	}
	api.mu.Lock()
	api.tokens = append(api.tokens, tok)
	ttl := api.ttl
	api.mu.Unlock()
	writeJSON(w, 201, `{"code":201,"access_token":"`+tok+`","ttl":`+itoa(ttl)+`}`)
}

// revokeTokens makes the server reject every token issued so far.
func (api *testAPI) revokeTokens() {
	api.mu.Lock()
	api.tokens = append(api.tokens, "revoked")
	api.mu.Unlock()
}

// currentToken is the last access token issued.
func (api *testAPI) currentToken() string {
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.tokens) == 0 {
		return ""
	}
	return api.tokens[len(api.tokens)-1]
}

// handle registers a handler for "METHOD /v1/path" that first checks the
// bearer token.
func (api *testAPI) handle(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	api.mux.HandleFunc(method+" "+apiPrefix+path, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+api.currentToken() {
			writeJSON(w, 401, `{"code":401,"message":"Unauthenticated"}`)
			return
		}
		h(w, r)
	})
}

// requestsTo counts requests whose "METHOD path" equals key.
func (api *testAPI) requestsTo(key string) int {
	api.mu.Lock()
	defer api.mu.Unlock()
	n := 0
	for _, r := range api.requests {
		if r == key {
			n++
		}
	}
	return n
}

func (api *testAPI) requestCount() int {
	api.mu.Lock()
	defer api.mu.Unlock()
	return len(api.requests)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// fixture returns the content of testdata/name.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

// testRequest asserts what a handler received: method, JSON headers, bearer
// auth, and (when wantBody is not "") a JSON body equal to wantBody. It runs
// on the handler's goroutine, so it reports with t.Errorf (assert), never
// t.FailNow (require).
func testRequest(t *testing.T, r *http.Request, method, wantBody string) {
	t.Helper()
	assert.Equal(t, method, r.Method)
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "bankhub-go/"+Version+" (go"), r.Header.Get("User-Agent"))
	assert.True(t, strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "), "bearer auth expected")
	body, err := io.ReadAll(r.Body)
	if !assert.NoError(t, err) {
		return
	}
	if wantBody == "" {
		assert.Empty(t, body)
		assert.Empty(t, r.Header.Get("Content-Type"))
		return
	}
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.JSONEq(t, wantBody, string(body))
}

// vnTime builds a time in UTC+7.
func vnTime(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, vietnamZone)
}

// testQuery asserts the exact query string parameters of a request (on the
// handler's goroutine: assert, not require).
func testQuery(t *testing.T, r *http.Request, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for k, v := range r.URL.Query() {
		if assert.Len(t, v, 1, "query parameter %s sent more than once", k) {
			got[k] = v[0]
		}
	}
	assert.Equal(t, want, got)
}
