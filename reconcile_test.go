package bankhub_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const moneyIPNKey = "ipn-key-for-reconcile-tests"

// ledger is the merchant's book: how often each transaction was credited.
type ledger struct {
	mu      sync.Mutex
	counts  map[string]int
	amounts map[string]bankhub.VND
	fail    func(*bankhub.IPN) error // nil: always succeed
}

func newLedger() *ledger {
	return &ledger{counts: map[string]int{}, amounts: map[string]bankhub.VND{}}
}

// credit is the one function both the IPN handler and the reconciler call.
func (l *ledger) credit(_ context.Context, n *bankhub.IPN) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		if err := l.fail(n); err != nil {
			return err
		}
	}
	l.counts[n.TransactionID]++
	l.amounts[n.TransactionID] += n.Amount
	return nil
}

func (l *ledger) count(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[id]
}

// checkExact asserts that every transaction of the fake was credited
// exactly once, with its amount.
func (l *ledger) checkExact(t *testing.T, client *bankhub.Client) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := 0
	for tx, err := range client.Transactions.All(context.Background(), &bankhub.TransactionListParams{PerPage: 100}) {
		require.NoError(t, err)
		seen++
		assert.Equal(t, 1, l.counts[tx.TransactionID], "transaction %s", tx.TransactionID)
		assert.Equal(t, tx.Amount, l.amounts[tx.TransactionID], "transaction %s", tx.TransactionID)
	}
	assert.Len(t, l.counts, seen, "no transaction credited that the bank does not have")
}

// money is a fake Bank Hub with a linked account whose company sends IPNs,
// a merchant IPN endpoint and a reconciler sharing one store and function.
type money struct {
	fake    *bankhubtest.Server
	client  *bankhub.Client
	account string
	ledger  *ledger
	store   *bankhub.MemoryDedupe
	ipn     *httptest.Server
	stats   *bankhub.HandlerStats
}

func newMoney(t *testing.T) *money {
	t.Helper()
	m := &money{ledger: newLedger(), store: bankhub.NewMemoryDedupe(0, 0), stats: new(bankhub.HandlerStats)}
	m.fake = bankhubtest.NewServer(bankhubtest.WithDeliveryRetries(1, time.Millisecond))
	t.Cleanup(m.fake.Close)
	m.client = m.fake.Client()
	company := m.fake.AddCompany(bankhubtest.CompanyParams{FullName: "Cửa hàng Minh An"})
	var err error
	m.account, err = m.fake.AddBankAccount(company, bankhubtest.LinkParams{})
	require.NoError(t, err)
	m.ipn = httptest.NewServer(bankhub.NewIPNHandler(moneyIPNKey, m.ledger.credit,
		bankhub.WithDedupe(m.store), bankhub.WithHandlerStats(m.stats)))
	t.Cleanup(m.ipn.Close)
	m.fake.SetIPN(m.ipn.URL, moneyIPNKey)
	return m
}

func (m *money) reconciler(opts ...bankhub.ReconcilerOption) *bankhub.Reconciler {
	return bankhub.NewReconciler(m.client, m.ledger.credit, append([]bankhub.ReconcilerOption{
		bankhub.WithReconcileDedupe(m.store), bankhub.WithReconcilePerPage(20)}, opts...)...)
}

func (m *money) transfer(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		tx, err := m.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{
			BankAccountXID: m.account, Amount: bankhub.VND(10_000 + i), Content: fmt.Sprintf("DH%06d", i)})
		require.NoError(t, err)
		ids = append(ids, tx.TransactionID)
	}
	return ids
}

