package pgxinbox

import (
	"context"

	"github.com/bankhub-go/bankhub/sqlinbox/internal/engine"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// backend is the engine's DB on a pgxpool.Pool.
type backend struct{ pool *pgxpool.Pool }

// Begin waits for a pooled connection and begins on it under wait; a
// pgx.Tx is not tied to that context afterwards. Its commit runs on life.
// The connection is acquired here, not by pool.Begin, so that an
// interrupted claim can hand its slot back to the pool (Interrupt).
func (b *backend) Begin(wait, life context.Context) (engine.Tx[pgx.Tx], error) {
	pc, err := b.pool.Acquire(wait)
	if err != nil {
		return nil, err
	}
	tx, err := pc.Begin(wait)
	if err != nil {
		pc.Release()
		return nil, err
	}
	return &pgxTx{pc: pc, tx: tx, life: life}, nil
}

func (b *backend) Session(ctx context.Context) (engine.Session, error) {
	c, err := b.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return session{c}, nil
}

func (b *backend) Prepare(context.Context, string) error { return nil } // pgx caches statements itself
func (b *backend) MaxConns() int                         { return int(b.pool.Config().MaxConns) }
func (b *backend) Interrupts() bool                      { return true }
func (b *backend) CommitInterrupts() bool                { return true }

func (b *backend) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := b.pool.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

func (b *backend) QueryRow(ctx context.Context, q string, args ...any) engine.Row {
	return b.pool.QueryRow(ctx, q, args...)
}

func (b *backend) Query(ctx context.Context, q string, args ...any) (engine.Rows, error) {
	rows, err := b.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgxRows{rows}, nil
}

func (b *backend) ProbeClaim(ctx context.Context, q string, args []any) (first, second int64, err error) {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tag, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, 0, err
	}
	again, err := tx.Exec(ctx, q, args...)
	return tag.RowsAffected(), again.RowsAffected(), err
}

type pgxTx struct {
	pc   *pgxpool.Conn
	tx   pgx.Tx
	life context.Context
	// hijacked: Interrupt took the connection out of the pool.
	hijacked bool
}

func (t *pgxTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

// Commit and Rollback end the transaction and give the connection back to
// the pool (which closes one that is broken or left mid-transaction).
func (t *pgxTx) Commit() error {
	err := t.tx.Commit(t.life)
	t.pc.Release()
	return err
}

func (t *pgxTx) Rollback() error {
	err := t.tx.Rollback(context.WithoutCancel(t.life))
	if t.hijacked {
		t.tx.Conn().Close(context.WithoutCancel(t.life)) // ours now, not the pool's
	} else {
		t.pc.Release()
	}
	return err
}

func (t *pgxTx) Value() pgx.Tx    { return t.tx }
func (t *pgxTx) Concurrent() bool { return false } // a pgx.Conn is one goroutine's at a time

// Interrupt closes the connection's socket, which is safe from any
// goroutine: a statement in flight fails, and the server, finding the
// client gone, ends the session and rolls its transaction back. The
// connection leaves the pool at once (Hijack touches the pool, not the
// connection the function may be using), so that a function that never
// returns does not hold a slot of it, or keep pool.Close waiting; the
// rollback, when the function returns, closes it for good.
func (t *pgxTx) Interrupt() {
	t.tx.Conn().PgConn().Conn().Close()
	if !t.hijacked {
		t.pc.Hijack()
		t.hijacked = true
	}
}

type session struct{ c *pgxpool.Conn }

func (s session) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := s.c.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

func (s session) QueryRow(ctx context.Context, q string, args ...any) engine.Row {
	return s.c.QueryRow(ctx, q, args...)
}

func (s session) Query(ctx context.Context, q string, args ...any) (engine.Rows, error) {
	rows, err := s.c.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgxRows{rows}, nil
}

// Close returns the connection; pgxpool closes one left in a transaction.
func (s session) Close() error { s.c.Release(); return nil }

func (s session) Discard() {
	s.c.Conn().Close(context.Background())
	s.c.Release()
}

// pgxRows gives pgx.Rows the engine's shape.
type pgxRows struct{ pgx.Rows }

// ColumnNames names the columns, as database/sql's Columns does.
func (r pgxRows) ColumnNames() []string {
	fields := r.FieldDescriptions()
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return names
}
