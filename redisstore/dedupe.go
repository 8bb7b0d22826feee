package redisstore

import (
	"context"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/redis/go-redis/v9"
)

// Dedupe is a bankhub.DedupeStore shared through Redis: a notification
// delivered to any replica, or found by any replica's reconciler, reaches the
// merchant's function once across all of them.
//
// A key is one Redis string: "p:<owner>" with the lease as its TTL while in
// progress (so a claim of a process that died lapses by itself), and "d"
// with the retention as its TTL once done. Each transition is one Lua
// script, so it is atomic however many replicas race.
type Dedupe struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// DedupeOption configures a Dedupe.
type DedupeOption func(*Dedupe)

// WithTTL sets how long a handled notification is remembered (default
// bankhub.DefaultDedupeRetention, 24h; SePay redelivers for up to 5 hours
// and the reconciler looks back 24 hours by default: keep this at least as
// long as the reconciler's window).
func WithTTL(d time.Duration) DedupeOption {
	return func(s *Dedupe) {
		if d > 0 {
			s.ttl = d
		}
	}
}

// WithPrefix sets the prefix of the Redis keys (default "bankhub:dedupe:").
func WithPrefix(p string) DedupeOption { return func(s *Dedupe) { s.prefix = p } }

// NewDedupe returns a Dedupe on rdb.
func NewDedupe(rdb redis.UniversalClient, opts ...DedupeOption) *Dedupe {
	s := &Dedupe{rdb: rdb, prefix: "bankhub:dedupe:", ttl: bankhub.DefaultDedupeRetention}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	return s
}

var (
	// claimScript: done → 2; held by another → 1; else take it → 0.
	claimScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == 'd' then return 2 end
if v and v ~= ARGV[1] then return 1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 0`)
	// renewScript and releaseScript act only for the holder.
	renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)
)

func ms(d time.Duration) int64 { return max(d.Milliseconds(), 1) }

// Claim implements bankhub.DedupeStore.
func (s *Dedupe) Claim(ctx context.Context, key, owner string, lease time.Duration) (bankhub.DedupeState, error) {
	n, err := claimScript.Run(ctx, s.rdb, []string{s.prefix + key}, "p:"+owner, ms(lease)).Int()
	if err != nil {
		return 0, err
	}
	switch n {
	case 0:
		return bankhub.DedupeAcquired, nil
	case 1:
		return bankhub.DedupeInProgress, nil
	}
	return bankhub.DedupeDone, nil
}

// Renew implements bankhub.DedupeStore.
func (s *Dedupe) Renew(ctx context.Context, key, owner string, lease time.Duration) (bool, error) {
	n, err := renewScript.Run(ctx, s.rdb, []string{s.prefix + key}, "p:"+owner, ms(lease)).Int()
	return n == 1, err
}

// Complete implements bankhub.DedupeStore.
func (s *Dedupe) Complete(ctx context.Context, key, _ string) error {
	return s.rdb.Set(ctx, s.prefix+key, "d", s.ttl).Err()
}

// Release implements bankhub.DedupeStore.
func (s *Dedupe) Release(ctx context.Context, key, owner string) error {
	return releaseScript.Run(ctx, s.rdb, []string{s.prefix + key}, "p:"+owner).Err()
}

// ReconcileLock is a bankhub.ReconcileLock shared through Redis, so that one
// replica reconciles at a time. It is a Redis key holding this holder's
// random id with the lease as its TTL: the holder extends it while it
// reconciles, and when the holder dies the key lapses and another replica's
// next pass takes it.
type ReconcileLock struct {
	rdb   redis.UniversalClient
	key   string
	owner string
	lease time.Duration
}

// LockOption configures a ReconcileLock.
type LockOption func(*ReconcileLock)

// WithLockLease sets how long the lock outlives its last extension (default
// 10s; the reconciler extends it every second while it passes).
func WithLockLease(d time.Duration) LockOption {
	return func(l *ReconcileLock) {
		if d > 0 {
			l.lease = d
		}
	}
}

// WithLockKey sets the Redis key (default "bankhub:reconcile:lock").
func WithLockKey(key string) LockOption { return func(l *ReconcileLock) { l.key = key } }

// NewReconcileLock returns a lock for one replica; give each replica its own.
func NewReconcileLock(rdb redis.UniversalClient, opts ...LockOption) *ReconcileLock {
	l := &ReconcileLock{rdb: rdb, key: "bankhub:reconcile:lock", owner: randomID(), lease: 10 * time.Second}
	for _, opt := range opts {
		if opt != nil {
			opt(l)
		}
	}
	return l
}

var acquireScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if v then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`)

// Acquire implements bankhub.ReconcileLock.
func (l *ReconcileLock) Acquire(ctx context.Context) (bool, error) {
	n, err := acquireScript.Run(ctx, l.rdb, []string{l.key}, l.owner, ms(l.lease)).Int()
	return n == 1, err
}

// Release implements bankhub.ReconcileLock.
func (l *ReconcileLock) Release(ctx context.Context) error {
	return releaseScript.Run(ctx, l.rdb, []string{l.key}, l.owner).Err()
}
