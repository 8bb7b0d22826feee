// Package inboxtest is the behaviour suite of sqlinbox: one set of tests
// that every database, driver and pooler the inbox supports runs
// (Exercise), as River's riverdrivertest does for its drivers. A Stack is
// one way a merchant reaches a database: sqlinbox on database/sql with a
// given driver, or pgxinbox on a pgxpool, directly or through PgBouncer.
package inboxtest

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/sqlinbox"
	"github.com/bankhub-go/bankhub/sqlinbox/pgxinbox"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the merchant's handle of a pgx stack
)

// Stack is one way to reach a database.
type Stack struct {
	Name    string
	Dialect sqlinbox.Dialect
	// Deferrable: a constraint can be deferred to the commit, which then
	// fails (PostgreSQL, SQLite).
	Deferrable bool
	// ServerHold: a statement of a claim's transaction ends at the hold on
	// the server too, not only in the client (PostgreSQL).
	ServerHold bool
	// Pooler: a pooler in transaction mode is in between (PgBouncer), which
	// takes no session settings in the connection string.
	Pooler bool
	// NewDatabase returns one test's database, with settings (key=value,
	// the driver's connection parameters) on every connection; it skips t
	// when the stack is not on this machine, or fails it under CI=true.
	NewDatabase func(t testing.TB, settings ...string) Database
}

// Database is one test's database: the merchant's handle on it, and
// inboxes with pools of their own.
type Database interface {
	// Open returns a new database/sql handle on the database (the
	// merchant's tables are made and read through it), closed when t ends.
	Open(t testing.TB) *sql.DB
	// NewInbox returns an inbox with a pool of its own, of at most
	// maxConns connections (0: the driver's default).
	NewInbox(t testing.TB, maxConns int, opts ...sqlinbox.Option) (Handle, error)
}

// Handle is an inbox and its pool.
type Handle struct {
	Inbox
	// Hold takes one of the pool's connections until release is called.
	Hold func(t testing.TB) (release func())
	// Close closes the pool: the database is gone for the inbox.
	Close func()
}

// Inbox is what sqlinbox.Inbox and pgxinbox.Inbox have in common, with the
// function's transaction as a Tx.
type Inbox interface {
	bankhub.TxDedupeStore
	Func(fn func(ctx context.Context, tx Tx, n *bankhub.IPN) error) func(context.Context, *bankhub.IPN) error
	EventFunc(fn func(ctx context.Context, tx Tx, e *bankhub.Event) error) func(context.Context, *bankhub.Event) error
	Failed(ctx context.Context, limit int) ([]sqlinbox.Record, error)
	Lookup(ctx context.Context, key string) (sqlinbox.Record, error)
	Prune(ctx context.Context) (int64, error)
	Table() string
	InProgress() int
}

// Tx is a claim's transaction, as the merchant's function writes in it.
type Tx interface {
	Exec(ctx context.Context, q string, args ...any) (rows int64, err error)
}

// SQLInbox gives a sqlinbox.Inbox the suite's shape.
func SQLInbox(in *sqlinbox.Inbox) Inbox { return sqlAdapter{in} }

type sqlAdapter struct{ *sqlinbox.Inbox }

