// Package sqlinbox records which notifications were handled in the
// merchant's own SQL database, in the same transaction as the merchant's
// writes: both commit or neither does, so a payment is credited exactly once
// even when the process dies between its write and "done".
//
//	db, _ := sql.Open("pgx", os.Getenv("DATABASE_URL")) // or "sqlite"
//	inbox, err := sqlinbox.New(ctx, db, sqlinbox.Postgres)
//	fn := inbox.Func(func(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error {
//		if !n.TransferType.Incoming() {
//			return nil // a refund or a fee is not a payment
//		}
//		_, err := tx.ExecContext(ctx, `UPDATE orders SET paid = paid + $1 WHERE code = $2`, n.Amount, n.PaymentCode)
//		return err // nil: this write and "done" commit together
//	})
//	http.Handle("POST /bankhub/ipn", bankhub.NewIPNHandler(apiKey, fn, bankhub.WithDedupe(inbox)))
//	rec := bankhub.NewReconciler(client, fn, bankhub.WithReconcileDedupe(inbox))
//
// # How it works
//
// The inbox is a bankhub.TxDedupeStore. Claiming a notification opens a
// transaction and, in it, upserts the notification's row as done, unless a
// committed row already says done. The database's row lock (PostgreSQL) or
// write lock (SQLite) then holds the claim: a concurrent duplicate waits on
// it and sees the outcome, and a process that dies leaves nothing behind
// but a transaction the database rolls back. The merchant's function writes
// in that same transaction (the *sql.Tx that Func hands it); a nil return
// commits the writes and "done" together. An error, a panic, a failed
// commit, a claim held past WithMaxHold or a dead process rolls everything
// back, so the notification is processed again by its next delivery or the
// reconciler's next pass; the failure is recorded, with its error, for
// operators (Failed).
//
// # Databases
//
// PostgreSQL through pgx's database/sql driver (github.com/jackc/pgx/v5/stdlib,
// driver name "pgx"), and SQLite through modernc.org/sqlite (pure Go, driver
// name "sqlite"). SQLite has one writer at a time, so the inbox runs one
// claim at a time per *Inbox and the database file's lock orders processes;
// open it with a busy timeout (`_pragma=busy_timeout(5000)`) and WAL
// journaling so that the merchant's other writes wait instead of failing.
//
// The table (bankhub_inbox by default, WithTable) is created if missing, by
// versioned, idempotent migrations recorded in <table>_migrations; New
// refuses a table of another shape.
package sqlinbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bankhub-go/bankhub"
)

// Dialect is the SQL database the inbox writes to.
type Dialect int

// The databases the inbox supports.
const (
	// Postgres is PostgreSQL, through github.com/jackc/pgx/v5/stdlib.
	Postgres Dialect = iota + 1
	// SQLite is SQLite, through modernc.org/sqlite.
	SQLite
)

// String returns "postgres" or "sqlite".
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case SQLite:
		return "sqlite"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// Defaults of the inbox.
const (
	// DefaultTable is the inbox's table.
	DefaultTable = "bankhub_inbox"
	// DefaultMaxHold is the longest a claim's transaction stays open.
	DefaultMaxHold = time.Minute
	// DefaultRetention is how long Prune keeps a done row.
	DefaultRetention = 7 * 24 * time.Hour
	// MinRetention is the shortest retention Prune accepts: the
	// Reconciler's default window (24 hours) and an hour. A done row pruned
	// inside the reconciler's window would be handed to the function again.
	MinRetention = 25 * time.Hour
)

// ErrNoClaim is returned by the function Func makes when it runs without
// the inbox's claim: the inbox was not given to the handler (WithDedupe) or
// the Reconciler (WithReconcileDedupe), or the claim's transaction was
// already rolled back (WithMaxHold). The notification is not marked done.
var ErrNoClaim = errors.New("sqlinbox: the function runs without the inbox's transaction; give the inbox to bankhub.WithDedupe and bankhub.WithReconcileDedupe")

// Option configures New.
type Option func(*Inbox)

// WithTable sets the inbox's table (DefaultTable): a plain SQL identifier,
// letters, digits and underscores, or schema.identifier to pin its schema.
// Without a schema, New resolves it once, from the search_path on
// PostgreSQL (the schema that already holds the table, or else the first
// one tables are created in; a name found in two schemas is refused), and
// the inbox uses the qualified name from then on. Its migrations are
// recorded in <name>_migrations beside it.
func WithTable(name string) Option { return func(in *Inbox) { in.tableOpt = name } }

