package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Record is one row of the inbox (sqlinbox.Record).
type Record struct {
	Key, State           string
	Attempts             int
	LastError            string
	CreatedAt, UpdatedAt time.Time
}

// Failed lists the rows whose last attempt failed, most recently failed
// first, at most limit of them.
func (e *Engine[TX]) Failed(ctx context.Context, limit int) ([]Record, error) {
	rows, err := e.db.Query(ctx, e.q.Failed, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlinbox: listing failures: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := e.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlinbox: listing failures: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlinbox: listing failures: %w", err)
	}
	return out, nil
}

// Lookup returns the row of key, or an error matching ErrNotFound.
func (e *Engine[TX]) Lookup(ctx context.Context, key string) (Record, error) {
	r, err := e.scan(e.db.QueryRow(ctx, e.q.Lookup, key))
	if isNoRows(err) {
		return Record{}, fmt.Errorf("%w: %s", ErrNotFound, quote(key))
	}
	if err != nil {
		return Record{}, fmt.Errorf("sqlinbox: looking up %s: %w", quote(key), err)
	}
	return r, nil
}

// isNoRows reports an empty QueryRow: database/sql's sql.ErrNoRows, or
// pgx's, which says the same ("no rows in result set") and wraps
// sql.ErrNoRows since pgx v5.7.
func isNoRows(err error) bool {
	return err != nil && (errors.Is(err, sql.ErrNoRows) || err.Error() == "no rows in result set")
}

// Prune deletes the done rows older than the retention, by the database's
// clock, and returns how many it deleted.
func (e *Engine[TX]) Prune(ctx context.Context) (int64, error) {
	n, err := e.db.Exec(ctx, e.q.Prune, e.d.pruneArg(e.cfg.Retention))
	if err != nil {
		return 0, fmt.Errorf("sqlinbox: pruning: %w", err)
	}
	return n, nil
}

func (e *Engine[TX]) scan(s Row) (Record, error) {
	var r Record
	var created, updated any
	if err := s.Scan(&r.Key, &r.State, &r.Attempts, &r.LastError, &created, &updated); err != nil {
		return Record{}, err
	}
	var err error
	if r.CreatedAt, err = e.d.scanTime(created); err != nil {
		return Record{}, err
	}
	if r.UpdatedAt, err = e.d.scanTime(updated); err != nil {
		return Record{}, err
	}
	return r, nil
}
