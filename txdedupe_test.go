package bankhub

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// txStore is a TxDedupeStore in memory: a claim is an open "transaction"
// whose writes (staged) become visible only when Complete commits them.
type txStore struct {
	m           *MemoryDedupe
	mu          sync.Mutex
	staged      map[string][]string // owner → writes of the open transaction
	committed   []string
	aborts      []error
	completes   atomic.Int32
	renews      atomic.Int32
	commitErr   error // Complete fails with it (and rolls back)
	claimsSeen  []string
	abortCalled chan struct{}
}

func newTxStore() *txStore {
	return &txStore{m: NewMemoryDedupe(0, 0), staged: map[string][]string{}, abortCalled: make(chan struct{}, 16)}
}

func (s *txStore) Claim(ctx context.Context, key, owner string, lease time.Duration) (DedupeState, error) {
	return s.m.Claim(ctx, key, owner, lease)
}

func (s *txStore) Renew(ctx context.Context, key, owner string, lease time.Duration) (bool, error) {
	s.renews.Add(1)
	return s.m.Renew(ctx, key, owner, lease)
}

func (s *txStore) Complete(ctx context.Context, key, owner string) error {
	s.completes.Add(1)
	s.mu.Lock()
	writes := s.staged[owner]
	delete(s.staged, owner)
	if s.commitErr != nil {
		s.mu.Unlock()
		return errors.Join(s.commitErr, s.m.Release(ctx, key, owner))
	}
	s.committed = append(s.committed, writes...)
	s.mu.Unlock()
	return s.m.Complete(ctx, key, owner)
}

func (s *txStore) Release(ctx context.Context, key, owner string) error {
	return s.Abort(ctx, key, owner, nil)
}

func (s *txStore) Abort(ctx context.Context, key, owner string, cause error) error {
	s.mu.Lock()
	delete(s.staged, owner)
	s.aborts = append(s.aborts, cause)
	s.mu.Unlock()
	s.abortCalled <- struct{}{}
	return s.m.Release(ctx, key, owner)
}

// write is what a function does in the claim's transaction.
func (s *txStore) write(ctx context.Context, what string) error {
	key, owner, ok := ClaimFromContext(ctx)
	if !ok {
		return errors.New("no claim in the context")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claimsSeen = append(s.claimsSeen, key)
	s.staged[owner] = append(s.staged[owner], what)
	return nil
}

func (s *txStore) state() (committed []string, aborts []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.committed...), append([]error(nil), s.aborts...)
}

func TestTxStoreCommitsTheFunctionsWritesWithDone(t *testing.T) {
	t.Parallel()
	store := newTxStore()
	h := NewIPNHandler(ipnKey, func(ctx context.Context, n *IPN) error { return store.write(ctx, n.TransactionID) }, WithDedupe(store))
	body := fixture(t, "ipn.en.json")
	assert.Equal(t, 200, serve(h, ipnRequest(t, ipnKey, body)).Code)
	assert.Equal(t, 200, serve(h, ipnRequest(t, ipnKey, body)).Code, "a redelivery is acknowledged")
	committed, aborts := store.state()
	assert.Equal(t, []string{"a47b6ab2-8f8b-11f0-b21a-a6006ab65aca"}, committed, "written once")
	assert.Empty(t, aborts)
	assert.Equal(t, []string{ipnFixtureKey}, store.claimsSeen, "the function found its claim in its context")
	assert.Equal(t, int32(1), store.completes.Load())
}

