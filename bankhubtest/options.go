package bankhubtest

// Server options.

import (
	"log/slog"
	"strings"
	"time"
)

// ServerOption configures NewServer.
type ServerOption func(*Server)

// WithCredentials sets the client ID and secret the server accepts.
func WithCredentials(clientID, clientSecret string) ServerOption {
	return func(s *Server) { s.ClientID, s.ClientSecret = clientID, clientSecret }
}

// WithTokenTTL sets the lifetime of the access tokens the server issues
// (default one hour). The token answer reports it in whole seconds, at least 1.
func WithTokenTTL(d time.Duration) ServerOption {
	return func(s *Server) {
		if d > 0 {
			s.ttl = d
		}
	}
}

// WithProduction makes the server behave like production: simulating a
// transaction (POST /v1/transaction/create) answers 403.
func WithProduction() ServerOption { return func(s *Server) { s.sandbox = false } }

// WithIPN sets the merchant's IPN URL and API key, which SePay configures out
// of band: every transaction is then POSTed there with
// "Authorization: Apikey <key>" (when its company is Active and its
// transaction_amount is above zero or Unlimited).
func WithIPN(url, apiKey string) ServerOption {
	return func(s *Server) { s.ipnURL, s.ipnKey = url, apiKey }
}

// WithDeliveryRetries sets how often a webhook or IPN delivery that fails to
// connect is retried, and the base wait (grown along the Fibonacci sequence,
// as SePay does in minutes). Default: 7 retries, 10ms base.
func WithDeliveryRetries(retries int, base time.Duration) ServerOption {
	return func(s *Server) {
		if retries >= 0 {
			s.delivery.retries = retries
		}
		if base >= 0 {
			s.delivery.base = base
		}
	}
}

// DefaultLogSize is how many requests and deliveries a server keeps.
const DefaultLogSize = 10_000

// WithLogSize sets how many of the latest requests (Requests) and
// deliveries (Deliveries) the server keeps (DefaultLogSize), so that a
// long-running fake does not grow without bound. Count stays exact however
// many were dropped.
func WithLogSize(n int) ServerOption {
	return func(s *Server) {
		if n > 0 {
			s.logSize = n
		}
	}
}

// WithAddr makes the server listen on addr (e.g. "127.0.0.1:8089") instead
// of a random loopback port.
func WithAddr(addr string) ServerOption {
	return func(s *Server) { s.addr = addr }
}

// WithPublicURL sets the base URL the server gives out (as URL, in
// hosted_link_url and logo URLs) when clients reach it under another name
// than its listen address: a container's service name, a LAN address for a
// phone, a tunnel.
func WithPublicURL(u string) ServerOption {
	return func(s *Server) { s.publicURL = strings.TrimRight(u, "/") }
}

// WithLogger logs one line per request (method, path, operation, status,
// duration) and one per delivery (kind, URL, name, the merchant's status,
// attempts, error) at Info. Bodies and credentials are never logged.
func WithLogger(l *slog.Logger) ServerOption {
	return func(s *Server) { s.logger = l }
}
