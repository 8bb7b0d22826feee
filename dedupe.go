package bankhub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DedupeState is what a DedupeStore knows of one notification key.
type DedupeState int

// The states of a key. A key that is absent, whose function failed, or whose
// lease lapsed (its process died) is free: the next Claim acquires it.
const (
	// DedupeAcquired: the key was free and the caller now holds it under a
	// lease; it must Complete or Release it.
	DedupeAcquired DedupeState = iota + 1
	// DedupeInProgress: another owner holds the key under a live lease.
	DedupeInProgress
	// DedupeDone: the function returned nil for this key within the
	// store's retention window.
	DedupeDone
)

// String returns "acquired", "in progress" or "done".
func (s DedupeState) String() string {
	switch s {
	case DedupeAcquired:
		return "acquired"
	case DedupeInProgress:
		return "in progress"
	case DedupeDone:
		return "done"
	}
	return "DedupeState(" + strconv.Itoa(int(s)) + ")"
}

// DedupeStore records which notifications were handled, so that each reaches
// the merchant's function once however often, and by whichever path
// (NewIPNHandler, NewWebhookHandler, NewReconciler), it arrives. Keys are
// "ipn:<transaction_id>" and "event:<xid>".
//
// A key is in one of three states:
//
//   - free (absent, released after a failure, or its lease lapsed);
//   - in progress, held by one owner under a short lease that the holder
//     renews while the function runs: if the process dies, the lease lapses
//     and the key is free again;
//   - done, once the function returned nil; remembered for the store's
//     retention window (at least 24 hours by default: SePay redelivers for
//     up to 5 hours).
//
// Claim must be atomic: of concurrent claims of a free key exactly one
// acquires it. Owners are opaque strings unique to each attempt; Renew and
// Release act only for the owner that holds the key, so an attempt whose
// lease lapsed cannot free a key that another attempt now holds. Complete
// marks the key done whoever holds it (the work is done).
//
// The SDK bounds every call in time (DefaultDedupeTimeout) and never leaves a
// key blocked on a store error: at worst a key stays in progress until its
// lease lapses.
type DedupeStore interface {
	Claim(ctx context.Context, key, owner string, lease time.Duration) (DedupeState, error)
	Renew(ctx context.Context, key, owner string, lease time.Duration) (held bool, err error)
	Complete(ctx context.Context, key, owner string) error
	Release(ctx context.Context, key, owner string) error
}

// A TxDedupeStore is a DedupeStore whose claim is a database transaction that
// the function writes in (the sqlinbox module): Complete commits the
// function's writes and "done" together, so both happen or neither does.
// The SDK treats such a store differently in three ways:
//
//   - a Complete that fails means the commit failed and nothing was written:
//     the notification counts as failed (the handler answers 500, the
//     reconciler retries it) and Complete is never retried blindly;
//   - its claims are not renewed: the database's lock lasts as long as the
//     transaction, and dies with the process's connection;
//   - a failed function is reported with Abort, which rolls the transaction
//     back and may record why, instead of Release.
//
// The function finds its claim with ClaimFromContext.
type TxDedupeStore interface {
	DedupeStore
	// Abort rolls back the claim's transaction; the key is free again. cause
	// is why (the function's error, a panic, a timeout), for the store to
	// record; never a secret of the SDK's.
	Abort(ctx context.Context, key, owner string, cause error) error
}

// claimKey is the context key of the claim a function runs under.
type claimKey struct{}

// claim is what ClaimFromContext returns.
type claim struct{ key, owner string }

// ClaimFromContext returns the key and owner of the claim that the function
// called with ctx runs under. It is set for TxDedupeStore stores only, which
// use it to hand the function their transaction (sqlinbox's Func).
func ClaimFromContext(ctx context.Context) (key, owner string, ok bool) {
	c, ok := ctx.Value(claimKey{}).(*claim)
	if !ok {
		return "", "", false
	}
	return c.key, c.owner, true
}