// A commit that fails wrote nothing: the notification failed (500, so the
// reconciler retries it), and Complete is not retried blindly.
func TestTxStoreFailedCommitIsAFailedNotification(t *testing.T) {
	t.Parallel()
	store := newTxStore()
	store.commitErr = errors.New("could not serialize access")
	var stats HandlerStats
	h := NewIPNHandler(ipnKey, func(ctx context.Context, n *IPN) error { return store.write(ctx, n.TransactionID) },
		WithDedupe(store), WithHandlerStats(&stats))
	body := fixture(t, "ipn.en.json")
	assert.Equal(t, 500, serve(h, ipnRequest(t, ipnKey, body)).Code)
	assert.Equal(t, int32(1), store.completes.Load(), "a failed commit is not retried")
	assert.Equal(t, int64(1), stats.Failed.Load())
	assert.Equal(t, int64(0), stats.Handled.Load())
	assert.Equal(t, DedupeState(0), store.m.State(ipnFixtureKey), "the key is free again")

	store.commitErr = nil
	assert.Equal(t, 200, serve(h, ipnRequest(t, ipnKey, body)).Code, "the next delivery is processed")
	committed, _ := store.state()
	assert.Len(t, committed, 1)
}

func TestTxStoreFailedFunctionIsAbortedWithItsCause(t *testing.T) {
	t.Parallel()
	store := newTxStore()
	boom := errors.New("order service unavailable")
	h := NewIPNHandler(ipnKey, func(ctx context.Context, n *IPN) error {
		if err := store.write(ctx, n.TransactionID); err != nil {
			return err
		}
		return boom
	}, WithDedupe(store))
	assert.Equal(t, 500, serve(h, ipnRequest(t, ipnKey, fixture(t, "ipn.en.json"))).Code)
	committed, aborts := store.state()
	assert.Empty(t, committed, "the function's write was rolled back")
	require.Len(t, aborts, 1)
	assert.ErrorIs(t, aborts[0], boom)
	assert.Equal(t, int32(0), store.completes.Load())

	panicky := NewIPNHandler(ipnKey, func(context.Context, *IPN) error { panic("nil map") }, WithDedupe(store))
	assert.Equal(t, 500, serve(panicky, ipnRequest(t, ipnKey, fixture(t, "ipn.en.json"))).Code)
	_, aborts = store.state()
	require.Len(t, aborts, 2)
	assert.ErrorContains(t, aborts[1], "panicked: nil map")
}

// The database's lock lives as long as the transaction: nothing renews it,
// however long the function runs.
func TestTxStoreClaimIsNotRenewed(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		store := newTxStore()
		r := dedupeRunner{store: store, lease: time.Second, wait: time.Second, timeout: time.Second}
		got, err := runFn(&r, "k", func(ctx context.Context) error {
			time.Sleep(10 * time.Second)
			return store.write(ctx, "w")
		})
		require.NoError(t, err)
		assert.Equal(t, outcomeHandled, got)
		assert.Equal(t, int32(0), store.renews.Load())
	})
}

// Without a TxDedupeStore there is no claim in the context.
func TestClaimFromContextOnlyForTxStores(t *testing.T) {
	t.Parallel()
	var ok atomic.Bool
	ok.Store(true)
	h := NewIPNHandler(ipnKey, func(ctx context.Context, _ *IPN) error {
		_, _, found := ClaimFromContext(ctx)
		ok.Store(found)
		return nil
	}, WithDedupe(NewMemoryDedupe(0, 0)))
	assert.Equal(t, 200, serve(h, ipnRequest(t, ipnKey, fixture(t, "ipn.en.json"))).Code)
	assert.False(t, ok.Load())
}

