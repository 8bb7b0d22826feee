package bankhub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// A Reconciler hands the merchant's function every recent transaction that
// has not been handled yet: the ones whose IPN never came, failed, or died
// with its process. SePay redelivers an IPN only when it cannot connect, so
// an IPN answered 500, or cut off by a crash, is otherwise lost.
//
// Give it the same function and the same DedupeStore as NewIPNHandler: each
// transaction then reaches the function once, whichever path it came by
// (the key is "ipn:" + TransactionID on both).
//
// A pass walks the transactions newest first, back to the window (24 hours
// by default, SePay redelivers for 5), and claims each one in the store:
// done ones are skipped, ones in progress elsewhere are left for the next
// pass, the others are handed to the function as Transaction.IPN. After a
// pass in which everything was settled, the next one stops at the newest
// transaction it settled, so a quiet pass costs one request and catching up
// N transactions about N/per_page + 1; once an hour (WithReconcileFullEvery)
// a pass walks the whole window again, for transactions booked late with an
// older date.
//
// Every transaction is handed over, money out included: a function that
// credits orders checks TransferType.Incoming() or is wrapped in
// IncomingOnly (WithReconcileFilter with TransferIn also spares the work).
//
// Each call of the function has a deadline (WithReconcileTimeout), and runs
// on a context that cancelling the pass does not cut: a shutdown waits for
// the call in flight, a call that hangs fails only its transaction, for this
// pass, and the pass goes on.
//
// With several replicas, give each a ReconcileLock (the redisstore module's
// NewReconcileLock): one replica reconciles at a time, and when it dies, or
// its pass stops making progress, another takes over once the lock's lease
// lapses.
type Reconciler struct {
	client    *Client
	fn        func(context.Context, *IPN) error
	runner    dedupeRunner
	window    time.Duration
	interval  time.Duration
	fullEvery time.Duration
	perPage   int
	filter    TransactionListParams
	lock      ReconcileLock
	logger    *slog.Logger
	now       func() time.Time

	mu         sync.Mutex // one pass at a time
	checkpoint string     // newest transaction with everything older settled
	lastFull   time.Time
	stats      ReconcileStats
}

// ReconcileLock lets one of several replicas reconcile at a time.
type ReconcileLock interface {
	// Acquire takes the lock if it is free, or extends it if this holder
	// has it, and reports whether this holder has it now.
	Acquire(ctx context.Context) (bool, error)
	// Release gives the lock up if this holder has it.
	Release(ctx context.Context) error
}

// ReconcilerOption configures NewReconciler. In every option that takes a
// size or a duration, here and in the handlers', zero (or a negative
// value) keeps the default.
type ReconcilerOption func(*Reconciler)

// WithReconcileDedupe sets the store that records handled transactions: the
// same one the IPN handler uses (WithDedupe). Required.
func WithReconcileDedupe(store DedupeStore) ReconcilerOption {
	return func(r *Reconciler) { r.runner.store = store }
}

// WithReconcileWindow sets how far back a pass looks (default 24 hours).
// Keep the dedupe store's retention at least this long.
func WithReconcileWindow(d time.Duration) ReconcilerOption {
	return func(r *Reconciler) {
		if d > 0 {
			r.window = d
		}
	}
}

// WithReconcileInterval sets the time between two passes of Run (default
// one minute).
func WithReconcileInterval(d time.Duration) ReconcilerOption {
	return func(r *Reconciler) {
		if d > 0 {
			r.interval = d
		}
	}
}

// WithReconcileFullEvery sets how often a pass walks the whole window
// instead of stopping where the last settled pass began (default one hour).
func WithReconcileFullEvery(d time.Duration) ReconcilerOption {
	return func(r *Reconciler) {
		if d > 0 {
			r.fullEvery = d
		}
	}
}

// WithReconcileFilter restricts the transactions reconciled, e.g. to one
// company or to TransferIn. Its Page, PerPage and date fields are ignored:
// the window decides the dates.
func WithReconcileFilter(p TransactionListParams) ReconcilerOption {
	return func(r *Reconciler) {
		p.Page, p.PerPage = 0, 0
		p.TransactionDate, p.StartTransactionDate, p.EndTransactionDate = Date{}, Date{}, Date{}
		r.filter = p
	}
}

// WithReconcilePerPage sets the page size of the walk (default 100).
func WithReconcilePerPage(n int) ReconcilerOption {
	return func(r *Reconciler) {
		if n > 0 {
			r.perPage = min(n, 100)
		}
	}
}

