package engine

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// columns are the inbox's columns, as its newest schema has them.
var columns = []string{"key", "state", "attempts", "last_error", "created_at", "updated_at"}

// migrate brings the table to the newest schema (sql/<dialect>/migrate_N.sql,
// recorded in <table>_migrations) and checks its shape. A table already at
// the newest version is not written to. Replicas that start together are
// ordered by the dialect's lock (an advisory lock, SQLite's write lock, a
// named lock), and every step is idempotent on its own, for MySQL, whose
// DDL commits by itself.
func (e *Engine[TX]) migrate(ctx context.Context) error {
	if err := e.checkShape(ctx); err != nil {
		return err
	}
	if v, err := e.version(ctx, e.db); err == nil {
		switch {
		case v == len(e.q.steps):
			return nil
		case v > len(e.q.steps):
			return e.newerSchema(v)
		}
	}
	s, err := e.db.Session(ctx)
	if err != nil {
		return fmt.Errorf("sqlinbox: migrating %s: %w", e.table, err)
	}
	if err := e.d.beginMigration(ctx, s, e.q); err != nil {
		s.Discard()
		return fmt.Errorf("sqlinbox: migrating %s: %w", e.table, e.explain(err))
	}
	err = e.migrateLocked(ctx, s)
	if endErr := e.d.endMigration(context.WithoutCancel(ctx), s, e.table, err == nil); endErr != nil {
		s.Discard() // a connection left inside the migration's transaction
		if err == nil {
			return fmt.Errorf("sqlinbox: migrating %s: %w", e.table, e.explain(endErr))
		}
		return err
	}
	s.Close()
	return err
}

func (e *Engine[TX]) migrateLocked(ctx context.Context, s Session) error {
	if _, err := s.Exec(ctx, e.q.Migrations); err != nil {
		return fmt.Errorf("sqlinbox: migrating %s: %w", e.table, e.explain(err))
	}
	v, err := e.version(ctx, s)
	if err != nil {
		return fmt.Errorf("sqlinbox: migrating %s: %w", e.table, e.explain(err))
	}
	if v > len(e.q.steps) {
		return e.newerSchema(v)
	}
	for ; v < len(e.q.steps); v++ {
		for _, stmt := range e.q.steps[v] {
			if _, err := s.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("sqlinbox: migrating %s to version %d: %w", e.table, v+1, e.explain(err))
			}
		}
		record := strings.ReplaceAll(e.q.recordVersion, "{{version}}", strconv.Itoa(v+1))
		if _, err := s.Exec(ctx, record); err != nil {
			return fmt.Errorf("sqlinbox: migrating %s to version %d: %w", e.table, v+1, e.explain(err))
		}
	}
	return nil
}

func (e *Engine[TX]) version(ctx context.Context, q Querier) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRow(ctx, e.q.Version).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

func (e *Engine[TX]) newerSchema(v int) error {
	return fmt.Errorf("sqlinbox: table %s is at schema version %d, newer than this sqlinbox knows (%d): upgrade the module", e.table, v, len(e.q.steps))
}

// checkShape refuses a table of the inbox's name that lacks its columns (a
// table made by something else, which CREATE TABLE IF NOT EXISTS would
// leave as it is): better said now than at the first payment. A table that
// does not exist yet is fine.
func (e *Engine[TX]) checkShape(ctx context.Context) error {
	rows, err := e.db.Query(ctx, e.q.columns)
	if err != nil {
		return nil // no such table: the migration creates it (and says so if it cannot)
	}
	defer rows.Close()
	have, err := columnNames(rows)
	for rows.Next() { // none; a driver may report a missing table only here (pgx's exec mode)
	}
	if rows.Err() != nil {
		return nil
	}
	if err == nil && len(have) == 0 { // described only once read (pgx)
		have, err = columnNames(rows)
	}
	if err != nil {
		return fmt.Errorf("sqlinbox: reading the columns of %s: %w", e.table, err)
	}
	var missing []string
	for _, c := range columns {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, c) }) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("sqlinbox: table %s exists but does not have the inbox's columns (%s; it lacks %s): choose another with WithTable",
			e.table, strings.Join(columns, ", "), strings.Join(missing, ", "))
	}
	return nil
}

// columnNames reads the names of a query's columns: database/sql's rows
// have Columns, pgx's FieldDescriptions.
func columnNames(rows Rows) ([]string, error) {
	if r, ok := rows.(interface{ Columns() ([]string, error) }); ok {
		return r.Columns()
	}
	if r, ok := rows.(interface{ ColumnNames() []string }); ok {
		return r.ColumnNames(), nil
	}
	return nil, fmt.Errorf("rows of %T name no columns", rows)
}

// probe runs the claim of a key no notification has, twice, in a
// transaction it rolls back: New then knows that a claim can write (and
// says why not: read-only) and tells a new key from a done one on this
// connection's settings (MySQL's clientFoundRows), before the first
// payment does.
func (e *Engine[TX]) probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	first, second, err := e.db.ProbeClaim(ctx, e.q.Claim, e.d.claimArgs(newProbeKey(), e.hold))
	if err != nil {
		return fmt.Errorf("sqlinbox: the inbox cannot write %s: %w", e.table, e.explain(err))
	}
	return e.d.checkProbe(first, second)
}
