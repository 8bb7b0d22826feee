package bankhub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ipnFixtureKey = "ipn:a47b6ab2-8f8b-11f0-b21a-a6006ab65aca"

func TestDedupeRedeliveryReachesFunctionOnce(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	store := NewMemoryDedupe(100, time.Hour)
	var stats HandlerStats
	h := NewWebhookHandler(hookSecret, func(context.Context, *Event) error { calls.Add(1); return nil },
		WithDedupe(store), WithHandlerStats(&stats))
	body := fixture(t, "docs/webhook-event.LINK_SESSION_COMPLETED.link.json")
	for range 3 {
		rec := serve(h, eventRequest(t, hookSecret, body))
		assert.Equal(t, 200, rec.Code)
		assert.JSONEq(t, `{"success":true}`, rec.Body.String())
	}
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, int64(1), stats.Handled.Load())
	assert.Equal(t, int64(2), stats.Duplicates.Load())
	// Another event is not a duplicate.
	serve(h, eventRequest(t, hookSecret, fixture(t, "docs/webhook-event.LINK_SESSION_COMPLETED.unlink.json")))
	assert.Equal(t, int32(2), calls.Load())
}

// race sends n deliveries of the fixture IPN at once; the first call of the
// function is held until release is closed. wait returns the answers' codes.
// It runs in a synctest bubble: startRace returns once every delivery is
// blocked (the first in the function, the others waiting on it).
type race struct {
	calls   atomic.Int32
	release chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	codes   []int
}

func startRace(t *testing.T, n int, fn func(call int32) error, opts ...HandlerOption) *race {
	t.Helper()
	r := &race{release: make(chan struct{})}
	h := NewIPNHandler(ipnKey, func(context.Context, *IPN) error {
		c := r.calls.Add(1)
		if c == 1 {
			<-r.release
		}
		return fn(c)
	}, opts...)
	body := fixture(t, "ipn.en.json")
	for range n {
		req := ipnRequest(t, ipnKey, body) // built here: it may fail the test, which only this goroutine may do
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			code := serve(h, req).Code
			r.mu.Lock()
			r.codes = append(r.codes, code)
			r.mu.Unlock()
		}()
	}
	synctest.Wait()
	require.Equal(t, int32(1), r.calls.Load(), "one delivery is in the function")
	return r
}

func (r *race) wait() []int {
	r.wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.codes
}

func TestDedupeRacingRedeliveriesWaitForSuccess(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var stats HandlerStats
		r := startRace(t, 10, func(int32) error { return nil }, WithDedupe(NewMemoryDedupe(0, 0)), WithHandlerStats(&stats))
		time.Sleep(DefaultDedupeWait / 2) // the other nine are waiting
		synctest.Wait()
		assert.Equal(t, int64(0), stats.Duplicates.Load(), "no redelivery is acknowledged before the work is done")
		close(r.release)
		codes := r.wait()
		assert.Equal(t, []int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200}, codes)
		assert.Equal(t, int32(1), r.calls.Load(), "ten racing deliveries reach the function once")
		assert.Equal(t, int64(9), stats.Duplicates.Load())
	})
}

// Regression: a redelivery racing a first delivery that then fails used to
// be answered 200 at once, and the payment was never recorded.
func TestDedupeRacingRedeliveryProcessesAfterFirstFails(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := startRace(t, 2, func(call int32) error {
			if call == 1 {
				return errors.New("database down")
			}
			return nil
		}, WithDedupe(NewMemoryDedupe(0, 0)))
		close(r.release)
		assert.ElementsMatch(t, []int{500, 200}, r.wait(), "the first fails; the waiting redelivery processes it")
		assert.Equal(t, int32(2), r.calls.Load())
	})
}

// Zero keeps the default wait, as it does in every option: it is not "answer
// at once".
func TestDedupeWaitZeroKeepsTheDefault(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var stats HandlerStats
		r := startRace(t, 2, func(int32) error { return nil },
			WithDedupe(NewMemoryDedupe(0, 0)), WithDedupeWait(0), WithHandlerStats(&stats))
		time.Sleep(DefaultDedupeWait - time.Millisecond)
		synctest.Wait()
		assert.Equal(t, int64(0), stats.InProgress.Load(), "still waiting, short of DefaultDedupeWait")
		time.Sleep(time.Millisecond)
		synctest.Wait()
		assert.Equal(t, int64(1), stats.InProgress.Load(), "answered when DefaultDedupeWait ended")
		close(r.release)
		assert.ElementsMatch(t, []int{409, 200}, r.wait())
	})
}

