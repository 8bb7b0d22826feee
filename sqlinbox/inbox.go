package sqlinbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/sqlinbox/internal/engine"
)

// Dialect is the SQL database the inbox writes to.
type Dialect int

// The databases the inbox supports.
const (
	// Postgres is PostgreSQL, through github.com/jackc/pgx/v5/stdlib
	// (pgx-native code: the pgxinbox package).
	Postgres Dialect = iota + 1
	// SQLite is SQLite 3.24 or later, through modernc.org/sqlite or
	// github.com/mattn/go-sqlite3.
	SQLite
	// MySQL is MySQL 8 or MariaDB 10.11 or later, through
	// github.com/go-sql-driver/mysql.
	MySQL
)

// String returns "postgres", "sqlite" or "mysql".
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case SQLite:
		return "sqlite"
	case MySQL:
		return "mysql"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

func (d Dialect) engine() engine.Dialect {
	switch d {
	case Postgres:
		return engine.Postgres
	case SQLite:
		return engine.SQLite
	case MySQL:
		return engine.MySQL
	}
	return nil
}

// Defaults of the inbox.
const (
	// DefaultTable is the inbox's table.
	DefaultTable = engine.DefaultTable
	// DefaultMaxHold is the longest a claim's transaction stays open.
	DefaultMaxHold = engine.DefaultMaxHold
	// DefaultRetention is how long Prune keeps a done row.
	DefaultRetention = engine.DefaultRetention
	// MinRetention is the shortest retention Prune accepts: the
	// Reconciler's default window (24 hours) and an hour. A done row pruned
	// inside the reconciler's window would be handed to the function again.
	MinRetention = engine.MinRetention
)

// ErrNoClaim is returned by the function Func makes when it runs without
// the inbox's claim: the inbox was not given to the handler (WithDedupe) or
// the Reconciler (WithReconcileDedupe), or the claim's transaction was
// already rolled back (WithMaxHold). The notification is not marked done.
var ErrNoClaim = engine.ErrNoClaim

// ErrNotFound is returned by Lookup for a key the inbox has no row of.
var ErrNotFound = engine.ErrNotFound

// ErrReadOnly is matched by the errors of New and of a claim when the
// database refuses writes: a read replica, default_transaction_read_only,
// a SQLite file opened read-only, MySQL's read_only. The inbox writes a row
// per notification, so New refuses such a database rather than answer
// every payment 500.
var ErrReadOnly = engine.ErrReadOnly

// Option configures New (and pgxinbox.New).
type Option func(*engine.Config)

// WithTable sets the inbox's table (DefaultTable): a plain SQL identifier,
// letters, digits and underscores, or schema.identifier to pin its schema.
// Without a schema, New resolves it once (PostgreSQL: from the search_path,
// the schema that already holds the table, or else the first one tables
// are created in, and a name found in two schemas is refused; MySQL: the
// DSN's database; SQLite: main), and the inbox uses the qualified name from
// then on. Its migrations are recorded in <name>_migrations beside it.
func WithTable(name string) Option { return func(c *engine.Config) { c.Table = name } }

// WithMaxHold sets the longest a claim's transaction stays open
// (DefaultMaxHold; d <= 0 keeps it). The function's context ends then, and
// the transaction is rolled back whatever the function does, so a function
// that hangs cannot hold a connection and a lock for ever; on PostgreSQL
// the transaction's statements are bounded by it on the server too (a
// local statement_timeout, never looser than yours). Keep it above the
// function's longest run.
func WithMaxHold(d time.Duration) Option {
	return func(c *engine.Config) {
		if d > 0 {
			c.MaxHold = d
		}
	}
}

// WithRetention sets how long Prune keeps a done row (DefaultRetention;
// d <= 0 keeps it). New refuses less than MinRetention; keep it above the
// Reconciler's window (WithReconcileWindow) too.
func WithRetention(d time.Duration) Option {
	return func(c *engine.Config) {
		if d > 0 {
			c.Retention = d
		}
	}
}

func config(opts []Option) engine.Config {
	cfg := engine.DefaultConfig()
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	return cfg
}

// Inbox is an exactly-once intake of notifications in the merchant's SQL
// database, through database/sql. It implements bankhub.TxDedupeStore;
// create it with New and use one per database and table. Its methods are
// safe for concurrent use.
type Inbox struct {
	e *engine.Engine[*sql.Tx]
}

// New returns an inbox on db, creating or migrating its table. It fails if
// the database cannot be reached or is not dialect's (and says which it
// is), cannot be written to (ErrReadOnly), is reached through a pooler that
// loses prepared statements (and says which setting to use), or holds a
// table of the inbox's name of another shape or a newer schema; nothing is
// written before the database is known.
func New(ctx context.Context, db *sql.DB, dialect Dialect, opts ...Option) (*Inbox, error) {
	switch {
	case db == nil:
		return nil, errors.New("sqlinbox: New: nil *sql.DB")
	case dialect.engine() == nil:
		return nil, fmt.Errorf("sqlinbox: New: unknown dialect %v (sqlinbox.Postgres, sqlinbox.SQLite or sqlinbox.MySQL)", dialect)
	}
	e, err := engine.New(ctx, engine.NewSQL(db), dialect.engine(), config(opts))
	if err != nil {
		return nil, err
	}
	return &Inbox{e: e}, nil
}

