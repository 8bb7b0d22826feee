package redisstore_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/redisstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ipnBody = `{"gateway":"MBBank","transaction_date":"2026-01-13 20:55:04","account_number":"0123456789",
"transfer_type":"credit","amount":500000,"content":"DH123456","transaction_id":"a47b6ab2-8f8b-11f0-b21a-a6006ab65aca"}`

func TestDedupeThreeReplicasOnce(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	var calls atomic.Int32
	var handlers []http.Handler
	prefix := uniqueKey(t) + ":"
	for range 3 { // three replicas, each with its own handler and store
		store := redisstore.NewDedupe(rdb, redisstore.WithPrefix(prefix))
		handlers = append(handlers, bankhub.NewIPNHandler("key", func(context.Context, *bankhub.IPN) error {
			calls.Add(1)
			time.Sleep(20 * time.Millisecond)
			return nil
		}, bankhub.WithDedupe(store)))
	}
	var wg sync.WaitGroup
	codes := make(chan int, 30)
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := bankhub.NewIPNTestRequest("/ipn", "key", []byte(ipnBody))
			rec := httptest.NewRecorder()
			handlers[i%3].ServeHTTP(rec, req)
			codes <- rec.Code
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		assert.Equal(t, 200, c)
	}
	assert.Equal(t, int32(1), calls.Load(), "30 deliveries to 3 replicas reach user code once")
	ttl := rdb.TTL(context.Background(), prefix+ipnKey).Val()
	assert.InDelta(t, (24 * time.Hour).Seconds(), ttl.Seconds(), 60)
}

func TestDedupeFailureReleases(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	store := redisstore.NewDedupe(rdb, redisstore.WithPrefix(uniqueKey(t)+":"), redisstore.WithTTL(time.Minute))
	var calls atomic.Int32
	h := bankhub.NewIPNHandler("key", func(context.Context, *bankhub.IPN) error {
		if calls.Add(1) == 1 {
			return errors.New("db down")
		}
		return nil
	}, bankhub.WithDedupe(store))
	serve := func() int {
		req, _ := bankhub.NewIPNTestRequest("/ipn", "key", []byte(ipnBody))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	assert.Equal(t, 500, serve())
	assert.Equal(t, 200, serve())
	assert.Equal(t, 200, serve())
	assert.Equal(t, int32(2), calls.Load())
	state, err := store.Claim(context.Background(), ipnKey, "someone", time.Second)
	require.NoError(t, err)
	assert.Equal(t, bankhub.DedupeDone, state)
}

const ipnKey = "ipn:a47b6ab2-8f8b-11f0-b21a-a6006ab65aca"

func TestDedupeStates(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	prefix := uniqueKey(t) + ":"
	store := redisstore.NewDedupe(rdb, redisstore.WithPrefix(prefix), redisstore.WithTTL(time.Hour))
	ctx := context.Background()
	claim := func(owner string, lease time.Duration) bankhub.DedupeState {
		t.Helper()
		s, err := store.Claim(ctx, "k", owner, lease)
		require.NoError(t, err)
		return s
	}
	assert.Equal(t, bankhub.DedupeAcquired, claim("a", 150*time.Millisecond))
	assert.Equal(t, bankhub.DedupeInProgress, claim("b", time.Second))
	ttl := rdb.PTTL(ctx, prefix+"k").Val()
	assert.True(t, ttl > 0 && ttl <= 150*time.Millisecond, "an in-progress key lives for its lease only (%v)", ttl)
	held, err := store.Renew(ctx, "k", "b", time.Minute)
	require.NoError(t, err)
	assert.False(t, held, "only the holder renews")
	require.NoError(t, store.Release(ctx, "k", "b"))
	assert.Equal(t, bankhub.DedupeInProgress, claim("b", time.Second), "only the holder releases")
	held, err = store.Renew(ctx, "k", "a", 150*time.Millisecond)
	require.NoError(t, err)
	assert.True(t, held)
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, bankhub.DedupeAcquired, claim("b", time.Second), "a lapsed lease is free")
	require.NoError(t, store.Release(ctx, "k", "b"))
	assert.Equal(t, bankhub.DedupeAcquired, claim("c", time.Second), "released after a failure: free")
	require.NoError(t, store.Complete(ctx, "k", "c"))
	assert.Equal(t, bankhub.DedupeDone, claim("d", time.Second))
	held, err = store.Renew(ctx, "k", "c", time.Second)
	require.NoError(t, err)
	assert.False(t, held, "a done key is not renewed back into progress")
	assert.InDelta(t, time.Hour.Seconds(), rdb.TTL(ctx, prefix+"k").Val().Seconds(), 5, "done keys live for the retention")
}

// Regression: the claim was a 24-hour SET NX made before the function ran,
// so a process that died mid-function (or a late reply from Redis) left
// every redelivery for a day acknowledged without the payment recorded.
func TestDedupeClaimOfDeadProcessLapses(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	prefix := uniqueKey(t) + ":"
	store := redisstore.NewDedupe(rdb, redisstore.WithPrefix(prefix))
	// The dead process's claim, as the handler makes it.
	state, err := store.Claim(context.Background(), ipnKey, "dead-process", 300*time.Millisecond)
	require.NoError(t, err)
	require.Equal(t, bankhub.DedupeAcquired, state)
	var calls atomic.Int32
	h := bankhub.NewIPNHandler("key", func(context.Context, *bankhub.IPN) error { calls.Add(1); return nil },
		bankhub.WithDedupe(store))
	req, _ := bankhub.NewIPNTestRequest("/ipn", "key", []byte(ipnBody))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, int32(1), calls.Load(), "the redelivery waited for the lease to lapse and processed it")
	assert.Equal(t, "d", rdb.Get(context.Background(), prefix+ipnKey).Val())
}

func TestReconcileLockOneHolder(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	key := uniqueKey(t)
	ctx := context.Background()
	a := redisstore.NewReconcileLock(rdb, redisstore.WithLockKey(key), redisstore.WithLockLease(200*time.Millisecond))
	b := redisstore.NewReconcileLock(rdb, redisstore.WithLockKey(key), redisstore.WithLockLease(200*time.Millisecond))
	acquire := func(l *redisstore.ReconcileLock) bool {
		t.Helper()
		ok, err := l.Acquire(ctx)
		require.NoError(t, err)
		return ok
	}
	assert.True(t, acquire(a))
	assert.False(t, acquire(b))
	time.Sleep(120 * time.Millisecond)
	assert.True(t, acquire(a), "the holder extends it")
	time.Sleep(120 * time.Millisecond)
	assert.False(t, acquire(b), "still held: it was extended")
	require.NoError(t, b.Release(ctx))
	assert.False(t, acquire(b), "only the holder releases")
	time.Sleep(250 * time.Millisecond)
	assert.True(t, acquire(b), "the holder died: the lease lapsed")
	require.NoError(t, b.Release(ctx))
	assert.True(t, acquire(a))
}
