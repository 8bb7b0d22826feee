package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// MySQL is MySQL 8 and MariaDB 10.11 or later, through
// github.com/go-sql-driver/mysql.
var MySQL Dialect = mysql{}

type mysql struct{}

func (mysql) Name() string       { return "MySQL" }
func (mysql) dir() string        { return "mysql" }
func (mysql) singleWriter() bool { return false }

// identify reads @@version, which neither PostgreSQL nor SQLite has.
func (mysql) identify(ctx context.Context, q Querier) (string, error) {
	var v string
	err := q.QueryRow(ctx, `SELECT @@version`).Scan(&v)
	return v, err
}

// check refuses a server older than the inbox is tested on, and a
// connection that reports found rows rather than changed ones
// (clientFoundRows=true in the DSN): the claim tells a new notification
// (1 row) from one already done (0 rows changed) by the rows it changed,
// and with found rows a done one would read as new.
func (mysql) check(_ context.Context, _ Prober, version string) error {
	switch mariadb := strings.Contains(strings.ToLower(version), "mariadb"); {
	case mariadb && olderThan(version, []int{10, 11}):
		return fmt.Errorf("sqlinbox: MariaDB %s is older than 10.11, the oldest the inbox supports", version)
	case !mariadb && olderThan(version, []int{8, 0}):
		return fmt.Errorf("sqlinbox: MySQL %s is older than 8.0, the oldest the inbox supports", version)
	}
	return nil
}

// checkProbe: the probe's claim runs twice in a transaction that is rolled
// back; the second finds the row done and changes nothing, unless the
// connection counts the rows it found.
func (mysql) checkProbe(first, second int64) error {
	if first == 1 && second == 0 {
		return nil
	}
	if second == 1 {
		return errors.New("sqlinbox: the MySQL connection reports found rows, not changed rows (clientFoundRows=true in the DSN): " +
			"the inbox could not tell a new notification from one already done; remove clientFoundRows from the DSN")
	}
	return fmt.Errorf("sqlinbox: the claim changed %d then %d rows, not 1 then 0: the inbox cannot run on this MySQL connection", first, second)
}

// resolve: the schema is the connection's database (the DSN's) unless
// WithTable names one.
func (mysql) resolve(ctx context.Context, q Querier, t TableName) (TableName, error) {
	if t.Schema != "" {
		return t, nil
	}
	var db *string
	if err := q.QueryRow(ctx, `SELECT DATABASE()`).Scan(&db); err != nil {
		return t, fmt.Errorf("sqlinbox: reading the connection's database: %w", err)
	}
	if db == nil || *db == "" {
		return t, fmt.Errorf("sqlinbox: the MySQL connection has no database: name one in the DSN (user:pass@tcp(host)/shop) or with WithTable(\"shop.%s\")", t.Name)
	}
	t.Schema = *db
	return t, nil
}

// lockKey is the named lock of the migration: at most 64 characters.
func (mysql) lockKey(t TableName) string {
	k := "sqlinbox:" + t.String()
	if len(k) > 64 {
		h := fnv.New64a()
		h.Write([]byte(k))
		k = "sqlinbox:" + strconv.FormatUint(h.Sum64(), 16)
	}
	return k
}

func (mysql) beginMigration(ctx context.Context, s Session, q Queries) error {
	var got *int64
	if err := s.QueryRow(ctx, q.MigrateBegin).Scan(&got); err != nil {
		return err
	}
	if got == nil || *got != 1 {
		return errors.New("the migration lock was not granted within 30 s (another replica migrating?)")
	}
	return nil
}

// endMigration releases the lock: DDL committed itself, step by step.
func (d mysql) endMigration(ctx context.Context, s Session, t TableName, _ bool) error {
	_, err := s.Exec(ctx, `SELECT RELEASE_LOCK('`+d.lockKey(t)+`')`)
	return err
}

func (mysql) serverHold(context.Context, Querier, time.Duration) (time.Duration, error) {
	return 0, nil // no statement bound of its own: see the package doc
}

func (mysql) claimArgs(key string, _ time.Duration) []any { return []any{key} }
func (mysql) failArgs(key, msg string) []any              { return []any{key, msg, msg} }
func (mysql) acquired(rows int64) bool                    { return rows >= 1 } // 1 inserted, 2 updated
func (mysql) pruneArg(retention time.Duration) any        { return retention.Microseconds() }

// scanTime reads a DATETIME(6) the inbox wrote in UTC: a time.Time with
// parseTime=true in the DSN (in the DSN's loc, whose wall clock is UTC's),
// or its text without.
func (mysql) scanTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
	case []byte:
		return time.ParseInLocation("2006-01-02 15:04:05.999999", string(t), time.UTC)
	case string:
		return time.ParseInLocation("2006-01-02 15:04:05.999999", t, time.UTC)
	}
	return time.Time{}, fmt.Errorf("unexpected timestamp %T", v)
}

// classify reads MySQL's error number: 1205 lock wait timeout, 1213
// deadlock, 3572 NOWAIT, 3024 and MariaDB's 1969 an execution time limit;
// 1290, 1792 and 1836 a read-only server or transaction.
func (mysql) classify(err error) class {
	n, ok := mysqlErrorNumber(err)
	if !ok {
		return classOther
	}
	switch n {
	case 1205, 1213, 3572, 3024, 1969:
		return classBusy
	case 1290, 1792, 1836:
		return classReadOnly
	}
	return classOther
}

// mysqlErrorNumber finds go-sql-driver/mysql's *MySQLError in err's chain
// and reads its Number, without importing the driver (which would register
// it in every program that uses the inbox).
func mysqlErrorNumber(err error) (uint16, bool) {
	for ; err != nil; err = errors.Unwrap(err) {
		v := reflect.ValueOf(err)
		if v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct || v.Type().Name() != "MySQLError" {
			continue
		}
		if f := v.FieldByName("Number"); f.IsValid() && f.CanInterface() {
			if n, ok := f.Interface().(uint16); ok {
				return n, true
			}
		}
	}
	return 0, false
}
