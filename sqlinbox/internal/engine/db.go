package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"reflect"
)

// DB is how the engine reaches the merchant's database: through
// database/sql (SQL, here) or through pgx (the pgxinbox package's). TX is
// the transaction the merchant's function writes in.
type DB[TX any] interface {
	Prober
	// Begin waits for a pooled connection under wait and opens a
	// transaction on it. The transaction lives until it is committed or
	// rolled back, not as long as wait: life is its own context, ended only
	// to cut off a commit that overran.
	Begin(wait, life context.Context) (Tx[TX], error)
	// Session holds one connection, for statements that must share it (a
	// migration under its lock).
	Session(ctx context.Context) (Session, error)
	// Prepare prepares q once, for the statements that run on every claim
	// where the driver would otherwise parse them each time; a no-op where
	// the driver caches statements itself (pgx).
	Prepare(ctx context.Context, q string) error
	// Interrupts reports whether a statement ends when its context does.
	// mattn/go-sqlite3's does not: it waits out its busy timeout.
	Interrupts() bool
	// CommitInterrupts reports whether a commit ends when the
	// transaction's own context (life) does: pgx's, whose commit runs on
	// it; database/sql's others commit with no context.
	CommitInterrupts() bool
}

// Querier runs statements outside a claim's transaction.
type Querier interface {
	Exec(ctx context.Context, q string, args ...any) (rows int64, err error)
	QueryRow(ctx context.Context, q string, args ...any) Row
	Query(ctx context.Context, q string, args ...any) (Rows, error)
}

// Session is one connection held until Close, or Discard, which closes it
// instead of returning it to the pool (a migration that could not end its
// transaction).
type Session interface {
	Querier
	Close() error
	Discard()
}

// Tx is a claim's transaction.
type Tx[TX any] interface {
	Exec(ctx context.Context, q string, args ...any) (rows int64, err error)
	// Commit commits, on the transaction's own context (life).
	Commit() error
	Rollback() error
	// Value is what the merchant's function gets to write with.
	Value() TX
	// Concurrent reports whether Rollback may run while the function uses
	// the transaction (database/sql's may: it waits for a statement in
	// flight; pgx's may not).
	Concurrent() bool
	// Interrupt ends, from another goroutine, what the transaction's
	// connection is doing (pgx: closes its socket), so that the server
	// rolls it back; the transaction is rolled back for the pool later.
	Interrupt()
}

// Row is one row of a query.
type Row interface{ Scan(dest ...any) error }

// Rows are the rows of a query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// SQL is the database/sql backend.
type SQL struct {
	db         *sql.DB
	interrupts bool
	// commitInterrupts: the driver is pgx's stdlib, whose commit runs on
	// the transaction's context and which caches statements itself.
	commitInterrupts bool
	stmts            map[string]*sql.Stmt // prepared in New, read-only afterwards
}

// NewSQL returns the backend of db.
func NewSQL(db *sql.DB) *SQL {
	t := reflect.TypeOf(db.Driver())
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return &SQL{db: db, interrupts: t.PkgPath() != "github.com/mattn/go-sqlite3",
		commitInterrupts: t.PkgPath() == "github.com/jackc/pgx/v5/stdlib", stmts: map[string]*sql.Stmt{}}
}

// CommitInterrupts implements DB.
func (b *SQL) CommitInterrupts() bool { return b.commitInterrupts }

// MaxConns implements Prober.
func (b *SQL) MaxConns() int { return b.db.Stats().MaxOpenConnections }

// Interrupts implements DB.
func (b *SQL) Interrupts() bool { return b.interrupts }

// Prepare implements DB.
func (b *SQL) Prepare(ctx context.Context, q string) error {
	if b.commitInterrupts { // pgx's stdlib: it caches statements itself
		return nil
	}
	st, err := b.db.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	b.stmts[q] = st
	return nil
}

// Begin implements DB.
func (b *SQL) Begin(wait, life context.Context) (Tx[*sql.Tx], error) {
	conn, err := b.db.Conn(wait)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(life, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &sqlTx{b: b, conn: conn, tx: tx}, nil
}

// ProbeClaim implements Prober.
func (b *SQL) ProbeClaim(ctx context.Context, q string, args []any) (first, second int64, err error) {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	if first, err = rowsAffected(tx.ExecContext(ctx, q, args...)); err != nil {
		return 0, 0, err
	}
	second, err = rowsAffected(tx.ExecContext(ctx, q, args...))
	return first, second, err
}

// Session implements DB.
func (b *SQL) Session(ctx context.Context) (Session, error) {
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return sqlSession{conn}, nil
}

// Exec implements Querier.
func (b *SQL) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return rowsAffected(b.db.ExecContext(ctx, q, args...))
}

// QueryRow implements Querier.
func (b *SQL) QueryRow(ctx context.Context, q string, args ...any) Row {
	return b.db.QueryRowContext(ctx, q, args...)
}

// Query implements Querier.
func (b *SQL) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := b.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlTx struct {
	b    *SQL
	conn *sql.Conn
	tx   *sql.Tx
}

func (t *sqlTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	if st := t.b.stmts[q]; st != nil {
		return rowsAffected(t.tx.StmtContext(ctx, st).ExecContext(ctx, args...))
	}
	return rowsAffected(t.tx.ExecContext(ctx, q, args...))
}

// Commit and Rollback return the connection to the pool once the
// transaction is over.
func (t *sqlTx) Commit() error {
	err := t.tx.Commit()
	t.conn.Close()
	return err
}

func (t *sqlTx) Rollback() error {
	err := t.tx.Rollback()
	t.conn.Close()
	return err
}

func (t *sqlTx) Value() *sql.Tx   { return t.tx }
func (t *sqlTx) Concurrent() bool { return true }
func (t *sqlTx) Interrupt()       {}

type sqlSession struct{ conn *sql.Conn }

func (s sqlSession) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return rowsAffected(s.conn.ExecContext(ctx, q, args...))
}

func (s sqlSession) QueryRow(ctx context.Context, q string, args ...any) Row {
	return s.conn.QueryRowContext(ctx, q, args...)
}

func (s sqlSession) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := s.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (s sqlSession) Close() error { return s.conn.Close() }

func (s sqlSession) Discard() {
	s.conn.Raw(func(any) error { return driver.ErrBadConn })
	s.conn.Close()
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
