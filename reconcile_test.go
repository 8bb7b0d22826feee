package bankhub_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	assert.Equal(t, seen, len(l.counts), "no transaction credited that the bank does not have")
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
	assert.ErrorIs(t, err, bankhub.ErrNoDedupe)
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
	require.Eventually(t, func() bool { return m.ledger.count(ids[2]) == 1 }, 5*time.Second, time.Millisecond)
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
	tx.TransferType = "sideways"
	assert.Equal(t, bankhub.TransferType("sideways"), tx.IPN().TransferType, "an unknown direction is kept")
}

var _ http.Handler = bankhub.NewIPNHandler("k", nil)