// WithMaxHold sets the longest a claim's transaction stays open
// (DefaultMaxHold; d <= 0 keeps it): past it the transaction is rolled back
// whatever the function does, so a function that hangs cannot hold a
// connection and a lock for ever. Keep it above the function's longest run.
func WithMaxHold(d time.Duration) Option {
	return func(in *Inbox) {
		if d > 0 {
			in.maxHold = d
		}
	}
}

// WithRetention sets how long Prune keeps a done row (DefaultRetention;
// d <= 0 keeps it). New refuses less than MinRetention; keep it above the
// Reconciler's window (WithReconcileWindow) too.
func WithRetention(d time.Duration) Option {
	return func(in *Inbox) {
		if d > 0 {
			in.retention = d
		}
	}
}

// Inbox is an exactly-once intake of notifications in the merchant's SQL
// database. It implements bankhub.TxDedupeStore; create it with New and use
// one per database and table. Its methods are safe for concurrent use.
type Inbox struct {
	db        *sql.DB
	dialect   Dialect
	tableOpt  string    // as given to WithTable
	table     tableName // resolved in New
	maxHold   time.Duration
	retention time.Duration
	q         queries
	// busyTimeout is the SQLite connections' busy timeout, set only for a
	// driver that does not interrupt a statement at its context's end.
	busyTimeout time.Duration
	// holdMillis is the hold as PostgreSQL's statement_timeout: "60000ms".
	holdMillis string
	writer     chan struct{} // SQLite: one claim at a time
	// claimStmt is the claim prepared once (SQLite: its driver would parse
	// it on every claim; pgx caches prepared statements by itself).
	claimStmt *sql.Stmt

	mu     sync.Mutex
	claims map[string]*claim // by owner
}

// claim is one open claim: its connection and transaction, released once.
type claim struct {
	key      string
	conn     *sql.Conn
	tx       *sql.Tx
	deadline time.Time          // the end of the hold: the function's deadline
	cancel   context.CancelFunc // ends the transaction's context
	timer    *time.Timer        // ends it past WithMaxHold
	release  sync.Once
}

// New returns an inbox on db, creating or migrating its table. It fails if
// the database cannot be reached, or if the table exists with another shape
// (or was migrated by a newer sqlinbox), and says which.
func New(ctx context.Context, db *sql.DB, dialect Dialect, opts ...Option) (*Inbox, error) {
	in := &Inbox{db: db, dialect: dialect, tableOpt: DefaultTable, maxHold: DefaultMaxHold, retention: DefaultRetention,
		claims: map[string]*claim{}}
	for _, opt := range opts {
		if opt != nil {
			opt(in)
		}
	}
	switch {
	case db == nil:
		return nil, errors.New("sqlinbox: New: nil *sql.DB")
	case dialect != Postgres && dialect != SQLite:
		return nil, fmt.Errorf("sqlinbox: New: unknown dialect %v (sqlinbox.Postgres or sqlinbox.SQLite)", dialect)
	case in.retention < MinRetention:
		return nil, fmt.Errorf("sqlinbox: New: retention %v is shorter than %v: done rows would be pruned inside the reconciler's window", in.retention, MinRetention)
	}
	if dialect == SQLite {
		in.writer = make(chan struct{}, 1)
	}
	table, err := parseTableName(in.tableOpt)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlinbox: cannot reach the %v database: %w", dialect, err)
	}
	if dialect == SQLite {
		if err := checkSQLiteVersion(ctx, db); err != nil {
			return nil, err
		}
	}
	if in.table, err = table.resolve(ctx, db, dialect); err != nil {
		return nil, err
	}
	in.q = newQueries(dialect, in.table)
	in.holdMillis = strconv.FormatInt(in.maxHold.Milliseconds(), 10) + "ms"
	if err := in.migrate(ctx); err != nil {
		return nil, err
	}
	if err := in.probeWrite(ctx); err != nil {
		return nil, err
	}
	if dialect == SQLite && !sqliteInterrupts(db) {
		var ms int64
		if err := db.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&ms); err != nil {
			return nil, fmt.Errorf("sqlinbox: reading SQLite's busy timeout: %w", err)
		}
		in.busyTimeout = time.Duration(ms) * time.Millisecond
	}
	if dialect == SQLite {
		if in.claimStmt, err = db.PrepareContext(ctx, in.q.claim); err != nil {
			return nil, fmt.Errorf("sqlinbox: preparing the claim: %w", err)
		}
	}
	return in, nil
}