// A function that overruns its deadline is abandoned: the runner returns
// ErrFunctionTimeout at the deadline. A TxDedupeStore's transaction is rolled
// back at once; another store's claim is left to lapse, and the late result
// is still recorded.
func TestFunctionDeadline(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		store := newTxStore()
		r := dedupeRunner{store: store, lease: time.Second, timeout: time.Second, callTimeout: 5 * time.Second}
		release := make(chan struct{})
		start := time.Now()
		got, err := runFn(&r, "hung", func(ctx context.Context) error {
			store.write(ctx, "never committed")
			<-release // ignores its context, like a stuck connection
			return nil
		})
		assert.Equal(t, 5*time.Second+overrunGrace, time.Since(start), "abandoned just after the deadline")
		assert.Equal(t, outcomeFailed, got)
		require.ErrorIs(t, err, ErrFunctionTimeout)
		_, aborts := store.state()
		require.Len(t, aborts, 1)
		assert.ErrorIs(t, aborts[0], ErrFunctionTimeout)
		close(release)
		synctest.Wait()
		committed, _ := store.state()
		assert.Empty(t, committed, "a late nil does not commit a rolled-back transaction")
		assert.Equal(t, int32(0), store.completes.Load())

		// A function that honours its context returns its own error.
		got, err = runFn(&r, "polite", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		assert.Equal(t, outcomeFailed, got)
		assert.ErrorIs(t, err, context.DeadlineExceeded)

		// Another store: the claim is not released at the deadline (the
		// function may still write) and a late success marks it done.
		mem := &faultyStore{m: NewMemoryDedupe(0, 0)}
		r = dedupeRunner{store: mem, lease: 3 * time.Second, timeout: time.Second, callTimeout: 2 * time.Second}
		release = make(chan struct{})
		got, err = runFn(&r, "late", func(context.Context) error { <-release; return nil })
		assert.Equal(t, outcomeFailed, got)
		assert.ErrorIs(t, err, ErrFunctionTimeout)
		assert.Equal(t, DedupeInProgress, mem.m.State("late"), "held until it lapses")
		close(release)
		synctest.Wait()
		assert.Equal(t, DedupeDone, mem.m.State("late"), "the late success is recorded")

		release = make(chan struct{})
		runFn(&r, "lapses", func(context.Context) error { <-release; return nil })
		time.Sleep(3 * time.Second)
		assert.Equal(t, DedupeState(0), mem.m.State("lapses"), "no longer renewed: the lease lapsed")
		close(release)
		synctest.Wait()
	})
}

// The Reconciler never hands the function what ParseIPN refuses: a listed
// transfer in of -500,000 (the shop would run paid = paid + -500000), one
// with no amount, one of an unknown direction, one with no id. Each counts
// as failed and is logged; the valid one beside them is handled, and none
// is marked done.
func TestReconcilerRefusesWhatParseIPNRefuses(t *testing.T) {
	t.Parallel()
	api := setup(t)
	now := time.Now().In(VietnamZone()).Format("2006-01-02 15:04:05")
	item := func(id, transferType, amount string) string {
		return `{"transaction_id":"` + id + `","transaction_date":"` + now + `","bank_account_xid":"b1","transfer_type":"` +
			transferType + `","amount":` + amount + `,"transaction_content":"DH123456","payment_code":"DH123456"}`
	}
	list := `{"data":[` + strings.Join([]string{
		item("negative", "in", "-500000"), item("no-amount", "in", "null"), item("sideways", "sideways", "1000"),
		item("", "in", "1000"), item("good", "in", "1000"),
	}, ",") + `],"meta":{"page":1,"per_page":100,"total":5,"total_pages":1}}`
	api.handle("GET /v1/transaction", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, list) })
	store := NewMemoryDedupe(0, 0)
	var got []*IPN
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	rec := NewReconciler(api.client, func(_ context.Context, n *IPN) error {
		got = append(got, n)
		return nil
	}, WithReconcileDedupe(store), WithReconcileLogger(logger))
	res, err := rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 5, res.Checked)
	assert.Equal(t, 4, res.Failed)
	assert.Equal(t, 1, res.Handled)
	require.Len(t, got, 1)
	assert.Equal(t, "good", got[0].TransactionID)
	for _, id := range []string{"negative", "no-amount", "sideways"} {
		st, err := store.Claim(context.Background(), IPNDedupeKey(id), "probe", time.Second)
		require.NoError(t, err)
		assert.Equal(t, DedupeAcquired, st, "%s is not marked done", id)
	}
	for _, says := range []string{"transaction_id=negative", "negative amount -500000", "transaction_id=no-amount", "no amount",
		`unknown transfer_type \"sideways\"`, "no transaction_id"} {
		assert.Contains(t, logs.String(), says)
	}
}
