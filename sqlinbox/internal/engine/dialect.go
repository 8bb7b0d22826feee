package engine

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Dialect is one database: its SQL (in sql/<name>/), how it names and finds
// the inbox's table, how it orders replicas that migrate together, and how
// to read its errors. Postgres, SQLite and MySQL are the three; each lives
// in a file of its own.
type Dialect interface {
	// Name is the database's name for messages: "PostgreSQL".
	Name() string
	// dir is the folder of its SQL under sql/.
	dir() string
	// identify checks that q reaches this database, and returns its
	// version; it fails on the others without writing anything.
	identify(ctx context.Context, q Querier) (version string, err error)
	// check refuses a version, or a setting of the connection, that the
	// inbox cannot run on; probe is a claim to try in a transaction that
	// is rolled back.
	check(ctx context.Context, db Prober, version string) error
	// resolve fixes the schema of the table.
	resolve(ctx context.Context, q Querier, t TableName) (TableName, error)
	// checkProbe reads the rows affected by the claim of a new key, then of
	// the same key again in the same transaction: the claim must tell them
	// apart, on this connection's settings.
	checkProbe(first, second int64) error
	// lockKey names the migration lock of t.
	lockKey(t TableName) string
	// beginMigration runs migrate_begin.sql: the lock that orders
	// replicas migrating together.
	beginMigration(ctx context.Context, s Session, q Queries) error
	// endMigration ends it: ok commits (or releases), !ok rolls back.
	endMigration(ctx context.Context, s Session, t TableName, ok bool) error
	// serverHold is the bound the claim puts on its transaction's
	// statements on the server: hold, or the connection's own where that is
	// shorter (0: the dialect puts none).
	serverHold(ctx context.Context, q Querier, hold time.Duration) (time.Duration, error)
	// claimArgs are the claim's arguments for key, with the server's hold.
	claimArgs(key string, hold time.Duration) []any
	// failArgs are the arguments of fail.sql.
	failArgs(key, msg string) []any
	// acquired reads the claim's rows affected: whether the key was
	// claimed (rather than found done).
	acquired(rows int64) bool
	// pruneArg is the retention as prune.sql takes it.
	pruneArg(retention time.Duration) any
	// scanTime reads a timestamp column.
	scanTime(v any) (time.Time, error)
	// classify reads an error of the database.
	classify(err error) class
	// singleWriter reports one writer at a time (SQLite): the inbox then
	// runs one claim at a time per process.
	singleWriter() bool
}

// Prober runs the probes of New.
type Prober interface {
	Querier
	Session(ctx context.Context) (Session, error)
	// ProbeClaim runs the claim statement with args, twice, in a
	// transaction it rolls back, and returns each time's rows affected.
	ProbeClaim(ctx context.Context, q string, args []any) (first, second int64, err error)
	// MaxConns is the most connections the pool opens (0: no limit).
	MaxConns() int
}

// class is what an error of the database means to the inbox.
type class int

const (
	classOther class = iota
	// classBusy: the database ended a wait for another transaction's lock
	// (a lock timeout, a deadlock, a serialization failure, SQLite busy).
	// For a claim, the key is in progress, never failed.
	classBusy
	// classReadOnly: the database refuses writes.
	classReadOnly
	// classPooler: a prepared statement was lost between connections (a
	// pooler in transaction mode, PgBouncer before 1.21, under pgx's
	// statement cache).
	classPooler
)

// TableName is the inbox's table, resolved once in New to the schema that
// holds it and used qualified from then on: a connection whose search_path
// differs (a redeploy, a pooler) reaches the same table, never a second,
// empty one beside it.
type TableName struct{ Schema, Name string }

// identifier is what each part of a table name may be: a plain SQL
// identifier, so that a name is never SQL.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,47}$`)

// ParseTableName splits "name" or "schema.name" and checks each part.
func ParseTableName(s string) (TableName, error) {
	schema, name, qualified := strings.Cut(s, ".")
	if !qualified {
		schema, name = "", s
	}
	if !identifier.MatchString(name) || (qualified && !identifier.MatchString(schema)) {
		return TableName{}, fmt.Errorf("sqlinbox: New: table name %q is not a plain identifier or schema.identifier (letters, digits, underscores, at most 48 each)", s)
	}
	return TableName{Schema: schema, Name: name}, nil
}

// String is schema.name, for messages.
func (t TableName) String() string { return t.Schema + "." + t.Name }

//go:embed sql
var sqlFiles embed.FS

// Queries are a dialect's statements for one table.
type Queries struct {
	Claim, Fail, Failed, Lookup, Prune string
	MigrateBegin, Migrations, Version  string
	columns                            string
	steps                              [][]string // migrate_N.sql, split into statements
	recordVersion                      string     // with {{version}} left in
}

// queries loads d's statements for t, with the table's names written in
// (validated identifiers: never SQL).
func queries(d Dialect, t TableName) Queries {
	r := strings.NewReplacer("{{schema}}", t.Schema, "{{name}}", t.Name, "{{lock}}", d.lockKey(t))
	load := func(file string) string { return r.Replace(loadFile(d.dir(), file)) }
	q := Queries{Claim: load("claim.sql"), Fail: load("fail.sql"), Failed: load("failed.sql"), Lookup: load("lookup.sql"),
		Prune: load("prune.sql"), MigrateBegin: load("migrate_begin.sql"), Migrations: load("migrations.sql"),
		Version: load("version.sql"), recordVersion: load("record_version.sql")}
	q.columns = "SELECT * FROM " + quoteFor(d, t) + " WHERE 1 = 0"
	for v := 1; ; v++ {
		file := "migrate_" + strconv.Itoa(v) + ".sql"
		if _, err := sqlFiles.ReadFile("sql/" + d.dir() + "/" + file); err != nil {
			break
		}
		q.steps = append(q.steps, statements(load(file)))
	}
	return q
}

// loadFile reads one of the SQL files, without its comment lines: they
// document the file, and need not travel with every statement.
func loadFile(dir, file string) string {
	b, err := sqlFiles.ReadFile("sql/" + dir + "/" + file)
	if err != nil {
		panic("sqlinbox: no sql/" + dir + "/" + file) // a build without its files
	}
	var lines []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			lines = append(lines, line)
		}
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// statements splits a file's text at the semicolons that end its lines.
func statements(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ";\n") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// quoteFor writes t qualified in d's quoting.
func quoteFor(d Dialect, t TableName) string {
	if d.dir() == "mysql" {
		return "`" + t.Schema + "`.`" + t.Name + "`"
	}
	return `"` + t.Schema + `"."` + t.Name + `"`
}

// sqlState is PostgreSQL's error code, read through the method pgconn's
// errors have (through database/sql too), so that no driver is imported.
func sqlState(err error) (string, bool) {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		return pg.SQLState(), true
	}
	return "", false
}

// execAll runs each statement of a file in turn (beginMigration of the
// dialects whose lock is a transaction's).
func execAll(ctx context.Context, s Session, text string) error {
	for _, stmt := range statements(text) {
		if _, err := s.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// checkOneThenNone is checkProbe where a claim changes one row or none.
func checkOneThenNone(first, second int64) error {
	if first == 1 && second == 0 {
		return nil
	}
	return fmt.Errorf("sqlinbox: the claim changed %d then %d rows, not 1 then 0: the inbox cannot run on this connection", first, second)
}
