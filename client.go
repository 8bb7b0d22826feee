package bankhub

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
)

// Version is the SDK version, sent in the User-Agent header.
const Version = "0.1.0"

// Base URLs of the two Bank Hub environments.
const (
	ProductionURL = "https://bankhub-api.sepay.vn"
	SandboxURL    = "https://bankhub-api-sandbox.sepay.vn"
)

const (
	maxResponseBody = 32 << 20
	defaultTimeout  = 60 * time.Second
)

// Client talks to the Bank Hub API. It is safe for concurrent use; create one
// per set of credentials and share it.
type Client struct {
	// LinkTokens creates, inspects and revokes link tokens (hosted link sessions).
	LinkTokens *LinkTokenService
	// Companies manages the merchant's companies.
	Companies *CompanyService
	// BankAccounts reads linked bank accounts.
	BankAccounts *BankAccountService
	// Transactions reads transactions and simulates them in the sandbox.
	Transactions *TransactionService
	// MerchantConfig reads and changes the merchant configuration.
	MerchantConfig *MerchantConfigService
	// Webhooks reads and sets the event-webhook configuration.
	Webhooks *WebhookService

	baseURL    string // without trailing slash
	httpClient *http.Client
	retriers   [3]*retryablehttp.Client // indexed by retryClass
	policy     RetryPolicy
	tokens     oauth2.TokenSource
	builtin    *tokenSource // nil when the caller supplied a source
	basicAuth  *credential  // behind a pointer so no fmt rendering of a Client value reaches it
	userAgent  []string
	logger     *slog.Logger // nil when logging is off
	lastAuth   atomic.Pointer[authHeader]
	ttlWarned  atomic.Bool // the token answer's ttl was not understood (logged once)
}

// service is the common shape of every resource service.
type service struct{ client *Client }

// credential holds the "Basic …" header value, and its parts for redaction.
type credential struct {
	header          []string
	secret, encoded string
}

// Format keeps the credential out of every fmt verb.
func (*credential) Format(f fmt.State, _ rune) { io.WriteString(f, "[redacted]") }

type authHeader struct {
	tok   *oauth2.Token
	token string
	value []string
}

var (
	hdrJSON      = []string{"application/json"}
	noRedirect   = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	errNilOption = errors.New("bankhub: nil option")
)

// Option configures a Client. Each option is validated by NewClient.
type Option func(*config) error

type config struct {
	baseURL     string
	httpClient  *http.Client
	tokenSource oauth2.TokenSource
	retry       RetryPolicy
	logger      *slog.Logger
	userAgent   string
}

// WithBaseURL sets the API's base URL (scheme and host, optionally a path
// prefix). It must be an absolute http or https URL. The default is
// ProductionURL.
func WithBaseURL(rawURL string) Option {
	return func(c *config) error {
		u, err := url.Parse(strings.TrimSpace(rawURL))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("bankhub: base URL %q must be an absolute http(s) URL", truncate(rawURL, 100))
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return errors.New("bankhub: base URL must not carry user info, a query or a fragment")
		}
		c.baseURL = strings.TrimRight(u.String(), "/")
		return nil
	}
}

// WithSandbox points the client at SandboxURL.
func WithSandbox() Option { return WithBaseURL(SandboxURL) }

// WithHTTPClient sets the HTTP client used for every request. The SDK uses a
// shallow copy with redirects disabled (a redirect would carry the bearer
// token to another URL); its Transport, Timeout and Jar are kept. Without this
// option the client has its own transport with connect, TLS and header
// timeouts and a 60s overall timeout; it never uses http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("bankhub: WithHTTPClient: nil *http.Client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithTokenSource replaces the built-in /v1/token exchange, e.g. with a cache
// shared by several replicas. The client asks the source for a token before
// every call, so the source should cache (wrap it with oauth2.ReuseTokenSource
// if it does not). If the source has a method Invalidate(*oauth2.Token), the
// client calls it with a token the API rejected (401) before asking for a new
// one. With a token source, clientID and clientSecret may be empty.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) error {
		if ts == nil {
			return errors.New("bankhub: WithTokenSource: nil token source")
		}
		c.tokenSource = ts
		return nil
	}
}

// WithRetryPolicy sets how failed attempts are retried (see RetryPolicy and
// NoRetry). The default is DefaultRetryPolicy().
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// WithLogger makes the client log one Debug line per HTTP attempt (method,
// path template, status, attempt, duration) and Warn lines for token refresh
// failures. Bodies and headers are never logged. Without this option (or with
// nil) the client is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithUserAgent appends s (e.g. "myshop/1.2") to the SDK's User-Agent,
// "bankhub-go/<version> (<go version>)".
func WithUserAgent(s string) Option {
	return func(c *config) error {
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return errors.New("bankhub: WithUserAgent: control characters are not allowed")
		}
		c.userAgent = strings.TrimSpace(s)
		return nil
	}
}

