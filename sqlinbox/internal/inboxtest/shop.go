package inboxtest

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/sqlinbox"
	"github.com/stretchr/testify/require"
)

// IPNKey is the IPN key of the suite's handlers.
const IPNKey = "inboxtest-ipn-key"

// Shop is a merchant's database with orders and a ledger, and the one
// function that credits them: not idempotent (the ledger has no unique
// key), so that anything handed over twice shows.
type Shop struct {
	T      testing.TB
	Stack  Stack
	Data   Database
	DB     *sql.DB // the merchant's handle
	Inbox  Handle
	Orders string
	Ledger string
	Calls  atomic.Int32
	// FailAfterWrite makes the function fail after its writes.
	FailAfterWrite atomic.Bool
	// Block, if set, is waited on after the writes.
	Block chan struct{}
}

// NewShop makes the shop's tables (orders DH100001 and DH100002) and an
// inbox on a new database of the stack.
func NewShop(t testing.TB, st Stack, maxConns int, opts ...sqlinbox.Option) *Shop {
	t.Helper()
	return NewShopOn(t, st, st.NewDatabase(t), maxConns, opts...)
}

// NewShopOn is NewShop on a given database.
func NewShopOn(t testing.TB, st Stack, data Database, maxConns int, opts ...sqlinbox.Option) *Shop {
	t.Helper()
	s := &Shop{T: t, Stack: st, Data: data, DB: data.Open(t), Orders: Unique("orders"), Ledger: Unique("ledger")}
	for _, q := range []string{
		`CREATE TABLE ` + s.Orders + ` (code VARCHAR(64) PRIMARY KEY, paid BIGINT NOT NULL DEFAULT 0)`,
		`CREATE TABLE ` + s.Ledger + ` (transaction_id VARCHAR(600) NOT NULL, code VARCHAR(64) NOT NULL, amount BIGINT NOT NULL)`,
		`INSERT INTO ` + s.Orders + ` (code) VALUES ('DH100001'), ('DH100002')`,
	} {
		_, err := s.DB.ExecContext(Ctx(t), q)
		require.NoError(t, err, q)
	}
	var err error
	s.Inbox, err = data.NewInbox(t, maxConns, append([]sqlinbox.Option{sqlinbox.WithTable(Unique("inbox"))}, opts...)...)
	require.NoError(t, err)
	return s
}

// Rebind writes $N parameters as the dialect wants them: ?N on SQLite, ?
// (in order) on MySQL.
func Rebind(d sqlinbox.Dialect, q string) string {
	switch d {
	case sqlinbox.SQLite:
		return strings.NewReplacer("$1", "?1", "$2", "?2", "$3", "?3", "$4", "?4").Replace(q)
	case sqlinbox.MySQL:
		return strings.NewReplacer("$1", "?", "$2", "?", "$3", "?", "$4", "?").Replace(q)
	}
	return q
}

// Q is Rebind for the shop's dialect.
func (s *Shop) Q(q string) string { return Rebind(s.Stack.Dialect, q) }

// Credit is the merchant's function: money in only, an UPDATE and a ledger
// row in the inbox's transaction.
func (s *Shop) Credit(ctx context.Context, tx Tx, n *bankhub.IPN) error {
	s.Calls.Add(1)
	if !n.TransferType.Incoming() {
		return nil
	}
	if _, err := tx.Exec(ctx, s.Q(`UPDATE `+s.Orders+` SET paid = paid + $1 WHERE code = $2`), int64(n.Amount), n.PaymentCode); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, s.Q(`INSERT INTO `+s.Ledger+` (transaction_id, code, amount) VALUES ($1, $2, $3)`),
		n.TransactionID, n.PaymentCode, int64(n.Amount)); err != nil {
		return err
	}
	if s.Block != nil {
		<-s.Block
	}
	if s.FailAfterWrite.Load() {
		return errors.New("order service unavailable")
	}
	return nil
}

// Handler is the IPN handler with the inbox and Credit.
func (s *Shop) Handler(opts ...bankhub.HandlerOption) http.Handler {
	return bankhub.NewIPNHandler(IPNKey, s.Inbox.Func(s.Credit), append([]bankhub.HandlerOption{bankhub.WithDedupe(s.Inbox)}, opts...)...)
}

// Paid is an order's paid sum.
func (s *Shop) Paid(code string) int64 {
	s.T.Helper()
	var v int64
	require.NoError(s.T, s.DB.QueryRow(s.Q(`SELECT paid FROM `+s.Orders+` WHERE code = $1`), code).Scan(&v))
	return v
}

// LedgerRows counts a transaction's ledger rows.
func (s *Shop) LedgerRows(id string) int {
	s.T.Helper()
	var v int
	require.NoError(s.T, s.DB.QueryRow(s.Q(`SELECT COUNT(*) FROM `+s.Ledger+` WHERE transaction_id = $1`), id).Scan(&v))
	return v
}

// Payment is an incoming transfer's IPN.
func Payment(id, code string, amount bankhub.VND) *bankhub.IPN {
	return &bankhub.IPN{Gateway: "MBBank", AccountNumber: "0123456789", TransactionID: id, PaymentCode: code,
		Content: "Thanh toan " + code, TransferType: bankhub.TransferCredit, Amount: amount}
}

// Deliver serves n to h as SePay would, and returns the status.
func Deliver(t testing.TB, h http.Handler, n *bankhub.IPN) int {
	t.Helper()
	req, err := bankhub.NewIPNTestRequest("/ipn", IPNKey, n)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// DeliverAsync delivers in a goroutine: the status arrives on the channel
// (0 if the request could not be built).
func DeliverAsync(h http.Handler, n *bankhub.IPN) <-chan int {
	done := make(chan int, 1)
	go func() {
		req, err := bankhub.NewIPNTestRequest("/ipn", IPNKey, n)
		if err != nil {
			done <- 0
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		done <- rec.Code
	}()
	return done
}

// Ctx is a context for one test step.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Age sets the updated_at of key's row to d ago, by the database's clock.
func (s *Shop) Age(table, key string, d time.Duration) {
	s.T.Helper()
	var q string
	var arg any
	switch s.Stack.Dialect {
	case sqlinbox.Postgres:
		q, arg = `UPDATE `+table+` SET updated_at = now() - $1::bigint * interval '1 microsecond' WHERE key = $2`, d.Microseconds()
	case sqlinbox.SQLite:
		q, arg = `UPDATE `+table+` SET updated_at = CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER) - ?1 WHERE key = ?2`, d.Milliseconds()
	case sqlinbox.MySQL:
		q, arg = "UPDATE "+table+" SET updated_at = UTC_TIMESTAMP(6) - INTERVAL ? MICROSECOND WHERE `key` = ?", d.Microseconds()
	}
	_, err := s.DB.ExecContext(Ctx(s.T), q, arg, key)
	require.NoError(s.T, err)
}