func TestReconcilerHandsWhatIPNMissedExactlyOnce(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	m.transfer(t, 5) // delivered
	m.fake.SetIPN("http://127.0.0.1:1/unreachable", moneyIPNKey)
	missed := m.transfer(t, 42) // the receiver is down: all lost
	m.fake.SetIPN(m.ipn.URL, moneyIPNKey)
	m.transfer(t, 3)

	list, err := m.client.Transactions.List(context.Background(), &bankhub.TransactionListParams{WebhookSuccess: bankhub.Ptr(false)})
	require.NoError(t, err)
	assert.Equal(t, 42, list.Meta.Total, "the fake recorded the failed deliveries")
	for _, id := range missed {
		assert.Equal(t, 0, m.ledger.count(id))
	}

	rec := m.reconciler()
	res, err := rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, bankhub.ReconcileResult{Full: true, Requests: 3, Checked: 50, Handled: 42, Duplicates: 8}, res)
	m.ledger.checkExact(t, m.client)
	assert.Equal(t, int64(8), m.stats.Handled.Load(), "handled by IPN")

	// A quiet pass costs one request.
	m.fake.ResetRequests()
	res, err = rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, bankhub.ReconcileResult{Requests: 1}, res)
	assert.Equal(t, 1, m.fake.Count(bankhubtest.OpTransactionList))

	// Catching up N missed transactions costs about N/per_page + 1.
	m.fake.SetIPN("", "")
	m.transfer(t, 45)
	res, err = rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, bankhub.ReconcileResult{Requests: 3, Checked: 45, Handled: 45}, res)
	m.ledger.checkExact(t, m.client)
	st := rec.Stats()
	assert.Equal(t, bankhub.ReconcileStats{Passes: 3, Requests: 7, Checked: 95, Handled: 87, Duplicates: 8}, st)
}

func TestReconcilerRetriesFailuresAndNeverSkipsPastThem(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	var failures atomic.Int32
	m.ledger.fail = func(n *bankhub.IPN) error {
		if n.Amount%4 == 0 && failures.Add(1) <= 30 { // a quarter fail, IPN and first pass alike
			return errors.New("database busy")
		}
		return nil
	}
	m.transfer(t, 60)
	assert.Equal(t, int64(15), m.stats.Failed.Load(), "answered 500: SePay will not redeliver")
	rec := m.reconciler()
	res, err := rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 15, res.Failed, "they fail again in the first pass")
	assert.Equal(t, 0, res.Handled)
	res, err = rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 15, res.Handled, "the next pass walks back past the checkpoint to every failure")
	assert.Equal(t, 60, res.Checked)
	m.ledger.checkExact(t, m.client)
}

func TestReconcilerLeavesInProgressForNextPass(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	m.fake.SetIPN("", "")
	ids := m.transfer(t, 3)
	// Another replica is handling the middle one right now.
	state, err := m.store.Claim(context.Background(), "ipn:"+ids[1], "other-replica", time.Hour)
	require.NoError(t, err)
	require.Equal(t, bankhub.DedupeAcquired, state)
	rec := m.reconciler()
	res, err := rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, res.InProgress)
	assert.Equal(t, 2, res.Handled)
	assert.Equal(t, 0, m.ledger.count(ids[1]))
	// The other replica finishes; the next pass finds it done.
	require.NoError(t, m.store.Complete(context.Background(), "ipn:"+ids[1], "other-replica"))
	res, err = rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, bankhub.ReconcileResult{Requests: 1, Checked: 2, Duplicates: 2}, res,
		"walked back to the one that was in progress, no further")
}

func TestReconcilerWindowAndLateBookings(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	m.fake.SetIPN("", "")
	now := time.Now()
	old, err := m.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{
		BankAccountXID: m.account, Amount: 1, Content: "old", Date: now.Add(-3 * time.Hour)})
	require.NoError(t, err)
	m.transfer(t, 2)
	rec := m.reconciler(bankhub.WithReconcileWindow(2 * time.Hour))
	res, err := rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, res.Handled, "the 3-hour-old one is outside the window")
	assert.Equal(t, 0, m.ledger.count(old.TransactionID))

	// A transaction booked late, with a date older than the last settled one.
	late, err := m.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{
		BankAccountXID: m.account, Amount: 7, Content: "late", Date: now.Add(-time.Hour)})
	require.NoError(t, err)
	res, err = rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 0, res.Handled, "a quick pass stops at the checkpoint")
	full := m.reconciler(bankhub.WithReconcileWindow(2*time.Hour), bankhub.WithReconcileFullEvery(time.Nanosecond))
	res, err = full.Once(context.Background())
	require.NoError(t, err)
	assert.True(t, res.Full)
	assert.Equal(t, 1, res.Handled, "the full pass finds the late booking")
	assert.Equal(t, 1, m.ledger.count(late.TransactionID))
}