// WithReconcileLock makes the reconciler pass only while it holds lock.
func WithReconcileLock(lock ReconcileLock) ReconcilerOption {
	return func(r *Reconciler) { r.lock = lock }
}

// WithReconcileLogger logs each pass that found work (Info), quiet passes
// (Debug) and failures (Error). Secrets and bodies are never logged.
func WithReconcileLogger(l *slog.Logger) ReconcilerOption {
	return func(r *Reconciler) { r.logger = l }
}

// DefaultReconcileTimeout is the Reconciler's deadline for one call of the
// function: well inside a reconcile lock's lease (redisstore's is 10 s), so
// that a pass keeps making progress while it holds the lock.
const DefaultReconcileTimeout = 5 * time.Second

// WithReconcileTimeout sets the deadline of one call of the function
// (DefaultReconcileTimeout; d <= 0 keeps it). The function's context ends
// then; a function that has not returned a tenth of a second later is
// abandoned and counts as
// failed for this pass, which goes on with the next transaction. With a
// TxDedupeStore (sqlinbox) its transaction is rolled back at once; with
// another store its claim is no longer renewed, so it lapses, and if the
// function does return later its outcome is still recorded.
func WithReconcileTimeout(d time.Duration) ReconcilerOption {
	return func(r *Reconciler) {
		if d > 0 {
			r.runner.callTimeout = d
		}
	}
}

// WithReconcileLease sets how long the reconciler's claim of a transaction
// lasts without renewal (DefaultDedupeLease); it is renewed while the
// function runs.
func WithReconcileLease(d time.Duration) ReconcilerOption {
	return func(r *Reconciler) {
		if d > 0 {
			r.runner.lease = d
		}
	}
}

// NewReconciler returns a Reconciler that hands fn, through client, every
// transaction the IPN handler has not handled. Passes fail until a store is
// given with WithReconcileDedupe.
func NewReconciler(client *Client, fn func(context.Context, *IPN) error, opts ...ReconcilerOption) *Reconciler {
	r := &Reconciler{client: client, fn: fn, window: 24 * time.Hour, interval: time.Minute, fullEvery: time.Hour,
		perPage: 100, now: time.Now,
		runner: dedupeRunner{lease: DefaultDedupeLease, timeout: DefaultDedupeTimeout, callTimeout: DefaultReconcileTimeout}}
	for _, opt := range opts {
		if opt != nil {
			opt(r)
		}
	}
	return r
}

// ErrNoDedupe is returned by a Reconciler without WithReconcileDedupe: it
// cannot tell handled transactions from the others.
var ErrNoDedupe = errors.New("bankhub: reconciler needs WithReconcileDedupe (the store the IPN handler uses)")

var errLockLost = errors.New("bankhub: reconcile lock lost mid-pass; another replica goes on")

// Once makes one pass. The error is the first that stopped the walk (a
// failed list request, a lost lock, ctx); failures of the function are
// counted in the result, not returned, and retried on the next pass.
func (r *Reconciler) Once(ctx context.Context) (ReconcileResult, error) {
	var res ReconcileResult
	if r.runner.store == nil {
		return res, ErrNoDedupe
	}
	if r.client == nil || r.fn == nil {
		return res, errors.New("bankhub: NewReconciler: client and function are required")
	}
	if r.lock != nil {
		held, err := r.lock.Acquire(ctx)
		if err != nil {
			return res, fmt.Errorf("bankhub: reconcile lock: %w", err)
		}
		if !held {
			res.Skipped = true
			r.record(ctx, &res)
			return res, nil
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var lost *atomic.Bool
	progress := new(atomic.Int64)
	if r.lock != nil {
		var stop func()
		lost, stop = r.holdLock(ctx, progress)
		defer stop()
	}
	err := r.pass(ctx, &res, lost, progress)
	r.stats.Passes++
	r.addStats(&res)
	r.logPass(ctx, &res, err)
	return res, err
}

// lockRenewal is how often a pass checks whether to extend the reconcile
// lock.
const lockRenewal = time.Second

// holdLock extends the lock every lockRenewal for as long as the pass makes
// progress (progress moves on with every page fetched and every
// transaction settled or failed), until stop is called. A pass that stalls
// stops extending it, so the lock lapses and another replica takes over.
// lost turns true when the lock could not be extended; losing it does not
// put money at risk (the dedupe store decides who handles what), so the
// pass only stops at the next transaction.
func (r *Reconciler) holdLock(ctx context.Context, progress *atomic.Int64) (lost *atomic.Bool, stop func()) {
	lost = new(atomic.Bool)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(lockRenewal)
		defer t.Stop()
		seen, stalled := progress.Load(), false
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			now := progress.Load()
			if now == seen {
				if !stalled {
					r.log(ctx, slog.LevelWarn, "the pass makes no progress: the lock is no longer extended", nil, "")
				}
				stalled = true
				continue
			}
			seen, stalled = now, false
			held, err := r.lock.Acquire(ctx)
			if err != nil || !held {
				if err == nil {
					err = errors.New("held by another replica")
				}
				r.log(ctx, slog.LevelWarn, "reconcile lock lost; the pass stops", err, "")
				lost.Store(true)
				return
			}
		}
	}()
	return lost, func() { close(done); wg.Wait() }
}

