package bankhub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

var tokenEndpoint = &endpoint{name: "Token", method: "POST", pattern: "/v1/token", class: classSafe, basic: true}

const (
	// defaultTokenTTL is assumed when the token answer has no usable ttl.
	defaultTokenTTL = 5 * time.Minute
	// exchangeTimeout bounds one token exchange, its retries included,
	// whatever the HTTP client's own timeouts (a caller's client may have
	// none).
	exchangeTimeout = 15 * time.Second
	// exchangeStuckAfter is how long an exchange may go unanswered before a
	// new caller starts a fresh one instead of waiting on it: the token
	// endpoint answers in well under a second when it is healthy.
	exchangeStuckAfter = 3 * time.Second
)

// Invalidator is implemented by token sources that can drop a token the API
// rejected. The client calls Invalidate with the rejected token before it
// asks the source for a new one; an implementation should drop its cached
// token only if it is still that one (another caller may have refreshed it).
type Invalidator interface {
	Invalidate(*oauth2.Token)
}

// ContextTokenSource is implemented by token sources that can honour a
// context. The client prefers TokenContext to Token when a source has it, so
// that cancelling a call also stops a wait for a token.
type ContextTokenSource interface {
	oauth2.TokenSource
	TokenContext(ctx context.Context) (*oauth2.Token, error)
}

// tokenResponse is the answer of POST /v1/token: {code, access_token, ttl},
// also accepted under "data"; ttl in seconds as a number or numeric string,
// read by ttlSeconds.
type tokenResponse struct {
	AccessToken string          `json:"access_token"`
	TTL         json.RawMessage `json:"ttl"`
	Data        *struct {
		AccessToken string          `json:"access_token"`
		TTL         json.RawMessage `json:"ttl"`
	} `json:"data"`
}

// maxTokenTTL is the longest lifetime believed; a longer one is a unit error.
const maxTokenTTL = 366 * 24 * time.Hour

// tokenLifetime reads ttl (seconds, a JSON number or a numeric string, a
// fraction allowed). Anything else, including a value of zero or less, NaN,
// or one over a year, gives ok false: the caller then uses defaultTokenTTL
// rather than throw a good token away.
func tokenLifetime(raw json.RawMessage) (time.Duration, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 1 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = bytes.TrimSpace(raw[1 : len(raw)-1])
	}
	secs, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(secs) || secs <= 0 || secs > maxTokenTTL.Seconds() {
		return 0, false
	}
	return time.Duration(secs * float64(time.Second)), true
}

func (r *tokenResponse) check() error {
	if r.AccessToken == "" && r.Data != nil {
		r.AccessToken, r.TTL = r.Data.AccessToken, r.Data.TTL
	}
	if r.AccessToken == "" {
		return errors.New("token response has no access_token")
	}
	return nil
}

// tokenSource is the built-in source: it exchanges the client credentials at
// POST /v1/token, caches the token, refreshes it ahead of expiry, and lets
// any number of concurrent callers share one refresh.
type tokenSource struct {
	client     *Client
	now        func() time.Time
	timeout    time.Duration // exchangeTimeout
	stuckAfter time.Duration // exchangeStuckAfter

	mu      sync.Mutex
	tok     *oauth2.Token
	ttl     time.Duration // lifetime of tok as issued
	flights []*flight     // exchanges in progress, oldest first
}

type flight struct {
	start time.Time
	done  chan struct{}
	once  sync.Once
	tok   *oauth2.Token
	err   error
}

// finish records the outcome and wakes the waiters, once.
func (f *flight) finish(tok *oauth2.Token, err error) {
	f.once.Do(func() {
		f.tok, f.err = tok, err
		close(f.done)
	})
}

func newTokenSource(c *Client) *tokenSource {
	return &tokenSource{client: c, now: time.Now, timeout: exchangeTimeout, stuckAfter: exchangeStuckAfter}
}

// Token implements oauth2.TokenSource.
func (s *tokenSource) Token() (*oauth2.Token, error) { return s.token(context.Background()) }

// TokenContext implements ContextTokenSource.
func (s *tokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) { return s.token(ctx) }

// refreshWindows returns when a token should be refreshed in the background
// (callers keep using it meanwhile) and when callers must wait for a new one.
func refreshWindows(tok *oauth2.Token, ttl time.Duration) (soft, hard time.Time) {
	soft = tok.Expiry.Add(-min(5*time.Minute, ttl/5))
	hard = tok.Expiry.Add(-min(10*time.Second, ttl/20))
	return soft, hard
}

