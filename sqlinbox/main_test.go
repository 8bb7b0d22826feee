package sqlinbox_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub/sqlinbox"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

// postgresURL is the PostgreSQL the tests use: POSTGRES_URL, or a private
// server this test binary starts (initdb in a temporary folder, as the
// postgres user when run as root) when PostgreSQL's binaries are installed.
// Without either, the PostgreSQL tests are skipped, except under CI=true,
// where they fail.
var postgresURL string

func TestMain(m *testing.M) {
	if os.Getenv("SQLINBOX_CHAOS_HELPER") != "" {
		os.Exit(chaosReplica())
	}
	postgresURL = os.Getenv("POSTGRES_URL")
	var stop func()
	if postgresURL == "" {
		if url, s, err := startPostgres(); err == nil {
			postgresURL, stop = url, s
		} else {
			fmt.Fprintln(os.Stderr, "sqlinbox tests: no PostgreSQL:", err)
		}
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// pgBin finds a PostgreSQL server program: on the PATH, or in Debian's
// versioned folder.
func pgBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) == 0 {
		return "", fmt.Errorf("set POSTGRES_URL or install postgresql: %s not found", name)
	}
	return matches[len(matches)-1], nil
}

func startPostgres() (string, func(), error) {
	initdb, err := pgBin("initdb")
	if err != nil {
		return "", nil, err
	}
	postgres, err := pgBin("postgres")
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "sqlinbox-pg")
	if err != nil {
		return "", nil, err
	}
	asUser := func(cmd *exec.Cmd) *exec.Cmd { return cmd }
	if os.Geteuid() == 0 { // PostgreSQL refuses to run as root
		pg, err := user.Lookup("postgres")
		if err != nil {
			return "", nil, fmt.Errorf("running as root without a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		os.Chown(dir, uid, gid)
		asUser = func(cmd *exec.Cmd) *exec.Cmd {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", cmd.Path}, cmd.Args[1:]...)...)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := asUser(exec.Command(initdb, "-D", data, "-U", "postgres", "-A", "trust", "--no-sync")).CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := asUser(exec.Command(postgres, "-D", data, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+dir, "-c", "fsync=off", "-c", "max_connections=200"))
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	db, _ := sql.Open("pgx", url)
	defer db.Close()
	for i := 0; db.Ping() != nil; i++ {
		if i > 200 {
			cmd.Process.Kill()
			os.RemoveAll(dir)
			return "", nil, fmt.Errorf("postgres did not start on port %d", port)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return url, func() {
		// Fast shutdown, sent to the server itself: runuser does not pass
		// signals on.
		if b, err := os.ReadFile(filepath.Join(data, "postmaster.pid")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])); err == nil {
				syscall.Kill(pid, syscall.SIGINT)
			}
		}
		cmd.Wait()
		os.RemoveAll(dir)
	}, nil
}

// dbCase is one database the behaviour tests run on.
type dbCase struct {
	name    string
	dialect sqlinbox.Dialect
	open    func(t testing.TB) *sql.DB
}

var dialects = []dbCase{
	{"sqlite", sqlinbox.SQLite, openSQLite},
	{"sqlite-mattn", sqlinbox.SQLite, openMattn},
	{"postgres", sqlinbox.Postgres, openPostgres},
}

// openMattn opens a database file through mattn/go-sqlite3 (cgo), at
// v1.14.16 on purpose: it bundles SQLite 3.39.4, older than the 3.42 of
// unixepoch('subsec'), as many merchants' builds still do.
func openMattn(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "shop.db")+"?_busy_timeout=10000&_journal_mode=WAL&_foreign_keys=1")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Skipf("mattn/go-sqlite3 is not usable here (it needs cgo): %v", err)
	}
	return db
}

// openSQLite opens a new database file in the test's temporary folder, with
// the busy timeout and WAL journaling the package doc recommends.
func openSQLite(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(t.TempDir(), "shop.db")))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=foreign_keys(1)"
}

func openPostgres(t testing.TB) *sql.DB {
	t.Helper()
	if postgresURL == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI provides PostgreSQL: POSTGRES_URL is not set and none could be started")
		}
		t.Skip("no PostgreSQL: set POSTGRES_URL or install postgresql")
	}
	db, err := sql.Open("pgx", postgresURL)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

var tableSeq atomic.Int64

// uniqueName returns a table name no other test of this run uses.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), tableSeq.Add(1))
}

// rebind writes $N parameters as SQLite's ?N when it runs there.
func rebind(d sqlinbox.Dialect, q string) string {
	if d == sqlinbox.SQLite {
		return strings.NewReplacer("$1", "?1", "$2", "?2", "$3", "?3").Replace(q)
	}
	return q
}

// withTimeout is a context for one test step.
func withTimeout(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
