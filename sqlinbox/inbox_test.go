package sqlinbox_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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

const ipnKey = "sqlinbox-test-ipn-key"

// shop is a merchant's database with orders and a ledger, and the one
// function that credits them: not idempotent (the ledger has no unique key),
// so that anything handed over twice shows.
type shop struct {
	t      testing.TB
	d      sqlinbox.Dialect
	db     *sql.DB
	inbox  *sqlinbox.Inbox
	orders string
	ledger string
	calls  atomic.Int32
	// failAfterWrite makes the function fail after its writes.
	failAfterWrite atomic.Bool
	// block, if set, is waited on after the writes.
	block chan struct{}
}

func newShop(t testing.TB, dc dbCase, opts ...sqlinbox.Option) *shop {
	t.Helper()
	s := &shop{t: t, d: dc.dialect, db: dc.open(t), orders: uniqueName("orders"), ledger: uniqueName("ledger")}
	ctx := withTimeout(t)
	opts = append([]sqlinbox.Option{sqlinbox.WithTable(uniqueName("inbox"))}, opts...)
	var err error
	s.inbox, err = sqlinbox.New(ctx, s.db, dc.dialect, opts...)
	require.NoError(t, err)
	for _, q := range []string{
		`CREATE TABLE ` + s.orders + ` (code TEXT PRIMARY KEY, paid BIGINT NOT NULL DEFAULT 0)`,
		`CREATE TABLE ` + s.ledger + ` (transaction_id TEXT NOT NULL, code TEXT NOT NULL, amount BIGINT NOT NULL)`,
		`INSERT INTO ` + s.orders + ` (code) VALUES ('DH100001'), ('DH100002')`,
	} {
		_, err := s.db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	return s
}

// credit is the merchant's function: money in only, an UPDATE and a ledger
// row in the inbox's transaction.
func (s *shop) credit(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error {
	s.calls.Add(1)
	if !n.TransferType.Incoming() {
		return nil
	}
	if _, err := tx.ExecContext(ctx, rebind(s.d, `UPDATE `+s.orders+` SET paid = paid + $1 WHERE code = $2`), int64(n.Amount), n.PaymentCode); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, rebind(s.d, `INSERT INTO `+s.ledger+` (transaction_id, code, amount) VALUES ($1, $2, $3)`),
		n.TransactionID, n.PaymentCode, int64(n.Amount)); err != nil {
		return err
	}
	if s.block != nil {
		<-s.block
	}
	if s.failAfterWrite.Load() {
		return errors.New("order service unavailable")
	}
	return nil
}

func (s *shop) handler(opts ...bankhub.HandlerOption) http.Handler {
	return bankhub.NewIPNHandler(ipnKey, s.inbox.Func(s.credit), append([]bankhub.HandlerOption{bankhub.WithDedupe(s.inbox)}, opts...)...)
}

func (s *shop) paid(code string) int64 {
	s.t.Helper()
	var v int64
	require.NoError(s.t, s.db.QueryRow(rebind(s.d, `SELECT paid FROM `+s.orders+` WHERE code = $1`), code).Scan(&v))
	return v
}

func (s *shop) ledgerRows(id string) int {
	s.t.Helper()
	var v int
	require.NoError(s.t, s.db.QueryRow(rebind(s.d, `SELECT COUNT(*) FROM `+s.ledger+` WHERE transaction_id = $1`), id).Scan(&v))
	return v
}

func payment(id, code string, amount bankhub.VND) *bankhub.IPN {
	return &bankhub.IPN{Gateway: "MBBank", AccountNumber: "0123456789", TransactionID: id, PaymentCode: code,
		Content: "Thanh toan " + code, TransferType: bankhub.TransferCredit, Amount: amount}
}

func deliver(t testing.TB, h http.Handler, n *bankhub.IPN) int {
	t.Helper()
	req, err := bankhub.NewIPNTestRequest("/ipn", ipnKey, n)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func forEachDB(t *testing.T, test func(t *testing.T, dc dbCase)) {
	for _, dc := range dialects {
		t.Run(dc.name, func(t *testing.T) {
			t.Parallel()
			test(t, dc)
		})
	}
}

func TestCreditAndDoneCommitTogether(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		s := newShop(t, dc)
		h := s.handler()
		n := payment("tx-1", "DH100001", 500_000)
		assert.Equal(t, 200, deliver(t, h, n))
		assert.Equal(t, 200, deliver(t, h, n), "a redelivery is acknowledged")
		assert.Equal(t, int32(1), s.calls.Load(), "the function ran once")
		assert.Equal(t, int64(500_000), s.paid("DH100001"))
		assert.Equal(t, 1, s.ledgerRows("tx-1"))

		rec, err := s.inbox.Lookup(withTimeout(t), bankhub.IPNDedupeKey("tx-1"))
		require.NoError(t, err)
		assert.Equal(t, "ipn:tx-1", rec.Key)
		assert.Equal(t, sqlinbox.StateDone, rec.State)
		assert.Equal(t, 1, rec.Attempts)
		assert.Empty(t, rec.LastError)
		assert.WithinDuration(t, time.Now(), rec.CreatedAt, time.Minute)
		assert.False(t, rec.UpdatedAt.Before(rec.CreatedAt))

		_, err = s.inbox.Lookup(withTimeout(t), "ipn:never")
		assert.ErrorIs(t, err, sqlinbox.ErrNotFound)
	})
}

