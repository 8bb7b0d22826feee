package sqlinbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// migrations are the inbox's schema, in order: each runs once per table,
// recorded in <table>_migrations. Never edit one that has shipped; append.
var migrations = []func(d Dialect, t tableName) []string{
	// 1: the table, and an index of the failed rows behind Failed (a
	// partial one: a payment's write pays for no second index). Prune's
	// daily scan needs none.
	func(d Dialect, t tableName) []string {
		table := t.sql()
		ts, options := "TIMESTAMPTZ", ""
		// PostgreSQL creates an index in its table's schema; SQLite names
		// the schema on the index and not on its table.
		index, on := t.index("failed"), table
		if d == SQLite {
			index, on = quoteIdent(t.schema)+"."+t.index("failed"), quoteIdent(t.name)
			ts = "INTEGER"             // Unix milliseconds
			options = " WITHOUT ROWID" // the key is the row's place: one b-tree, not two
		}
		return []string{
			`CREATE TABLE IF NOT EXISTS ` + table + ` (
	key        TEXT PRIMARY KEY,
	state      TEXT NOT NULL,
	attempts   INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at ` + ts + ` NOT NULL,
	updated_at ` + ts + ` NOT NULL
)` + options,
			`CREATE INDEX IF NOT EXISTS ` + index + ` ON ` + on + ` (updated_at) WHERE state = 'failed'`,
		}
	},
}

// migrate brings the table to the newest schema, in one transaction, and
// checks its shape. On PostgreSQL an advisory lock keeps replicas that start
// together from migrating at once; SQLite's write lock does the same.
func (in *Inbox) migrate(ctx context.Context) error {
	if err := in.checkShape(ctx); err != nil {
		return err
	}
	// A table already at the newest schema needs no write: a read-only
	// database is then reported as such by New's write probe, not by a
	// failed CREATE.
	var current sql.NullInt64
	if err := in.db.QueryRowContext(ctx, `SELECT MAX(version) FROM `+in.table.migrations()).Scan(&current); err == nil {
		switch v := int(current.Int64); {
		case v == len(migrations):
			return nil
		case v > len(migrations):
			return fmt.Errorf("sqlinbox: table %s is at schema version %d, newer than this sqlinbox knows (%d): upgrade the module", in.table, v, len(migrations))
		}
	}
	// Read committed whatever the database's default: each statement then
	// sees what was committed before it, so a replica that got the lock
	// after another migrated reads the new version instead of its old
	// snapshot (repeatable read: a duplicate key; serializable: 40001).
	var opts *sql.TxOptions
	if in.dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	tx, err := in.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("sqlinbox: migrating %s: %w", in.table, err)
	}
	defer tx.Rollback()
	version, err := in.schemaVersion(ctx, tx)
	if err != nil {
		return fmt.Errorf("sqlinbox: migrating %s: %w", in.table, readOnlyHint(err))
	}
	if version > len(migrations) {
		return fmt.Errorf("sqlinbox: table %s is at schema version %d, newer than this sqlinbox knows (%d): upgrade the module", in.table, version, len(migrations))
	}
	for v := version + 1; v <= len(migrations); v++ {
		for _, stmt := range migrations[v-1](in.dialect, in.table) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("sqlinbox: migrating %s to version %d: %w", in.table, v, readOnlyHint(err))
			}
		}
		if _, err := tx.ExecContext(ctx, in.rebind(`INSERT INTO `+in.table.migrations()+` (version) VALUES ($1) ON CONFLICT (version) DO NOTHING`), v); err != nil {
			return fmt.Errorf("sqlinbox: migrating %s to version %d: %w", in.table, v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlinbox: migrating %s: %w", in.table, err)
	}
	return nil
}

// schemaVersion creates the migrations table if missing and returns the
// newest version applied.
func (in *Inbox) schemaVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	if in.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "sqlinbox:"+in.table.sql()); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+in.table.migrations()+` (version INTEGER PRIMARY KEY)`); err != nil {
		return 0, err
	}
	var v sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM `+in.table.migrations()).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

// rebind writes $N parameters as the dialect wants them.
func (in *Inbox) rebind(q string) string {
	if in.dialect == SQLite {
		return sqliteParams.Replace(q)
	}
	return q
}

// columns are the inbox's columns, as its newest schema has them.
var columns = []string{"key", "state", "attempts", "last_error", "created_at", "updated_at"}

// checkShape refuses a table of the inbox's name that lacks its columns (a
// table made by something else, which CREATE TABLE IF NOT EXISTS would
// leave as it is): better said now than at the first payment. A table that
// does not exist yet is fine.
func (in *Inbox) checkShape(ctx context.Context) error {
	rows, err := in.db.QueryContext(ctx, `SELECT * FROM `+in.table.sql()+` WHERE 1 = 0`)
	if err != nil {
		return nil // no such table: the migration creates it (and says so if it cannot)
	}
	defer rows.Close()
	have, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("sqlinbox: reading the columns of %s: %w", in.table, err)
	}
	var missing []string
	for _, c := range columns {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, c) }) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("sqlinbox: table %s exists but does not have the inbox's columns (%s; it lacks %s): choose another with WithTable",
			in.table, strings.Join(columns, ", "), strings.Join(missing, ", "))
	}
	return nil
}

// ErrReadOnly is matched by the errors of New and of a claim when the
// database refuses writes: a read replica, default_transaction_read_only,
// a SQLite file opened read-only. The inbox writes a row per notification,
// so New refuses such a database rather than answer every payment 500.
var ErrReadOnly = errors.New("sqlinbox: the database is read-only (a replica, or default_transaction_read_only = on?): the inbox must write to it")

// readOnly reports whether err is the database refusing a write because it
// is read-only: PostgreSQL's 25006, SQLite's SQLITE_READONLY.
func readOnly(err error) bool {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		return pg.SQLState() == "25006"
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		return lite.Code()&0xff == 8
	}
	return strings.Contains(err.Error(), "readonly database")
}

// readOnlyHint wraps err with ErrReadOnly when it is one.
func readOnlyHint(err error) error {
	if readOnly(err) {
		return fmt.Errorf("%w: %w", ErrReadOnly, err)
	}
	return err
}

// probeWrite runs the claim of a key no notification has in a transaction
// it rolls back: New then knows that claims can write, and says why not
// (ErrReadOnly) before the first payment does.
func (in *Inbox) probeWrite(ctx context.Context) error {
	tx, err := in.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlinbox: the inbox cannot write %s: %w", in.table, readOnlyHint(err))
	}
	defer tx.Rollback()
	args := []any{"sqlinbox:probe:" + newProbeID()}
	if in.dialect == Postgres {
		args = append(args, in.holdMillis)
	}
	if _, err := tx.ExecContext(ctx, in.q.claim, args...); err != nil {
		return fmt.Errorf("sqlinbox: the inbox cannot write %s: %w", in.table, readOnlyHint(err))
	}
	return nil
}

func newProbeID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