// Func returns fn as the function to give NewIPNHandler and NewReconciler:
// it runs fn inside the transaction of the inbox's claim, so that what fn
// writes with tx commits with the notification's "done", or not at all.
// fn must write through tx only (not through the *sql.DB: such writes
// commit on their own) and must not commit or roll tx back.
func (in *Inbox) Func(fn func(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error) func(context.Context, *bankhub.IPN) error {
	return func(ctx context.Context, n *bankhub.IPN) error {
		c, err := in.claimFor(ctx, bankhub.IPNDedupeKey(n.TransactionID))
		if err != nil {
			return err
		}
		ctx, cancel := context.WithDeadline(ctx, c.deadline)
		defer cancel()
		return fn(ctx, c.tx, n)
	}
}

// EventFunc is Func for webhook events (NewWebhookHandler with WithDedupe).
func (in *Inbox) EventFunc(fn func(ctx context.Context, tx *sql.Tx, e *bankhub.Event) error) func(context.Context, *bankhub.Event) error {
	return func(ctx context.Context, e *bankhub.Event) error {
		c, err := in.claimFor(ctx, bankhub.EventDedupeKey(e.XID))
		if err != nil {
			return err
		}
		ctx, cancel := context.WithDeadline(ctx, c.deadline)
		defer cancel()
		return fn(ctx, c.tx, e)
	}
}

// claimFor returns the claim that ctx carries, if it is this inbox's claim
// of key.
func (in *Inbox) claimFor(ctx context.Context, key string) (*claim, error) {
	k, owner, ok := bankhub.ClaimFromContext(ctx)
	if !ok || k != key {
		return nil, ErrNoClaim
	}
	in.mu.Lock()
	c := in.claims[owner]
	in.mu.Unlock()
	if c == nil || c.key != key {
		return nil, ErrNoClaim
	}
	return c, nil
}

// Claim implements bankhub.DedupeStore. It opens the claim's transaction
// and marks key done in it; the mark becomes visible only if the
// transaction commits (Complete). A key whose committed row is done is
// DedupeDone. A key that another transaction holds is waited for, under
// ctx: DedupeDone if it commits, acquired if it rolls back, and
// DedupeInProgress if ctx's deadline comes first. lease is not used: the
// database's lock lasts as long as the transaction (at most WithMaxHold).
func (in *Inbox) Claim(ctx context.Context, key, owner string, _ time.Duration) (bankhub.DedupeState, error) {
	if in.writer != nil {
		select {
		case in.writer <- struct{}{}:
		case <-ctx.Done():
			return waited(ctx)
		}
	}
	c := &claim{key: key}
	// The wait for a pooled connection is the claim's, bounded by ctx: an
	// exhausted pool answers within the store timeout, not never.
	conn, err := in.db.Conn(ctx)
	if err != nil {
		in.free(c)
		if ctx.Err() != nil {
			return 0, fmt.Errorf("sqlinbox: claim: no database connection came free in time (%w): the pool is exhausted (SetMaxOpenConns?) or the database does not answer", ctx.Err())
		}
		return 0, fmt.Errorf("sqlinbox: claim: %w", err)
	}
	c.conn = conn
	// The transaction lives until Complete or Abort, not the claim call,
	// and never past the claim's deadline (WithMaxHold): the function's
	// context ends then, and a timer rolls the transaction back. Its own
	// context is ended only to cut off a commit that overran (commit).
	c.deadline = time.Now().Add(in.maxHold)
	var life context.Context
	life, c.cancel = context.WithCancel(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(life, nil)
	if err != nil {
		in.free(c)
		return 0, fmt.Errorf("sqlinbox: claim: %w", err)
	}
	c.tx = tx
	// The claim's wait for another holder (a row lock, or another
	// process's SQLite write lock) ends with ctx. A SQLite driver that does
	// not interrupt a statement when its context ends (mattn/go-sqlite3)
	// waits its busy timeout instead: that is cut to the claim's time for
	// the claim's statement.
	var res sql.Result
	if in.busyTimeout > 0 {
		err = in.sqliteBusyTimeout(ctx, tx, time.Until(deadlineOf(ctx)))
	}
	if err == nil {
		if in.claimStmt != nil {
			res, err = tx.StmtContext(ctx, in.claimStmt).ExecContext(ctx, key)
		} else {
			res, err = tx.ExecContext(ctx, in.q.claim, key, in.holdMillis)
		}
	}
	if in.busyTimeout > 0 && err == nil {
		err = in.sqliteBusyTimeout(ctx, tx, in.busyTimeout)
	}
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil || n == 0 {
		tx.Rollback()
		in.free(c)
		switch {
		case err == nil:
			return bankhub.DedupeDone, nil
		case ctx.Err() != nil:
			return waited(ctx) // blocked on another holder's lock
		case databaseEndedWait(err):
			// The database ended the wait for the holder's lock itself
			// (lock_timeout, statement_timeout, a deadlock, or a
			// serialization failure once the holder committed under
			// repeatable read): the key is in progress or done, never a
			// failure. The runner asks again.
			return bankhub.DedupeInProgress, nil
		}
		return 0, fmt.Errorf("sqlinbox: claim: %w", readOnlyHint(err))
	}
	in.mu.Lock()
	in.claims[owner] = c
	in.mu.Unlock()
	c.timer = time.AfterFunc(time.Until(c.deadline), func() { in.expire(owner, c) })
	return bankhub.DedupeAcquired, nil
}

// sqliteBusyTimeout sets the busy timeout of the claim's connection (a
// setting of the connection, not of the transaction).
func (in *Inbox) sqliteBusyTimeout(ctx context.Context, tx *sql.Tx, d time.Duration) error {
	_, err := tx.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.FormatInt(max(d.Milliseconds(), 1), 10))
	return err
}

// deadlineOf is ctx's deadline, or a store timeout from now.
func deadlineOf(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(bankhub.DefaultDedupeTimeout)
}

// sqliteInterrupts reports whether db's driver ends a statement when its
// context ends: modernc.org/sqlite does (sqlite3_interrupt, even in a busy
// wait); mattn/go-sqlite3 waits out its busy timeout.
func sqliteInterrupts(db *sql.DB) bool {
	t := reflect.TypeOf(db.Driver())
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath() == "modernc.org/sqlite"
}

// databaseEndedWait reports whether err is the database ending a wait for
// another transaction's lock: PostgreSQL's serialization failure (40001),
// deadlock (40P01), lock_timeout (55P03) or statement_timeout (57014);
// SQLite's busy or locked. The drivers' errors are read through the
// methods they share, so that no driver is imported.
func databaseEndedWait(err error) bool {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		switch pg.SQLState() {
		case "40001", "40P01", "55P03", "57014":
			return true
		}
		return false
	}
	var lite interface{ Code() int } // modernc.org/sqlite
	if errors.As(err, &lite) {
		code := lite.Code() & 0xff
		return code == 5 || code == 6 // SQLITE_BUSY, SQLITE_LOCKED
	}
	msg := err.Error() // mattn/go-sqlite3's errors have no method for it
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "database table is locked")
}

