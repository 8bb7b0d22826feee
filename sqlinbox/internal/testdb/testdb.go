// Package testdb starts the database servers the sqlinbox tests run on, the
// same way for CI (cmd/testdb, which .ci/run calls) and for a test binary
// run by hand (Servers, from TestMain): PostgreSQL, PgBouncer in
// transaction mode in front of it, and MariaDB, each private, in a folder
// of its own, on a free loopback port, stopped by its PID. A server whose
// URL is already in the environment (POSTGRES_URL, PGBOUNCER_URL,
// MYSQL_URL) is used as it is; one whose programs are not installed is left
// out, and the tests that need it skip (or fail under CI=true).
package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql" // waitFor's pings
	_ "github.com/jackc/pgx/v5/stdlib"
)

// Env names the servers.
type Env struct {
	PostgresURL  string // postgres://… (pgx)
	PgBouncerURL string // postgres://… through PgBouncer, transaction pooling
	MySQLURL     string // user@tcp(host:port)/db (go-sql-driver/mysql)
}

// Variables are the environment variables of Env.
const (
	PostgresVar  = "POSTGRES_URL"
	PgBouncerVar = "PGBOUNCER_URL"
	MySQLVar     = "MYSQL_URL"
)

// FromEnv reads Env from the environment.
func FromEnv() Env {
	return Env{PostgresURL: os.Getenv(PostgresVar), PgBouncerURL: os.Getenv(PgBouncerVar), MySQLURL: os.Getenv(MySQLVar)}
}

// Exports writes env as shell export lines.
func (env Env) Exports() string {
	var b strings.Builder
	for _, kv := range [][2]string{{PostgresVar, env.PostgresURL}, {PgBouncerVar, env.PgBouncerURL}, {MySQLVar, env.MySQLURL}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "export %s=%q\n", kv[0], kv[1])
		}
	}
	return b.String()
}

// Servers is what Start started.
type Servers struct {
	Env
	// Missing says, per server left out, why.
	Missing []string
	stops   []func()
}

// Stop stops every server Start started, newest first.
func (s *Servers) Stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
}

// The servers Start knows.
const (
	Postgres  = "postgres"
	PgBouncer = "pgbouncer"
	MariaDB   = "mariadb"
)

// Start starts, under dir, each server of only (every one when none is
// named) that env lacks and this machine can run; the others are taken
// from env. detach leaves the servers running after this process exits
// (CI's: it stops them by their PID files).
func Start(dir string, env Env, detach bool, only ...string) (*Servers, error) {
	s := &Servers{Env: env}
	want := func(name string) bool { return len(only) == 0 || slices.Contains(only, name) }
	// The servers run as their own users when this process is root: they
	// must reach their folders under dir.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, err
		}
	}
	if s.PostgresURL == "" && (want(Postgres) || want(PgBouncer)) {
		url, stop, err := startPostgres(filepath.Join(dir, "pg"), detach)
		switch {
		case err == nil:
			s.PostgresURL = url
			s.stops = append(s.stops, stop)
		case errors.Is(err, errMissing):
			s.Missing = append(s.Missing, err.Error())
		default:
			s.Stop()
			return nil, err
		}
	}
	if s.PgBouncerURL == "" && s.PostgresURL != "" && want(PgBouncer) {
		url, stop, err := startPgBouncer(filepath.Join(dir, "pgbouncer"), s.PostgresURL, detach)
		switch {
		case err == nil:
			s.PgBouncerURL = url
			s.stops = append(s.stops, stop)
		case errors.Is(err, errMissing):
			s.Missing = append(s.Missing, err.Error())
		default:
			s.Stop()
			return nil, err
		}
	}
	if s.MySQLURL == "" && want(MariaDB) {
		url, stop, err := startMariaDB(filepath.Join(dir, "mariadb"), detach)
		switch {
		case err == nil:
			s.MySQLURL = url
			s.stops = append(s.stops, stop)
		case errors.Is(err, errMissing):
			s.Missing = append(s.Missing, err.Error())
		default:
			s.Stop()
			return nil, err
		}
	}
	return s, nil
}

var errMissing = errors.New("not installed")