// A failed function rolls its own writes back with the claim; the failure
// is recorded for operators, and the next delivery is processed.
func TestFailedFunctionWritesNothingAndIsListed(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		s := newShop(t, dc)
		h := s.handler()
		n := payment("tx-2", "DH100002", 200_000)
		s.failAfterWrite.Store(true)
		assert.Equal(t, 500, deliver(t, h, n))
		assert.Equal(t, int64(0), s.paid("DH100002"), "the write was rolled back")
		assert.Equal(t, 0, s.ledgerRows("tx-2"))

		failed, err := s.inbox.Failed(withTimeout(t), 0)
		require.NoError(t, err)
		require.Len(t, failed, 1)
		assert.Equal(t, "ipn:tx-2", failed[0].Key)
		assert.Equal(t, sqlinbox.StateFailed, failed[0].State)
		assert.Equal(t, 1, failed[0].Attempts)
		assert.Equal(t, "order service unavailable", failed[0].LastError)

		s.failAfterWrite.Store(false)
		assert.Equal(t, 200, deliver(t, h, n))
		assert.Equal(t, int64(200_000), s.paid("DH100002"))
		assert.Equal(t, 1, s.ledgerRows("tx-2"))
		failed, err = s.inbox.Failed(withTimeout(t), 0)
		require.NoError(t, err)
		assert.Empty(t, failed)
		rec, err := s.inbox.Lookup(withTimeout(t), "ipn:tx-2")
		require.NoError(t, err)
		assert.Equal(t, 2, rec.Attempts)
		assert.Equal(t, sqlinbox.StateDone, rec.State)
	})
}

// A commit that fails (here a deferred constraint checked at commit) wrote
// nothing, so the notification failed: 500, not 200.
func TestFailedCommitIsAFailedNotification(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		s := newShop(t, dc)
		ctx := withTimeout(t)
		shipments := uniqueName("shipments")
		ddl := `CREATE TABLE ` + shipments + ` (code TEXT REFERENCES ` + s.orders + ` (code) DEFERRABLE INITIALLY DEFERRED)`
		_, err := s.db.ExecContext(ctx, ddl)
		require.NoError(t, err)
		fn := s.inbox.Func(func(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error {
			if err := s.credit(ctx, tx, n); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, rebind(s.d, `INSERT INTO `+shipments+` (code) VALUES ($1)`), "NO-SUCH-ORDER")
			return err // fine until the commit checks it
		})
		h := bankhub.NewIPNHandler(ipnKey, fn, bankhub.WithDedupe(s.inbox))
		assert.Equal(t, 500, deliver(t, h, payment("tx-3", "DH100001", 10_000)))
		assert.Equal(t, int64(0), s.paid("DH100001"))
		failed, err := s.inbox.Failed(ctx, 0)
		require.NoError(t, err)
		require.Len(t, failed, 1)
		assert.Contains(t, failed[0].LastError, "commit")
	})
}

// The function made by Func refuses to run without the inbox's claim: an
// error (500), never a silent 200.
func TestFuncRefusesToRunWithoutTheInbox(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		s := newShop(t, dc)
		for name, h := range map[string]http.Handler{
			"no dedupe":     bankhub.NewIPNHandler(ipnKey, s.inbox.Func(s.credit)),
			"another store": bankhub.NewIPNHandler(ipnKey, s.inbox.Func(s.credit), bankhub.WithDedupe(bankhub.NewMemoryDedupe(0, 0))),
		} {
			assert.Equal(t, 500, deliver(t, h, payment("tx-4", "DH100001", 1)), name)
		}
		assert.Equal(t, int32(0), s.calls.Load())
		err := s.inbox.Func(s.credit)(context.Background(), payment("tx-4", "DH100001", 1))
		assert.ErrorIs(t, err, sqlinbox.ErrNoClaim)

		other := newShop(t, dc)
		h := bankhub.NewIPNHandler(ipnKey, s.inbox.Func(s.credit), bankhub.WithDedupe(other.inbox))
		assert.Equal(t, 500, deliver(t, h, payment("tx-4", "DH100001", 1)), "another inbox's claim")
		assert.Equal(t, int32(0), s.calls.Load())
	})
}

