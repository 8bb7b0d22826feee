package sqlinbox_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub/sqlinbox"
	"github.com/bankhub-go/bankhub/sqlinbox/internal/inboxtest"
	"github.com/bankhub-go/bankhub/sqlinbox/internal/testdb"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

// servers are the database servers the tests use: the ones the environment
// names (CI's, from internal/testdb/cmd), or private ones this test binary
// starts when their programs are installed (internal/testdb). Without a
// server, its stacks' tests are skipped, except under CI=true, where they
// fail.
var servers testdb.Env

func TestMain(m *testing.M) {
	if os.Getenv("SQLINBOX_CHAOS_HELPER") != "" {
		os.Exit(chaosReplica())
	}
	servers = testdb.FromEnv()
	var stop func()
	if servers.PostgresURL == "" || servers.PgBouncerURL == "" || servers.MySQLURL == "" {
		dir, err := os.MkdirTemp("", "sqlinbox-servers")
		if err == nil {
			s, err := testdb.Start(dir, servers, false)
			if err != nil {
				fmt.Fprintln(os.Stderr, "sqlinbox tests: starting servers:", err)
			} else {
				servers, stop = s.Env, s.Stop
				for _, m := range s.Missing {
					fmt.Fprintln(os.Stderr, "sqlinbox tests: no", m)
				}
			}
		}
		defer os.RemoveAll(dir)
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// The stacks the suite runs on: every driver and pooler of every database.
var (
	sqliteStack = inboxtest.Stack{Name: "sqlite", Dialect: sqlinbox.SQLite, Deferrable: true,
		NewDatabase: func(t testing.TB, settings ...string) inboxtest.Database {
			path := filepath.Join(t.TempDir(), "shop.db")
			return inboxtest.SQLDatabase(sqlinbox.SQLite, "sqlite", func([]string) string { return sqliteDSN(path) }, settings)
		}}
	// mattnStack is mattn/go-sqlite3 (cgo) at v1.14.16 on purpose: it
	// bundles SQLite 3.39.4, older than the 3.42 of unixepoch('subsec'), as
	// many merchants' builds still do; and it does not end a statement at
	// its context's end.
	mattnStack = inboxtest.Stack{Name: "sqlite-mattn", Dialect: sqlinbox.SQLite, Deferrable: true,
		NewDatabase: func(t testing.TB, settings ...string) inboxtest.Database {
			path := filepath.Join(t.TempDir(), "shop.db")
			db, err := sql.Open("sqlite3", "file:"+path)
			if err == nil {
				err = db.Ping()
				db.Close()
			}
			if err != nil {
				inboxtest.Unavailable(t, "mattn/go-sqlite3 needs cgo: "+err.Error())
			}
			return inboxtest.SQLDatabase(sqlinbox.SQLite, "sqlite3", func([]string) string { return mattnDSN(path) }, settings)
		}}
	postgresStack = inboxtest.Stack{Name: "postgres", Dialect: sqlinbox.Postgres, Deferrable: true, ServerHold: true,
		NewDatabase: func(t testing.TB, settings ...string) inboxtest.Database {
			return inboxtest.SQLDatabase(sqlinbox.Postgres, "pgx", func(s []string) string {
				return inboxtest.WithSettings(need(t, servers.PostgresURL, "PostgreSQL"), s)
			}, settings)
		}}
	// pgbouncerStack is PostgreSQL through PgBouncer in transaction mode,
	// with the setting New asks for (pgx's exec mode).
	pgbouncerStack = inboxtest.Stack{Name: "pgbouncer", Dialect: sqlinbox.Postgres, Deferrable: true, ServerHold: true, Pooler: true,
		NewDatabase: func(t testing.TB, settings ...string) inboxtest.Database {
			return inboxtest.SQLDatabase(sqlinbox.Postgres, "pgx", func(s []string) string {
				return inboxtest.WithSettings(need(t, servers.PgBouncerURL, "PgBouncer")+"&default_query_exec_mode=exec", s)
			}, settings)
		}}
	mariadbStack = inboxtest.Stack{Name: "mariadb", Dialect: sqlinbox.MySQL,
		NewDatabase: func(t testing.TB, settings ...string) inboxtest.Database {
			return inboxtest.SQLDatabase(sqlinbox.MySQL, "mysql", func(s []string) string {
				return inboxtest.WithSettings(need(t, servers.MySQLURL, "MariaDB"), s)
			}, settings)
		}}
	// pgxStack is pgxinbox on a pgxpool (its own suite runs in pgxinbox;
	// here for the chaos test).
	pgxStack = inboxtest.Stack{Name: "pgx", Dialect: sqlinbox.Postgres, Deferrable: true, ServerHold: true,
		NewDatabase: func(t testing.TB, settings ...string) inboxtest.Database {
			return inboxtest.PgxDatabase(inboxtest.WithSettings(need(t, servers.PostgresURL, "PostgreSQL"), settings))
		}}
	stacks = []inboxtest.Stack{sqliteStack, mattnStack, postgresStack, pgbouncerStack, mariadbStack}
)

// need returns url, or skips t (fails it under CI=true) without it.
func need(t testing.TB, url, what string) string {
	t.Helper()
	if url == "" {
		inboxtest.Unavailable(t, "no "+what+": set "+map[string]string{"PostgreSQL": testdb.PostgresVar, "PgBouncer": testdb.PgBouncerVar,
			"MariaDB": testdb.MySQLVar}[what]+" or install it")
	}
	return url
}

// sqliteDSN opens path through modernc.org/sqlite with the busy timeout
// and WAL journaling the package doc recommends.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=foreign_keys(1)"
}

// mattnDSN is sqliteDSN for mattn/go-sqlite3.
func mattnDSN(path string) string {
	return "file:" + path + "?_busy_timeout=10000&_journal_mode=WAL&_foreign_keys=1"
}

// open returns a database/sql handle of stack's on one test's database.
func open(t testing.TB, st inboxtest.Stack, settings ...string) *sql.DB {
	return st.NewDatabase(t, settings...).Open(t)
}

// rebind writes $N parameters as the dialect wants them.
func rebind(d sqlinbox.Dialect, q string) string { return inboxtest.Rebind(d, q) }

// uniqueName returns a table name no other test of this run uses.
func uniqueName(prefix string) string { return inboxtest.Unique(prefix) }

// withTimeout is a context for one test step.
func withTimeout(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// tableExists reports whether a table of that name exists anywhere in the
// database behind db (MySQL: in its database).
func tableExists(t testing.TB, db *sql.DB, d sqlinbox.Dialect, name string) bool {
	t.Helper()
	var q string
	switch d {
	case sqlinbox.Postgres:
		q = `SELECT COUNT(*) FROM pg_class WHERE relname = $1`
	case sqlinbox.MySQL:
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?`
	default:
		q = `SELECT COUNT(*) FROM sqlite_master WHERE name = ?1`
	}
	var n int
	require.NoError(t, db.QueryRow(q, strings.ToLower(name)).Scan(&n))
	return n > 0
}
