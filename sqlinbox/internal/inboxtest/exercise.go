package inboxtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/bankhub-go/bankhub/sqlinbox"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Exercise runs the whole suite on st. Each test says, in its name, the
// behaviour it holds the stack to; the regressions it guards are in its
// doc comment.
func Exercise(t *testing.T, st Stack) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, st Stack)
		skip func(st Stack) bool
	}{
		{"CreditAndDoneCommitTogether", creditAndDoneCommitTogether, nil},
		{"FailedFunctionWritesNothingAndIsListed", failedFunctionWritesNothing, nil},
		{"FailedCommitIsAFailedNotification", failedCommitIsAFailedNotification, func(st Stack) bool { return !st.Deferrable }},
		{"FuncRefusesToRunWithoutTheInbox", funcRefusesWithoutTheInbox, nil},
		{"DatabaseDownAnswersNon2xx", databaseDownAnswersNon2xx, nil},
		{"ConcurrentDuplicatesRunOnce", concurrentDuplicatesRunOnce, nil},
		{"ClaimHeldTooLongIsRolledBack", claimHeldTooLongIsRolledBack, nil},
		{"EventsGoThroughTheInbox", eventsGoThroughTheInbox, nil},
		{"ReconcilerWithInbox", reconcilerWithInbox, nil},
		{"ReplicasStartingTogetherMigrateOnce", replicasMigrateOnce, nil},
		{"NewRefusesWhatItCannotRunOn", newRefuses, nil},
		{"PruneKeepsFailedAndRecentRows", prune, nil},
		{"ExhaustedPoolIsAnsweredInTime", exhaustedPool, nil},
		{"MaxHoldEndsAStatementWaitingOnALock", maxHoldEndsALockWait, func(st Stack) bool { return !st.ServerHold }},
		{"KeysAreComparedExactly", keysAreExact, nil},
		{"KeyTooLongIsRefusedNotCut", keyTooLong, nil},
		{"FailureTextIsStoredWhateverItHolds", failureTextIsStored, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != nil && tc.skip(st) {
				t.Skipf("%s: not this stack's", st.Name)
			}
			t.Parallel()
			tc.test(t, st)
		})
	}
}

func creditAndDoneCommitTogether(t *testing.T, st Stack) {
	s := NewShop(t, st, 0)
	h := s.Handler()
	n := Payment("tx-1", "DH100001", 500_000)
	assert.Equal(t, 200, Deliver(t, h, n))
	assert.Equal(t, 200, Deliver(t, h, n), "a redelivery is acknowledged")
	assert.Equal(t, int32(1), s.Calls.Load(), "the function ran once")
	assert.Equal(t, int64(500_000), s.Paid("DH100001"))
	assert.Equal(t, 1, s.LedgerRows("tx-1"))
	assert.Zero(t, s.Inbox.InProgress(), "no claim left open")

	rec, err := s.Inbox.Lookup(Ctx(t), bankhub.IPNDedupeKey("tx-1"))
	require.NoError(t, err)
	assert.Equal(t, "ipn:tx-1", rec.Key)
	assert.Equal(t, sqlinbox.StateDone, rec.State)
	assert.Equal(t, 1, rec.Attempts)
	assert.Empty(t, rec.LastError)
	assert.WithinDuration(t, time.Now(), rec.CreatedAt, time.Minute, "a time in UTC or with its zone, not a local wall clock")
	assert.False(t, rec.UpdatedAt.Before(rec.CreatedAt))

	_, err = s.Inbox.Lookup(Ctx(t), "ipn:never")
	assert.ErrorIs(t, err, sqlinbox.ErrNotFound)
}

// A failed function rolls its own writes back with the claim; the failure
// is recorded for operators, and the next delivery is processed.
func failedFunctionWritesNothing(t *testing.T, st Stack) {
	s := NewShop(t, st, 0)
	h := s.Handler()
	n := Payment("tx-2", "DH100002", 200_000)
	s.FailAfterWrite.Store(true)
	assert.Equal(t, 500, Deliver(t, h, n))
	assert.Equal(t, int64(0), s.Paid("DH100002"), "the write was rolled back")
	assert.Equal(t, 0, s.LedgerRows("tx-2"))

	failed, err := s.Inbox.Failed(Ctx(t), 0)
	require.NoError(t, err)
	require.Len(t, failed, 1)
	assert.Equal(t, "ipn:tx-2", failed[0].Key)
	assert.Equal(t, sqlinbox.StateFailed, failed[0].State)
	assert.Equal(t, 1, failed[0].Attempts)
	assert.Equal(t, "order service unavailable", failed[0].LastError)

	s.FailAfterWrite.Store(false)
	assert.Equal(t, 200, Deliver(t, h, n))
	assert.Equal(t, int64(200_000), s.Paid("DH100002"))
	assert.Equal(t, 1, s.LedgerRows("tx-2"))
	failed, err = s.Inbox.Failed(Ctx(t), 0)
	require.NoError(t, err)
	assert.Empty(t, failed)
	rec, err := s.Inbox.Lookup(Ctx(t), "ipn:tx-2")
	require.NoError(t, err)
	assert.Equal(t, 2, rec.Attempts)
	assert.Equal(t, sqlinbox.StateDone, rec.State)
}

