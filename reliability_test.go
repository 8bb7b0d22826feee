package bankhub_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// The fault matrix: one named case per way the network or the server can
// misbehave, each asserting the outcome (success after N attempts, or which
// typed error), the number of requests the server saw, and for writes that
// create something, that the server carried them out at most once.
// RELIABILITY.md lists the same cases.

var quick = bankhub.RetryPolicy{MaxRetries: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, MaxRetryAfter: 3 * time.Second}

func fake(t *testing.T, opts ...bankhubtest.ServerOption) (*bankhubtest.Server, *bankhub.Client) {
	t.Helper()
	srv := bankhubtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv, srv.Client(bankhub.WithRetryPolicy(quick))
}

// linkedAccount prepares a company with a linked account on the fake.
func linkedAccount(t *testing.T, srv *bankhubtest.Server, c *bankhub.Client) (string, string) {
	t.Helper()
	ctx := context.Background()
	co, err := c.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "Công ty TNHH " + t.Name(), Status: bankhub.CompanyActive})
	require.NoError(t, err)
	lt, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: co.XID, Purpose: bankhub.PurposeLinkBankAccount})
	require.NoError(t, err)
	acct, err := srv.SimulateLink(ctx, lt.LinkToken, bankhubtest.LinkParams{})
	require.NoError(t, err)
	srv.ResetRequests()
	return co.XID, acct
}

// createOps are the four create-class operations, each with the op name and
// the Stats field that grows when the server carries it out.
type createOp struct {
	name     string
	op       string
	executed func(bankhubtest.Stats) int
	call     func(ctx context.Context, c *bankhub.Client, company, account string) error
	prepare  func(t *testing.T, c *bankhub.Client, company, account string) string // returns an id the call needs
}

func createOps() []createOp {
	return []createOp{
		{"company create", bankhubtest.OpCompanyCreate, func(s bankhubtest.Stats) int { return s.Companies - 1 },
			func(ctx context.Context, c *bankhub.Client, _, _ string) error {
				_, err := c.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "New company", Status: bankhub.CompanyActive})
				return err
			}, nil},
		{"link-token create", bankhubtest.OpLinkTokenCreate, func(s bankhubtest.Stats) int { return s.LinkTokens - 1 },
			func(ctx context.Context, c *bankhub.Client, company, _ string) error {
				_, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company, Purpose: bankhub.PurposeLinkBankAccount})
				return err
			}, nil},
		{"transaction simulate", bankhubtest.OpTransactionCreate, func(s bankhubtest.Stats) int { return s.Transactions },
			func(ctx context.Context, c *bankhub.Client, _, account string) error {
				_, err := c.Transactions.Simulate(ctx, &bankhub.SimulateTransactionParams{BankAccountXID: account, TransferType: bankhub.TransferCredit, Amount: 1000, TransactionContent: "x"})
				return err
			}, nil},
		{"link-token revoke", bankhubtest.OpLinkTokenRevoke, func(s bankhubtest.Stats) int { return s.RevokedLinkTokens },
			nil, nil},
	}
}

