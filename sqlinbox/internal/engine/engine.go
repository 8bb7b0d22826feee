// Package engine is sqlinbox's database layer: the claim, its transaction
// and its bounds, the failures kept for operators, and the migrations, over
// a Dialect (one database, its SQL in sql/<name>/) and a DB (database/sql or
// pgx). The sqlinbox and pgxinbox packages are its two faces.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bankhub-go/bankhub"
)

// Config is what the options set.
type Config struct {
	Table     string
	MaxHold   time.Duration
	Retention time.Duration
}

// Defaults of the inbox.
const (
	DefaultTable     = "bankhub_inbox"
	DefaultMaxHold   = time.Minute
	DefaultRetention = 7 * 24 * time.Hour
	// MinRetention: the Reconciler's default window (24 hours) and an hour.
	MinRetention = 25 * time.Hour
	// MaxKey is the longest key the inbox stores, in bytes (MySQL's key
	// column is VARBINARY(512)). A longer one is refused, never cut: two
	// keys cut alike would be one notification.
	MaxKey = 512
)

// DefaultConfig is the configuration before options.
func DefaultConfig() Config {
	return Config{Table: DefaultTable, MaxHold: DefaultMaxHold, Retention: DefaultRetention}
}

// Errors, re-exported by sqlinbox.
var (
	ErrNoClaim = errors.New("sqlinbox: the function runs without the inbox's transaction; " +
		"give the inbox to bankhub.WithDedupe and bankhub.WithReconcileDedupe")
	ErrNotFound = errors.New("sqlinbox: no such notification")
	ErrReadOnly = errors.New("sqlinbox: the database is read-only (a replica, or default_transaction_read_only = on?): the inbox must write to it")
)

// Engine is one inbox: a table in one database.
type Engine[TX any] struct {
	db    DB[TX]
	d     Dialect
	table TableName
	q     Queries
	cfg   Config
	// writer lets one claim at a time in, where the database has one
	// writer (SQLite).
	writer chan struct{}
	// hold is the claim's bound on its transaction's statements on the
	// server (PostgreSQL), as the dialect's serverHold found it.
	hold time.Duration
	// busyTimeout is set for a SQLite driver that does not end a statement
	// at its context's end: the connections' busy timeout, which the
	// claim's statement runs with cut to the claim's time.
	busyTimeout time.Duration

	mu     sync.Mutex
	claims map[string]*claim[TX] // by owner
}

// claim is one open claim: its transaction, released once.
type claim[TX any] struct {
	key string
	tx  Tx[TX]
	// users counts the calls of the merchant's function running in tx
	// (Use); endOnReturn asks the last of them to roll tx back when it
	// returns (end). Both under the engine's mutex.
	users       int
	endOnReturn bool
	deadline    time.Time          // the end of the hold: the function's deadline too
	cancel      context.CancelFunc // ends the transaction's own context
	timer       *time.Timer        // rolls back at the deadline
	release     sync.Once
}