// A database that is down when a notification arrives: non-2xx, the
// function not called, nothing marked done.
func TestDatabaseDownAnswersNon2xx(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		s := newShop(t, dc)
		h := s.handler()
		require.NoError(t, s.db.Close())
		code := deliver(t, h, payment("tx-5", "DH100001", 1))
		assert.GreaterOrEqual(t, code, 500)
		assert.Equal(t, int32(0), s.calls.Load())
	})
}

// Concurrent deliveries of one notification run the function once; the
// others wait for the outcome and are answered 200 once it committed.
func TestConcurrentDuplicatesRunOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		s := newShop(t, dc)
		s.block = make(chan struct{})
		h := s.handler()
		n := payment("tx-6", "DH100001", 70_000)
		codes := make(chan int, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { codes <- deliver(t, h, n) })
		}
		require.Eventually(t, func() bool { return s.calls.Load() == 1 }, 10*time.Second, 5*time.Millisecond)
		time.Sleep(200 * time.Millisecond) // the others are waiting on the claim now
		close(s.block)
		wg.Wait()
		close(codes)
		for c := range codes {
			assert.Equal(t, 200, c)
		}
		assert.Equal(t, int32(1), s.calls.Load())
		assert.Equal(t, int64(70_000), s.paid("DH100001"))
		assert.Equal(t, 1, s.ledgerRows("tx-6"))
	})
}

// A claim held past WithMaxHold is rolled back whatever the function does:
// the function's late nil commits nothing, and the next delivery is
// processed.
func TestClaimHeldTooLongIsRolledBack(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		s := newShop(t, dc, sqlinbox.WithMaxHold(300*time.Millisecond))
		s.block = make(chan struct{})
		go func() { time.Sleep(time.Second); close(s.block) }()
		h := s.handler()
		n := payment("tx-7", "DH100002", 30_000)
		assert.Equal(t, 500, deliver(t, h, n))
		assert.Equal(t, int64(0), s.paid("DH100002"))
		s.block = nil
		assert.Equal(t, 200, deliver(t, h, n))
		assert.Equal(t, int64(30_000), s.paid("DH100002"))
		assert.Equal(t, 1, s.ledgerRows("tx-7"))
	})
}

// Webhook events go through the inbox the same way.
func TestEventsGoThroughTheInbox(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		s := newShop(t, dc)
		var linked atomic.Int32
		fn := s.inbox.EventFunc(func(ctx context.Context, tx *sql.Tx, e *bankhub.Event) error {
			linked.Add(1)
			_, err := tx.ExecContext(ctx, rebind(s.d, `INSERT INTO `+s.ledger+` (transaction_id, code, amount) VALUES ($1, 'event', 0)`), e.XID)
			return err
		})
		h := bankhub.NewWebhookHandler("whsec", fn, bankhub.WithDedupe(s.inbox))
		body := `{"timestamp":1768443805,"xid":"ev-1","version":"2.0","event":"BANK_ACCOUNT_LINKED","metadata":{}}`
		for range 2 {
			req, err := bankhub.NewWebhookTestRequest("/events", "whsec", body)
			require.NoError(t, err)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, 200, rec.Code)
		}
		assert.Equal(t, int32(1), linked.Load())
		assert.Equal(t, 1, s.ledgerRows("ev-1"))
		rec, err := s.inbox.Lookup(withTimeout(t), bankhub.EventDedupeKey("ev-1"))
		require.NoError(t, err)
		assert.Equal(t, sqlinbox.StateDone, rec.State)
	})
}

// The Reconciler with the inbox: a function that hangs past its deadline
// has its transaction rolled back, the pass goes on, and the next pass
// credits the transaction once.
func TestReconcilerWithInbox(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		s := newShop(t, dc)
		fake := bankhubtest.NewServer()
		t.Cleanup(fake.Close)
		company := fake.AddCompany(bankhubtest.CompanyParams{FullName: "Cửa hàng Minh An"})
		account, err := fake.AddBankAccount(company, bankhubtest.LinkParams{})
		require.NoError(t, err)
		ctx := withTimeout(t)
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
		fn := s.inbox.Func(func(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error {
			if err := s.credit(ctx, tx, n); err != nil {
				return err
			}
			if n.TransactionID == ids[1] && hung.CompareAndSwap(false, true) {
				<-stuck // after its writes, ignoring its context
			}
			return nil
		})
		rec := bankhub.NewReconciler(fake.Client(), fn, bankhub.WithReconcileDedupe(s.inbox),
			bankhub.WithReconcileTimeout(300*time.Millisecond))
		res, err := rec.Once(ctx)
		require.NoError(t, err)
		assert.Equal(t, 4, res.Checked)
		assert.Equal(t, 3, res.Handled, "the refund is settled without a credit")
		assert.Equal(t, 1, res.Failed)
		assert.Equal(t, int64(1000+3000), s.paid("DH100001"))
		assert.Equal(t, int64(0), s.paid("DH100002"), "the hung call's write was rolled back")

		res, err = rec.Once(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, res.Handled)
		assert.Equal(t, 2, res.Duplicates, "the pass stops at the oldest transaction settled before")
		assert.Equal(t, int64(2000), s.paid("DH100002"))
		for _, id := range ids {
			assert.Equal(t, 1, s.ledgerRows(id), id)
		}
	})
}