// TestFaultMatrixCreates runs the faults that matter for duplicate writes
// against every create-class operation.
func TestFaultMatrixCreates(t *testing.T) {
	t.Parallel()
	faults := []struct {
		name     string
		inject   func(srv *bankhubtest.Server, op string)
		wantErr  error // nil: success
		requests int
		executed int
	}{
		{"503 once", func(s *bankhubtest.Server, op string) { s.FailNext(op, 1, 503, 0) }, bankhub.ErrServer, 1, 0},
		{"500 storm", func(s *bankhubtest.Server, op string) { s.FailNext(op, 10, 500, 0) }, bankhub.ErrServer, 1, 0},
		{"502 once", func(s *bankhubtest.Server, op string) { s.FailNext(op, 1, 502, 0) }, bankhub.ErrServer, 1, 0},
		{"504 once", func(s *bankhubtest.Server, op string) { s.FailNext(op, 1, 504, 0) }, bankhub.ErrServer, 1, 0},
		{"429 then success", func(s *bankhubtest.Server, op string) { s.FailNext(op, 2, 429, 0) }, nil, 3, 1},
		{"connection dropped before work", func(s *bankhubtest.Server, op string) { s.DropNext(op, 1) }, errTransport, 1, 0},
		{"answer lost after work", func(s *bankhubtest.Server, op string) { s.DropAfterNext(op, 1) }, errTransport, 1, 1},
		{"block page", func(s *bankhubtest.Server, op string) { s.BlockNext(op, 1) }, bankhub.ErrBlocked, 1, 0},
	}
	for _, op := range createOps() {
		for _, f := range faults {
			t.Run(op.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				srv, c := fake(t)
				company, account := linkedAccount(t, srv, c)
				call := op.call
				if call == nil { // revoke needs a token to revoke
					lt, err := c.LinkTokens.Create(context.Background(), &bankhub.LinkTokenCreateParams{CompanyXID: company, Purpose: bankhub.PurposeLinkBankAccount})
					require.NoError(t, err)
					call = func(ctx context.Context, c *bankhub.Client, _, _ string) error {
						return c.LinkTokens.Revoke(ctx, lt.XID)
					}
					srv.ResetRequests()
				}
				f.inject(srv, op.op)
				err := call(context.Background(), c, company, account)
				switch {
				case f.wantErr == nil:
					require.NoError(t, err)
				case errors.Is(f.wantErr, errTransport):
					require.Error(t, err)
					var apiErr *bankhub.APIError
					assert.NotErrorAs(t, err, &apiErr, "a transport error, not an answer: %v", err)
				default:
					require.ErrorIs(t, err, f.wantErr)
				}
				assert.Equal(t, f.requests, srv.Count(op.op), "requests the server saw")
				assert.Equal(t, f.executed, op.executed(srv.Stats()), "times the server carried the operation out")
				assert.LessOrEqual(t, op.executed(srv.Stats()), 1, "never more than once")
			})
		}
	}
}

var errTransport = errors.New("transport error")

func TestFaultMatrixCreateConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	var attempts atomic.Int32
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		attempts.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := bankhub.NewClient("", "", bankhub.WithBaseURL("http://"+addr), bankhub.WithHTTPClient(hc), bankhub.WithRetryPolicy(quick),
		bankhub.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})))
	require.NoError(t, err)
	_, err = c.Companies.Create(context.Background(), &bankhub.CompanyCreateParams{FullName: "X", Status: bankhub.CompanyActive})
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.Equal(t, int32(4), attempts.Load(), "refused: the request surely did not arrive, so a create is retried")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestFaultMatrixReads covers the remaining cases on read operations.
func TestFaultMatrixReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	getCompanies := func(c *bankhub.Client) error { _, err := c.Companies.List(ctx, nil); return err }
	cases := []struct {
		name     string
		inject   func(s *bankhubtest.Server)
		wantErr  error
		requests int
		minTime  time.Duration
	}{
		{"429 without Retry-After", func(s *bankhubtest.Server) { s.FailNext(bankhubtest.OpCompanyList, 1, 429, 0) }, nil, 2, 0},
		{"429 with Retry-After seconds", func(s *bankhubtest.Server) { s.FailNext(bankhubtest.OpCompanyList, 1, 429, time.Second) }, nil, 2, 900 * time.Millisecond},
		{"Retry-After beyond the cap", func(s *bankhubtest.Server) { s.FailNext(bankhubtest.OpCompanyList, 1, 429, time.Hour) }, bankhub.ErrRateLimited, 1, 0},
		{"500 storm shorter than the budget", func(s *bankhubtest.Server) { s.FailNext(bankhubtest.OpCompanyList, 3, 500, 0) }, nil, 4, 0},
		{"502 storm shorter than the budget", func(s *bankhubtest.Server) { s.FailNext(bankhubtest.OpCompanyList, 2, 502, 0) }, nil, 3, 0},
		{"503 storm longer than the budget", func(s *bankhubtest.Server) { s.FailNext(bankhubtest.OpCompanyList, 9, 503, 0) }, bankhub.ErrServer, 4, 0},
		{"504 storm longer than the budget", func(s *bankhubtest.Server) { s.FailNext(bankhubtest.OpCompanyList, 9, 504, 0) }, bankhub.ErrServer, 4, 0},
		{"connection dropped", func(s *bankhubtest.Server) { s.DropNext(bankhubtest.OpCompanyList, 1) }, nil, 2, 0},
		{"answer lost after work", func(s *bankhubtest.Server) { s.DropAfterNext(bankhubtest.OpCompanyList, 1) }, nil, 2, 0},
		{"HTML block page", func(s *bankhubtest.Server) { s.BlockNext(bankhubtest.OpCompanyList, 1) }, bankhub.ErrBlocked, 1, 0},
		{"token endpoint down briefly", func(s *bankhubtest.Server) { s.FailNext(bankhubtest.OpToken, 2, 503, 0) }, nil, 1, 0},
		{"token endpoint down", func(s *bankhubtest.Server) { s.FailNext(bankhubtest.OpToken, 9, 503, 0) }, bankhub.ErrServer, 0, 0},
		{"token endpoint blocked", func(s *bankhubtest.Server) { s.BlockNext(bankhubtest.OpToken, 1) }, bankhub.ErrBlocked, 0, 0},
	}
	tokenRequests := map[string]int{"token endpoint down briefly": 3, "token endpoint down": 4, "token endpoint blocked": 1}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c := fake(t)
			tc.inject(srv)
			start := time.Now()
			err := getCompanies(c)
			if tc.wantErr == nil {
				require.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.wantErr)
			}
			assert.Equal(t, tc.requests, srv.Count(bankhubtest.OpCompanyList))
			if n, ok := tokenRequests[tc.name]; ok {
				assert.Equal(t, n, srv.Count(bankhubtest.OpToken), "token requests")
			}
			assert.GreaterOrEqual(t, time.Since(start), tc.minTime)
		})
	}
}