// pass walks the window. Call with r.mu held.
func (r *Reconciler) pass(ctx context.Context, res *ReconcileResult, lost *atomic.Bool, progress *atomic.Int64) error {
	now := r.now()
	cutoff := now.Add(-r.window)
	res.Full = r.checkpoint == "" || now.Sub(r.lastFull) >= r.fullEvery
	p := r.filter
	p.PerPage = r.perPage
	p.StartTransactionDate = DateOf(cutoff)
	walk := paginate(ctx, 1, p.PerPage, true, func(t *Transaction) string { return t.TransactionID },
		func(ctx context.Context, page int) (*Page[Transaction], error) {
			res.Requests++
			p.Page = page
			defer progress.Add(1)
			return r.client.Transactions.List(ctx, &p)
		})

	// settled is the newest transaction of the pass below which (in walk
	// order) nothing failed: the next checkpoint.
	settled, reachedCheckpoint := "", false
	for tx, err := range walk {
		if err != nil {
			return err
		}
		if !res.Full && tx.TransactionID == r.checkpoint {
			reachedCheckpoint = true
			break
		}
		if !tx.TransactionDate.IsZero() && tx.TransactionDate.Before(cutoff) {
			break
		}
		if lost != nil && lost.Load() {
			return errLockLost
		}
		res.Checked++
		n := tx.IPN()
		if err := checkIPN(n); err != nil {
			// What ParseIPN refuses (a negative or missing amount, an
			// unknown direction, no id) is never handed over as money: it
			// fails, is logged, and keeps the pass from settling past it.
			res.Failed++
			settled = ""
			progress.Add(1)
			r.log(ctx, slog.LevelError, "transaction refused", err, tx.TransactionID)
			continue
		}
		// Like the IPN handler's, the function's context keeps the pass's
		// values but not its cancellation: a shutdown waits for the call in
		// flight (bounded by WithReconcileTimeout) instead of cutting its
		// write in half, then the pass stops.
		out, err := runDeduped(context.WithoutCancel(ctx), &r.runner, IPNDedupeKey(tx.TransactionID), r.fn, n)
		progress.Add(1)
		switch out {
		case outcomeHandled:
			res.Handled++
			if err != nil {
				r.log(ctx, slog.LevelError, "handled, not recorded", err, tx.TransactionID)
			}
		case outcomeDuplicate:
			res.Duplicates++
		case outcomeInProgress:
			res.InProgress++
		default:
			res.Failed++
			r.log(ctx, slog.LevelError, "function failed", err, tx.TransactionID)
		}
		if out == outcomeHandled || out == outcomeDuplicate {
			if settled == "" {
				settled = tx.TransactionID
			}
		} else {
			settled = ""
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	switch {
	case settled != "":
		r.checkpoint = settled
	case !reachedCheckpoint:
		r.checkpoint = "" // the oldest one failed: walk the window next time
	}
	if res.Full {
		r.lastFull = now
	}
	return nil
}

// Run makes a pass at once and then every interval, until ctx ends; it
// returns ctx's error. A failed pass is logged and retried at the next tick.
// On return it releases the lock, if it holds one.
func (r *Reconciler) Run(ctx context.Context) error {
	if r.runner.store == nil {
		return ErrNoDedupe
	}
	t := time.NewTicker(r.interval)
	defer t.Stop()
	defer func() {
		if r.lock != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultDedupeTimeout)
			r.lock.Release(rctx)
			cancel()
		}
	}()
	for {
		r.Once(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