// A commit that fails (a deferred constraint checked at commit) wrote
// nothing, so the notification failed: 500, not 200.
func failedCommitIsAFailedNotification(t *testing.T, st Stack) {
	s := NewShop(t, st, 0)
	shipments := Unique("shipments")
	_, err := s.DB.ExecContext(Ctx(t), `CREATE TABLE `+shipments+` (code VARCHAR(64) REFERENCES `+s.Orders+` (code) DEFERRABLE INITIALLY DEFERRED)`)
	require.NoError(t, err)
	fn := s.Inbox.Func(func(ctx context.Context, tx Tx, n *bankhub.IPN) error {
		if err := s.Credit(ctx, tx, n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, s.Q(`INSERT INTO `+shipments+` (code) VALUES ($1)`), "NO-SUCH-ORDER")
		return err // fine until the commit checks it
	})
	h := bankhub.NewIPNHandler(IPNKey, fn, bankhub.WithDedupe(s.Inbox))
	assert.Equal(t, 500, Deliver(t, h, Payment("tx-3", "DH100001", 10_000)))
	assert.Equal(t, int64(0), s.Paid("DH100001"))
	failed, err := s.Inbox.Failed(Ctx(t), 0)
	require.NoError(t, err)
	require.Len(t, failed, 1)
	assert.Contains(t, failed[0].LastError, "commit")
}

// The function made by Func refuses to run without the inbox's claim: an
// error (500), never a silent 200.
func funcRefusesWithoutTheInbox(t *testing.T, st Stack) {
	s := NewShop(t, st, 0)
	for name, h := range map[string]http.Handler{
		"no dedupe":     bankhub.NewIPNHandler(IPNKey, s.Inbox.Func(s.Credit)),
		"another store": bankhub.NewIPNHandler(IPNKey, s.Inbox.Func(s.Credit), bankhub.WithDedupe(bankhub.NewMemoryDedupe(0, 0))),
	} {
		assert.Equal(t, 500, Deliver(t, h, Payment("tx-4", "DH100001", 1)), name)
	}
	assert.Equal(t, int32(0), s.Calls.Load())
	err := s.Inbox.Func(s.Credit)(context.Background(), Payment("tx-4", "DH100001", 1))
	assert.ErrorIs(t, err, sqlinbox.ErrNoClaim)

	other := NewShop(t, st, 0)
	h := bankhub.NewIPNHandler(IPNKey, s.Inbox.Func(s.Credit), bankhub.WithDedupe(other.Inbox))
	assert.Equal(t, 500, Deliver(t, h, Payment("tx-4", "DH100001", 1)), "another inbox's claim")
	assert.Equal(t, int32(0), s.Calls.Load())
}

// A database that is gone answers non-2xx: the function not called,
// nothing marked done.
func databaseDownAnswersNon2xx(t *testing.T, st Stack) {
	s := NewShop(t, st, 0)
	s.Inbox.Close()
	code := Deliver(t, s.Handler(), Payment("tx-5", "DH100001", 1))
	assert.GreaterOrEqual(t, code, 500)
	assert.Equal(t, int32(0), s.Calls.Load())
}

// Concurrent deliveries of one notification run the function once; the
// others wait for the outcome and are answered 200 once it committed.
func concurrentDuplicatesRunOnce(t *testing.T, st Stack) {
	s := NewShop(t, st, 0)
	s.Block = make(chan struct{})
	h := s.Handler()
	n := Payment("tx-6", "DH100001", 70_000)
	var codes []<-chan int
	for range 8 {
		codes = append(codes, DeliverAsync(h, n))
	}
	require.Eventually(t, func() bool { return s.Calls.Load() == 1 }, 10*time.Second, 5*time.Millisecond)
	time.Sleep(200 * time.Millisecond) // the others are waiting on the claim now
	close(s.Block)
	for _, c := range codes {
		assert.Equal(t, 200, <-c)
	}
	assert.Equal(t, int32(1), s.Calls.Load())
	assert.Equal(t, int64(70_000), s.Paid("DH100001"))
	assert.Equal(t, 1, s.LedgerRows("tx-6"))
}

