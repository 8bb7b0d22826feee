package bankhub

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
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
	noRedirect   = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	errNilOption = errors.New("bankhub: nil option")
)

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