// waited is the answer of a claim whose wait for the holder ended with ctx.
func waited(ctx context.Context) (bankhub.DedupeState, error) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return bankhub.DedupeInProgress, nil
	}
	return 0, ctx.Err()
}

// Renew implements bankhub.DedupeStore: a claim needs no renewal while its
// transaction is open. It reports whether it is.
func (in *Inbox) Renew(_ context.Context, _, owner string, _ time.Duration) (bool, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.claims[owner] != nil, nil
}

// Complete implements bankhub.DedupeStore: it commits the claim's
// transaction, the function's writes and "done" together. An error means
// nothing was written (the commit failed, or the claim was rolled back
// already): the notification failed, and it is recorded as such.
func (in *Inbox) Complete(ctx context.Context, key, owner string) error {
	c := in.take(owner, key)
	if c == nil {
		err := fmt.Errorf("sqlinbox: %s: the claim's transaction was already rolled back (held past %v?)", quote(key), in.maxHold)
		in.recordFailure(ctx, key, err)
		return err
	}
	return in.commit(ctx, key, c)
}

// commit commits c's transaction, waiting for it no longer than ctx (the
// store timeout): a commit still running then (a deferred trigger waiting
// on a lock, a database that stopped answering) is cut off, its context
// ended, which interrupts the drivers that honour it (pgx), and counts as
// failed. If it committed after all, the notification is done and its next
// delivery is acknowledged; if not, it is processed again. Either way
// nothing is counted twice.
func (in *Inbox) commit(ctx context.Context, key string, c *claim) error {
	done := make(chan error, 1)
	go func() { done <- c.tx.Commit() }()
	select {
	case err := <-done:
		in.free(c)
		if err != nil {
			err = fmt.Errorf("sqlinbox: commit: %w", err)
			in.recordFailure(ctx, key, err)
		}
		return err
	case <-ctx.Done():
	}
	c.cancel()
	go func() { // the row is the commit's until it ends: record then
		err := <-done
		in.free(c)
		if err != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bankhub.DefaultDedupeTimeout)
			in.recordFailure(rctx, key, fmt.Errorf("sqlinbox: commit cut off: %w", err))
			cancel()
		}
	}()
	return fmt.Errorf("sqlinbox: %s: the commit did not finish in time (%w): cut off, it counts as failed", quote(key), ctx.Err())
}