func TestNewChecksItsInputAndTheDatabase(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		ctx := withTimeout(t)
		db := dc.open(t)
		table := uniqueName("inbox")
		in1, err := sqlinbox.New(ctx, db, dc.dialect, sqlinbox.WithTable(table))
		require.NoError(t, err)
		require.NotNil(t, in1)
		_, err = sqlinbox.New(ctx, db, dc.dialect, sqlinbox.WithTable(table))
		require.NoError(t, err, "idempotent")
		var versions int
		require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+`_migrations`).Scan(&versions))
		assert.Equal(t, 1, versions, "each migration recorded once")

		// Replicas starting together migrate once.
		table2 := uniqueName("inbox")
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				_, err := sqlinbox.New(ctx, db, dc.dialect, sqlinbox.WithTable(table2))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}

		other := uniqueName("orders")
		_, err = db.ExecContext(ctx, `CREATE TABLE `+other+` (id INTEGER PRIMARY KEY, total BIGINT)`)
		require.NoError(t, err)
		_, err = sqlinbox.New(ctx, db, dc.dialect, sqlinbox.WithTable(other))
		require.Error(t, err)
		assert.Contains(t, err.Error(), other+" exists but does not have the inbox's columns")

		_, err = db.ExecContext(ctx, `INSERT INTO `+table+`_migrations (version) VALUES (99)`)
		require.NoError(t, err)
		_, err = sqlinbox.New(ctx, db, dc.dialect, sqlinbox.WithTable(table))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "schema version 99, newer than this sqlinbox knows (1)")

		for name, opts := range map[string][]sqlinbox.Option{
			"not a plain identifier":   {sqlinbox.WithTable("orders; DROP TABLE orders")},
			"shorter than 25h0m0s":     {sqlinbox.WithRetention(time.Hour)},
			"\"a.b.c\" is not a plain": {sqlinbox.WithTable("a.b.c")},
		} {
			_, err := sqlinbox.New(ctx, db, dc.dialect, opts...)
			require.Error(t, err, name)
			assert.Contains(t, err.Error(), name)
		}
		_, err = sqlinbox.New(ctx, db, sqlinbox.Dialect(7))
		assert.ErrorContains(t, err, "unknown dialect Dialect(7)")
		_, err = sqlinbox.New(ctx, nil, dc.dialect)
		assert.ErrorContains(t, err, "nil *sql.DB")
	})
}

func TestNewOnAnUnreachableDatabase(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	require.NoError(t, err)
	defer db.Close()
	_, err = sqlinbox.New(context.Background(), db, sqlinbox.Postgres)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sqlinbox: cannot reach the postgres database")

	sq, err := sql.Open("sqlite", "file:"+t.TempDir()+"/missing-dir/x.db?mode=ro")
	require.NoError(t, err)
	defer sq.Close()
	_, err = sqlinbox.New(context.Background(), sq, sqlinbox.SQLite)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sqlinbox: cannot reach the sqlite database")
}

// Prune deletes done rows past the retention, never a failed one nor one
// inside it.
func TestPrune(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		table := uniqueName("inbox")
		s := newShop(t, dc, sqlinbox.WithTable(table), sqlinbox.WithRetention(48*time.Hour))
		h := s.handler()
		for i := range 4 {
			assert.Equal(t, 200, deliver(t, h, payment(fmt.Sprintf("p-%d", i), "DH100001", 1)))
		}
		s.failAfterWrite.Store(true)
		assert.Equal(t, 500, deliver(t, h, payment("p-failed", "DH100001", 1)))
		ctx := withTimeout(t)
		age := func(key string, d time.Duration) {
			var arg any = time.Now().Add(-d)
			if dc.dialect == sqlinbox.SQLite {
				arg = time.Now().Add(-d).UnixMilli()
			}
			_, err := s.db.ExecContext(ctx, rebind(dc.dialect, `UPDATE `+table+` SET updated_at = $1 WHERE key = $2`), arg, key)
			require.NoError(t, err)
		}
		age("ipn:p-0", 72*time.Hour)
		age("ipn:p-1", 49*time.Hour)
		age("ipn:p-2", 47*time.Hour)
		age("ipn:p-failed", 100*time.Hour)
		n, err := s.inbox.Prune(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
		for key, want := range map[string]bool{"ipn:p-0": false, "ipn:p-1": false, "ipn:p-2": true, "ipn:p-3": true, "ipn:p-failed": true} {
			_, err := s.inbox.Lookup(ctx, key)
			assert.Equal(t, want, err == nil, key)
		}
	})
}