func TestFaultMatrixTokenEndpointRejects(t *testing.T) {
	t.Parallel()
	srv, _ := fake(t)
	c, err := bankhub.NewClient(srv.ClientID, "wrong", bankhub.WithBaseURL(srv.URL), bankhub.WithRetryPolicy(quick))
	require.NoError(t, err)
	_, err = c.Companies.List(context.Background(), nil)
	require.ErrorIs(t, err, bankhub.ErrUnauthorized)
	assert.Equal(t, 1, srv.Count(bankhubtest.OpToken), "bad credentials are not retried")
	assert.Equal(t, 0, srv.Count(bankhubtest.OpCompanyList))
}

func TestFaultMatrixTokenSourceAlwaysRejected(t *testing.T) {
	t.Parallel()
	srv, _ := fake(t)
	c, err := bankhub.NewClient("", "", bankhub.WithBaseURL(srv.URL), bankhub.WithRetryPolicy(quick),
		bankhub.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "revoked-everywhere"})))
	require.NoError(t, err)
	_, err = c.Companies.List(context.Background(), nil)
	assert.ErrorIs(t, err, bankhub.ErrUnauthorized)
	assert.Equal(t, 2, srv.Count(bankhubtest.OpCompanyList), "one attempt and one replay, never a loop")
}

func TestFaultMatrixTokensExpireMidIteration(t *testing.T) {
	t.Parallel()
	srv, c := fake(t)
	_, account := linkedAccount(t, srv, c)
	ctx := context.Background()
	for range 25 {
		_, err := srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: account, Amount: 1000, Content: "x"})
		require.NoError(t, err)
	}
	n := 0
	for _, err := range c.Transactions.All(ctx, &bankhub.TransactionListParams{PerPage: 10}) {
		require.NoError(t, err)
		n++
		if n%10 == 1 {
			srv.ExpireTokens() // every page after this one meets a 401 first
		}
	}
	assert.Equal(t, 25, n)
	assert.Equal(t, 2, srv.Count(bankhubtest.OpToken), "one refresh per expiry (the first exchange was before the log was reset)")
	assert.Equal(t, 5, srv.Count(bankhubtest.OpTransactionList), "3 pages + 2 rejected attempts")
}

// misbehaving starts an httptest server with h and a client for it.
func misbehaving(t *testing.T, h http.HandlerFunc, opts ...bankhub.Option) *bankhub.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	all := append([]bankhub.Option{bankhub.WithBaseURL(srv.URL), bankhub.WithRetryPolicy(quick),
		bankhub.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"}))}, opts...)
	c, err := bankhub.NewClient("", "", all...)
	require.NoError(t, err)
	return c
}

// hanging starts a server that accepts requests and never answers them
// (until the test ends) and returns a client for it and the request count.
func hanging(t *testing.T, opts ...bankhub.Option) (*bankhub.Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	release := make(chan struct{})
	c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}, opts...)
	t.Cleanup(func() { close(release) }) // before the server's Close, which waits for handlers
	return c, &n
}