// A claim held past WithMaxHold is rolled back whatever the function does:
// the function's late nil commits nothing, and the next delivery is
// processed.
func claimHeldTooLongIsRolledBack(t *testing.T, st Stack) {
	s := NewShop(t, st, 0, sqlinbox.WithMaxHold(300*time.Millisecond))
	s.Block = make(chan struct{})
	go func() { time.Sleep(time.Second); close(s.Block) }()
	h := s.Handler()
	n := Payment("tx-7", "DH100002", 30_000)
	assert.Equal(t, 500, Deliver(t, h, n))
	assert.Equal(t, int64(0), s.Paid("DH100002"))
	s.Block = nil
	assert.Equal(t, 200, Deliver(t, h, n))
	assert.Equal(t, int64(30_000), s.Paid("DH100002"))
	assert.Equal(t, 1, s.LedgerRows("tx-7"))
}

// Webhook events go through the inbox the same way.
func eventsGoThroughTheInbox(t *testing.T, st Stack) {
	s := NewShop(t, st, 0)
	var linked atomic.Int32
	fn := s.Inbox.EventFunc(func(ctx context.Context, tx Tx, e *bankhub.Event) error {
		linked.Add(1)
		_, err := tx.Exec(ctx, s.Q(`INSERT INTO `+s.Ledger+` (transaction_id, code, amount) VALUES ($1, 'event', 0)`), e.XID)
		return err
	})
	h := bankhub.NewWebhookHandler("whsec", fn, bankhub.WithDedupe(s.Inbox))
	body := `{"timestamp":1768443805,"xid":"ev-1","version":"2.0","event":"BANK_ACCOUNT_LINKED","metadata":{}}`
	for range 2 {
		req, err := bankhub.NewWebhookTestRequest("/events", "whsec", body)
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, 200, rec.Code)
	}
	assert.Equal(t, int32(1), linked.Load())
	assert.Equal(t, 1, s.LedgerRows("ev-1"))
	rec, err := s.Inbox.Lookup(Ctx(t), bankhub.EventDedupeKey("ev-1"))
	require.NoError(t, err)
	assert.Equal(t, sqlinbox.StateDone, rec.State)
}

// The Reconciler with the inbox: a function that hangs past its deadline
// has its transaction rolled back, the pass goes on, and the next pass
// credits the transaction once.
func reconcilerWithInbox(t *testing.T, st Stack) {
	s := NewShop(t, st, 0)
	fake := bankhubtest.NewServer()
	t.Cleanup(fake.Close)
	company := fake.AddCompany(bankhubtest.CompanyParams{FullName: "Cửa hàng Minh An"})
	account, err := fake.AddBankAccount(company, bankhubtest.LinkParams{})
	require.NoError(t, err)
	ctx := Ctx(t)
	var ids []string
	for i, code := range []string{"DH100001", "DH100002", "DH100001"} {
		tx, err := fake.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: account,
			Amount: bankhub.VND(1000 * (i + 1)), Content: "Thanh toan " + code})
		require.NoError(t, err)
		ids = append(ids, tx.TransactionID)
	}
	_, err = fake.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: account, Amount: 5000,
		Content: "Hoan tien DH100001", TransferType: bankhub.TransferOut})
	require.NoError(t, err)

	stuck := make(chan struct{})
	defer close(stuck)
	var hung atomic.Bool
	fn := s.Inbox.Func(func(ctx context.Context, tx Tx, n *bankhub.IPN) error {
		if err := s.Credit(ctx, tx, n); err != nil {
			return err
		}
		if n.TransactionID == ids[1] && hung.CompareAndSwap(false, true) {
			<-stuck // after its writes, ignoring its context
		}
		return nil
	})
	rec := bankhub.NewReconciler(fake.Client(), fn, bankhub.WithReconcileDedupe(s.Inbox),
		bankhub.WithReconcileTimeout(300*time.Millisecond))
	res, err := rec.Once(ctx)
	require.NoError(t, err)
	assert.Equal(t, 4, res.Checked)
	assert.Equal(t, 3, res.Handled, "the refund is settled without a credit")
	assert.Equal(t, 1, res.Failed)
	assert.Equal(t, int64(1000+3000), s.Paid("DH100001"))
	assert.Equal(t, int64(0), s.Paid("DH100002"), "the hung call's write was rolled back")

	res, err = rec.Once(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Handled)
	assert.Equal(t, 2, res.Duplicates, "the pass stops at the oldest transaction settled before")
	assert.Equal(t, int64(2000), s.Paid("DH100002"))
	for _, id := range ids {
		assert.Equal(t, 1, s.LedgerRows(id), id)
	}
}