// IPNDedupeKey is the dedupe key of an IPN and of the transaction it
// notifies ("ipn:" + TransactionID): the IPN handler and the Reconciler use
// it alike, so a transaction is handled once whichever path it came by.
func IPNDedupeKey(transactionID string) string { return "ipn:" + transactionID }

// EventDedupeKey is the dedupe key of a webhook event ("event:" + XID).
func EventDedupeKey(xid string) string { return "event:" + xid }

// Defaults of the dedupe protocol.
const (
	// DefaultDedupeLease is how long a claim lasts without renewal; the
	// holder renews it every third of that while the function runs.
	DefaultDedupeLease = 15 * time.Second
	// DefaultDedupeWait is how long a redelivery of a key in progress waits
	// for the outcome before it is answered 409: inside the 8 seconds SePay
	// waits for an answer.
	DefaultDedupeWait = 6 * time.Second
	// DefaultDedupeTimeout bounds each call to the store.
	DefaultDedupeTimeout = 2 * time.Second
	// DefaultDedupeRetention is how long a done key is remembered.
	DefaultDedupeRetention = 24 * time.Hour
)

// outcome is what became of one notification.
type outcome int

const (
	outcomeHandled    outcome = iota // the function ran and returned nil
	outcomeDuplicate                 // already done: not run again
	outcomeFailed                    // the function failed or panicked
	outcomeInProgress                // another owner still holds it
	outcomeStoreError                // the store could not be asked
)

// dedupeRunner runs a function at most once per key across every process
// sharing store. With a nil store it just runs the function.
type dedupeRunner struct {
	store   DedupeStore
	lease   time.Duration
	wait    time.Duration
	timeout time.Duration
	// callTimeout, when above zero, is the function's deadline: a function
	// that overruns it is abandoned and counts as failed (the Reconciler).
	callTimeout time.Duration
}

var (
	ownerPrefix = func() string {
		var b [8]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:]) + "-"
	}()
	ownerSeq atomic.Uint64
)

// newOwner returns an owner id unique to this attempt: a random per-process
// prefix and a counter.
func newOwner() string {
	return ownerPrefix + strconv.FormatUint(ownerSeq.Add(1), 36)
}

// errPanic wraps a panic of the user's function.
type errPanic struct{ v any }

func (e errPanic) Error() string { return fmt.Sprintf("bankhub: function panicked: %v", e.v) }

// localStore is implemented by stores that live and die with the process
// and never block (MemoryDedupe): a claim of theirs cannot outlive its
// holder, so the runner neither renews it nor bounds the calls.
type localStore interface{ local() }

// localLease is the lease of a claim in a local store: held until the
// function returns, however long it runs.
const localLease = 24 * time.Hour