func TestReconcilerFilterAndErrors(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	m.fake.SetIPN("", "")
	m.transfer(t, 2)
	_, err := m.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{
		BankAccountXID: m.account, Amount: 5, Content: "refund", TransferType: bankhub.TransferOut})
	require.NoError(t, err)
	rec := m.reconciler(bankhub.WithReconcileFilter(bankhub.TransactionListParams{TransferType: bankhub.TransferIn, Page: 9}))
	res, err := rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, res.Handled, "money out is filtered away")

	_, err = bankhub.NewReconciler(m.client, m.ledger.credit).Once(context.Background())
	require.ErrorIs(t, err, bankhub.ErrNoDedupe)
	assert.ErrorIs(t, bankhub.NewReconciler(m.client, m.ledger.credit).Run(context.Background()), bankhub.ErrNoDedupe)

	m.fake.FailNext(bankhubtest.OpTransactionList, 10, 503, 0)
	_, err = m.reconciler(bankhub.WithReconcileFullEvery(time.Nanosecond)).Once(context.Background())
	assert.ErrorIs(t, err, bankhub.ErrServer)
}

// testLock is a ReconcileLock that one holder at a time has.
type testLock struct {
	mu     *sync.Mutex
	holder *string
	me     string
}

func (l testLock) Acquire(context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if *l.holder == "" || *l.holder == l.me {
		*l.holder = l.me
		return true, nil
	}
	return false, nil
}

func (l testLock) Release(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if *l.holder == l.me {
		*l.holder = ""
	}
	return nil
}

func TestReconcilerOneReplicaAtATime(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	m.fake.SetIPN("", "")
	m.transfer(t, 4)
	var mu sync.Mutex
	holder := ""
	a := m.reconciler(bankhub.WithReconcileLock(testLock{&mu, &holder, "a"}))
	b := m.reconciler(bankhub.WithReconcileLock(testLock{&mu, &holder, "b"}))
	res, err := a.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 4, res.Handled)
	res, err = b.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, bankhub.ReconcileResult{Skipped: true}, res)

	// a stops (Run releases the lock): b takes over.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- a.Run(ctx) }()
	require.Eventually(t, func() bool { return a.Stats().Passes >= 2 }, 2*time.Second, time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	m.transfer(t, 1)
	res, err = b.Once(context.Background())
	require.NoError(t, err)
	assert.False(t, res.Skipped)
	assert.Equal(t, 1, res.Handled)
	m.ledger.checkExact(t, m.client)
}

func TestReconcilerRunPollsUntilCancelled(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	m.fake.SetIPN("", "")
	rec := m.reconciler(bankhub.WithReconcileInterval(10 * time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- rec.Run(ctx) }()
	ids := m.transfer(t, 3)
	// All three, in whichever passes: a pass walks newest first and stops
	// at the cancellation, so waiting for one could stop it before the rest.
	require.Eventually(t, func() bool {
		return m.ledger.count(ids[0]) == 1 && m.ledger.count(ids[1]) == 1 && m.ledger.count(ids[2]) == 1
	}, 5*time.Second, time.Millisecond)
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	m.ledger.checkExact(t, m.client)
}

func TestTransactionIPN(t *testing.T) {
	t.Parallel()
	when, err := time.ParseInLocation("2006-01-02 15:04:05", "2026-01-13 20:55:04", bankhub.VietnamZone())
	require.NoError(t, err)
	tx := bankhub.Transaction{
		TransactionID: "a47b6ab2", TransactionDate: bankhub.Time{Time: when, Raw: "2026-01-13 20:55:04"},
		BankAccountXID: "587eabfb", CompanyXID: "d3dafd01", BrandName: "MBBank", AccountNumber: "0123456789",
		VA: "VQR001", VAXID: "9b1c", ReferenceNumber: "FT26013", TransferType: bankhub.TransferIn, Amount: 500_000,
		TransactionContent: "Thanh toan DH123456", PaymentCode: "DH123456", WebhookSuccess: false,
	}
	assert.Equal(t, &bankhub.IPN{
		Gateway: "MBBank", TransactionDate: tx.TransactionDate, AccountNumber: "0123456789", BankAccountXID: "587eabfb",
		VA: "VQR001", PaymentCode: "DH123456", Content: "Thanh toan DH123456", TransferType: bankhub.TransferCredit,
		Amount: 500_000, ReferenceCode: "FT26013", Accumulated: 0, TransactionID: "a47b6ab2",
	}, tx.IPN())
	tx.TransferType = bankhub.TransferOut
	assert.Equal(t, bankhub.TransferDebit, tx.IPN().TransferType)
	tx.TransferType = " IN"
	assert.Equal(t, bankhub.TransferCredit, tx.IPN().TransferType, "a direction in any case and spacing")
	tx.TransferType = "sideways"
	assert.Equal(t, bankhub.TransferType("sideways"), tx.IPN().TransferType, "an unknown direction is kept")
}

var _ http.Handler = bankhub.NewIPNHandler("k", nil)

// A function that never returns (a stuck database connection, its context
// ignored) fails only its own transaction: the pass goes on, and the next
// pass retries it.
func TestReconcilerHungFunctionDoesNotStallThePass(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	m.fake.SetIPN("", "")
	ids := m.transfer(t, 3)
	stuck := make(chan struct{})
	defer close(stuck)
	var hung atomic.Bool
	fn := func(ctx context.Context, n *bankhub.IPN) error {
		if n.TransactionID == ids[1] && hung.CompareAndSwap(false, true) {
			<-stuck
			return nil
		}
		return m.ledger.credit(ctx, n)
	}
	rec := bankhub.NewReconciler(m.client, fn, bankhub.WithReconcileDedupe(m.store), bankhub.WithReconcileTimeout(100*time.Millisecond),
		bankhub.WithReconcileLease(300*time.Millisecond))
	res, err := rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 3, res.Checked)
	assert.Equal(t, 2, res.Handled)
	assert.Equal(t, 1, res.Failed, "the hung call failed this pass")
	assert.Equal(t, 0, m.ledger.count(ids[1]))

	// Its claim is no longer renewed: once it lapses, the next pass
	// handles the transaction.
	require.Eventually(t, func() bool {
		res, err := rec.Once(context.Background())
		return err == nil && res.Handled == 1
	}, 5*time.Second, 50*time.Millisecond)
	assert.Equal(t, 1, m.ledger.count(ids[1]))
}