func TestDedupeRedeliveryStillInProgressAnswers409(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var stats HandlerStats
		const wait = 40 * time.Millisecond
		r := startRace(t, 2, func(int32) error { return nil },
			WithDedupe(NewMemoryDedupe(0, 0)), WithDedupeWait(wait), WithHandlerStats(&stats))
		time.Sleep(wait - time.Millisecond)
		synctest.Wait()
		assert.Equal(t, int64(0), stats.InProgress.Load(), "still waiting")
		time.Sleep(time.Millisecond)
		synctest.Wait()
		assert.Equal(t, int64(1), stats.InProgress.Load(), "answered when the wait ended")
		close(r.release)
		assert.ElementsMatch(t, []int{409, 200}, r.wait(), "a redelivery is never 200 while the work is unfinished")
		assert.Equal(t, int32(1), r.calls.Load())
	})
}

// Regression: a claim outlived the process that made it (SET NX for 24 h),
// so every redelivery after a crash was acknowledged unprocessed.
func TestDedupeClaimOfDeadProcessLapses(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const lease = 80 * time.Millisecond
		store := NewMemoryDedupe(0, 0)
		state, err := store.Claim(context.Background(), ipnFixtureKey, "crashed-process", lease)
		require.NoError(t, err)
		require.Equal(t, DedupeAcquired, state)
		var calls atomic.Int32
		h := NewIPNHandler(ipnKey, func(context.Context, *IPN) error { calls.Add(1); return nil }, WithDedupe(store))
		start := time.Now()
		rec := serve(h, ipnRequest(t, ipnKey, fixture(t, "ipn.en.json")))
		assert.Equal(t, 200, rec.Code)
		assert.Equal(t, int32(1), calls.Load(), "processed once the dead holder's lease lapsed")
		assert.GreaterOrEqual(t, time.Since(start), lease, "waited for the lease, not acknowledged at once")
		assert.Less(t, time.Since(start), DefaultDedupeWait, "and not for the whole wait")
		assert.Equal(t, DedupeDone, store.State(ipnFixtureKey))
	})
}

func TestDedupeLeaseIsRenewedWhileFunctionRuns(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const lease = 60 * time.Millisecond
		store := &faultyStore{m: NewMemoryDedupe(0, 0)} // shared-store rules: leases lapse unless renewed
		inside := make(chan struct{})
		h := NewIPNHandler(ipnKey, func(context.Context, *IPN) error {
			close(inside)
			time.Sleep(5 * lease)
			return nil
		}, WithDedupe(store), WithDedupeLease(lease))
		body := fixture(t, "ipn.en.json")
		done := make(chan int)
		req := ipnRequest(t, ipnKey, body)
		go func() { done <- serve(h, req).Code }()
		<-inside
		time.Sleep(4 * lease)
		state, err := store.Claim(context.Background(), ipnFixtureKey, "another-replica", time.Second)
		require.NoError(t, err)
		assert.Equal(t, DedupeInProgress, state, "the lease is still held after four lease lengths")
		assert.Equal(t, 200, <-done)
		assert.Equal(t, DedupeDone, store.m.State(ipnFixtureKey))
	})
}

// A local store's claim lasts as long as the function, however long.
func TestMemoryDedupeClaimLastsAsLongAsTheFunction(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		store := NewMemoryDedupe(0, 0)
		inside, finish := make(chan struct{}), make(chan struct{})
		h := NewIPNHandler(ipnKey, func(context.Context, *IPN) error {
			close(inside)
			<-finish
			return nil
		}, WithDedupe(store), WithDedupeLease(time.Millisecond))
		done := make(chan int)
		req := ipnRequest(t, ipnKey, fixture(t, "ipn.en.json"))
		go func() { done <- serve(h, req).Code }()
		<-inside
		time.Sleep(time.Hour)
		assert.Equal(t, DedupeInProgress, store.State(ipnFixtureKey), "an hour of a one-millisecond lease")
		close(finish)
		assert.Equal(t, 200, <-done)
		assert.Equal(t, DedupeDone, store.State(ipnFixtureKey))
	})
}

func TestDedupeFailedDeliveryIsProcessedAgain(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	h := NewIPNHandler(ipnKey, func(context.Context, *IPN) error {
		if calls.Add(1) == 1 {
			return errors.New("temporary")
		}
		return nil
	}, WithDedupe(NewMemoryDedupe(10, time.Hour)))
	body := fixture(t, "ipn.en.json")
	assert.Equal(t, 500, serve(h, ipnRequest(t, ipnKey, body)).Code)
	assert.Equal(t, 200, serve(h, ipnRequest(t, ipnKey, body)).Code)
	assert.Equal(t, 200, serve(h, ipnRequest(t, ipnKey, body)).Code)
	assert.Equal(t, int32(2), calls.Load(), "failed once, succeeded once, then deduplicated")
}