// New checks the database behind db, resolves and migrates the table, and
// probes that claims can be made.
func New[TX any](ctx context.Context, db DB[TX], d Dialect, cfg Config) (*Engine[TX], error) {
	switch {
	case cfg.Retention < MinRetention:
		return nil, fmt.Errorf("sqlinbox: New: retention %v is shorter than %v: done rows would be pruned inside the reconciler's window", cfg.Retention, MinRetention)
	case cfg.MaxHold <= 0:
		return nil, errors.New("sqlinbox: New: the hold must be above zero")
	}
	table, err := ParseTableName(cfg.Table)
	if err != nil {
		return nil, err
	}
	e := &Engine[TX]{db: db, d: d, cfg: cfg, claims: map[string]*claim[TX]{}}
	if d.singleWriter() {
		e.writer = make(chan struct{}, 1)
	}
	version, err := identify(ctx, db, d)
	if err != nil {
		return nil, err
	}
	if err := d.check(ctx, db, version); err != nil {
		return nil, err
	}
	if e.table, err = d.resolve(ctx, db, table); err != nil {
		return nil, err
	}
	e.q = queries(d, e.table)
	if e.hold, err = d.serverHold(ctx, db, cfg.MaxHold); err != nil {
		return nil, err
	}
	if err := e.migrate(ctx); err != nil {
		return nil, err
	}
	if err := e.probe(ctx); err != nil {
		return nil, err
	}
	if d.singleWriter() {
		if !db.Interrupts() {
			var ms int64
			if err := db.QueryRow(ctx, `PRAGMA busy_timeout`).Scan(&ms); err != nil {
				return nil, fmt.Errorf("sqlinbox: reading SQLite's busy timeout: %w", err)
			}
			e.busyTimeout = time.Duration(ms) * time.Millisecond
		}
	}
	// Prepared once (per connection), where the driver would otherwise
	// parse the claim on every payment: SQLite's drivers, and MySQL's,
	// which without it prepares, executes and closes each statement (two
	// round trips). pgx caches statements itself (and one prepared here
	// would not survive a pooler in transaction mode).
	if err := db.Prepare(ctx, e.q.Claim); err != nil {
		return nil, fmt.Errorf("sqlinbox: preparing the claim: %w", e.explain(err))
	}
	return e, nil
}

// dialects are the databases, for naming the one a DB reaches.
var dialects = []Dialect{Postgres, MySQL, SQLite}

// identify checks that db reaches d's database before anything is
// written: a MySQL given as PostgreSQL is named as such, and no stray table
// is left behind (MySQL commits DDL by itself).
func identify[TX any](ctx context.Context, db DB[TX], d Dialect) (string, error) {
	version, err := d.identify(ctx, db)
	if err == nil {
		return version, nil
	}
	if d.classify(err) == classPooler {
		return "", poolerError(err)
	}
	var one int
	if ctx.Err() != nil || db.QueryRow(ctx, `SELECT 1`).Scan(&one) != nil {
		return "", fmt.Errorf("sqlinbox: cannot reach the %s database: %w", d.Name(), err)
	}
	for _, other := range dialects {
		if other == d {
			continue
		}
		if v, oerr := other.identify(ctx, db); oerr == nil {
			name := other.Name()
			if other == MySQL && strings.Contains(v, "MariaDB") {
				name = "MariaDB"
			}
			return "", fmt.Errorf("sqlinbox: New: the database is %s %s, not %s: use sqlinbox.%s", name, v, d.Name(), constName(other))
		}
	}
	return "", fmt.Errorf("sqlinbox: cannot reach the %s database: %w", d.Name(), err)
}

func constName(d Dialect) string {
	switch d {
	case Postgres:
		return "Postgres"
	case SQLite:
		return "SQLite"
	}
	return "MySQL"
}

// Table is the resolved table.
func (e *Engine[TX]) Table() TableName { return e.table }

// Dialect is the engine's database.
func (e *Engine[TX]) Dialect() Dialect { return e.d }

// InProgress is the number of claims this process holds open.
func (e *Engine[TX]) InProgress() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.claims)
}

// Use returns the transaction and deadline of the claim that ctx carries,
// if it is this inbox's claim of key, for the merchant's function to write
// in; the function calls done when it returns.
func (e *Engine[TX]) Use(ctx context.Context, key string) (tx TX, deadline time.Time, done func(), err error) {
	k, owner, ok := bankhub.ClaimFromContext(ctx)
	if !ok || k != key {
		return tx, deadline, nil, ErrNoClaim
	}
	e.mu.Lock()
	c := e.claims[owner]
	if c != nil && c.key == key {
		c.users++
	}
	e.mu.Unlock()
	if c == nil || c.key != key {
		return tx, deadline, nil, ErrNoClaim
	}
	return c.tx.Value(), c.deadline, func() { e.done(c) }, nil
}

