package pgxinbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/sqlinbox"
	"github.com/bankhub-go/bankhub/sqlinbox/internal/inboxtest"
	"github.com/bankhub-go/bankhub/sqlinbox/internal/testdb"
	"github.com/bankhub-go/bankhub/sqlinbox/pgxinbox"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var servers testdb.Env

func TestMain(m *testing.M) {
	servers = testdb.FromEnv()
	var stop func()
	if servers.PostgresURL == "" || servers.PgBouncerURL == "" {
		dir, err := os.MkdirTemp("", "pgxinbox-servers")
		if err == nil {
			defer os.RemoveAll(dir)
			if s, err := testdb.Start(dir, servers, false, testdb.Postgres, testdb.PgBouncer); err != nil {
				fmt.Fprintln(os.Stderr, "pgxinbox tests: starting servers:", err)
			} else {
				servers, stop = s.Env, s.Stop
			}
		}
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

func need(t testing.TB, url, what string) string {
	t.Helper()
	if url == "" {
		inboxtest.Unavailable(t, "no "+what+": set "+testdb.PostgresVar+" and "+testdb.PgBouncerVar+", or install it")
	}
	return url
}

var (
	pgxStack = inboxtest.Stack{Name: "pgx", Dialect: sqlinbox.Postgres, Deferrable: true, ServerHold: true,
		NewDatabase: func(t testing.TB, settings ...string) inboxtest.Database {
			return inboxtest.PgxDatabase(inboxtest.WithSettings(need(t, servers.PostgresURL, "PostgreSQL"), settings))
		}}
	pgxPgBouncerStack = inboxtest.Stack{Name: "pgx-pgbouncer", Dialect: sqlinbox.Postgres, Deferrable: true, ServerHold: true, Pooler: true,
		NewDatabase: func(t testing.TB, settings ...string) inboxtest.Database {
			return inboxtest.PgxDatabase(inboxtest.WithSettings(need(t, servers.PgBouncerURL, "PgBouncer")+"&default_query_exec_mode=exec", settings))
		}}
)

// TestSuite runs sqlinbox's behaviour suite on pgxpool, directly and
// through PgBouncer in transaction mode.
func TestSuite(t *testing.T) {
	for _, st := range []inboxtest.Stack{pgxStack, pgxPgBouncerStack} {
		t.Run(st.Name, func(t *testing.T) {
			t.Parallel()
			inboxtest.Exercise(t, st)
		})
	}
}

func newPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// DBTX and Queries are what sqlc generates with sql_package: pgx/v5 (one
// query here): a DBTX that a pgx.Tx satisfies, and typed queries. It would
// not compile against a *sql.Tx; on the claim's pgx.Tx it joins the
// inbox's transaction.
type DBTX interface {
	Exec(context.Context, string, ...interface{}) (pgconn.CommandTag, error)
	Query(context.Context, string, ...interface{}) (pgx.Rows, error)
	QueryRow(context.Context, string, ...interface{}) pgx.Row
}

type Queries struct{ db DBTX }

func New(db DBTX) *Queries { return &Queries{db: db} }

const creditOrder = `UPDATE %s SET paid = paid + $1 WHERE code = $2`

type CreditOrderParams struct {
	Amount int64
	Code   string
}

func (q *Queries) CreditOrder(ctx context.Context, table string, arg CreditOrderParams) error {
	_, err := q.db.Exec(ctx, fmt.Sprintf(creditOrder, table), arg.Amount, arg.Code)
	return err
}

// ShipArgs is a River job the payment's function enqueues.
type ShipArgs struct {
	Code string `json:"code"`
}

func (ShipArgs) Kind() string { return "ship" }

// A merchant on pgxpool writes in the inbox's pgx.Tx: sqlc-style queries
// and River's InsertTx (v0.51.2, riverpgxv5) join it. A failed attempt
// leaves no credit and no job; the successful one commits exactly one of
// each with "done".
func TestRiverAndSqlcJoinTheClaimsTransaction(t *testing.T) {
	t.Parallel()
	url := need(t, servers.PostgresURL, "PostgreSQL")
	pool := newPool(t, url)
	ctx := inboxtest.Ctx(t)
	schema := inboxtest.Unique("river")
	_, err := pool.Exec(ctx, `CREATE SCHEMA `+schema)
	require.NoError(t, err)
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: schema, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	_, err = migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	require.NoError(t, err)
	riverClient, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Schema: schema, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)

	orders := inboxtest.Unique("orders")
	_, err = pool.Exec(ctx, `CREATE TABLE `+orders+` (code TEXT PRIMARY KEY, paid BIGINT NOT NULL DEFAULT 0); INSERT INTO `+orders+` (code) VALUES ('DH123456')`)
	require.NoError(t, err)
	inbox, err := pgxinbox.New(ctx, pool, sqlinbox.WithTable(inboxtest.Unique("inbox")))
	require.NoError(t, err)
	fail := true
	fn := inbox.Func(func(ctx context.Context, tx pgx.Tx, n *bankhub.IPN) error {
		if err := New(tx).CreditOrder(ctx, orders, CreditOrderParams{Amount: int64(n.Amount), Code: n.PaymentCode}); err != nil {
			return err
		}
		if _, err := riverClient.InsertTx(ctx, tx, ShipArgs{Code: n.PaymentCode}, nil); err != nil {
			return err
		}
		if fail {
			return errors.New("the courier's API is down")
		}
		return nil
	})
	h := bankhub.NewIPNHandler(inboxtest.IPNKey, fn, bankhub.WithDedupe(inbox))
	jobs := func() (n int) {
		require.NoError(t, pool.QueryRow(ctx, `SELECT COUNT(*) FROM `+schema+`.river_job WHERE kind = 'ship'`).Scan(&n))
		return n
	}
	paid := func() (p int64) {
		require.NoError(t, pool.QueryRow(ctx, `SELECT paid FROM `+orders+` WHERE code = 'DH123456'`).Scan(&p))
		return p
	}
	n := inboxtest.Payment("river-1", "DH123456", 500_000)
	assert.Equal(t, 500, inboxtest.Deliver(t, h, n))
	assert.Equal(t, 0, jobs(), "no job after a failed attempt")
	assert.Equal(t, int64(0), paid())
	fail = false
	assert.Equal(t, 200, inboxtest.Deliver(t, h, n))
	assert.Equal(t, 200, inboxtest.Deliver(t, h, n), "the redelivery is acknowledged")
	assert.Equal(t, 1, jobs(), "exactly one job after success")
	assert.Equal(t, int64(500_000), paid())
	rec, err := inbox.Lookup(ctx, "ipn:river-1")
	require.NoError(t, err)
	assert.Equal(t, sqlinbox.StateDone, rec.State)
	assert.Equal(t, 2, rec.Attempts)
}

// The pool is not the claim's transaction: a write through it stays after
// the claim rolls back (the case the package doc warns of), where the same
// write through tx goes with it. And a statement on the pool that waits on
// a row tx holds ends at the claim's deadline, with the claim: it does not
// commit after the claim rolled back.
func TestPoolWritesEscapeTheTransactionAndTxWritesDoNot(t *testing.T) {
	t.Parallel()
	pool := newPool(t, need(t, servers.PostgresURL, "PostgreSQL"))
	ctx := inboxtest.Ctx(t)
	log := inboxtest.Unique("log")
	_, err := pool.Exec(ctx, `CREATE TABLE `+log+` (via TEXT NOT NULL)`)
	require.NoError(t, err)
	inbox, err := pgxinbox.New(ctx, pool, sqlinbox.WithTable(inboxtest.Unique("inbox")), sqlinbox.WithMaxHold(time.Second))
	require.NoError(t, err)
	fn := inbox.Func(func(ctx context.Context, tx pgx.Tx, n *bankhub.IPN) error {
		if _, err := tx.Exec(ctx, `INSERT INTO `+log+` (via) VALUES ('tx')`); err != nil {
			return err
		}
		if _, err := pool.Exec(ctx, `INSERT INTO `+log+` (via) VALUES ('pool')`); err != nil {
			return err
		}
		if n.TransactionID == "self-lock" {
			// The row tx just wrote is locked by tx: this waits on itself
			// until the claim's deadline ends it.
			if _, err := pool.Exec(ctx, `UPDATE `+log+` SET via = 'pool-update' WHERE via = 'tx'`); err != nil {
				return err
			}
		}
		return errors.New("fails after writing")
	})
	h := bankhub.NewIPNHandler(inboxtest.IPNKey, fn, bankhub.WithDedupe(inbox))
	assert.Equal(t, 500, inboxtest.Deliver(t, h, inboxtest.Payment("escape", "DH1", 1)))
	count := func(via string) (n int) {
		require.NoError(t, pool.QueryRow(ctx, `SELECT COUNT(*) FROM `+log+` WHERE via = $1`, via).Scan(&n))
		return n
	}
	assert.Equal(t, 0, count("tx"), "rolled back with the claim")
	assert.Equal(t, 1, count("pool"), "the pool's write committed on its own")

	start := time.Now()
	assert.Equal(t, 500, inboxtest.Deliver(t, h, inboxtest.Payment("self-lock", "DH1", 1)))
	assert.Less(t, time.Since(start), 5*time.Second, "ended at the hold, not after the minute-long default")
	time.Sleep(500 * time.Millisecond) // anything left running would commit now
	assert.Equal(t, 0, count("pool-update"), "the waiting update did not commit after the claim rolled back")
}

// Through PgBouncer in transaction mode with pgx's defaults, New says
// which setting to use.
func TestPgBouncerWithPgxDefaultsSaysWhichSettingToUse(t *testing.T) {
	t.Parallel()
	pool := newPool(t, need(t, servers.PgBouncerURL, "PgBouncer"))
	_, err := pgxinbox.New(inboxtest.Ctx(t), pool, sqlinbox.WithTable(inboxtest.Unique("inbox")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "add default_query_exec_mode=exec to the connection string")
	_, err = pgxinbox.New(inboxtest.Ctx(t), nil)
	assert.ErrorContains(t, err, "nil *pgxpool.Pool")
}

// A function that never returns, ignoring its context, does not keep its
// pool slot, nor its locks, past the hold: the connection is interrupted
// (its socket closed, so the server rolls back) and leaves the pool, the
// other payments are credited on the pool's remaining connections, and the
// pool closes without waiting for it. (A pgx connection is not safe for
// concurrent use: the rollback itself waits for the function.)
func TestHungFunctionDoesNotKeepItsConnection(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(need(t, servers.PostgresURL, "PostgreSQL"))
	require.NoError(t, err)
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	ctx := inboxtest.Ctx(t)
	orders := inboxtest.Unique("orders")
	_, err = pool.Exec(ctx, `CREATE TABLE `+orders+` (code TEXT PRIMARY KEY, paid BIGINT NOT NULL DEFAULT 0); INSERT INTO `+orders+` (code) VALUES ('DH1')`)
	require.NoError(t, err)
	inbox, err := pgxinbox.New(ctx, pool, sqlinbox.WithTable(inboxtest.Unique("inbox")), sqlinbox.WithMaxHold(500*time.Millisecond))
	require.NoError(t, err)
	never := make(chan struct{})
	defer close(never)
	fn := inbox.Func(func(ctx context.Context, tx pgx.Tx, n *bankhub.IPN) error {
		if _, err := tx.Exec(ctx, `UPDATE `+orders+` SET paid = paid + $1 WHERE code = 'DH1'`, int64(n.Amount)); err != nil {
			return err
		}
		if n.TransactionID == "hangs" {
			<-never // ignores its context
		}
		return nil
	})
	h := bankhub.NewIPNHandler(inboxtest.IPNKey, fn, bankhub.WithDedupe(inbox))
	inboxtest.DeliverAsync(h, inboxtest.Payment("hangs", "DH1", 1_000)) // never answered
	require.Eventually(t, func() bool { return pool.Stat().AcquiredConns() == 1 }, 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return pool.Stat().AcquiredConns() == 0 }, 5*time.Second, 10*time.Millisecond,
		"the hung claim's connection left the pool at the hold")
	for i := range 4 { // more than the pool's two connections, one after the other
		assert.Equal(t, 200, inboxtest.Deliver(t, h, inboxtest.Payment(fmt.Sprintf("after-%d", i), "DH1", 10)))
	}
	var paid int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT paid FROM `+orders+` WHERE code = 'DH1'`).Scan(&paid))
	assert.Equal(t, int64(40), paid, "the hung one's write was rolled back by the server; the others committed")
	closed := make(chan struct{})
	go func() { pool.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("pool.Close waits for the hung function's connection")
	}
}