func TestDedupePanicAnswers500AndFreesKey(t *testing.T) {
	t.Parallel()
	store := NewMemoryDedupe(10, time.Hour)
	var calls atomic.Int32
	var stats HandlerStats
	h := NewIPNHandler(ipnKey, func(context.Context, *IPN) error {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		return nil
	}, WithDedupe(store), WithHandlerStats(&stats))
	body := fixture(t, "ipn.en.json")
	assert.Equal(t, 500, serve(h, ipnRequest(t, ipnKey, body)).Code)
	assert.Equal(t, 0, store.Len())
	assert.Equal(t, int64(1), stats.Failed.Load())
	assert.Equal(t, 200, serve(h, ipnRequest(t, ipnKey, body)).Code)
	assert.Equal(t, int32(2), calls.Load())
}

// faultyStore wraps a MemoryDedupe and fails or hangs chosen calls. It is
// not a local store: the runner bounds and renews its calls as it does a
// shared store's.
type faultyStore struct {
	m                                 *MemoryDedupe
	claimErr, releaseErr, completeErr error
	completeFailures                  atomic.Int32 // fail this many Completes, then succeed
	hangClaim                         bool
}

func (s *faultyStore) Claim(ctx context.Context, key, owner string, lease time.Duration) (DedupeState, error) {
	if s.hangClaim {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	if s.claimErr != nil {
		return 0, s.claimErr
	}
	return s.m.Claim(ctx, key, owner, lease)
}

func (s *faultyStore) Renew(ctx context.Context, key, owner string, lease time.Duration) (bool, error) {
	return s.m.Renew(ctx, key, owner, lease)
}

func (s *faultyStore) Release(ctx context.Context, key, owner string) error {
	if s.releaseErr != nil {
		return s.releaseErr
	}
	return s.m.Release(ctx, key, owner)
}

func (s *faultyStore) Complete(ctx context.Context, key, owner string) error {
	if s.completeFailures.Add(-1) >= 0 {
		return s.completeErr
	}
	return s.m.Complete(ctx, key, owner)
}

// runFn runs fn through r.
func runFn(r *dedupeRunner, key string, fn func(context.Context) error) (outcome, error) {
	return runDeduped(context.Background(), r, key, func(ctx context.Context, _ *struct{}) error { return fn(ctx) }, &struct{}{})
}

func TestDedupeStoreErrorAnswers500(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	store := &faultyStore{m: NewMemoryDedupe(0, 0), claimErr: errors.New("store down")}
	h := NewIPNHandler(ipnKey, func(context.Context, *IPN) error { calls.Add(1); return nil }, WithDedupe(store))
	assert.Equal(t, 500, serve(h, ipnRequest(t, ipnKey, fixture(t, "ipn.en.json"))).Code)
	assert.Equal(t, int32(0), calls.Load())
}

func TestDedupeHungStoreIsBounded(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := dedupeRunner{store: &faultyStore{m: NewMemoryDedupe(0, 0), hangClaim: true},
			lease: time.Second, wait: time.Second, timeout: 50 * time.Millisecond}
		start := time.Now()
		got, err := runFn(&r, "k", func(context.Context) error { t.Error("must not run"); return nil })
		assert.Equal(t, outcomeStoreError, got)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 50*time.Millisecond, time.Since(start), "a hung store answers at the store timeout")
	})
}

func TestDedupeFailedReleaseBlocksOnlyForTheLease(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		store := &faultyStore{m: NewMemoryDedupe(0, 0), releaseErr: errors.New("store down")}
		r := dedupeRunner{store: store, lease: 60 * time.Millisecond, wait: time.Second, timeout: time.Second}
		got, err := runFn(&r, "k", func(context.Context) error { return errors.New("fn failed") })
		assert.Equal(t, outcomeFailed, got)
		assert.ErrorContains(t, err, "fn failed")
		assert.ErrorContains(t, err, "store down")
		store.releaseErr = nil
		var ran bool
		got, err = runFn(&r, "k", func(context.Context) error { ran = true; return nil })
		require.NoError(t, err)
		assert.Equal(t, outcomeHandled, got)
		assert.True(t, ran, "processable once the lease lapsed")
	})
}

func TestDedupeCompleteIsRetried(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		store := &faultyStore{m: NewMemoryDedupe(0, 0), completeErr: errors.New("blip")}
		store.completeFailures.Store(2)
		r := dedupeRunner{store: store, lease: time.Second, wait: 0, timeout: time.Second}
		got, err := runFn(&r, "k", func(context.Context) error { return nil })
		require.NoError(t, err)
		assert.Equal(t, outcomeHandled, got)
		assert.Equal(t, DedupeDone, store.m.State("k"))

		store.completeFailures.Store(10)
		got, err = runFn(&r, "k2", func(context.Context) error { return nil })
		assert.Equal(t, outcomeHandled, got, "the work was done")
		assert.ErrorContains(t, err, "marking it done failed")
	})
}