// done is the end of a call of the function in c's transaction: the last
// one to return rolls back a claim that ended meanwhile (end).
func (e *Engine[TX]) done(c *claim[TX]) {
	e.mu.Lock()
	c.users--
	now := c.users == 0 && c.endOnReturn
	if now {
		c.endOnReturn = false
	}
	e.mu.Unlock()
	if now {
		c.tx.Rollback()
		e.free(c)
	}
}

// end rolls back a claim taken from the open ones. Where the function still
// runs in its transaction (its deadline passed, the Reconciler abandoned it)
// and the transaction is not safe for concurrent use (pgx's), the rollback
// waits for the function to return, and the connection is interrupted
// meanwhile (pgx: its socket closed, so the server ends the session and
// rolls back, releasing the locks at once, even if the function never
// returns). database/sql's rollback is safe at once: it waits for a
// statement in flight itself, and that statement ends at the function's
// deadline.
func (e *Engine[TX]) end(c *claim[TX]) {
	e.mu.Lock()
	later := c.users > 0 && !c.tx.Concurrent()
	if later {
		c.endOnReturn = true
		c.tx.Interrupt() // under the lock: before the last user's rollback (done)
	}
	e.mu.Unlock()
	if later {
		return
	}
	c.tx.Rollback()
	e.free(c)
}

// Claim implements bankhub.DedupeStore: it opens the claim's transaction
// and marks key done in it; the mark becomes visible only if the
// transaction commits (Complete). A key whose committed row is done is
// DedupeDone. A key another transaction holds is waited for under ctx:
// done if it commits, acquired if it rolls back, in progress if ctx's
// deadline comes first or the database ends the wait.
func (e *Engine[TX]) Claim(ctx context.Context, key, owner string, _ time.Duration) (bankhub.DedupeState, error) {
	if len(key) > MaxKey {
		return 0, fmt.Errorf("sqlinbox: claim: key %s is longer than %d bytes", quote(key), MaxKey)
	}
	if e.writer != nil {
		select {
		case e.writer <- struct{}{}:
		case <-ctx.Done():
			return waited(ctx)
		}
	}
	c := &claim[TX]{key: key, deadline: time.Now().Add(e.cfg.MaxHold)}
	// The wait for a pooled connection is the claim's, under ctx; the
	// transaction then lives until Complete or Abort, never past the
	// deadline, on a context of its own.
	var life context.Context
	life, c.cancel = context.WithCancel(context.WithoutCancel(ctx)) // called by free, once
	tx, err := e.db.Begin(ctx, life)
	if err != nil {
		e.free(c)
		if ctx.Err() != nil {
			return 0, fmt.Errorf("sqlinbox: claim: no database connection came free in time (%w): the pool is exhausted (SetMaxOpenConns?) or the database does not answer", ctx.Err())
		}
		return 0, fmt.Errorf("sqlinbox: claim: %w", e.explain(err))
	}
	c.tx = tx
	n, err := e.claimIn(ctx, tx, key)
	if err != nil || !e.d.acquired(n) {
		tx.Rollback()
		e.free(c)
		switch {
		case err == nil:
			return bankhub.DedupeDone, nil
		case ctx.Err() != nil:
			return waited(ctx) // blocked on another holder's lock
		case e.d.classify(err) == classBusy:
			// The database ended the wait for the holder's lock itself:
			// the key is in progress (or done by now), never failed. The
			// runner asks again.
			return bankhub.DedupeInProgress, nil
		}
		return 0, fmt.Errorf("sqlinbox: claim: %w", e.explain(err))
	}
	e.mu.Lock()
	e.claims[owner] = c
	e.mu.Unlock()
	c.timer = time.AfterFunc(time.Until(c.deadline), func() { e.expire(owner, c) })
	return bankhub.DedupeAcquired, nil
}