// Replicas starting together on a fresh table, each with a pool of its
// own as separate processes have, all start and migrate it once; New is
// idempotent afterwards.
func replicasMigrateOnce(t *testing.T, st Stack) {
	data := st.NewDatabase(t)
	table := Unique("inbox")
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := data.NewInbox(t, 0, sqlinbox.WithTable(table))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	in, err := data.NewInbox(t, 0, sqlinbox.WithTable(table))
	require.NoError(t, err, "idempotent")
	var versions int
	require.NoError(t, data.Open(t).QueryRowContext(Ctx(t), `SELECT COUNT(*) FROM `+in.Table()+`_migrations`).Scan(&versions))
	assert.Equal(t, 1, versions, "each migration recorded once")
}

// New refuses, and says why: a table of another shape, a newer schema, a
// name that is not an identifier, a retention inside the reconciler's
// window.
func newRefuses(t *testing.T, st Stack) {
	data := st.NewDatabase(t)
	db := data.Open(t)
	ctx := Ctx(t)
	other := Unique("orders")
	_, err := db.ExecContext(ctx, `CREATE TABLE `+other+` (id INTEGER PRIMARY KEY, total BIGINT)`)
	require.NoError(t, err)
	_, err = data.NewInbox(t, 0, sqlinbox.WithTable(other))
	require.Error(t, err)
	assert.Contains(t, err.Error(), other+" exists but does not have the inbox's columns")

	table := Unique("inbox")
	in, err := data.NewInbox(t, 0, sqlinbox.WithTable(table))
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `INSERT INTO `+in.Table()+`_migrations (version) VALUES (99)`)
	require.NoError(t, err)
	_, err = data.NewInbox(t, 0, sqlinbox.WithTable(table))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "schema version 99, newer than this sqlinbox knows (1)")

	for says, opt := range map[string]sqlinbox.Option{
		"not a plain identifier":   sqlinbox.WithTable("orders; DROP TABLE orders"),
		"shorter than 25h0m0s":     sqlinbox.WithRetention(time.Hour),
		`"a.b.c" is not a plain`:   sqlinbox.WithTable("a.b.c"),
		`"1inbox" is not a plain`:  sqlinbox.WithTable("1inbox"),
		`"inbox-x" is not a plain`: sqlinbox.WithTable("inbox-x"),
	} {
		_, err := data.NewInbox(t, 0, opt)
		require.Error(t, err, says)
		assert.Contains(t, err.Error(), says)
	}
}

// Prune deletes done rows past the retention, never a failed one nor one
// inside it.
func prune(t *testing.T, st Stack) {
	s := NewShop(t, st, 0, sqlinbox.WithRetention(48*time.Hour))
	h := s.Handler()
	for i := range 4 {
		assert.Equal(t, 200, Deliver(t, h, Payment(fmt.Sprintf("p-%d", i), "DH100001", 1)))
	}
	s.FailAfterWrite.Store(true)
	assert.Equal(t, 500, Deliver(t, h, Payment("p-failed", "DH100001", 1)))
	table := s.Inbox.Table()
	s.Age(table, "ipn:p-0", 72*time.Hour)
	s.Age(table, "ipn:p-1", 49*time.Hour)
	s.Age(table, "ipn:p-2", 47*time.Hour)
	s.Age(table, "ipn:p-failed", 100*time.Hour)
	n, err := s.Inbox.Prune(Ctx(t))
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)
	for key, want := range map[string]bool{"ipn:p-0": false, "ipn:p-1": false, "ipn:p-2": true, "ipn:p-3": true, "ipn:p-failed": true} {
		_, err := s.Inbox.Lookup(Ctx(t), key)
		assert.Equal(t, want, err == nil, key)
	}
}

// An exhausted connection pool is answered, not waited on for ever: the
// claim's wait for a connection is bounded by the store timeout; the answer
// is a 500, the function is not called, nothing is marked done, and the
// notification is processed once a connection is free.
func exhaustedPool(t *testing.T, st Stack) {
	s := NewShop(t, st, 1)
	release := s.Inbox.Hold(t)
	h := s.Handler()
	select {
	case code := <-DeliverAsync(h, Payment("pool-1", "DH100001", 1_000)):
		assert.Equal(t, 500, code)
	case <-time.After(8 * time.Second):
		t.Fatal("unanswered after SePay's 8 s")
	}
	assert.Equal(t, int32(0), s.Calls.Load())
	release()
	assert.Equal(t, 200, Deliver(t, h, Payment("pool-1", "DH100001", 1_000)), "processed once a connection is free")
	assert.Equal(t, int64(1_000), s.Paid("DH100001"))
}

