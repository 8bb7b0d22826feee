// Package bankhubtest is an in-memory Bank Hub for tests and examples: an
// httptest server that implements every endpoint of the API with the
// documented shapes and statuses, keeps state, issues expiring tokens, can
// play a user linking or unlinking an account and money arriving
// (delivering the webhook events and IPN a real merchant would receive),
// and can misbehave on purpose.
//
//	srv := bankhubtest.NewTestServer(t) // closed when the test ends
//	client := srv.Client()
//	company := srv.AddCompany(bankhubtest.CompanyParams{})
//	account, _ := srv.AddBankAccount(company, bankhubtest.LinkParams{})
//
// It is strict where the real API is: wrong auth scheme, unknown or expired
// tokens, missing required fields, unknown enum values and unknown ids are
// refused with the API's statuses and error envelopes.
//
// The same server serves a working hosted link page at every
// hosted_link_url (SandboxAccounts lists its test accounts and OTPs), and a
// control API under ControlPrefix that does over HTTP what the Go methods
// do, for tests in any language; cmd/bankhub-fake runs it standalone.
// Deliveries are synchronous: the method that causes one returns after the
// merchant answered.
package bankhubtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bankhub-go/bankhub"
)

// Operations, named by method and path pattern as in the SDK's logs. Use
// them with the fault methods and Count.
const (
	OpToken              = "POST /v1/token"
	OpLinkTokenCreate    = "POST /v1/link-token/create"
	OpLinkTokenGet       = "POST /v1/link-token/get"
	OpLinkTokenRevoke    = "POST /v1/link-token/revoke"
	OpCompanyList        = "GET /v1/company"
	OpCompanyGet         = "GET /v1/company/{xid}"
	OpCompanyCreate      = "POST /v1/company/create"
	OpCompanyUpdate      = "POST /v1/company/edit/{xid}"
	OpCompanyCounter     = "GET /v1/company/counter/{xid}"
	OpBankAccountList    = "GET /v1/bank-account"
	OpBankAccountGet     = "GET /v1/bank-account/{xid}"
	OpTransactionList    = "GET /v1/transaction"
	OpTransactionGet     = "GET /v1/transaction/{transaction_id}"
	OpTransactionCreate  = "POST /v1/transaction/create"
	OpMerchantConfigGet  = "GET /v1/merchant-config"
	OpMerchantConfigSet  = "POST /v1/merchant-config"
	OpMerchantLogo       = "POST /v1/merchant-config/logo"
	OpMerchantCounter    = "GET /v1/merchant-config/counter"
	OpWebhookGet         = "GET /v1/webhook"
	OpWebhookSet         = "POST /v1/webhook"
	defaultClientID      = DefaultClientID
	defaultClientSecret  = DefaultClientSecret
	defaultTokenTTL      = time.Hour
	defaultLinkTokenLife = time.Hour
)

// The credentials a server accepts unless WithCredentials says otherwise.
const (
	DefaultClientID     = "bankhubtest-client"
	DefaultClientSecret = "bankhubtest-secret"
)

// Server is a fake Bank Hub. Its exported fields are set by NewServer.
type Server struct {
	// URL is the base URL to give bankhub.WithBaseURL.
	URL string
	// ClientID and ClientSecret are the credentials the server accepts.
	ClientID, ClientSecret string

	srv       *httptest.Server
	mux       *http.ServeMux
	addr      string
	publicURL string
	logger    *slog.Logger
	ttl       time.Duration
	sandbox   bool
	now       func() time.Time
	delivery  deliveryConfig
	offset    atomic.Int64 // Advance, in nanoseconds

	mu           sync.Mutex
	tokens       map[string]time.Time // access token → expiry
	companies    []*company
	linkTokens   []*linkToken
	bankAccounts []*bankAccount
	transactions []*transaction
	merchant     merchantConfig
	webhook      *webhookConfig
	ipnURL       string
	ipnKey       string
	faults       map[string][]*Fault
	requests     []*Request // the last logSize, oldest first
	counts       map[string]int
	deliveries   []Delivery // the last logSize
	logSize      int
}

