package bankhub

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
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