// Func returns fn as the function to give NewIPNHandler and NewReconciler:
// it runs fn inside the transaction of the inbox's claim, so that what fn
// writes with tx commits with the notification's "done", or not at all.
// fn must write through tx only (not through the *sql.DB: such writes
// commit on their own, and one on a row tx holds waits on itself until the
// hold ends), must pass the ctx it is given to its statements (it ends at
// the claim's deadline, WithMaxHold), and must not commit or roll tx back.
func (in *Inbox) Func(fn func(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error) func(context.Context, *bankhub.IPN) error {
	return func(ctx context.Context, n *bankhub.IPN) error {
		tx, deadline, done, err := in.e.Use(ctx, bankhub.IPNDedupeKey(n.TransactionID))
		if err != nil {
			return err
		}
		defer done()
		ctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		return fn(ctx, tx, n)
	}
}

// EventFunc is Func for webhook events (NewWebhookHandler with WithDedupe).
func (in *Inbox) EventFunc(fn func(ctx context.Context, tx *sql.Tx, e *bankhub.Event) error) func(context.Context, *bankhub.Event) error {
	return func(ctx context.Context, e *bankhub.Event) error {
		tx, deadline, done, err := in.e.Use(ctx, bankhub.EventDedupeKey(e.XID))
		if err != nil {
			return err
		}
		defer done()
		ctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		return fn(ctx, tx, e)
	}
}

// Claim implements bankhub.DedupeStore. It opens the claim's transaction
// (waiting for a pooled connection no longer than ctx) and marks key done
// in it; the mark becomes visible only if the transaction commits
// (Complete). A key whose committed row is done is DedupeDone. A key that
// another transaction holds is waited for, under ctx: DedupeDone if it
// commits, acquired if it rolls back, and DedupeInProgress if ctx's
// deadline comes first or the database ends the wait (a lock timeout, a
// deadlock, a serialization failure). lease is not used: the database's
// lock lasts as long as the transaction (at most WithMaxHold).
func (in *Inbox) Claim(ctx context.Context, key, owner string, lease time.Duration) (bankhub.DedupeState, error) {
	return in.e.Claim(ctx, key, owner, lease)
}

// Renew implements bankhub.DedupeStore: a claim needs no renewal while its
// transaction is open. It reports whether it is.
func (in *Inbox) Renew(ctx context.Context, key, owner string, lease time.Duration) (bool, error) {
	return in.e.Renew(ctx, key, owner, lease)
}

// Complete implements bankhub.DedupeStore: it commits the claim's
// transaction, the function's writes and "done" together, waiting no
// longer than ctx. An error means the notification failed (the commit
// failed, or was cut off, or the claim was rolled back already), and it is
// recorded as such; a commit cut off that went through after all leaves the
// notification done, and its next delivery is acknowledged.
func (in *Inbox) Complete(ctx context.Context, key, owner string) error {
	return in.e.Complete(ctx, key, owner)
}

// Abort implements bankhub.TxDedupeStore: it rolls back the claim's
// transaction and records cause as the notification's last error.
func (in *Inbox) Abort(ctx context.Context, key, owner string, cause error) error {
	return in.e.Abort(ctx, key, owner, cause)
}

// Release implements bankhub.DedupeStore: it rolls back the claim's
// transaction. (The SDK calls Abort instead, with the failure's cause.)
func (in *Inbox) Release(ctx context.Context, key, owner string) error {
	return in.e.Release(ctx, key, owner)
}

// Failed lists the notifications whose last attempt failed and that no
// attempt has completed since (StateFailed), most recently failed first,
// at most limit of them (100 when limit <= 0): what operators look at when
// payments are pending.
func (in *Inbox) Failed(ctx context.Context, limit int) ([]Record, error) {
	return records(in.e.Failed(ctx, defaultLimit(limit)))
}

// Lookup returns the row of key (bankhub.IPNDedupeKey(transactionID), say),
// or an error matching ErrNotFound.
func (in *Inbox) Lookup(ctx context.Context, key string) (Record, error) {
	return record(in.e.Lookup(ctx, key))
}

// Prune deletes the done rows older than the retention (WithRetention) and
// returns how many it deleted. A row's age is the database's clock minus
// its updated_at, both the database's: a replica whose clock runs ahead
// cannot prune a row inside the reconciler's window. Failed rows are kept
// for operators. Run it daily, from any one replica.
func (in *Inbox) Prune(ctx context.Context) (int64, error) { return in.e.Prune(ctx) }

// Table is the inbox's table as New resolved it: schema.name.
func (in *Inbox) Table() string { return in.e.Table().String() }

// InProgress is the number of claims this process holds open right now:
// notifications being handled (their rows are not visible to others until
// they commit).
func (in *Inbox) InProgress() int { return in.e.InProgress() }