// Regression: at capacity, Claim evicted before looking the key up, so a
// duplicate of a held key evicted itself and was claimed as new.
func TestMemoryDedupeRecognisesHeldKeyAtCapacity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemoryDedupe(3, time.Hour)
	for i := range 3 {
		_, err := m.Claim(ctx, fmt.Sprint(i), "o", time.Minute)
		require.NoError(t, err)
		require.NoError(t, m.Complete(ctx, fmt.Sprint(i), "o"))
	}
	for i := range 3 {
		state, err := m.Claim(ctx, fmt.Sprint(i), "o2", time.Minute)
		require.NoError(t, err)
		assert.Equal(t, DedupeDone, state, "key %d at capacity", i)
	}
	assert.Equal(t, 3, m.Len())
}

func TestMemoryDedupeStates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemoryDedupe(3, time.Minute)
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	m.now = func() time.Time { return now }
	claim := func(key, owner string) DedupeState {
		t.Helper()
		s, err := m.Claim(ctx, key, owner, 10*time.Second)
		require.NoError(t, err)
		return s
	}
	assert.Equal(t, DedupeAcquired, claim("a", "o1"))
	assert.Equal(t, DedupeInProgress, claim("a", "o2"))
	held, _ := m.Renew(ctx, "a", "o2", time.Minute)
	assert.False(t, held, "only the holder renews")
	require.NoError(t, m.Release(ctx, "a", "o2"))
	assert.Equal(t, DedupeInProgress, claim("a", "o2"), "only the holder releases")
	now = now.Add(11 * time.Second)
	assert.Equal(t, DedupeAcquired, claim("a", "o2"), "a lapsed lease is free")
	held, _ = m.Renew(ctx, "a", "o1", time.Minute)
	assert.False(t, held, "the old holder lost it")
	require.NoError(t, m.Complete(ctx, "a", "o2"))
	assert.Equal(t, DedupeDone, claim("a", "o3"))
	held, _ = m.Renew(ctx, "a", "o2", time.Minute)
	assert.False(t, held, "a done key is not renewed back into progress")

	// Bounded in size: the oldest done keys go first; in-progress keys stay.
	for _, k := range []string{"b", "c", "d"} {
		claim(k, "o")
		require.NoError(t, m.Complete(ctx, k, "o"))
		now = now.Add(time.Second)
	}
	assert.Equal(t, 3, m.Len())
	assert.Equal(t, DedupeState(0), m.State("a"), "the oldest done key was forgotten")
	assert.Equal(t, DedupeDone, m.State("d"))
	// Bounded in age.
	now = now.Add(2 * time.Minute)
	assert.Equal(t, DedupeAcquired, claim("d", "o"), "retention over")
	assert.Equal(t, DedupeAcquired, claim("e", "o"))
	assert.Equal(t, 2, m.Len(), "expired keys are dropped when room is needed")
	assert.Equal(t, "in progress", DedupeInProgress.String())
}

// lockingStore plays a store whose claim of a key held elsewhere blocks on
// the holder's lock, as sqlinbox's does on a row lock, until the claim's
// context ends: then the key is in progress.
type lockingStore struct{}

func (*lockingStore) Claim(ctx context.Context, _, _ string, _ time.Duration) (DedupeState, error) {
	<-ctx.Done()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return DedupeInProgress, nil
	}
	return 0, ctx.Err()
}
func (*lockingStore) Renew(context.Context, string, string, time.Duration) (bool, error) {
	return false, nil
}
func (*lockingStore) Complete(context.Context, string, string) error { return nil }
func (*lockingStore) Release(context.Context, string, string) error  { return nil }

// A duplicate of a delivery whose function never finishes is answered
// within DefaultDedupeWait of its arrival, blocking claims included: it was
// answered after 8 s (a 2 s claim, then the 6 s wait), past SePay's wait.
func TestDedupeWholeWaitEndsInsideSePaysEightSeconds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		h := NewIPNHandler(ipnKey, func(context.Context, *IPN) error { t.Error("must not run"); return nil },
			WithDedupe(&lockingStore{}))
		start := time.Now()
		rec := serve(h, ipnRequest(t, ipnKey, fixture(t, "ipn.en.json")))
		assert.Equal(t, 409, rec.Code)
		assert.Equal(t, DefaultDedupeWait, time.Since(start), "the whole wait, from the delivery's arrival")

		// A wait shorter than the store timeout still lets one claim take
		// the store timeout.
		h = NewIPNHandler(ipnKey, func(context.Context, *IPN) error { return nil },
			WithDedupe(&lockingStore{}), WithDedupeWait(time.Millisecond))
		start = time.Now()
		assert.Equal(t, 409, serve(h, ipnRequest(t, ipnKey, fixture(t, "ipn.en.json"))).Code)
		assert.Equal(t, DefaultDedupeTimeout, time.Since(start))
	})
}