// Abort implements bankhub.TxDedupeStore: it rolls back the claim's
// transaction and records cause as the notification's last error.
func (in *Inbox) Abort(ctx context.Context, key, owner string, cause error) error {
	if c := in.take(owner, key); c != nil {
		c.tx.Rollback()
		in.free(c)
	}
	if cause != nil {
		return in.recordFailure(ctx, key, cause)
	}
	return nil
}

// Release implements bankhub.DedupeStore: it rolls back the claim's
// transaction. (The SDK calls Abort instead, with the failure's cause.)
func (in *Inbox) Release(ctx context.Context, key, owner string) error {
	return in.Abort(ctx, key, owner, nil)
}

// take removes owner's claim of key from the open claims.
func (in *Inbox) take(owner, key string) *claim {
	in.mu.Lock()
	defer in.mu.Unlock()
	c := in.claims[owner]
	if c == nil || c.key != key {
		return nil
	}
	delete(in.claims, owner)
	return c
}

// expire rolls back a claim held past WithMaxHold, unless Complete or Abort
// took it first.
func (in *Inbox) expire(owner string, c *claim) {
	in.mu.Lock()
	held := in.claims[owner] == c
	if held {
		delete(in.claims, owner)
	}
	in.mu.Unlock()
	if held {
		c.tx.Rollback() // waits for a statement in flight, if any
		in.free(c)
	}
}

// free stops a claim's timer, returns its connection to the pool (its
// transaction is over by then) and lets the next SQLite claim in, once.
func (in *Inbox) free(c *claim) {
	c.release.Do(func() {
		if c.timer != nil {
			c.timer.Stop()
		}
		if c.cancel != nil {
			c.cancel()
		}
		if c.conn != nil {
			c.conn.Close()
		}
		if in.writer != nil {
			<-in.writer
		}
	})
}

// maxErrorText bounds the last error kept per row.
const maxErrorText = 500