// program finds a server program on the PATH or in Debian's folders.
func program(name string, globs ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, g := range globs {
		if matches, _ := filepath.Glob(g); len(matches) > 0 {
			return matches[len(matches)-1], nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, errMissing)
}

// freePort is a loopback port nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// as runs a server program as user when this process is root (PostgreSQL,
// PgBouncer and MariaDB refuse root); dir becomes the user's.
func as(name string, dir string, cmd *exec.Cmd) (*exec.Cmd, error) {
	if os.Geteuid() != 0 {
		return cmd, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("running as root without a %s user: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	}); err != nil {
		return nil, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	return cmd, nil
}

// launch starts cmd, in a process group of its own when it is to outlive
// this process, logging to log.
func launch(cmd *exec.Cmd, log string, detach bool) error {
	f, err := os.Create(log)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if detach {
		if cmd.SysProcAttr == nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{}
		}
		cmd.SysProcAttr.Setpgid = true
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	if detach {
		return cmd.Process.Release()
	}
	go cmd.Wait()
	return nil
}

// waitFor pings a server until it answers.
func waitFor(driver, dsn, logPath string) error {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("did not start: %w\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopByPIDFile signals the server whose PID file is path and waits for it
// to go (runuser and detached servers are not this process's children).
func stopByPIDFile(path string, sig syscall.Signal) func() {
	return func() {
		b, err := os.ReadFile(path)
		if err != nil {
			return
		}
		pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
		if err != nil {
			return
		}
		syscall.Kill(pid, sig)
		for range 100 {
			if syscall.Kill(pid, 0) != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

func startPostgres(dir string, detach bool) (string, func(), error) {
	initdb, err := program("initdb", "/usr/lib/postgresql/*/bin/initdb")
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL (%w)", err)
	}
	postgres, err := program("postgres", "/usr/lib/postgresql/*/bin/postgres")
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL (%w)", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	data := filepath.Join(dir, "data")
	cmd, err := as("postgres", dir, exec.Command(initdb, "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"))
	if err != nil {
		return "", nil, err
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	cmd, err = as("postgres", dir, exec.Command(postgres, "-D", data, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+dir, "-c", "fsync=off", "-c", "max_connections=300"))
	if err != nil {
		return "", nil, err
	}
	log := filepath.Join(dir, "log")
	if err := launch(cmd, log, detach); err != nil {
		return "", nil, err
	}
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	// Fast shutdown, sent to the server itself.
	stop := stopByPIDFile(filepath.Join(data, "postmaster.pid"), syscall.SIGINT)
	if err := waitFor("pgx", url, log); err != nil {
		stop()
		return "", nil, fmt.Errorf("postgres: %w", err)
	}
	return url, stop, nil
}

// startPgBouncer puts PgBouncer in transaction pooling mode, the common
// production setup, in front of the PostgreSQL at pgURL.
func startPgBouncer(dir, pgURL string, detach bool) (string, func(), error) {
	bin, err := program("pgbouncer", "/usr/sbin/pgbouncer")
	if err != nil {
		return "", nil, fmt.Errorf("PgBouncer (%w)", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	host, pgPort, err := hostPort(pgURL)
	if err != nil {
		return "", nil, err
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	ini := filepath.Join(dir, "pgbouncer.ini")
	conf := fmt.Sprintf(`[databases]
* = host=%s port=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 40
logfile = %s
pidfile = %s
ignore_startup_parameters = extra_float_digits
`, host, pgPort, port, filepath.Join(dir, "users.txt"), filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid"))
	if err := os.WriteFile(ini, []byte(conf), 0o600); err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "users.txt"), []byte(`"postgres" ""`+"\n"), 0o600); err != nil {
		return "", nil, err
	}
	cmd, err := as("postgres", dir, exec.Command(bin, ini))
	if err != nil {
		return "", nil, err
	}
	log := filepath.Join(dir, "stderr")
	if err := launch(cmd, log, detach); err != nil {
		return "", nil, err
	}
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	stop := stopByPIDFile(filepath.Join(dir, "pgbouncer.pid"), syscall.SIGINT)
	// A ping through PgBouncer must not leave pgx prepared statements
	// behind: exec mode, for the probe only.
	if err := waitFor("pgx", url+"&default_query_exec_mode=exec", log); err != nil {
		stop()
		return "", nil, fmt.Errorf("pgbouncer: %w", err)
	}
	return url, stop, nil
}

func hostPort(pgURL string) (host, port string, err error) {
	rest, ok := strings.CutPrefix(pgURL, "postgres://")
	if !ok {
		return "", "", fmt.Errorf("not a postgres:// URL: %q", pgURL)
	}
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return net.SplitHostPort(rest)
}

// startMariaDB starts MariaDB with a private datadir; root connects over
// TCP from 127.0.0.1 without a password, to the database "sqlinbox".
func startMariaDB(dir string, detach bool) (string, func(), error) {
	install, err := program("mariadb-install-db", "/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db")
	if err != nil {
		return "", nil, fmt.Errorf("MariaDB (%w)", err)
	}
	server, err := program("mariadbd", "/usr/sbin/mariadbd", "/usr/sbin/mysqld")
	if err != nil {
		return "", nil, fmt.Errorf("MariaDB (%w)", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	data := filepath.Join(dir, "data")
	runAs := []string{}
	if os.Geteuid() == 0 {
		runAs = []string{"--user=mysql"}
	}
	cmd, err := as("mysql", dir, exec.Command(install, append([]string{"--no-defaults", "--datadir=" + data,
		"--auth-root-authentication-method=normal", "--skip-test-db"}, runAs...)...))
	if err != nil {
		return "", nil, err
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("mariadb-install-db: %w: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	pidFile := filepath.Join(dir, "mariadb.pid")
	cmd, err = as("mysql", dir, exec.Command(server, append([]string{"--no-defaults", "--datadir=" + data,
		"--socket=" + filepath.Join(dir, "sock"), "--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1",
		"--pid-file=" + pidFile, "--skip-name-resolve", "--max-connections=1000",
		"--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0", "--innodb-buffer-pool-size=256M"}, runAs...)...))
	if err != nil {
		return "", nil, err
	}
	log := filepath.Join(dir, "log")
	if err := launch(cmd, log, detach); err != nil {
		return "", nil, err
	}
	stop := stopByPIDFile(pidFile, syscall.SIGTERM)
	root := fmt.Sprintf("root@tcp(127.0.0.1:%d)/", port)
	if err := waitFor("mysql", root, log); err != nil {
		stop()
		return "", nil, fmt.Errorf("mariadbd: %w", err)
	}
	db, err := sql.Open("mysql", root)
	if err != nil {
		stop()
		return "", nil, err
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE IF NOT EXISTS sqlinbox"); err != nil {
		stop()
		return "", nil, err
	}
	return root + "sqlinbox", stop, nil
}

// StopAll stops the servers Start started under dir, detached: by their
// PID files.
func StopAll(dir string) {
	stopByPIDFile(filepath.Join(dir, "mariadb", "mariadb.pid"), syscall.SIGTERM)()
	stopByPIDFile(filepath.Join(dir, "pgbouncer", "pgbouncer.pid"), syscall.SIGINT)()
	stopByPIDFile(filepath.Join(dir, "pg", "data", "postmaster.pid"), syscall.SIGINT)()
}
