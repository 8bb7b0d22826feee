package sqlinbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// State is what the inbox's table says of a notification.
type State string

// The states of a row. A notification being handled right now has no
// committed row yet: its claim is an open transaction.
const (
	// StateDone: the function returned nil and its writes committed.
	StateDone State = "done"
	// StateFailed: the last attempt failed (an error, a panic, a timeout, a
	// failed commit) and none has succeeded since. The notification is
	// pending: its next delivery or the reconciler's next pass, while it is
	// inside the reconciler's window, processes it again.
	StateFailed State = "failed"
)

// Record is one row of the inbox: a notification's outcome so far.
type Record struct {
	// Key is the dedupe key: "ipn:<transaction_id>" or "event:<xid>".
	Key   string
	State State
	// Attempts counts the attempts that committed or were recorded as
	// failed (an attempt cut off by a dead process leaves no trace).
	Attempts int
	// LastError is the last failure's error, "" once done. It is the
	// merchant's function's own text, up to 500 bytes.
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Failed lists the notifications whose last attempt failed and that no
// attempt has completed since (StateFailed), most recently failed first,
// at most limit of them (100 when limit <= 0): what operators look at when
// payments are pending.
func (in *Inbox) Failed(ctx context.Context, limit int) ([]Record, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := in.db.QueryContext(ctx, in.q.failed, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlinbox: listing failures: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := in.scan(rows)
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

// ErrNotFound is returned by Lookup for a key the inbox has no row of.
var ErrNotFound = errors.New("sqlinbox: no such notification")

// Lookup returns the row of key (bankhub.IPNDedupeKey(transactionID), say),
// or ErrNotFound.
func (in *Inbox) Lookup(ctx context.Context, key string) (Record, error) {
	r, err := in.scan(in.db.QueryRowContext(ctx, in.q.lookup, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, fmt.Errorf("%w: %s", ErrNotFound, quote(key))
	}
	if err != nil {
		return Record{}, fmt.Errorf("sqlinbox: looking up %s: %w", quote(key), err)
	}
	return r, nil
}

// Prune deletes the done rows older than the retention (WithRetention) and
// returns how many it deleted. A row's age is the database's clock minus
// its updated_at, both the database's: a replica whose clock runs ahead
// cannot prune a row inside the reconciler's window. Failed rows are kept for operators. Run it
// daily, from any one replica.
func (in *Inbox) Prune(ctx context.Context) (int64, error) {
	arg := in.retention.Microseconds()
	if in.dialect == SQLite {
		arg = in.retention.Milliseconds()
	}
	res, err := in.db.ExecContext(ctx, in.q.prune, arg)
	if err != nil {
		return 0, fmt.Errorf("sqlinbox: pruning: %w", err)
	}
	return res.RowsAffected()
}

type scanner interface{ Scan(dest ...any) error }

func (in *Inbox) scan(s scanner) (Record, error) {
	var r Record
	var state string
	var created, updated any
	if err := s.Scan(&r.Key, &state, &r.Attempts, &r.LastError, &created, &updated); err != nil {
		return Record{}, err
	}
	r.State = State(state)
	var err error
	if r.CreatedAt, err = asTime(created); err != nil {
		return Record{}, err
	}
	if r.UpdatedAt, err = asTime(updated); err != nil {
		return Record{}, err
	}
	return r, nil
}

// asTime reads a timestamp column: a time (PostgreSQL) or Unix
// milliseconds (SQLite).
func asTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t, nil
	case int64:
		return time.UnixMilli(t), nil
	}
	return time.Time{}, fmt.Errorf("unexpected timestamp %T", v)
}