// A redeploy with another search_path keeps using the inbox it had: IPN
// sp-1, handled with the default search_path (the table is in public), was
// credited a second time after the service came back with
// search_path=shop,public (CREATE TABLE IF NOT EXISTS made an empty
// shop.bankhub_inbox and the claims went there).
func TestSearchPathChangeKeepsTheSameInbox(t *testing.T) {
	t.Parallel()
	dc := dbCase{"postgres", sqlinbox.Postgres, openPostgres}
	s := newShop(t, dc)
	ctx := withTimeout(t)
	table := uniqueName("inbox")
	first, err := sqlinbox.New(ctx, s.db, sqlinbox.Postgres, sqlinbox.WithTable(table))
	require.NoError(t, err)
	n := payment("sp-1", "DH100001", 1_000)
	assert.Equal(t, 200, deliver(t, bankhub.NewIPNHandler(ipnKey, first.Func(s.credit), bankhub.WithDedupe(first)), n))

	schema := uniqueName("shop")
	_, err = s.db.ExecContext(ctx, `CREATE SCHEMA `+schema)
	require.NoError(t, err)
	redeployed, err := sql.Open("pgx", postgresURL+"&search_path="+schema+",public")
	require.NoError(t, err)
	t.Cleanup(func() { redeployed.Close() })
	second, err := sqlinbox.New(ctx, redeployed, sqlinbox.Postgres, sqlinbox.WithTable(table))
	require.NoError(t, err)
	assert.Equal(t, 200, deliver(t, bankhub.NewIPNHandler(ipnKey, second.Func(s.credit), bankhub.WithDedupe(second)), n))
	assert.Equal(t, int64(1_000), s.paid("DH100001"), "one payment of 1,000 is credited once")
	assert.Equal(t, int32(1), s.calls.Load())
	var made sql.NullString
	require.NoError(t, s.db.QueryRowContext(ctx, `SELECT to_regclass($1)::text`, schema+"."+table).Scan(&made))
	assert.False(t, made.Valid, "no second, empty inbox in %s", schema)

	// A table of that name in both schemas of the search path: New says
	// which, and asks for one.
	_, err = s.db.ExecContext(ctx, `CREATE TABLE `+schema+`.`+table+` (key TEXT)`)
	require.NoError(t, err)
	_, err = sqlinbox.New(ctx, redeployed, sqlinbox.Postgres, sqlinbox.WithTable(table))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exists in each of the schemas "+schema+", public")
	// Named with its schema, the inbox is the one in public whatever the
	// search_path, and it knows sp-1 is done.
	pinned, err := sqlinbox.New(ctx, redeployed, sqlinbox.Postgres, sqlinbox.WithTable("public."+table))
	require.NoError(t, err)
	assert.Equal(t, 200, deliver(t, bankhub.NewIPNHandler(ipnKey, pinned.Func(s.credit), bankhub.WithDedupe(pinned)), n))
	assert.Equal(t, int64(1_000), s.paid("DH100001"))
	rec, err := pinned.Lookup(ctx, bankhub.IPNDedupeKey("sp-1"))
	require.NoError(t, err)
	assert.Equal(t, sqlinbox.StateDone, rec.State)

	// A schema given for a table that does not exist yet: created there.
	elsewhere := uniqueName("inbox")
	_, err = sqlinbox.New(ctx, s.db, sqlinbox.Postgres, sqlinbox.WithTable(schema+"."+elsewhere))
	require.NoError(t, err)
	require.NoError(t, s.db.QueryRowContext(ctx, `SELECT to_regclass($1)::text`, schema+"."+elsewhere).Scan(&made))
	assert.True(t, made.Valid)
}

