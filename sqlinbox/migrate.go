package sqlinbox

import (
	"context"
	"database/sql"
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
		return fmt.Errorf("sqlinbox: migrating %s: %w", in.table, err)
	}
	if version > len(migrations) {
		return fmt.Errorf("sqlinbox: table %s is at schema version %d, newer than this sqlinbox knows (%d): upgrade the module", in.table, version, len(migrations))
	}
	for v := version + 1; v <= len(migrations); v++ {
		for _, stmt := range migrations[v-1](in.dialect, in.table) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("sqlinbox: migrating %s to version %d: %w", in.table, v, err)
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