func TestFaultMatrixHTTP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	okBody := `{"data":{"transaction_whitelist_remark_keywords":[],"global_hosted_link_custom_css":"","logo_url":""}}`

	t.Run("never answers: client timeout", func(t *testing.T) {
		t.Parallel()
		c, n := hanging(t, bankhub.WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
		_, err := c.MerchantConfig.Get(ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Client.Timeout")
		assert.Equal(t, int32(4), n.Load(), "a read that timed out is retried")
	})
	t.Run("never answers: context deadline", func(t *testing.T) {
		t.Parallel()
		c, n := hanging(t)
		dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.MerchantConfig.Get(dctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, int32(1), n.Load())
	})
	t.Run("create times out: not resent", func(t *testing.T) {
		t.Parallel()
		c, n := hanging(t, bankhub.WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
		_, err := c.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "X", Status: bankhub.CompanyActive})
		require.Error(t, err)
		assert.Equal(t, int32(1), n.Load(), "the create may have arrived")
	})
	t.Run("429 with Retry-After as an HTTP date", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int32
		c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.Header().Set("Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
				w.WriteHeader(429)
				return
			}
			io.WriteString(w, okBody)
		})
		start := time.Now()
		_, err := c.MerchantConfig.Get(ctx)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "the date is whole seconds: at least 1s away")
		assert.Equal(t, int32(2), n.Load())
	})
	t.Run("slow body", func(t *testing.T) {
		t.Parallel()
		c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			half := len(okBody) / 2
			io.WriteString(w, okBody[:half])
			w.(http.Flusher).Flush()
			time.Sleep(200 * time.Millisecond)
			io.WriteString(w, okBody[half:])
		})
		cfg, err := c.MerchantConfig.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{}, cfg.TransactionWhitelistRemarkKeywords)
	})
	t.Run("connection reset mid-body", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int32
		c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.Header().Set("Content-Length", "500")
				w.WriteHeader(200)
				io.WriteString(w, okBody[:20])
				w.(http.Flusher).Flush()
				if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
					conn.(*net.TCPConn).SetLinger(0) // RST, not FIN
					conn.Close()
				}
				return
			}
			io.WriteString(w, okBody)
		})
		_, err := c.MerchantConfig.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, int32(2), n.Load())
	})
	for name, body := range map[string]string{
		"truncated JSON":   okBody[:30],
		"invalid JSON":     `{"data": {"logo_url": }}`,
		"empty body":       ``,
		"wrong JSON shape": `{"data": ["a", "b"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, body)
			})
			_, err := c.MerchantConfig.Get(ctx)
			var de *bankhub.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, 200, de.StatusCode)
			assert.Equal(t, name == "empty body", errors.Is(err, bankhub.ErrEmptyBody))
			assert.Equal(t, int32(1), n.Load(), "a 200 is not retried")
		})
	}
	t.Run("redirect not followed", func(t *testing.T) {
		t.Parallel()
		var leaked atomic.Value
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked.Store(r.Header.Get("Authorization")) }))
		t.Cleanup(other.Close)
		c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		})
		_, err := c.MerchantConfig.Get(ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "302")
		assert.Nil(t, leaked.Load(), "the token was not sent elsewhere")
	})
	t.Run("cancelled before send", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int32
		c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) { n.Add(1) })
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := c.MerchantConfig.Get(cctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, int32(0), n.Load())
	})
	t.Run("cancelled during backoff", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int32
		c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(503)
		})
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.MerchantConfig.Get(cctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(start), 300*time.Millisecond)
		assert.Equal(t, int32(1), n.Load())
	})
	t.Run("cancelled during body read", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(200)
			io.WriteString(w, okBody[:20])
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		t.Cleanup(func() { close(release) }) // before the server's Close, which waits for handlers
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.MerchantConfig.Get(cctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Less(t, time.Since(start), 300*time.Millisecond)
	})
	// A cancelled call keeps its transport error as an error, not as text:
	// both the cancellation and the *url.Error are reachable.
	t.Run("cancelled while waiting for the answer", func(t *testing.T) {
		t.Parallel()
		c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := c.MerchantConfig.Get(cctx)
		assert.ErrorIs(t, err, context.Canceled)
		var ue *url.Error
		if assert.ErrorAs(t, err, &ue) {
			assert.Contains(t, ue.URL, "/v1/merchant-config")
		}
	})
	t.Run("timed out while waiting for the answer", func(t *testing.T) {
		t.Parallel()
		c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err := c.MerchantConfig.Get(cctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var ue *url.Error
		assert.ErrorAs(t, err, &ue)
	})
}

// TestRedactionWholeFlow runs the quickstart flow at Debug level with
// distinctive secrets and scans everything printed, logged and returned.
func TestRedactionWholeFlow(t *testing.T) {
	t.Parallel()
	const (
		clientSecret = "CS-q9Zx7-DISTINCTIVE-SECRET"
		hookSecret   = "WH-k3Lm8-DISTINCTIVE-SECRET"
		ipnKey       = "IPN-p2Rt5-DISTINCTIVE-KEY"
	)
	var out strings.Builder
	var mu sync.Mutex
	logw := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(p) })
	logger := newDebugLogger(logw)

	var tokens []string
	var tmu sync.Mutex
	capture := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
			tmu.Lock()
			tokens = append(tokens, strings.TrimPrefix(a, "Bearer "))
			tmu.Unlock()
		}
		return http.DefaultTransport.RoundTrip(r)
	})}

	mux := http.NewServeMux()
	mux.Handle("/events", bankhub.NewWebhookHandler(hookSecret, func(context.Context, *bankhub.Event) error { return nil }, bankhub.WithHandlerLogger(logger)))
	mux.Handle("/ipn", bankhub.NewIPNHandler(ipnKey, func(context.Context, *bankhub.IPN) error { return errors.New("db down") }, bankhub.WithHandlerLogger(logger)))
	merchant := httptest.NewServer(mux)
	defer merchant.Close()

	srv := bankhubtest.NewServer(bankhubtest.WithCredentials("merchant-42", clientSecret), bankhubtest.WithIPN(merchant.URL+"/ipn", ipnKey))
	defer srv.Close()
	c, err := bankhub.NewClient("merchant-42", clientSecret, bankhub.WithBaseURL(srv.URL), bankhub.WithLogger(logger),
		bankhub.WithHTTPClient(capture), bankhub.WithRetryPolicy(quick))
	require.NoError(t, err)
	ctx := context.Background()
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	_, err = c.Webhooks.Set(ctx, &bankhub.WebhookConfigParams{WebhookURL: merchant.URL + "/events", SecretKey: hookSecret})
	require.NoError(t, err)
	wh, err := c.Webhooks.Get(ctx)
	require.NoError(t, err)
	fmt.Fprintf(&out, "%+v\n", wh)
	co, err := c.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "Công ty TNHH Redaction", Status: bankhub.CompanyActive})
	require.NoError(t, err)
	keep(c.Companies.Update(ctx, co.XID, &bankhub.CompanyUpdateParams{TransactionAmount: bankhub.Ptr(bankhub.UnlimitedTransactions())}))
	lt, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: co.XID, Purpose: bankhub.PurposeLinkBankAccount})
	require.NoError(t, err)
	acct, err := srv.SimulateLink(ctx, lt.LinkToken, bankhubtest.LinkParams{})
	require.NoError(t, err)
	_, err = c.LinkTokens.Get(ctx, lt.LinkToken)
	keep(err)
	_, err = c.LinkTokens.Get(ctx, lt.LinkToken+"-unknown") // 404
	keep(err)
	_, err = c.Transactions.Simulate(ctx, &bankhub.SimulateTransactionParams{BankAccountXID: acct, TransferType: bankhub.TransferCredit, Amount: 5000, TransactionContent: "x"})
	keep(err)
	srv.ExpireTokens()
	for _, err := range c.Transactions.All(ctx, nil) {
		keep(err)
	}
	srv.FailNext(bankhubtest.OpCompanyList, 9, 503, 0)
	_, err = c.Companies.List(ctx, nil)
	keep(err)
	bad, _ := bankhub.NewClient("merchant-42", clientSecret+"-wrong", bankhub.WithBaseURL(srv.URL), bankhub.WithLogger(logger))
	_, err = bad.Companies.List(ctx, nil)
	keep(err)
	// A forged IPN and event, refused and logged.
	req, _ := bankhub.NewIPNTestRequest(merchant.URL+"/ipn", ipnKey+"x", []byte(`{"transaction_id":"t"}`))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	for _, e := range errs {
		fmt.Fprintf(&out, "%v\n%+v\n%#v\n", e, e, e)
	}
	fmt.Fprintf(&out, "%v %+v %#v %v\n", c, c, c, c.TokenSource())
	require.GreaterOrEqual(t, len(errs), 3)

	tmu.Lock()
	issued := append([]string(nil), tokens...)
	tmu.Unlock()
	require.NotEmpty(t, issued)
	text := out.String()
	require.Contains(t, text, "/v1/company", "the log was captured")
	for _, secret := range append([]string{clientSecret, hookSecret, ipnKey, lt.LinkToken}, issued...) {
		assert.NotContains(t, text, secret)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func newDebugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