// runDeduped claims key, runs fn(ctx, v) while renewing the lease, and
// records the outcome. A key in progress is polled until r.wait runs out.
// The error is fn's (or the store's). It is generic rather than taking a
// closure so that the hot path allocates nothing of its own.
func runDeduped[T any](ctx context.Context, r *dedupeRunner, key string, fn func(context.Context, *T) error, v *T) (outcome, error) {
	if r.store == nil {
		if err := invoke(ctx, r, fn, v, nil); err != nil {
			return outcomeFailed, err
		}
		return outcomeHandled, nil
	}
	_, local := r.store.(localStore)
	lease := r.lease
	if local {
		lease = localLease
	}
	owner := newOwner()
	// The whole wait for another holder, its first claim included, ends
	// r.wait after the delivery came (a claim that blocks on the holder's
	// lock, as sqlinbox's does, counts): a duplicate is answered inside
	// SePay's 8 seconds. A claim still gets the store timeout when the wait
	// is shorter, so that a free key is acquired even with a tiny wait.
	start := time.Now()
	pollUntil := start.Add(r.wait)
	claimUntil := start.Add(max(r.wait, r.timeout))
	for poll := 25 * time.Millisecond; ; poll = min(2*poll, 250*time.Millisecond) {
		state, err := r.claim(ctx, local, key, owner, lease, claimUntil)
		if err != nil {
			return outcomeStoreError, err
		}
		switch state {
		case DedupeDone:
			return outcomeDuplicate, nil
		case DedupeAcquired:
			if tx, ok := r.store.(TxDedupeStore); ok {
				return runInTx(ctx, r, tx, key, owner, fn, v)
			}
			return runHeld(ctx, r, local, key, owner, fn, v)
		case DedupeInProgress:
		default:
			return outcomeStoreError, fmt.Errorf("bankhub: dedupe store answered %v", state)
		}
		left := time.Until(pollUntil)
		if left <= 0 {
			return outcomeInProgress, nil
		}
		t := time.NewTimer(min(poll, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return outcomeInProgress, ctx.Err()
		case <-t.C:
		}
	}
}

// bounded runs one store call under the store timeout, on a context that
// the request's end does not cancel (an outcome is recorded even if the
// caller went away). Local stores are called directly.
func (r *dedupeRunner) bounded(ctx context.Context, local bool, call func(context.Context) error) error {
	if local {
		return call(ctx)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
	defer cancel()
	return call(cctx)
}

// claim asks for key under the store timeout, and no later than until.
// Unlike bounded, it keeps the request's cancellation: nothing is recorded
// yet, so a caller that went away may simply stop.
func (r *dedupeRunner) claim(ctx context.Context, local bool, key, owner string, lease time.Duration, until time.Time) (DedupeState, error) {
	if local {
		return r.store.Claim(ctx, key, owner, lease)
	}
	deadline := time.Now().Add(r.timeout)
	if until.Before(deadline) {
		deadline = until
	}
	cctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	return r.store.Claim(cctx, key, owner, lease)
}

// ErrFunctionTimeout is the failure of a function that did not return
// within the Reconciler's deadline (WithReconcileTimeout).
var ErrFunctionTimeout = errors.New("bankhub: the function did not return within its deadline")

// invoke runs fn, under r.callTimeout when one is set. A function that
// overruns it is abandoned: call returns ErrFunctionTimeout at the deadline,
// and late, if not nil, receives fn's result whenever fn does return.
func invoke[T any](ctx context.Context, r *dedupeRunner, fn func(context.Context, *T) error, v *T, late func(error)) error {
	if r.callTimeout <= 0 {
		return callSafely(ctx, fn, v)
	}
	return callWithin(ctx, r.callTimeout, fn, v, late)
}

// runHeld runs fn on a held key, renewing a shared store's lease until fn
// returns, then completes or releases the key.
func runHeld[T any](ctx context.Context, r *dedupeRunner, local bool, key, owner string, fn func(context.Context, *T) error, v *T) (outcome, error) {
	var rn *renewer
	if !local {
		rn = r.renewEvery(context.WithoutCancel(ctx), key, owner)
	}
	// A function abandoned at its deadline may still finish: its outcome is
	// recorded then, and until then the claim, no longer renewed, lapses on
	// its own (a store that cannot roll back cannot free it any sooner).
	var late func(error)
	if r.callTimeout > 0 { // only a deadline abandons a call: no closure on the handler's path
		late = func(err error) { r.record(ctx, local, key, owner, err) }
	}
	err := invoke(ctx, r, fn, v, late)
	if rn != nil {
		rn.stop()
	}
	if errors.Is(err, ErrFunctionTimeout) {
		if local { // held for as long as the function runs: from now on, for one lease only
			r.store.Renew(ctx, key, owner, r.lease)
		}
		return outcomeFailed, err
	}
	if err != nil {
		if rerr := r.record(ctx, local, key, owner, err); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return outcomeFailed, err
	}
	if cerr := r.record(ctx, local, key, owner, nil); cerr != nil {
		return outcomeHandled, fmt.Errorf("bankhub: handled, but marking it done failed: %w", cerr)
	}
	return outcomeHandled, nil
}

// record completes the key after a nil from the function, and releases it
// after an error.
func (r *dedupeRunner) record(ctx context.Context, local bool, key, owner string, fnErr error) error {
	if fnErr != nil {
		rerr := r.bounded(ctx, local, func(ctx context.Context) error { return r.store.Release(ctx, key, owner) })
		if rerr != nil {
			return fmt.Errorf("releasing the claim (it lapses in %v): %w", r.lease, rerr)
		}
		return nil
	}
	// The work is done: try hard to say so, since a key left in progress
	// becomes free when its lease lapses and would be handled again.
	var cerr error
	for attempt := range 3 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
		}
		if cerr = r.bounded(ctx, local, func(ctx context.Context) error { return r.store.Complete(ctx, key, owner) }); cerr == nil {
			break
		}
	}
	return cerr
}

