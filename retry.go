package bankhub

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// RetryPolicy says how often and how long the client retries a failed
// attempt. Which failures are retried depends on the operation (see the
// package documentation, "Retries"). The zero value retries nothing; use
// DefaultRetryPolicy for the defaults.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt.
	MaxRetries int
	// MinWait and MaxWait bound the exponential backoff (full jitter: a
	// random wait between 0 and min(MaxWait, MinWait·2^attempt)). Zero means
	// the default (500ms and 10s).
	MinWait, MaxWait time.Duration
	// MaxRetryAfter caps a server-requested wait (Retry-After or
	// x-sepay-userapi-retry-after). A longer request is not slept through:
	// the call returns the 429/503 error at once, with APIError.RetryAfter
	// set. Zero means the default (30s).
	MaxRetryAfter time.Duration
}

// NoRetry is the policy that makes exactly one attempt per call. (A 401 is
// still answered by one token refresh and one replay.)
var NoRetry = RetryPolicy{}

// DefaultRetryPolicy returns the policy a new client uses: 3 retries, backoff
// from 500ms up to 10s, server-requested waits honoured up to 30s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 3, MinWait: 500 * time.Millisecond, MaxWait: 10 * time.Second, MaxRetryAfter: 30 * time.Second}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MinWait == 0 {
		p.MinWait = d.MinWait
	}
	if p.MaxWait == 0 {
		p.MaxWait = max(d.MaxWait, p.MinWait)
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	return p
}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxRetries < 0:
		return errors.New("bankhub: RetryPolicy.MaxRetries must not be negative")
	case p.MaxRetries > 100:
		return errors.New("bankhub: RetryPolicy.MaxRetries must be at most 100")
	case p.MinWait < 0 || p.MaxWait < 0 || p.MaxRetryAfter < 0:
		return errors.New("bankhub: RetryPolicy waits must not be negative")
	case p.MaxWait != 0 && p.MinWait > p.MaxWait:
		return errors.New("bankhub: RetryPolicy.MinWait must not exceed MaxWait")
	}
	return nil
}

// retryClass groups operations by what may safely be sent twice.
type retryClass uint8

const (
	// classSafe: reads; retried on every retryable failure.
	classSafe retryClass = iota
	// classIdempotent: writes that set state to a given value; replaying
	// them leaves the same state, so they are retried like reads.
	classIdempotent
	// classCreate: writes that create something (or revoke, whose replay
	// answers 404). Retried only when the request surely did not reach the
	// server: the connection was never made, or the server answered 429.
	classCreate
)

// String names the class.
func (c retryClass) String() string {
	switch c {
	case classSafe:
		return "safe"
	case classIdempotent:
		return "idempotent"
	default:
		return "create"
	}
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout:
		return true
	}
	return false
}

// checkRetry returns the go-retryablehttp CheckRetry for one class.
func checkRetry(class retryClass, maxRetryAfter time.Duration) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctxErr := ctx.Err(); ctxErr != nil {
			if err != nil {
				// The transport's own error (a *url.Error that names the
				// cancellation) is returned as it is, not replaced by it.
				return false, nil
			}
			return false, ctxErr
		}
		if err != nil {
			if !retryableTransportError(err) {
				return false, nil
			}
			if class == classCreate {
				return notSent(err), nil
			}
			return true, nil
		}
		if !retryableStatus(resp.StatusCode) {
			return false, nil
		}
		if class == classCreate && resp.StatusCode != http.StatusTooManyRequests {
			return false, nil
		}
		if wait, ok := parseRetryAfter(resp.Header, time.Now()); ok && wait > maxRetryAfter {
			// Sleeping that long is the caller's decision, not ours.
			return false, nil
		}
		return true, nil
	}
}

// retryableTransportError is false for failures that a retry cannot fix.
// (The caller's own cancellation is handled before: a deadline error seen
// while the caller's context is alive is the HTTP client's timeout, which is
// worth a retry.)
func retryableTransportError(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &invalidCert) {
		return false
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		msg := urlErr.Err.Error()
		if strings.Contains(msg, "unsupported protocol scheme") || strings.Contains(msg, "stopped after") ||
			strings.Contains(msg, "invalid header") {
			return false
		}
	}
	return true
}

// notSent reports whether err proves the request never reached the server:
// the connection was refused or never dialled (DNS failure, dial timeout).
func notSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	return false
}

// backoff returns the go-retryablehttp Backoff: a server-requested wait when
// there is one (checkRetry already refused waits over the cap), else
// exponential backoff with full jitter.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if wait, ok := parseRetryAfter(resp.Header, time.Now()); ok {
			return wait
		}
	}
	ceiling := maxWait
	if attempt < 30 {
		if d := minWait << uint(attempt); d > 0 && d < maxWait {
			ceiling = d
		}
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}

// parseRetryAfter reads Retry-After (whole or decimal seconds, or an HTTP
// date) and x-sepay-userapi-retry-after (seconds). A value in neither form
// (NaN, inf, 1e400, a negative or hexadecimal number, junk) is ignored, so
// that the normal backoff applies.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	for _, key := range [...]string{"Retry-After", "X-Sepay-Userapi-Retry-After"} {
		v := strings.TrimSpace(h.Get(key))
		if v == "" {
			continue
		}
		if d, ok := parseSeconds(v); ok {
			return d, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	return 0, false
}

// maxServerWait caps a parsed wait: "forever" still exceeds any
// MaxRetryAfter, and the conversion cannot overflow.
const maxServerWait = 1e6 * time.Second

// parseSeconds accepts digits with an optional fraction ("3", "1.5") and
// nothing else.
func parseSeconds(v string) (time.Duration, bool) {
	whole, frac, dot := strings.Cut(v, ".")
	if whole == "" || !allDigits(whole) || (dot && (frac == "" || !allDigits(frac))) {
		return 0, false
	}
	if len(whole) > 7 { // more than maxServerWait
		return maxServerWait, true
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, false
	}
	return min(time.Duration(secs*float64(time.Second)), maxServerWait), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