// NewClient returns a client for the merchant credentials issued by SePay.
// It makes no request: the first call fetches an access token.
//
// Errors: empty credentials without WithTokenSource, and any invalid option.
func NewClient(clientID, clientSecret string, opts ...Option) (*Client, error) {
	cfg := config{baseURL: ProductionURL, retry: DefaultRetryPolicy()}
	for _, opt := range opts {
		if opt == nil {
			return nil, errNilOption
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.tokenSource == nil {
		if strings.TrimSpace(clientID) == "" || strings.TrimSpace(clientSecret) == "" {
			return nil, errors.New("bankhub: NewClient: client ID and client secret are required (or use WithTokenSource)")
		}
		if strings.Contains(clientID, ":") {
			return nil, errors.New("bankhub: NewClient: client ID must not contain ':'")
		}
	}

	c := &Client{
		baseURL: cfg.baseURL,
		policy:  cfg.retry.withDefaults(),
		logger:  cfg.logger,
	}
	ua := "bankhub-go/" + Version + " (" + runtime.Version() + ")"
	if cfg.userAgent != "" {
		ua += " " + cfg.userAgent
	}
	c.userAgent = []string{ua}
	c.httpClient = newHTTPClient(cfg.httpClient, c.logger)
	for class := range c.retriers {
		c.retriers[class] = &retryablehttp.Client{
			HTTPClient:   c.httpClient,
			RetryWaitMin: c.policy.MinWait,
			RetryWaitMax: c.policy.MaxWait,
			RetryMax:     c.policy.MaxRetries,
			CheckRetry:   checkRetry(retryClass(class), c.policy.MaxRetryAfter),
			Backoff:      backoff,
			ErrorHandler: errorAfterAttempts,
		}
	}
	if cfg.tokenSource != nil {
		c.tokens = cfg.tokenSource
	} else {
		encoded := base64.StdEncoding.EncodeToString([]byte(clientID + ":" + clientSecret))
		c.basicAuth = &credential{header: []string{"Basic " + encoded}, secret: clientSecret, encoded: encoded}
		c.builtin = newTokenSource(c)
		c.tokens = c.builtin
	}

	common := &service{client: c}
	c.LinkTokens = (*LinkTokenService)(common)
	c.Companies = (*CompanyService)(common)
	c.BankAccounts = (*BankAccountService)(common)
	c.Transactions = (*TransactionService)(common)
	c.MerchantConfig = (*MerchantConfigService)(common)
	c.Webhooks = (*WebhookService)(common)
	return c, nil
}

// BaseURL returns the API base URL the client sends to.
func (c *Client) BaseURL() string { return c.baseURL }

// TokenSource returns the source of access tokens the client uses: the
// built-in /v1/token exchange or the one given to WithTokenSource.
func (c *Client) TokenSource() oauth2.TokenSource { return c.tokens }

// String describes the client without any credential.
func (c *Client) String() string {
	return fmt.Sprintf("bankhub.Client{BaseURL: %s, Credentials: [redacted]}", c.baseURL)
}

// Format keeps credentials out of every fmt verb, including %+v and %#v.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

func newHTTPClient(user *http.Client, logger *slog.Logger) *http.Client {
	var hc http.Client
	if user != nil {
		hc = *user
	} else {
		hc = http.Client{
			Timeout: defaultTimeout,
			Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				ForceAttemptHTTP2:     true,
				MaxIdleConns:          100,
				MaxIdleConnsPerHost:   32,
				IdleConnTimeout:       90 * time.Second,
				TLSHandshakeTimeout:   10 * time.Second,
				ResponseHeaderTimeout: 30 * time.Second,
				ExpectContinueTimeout: time.Second,
			},
		}
	}
	hc.CheckRedirect = noRedirect
	if logger != nil {
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = &logTransport{base: base, logger: logger}
	}
	return &hc
}

func errorAfterAttempts(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if err != nil && attempts > 1 {
		err = fmt.Errorf("after %d attempts: %w", attempts, err)
	}
	return resp, err
}

// endpoint declares one API operation. Everything about it comes from
// here: the op name (the prefix of its ParamErrors), the wire path (pattern
// with each {placeholder} filled, escaped, from the call's ids), the log
// template (pattern itself) and the retry class.
type endpoint struct {
	name    string // e.g. "Companies.Get"
	method  string
	pattern string // e.g. "/v1/company/{xid}"
	class   retryClass
	basic   bool // Basic credentials instead of a bearer token
}

// path fills the pattern's placeholders with ids, in order, each checked
// (requireID, under the placeholder's name) and escaped as one segment.
func (ep *endpoint) path(ids ...string) (string, error) {
	if len(ids) == 0 {
		return ep.pattern, nil
	}
	var b strings.Builder
	b.Grow(len(ep.pattern) + 3*len(ids[0])) // one allocation for the API's paths (one id, escaped)
	rest := ep.pattern
	for _, id := range ids {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			return "", fmt.Errorf("bankhub: %s: more ids than placeholders in %s", ep.name, ep.pattern)
		}
		if err := requireID(ep.name, rest[i+1:j], id); err != nil {
			return "", err
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(id))
		rest = rest[j+1:]
	}
	b.WriteString(rest)
	return b.String(), nil
}