// runInTx runs fn inside a TxDedupeStore's transaction: the claim travels in
// the context, a nil from fn commits (Complete, once: a failed commit wrote
// nothing, so the notification failed), anything else rolls back.
func runInTx[T any](ctx context.Context, r *dedupeRunner, store TxDedupeStore, key, owner string, fn func(context.Context, *T) error, v *T) (outcome, error) {
	fctx := context.WithValue(ctx, claimKey{}, &claim{key: key, owner: owner})
	err := invoke(fctx, r, fn, v, nil) // an abandoned function's transaction is rolled back below: its late result is moot
	if err != nil {
		if aerr := r.bounded(ctx, false, func(ctx context.Context) error { return store.Abort(ctx, key, owner, err) }); aerr != nil {
			err = errors.Join(err, fmt.Errorf("rolling back the claim: %w", aerr))
		}
		return outcomeFailed, err
	}
	if err := r.bounded(ctx, false, func(ctx context.Context) error { return store.Complete(ctx, key, owner) }); err != nil {
		return outcomeFailed, fmt.Errorf("bankhub: the function's transaction did not commit, nothing was recorded: %w", err)
	}
	return outcomeHandled, nil
}

// renewer renews a lease every third of its length until stopped.
type renewer struct {
	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
}

func (r *dedupeRunner) renewEvery(ctx context.Context, key, owner string) *renewer {
	rn := &renewer{}
	every := r.lease / 3
	tick := func() {
		cctx, cancel := context.WithTimeout(ctx, r.timeout)
		r.store.Renew(cctx, key, owner, r.lease) // a failed renewal is retried on the next tick
		cancel()
		rn.mu.Lock()
		if !rn.stopped {
			rn.timer.Reset(every)
		}
		rn.mu.Unlock()
	}
	rn.mu.Lock()
	rn.timer = time.AfterFunc(every, tick)
	rn.mu.Unlock()
	return rn
}

func (rn *renewer) stop() {
	rn.mu.Lock()
	rn.stopped = true
	rn.timer.Stop()
	rn.mu.Unlock()
}

// callSafely runs fn, turning a panic into an error.
func callSafely[T any](ctx context.Context, fn func(context.Context, *T) error, v *T) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errPanic{p}
		}
	}()
	return fn(ctx, v)
}

// overrunGrace is how long past its deadline a function is waited for, so
// that one that honours its context returns its own error.
const overrunGrace = 100 * time.Millisecond

// callWithin runs fn in a goroutine on a context with the deadline d and
// waits for it until overrunGrace past that. Then it returns
// ErrFunctionTimeout and leaves fn running; late then receives fn's result,
// when fn returns.
func callWithin[T any](ctx context.Context, d time.Duration, fn func(context.Context, *T) error, v *T, late func(error)) error {
	cctx, cancel := context.WithTimeout(ctx, d)
	done := make(chan error, 1)
	go func() {
		defer cancel()
		done <- callSafely(cctx, fn, v)
	}()
	t := time.NewTimer(d + overrunGrace)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
	}
	if late != nil {
		go func() { late(<-done) }()
	}
	return fmt.Errorf("%w (%v)", ErrFunctionTimeout, d)
}
