// Package redisstore lets several replicas of a merchant backend share what
// they would otherwise each keep: one Bank Hub access token, and one record of
// which webhook events and IPNs were already handled.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	client, err := redisstore.NewClient(rdb, clientID, clientSecret, bankhub.WithSandbox())
//
//	handler := bankhub.NewIPNHandler(apiKey, fn, bankhub.WithDedupe(redisstore.NewDedupe(rdb)))
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
)

// Exchanger performs one token exchange; *bankhub.Client is one
// (ExchangeToken).
type Exchanger interface {
	ExchangeToken(ctx context.Context) (*oauth2.Token, error)
}

// TokenSource shares one Bank Hub access token between processes through
// Redis. It implements oauth2.TokenSource, bankhub.ContextTokenSource and
// bankhub.Invalidator, so it plugs into bankhub.WithTokenSource.
//
// The token lives in a Redis hash with its expiry. Each process keeps the
// last token it saw and goes to Redis only when that one is near expiry or
// was rejected, with one Redis round trip per process at a time. When the
// shared token must be replaced, one process refreshes at a time, holding a
// Redis lock with a timeout so that a crashed holder does not block the
// others; the others keep using the old token while it is still valid, or
// wait for the new one. A 401 seen by any process invalidates the shared
// token once: the token is deleted only if it is still the rejected one.
//
// When Redis cannot be reached, the source falls back to an exchange of its
// own (logged at Warn), so the application keeps working with one token per
// process; WithoutFallback makes it return an error instead. Every Redis
// operation is bounded (1s by default), so nothing hangs on a dead Redis.
type TokenSource struct {
	rdb       redis.UniversalClient
	exchanger Exchanger
	key       string
	lockKey   string
	lockTTL   time.Duration
	poll      time.Duration
	opTimeout time.Duration
	fallback  bool
	logger    *slog.Logger
	now       func() time.Time

	mu     sync.Mutex
	local  *entry  // the last token this process saw
	flight *flight // this process's Redis round trip in progress
}

type entry struct {
	tok *oauth2.Token
	ttl time.Duration
}

type flight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

// Option configures a TokenSource.
type Option func(*TokenSource)

// WithLockTimeout sets how long a refresh may hold the lock before another
// process may take over (default 10s): the time after which a crashed
// holder stops blocking the others.
func WithLockTimeout(d time.Duration) Option {
	return func(s *TokenSource) {
		if d > 0 {
			s.lockTTL = d
		}
	}
}

// WithPollInterval sets how often a waiting process looks for the new token
// (default 50ms).
func WithPollInterval(d time.Duration) Option {
	return func(s *TokenSource) {
		if d > 0 {
			s.poll = d
		}
	}
}

// WithOperationTimeout bounds each Redis operation (default 1s).
func WithOperationTimeout(d time.Duration) Option {
	return func(s *TokenSource) {
		if d > 0 {
			s.opTimeout = d
		}
	}
}

// WithoutFallback makes the source return an error when Redis cannot be
// reached, instead of exchanging a token of its own.
func WithoutFallback() Option { return func(s *TokenSource) { s.fallback = false } }

// WithLogger logs fallbacks and refresh failures (never a token).
func WithLogger(l *slog.Logger) Option { return func(s *TokenSource) { s.logger = l } }

