package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SQLite is SQLite, through modernc.org/sqlite or mattn/go-sqlite3.
var SQLite Dialect = sqlite{}

type sqlite struct{}

func (sqlite) Name() string       { return "SQLite" }
func (sqlite) dir() string        { return "sqlite" }
func (sqlite) singleWriter() bool { return true }

func (sqlite) identify(ctx context.Context, q Querier) (string, error) {
	var v string
	err := q.QueryRow(ctx, `SELECT sqlite_version()`).Scan(&v)
	return v, err
}

// minSQLite is the oldest SQLite the inbox runs on: the first with
// INSERT … ON CONFLICT DO UPDATE (3.24.0, 2018).
var minSQLite = [3]int{3, 24, 0}

func (sqlite) check(_ context.Context, _ Prober, version string) error {
	if olderThan(version, minSQLite[:]) {
		return fmt.Errorf("sqlinbox: SQLite %s is older than %d.%d.%d, the first with INSERT … ON CONFLICT DO UPDATE: upgrade the driver",
			version, minSQLite[0], minSQLite[1], minSQLite[2])
	}
	return nil
}

// olderThan compares a dotted version's leading numbers with min.
func olderThan(version string, min []int) bool {
	parts := strings.FieldsFunc(version, func(r rune) bool { return r < '0' || r > '9' })
	for i, m := range min {
		have := 0
		if i < len(parts) {
			have, _ = strconv.Atoi(parts[i])
		}
		if have != m {
			return have < m
		}
	}
	return false
}

// resolve: the schema is "main" (the database file) unless WithTable names
// an attached one.
func (sqlite) resolve(_ context.Context, _ Querier, t TableName) (TableName, error) {
	if t.Schema == "" {
		t.Schema = "main"
	}
	return t, nil
}

func (sqlite) lockKey(TableName) string { return "" } // BEGIN IMMEDIATE: the file's write lock

func (sqlite) checkProbe(first, second int64) error { return checkOneThenNone(first, second) }

func (sqlite) beginMigration(ctx context.Context, s Session, q Queries) error {
	return execAll(ctx, s, q.MigrateBegin)
}

func (sqlite) endMigration(ctx context.Context, s Session, _ TableName, ok bool) error {
	end := "ROLLBACK"
	if ok {
		end = "COMMIT"
	}
	_, err := s.Exec(ctx, end)
	return err
}

func (sqlite) serverHold(context.Context, Querier, time.Duration) (time.Duration, error) {
	return 0, nil // no statement bound of its own: see the package doc
}

func (sqlite) claimArgs(key string, _ time.Duration) []any { return []any{key} }
func (sqlite) failArgs(key, msg string) []any              { return []any{key, msg} }
func (sqlite) acquired(rows int64) bool                    { return rows == 1 }
func (sqlite) pruneArg(retention time.Duration) any        { return retention.Milliseconds() }

// scanTime reads Unix milliseconds.
func (sqlite) scanTime(v any) (time.Time, error) {
	if ms, ok := v.(int64); ok {
		return time.UnixMilli(ms), nil
	}
	return time.Time{}, fmt.Errorf("unexpected timestamp %T", v)
}

// classify reads SQLite's result code: SQLITE_BUSY (5) and SQLITE_LOCKED
// (6) are a wait for another connection's lock, SQLITE_READONLY (8) a
// read-only database, SQLITE_INTERRUPT (9) a statement its context ended.
// modernc.org/sqlite's errors have a Code method; mattn/go-sqlite3's only
// their text.
func (sqlite) classify(err error) class {
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		switch lite.Code() & 0xff {
		case 5, 6, 9:
			return classBusy
		case 8:
			return classReadOnly
		}
		return classOther
	}
	switch msg := err.Error(); {
	case strings.Contains(msg, "database is locked"), strings.Contains(msg, "database table is locked"),
		strings.Contains(msg, "interrupted"):
		return classBusy
	case strings.Contains(msg, "readonly database"):
		return classReadOnly
	}
	return classOther
}