// WithMaxHold ends a statement of the function that waits on a lock
// another session holds, on the server too: the delivery is answered, and
// the claim's row is free for the next one.
func maxHoldEndsALockWait(t *testing.T, st Stack) {
	s := NewShop(t, st, 0, sqlinbox.WithMaxHold(time.Second))
	ctx := Ctx(t)
	blocker, err := s.DB.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer blocker.Rollback()
	_, err = blocker.ExecContext(ctx, `SELECT paid FROM `+s.Orders+` WHERE code = 'DH100001' FOR UPDATE`)
	require.NoError(t, err)
	h := s.Handler()
	n := Payment("locked-1", "DH100001", 1_000)
	for attempt := range 2 { // the second claims the row the first held: it is free again
		select {
		case code := <-DeliverAsync(h, n):
			assert.Equal(t, 500, code, "attempt %d: the function's statement ended at the hold", attempt)
		case <-time.After(8 * time.Second):
			t.Fatalf("attempt %d: still waiting on the lock after 8 s", attempt)
		}
	}
	assert.Equal(t, int32(2), s.Calls.Load(), "the second delivery was not kept out by the first's claim")
	require.NoError(t, blocker.Rollback())
	assert.Equal(t, 200, Deliver(t, h, n))
	assert.Equal(t, int64(1_000), s.Paid("DH100001"))
	assert.Equal(t, 1, s.LedgerRows("locked-1"))
}

// Keys are compared byte for byte: transactions whose ids differ only in
// case, in a trailing space or in accents are three payments, never one
// taken for another's duplicate (MySQL's default collations fold all
// three).
func keysAreExact(t *testing.T, st Stack) {
	s := NewShop(t, st, 0)
	h := s.Handler()
	ids := []string{"FT26013AbC", "FT26013abc", "FT26013abc ", "FT26013ábc"}
	for _, id := range ids {
		assert.Equal(t, 200, Deliver(t, h, Payment(id, "DH100001", 1_000)), "%q", id)
	}
	assert.Equal(t, int32(len(ids)), s.Calls.Load())
	assert.Equal(t, int64(1_000*len(ids)), s.Paid("DH100001"))
	for _, id := range ids {
		rec, err := s.Inbox.Lookup(Ctx(t), bankhub.IPNDedupeKey(id))
		require.NoError(t, err, "%q", id)
		assert.Equal(t, bankhub.IPNDedupeKey(id), rec.Key, "read back exactly")
	}
}

// A key longer than the inbox stores is refused (500), never cut: two ids
// cut alike would be one payment.
func keyTooLong(t *testing.T, st Stack) {
	s := NewShop(t, st, 0)
	h := s.Handler()
	long := strings.Repeat("x", 600)
	assert.Equal(t, 500, Deliver(t, h, Payment(long+"1", "DH100001", 1_000)))
	assert.Equal(t, int32(0), s.Calls.Load())
	state, err := s.Inbox.Claim(Ctx(t), bankhub.IPNDedupeKey(long), "o", time.Second)
	assert.Zero(t, state)
	assert.ErrorContains(t, err, "longer than 512 bytes")
}

// A failure's text is kept whatever it holds (NUL, which PostgreSQL's text
// refuses; a four-byte character; more than the column holds), so the
// failure is listed for operators.
func failureTextIsStored(t *testing.T, st Stack) {
	s := NewShop(t, st, 0)
	long := "x\x00y 😀 " + strings.Repeat("é", 400)
	fn := s.Inbox.Func(func(context.Context, Tx, *bankhub.IPN) error { return errors.New(long) })
	h := bankhub.NewIPNHandler(IPNKey, fn, bankhub.WithDedupe(s.Inbox))
	assert.Equal(t, 500, Deliver(t, h, Payment("text-1", "DH100001", 1)))
	rec, err := s.Inbox.Lookup(Ctx(t), "ipn:text-1")
	require.NoError(t, err)
	assert.Equal(t, sqlinbox.StateFailed, rec.State)
	assert.True(t, strings.HasPrefix(rec.LastError, "x\uFFFDy 😀 éé"), "%q", rec.LastError[:20])
	assert.True(t, strings.HasSuffix(rec.LastError, "…"))
	assert.LessOrEqual(t, len(rec.LastError), 503)
}