// recordFailure notes a failed attempt of key, unless a committed attempt
// made it done meanwhile. It is a record for operators: if it fails, the
// notification is processed again all the same.
func (in *Inbox) recordFailure(ctx context.Context, key string, cause error) error {
	if in.writer != nil {
		select {
		case in.writer <- struct{}{}:
			defer func() { <-in.writer }()
		case <-ctx.Done():
			return fmt.Errorf("sqlinbox: recording a failure: %w", ctx.Err())
		}
	}
	if _, err := in.db.ExecContext(ctx, in.q.fail, key, truncate(cause.Error(), maxErrorText)); err != nil {
		return fmt.Errorf("sqlinbox: recording a failure: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// quote writes a key for an error string: keys come from notifications,
// which strangers can send.
func quote(s string) string { return strconv.Quote(truncate(s, 100)) }

// queries holds the inbox's SQL, written for its dialect and table.
type queries struct {
	claim, fail, failed, lookup, prune string
}

func newQueries(d Dialect, t tableName) queries {
	table := t.sql()
	now := "now()"
	if d == SQLite {
		now = sqliteNowMillis
	}
	q := queries{
		claim: `INSERT INTO ` + table + ` (key, state, attempts, last_error, created_at, updated_at)
VALUES ($1, 'done', 1, '', ` + now + `, ` + now + `)
ON CONFLICT (key) DO UPDATE SET state = 'done', attempts = ` + table + `.attempts + 1, last_error = '', updated_at = ` + now + `
WHERE ` + table + `.state <> 'done'`,
		fail: `INSERT INTO ` + table + ` (key, state, attempts, last_error, created_at, updated_at)
VALUES ($1, 'failed', 1, $2, ` + now + `, ` + now + `)
ON CONFLICT (key) DO UPDATE SET state = 'failed', attempts = ` + table + `.attempts + 1, last_error = $2, updated_at = ` + now + `
WHERE ` + table + `.state <> 'done'`,
		failed: `SELECT key, state, attempts, last_error, created_at, updated_at FROM ` + table + `
WHERE state = 'failed' ORDER BY updated_at DESC, key LIMIT $1`,
		lookup: `SELECT key, state, attempts, last_error, created_at, updated_at FROM ` + table + ` WHERE key = $1`,
		// The cutoff is the database's clock minus the retention: the clock
		// that wrote updated_at, not the replica's, which may run ahead.
		prune: `DELETE FROM ` + table + ` WHERE state = 'done' AND updated_at < ` + now + ` - $1::bigint * interval '1 microsecond'`,
	}
	if d == Postgres {
		// The claim also bounds, on the server, every later statement of
		// its transaction by the hold ($2): a statement of the function
		// waiting on a lock is cancelled there, not only abandoned by the
		// client (pgx closes its connection and the server's session goes
		// on holding the inbox's row). A shorter statement_timeout of the
		// merchant's is kept.
		q.claim = `INSERT INTO ` + table + ` (key, state, attempts, last_error, created_at, updated_at)
SELECT $1, 'done', 1, '', now(), now()
FROM (SELECT set_config('statement_timeout', CASE
	WHEN current_setting('statement_timeout')::interval = interval '0'
		OR current_setting('statement_timeout')::interval > ($2::text)::interval THEN $2::text
	ELSE current_setting('statement_timeout') END, true)) AS hold
ON CONFLICT (key) DO UPDATE SET state = 'done', attempts = ` + table + `.attempts + 1, last_error = '', updated_at = now()
WHERE ` + table + `.state <> 'done'`
	}
	if d == SQLite {
		q.prune = `DELETE FROM ` + table + ` WHERE state = 'done' AND updated_at < ` + now + ` - $1`
		for _, s := range []*string{&q.claim, &q.fail, &q.failed, &q.lookup, &q.prune} {
			*s = sqliteParams.Replace(*s)
		}
	}
	return q
}

// sqliteNowMillis is the time in Unix milliseconds in SQLite's SQL, in a
// form every SQLite since 3.0 knows (unixepoch('subsec') needs 3.42, newer
// than what many drivers bundle: mattn/go-sqlite3 v1.14.16 has 3.39.4).
const sqliteNowMillis = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)"

// minSQLite is the oldest SQLite the inbox runs on: the first with
// INSERT … ON CONFLICT DO UPDATE (3.24.0, 2018).
var minSQLite = [3]int{3, 24, 0}

// checkSQLiteVersion refuses a SQLite older than minSQLite, in New rather
// than at the first payment.
func checkSQLiteVersion(ctx context.Context, db *sql.DB) error {
	var v string
	if err := db.QueryRowContext(ctx, `SELECT sqlite_version()`).Scan(&v); err != nil {
		return fmt.Errorf("sqlinbox: reading the SQLite version: %w", err)
	}
	var have [3]int
	for i, part := range strings.SplitN(v, ".", 3) {
		have[i], _ = strconv.Atoi(part)
	}
	for i := range have {
		if have[i] != minSQLite[i] {
			if have[i] < minSQLite[i] {
				return fmt.Errorf("sqlinbox: SQLite %s is older than %d.%d.%d, the first with INSERT … ON CONFLICT DO UPDATE: upgrade the driver", v, minSQLite[0], minSQLite[1], minSQLite[2])
			}
			break
		}
	}
	return nil
}

// sqliteParams writes $N as ?N, SQLite's numbered parameter.
var sqliteParams = strings.NewReplacer("$1", "?1", "$2", "?2")