// call is the state of one API call across its attempts.
type call struct {
	ep      *endpoint
	path    string
	buf     *bytes.Buffer // body of the final answer, read by readBody
	attempt int
}

type callKey struct{}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// request is what one call of an endpoint carries. Every params type has
// one encode(op string) (request, error) that checks the params (a
// *ParamError under the op's name, before anything is sent) and returns
// the call's query and body; the resource method adds the path's ids.
type request struct {
	ids     []string // the pattern's placeholders, in order
	query   string
	in, out any // JSON body (nil for none), decoded 2xx answer (nil to ignore)
	// secrets are values of the call to keep out of any error (a webhook
	// secret being set, a link-token value being looked up).
	secrets []string
}

// do performs one API call: fills the path, JSON-encodes r.in as the body,
// sends it with authentication and retries, and decodes a 2xx answer into
// r.out.
func (c *Client) do(ctx context.Context, ep *endpoint, r request) error {
	path, err := ep.path(r.ids...)
	if err != nil {
		return err
	}
	var body []byte
	if r.in != nil {
		if body, err = json.Marshal(r.in); err != nil {
			return fmt.Errorf("bankhub: %s %s: encoding request: %w", ep.method, path, err)
		}
	}
	return c.send(ctx, ep, path, r.query, body, "application/json", r.out, r.secrets)
}

// upload sends content as the single file field of a multipart/form-data
// body. The body is built once, so a retry resends it whole.
func (c *Client) upload(ctx context.Context, ep *endpoint, field, filename, contentType string, content []byte, out any) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := make(textproto.MIMEHeader, 2)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	h.Set("Content-Type", contentType)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(content)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return fmt.Errorf("bankhub: %s %s: building request: %w", ep.method, ep.pattern, err)
	}
	return c.send(ctx, ep, ep.pattern, "", body.Bytes(), mw.FormDataContentType(), out, nil)
}

// send is the one request path every operation goes through.
func (c *Client) send(ctx context.Context, ep *endpoint, path, query string, body []byte, contentType string, out any, secrets []string) error {
	if ctx == nil {
		return errors.New("bankhub: nil context")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	u := c.baseURL + path
	if query != "" {
		u = c.baseURL + path + "?" + query // one allocation
	}
	cl := &call{ep: ep, path: path}
	outer := ctx
	if c.logger != nil && c.logger.Enabled(ctx, slog.LevelDebug) {
		ctx = context.WithValue(ctx, callKey{}, cl)
	}

	var auth *authHeader
	if !ep.basic {
		var err error
		if auth, err = c.authorization(outer); err != nil {
			return err
		}
	}
	resp, err := c.attempt(ctx, cl, u, body, contentType, auth)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && !ep.basic {
		// The token was rejected: drop it (if nobody replaced it yet), get a
		// new one and replay once. A second 401 is returned as is.
		c.release(cl)
		closeBody(resp)
		c.invalidate(auth)
		if auth, err = c.authorization(outer); err != nil {
			return err
		}
		resp, err = c.attempt(ctx, cl, u, body, contentType, auth)
	}
	defer c.release(cl)
	if err != nil {
		closeBody(resp)
		if ctxErr := outer.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return fmt.Errorf("bankhub: %s %s: %w", ep.method, path, err)
	}
	if cl.buf == nil {
		// The answer was not read by readBody (retries ran out on it).
		if err := c.readBody(cl, resp); err != nil {
			return fmt.Errorf("bankhub: %s %s: reading response: %w", ep.method, path, err)
		}
	}
	return decodeResponse(ep.method, path, resp, cl.buf.Bytes(), out, func() []string { return c.knownSecrets(auth, secrets) })
}

func (c *Client) release(cl *call) {
	if cl.buf != nil {
		if cl.buf.Cap() <= 1<<20 {
			cl.buf.Reset()
			bufPool.Put(cl.buf)
		}
		cl.buf = nil
	}
}

func closeBody(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
}

// attempt sends the request through go-retryablehttp with the operation's
// retry class. The body bytes are resent on every retry.
func (c *Client) attempt(ctx context.Context, cl *call, u string, body []byte, contentType string, auth *authHeader) (*http.Response, error) {
	var rawBody any
	if body != nil {
		rawBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, cl.ep.method, u, rawBody)
	if err != nil {
		return nil, err
	}
	h := req.Header
	h["Accept"] = hdrJSON
	h["User-Agent"] = c.userAgent
	if body != nil {
		if contentType == "application/json" {
			h["Content-Type"] = hdrJSON
		} else {
			h["Content-Type"] = []string{contentType}
		}
	}
	if cl.ep.basic {
		h["Authorization"] = c.basicAuth.header
	} else {
		h["Authorization"] = auth.value
	}
	req.SetResponseHandler(func(resp *http.Response) error { return c.readBody(cl, resp) })
	return c.retriers[cl.ep.class].Do(req)
}

// readBody reads the final answer into a pooled buffer. Run as the
// retryablehttp response handler, so that a connection cut mid-body counts
// as a failed attempt (retried for safe operations).
func (c *Client) readBody(cl *call, resp *http.Response) error {
	c.release(cl)
	buf := bufPool.Get().(*bytes.Buffer)
	cl.buf = buf
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBody+1))
	resp.Body.Close()
	if err != nil {
		c.release(cl) // a retry must not see a partial body
		return err
	}
	if buf.Len() > maxResponseBody {
		return fmt.Errorf("response body exceeds %d bytes", maxResponseBody)
	}
	return nil
}