// Cancelling a pass (a deploy's SIGTERM) does not cut the function in the
// middle of its write: it finishes on a context the pass's cancellation does
// not reach, its outcome is recorded, and then the pass stops.
func TestReconcilerShutdownLetsTheFunctionFinish(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	m.fake.SetIPN("", "")
	ids := m.transfer(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	var sawCancel atomic.Bool
	fn := func(fctx context.Context, n *bankhub.IPN) error {
		cancel() // the shutdown arrives mid-write
		time.Sleep(20 * time.Millisecond)
		if fctx.Err() != nil {
			sawCancel.Store(true)
			return fctx.Err()
		}
		return m.ledger.credit(fctx, n)
	}
	rec := bankhub.NewReconciler(m.client, fn, bankhub.WithReconcileDedupe(m.store))
	res, err := rec.Once(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, sawCancel.Load(), "the function's context was cancelled with the pass")
	assert.Equal(t, 1, res.Handled, "the call in flight finished; the pass stopped after it")
	assert.Equal(t, 1, m.ledger.count(ids[2]), "newest first")

	res, err = m.reconciler().Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, res.Handled)
	assert.Equal(t, 1, res.Duplicates)
	m.ledger.checkExact(t, m.client)
}

// timedLock is a ReconcileLock that records when it was asked and answers
// held until lose is set.
type timedLock struct {
	mu    sync.Mutex
	calls []time.Time
	lose  atomic.Bool
}

func (l *timedLock) Acquire(context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, time.Now())
	return !l.lose.Load(), nil
}

func (l *timedLock) Release(context.Context) error { return nil }

func (l *timedLock) between(from, to time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.calls {
		if c.After(from) && c.Before(to) {
			n++
		}
	}
	return n
}

// The lock is extended only while the pass makes progress: a pass stuck in
// one call stops extending it, so its lease lapses and another replica can
// take over.
func TestReconcilerLockIsHeldOnlyWhileThePassProgresses(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	m.fake.SetIPN("", "")
	m.transfer(t, 2)
	lock := &timedLock{}
	var stuckFrom, stuckTo time.Time
	var first atomic.Bool
	fn := func(ctx context.Context, n *bankhub.IPN) error {
		if first.CompareAndSwap(false, true) {
			stuckFrom = time.Now()
			time.Sleep(3500 * time.Millisecond) // three and a half renewal periods
			stuckTo = time.Now()
		}
		return m.ledger.credit(ctx, n)
	}
	rec := bankhub.NewReconciler(m.client, fn, bankhub.WithReconcileDedupe(m.store), bankhub.WithReconcileLock(lock))
	res, err := rec.Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, res.Handled)
	// The first tick extends the lock for the page fetched before the call;
	// the ticks after it see no progress.
	assert.LessOrEqual(t, lock.between(stuckFrom, stuckTo), 1)
	assert.Equal(t, 0, lock.between(stuckFrom.Add(1500*time.Millisecond), stuckTo), "the lock was extended while the pass was stuck")
	assert.Equal(t, 1, lock.between(time.Time{}, stuckFrom), "taken once when the pass began")
	m.ledger.checkExact(t, m.client)
}

