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
	ttl := rdb.TTL(context.Background(), prefix+"ipn:a47b6ab2-8f8b-11f0-b21a-a6006ab65aca").Val()
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
	ok, err := store.Claim(context.Background(), "ipn:a47b6ab2-8f8b-11f0-b21a-a6006ab65aca")
	require.NoError(t, err)
	assert.False(t, ok)
}