// utf8BOM is skipped before a JSON body: some servers put one there.
var utf8BOM = []byte("\xef\xbb\xbf")

// decodeResponse turns a read answer into the result or a typed error.
// secrets lists the values to redact from any error; it is called only on
// the error paths.
func decodeResponse(method, path string, resp *http.Response, body []byte, out any, secrets func() []string) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newResponseError(method, path, resp, body, secrets())
	}
	if out == nil {
		return nil
	}
	trimmed := bytes.TrimPrefix(bytes.TrimSpace(body), utf8BOM)
	if len(trimmed) == 0 {
		return &DecodeError{StatusCode: resp.StatusCode, Method: method, Path: path, Err: ErrEmptyBody}
	}
	if trimmed[0] != '{' && trimmed[0] != '[' {
		return newNonJSONError(method, path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cf-Ray"), body, secrets())
	}
	if err := json.Unmarshal(trimmed, out); err != nil {
		return &DecodeError{StatusCode: resp.StatusCode, Method: method, Path: path, Excerpt: excerpt(body, secrets()), Err: err}
	}
	if v, ok := out.(checker); ok {
		if err := v.check(); err != nil {
			return &DecodeError{StatusCode: resp.StatusCode, Method: method, Path: path, Excerpt: excerpt(body, secrets()), Err: err}
		}
	}
	return nil
}

// excerpt is the start of b as text, secrets redacted before it is cut (so
// that a cut cannot leave half a secret behind).
func excerpt(b []byte, secrets []string) string {
	s := redact(strings.ToValidUTF8(string(b[:min(len(b), maxRedactedBody)]), ""), secrets)
	n := min(len(s), maxExcerpt)
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 { // cut at a rune boundary
		n--
	}
	return s[:n]
}

// checker is implemented by the answer types that can tell a 2xx answer
// without what it must carry (a {"data": …} envelope without data, a token
// answer without a token); decodeResponse turns that into a DecodeError.
type checker interface{ check() error }

// errNoData is reported when a {"data": …} answer has no data.
var errNoData = errors.New(`response has no "data"`)

// dataEnvelope is the {"data": …} success shape of most endpoints.
type dataEnvelope[T any] struct {
	Data *T `json:"data"`
}

func (e *dataEnvelope[T]) check() error {
	if e.Data == nil {
		return errNoData
	}
	return nil
}

// getData performs a call whose answer is {"data": T}.
func getData[T any](ctx context.Context, c *Client, ep *endpoint, r request) (*T, error) {
	var env dataEnvelope[T]
	r.out = &env
	if err := c.do(ctx, ep, r); err != nil {
		return nil, err
	}
	return env.Data, nil
}

// logTransport logs one line per attempt for calls that carry a *call in
// their context (set only when Debug logging is enabled).
type logTransport struct {
	base   http.RoundTripper
	logger *slog.Logger
}

// RoundTrip sends one attempt and logs it.
func (t *logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	cl, _ := ctx.Value(callKey{}).(*call)
	if cl == nil {
		return t.base.RoundTrip(req)
	}
	cl.attempt++
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	attrs := []slog.Attr{
		slog.String("method", cl.ep.method),
		slog.String("path", cl.ep.pattern),
		slog.Int("attempt", cl.attempt),
		slog.Duration("duration", time.Since(start)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if ray := resp.Header.Get("Cf-Ray"); ray != "" {
			attrs = append(attrs, slog.String("cf_ray", ray))
		}
	}
	t.logger.LogAttrs(ctx, slog.LevelDebug, "bankhub: request", attrs...)
	return resp, err
}
