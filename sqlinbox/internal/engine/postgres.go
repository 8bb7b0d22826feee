package engine

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// Postgres is PostgreSQL, through pgx (its database/sql driver or pgxpool).
var Postgres Dialect = postgres{}

type postgres struct{}

func (postgres) Name() string       { return "PostgreSQL" }
func (postgres) dir() string        { return "postgres" }
func (postgres) singleWriter() bool { return false }

func (postgres) identify(ctx context.Context, q Querier) (string, error) {
	var v string
	err := q.QueryRow(ctx, `SELECT current_setting('server_version')`).Scan(&v)
	return v, err
}

// check refuses a pooler between the inbox and PostgreSQL that loses the
// driver's prepared statements: PgBouncer in transaction mode (before 1.21,
// or without max_prepared_statements) under pgx's default statement cache.
// Two connections run the same statement in turn: through such a pooler
// they share a server connection, and the second prepares a name the first
// already did (42P05) or runs one it never had (26000). Failing New says
// which setting to use; the first payment would otherwise.
func (postgres) check(ctx context.Context, db Prober, _ string) error {
	if n := db.MaxConns(); n == 1 {
		return nil // a pool of one connection: nothing to compare
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var sessions [2]Session
	for i := range sessions {
		s, err := db.Session(ctx)
		if err != nil {
			if i == 1 && ctx.Err() != nil {
				break // a pool of one connection: nothing to compare
			}
			return fmt.Errorf("sqlinbox: reaching PostgreSQL: %w", err)
		}
		defer s.Close()
		sessions[i] = s
	}
	if sessions[1] == nil {
		return nil
	}
	var nonce [6]byte
	rand.Read(nonce[:])
	q := `SELECT $1::int /* sqlinbox: probe ` + hex.EncodeToString(nonce[:]) + ` */`
	for i := range 4 {
		if _, err := sessions[i%2].Exec(ctx, q, 1); err != nil {
			if (postgres{}).classify(err) == classPooler {
				return poolerError(err)
			}
			return fmt.Errorf("sqlinbox: probing PostgreSQL: %w", err)
		}
	}
	return nil
}

// poolerError says which setting a pooler in transaction mode needs, or
// pgx with its statement cache turned off.
func poolerError(err error) error {
	if strings.Contains(err.Error(), "disabled statement cache") {
		return fmt.Errorf("sqlinbox: pgx's statement cache is turned off (statement_cache_capacity=0) but its exec mode "+
			"needs it: add default_query_exec_mode=exec to the connection string as well (for PgBouncer in transaction "+
			"mode, exec alone is enough): %w", err)
	}
	return fmt.Errorf("sqlinbox: PostgreSQL is reached through a pooler in transaction mode (PgBouncer?) that does not keep "+
		"prepared statements, and the driver prepares them (pgx's default, default_query_exec_mode=cache_statement): "+
		"add default_query_exec_mode=exec to the connection string (postgres://…?default_query_exec_mode=exec), or set "+
		"ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec; PgBouncer 1.21 or later with max_prepared_statements > 0 "+
		"works with pgx's default: %w", err)
}

// resolve keeps a schema given with WithTable; otherwise the search_path
// decides: the schema that already holds a table of that name, or else the
// first schema new tables go to. A name found in two schemas of the search
// path is refused, since either could be the inbox.
func (postgres) resolve(ctx context.Context, q Querier, t TableName) (TableName, error) {
	// Unquoted names fold to lower case in PostgreSQL; so do these.
	t.Name = strings.ToLower(t.Name)
	if t.Schema != "" {
		t.Schema = strings.ToLower(t.Schema)
		return t, nil
	}
	rows, err := q.Query(ctx, loadFile("postgres", "resolve.sql"), t.Name)
	if err != nil {
		return t, fmt.Errorf("sqlinbox: finding the schema of %s: %w", t.Name, err)
	}
	var found []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return t, fmt.Errorf("sqlinbox: finding the schema of %s: %w", t.Name, err)
		}
		found = append(found, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("sqlinbox: finding the schema of %s: %w", t.Name, err)
	}
	switch len(found) {
	case 1:
		t.Schema = found[0]
		return t, nil
	case 0:
		var current sql.NullString
		if err := q.QueryRow(ctx, `SELECT current_schema()`).Scan(&current); err != nil {
			return t, fmt.Errorf("sqlinbox: finding the schema of %s: %w", t.Name, err)
		}
		if !current.Valid {
			return t, fmt.Errorf("sqlinbox: no schema of the search_path exists to create %s in: name one with WithTable(\"schema.%s\")", t.Name, t.Name)
		}
		t.Schema = current.String
		return t, nil
	}
	return t, fmt.Errorf("sqlinbox: a table %s exists in each of the schemas %s of the search_path: name the inbox's with WithTable(\"%s.%s\")",
		t.Name, strings.Join(found, ", "), found[len(found)-1], t.Name)
}

