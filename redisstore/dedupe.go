package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Dedupe is a bankhub.DedupeStore shared through Redis: a notification
// delivered to any replica reaches the handler's function once across all
// of them. A claim is a SET NX with a TTL; a failed function releases it
// (DEL) so that the redelivery is processed.
type Dedupe struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// DedupeOption configures a Dedupe.
type DedupeOption func(*Dedupe)

// WithTTL sets how long a handled notification is remembered (default 24h;
// SePay redelivers for up to 5 hours).
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
	s := &Dedupe{rdb: rdb, prefix: "bankhub:dedupe:", ttl: 24 * time.Hour}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	return s
}

// Claim implements bankhub.DedupeStore.
func (s *Dedupe) Claim(ctx context.Context, key string) (bool, error) {
	return s.rdb.SetNX(ctx, s.prefix+key, time.Now().Unix(), s.ttl).Result()
}

// Release implements bankhub.DedupeStore.
func (s *Dedupe) Release(ctx context.Context, key string) error {
	return s.rdb.Del(ctx, s.prefix+key).Err()
}