// claimIn runs the claim's statement in tx. Where the driver does not end
// a statement at its context's end (mattn/go-sqlite3), the connection's
// busy timeout is cut to the claim's time for it, and restored.
func (e *Engine[TX]) claimIn(ctx context.Context, tx Tx[TX], key string) (n int64, err error) {
	if e.busyTimeout > 0 {
		left := e.busyTimeout
		if d, ok := ctx.Deadline(); ok {
			left = min(left, time.Until(d))
		}
		if _, err := tx.Exec(ctx, "PRAGMA busy_timeout = "+strconv.FormatInt(max(left.Milliseconds(), 1), 10)); err != nil {
			return 0, err
		}
		defer func() {
			// Restored whatever became of the claim: the merchant's
			// statements on this connection keep their busy timeout.
			_, rerr := tx.Exec(context.WithoutCancel(ctx), "PRAGMA busy_timeout = "+strconv.FormatInt(e.busyTimeout.Milliseconds(), 10))
			if err == nil {
				err = rerr
			}
		}()
	}
	return tx.Exec(ctx, e.q.Claim, e.d.claimArgs(key, e.hold)...)
}

// waited is the answer of a claim whose wait for the holder ended with ctx.
func waited(ctx context.Context) (bankhub.DedupeState, error) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return bankhub.DedupeInProgress, nil
	}
	return 0, ctx.Err()
}

// explain adds what an error of the database means for the inbox.
func (e *Engine[TX]) explain(err error) error {
	switch e.d.classify(err) {
	case classReadOnly:
		return fmt.Errorf("%w: %w", ErrReadOnly, err)
	case classPooler:
		return poolerError(err)
	}
	return err
}

// Renew implements bankhub.DedupeStore: a claim needs no renewal while its
// transaction is open. It reports whether it is.
func (e *Engine[TX]) Renew(_ context.Context, _, owner string, _ time.Duration) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.claims[owner] != nil, nil
}

// Complete implements bankhub.DedupeStore: it commits the claim's
// transaction, the function's writes and "done" together. An error means
// the notification failed, and it is recorded as such.
func (e *Engine[TX]) Complete(ctx context.Context, key, owner string) error {
	c := e.take(owner, key)
	if c == nil {
		err := fmt.Errorf("sqlinbox: %s: the claim's transaction was already rolled back (held past %v?)", quote(key), e.cfg.MaxHold)
		e.recordFailure(ctx, key, err)
		return err
	}
	e.mu.Lock()
	inUse := c.users > 0
	e.mu.Unlock()
	if inUse { // the function returned, but something of its goes on writing in tx
		e.end(c)
		err := fmt.Errorf("sqlinbox: %s: the function's transaction is still in use after it returned: not committed", quote(key))
		e.recordFailure(ctx, key, err)
		return err
	}
	return e.commit(ctx, key, c)
}

// commit commits c's transaction, waiting for it no longer than ctx (the
// store timeout): a commit still running then (a deferred trigger waiting
// on a lock, a database that stopped answering) is cut off, its context
// ended, which interrupts the drivers that honour it (pgx), and counts as
// failed. If it committed after all, the notification is done and its next
// delivery is acknowledged; if not, it is processed again. Either way
// nothing is counted twice.
func (e *Engine[TX]) commit(ctx context.Context, key string, c *claim[TX]) error {
	if e.db.CommitInterrupts() || e.d.singleWriter() {
		// The commit ends when its context does (pgx), or is local to
		// this process (SQLite, whose commit in a goroutine of its own
		// would grow a fresh stack every time): it runs here, cut off at
		// ctx's end where the driver honours that.
		stop := context.AfterFunc(ctx, c.cancel)
		err := c.tx.Commit()
		cut := !stop()
		e.free(c)
		switch {
		case err != nil && cut:
			err = fmt.Errorf("sqlinbox: %s: the commit did not finish in time (%w): cut off, it counts as failed: %w", quote(key), ctx.Err(), err)
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bankhub.DefaultDedupeTimeout)
			e.recordFailure(rctx, key, fmt.Errorf("sqlinbox: commit cut off: %w", err))
			cancel()
		case err != nil:
			err = fmt.Errorf("sqlinbox: commit: %w", e.explain(err))
			e.recordFailure(ctx, key, err)
		}
		return err
	}
	done := make(chan error, 1)
	go func() { done <- c.tx.Commit() }()
	select {
	case err := <-done:
		e.free(c)
		if err != nil {
			err = fmt.Errorf("sqlinbox: commit: %w", e.explain(err))
			e.recordFailure(ctx, key, err)
		}
		return err
	case <-ctx.Done():
	}
	c.cancel()
	go func() { // the row is the commit's until it ends: record then
		err := <-done
		e.free(c)
		if err != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bankhub.DefaultDedupeTimeout)
			e.recordFailure(rctx, key, fmt.Errorf("sqlinbox: commit cut off: %w", err))
			cancel()
		}
	}()
	return fmt.Errorf("sqlinbox: %s: the commit did not finish in time (%w): cut off, it counts as failed", quote(key), ctx.Err())
}

