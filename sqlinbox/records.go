package sqlinbox

import (
	"time"

	"github.com/bankhub-go/bankhub/sqlinbox/internal/engine"
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
	// merchant's function's own text, up to 500 bytes (NUL written as
	// U+FFFD).
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func fromEngine(r engine.Record) Record {
	return Record{Key: r.Key, State: State(r.State), Attempts: r.Attempts, LastError: r.LastError, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func record(r engine.Record, err error) (Record, error) {
	if err != nil {
		return Record{}, err
	}
	return fromEngine(r), nil
}

func records(rs []engine.Record, err error) ([]Record, error) {
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(rs))
	for i, r := range rs {
		out[i] = fromEngine(r)
	}
	return out, nil
}

// defaultLimit is Failed's limit: 100 when none is given.
func defaultLimit(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}