// NewTokenSource returns a source that shares the token stored under key
// (use one key per set of credentials) and exchanges new ones with ex.
func NewTokenSource(rdb redis.UniversalClient, key string, ex Exchanger, opts ...Option) *TokenSource {
	s := &TokenSource{
		rdb: rdb, exchanger: ex, key: key, lockKey: key + ":lock",
		lockTTL: 10 * time.Second, poll: 50 * time.Millisecond, opTimeout: time.Second,
		fallback: true, now: time.Now,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	return s
}

// NewClient returns a bankhub.Client whose access token is shared, through
// rdb, with every process that uses the same clientID. opts are the usual
// client options (environment, retries, logger, ...).
func NewClient(rdb redis.UniversalClient, clientID, clientSecret string, opts ...bankhub.Option) (*bankhub.Client, error) {
	exchanger, err := bankhub.NewClient(clientID, clientSecret, opts...)
	if err != nil {
		return nil, err
	}
	ts := NewTokenSource(rdb, "bankhub:token:"+clientID, exchanger)
	return bankhub.NewClient(clientID, clientSecret, append(opts, bankhub.WithTokenSource(ts))...)
}

// Token implements oauth2.TokenSource.
func (s *TokenSource) Token() (*oauth2.Token, error) { return s.TokenContext(context.Background()) }

// TokenContext implements bankhub.ContextTokenSource.
func (s *TokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	if e := s.local; e != nil && s.fresh(e) {
		s.mu.Unlock()
		return e.tok, nil
	}
	f := s.flight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		s.flight = f
		go s.run(ctx, f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run is this process's one round trip for a token, shared by its callers.
func (s *TokenSource) run(ctx context.Context, f *flight) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.lockTTL+time.Minute)
	defer cancel()
	e, err := s.shared(ctx)
	s.mu.Lock()
	if err == nil {
		s.local = e
	}
	s.flight = nil
	s.mu.Unlock()
	if err == nil {
		f.tok = e.tok
	}
	f.err = err
	close(f.done)
}

// errRedis marks a failure to reach Redis.
type errRedis struct{ err error }

func (e errRedis) Error() string { return "redisstore: redis unavailable: " + e.err.Error() }
func (e errRedis) Unwrap() error { return e.err }

// redisErr marks err as a Redis failure, unless the caller's own context
// ended (that is the caller's cancellation, reported as such).
func redisErr(ctx context.Context, err error) error {
	if cerr := context.Cause(ctx); cerr != nil && errors.Is(err, cerr) && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return errRedis{err}
}

func (s *TokenSource) shared(ctx context.Context) (*entry, error) {
	for {
		e, err := s.load(ctx)
		if err != nil {
			return s.fallBack(ctx, err)
		}
		if e != nil && s.fresh(e) {
			return e, nil
		}
		lock, err := s.lock(ctx)
		if err != nil {
			return s.fallBack(ctx, err)
		}
		if lock != "" {
			return s.refresh(ctx, lock)
		}
		// Another process is refreshing.
		if e != nil && s.usable(e) {
			return e, nil
		}
		t := time.NewTimer(s.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// refresh exchanges a new token while holding the lock. The lock is renewed
// while the exchange runs, so a slow answer does not let a second process
// exchange too; the write is fenced, so a holder that lost the lock anyway
// cannot overwrite the token of the one that has it, and takes that one up
// instead.
func (s *TokenSource) refresh(ctx context.Context, lock string) (*entry, error) {
	defer s.unlock(ctx, lock)
	// Someone may have stored a token between our look and our lock.
	if e, err := s.load(ctx); err == nil && e != nil && s.fresh(e) {
		return e, nil
	}
	stop := s.keepLock(ctx, lock)
	xctx, cancel := context.WithTimeout(ctx, max(s.lockTTL, maxExchange))
	tok, err := s.exchanger.ExchangeToken(xctx)
	cancel()
	stop()
	if err != nil {
		s.log(ctx, slog.LevelWarn, "token refresh failed", err)
		return nil, err
	}
	e := &entry{tok: tok, ttl: time.Until(tok.Expiry)}
	stored, err := s.storeIfHeld(ctx, lock, e)
	switch {
	case err != nil:
		s.log(ctx, slog.LevelWarn, "storing the token failed", err)
	case !stored:
		if shared, err := s.load(ctx); err == nil && shared != nil && s.usable(shared) {
			return shared, nil // another process's token: all on one
		}
	}
	return e, nil
}

// maxExchange bounds one exchange under the lock (the SDK bounds its own
// at 15 s too).
const maxExchange = 15 * time.Second

// keepLock extends the lock every third of its timeout until stop is called.
func (s *TokenSource) keepLock(ctx context.Context, lock string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.lockTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				octx, cancel := s.op(context.WithoutCancel(ctx))
				n, _ := bounded(octx, func(ctx context.Context) (int, error) {
					return renewLock.Run(ctx, s.rdb, []string{s.lockKey}, lock, s.lockTTL.Milliseconds()).Int()
				})
				cancel()
				if n == 0 {
					return // lost (or Redis is away): the fenced write decides
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

var (
	renewLock = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)
	// storeFenced writes the token only while ARGV[1] holds the lock and no
	// token that lives longer is stored.
	storeFenced = redis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local cur = tonumber(redis.call('HGET', KEYS[1], 'expiry'))
if cur and cur > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'access_token', ARGV[2], 'expiry', ARGV[3], 'ttl', ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1`)
)

func (s *TokenSource) storeIfHeld(ctx context.Context, lock string, e *entry) (bool, error) {
	ctx, cancel := s.op(context.WithoutCancel(ctx))
	defer cancel()
	n, err := bounded(ctx, func(ctx context.Context) (int, error) {
		return storeFenced.Run(ctx, s.rdb, []string{s.key, s.lockKey}, lock, e.tok.AccessToken,
			e.tok.Expiry.UnixMilli(), e.ttl.Milliseconds()).Int()
	})
	if err != nil {
		return false, redisErr(ctx, err)
	}
	return n == 1, nil
}

func (s *TokenSource) fallBack(ctx context.Context, err error) (*entry, error) {
	if !s.fallback {
		return nil, err
	}
	s.log(ctx, slog.LevelWarn, "redis unavailable, exchanging a token locally", err)
	tok, xerr := s.exchanger.ExchangeToken(ctx)
	if xerr != nil {
		return nil, xerr
	}
	return &entry{tok: tok, ttl: time.Until(tok.Expiry)}, nil
}

// fresh: not yet due for a refresh. usable: still valid for a request.
func (s *TokenSource) fresh(e *entry) bool {
	return s.now().Before(e.tok.Expiry.Add(-min(5*time.Minute, e.ttl/5)))
}

func (s *TokenSource) usable(e *entry) bool {
	return s.now().Before(e.tok.Expiry.Add(-min(10*time.Second, e.ttl/20)))
}

func (s *TokenSource) op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opTimeout)
}

// bounded runs a Redis operation but returns when ctx ends, whether or not
// the operation does: go-redis honours a context's deadline on the socket
// only when the client has ContextTimeoutEnabled, and the client is the
// caller's. The operation itself still ends by the client's own timeouts.
func bounded[T any](ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn(ctx)
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (s *TokenSource) load(ctx context.Context) (*entry, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	m, err := bounded(ctx, func(ctx context.Context) (map[string]string, error) { return s.rdb.HGetAll(ctx, s.key).Result() })
	if err != nil {
		return nil, redisErr(ctx, err)
	}
	tok, exp, ttl := m["access_token"], m["expiry"], m["ttl"]
	if tok == "" {
		return nil, nil
	}
	expMs, err1 := strconv.ParseInt(exp, 10, 64)
	ttlMs, err2 := strconv.ParseInt(ttl, 10, 64)
	if err1 != nil || err2 != nil {
		return nil, nil // unreadable: treat as absent, a refresh replaces it
	}
	return &entry{
		tok: &oauth2.Token{AccessToken: tok, TokenType: "Bearer", Expiry: time.UnixMilli(expMs)},
		ttl: time.Duration(ttlMs) * time.Millisecond,
	}, nil
}

// randomID returns 32 random hex digits, unique to a lock holder.
func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// lock takes the refresh lock; it returns its value, or "" when another
// process holds it.
func (s *TokenSource) lock(ctx context.Context) (string, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	val := randomID()
	ok, err := bounded(ctx, func(ctx context.Context) (bool, error) { return s.rdb.SetNX(ctx, s.lockKey, val, s.lockTTL).Result() })
	if err != nil {
		return "", redisErr(ctx, err)
	}
	if !ok {
		return "", nil
	}
	return val, nil
}

// compareAndDelete deletes KEYS[1] only if field ARGV[2] (or, with one
// argument, the value) still equals ARGV[1].
var compareAndDelete = redis.NewScript(`
local cur
if ARGV[2] then cur = redis.call('HGET', KEYS[1], ARGV[2]) else cur = redis.call('GET', KEYS[1]) end
if cur == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

func (s *TokenSource) unlock(ctx context.Context, lock string) {
	ctx, cancel := s.op(context.WithoutCancel(ctx))
	defer cancel()
	bounded(ctx, func(ctx context.Context) (any, error) {
		return compareAndDelete.Run(ctx, s.rdb, []string{s.lockKey}, lock).Result()
	})
}

// Invalidate implements bankhub.Invalidator: it drops tok here and, if it is
// still the shared token, in Redis.
func (s *TokenSource) Invalidate(tok *oauth2.Token) {
	if tok == nil {
		return
	}
	s.mu.Lock()
	if s.local != nil && s.local.tok.AccessToken == tok.AccessToken {
		s.local = nil
	}
	s.mu.Unlock()
	ctx, cancel := s.op(context.Background())
	defer cancel()
	_, err := bounded(ctx, func(ctx context.Context) (any, error) {
		return compareAndDelete.Run(ctx, s.rdb, []string{s.key}, tok.AccessToken, "access_token").Result()
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		s.log(ctx, slog.LevelWarn, "invalidating the shared token failed", err)
	}
}

func (s *TokenSource) log(ctx context.Context, level slog.Level, msg string, err error) {
	if s.logger == nil {
		return
	}
	s.logger.LogAttrs(ctx, level, "redisstore: "+msg, slog.String("key", s.key), slog.String("error", err.Error()))
}

// Format keeps the token out of every fmt verb.
func (s *TokenSource) Format(f fmt.State, _ rune) {
	io.WriteString(f, "redisstore.TokenSource{key: "+s.key+", token: [redacted]}")
}

// IsRedisError reports whether err means Redis could not be reached.
func IsRedisError(err error) bool {
	var e errRedis
	return errors.As(err, &e)
}