// Abort implements bankhub.TxDedupeStore: it rolls back the claim's
// transaction and records cause as the notification's last error.
func (e *Engine[TX]) Abort(ctx context.Context, key, owner string, cause error) error {
	if c := e.take(owner, key); c != nil {
		e.end(c)
	}
	if cause != nil {
		return e.recordFailure(ctx, key, cause)
	}
	return nil
}

// Release implements bankhub.DedupeStore: it rolls back the claim's
// transaction.
func (e *Engine[TX]) Release(ctx context.Context, key, owner string) error {
	return e.Abort(ctx, key, owner, nil)
}

// take removes owner's claim of key from the open claims.
func (e *Engine[TX]) take(owner, key string) *claim[TX] {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.claims[owner]
	if c == nil || c.key != key {
		return nil
	}
	delete(e.claims, owner)
	return c
}

// expire rolls back a claim held past its deadline, unless Complete or
// Abort took it first. The function's statements end at the same deadline
// (their context's), so the rollback does not wait on one of them.
func (e *Engine[TX]) expire(owner string, c *claim[TX]) {
	e.mu.Lock()
	held := e.claims[owner] == c
	if held {
		delete(e.claims, owner)
	}
	e.mu.Unlock()
	if held {
		e.end(c)
	}
}

// free stops a claim's timer, ends its transaction's context and lets the
// next single-writer claim in, once.
func (e *Engine[TX]) free(c *claim[TX]) {
	c.release.Do(func() {
		if c.timer != nil {
			c.timer.Stop()
		}
		c.cancel()
		if e.writer != nil {
			<-e.writer
		}
	})
}

// maxErrorText bounds the last error kept per row.
const maxErrorText = 500

// recordFailure notes a failed attempt of key, unless a committed attempt
// made it done meanwhile. It is a record for operators: if it fails, the
// notification is processed again all the same.
func (e *Engine[TX]) recordFailure(ctx context.Context, key string, cause error) error {
	if e.writer != nil {
		select {
		case e.writer <- struct{}{}:
			defer func() { <-e.writer }()
		case <-ctx.Done():
			return fmt.Errorf("sqlinbox: recording a failure: %w", ctx.Err())
		}
	}
	if _, err := e.db.Exec(ctx, e.q.Fail, e.d.failArgs(key, storable(cause.Error()))...); err != nil {
		return fmt.Errorf("sqlinbox: recording a failure: %w", err)
	}
	return nil
}

// storable is an error's text as a row keeps it: at most maxErrorText
// bytes, cut on a rune, and without NUL, which PostgreSQL's text cannot
// hold. The text is the merchant's function's, which may quote a transfer.
func storable(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\uFFFD"), "\uFFFD")
	if len(s) <= maxErrorText {
		return s
	}
	n := maxErrorText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// quote writes a key for an error string: keys come from notifications.
func quote(s string) string {
	if len(s) > 100 {
		n := 100
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return strconv.Quote(s)
}

func newProbeKey() string {
	var b [8]byte
	rand.Read(b[:])
	return "sqlinbox:probe:" + hex.EncodeToString(b[:])
}