// lockKey is the advisory lock's key: a number from the table's name (32
// bits of FNV-1a),
// written into the SQL (no parameter: the migration's statements then need
// no prepared statement, whatever the pooler).
func (postgres) lockKey(t TableName) string {
	h := fnv.New32a()
	h.Write([]byte("sqlinbox:" + t.String()))
	return strconv.FormatUint(uint64(h.Sum32()), 10) // a bigint, whatever its sign bit
}

func (postgres) checkProbe(first, second int64) error { return checkOneThenNone(first, second) }

func (postgres) beginMigration(ctx context.Context, s Session, q Queries) error {
	return execAll(ctx, s, q.MigrateBegin)
}

func (postgres) endMigration(ctx context.Context, s Session, _ TableName, ok bool) error {
	end := "ROLLBACK"
	if ok {
		end = "COMMIT"
	}
	_, err := s.Exec(ctx, end)
	return err
}

// serverHold reads the connection's statement_timeout (0: none) once: the
// claim then sets the shorter of it and the hold, so it never loosens a
// bound of the merchant's, with a statement that need not compare them
// every time.
func (postgres) serverHold(ctx context.Context, q Querier, hold time.Duration) (time.Duration, error) {
	var ms float64
	if err := q.QueryRow(ctx, `SELECT EXTRACT(EPOCH FROM current_setting('statement_timeout')::interval) * 1000`).Scan(&ms); err != nil {
		return 0, fmt.Errorf("sqlinbox: reading statement_timeout: %w", err)
	}
	if own := time.Duration(ms) * time.Millisecond; own > 0 && own < hold {
		return own, nil
	}
	return hold, nil
}

func (postgres) claimArgs(key string, hold time.Duration) []any {
	return []any{key, strconv.FormatInt(hold.Milliseconds(), 10) + "ms"}
}

func (postgres) failArgs(key, msg string) []any       { return []any{key, msg} }
func (postgres) acquired(rows int64) bool             { return rows == 1 }
func (postgres) pruneArg(retention time.Duration) any { return retention.Microseconds() }

func (postgres) scanTime(v any) (time.Time, error) {
	if t, ok := v.(time.Time); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("unexpected timestamp %T", v)
}

// classify reads PostgreSQL's SQLSTATE: 40001 serialization failure, 40P01
// deadlock, 55P03 lock_timeout, 57014 statement_timeout or a cancel; 25006
// read-only; 42P05 and 26000 a prepared statement another connection has,
// or lacks. pgx says "disabled statement cache" for a statement cache
// turned off (statement_cache_capacity=0) in the mode that needs it.
func (postgres) classify(err error) class {
	if code, ok := sqlState(err); ok {
		switch code {
		case "40001", "40P01", "55P03", "57014":
			return classBusy
		case "25006":
			return classReadOnly
		case "42P05", "26000":
			return classPooler
		}
		return classOther
	}
	if strings.Contains(err.Error(), "disabled statement cache") {
		return classPooler
	}
	return classOther
}
