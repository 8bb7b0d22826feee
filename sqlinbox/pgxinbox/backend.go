package pgxinbox

import (
	"context"

	"github.com/bankhub-go/bankhub/sqlinbox/internal/engine"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// backend is the engine's DB on a pgxpool.Pool.
type backend struct{ pool *pgxpool.Pool }

// Begin waits for a pooled connection and begins under wait; a pgx.Tx is
// not tied to that context afterwards. Its commit runs on life.
func (b *backend) Begin(wait, life context.Context) (engine.Tx[pgx.Tx], error) {
	tx, err := b.pool.Begin(wait)
	if err != nil {
		return nil, err
	}
	return &pgxTx{tx: tx, life: life}, nil
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
	tx   pgx.Tx
	life context.Context
}

func (t *pgxTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

func (t *pgxTx) Commit() error   { return t.tx.Commit(t.life) }
func (t *pgxTx) Rollback() error { return t.tx.Rollback(context.WithoutCancel(t.life)) }
func (t *pgxTx) Value() pgx.Tx   { return t.tx }

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