func (a sqlAdapter) Func(fn func(context.Context, Tx, *bankhub.IPN) error) func(context.Context, *bankhub.IPN) error {
	return a.Inbox.Func(func(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error { return fn(ctx, sqlTx{tx}, n) })
}

func (a sqlAdapter) EventFunc(fn func(context.Context, Tx, *bankhub.Event) error) func(context.Context, *bankhub.Event) error {
	return a.Inbox.EventFunc(func(ctx context.Context, tx *sql.Tx, e *bankhub.Event) error { return fn(ctx, sqlTx{tx}, e) })
}

type sqlTx struct{ tx *sql.Tx }

func (t sqlTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// SQLDatabase is a Database on database/sql: driver and dsn (given the
// settings) name it.
func SQLDatabase(d sqlinbox.Dialect, driver string, dsn func(settings []string) string, settings []string) Database {
	return &sqlDatabase{dialect: d, driver: driver, dsn: dsn(settings)}
}

type sqlDatabase struct {
	dialect sqlinbox.Dialect
	driver  string
	dsn     string
}

func (d *sqlDatabase) Open(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open(d.driver, d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (d *sqlDatabase) NewInbox(t testing.TB, maxConns int, opts ...sqlinbox.Option) (Handle, error) {
	t.Helper()
	db := d.Open(t)
	if maxConns > 0 {
		db.SetMaxOpenConns(maxConns)
	}
	in, err := sqlinbox.New(context.Background(), db, d.dialect, opts...)
	if err != nil {
		return Handle{}, err
	}
	hold := func(t testing.TB) func() {
		t.Helper()
		c, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return func() { c.Close() }
	}
	return Handle{Inbox: SQLInbox(in), Hold: hold, Close: func() { db.Close() }}, nil
}

// Unavailable skips t for a stack that this machine lacks, or fails it
// under CI=true, where every stack must run.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI runs every stack: %s", why)
	}
	t.Skip(why)
}

// WithSettings appends settings (key=value) to a URL-style DSN's query.
func WithSettings(dsn string, settings []string) string {
	if len(settings) == 0 {
		return dsn
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + strings.Join(settings, "&")
}

var seq atomic.Int64

// Unique returns a table name no other test of this run uses.
func Unique(prefix string) string {
	return prefix + "_" + strconv.Itoa(os.Getpid()) + "_" + strconv.FormatInt(seq.Add(1), 10)
}

// PgxInbox gives a pgxinbox.Inbox the suite's shape.
func PgxInbox(in *pgxinbox.Inbox) Inbox { return pgxAdapter{in} }

type pgxAdapter struct{ *pgxinbox.Inbox }

func (a pgxAdapter) Func(fn func(context.Context, Tx, *bankhub.IPN) error) func(context.Context, *bankhub.IPN) error {
	return a.Inbox.Func(func(ctx context.Context, tx pgx.Tx, n *bankhub.IPN) error { return fn(ctx, pgxTx{tx}, n) })
}

func (a pgxAdapter) EventFunc(fn func(context.Context, Tx, *bankhub.Event) error) func(context.Context, *bankhub.Event) error {
	return a.Inbox.EventFunc(func(ctx context.Context, tx pgx.Tx, e *bankhub.Event) error { return fn(ctx, pgxTx{tx}, e) })
}

type pgxTx struct{ tx pgx.Tx }

func (t pgxTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

// PgxDatabase is a Database of pgxinbox on pgxpool: url names it; the
// merchant's database/sql handle is pgx's stdlib on the same URL.
func PgxDatabase(url string) Database { return &pgxDatabase{url: url} }

type pgxDatabase struct{ url string }

func (d *pgxDatabase) Open(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", d.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (d *pgxDatabase) NewInbox(t testing.TB, maxConns int, opts ...sqlinbox.Option) (Handle, error) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(d.url)
	if err != nil {
		return Handle{}, err
	}
	if maxConns > 0 {
		cfg.MaxConns = int32(maxConns)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return Handle{}, err
	}
	t.Cleanup(pool.Close)
	in, err := pgxinbox.New(context.Background(), pool, opts...)
	if err != nil {
		return Handle{}, err
	}
	hold := func(t testing.TB) func() {
		t.Helper()
		c, err := pool.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c.Release
	}
	return Handle{Inbox: PgxInbox(in), Hold: hold, Close: pool.Close}, nil
}

// DriverDSN names the database for another process (the chaos test's
// replicas).
func (d *sqlDatabase) DriverDSN() (driver, dsn string) { return d.driver, d.dsn }

// DriverDSN names the database for another process: pgx's URL.
func (d *pgxDatabase) DriverDSN() (driver, dsn string) { return "pgx", d.url }