// ctxLog records log lines with a value of the caller's context.
type ctxLog struct {
	mu    sync.Mutex
	lines []string
}

type ctxTag struct{}

func (l *ctxLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *ctxLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *ctxLog) WithGroup(string) slog.Handler            { return l }
func (l *ctxLog) Handle(ctx context.Context, r slog.Record) error {
	tag, _ := ctx.Value(ctxTag{}).(string)
	line := r.Message + " tag=" + tag
	r.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	return nil
}

func (l *ctxLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// A renewal that finds the lock taken is logged (and the pass stops); a
// skipped pass is logged with the caller's context.
func TestReconcilerLogsALostLockAndSkippedPasses(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	m.fake.SetIPN("", "")
	m.transfer(t, 3)
	lock := &timedLock{}
	logs := &ctxLog{}
	fn := func(ctx context.Context, n *bankhub.IPN) error {
		time.Sleep(700 * time.Millisecond)
		lock.lose.Store(true) // another replica took the lock meanwhile
		return m.ledger.credit(ctx, n)
	}
	rec := bankhub.NewReconciler(m.client, fn, bankhub.WithReconcileDedupe(m.store), bankhub.WithReconcileLock(lock),
		bankhub.WithReconcileLogger(slog.New(logs)))
	ctx := context.WithValue(context.Background(), ctxTag{}, "caller")
	res, err := rec.Once(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "lock lost")
	assert.Less(t, res.Handled, 3, "the pass stopped")
	assert.Contains(t, logs.text(), "bankhub: reconcile: reconcile lock lost; the pass stops tag=caller error=held by another replica")

	res, err = rec.Once(ctx)
	require.NoError(t, err)
	assert.True(t, res.Skipped)
	assert.Contains(t, logs.text(), "bankhub: reconcile pass tag=caller skipped=true")
}

// A refund is money out: the README's function (IncomingOnly, or its own
// TransferType.Incoming() check) never credits it, by IPN or by the
// reconciler.
func TestRefundIsNeverCredited(t *testing.T) {
	t.Parallel()
	m := newMoney(t)
	paid := map[string]bankhub.VND{}
	var mu sync.Mutex
	credit := bankhub.IncomingOnly(func(_ context.Context, n *bankhub.IPN) error {
		mu.Lock()
		defer mu.Unlock()
		paid[n.PaymentCode] += n.Amount
		return nil
	})
	ipn := httptest.NewServer(bankhub.NewIPNHandler(moneyIPNKey, credit, bankhub.WithDedupe(m.store)))
	defer ipn.Close()
	m.fake.SetIPN(ipn.URL, moneyIPNKey)
	_, err := m.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{
		BankAccountXID: m.account, Amount: 500_000, Content: "Thanh toan DH123456"})
	require.NoError(t, err)
	m.fake.SetIPN("http://127.0.0.1:1/unreachable", moneyIPNKey) // the refund's IPN is lost: the reconciler sees it
	_, err = m.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{
		BankAccountXID: m.account, Amount: 500_000, Content: "Hoan tien DH123456", TransferType: bankhub.TransferOut})
	require.NoError(t, err)
	m.fake.SetIPN(ipn.URL, moneyIPNKey)
	_, err = m.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{
		BankAccountXID: m.account, Amount: 20_000, Content: "Hoan tien DH123456 lan 2", TransferType: bankhub.TransferOut})
	require.NoError(t, err)
	res, err := bankhub.NewReconciler(m.client, credit, bankhub.WithReconcileDedupe(m.store)).Once(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 3, res.Checked)
	assert.Equal(t, 1, res.Handled, "the lost refund is settled by the reconciler, not credited")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, map[string]bankhub.VND{"DH123456": 500_000}, paid)
}