// Prune decides a row's age by the database's clock, the one that wrote
// updated_at: a replica whose clock ran 2 h ahead of the database deleted,
// at the shortest retention (25 h), the done row of a payment booked 23.5 h
// ago, and the next reconcile pass credited it again. The database's clock
// is set 2 h behind the test's here by a now() of a schema ahead of
// pg_catalog in the search_path.
func TestPruneGoesByTheDatabasesClock(t *testing.T) {
	t.Parallel()
	admin := openPostgres(t)
	ctx := withTimeout(t)
	skew := uniqueName("skew")
	for _, q := range []string{`CREATE SCHEMA ` + skew,
		`CREATE FUNCTION ` + skew + `.now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT pg_catalog.now() - interval '2 hours' $$`} {
		_, err := admin.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	db, err := sql.Open("pgx", postgresURL+"&search_path="+skew+",pg_catalog,public")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	var behind time.Duration
	require.NoError(t, db.QueryRowContext(ctx, `SELECT EXTRACT(EPOCH FROM pg_catalog.now() - now())::bigint`).Scan(&behind))
	require.Equal(t, time.Duration(7200), behind, "the database's clock, as the inbox sees it, is 2 h behind")

	table := "public." + uniqueName("inbox")
	inbox, err := sqlinbox.New(ctx, db, sqlinbox.Postgres, sqlinbox.WithTable(table), sqlinbox.WithRetention(sqlinbox.MinRetention))
	require.NoError(t, err)
	h := bankhub.NewIPNHandler(ipnKey, inbox.Func(func(context.Context, *sql.Tx, *bankhub.IPN) error { return nil }), bankhub.WithDedupe(inbox))
	for _, id := range []string{"booked-23.5h-ago", "booked-26h-ago"} {
		require.Equal(t, 200, deliver(t, h, payment(id, "DH100001", 1)))
	}
	for key, age := range map[string]string{"ipn:booked-23.5h-ago": "23.5 hours", "ipn:booked-26h-ago": "26 hours"} {
		_, err := db.ExecContext(ctx, `UPDATE `+table+` SET updated_at = now() - interval '`+age+`' WHERE key = $1`, key)
		require.NoError(t, err)
	}
	n, err := inbox.Prune(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	_, err = inbox.Lookup(ctx, "ipn:booked-23.5h-ago")
	require.NoError(t, err, "inside the retention by the database's clock: kept")
	_, err = inbox.Lookup(ctx, "ipn:booked-26h-ago")
	assert.ErrorIs(t, err, sqlinbox.ErrNotFound)
}

// An exhausted connection pool is answered, not waited on for ever: with
// one connection held elsewhere the delivery was unanswered after 8 s
// (the claim's transaction began on a context without an end). The claim's
// wait for a connection is bounded by the store timeout; the answer is a
// non-2xx, the function is not called, nothing is marked done.
func TestExhaustedPoolIsAnsweredInTime(t *testing.T) {
	forEachDB(t, func(t *testing.T, dc dbCase) {
		s := newShop(t, dc)
		s.db.SetMaxOpenConns(1)
		held, err := s.db.Conn(withTimeout(t))
		require.NoError(t, err)
		h := s.handler()
		done := make(chan int, 1)
		go func() {
			req, err := bankhub.NewIPNTestRequest("/ipn", ipnKey, payment("pool-1", "DH100001", 1_000))
			if err != nil {
				done <- 0
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			done <- rec.Code
		}()
		select {
		case code := <-done:
			assert.Equal(t, 500, code)
		case <-time.After(8 * time.Second):
			t.Fatal("unanswered after SePay's 8 s")
		}
		assert.Equal(t, int32(0), s.calls.Load())
		require.NoError(t, held.Close())
		assert.Equal(t, 200, deliver(t, h, payment("pool-1", "DH100001", 1_000)), "processed once a connection is free")
		assert.Equal(t, int64(1_000), s.paid("DH100001"))
	})
}

// WithMaxHold ends a statement of the function that waits on a lock
// another session holds: the delivery is answered, and the claim's row is
// free for the next one (on the server too). They were all still held after
// 8 s: the handler gave the function no deadline and the expiry's rollback
// waited for the statement in flight.
func TestMaxHoldEndsAStatementWaitingOnALock(t *testing.T) {
	t.Parallel()
	s := newShop(t, dbCase{"postgres", sqlinbox.Postgres, openPostgres}, sqlinbox.WithMaxHold(time.Second))
	ctx := withTimeout(t)
	blocker, err := s.db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer blocker.Rollback()
	_, err = blocker.ExecContext(ctx, `SELECT paid FROM `+s.orders+` WHERE code = 'DH100001' FOR UPDATE`)
	require.NoError(t, err)
	h := s.handler()
	n := payment("locked-1", "DH100001", 1_000)
	for attempt := range 2 { // the second claims the row the first held: it is free again
		done := make(chan int, 1)
		go func() {
			req, err := bankhub.NewIPNTestRequest("/ipn", ipnKey, n)
			if err != nil {
				done <- 0
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			done <- rec.Code
		}()
		select {
		case code := <-done:
			assert.Equal(t, 500, code, "attempt %d: the function's statement ended at the hold", attempt)
		case <-time.After(8 * time.Second):
			t.Fatalf("attempt %d: still waiting on the lock after 8 s", attempt)
		}
	}
	assert.Equal(t, int32(2), s.calls.Load(), "the second delivery was not kept out by the first's claim")
	require.NoError(t, blocker.Rollback())
	assert.Equal(t, 200, deliver(t, h, n))
	assert.Equal(t, int64(1_000), s.paid("DH100001"))
	assert.Equal(t, 1, s.ledgerRows("locked-1"))
}

// A commit that does not finish (a deferred trigger that takes 5 s) is cut
// off at the store timeout and answered 500, where it held the delivery
// with no bound. Cut off, it may still have committed on the server or
// not; either way the payment is credited exactly once: done, and its
// redelivery acknowledged, or failed, and its redelivery credits it.
func TestSlowCommitIsCutOff(t *testing.T) {
	t.Parallel()
	s := newShop(t, dbCase{"postgres", sqlinbox.Postgres, openPostgres}, sqlinbox.WithMaxHold(20*time.Second))
	ctx := withTimeout(t)
	slow := uniqueName("slow")
	for _, q := range []string{
		`CREATE TABLE ` + slow + ` (id TEXT)`,
		`CREATE FUNCTION ` + slow + `() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(5); RETURN NULL; END $$`,
		`CREATE CONSTRAINT TRIGGER ` + slow + ` AFTER INSERT ON ` + slow + ` DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ` + slow + `()`,
	} {
		_, err := s.db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	fn := s.inbox.Func(func(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error {
		if err := s.credit(ctx, tx, n); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO `+slow+` (id) VALUES ($1)`, n.TransactionID)
		return err
	})
	h := bankhub.NewIPNHandler(ipnKey, fn, bankhub.WithDedupe(s.inbox))
	n := payment("slow-1", "DH100002", 2_000)
	start := time.Now()
	assert.Equal(t, 500, deliver(t, h, n))
	assert.Less(t, time.Since(start), 5*time.Second, "answered before the commit ended")
	var settled sqlinbox.Record
	require.Eventually(t, func() bool {
		rec, err := s.inbox.Lookup(ctx, "ipn:slow-1")
		settled = rec
		return err == nil
	}, 15*time.Second, 50*time.Millisecond, "the cut-off commit is settled: done, or recorded as failed")
	_, err := s.db.ExecContext(ctx, `DROP TRIGGER `+slow+` ON `+slow)
	require.NoError(t, err)
	assert.Equal(t, 200, deliver(t, h, n))
	if settled.State == sqlinbox.StateDone {
		assert.Equal(t, int32(1), s.calls.Load(), "committed after all: the redelivery is acknowledged")
	} else {
		assert.Contains(t, settled.LastError, "commit cut off")
		assert.Equal(t, int32(2), s.calls.Load(), "rolled back: the redelivery credits it")
	}
	assert.Equal(t, int64(2_000), s.paid("DH100002"), "credited exactly once")
	assert.Equal(t, 1, s.ledgerRows("slow-1"))
}

// A duplicate whose wait for the first delivery's row lock is ended by the
// database (lock_timeout, statement_timeout, or a serialization failure
// once the first commits under repeatable read or serializable) keeps
// waiting and is answered 200 when the first commits 1.5 s later: it was
// answered 500.
func TestDuplicateWaitEndedByTheDatabaseIsInProgress(t *testing.T) {
	t.Parallel()
	for _, setting := range []string{"lock_timeout=300ms", "statement_timeout=300ms",
		"default_transaction_isolation=repeatable%20read", "default_transaction_isolation=serializable"} {
		t.Run(setting, func(t *testing.T) {
			t.Parallel()
			open := func(t testing.TB) *sql.DB {
				openPostgres(t) // skips without PostgreSQL
				db, err := sql.Open("pgx", postgresURL+"&"+setting)
				require.NoError(t, err)
				t.Cleanup(func() { db.Close() })
				return db
			}
			s := newShop(t, dbCase{"postgres", sqlinbox.Postgres, open})
			s.block = make(chan struct{})
			h := s.handler()
			n := payment("dup-1", "DH100001", 70_000)
			codes := make(chan int, 2)
			go func() { codes <- deliver(t, h, n) }()
			require.Eventually(t, func() bool { return s.calls.Load() == 1 }, 10*time.Second, 5*time.Millisecond)
			go func() { codes <- deliver(t, h, n) }()
			time.Sleep(1500 * time.Millisecond) // the duplicate waits on the first's row lock meanwhile
			close(s.block)
			assert.Equal(t, 200, <-codes)
			assert.Equal(t, 200, <-codes)
			assert.Equal(t, int32(1), s.calls.Load())
			assert.Equal(t, int64(70_000), s.paid("DH100001"))
		})
	}
}

// Another process holding SQLite's write lock (a long transaction of the
// merchant's own) is waited for within the delivery's time, on every SQLite
// driver: the claim's wait ends with its context, where it waited out the
// busy timeout (10 s here) and then answered 500. The delivery is answered
// 409 at the dedupe wait, and processed once the lock is free.
func TestSQLiteWriteLockOfAnotherProcessIsWaitedInTime(t *testing.T) {
	t.Parallel()
	for name, dsn := range map[string]func(path string) (string, string){
		"modernc": func(p string) (string, string) { return "sqlite", sqliteDSN(p) },
		"mattn": func(p string) (string, string) {
			return "sqlite3", "file:" + p + "?_busy_timeout=10000&_journal_mode=WAL"
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "shop.db")
			driver, source := dsn(path)
			open := func(t testing.TB) *sql.DB {
				db, err := sql.Open(driver, source)
				require.NoError(t, err)
				t.Cleanup(func() { db.Close() })
				if err := db.Ping(); err != nil {
					t.Skipf("%s is not usable here: %v", driver, err)
				}
				return db
			}
			s := newShop(t, dbCase{name, sqlinbox.SQLite, open})
			other := open(t)
			ctx := withTimeout(t)
			long, err := other.BeginTx(ctx, nil)
			require.NoError(t, err)
			_, err = long.ExecContext(ctx, `UPDATE `+s.orders+` SET paid = paid WHERE code = 'DH100002'`)
			require.NoError(t, err) // holds the write lock from now on
			h := s.handler()
			start := time.Now()
			assert.Equal(t, 409, deliver(t, h, payment("lite-1", "DH100001", 5_000)))
			assert.Less(t, time.Since(start), 8*time.Second, "answered inside SePay's 8 s")
			assert.Equal(t, int32(0), s.calls.Load())
			require.NoError(t, long.Rollback())
			assert.Equal(t, 200, deliver(t, h, payment("lite-1", "DH100001", 5_000)))
			assert.Equal(t, int64(5_000), s.paid("DH100001"))
		})
	}
}

// Replicas starting together on a fresh database migrate once and all
// start, at every isolation level: under repeatable read or serializable, 7
// of 8 failed New (a duplicate key on the migrations table, or 40001). Each
// replica has a pool of its own, as separate processes do.
func TestReplicasStartingTogetherMigrateAtAnyIsolation(t *testing.T) {
	t.Parallel()
	for _, level := range []string{"read%20committed", "repeatable%20read", "serializable"} {
		t.Run(level, func(t *testing.T) {
			t.Parallel()
			openPostgres(t) // skips without PostgreSQL
			table := uniqueName("inbox")
			errs := make(chan error, 8)
			var wg sync.WaitGroup
			for range 8 {
				db, err := sql.Open("pgx", postgresURL+"&default_transaction_isolation="+level)
				require.NoError(t, err)
				t.Cleanup(func() { db.Close() })
				wg.Go(func() {
					_, err := sqlinbox.New(context.Background(), db, sqlinbox.Postgres, sqlinbox.WithTable(table))
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				assert.NoError(t, err)
			}
		})
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "shop.db")
		errs := make(chan error, 8)
		var wg sync.WaitGroup
		for range 8 {
			db, err := sql.Open("sqlite", sqliteDSN(path))
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			wg.Go(func() {
				_, err := sqlinbox.New(context.Background(), db, sqlinbox.SQLite)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
	})
}

// A read-only database (a replica by mistake, default_transaction_read_only)
// is refused by New with ErrReadOnly, whether the table exists or not; it
// failed with PostgreSQL's text for a CREATE and no word of read-only.
func TestReadOnlyDatabaseIsSaidToBe(t *testing.T) {
	t.Parallel()
	admin := openPostgres(t)
	ctx := withTimeout(t)
	existing := uniqueName("inbox")
	writable, err := sqlinbox.New(ctx, admin, sqlinbox.Postgres, sqlinbox.WithTable(existing))
	require.NoError(t, err)
	replica, err := sql.Open("pgx", postgresURL+"&default_transaction_read_only=on")
	require.NoError(t, err)
	t.Cleanup(func() { replica.Close() })
	for _, table := range []string{existing, uniqueName("inbox")} {
		_, err := sqlinbox.New(ctx, replica, sqlinbox.Postgres, sqlinbox.WithTable(table))
		require.ErrorIs(t, err, sqlinbox.ErrReadOnly, table)
		assert.Contains(t, err.Error(), "read-only")
	}
	_, err = writable.Lookup(ctx, "ipn:none")
	assert.ErrorIs(t, err, sqlinbox.ErrNotFound, "the writable one works beside it")

	// SQLite opened read-only.
	path := filepath.Join(t.TempDir(), "shop.db")
	rw, err := sql.Open("sqlite", sqliteDSN(path))
	require.NoError(t, err)
	_, err = sqlinbox.New(ctx, rw, sqlinbox.SQLite)
	require.NoError(t, err)
	rw.Close()
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	t.Cleanup(func() { ro.Close() })
	_, err = sqlinbox.New(ctx, ro, sqlinbox.SQLite)
	assert.ErrorIs(t, err, sqlinbox.ErrReadOnly)
}