// NewServer starts a fake Bank Hub on a loopback port. Close it when done.
// It panics if it cannot listen (only possible with WithAddr); Start
// returns that error instead.
func NewServer(opts ...ServerOption) *Server {
	s, err := Start(opts...)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// Start is NewServer returning an error, such as an address in use, rather
// than panicking.
func Start(opts ...ServerOption) (*Server, error) {
	s := &Server{
		ClientID:     defaultClientID,
		ClientSecret: defaultClientSecret,
		ttl:          defaultTokenTTL,
		sandbox:      true,
		delivery:     deliveryConfig{retries: 7, base: 10 * time.Millisecond},
		tokens:       map[string]time.Time{},
		faults:       map[string][]*Fault{},
		counts:       map[string]int{},
		logSize:      DefaultLogSize,
		merchant:     merchantConfig{keywords: []string{}},
	}
	s.now = func() time.Time { return time.Now().Add(time.Duration(s.offset.Load())) }
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	s.mux = http.NewServeMux()
	s.routes()
	s.srv = httptest.NewUnstartedServer(s)
	if s.addr != "" {
		l, err := net.Listen("tcp", s.addr)
		if err != nil {
			s.srv.Close()
			return nil, fmt.Errorf("bankhubtest: %w", err)
		}
		s.srv.Listener.Close()
		s.srv.Listener = l
	}
	s.srv.Start()
	s.URL = reachableURL(s.srv.URL)
	if s.publicURL != "" {
		s.URL = s.publicURL
	}
	s.delivery.client = &http.Client{
		Timeout: 8 * time.Second,
		Transport: &http.Transport{
			DialContext:     (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:    10,
			IdleConnTimeout: 30 * time.Second,
		},
	}
	return s, nil
}

// reachableURL turns a wildcard listen address (0.0.0.0, [::]) into one a
// client on this machine can reach.
func reachableURL(u string) string {
	for _, wild := range []string{"://0.0.0.0:", "://[::]:"} {
		if strings.Contains(u, wild) {
			return strings.Replace(u, wild, "://127.0.0.1:", 1)
		}
	}
	return u
}

// Close shuts the server down.
func (s *Server) Close() {
	s.srv.Close()
	if t, ok := s.delivery.client.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

// Client returns a bankhub.Client for this server. It retries quickly
// (backoff 5ms to 50ms) so that fault tests stay fast; opts are applied after
// and can override that.
func (s *Server) Client(opts ...bankhub.Option) *bankhub.Client {
	all := append([]bankhub.Option{
		bankhub.WithBaseURL(s.URL),
		bankhub.WithRetryPolicy(bankhub.RetryPolicy{MaxRetries: 3, MinWait: 5 * time.Millisecond, MaxWait: 50 * time.Millisecond, MaxRetryAfter: 5 * time.Second}),
	}, opts...)
	c, err := bankhub.NewClient(s.ClientID, s.ClientSecret, all...)
	if err != nil {
		panic("bankhubtest: " + err.Error())
	}
	return c
}

// locked runs fn with s.mu held, and releases it even if fn panics.
func (s *Server) locked(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
}

// ServeHTTP routes a request, applying any queued fault first.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, op := s.mux.Handler(r)
	if !strings.HasPrefix(op, "GET /v1/") && !strings.HasPrefix(op, "POST /v1/") {
		op = ""
	}
	sw := &statusWriter{ResponseWriter: w}
	// Logged on arrival, so that a client that retried at once after a
	// dropped connection finds both requests counted.
	entry := &Request{Op: op, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, At: s.now()}
	s.mu.Lock()
	s.requests = bounded(append(s.requests, entry), s.logSize)
	s.counts[op]++
	s.mu.Unlock()
	ctx := r.Context()
	defer func() {
		s.mu.Lock()
		entry.Status = sw.status // the entry itself: safe across ResetRequests
		s.mu.Unlock()
		if s.logger != nil {
			s.logger.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.String("op", op), slog.Int("status", sw.status), slog.Duration("duration", time.Since(entry.At)))
		}
	}()
	defer s.recoverPanic(sw, r)
	f := s.takeFault(op)
	if f != nil && s.applyFault(sw, r, f) {
		return
	}
	if f != nil && f.DropAfter {
		s.mux.ServeHTTP(httptest.NewRecorder(), r)
		drop(sw)
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// recoverPanic answers 500 when a handler panics, so that one bad request
// cannot take the fake down (every lock is released by a defer).
func (s *Server) recoverPanic(w *statusWriter, r *http.Request) {
	p := recover()
	if p == nil {
		return
	}
	if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
		panic(p)
	}
	if w.status == 0 {
		writeJSON(w, http.StatusInternalServerError, codeMessage{500, "Internal Server Error"})
	}
	s.logf("bankhubtest: %s %s: handler panicked: %v", r.Method, r.URL.Path, p)
}

// logf reports a fault of the fake itself on stderr.
func (s *Server) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// validationError answers 400 in the API's global envelope.
func validationError(w http.ResponseWriter, field, msg string) {
	writeJSON(w, http.StatusBadRequest, validationBody{400, "Validation error", map[string]string{field: msg}})
}

// notFound answers 404; shaped is true for the endpoints whose docs show the
// {code, message, status, error} shape.
func notFound(w http.ResponseWriter, what string, shaped bool) {
	if shaped {
		writeJSON(w, http.StatusNotFound, shapedNotFound{404, what + " not found", 404, "Not Found"})
		return
	}
	writeJSON(w, http.StatusNotFound, codeMessage{404, "Resource not found"})
}

// decodeJSONBody reads a JSON object body; it answers 400 and returns false
// when the content type or the body is wrong.
func decodeJSONBody(w http.ResponseWriter, r *http.Request, v any) bool {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		writeJSON(w, http.StatusBadRequest, validationBody{400, "Content-Type must be application/json", nil})
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, validationBody{400, "Bad request", map[string]string{"body": "invalid JSON: " + err.Error()}})
		return false
	}
	return true
}

func newXID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// apiTime writes t as the API does: "2006-01-02 15:04:05" in Vietnam time,
// "" for the zero time.
func apiTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(bankhub.VietnamZone()).Format("2006-01-02 15:04:05")
}

// apiFlag writes b as the API writes most flags: "1" or "0".
func apiFlag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// ctxOrBackground keeps deliveries alive when the triggering request ends.
func ctxOrBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return context.WithoutCancel(ctx)
}

// Stats counts what the server holds: what it actually carried out,
// whatever the client saw.
type Stats struct {
	Companies, LinkTokens, RevokedLinkTokens, BankAccounts, Transactions int
}

// Stats returns the current counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Companies: len(s.companies), LinkTokens: len(s.linkTokens), Transactions: len(s.transactions)}
	for _, lt := range s.linkTokens {
		if lt.status == "Revoked" {
			st.RevokedLinkTokens++
		}
	}
	for _, b := range s.bankAccounts {
		if b.active {
			st.BankAccounts++
		}
	}
	return st
}