func (s *tokenSource) token(ctx context.Context) (*oauth2.Token, error) {
	// A caller joins the newest exchange while it is young. One that has
	// gone unanswered for stuckAfter is clearly stuck: a caller that finds
	// it so, or that has waited on it that long, starts a fresh one, once;
	// it then waits for whatever it joined, which ends within timeout. So
	// every caller gets an answer, and in the normal case all share one
	// request.
	const (
		first = iota // on the first exchange it joined
		stuck        // that one is stuck: start or join a fresh one
		last         // on its second exchange: wait it out
	)
	phase := first
	for {
		s.mu.Lock()
		tok := s.tok
		now := s.now()
		var usable bool
		if tok != nil {
			soft, hard := refreshWindows(tok, s.ttl)
			if now.Before(soft) {
				s.mu.Unlock()
				return tok, nil
			}
			usable = now.Before(hard)
		}
		var f *flight
		n := len(s.flights)
		switch {
		case n > 0 && (time.Since(s.flights[n-1].start) < s.stuckAfter || phase == last):
			f = s.flights[n-1]
		default:
			f = &flight{start: time.Now(), done: make(chan struct{})}
			s.flights = append(s.flights, f)
			go s.refresh(ctx, f)
		}
		if phase == stuck {
			phase = last
		}
		s.mu.Unlock()
		if usable {
			return tok, nil // a refresh is under way; this token is still good
		}
		var timeUp <-chan time.Time
		if phase == first {
			t := time.NewTimer(s.stuckAfter - time.Since(f.start))
			defer t.Stop()
			timeUp = t.C
		}
		select {
		case <-f.done:
			return f.tok, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timeUp:
			phase = stuck
		}
	}
}

// refresh runs one exchange for everybody waiting. It is detached from the
// caller's cancellation (other callers may be waiting for it) but bounded.
// The first exchange to succeed serves the waiters of every exchange in
// progress; a failure answers only its own waiters, unless it is the last.
func (s *tokenSource) refresh(ctx context.Context, f *flight) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	tok, ttl, err := s.exchange(ctx)
	s.mu.Lock()
	var waiting []*flight
	if err == nil {
		s.tok, s.ttl = tok, ttl
		waiting, s.flights = s.flights, nil
	} else {
		s.flights = slices.DeleteFunc(s.flights, func(x *flight) bool { return x == f })
	}
	s.mu.Unlock()
	if err != nil && s.client.logger != nil {
		s.client.logger.LogAttrs(ctx, slog.LevelWarn, "bankhub: token refresh failed", slog.String("error", err.Error()))
	}
	for _, w := range waiting {
		w.finish(tok, nil)
	}
	f.finish(tok, err)
}

func (s *tokenSource) exchange(ctx context.Context) (*oauth2.Token, time.Duration, error) {
	return s.client.exchange(ctx, s.now)
}

// exchange performs one POST /v1/token with the client's credentials.
func (c *Client) exchange(ctx context.Context, now func() time.Time) (*oauth2.Token, time.Duration, error) {
	if c.basicAuth == nil {
		return nil, 0, errors.New("bankhub: the client has no credentials to exchange (it was made with WithTokenSource)")
	}
	var r tokenResponse
	if err := c.do(ctx, tokenEndpoint, &call{out: &r}); err != nil {
		return nil, 0, err
	}
	ttl, ok := tokenLifetime(r.TTL)
	if !ok {
		ttl = defaultTokenTTL
		if c.logger != nil && c.ttlWarned.CompareAndSwap(false, true) {
			c.logger.LogAttrs(ctx, slog.LevelWarn, "bankhub: token ttl not understood; using the default lifetime",
				slog.String("ttl", truncate(cleanLine(string(r.TTL), 40), 40)), slog.Duration("lifetime", ttl))
		}
	}
	tok := &oauth2.Token{
		AccessToken: r.AccessToken,
		TokenType:   "Bearer",
		Expiry:      now().Add(ttl),
		ExpiresIn:   int64(ttl / time.Second),
	}
	return tok, ttl, nil
}

// ExchangeToken performs one POST /v1/token with the client's credentials
// and returns the new token, bypassing the client's own cache. It is the
// building block of shared token sources (see the redisstore module); a
// client used this way needs no other call. The token's Expiry is set from
// the answer's ttl, read as seconds.
func (c *Client) ExchangeToken(ctx context.Context) (*oauth2.Token, error) {
	tok, _, err := c.exchange(ctx, time.Now)
	return tok, err
}

// Invalidate drops tok if it is still the cached token.
func (s *tokenSource) Invalidate(tok *oauth2.Token) {
	if tok == nil {
		return
	}
	s.mu.Lock()
	if s.tok != nil && s.tok.AccessToken == tok.AccessToken {
		s.tok = nil
	}
	s.mu.Unlock()
}

// Format keeps the cached token out of every fmt verb.
func (s *tokenSource) Format(f fmt.State, _ rune) {
	io.WriteString(f, "bankhub.tokenSource{token: [redacted]}")
}
