package sqlinbox_test

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/sqlinbox"
	"github.com/bankhub-go/bankhub/sqlinbox/internal/inboxtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What the behaviour suite (suite_test.go) cannot say for every stack at
// once: a database's own settings, clock and failures.

const ipnKey = inboxtest.IPNKey

func TestNewOnAnUnreachableDatabase(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	require.NoError(t, err)
	defer db.Close()
	_, err = sqlinbox.New(context.Background(), db, sqlinbox.Postgres)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sqlinbox: cannot reach the PostgreSQL database")

	sq, err := sql.Open("sqlite", "file:"+t.TempDir()+"/missing-dir/x.db?mode=ro")
	require.NoError(t, err)
	defer sq.Close()
	_, err = sqlinbox.New(context.Background(), sq, sqlinbox.SQLite)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sqlinbox: cannot reach the SQLite database")

	_, err = sqlinbox.New(context.Background(), sq, sqlinbox.Dialect(7))
	assert.ErrorContains(t, err, "unknown dialect Dialect(7)")
	_, err = sqlinbox.New(context.Background(), nil, sqlinbox.SQLite)
	assert.ErrorContains(t, err, "nil *sql.DB")
}

// A database given as another dialect is named for what it is, before
// anything is written: New(mysqlDB, sqlinbox.Postgres) failed with
// "FUNCTION shop.pg_advisory_xact_lock does not exist" and
// New(mysqlDB, sqlinbox.SQLite) with a syntax error, leaving a stray
// …_migrations table behind (MySQL commits DDL by itself).
func TestWrongDialectIsNamedAndNothingIsWritten(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		st    inboxtest.Stack
		given sqlinbox.Dialect
		says  string
	}{
		{mariadbStack, sqlinbox.Postgres, "the database is MariaDB 10."},
		{mariadbStack, sqlinbox.SQLite, "not SQLite: use sqlinbox.MySQL"},
		{postgresStack, sqlinbox.MySQL, "the database is PostgreSQL 1"},
		{postgresStack, sqlinbox.SQLite, "not SQLite: use sqlinbox.Postgres"},
		{sqliteStack, sqlinbox.Postgres, "the database is SQLite 3."},
		{sqliteStack, sqlinbox.MySQL, "not MySQL: use sqlinbox.SQLite"},
	} {
		t.Run(tc.st.Name+"-as-"+tc.given.String(), func(t *testing.T) {
			t.Parallel()
			db := open(t, tc.st)
			table := uniqueName("inbox")
			_, err := sqlinbox.New(withTimeout(t), db, tc.given, sqlinbox.WithTable(table))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.says)
			assert.False(t, tableExists(t, db, tc.st.Dialect, table+"_migrations"), "no stray table")
			assert.False(t, tableExists(t, db, tc.st.Dialect, table))
		})
	}
}

// A redeploy with another search_path keeps using the inbox it had: IPN
// sp-1, handled with the default search_path (the table is in public), was
// credited a second time after the service came back with
// search_path=shop,public (CREATE TABLE IF NOT EXISTS made an empty
// shop.bankhub_inbox and the claims went there).
func TestSearchPathChangeKeepsTheSameInbox(t *testing.T) {
	t.Parallel()
	s := inboxtest.NewShop(t, postgresStack, 0)
	ctx := withTimeout(t)
	table := uniqueName("inbox")
	first, err := sqlinbox.New(ctx, s.DB, sqlinbox.Postgres, sqlinbox.WithTable(table))
	require.NoError(t, err)
	credit := func(in *sqlinbox.Inbox) http.Handler {
		return bankhub.NewIPNHandler(ipnKey, inboxtest.SQLInbox(in).Func(s.Credit), bankhub.WithDedupe(in))
	}
	n := inboxtest.Payment("sp-1", "DH100001", 1_000)
	assert.Equal(t, 200, inboxtest.Deliver(t, credit(first), n))

	schema := uniqueName("shop")
	_, err = s.DB.ExecContext(ctx, `CREATE SCHEMA `+schema)
	require.NoError(t, err)
	redeployed := open(t, postgresStack, "search_path="+schema+",public")
	second, err := sqlinbox.New(ctx, redeployed, sqlinbox.Postgres, sqlinbox.WithTable(table))
	require.NoError(t, err)
	assert.Equal(t, "public."+table, second.Table())
	assert.Equal(t, 200, inboxtest.Deliver(t, credit(second), n))
	assert.Equal(t, int64(1_000), s.Paid("DH100001"), "one payment of 1,000 is credited once")
	assert.Equal(t, int32(1), s.Calls.Load())
	var made sql.NullString
	require.NoError(t, s.DB.QueryRowContext(ctx, `SELECT to_regclass($1)::text`, schema+"."+table).Scan(&made))
	assert.False(t, made.Valid, "no second, empty inbox in %s", schema)

	// A table of that name in both schemas of the search path: New says
	// which, and asks for one.
	_, err = s.DB.ExecContext(ctx, `CREATE TABLE `+schema+`.`+table+` (key TEXT)`)
	require.NoError(t, err)
	_, err = sqlinbox.New(ctx, redeployed, sqlinbox.Postgres, sqlinbox.WithTable(table))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exists in each of the schemas "+schema+", public")
	// Named with its schema, the inbox is the one in public whatever the
	// search_path, and it knows sp-1 is done.
	pinned, err := sqlinbox.New(ctx, redeployed, sqlinbox.Postgres, sqlinbox.WithTable("public."+table))
	require.NoError(t, err)
	assert.Equal(t, 200, inboxtest.Deliver(t, credit(pinned), n))
	assert.Equal(t, int64(1_000), s.Paid("DH100001"))
	rec, err := pinned.Lookup(ctx, bankhub.IPNDedupeKey("sp-1"))
	require.NoError(t, err)
	assert.Equal(t, sqlinbox.StateDone, rec.State)

	// A schema given for a table that does not exist yet: created there.
	elsewhere := uniqueName("inbox")
	in, err := sqlinbox.New(ctx, s.DB, sqlinbox.Postgres, sqlinbox.WithTable(strings.ToUpper(schema)+"."+elsewhere))
	require.NoError(t, err)
	assert.Equal(t, schema+"."+elsewhere, in.Table(), "folded to lower case, as PostgreSQL does")
	require.NoError(t, s.DB.QueryRowContext(ctx, `SELECT to_regclass($1)::text`, schema+"."+elsewhere).Scan(&made))
	assert.True(t, made.Valid)
}

// Prune decides a row's age by the database's clock, the one that wrote
// updated_at: a replica whose clock ran 2 h ahead of the database deleted,
// at the shortest retention (25 h), the done row of a payment booked 23.5 h
// ago, and the next reconcile pass credited it again. The database's clock
// is set 2 h behind the test's here by a now() of a schema ahead of
// pg_catalog in the search_path.
func TestPruneGoesByTheDatabasesClock(t *testing.T) {
	t.Parallel()
	admin := open(t, postgresStack)
	ctx := withTimeout(t)
	skew := uniqueName("skew")
	for _, q := range []string{`CREATE SCHEMA ` + skew,
		`CREATE FUNCTION ` + skew + `.now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT pg_catalog.now() - interval '2 hours' $$`} {
		_, err := admin.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	db := open(t, postgresStack, "search_path="+skew+",pg_catalog,public")
	var behind time.Duration
	require.NoError(t, db.QueryRowContext(ctx, `SELECT EXTRACT(EPOCH FROM pg_catalog.now() - now())::bigint`).Scan(&behind))
	require.Equal(t, time.Duration(7200), behind, "the database's clock, as the inbox sees it, is 2 h behind")

	table := "public." + uniqueName("inbox")
	inbox, err := sqlinbox.New(ctx, db, sqlinbox.Postgres, sqlinbox.WithTable(table), sqlinbox.WithRetention(sqlinbox.MinRetention))
	require.NoError(t, err)
	h := bankhub.NewIPNHandler(ipnKey, inbox.Func(func(context.Context, *sql.Tx, *bankhub.IPN) error { return nil }), bankhub.WithDedupe(inbox))
	for _, id := range []string{"booked-23.5h-ago", "booked-26h-ago"} {
		require.Equal(t, 200, inboxtest.Deliver(t, h, inboxtest.Payment(id, "DH100001", 1)))
	}
	for key, age := range map[string]string{"ipn:booked-23.5h-ago": "23.5 hours", "ipn:booked-26h-ago": "26 hours"} {
		_, err := db.ExecContext(ctx, `UPDATE `+table+` SET updated_at = now() - interval '`+age+`' WHERE key = $1`, key)
		require.NoError(t, err)
	}
	n, err := inbox.Prune(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	_, err = inbox.Lookup(ctx, "ipn:booked-23.5h-ago")
	require.NoError(t, err, "inside the retention by the database's clock: kept")
	_, err = inbox.Lookup(ctx, "ipn:booked-26h-ago")
	assert.ErrorIs(t, err, sqlinbox.ErrNotFound)
}

// A commit that does not finish (a deferred trigger that takes 5 s) is cut
// off at the store timeout and answered 500, where it held the delivery
// with no bound. Cut off, it may still have committed on the server or
// not; either way the payment is credited exactly once: done, and its
// redelivery acknowledged, or failed, and its redelivery credits it.
func TestSlowCommitIsCutOff(t *testing.T) {
	t.Parallel()
	s := inboxtest.NewShop(t, postgresStack, 0, sqlinbox.WithMaxHold(20*time.Second))
	ctx := withTimeout(t)
	slow := uniqueName("slow")
	for _, q := range []string{
		`CREATE TABLE ` + slow + ` (id TEXT)`,
		`CREATE FUNCTION ` + slow + `() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(5); RETURN NULL; END $$`,
		`CREATE CONSTRAINT TRIGGER ` + slow + ` AFTER INSERT ON ` + slow + ` DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ` + slow + `()`,
	} {
		_, err := s.DB.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	fn := s.Inbox.Func(func(ctx context.Context, tx inboxtest.Tx, n *bankhub.IPN) error {
		if err := s.Credit(ctx, tx, n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+slow+` (id) VALUES ($1)`, n.TransactionID)
		return err
	})
	h := bankhub.NewIPNHandler(ipnKey, fn, bankhub.WithDedupe(s.Inbox))
	n := inboxtest.Payment("slow-1", "DH100002", 2_000)
	start := time.Now()
	assert.Equal(t, 500, inboxtest.Deliver(t, h, n))
	assert.Less(t, time.Since(start), 5*time.Second, "answered before the commit ended")
	var settled sqlinbox.Record
	require.Eventually(t, func() bool {
		rec, err := s.Inbox.Lookup(ctx, "ipn:slow-1")
		settled = rec
		return err == nil
	}, 15*time.Second, 50*time.Millisecond, "the cut-off commit is settled: done, or recorded as failed")
	_, err := s.DB.ExecContext(ctx, `DROP TRIGGER `+slow+` ON `+slow)
	require.NoError(t, err)
	assert.Equal(t, 200, inboxtest.Deliver(t, h, n))
	if settled.State == sqlinbox.StateDone {
		assert.Equal(t, int32(1), s.Calls.Load(), "committed after all: the redelivery is acknowledged")
	} else {
		assert.Contains(t, settled.LastError, "commit cut off")
		assert.Equal(t, int32(2), s.Calls.Load(), "rolled back: the redelivery credits it")
	}
	assert.Equal(t, int64(2_000), s.Paid("DH100002"), "credited exactly once")
	assert.Equal(t, 1, s.LedgerRows("slow-1"))
}

// A duplicate whose wait for the first delivery's row lock is ended by the
// database (PostgreSQL's lock_timeout, statement_timeout, or a
// serialization failure once the first commits under repeatable read or
// serializable; MariaDB's innodb_lock_wait_timeout or serializable) keeps
// waiting and is answered 200 when the first commits 1.5 s later: it was
// answered 500.
func TestDuplicateWaitEndedByTheDatabaseIsInProgress(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		st      inboxtest.Stack
		setting string
	}{
		{postgresStack, "lock_timeout=300ms"}, {postgresStack, "statement_timeout=300ms"},
		{postgresStack, "default_transaction_isolation=repeatable%20read"}, {postgresStack, "default_transaction_isolation=serializable"},
		{mariadbStack, "innodb_lock_wait_timeout=1"}, {mariadbStack, "tx_isolation=%27SERIALIZABLE%27"},
	} {
		t.Run(tc.st.Name+"/"+tc.setting, func(t *testing.T) {
			t.Parallel()
			s := inboxtest.NewShopOn(t, tc.st, tc.st.NewDatabase(t, tc.setting), 0)
			s.Block = make(chan struct{})
			h := s.Handler()
			n := inboxtest.Payment("dup-1", "DH100001", 70_000)
			first := inboxtest.DeliverAsync(h, n)
			require.Eventually(t, func() bool { return s.Calls.Load() == 1 }, 10*time.Second, 5*time.Millisecond)
			second := inboxtest.DeliverAsync(h, n)
			time.Sleep(1500 * time.Millisecond) // the duplicate waits on the first's row lock meanwhile
			close(s.Block)
			assert.Equal(t, 200, <-first)
			assert.Equal(t, 200, <-second)
			assert.Equal(t, int32(1), s.Calls.Load())
			assert.Equal(t, int64(70_000), s.Paid("DH100001"))
		})
	}
}

// Another process holding SQLite's write lock (a long transaction of the
// merchant's own) is waited for within the delivery's time, on every SQLite
// driver: the claim's wait ends with its context, where it waited out the
// busy timeout (10 s here) and then answered 500. The delivery is answered
// 409 at the dedupe wait, and processed once the lock is free.
func TestSQLiteWriteLockOfAnotherProcessIsWaitedInTime(t *testing.T) {
	t.Parallel()
	for _, st := range []inboxtest.Stack{sqliteStack, mattnStack} {
		t.Run(st.Name, func(t *testing.T) {
			t.Parallel()
			s := inboxtest.NewShop(t, st, 0)
			other := s.Data.Open(t)
			ctx := withTimeout(t)
			long, err := other.BeginTx(ctx, nil)
			require.NoError(t, err)
			_, err = long.ExecContext(ctx, `UPDATE `+s.Orders+` SET paid = paid WHERE code = 'DH100002'`)
			require.NoError(t, err) // holds the write lock from now on
			h := s.Handler()
			start := time.Now()
			assert.Equal(t, 409, inboxtest.Deliver(t, h, inboxtest.Payment("lite-1", "DH100001", 5_000)))
			assert.Less(t, time.Since(start), 8*time.Second, "answered inside SePay's 8 s")
			assert.Equal(t, int32(0), s.Calls.Load())
			require.NoError(t, long.Rollback())
			assert.Equal(t, 200, inboxtest.Deliver(t, h, inboxtest.Payment("lite-1", "DH100001", 5_000)))
			assert.Equal(t, int64(5_000), s.Paid("DH100001"))
		})
	}
}

// Replicas starting together on a fresh database all migrate it once, at
// every isolation level: under repeatable read or serializable, 7 of 8
// failed New (a duplicate key on the migrations table, or 40001). Each
// replica has a pool of its own, as separate processes do.
func TestReplicasStartingTogetherMigrateAtAnyIsolation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		st      inboxtest.Stack
		setting string
	}{
		{postgresStack, "default_transaction_isolation=repeatable%20read"}, {postgresStack, "default_transaction_isolation=serializable"},
		{mariadbStack, "tx_isolation=%27SERIALIZABLE%27"},
	} {
		t.Run(tc.st.Name+"/"+tc.setting, func(t *testing.T) {
			t.Parallel()
			data := tc.st.NewDatabase(t, tc.setting)
			table := uniqueName("inbox")
			errs := make(chan error, 8)
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					_, err := data.NewInbox(t, 0, sqlinbox.WithTable(table))
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				assert.NoError(t, err)
			}
		})
	}
}

// A read-only database (a replica by mistake, default_transaction_read_only,
// a read-only transaction of MariaDB's, a SQLite file opened read-only) is
// refused by New with ErrReadOnly, whether the table exists or not; it
// failed with PostgreSQL's text for a CREATE and no word of read-only.
func TestReadOnlyDatabaseIsSaidToBe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		st      inboxtest.Stack
		setting string
	}{{postgresStack, "default_transaction_read_only=on"}, {mariadbStack, "tx_read_only=1"}} {
		t.Run(tc.st.Name, func(t *testing.T) {
			t.Parallel()
			ctx := withTimeout(t)
			existing := uniqueName("inbox")
			writable, err := sqlinbox.New(ctx, open(t, tc.st), tc.st.Dialect, sqlinbox.WithTable(existing))
			require.NoError(t, err)
			replica := open(t, tc.st, tc.setting)
			for _, table := range []string{existing, uniqueName("inbox")} {
				_, err := sqlinbox.New(ctx, replica, tc.st.Dialect, sqlinbox.WithTable(table))
				require.ErrorIs(t, err, sqlinbox.ErrReadOnly, table)
				assert.Contains(t, err.Error(), "read-only")
			}
			_, err = writable.Lookup(ctx, "ipn:none")
			assert.ErrorIs(t, err, sqlinbox.ErrNotFound, "the writable one works beside it")
		})
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		ctx := withTimeout(t)
		path := filepath.Join(t.TempDir(), "shop.db")
		rw, err := sql.Open("sqlite", sqliteDSN(path))
		require.NoError(t, err)
		_, err = sqlinbox.New(ctx, rw, sqlinbox.SQLite)
		require.NoError(t, err)
		rw.Close()
		ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		require.NoError(t, err)
		t.Cleanup(func() { ro.Close() })
		_, err = sqlinbox.New(ctx, ro, sqlinbox.SQLite)
		assert.ErrorIs(t, err, sqlinbox.ErrReadOnly)
	})
}

// PgBouncer in transaction mode with pgx's defaults: New says exactly which
// setting to use (it failed with `prepared statement "stmtcache_…" already
// exists`, and with statement_cache_capacity=0 alone with another message),
// and with it the inbox works (the suite's pgbouncer stack).
func TestPgBouncerWithPgxDefaultsSaysWhichSettingToUse(t *testing.T) {
	t.Parallel()
	url := need(t, servers.PgBouncerURL, "PgBouncer")
	for dsn, says := range map[string]string{
		url:                                 "add default_query_exec_mode=exec to the connection string",
		url + "&statement_cache_capacity=0": "add default_query_exec_mode=exec to the connection string as well",
	} {
		db, err := sql.Open("pgx", dsn)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		table := uniqueName("inbox")
		_, err = sqlinbox.New(withTimeout(t), db, sqlinbox.Postgres, sqlinbox.WithTable(table))
		require.Error(t, err, dsn)
		assert.Contains(t, err.Error(), says, dsn)
	}
}

// MySQL's connection settings: clientFoundRows=true is refused (a done
// notification would read as new, and be credited again); the times read
// back the same with parseTime=true or without, and in another loc.
func TestMySQLConnectionSettings(t *testing.T) {
	t.Parallel()
	ctx := withTimeout(t)
	_, err := sqlinbox.New(ctx, open(t, mariadbStack, "clientFoundRows=true"), sqlinbox.MySQL, sqlinbox.WithTable(uniqueName("inbox")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "remove clientFoundRows from the DSN")

	table := uniqueName("inbox")
	var seen []sqlinbox.Record
	for _, setting := range []string{"", "parseTime=true", "parseTime=true&loc=Asia%2FHo_Chi_Minh"} {
		var settings []string
		if setting != "" {
			settings = []string{setting}
		}
		in, err := sqlinbox.New(ctx, open(t, mariadbStack, settings...), sqlinbox.MySQL, sqlinbox.WithTable(table))
		require.NoError(t, err, setting)
		if len(seen) == 0 {
			h := bankhub.NewIPNHandler(ipnKey, in.Func(func(context.Context, *sql.Tx, *bankhub.IPN) error { return nil }), bankhub.WithDedupe(in))
			require.Equal(t, 200, inboxtest.Deliver(t, h, inboxtest.Payment("my-1", "DH100001", 1)))
		}
		rec, err := in.Lookup(ctx, "ipn:my-1")
		require.NoError(t, err, setting)
		assert.WithinDuration(t, time.Now(), rec.CreatedAt, time.Minute, setting)
		seen = append(seen, rec)
	}
	for _, rec := range seen[1:] {
		assert.True(t, seen[0].CreatedAt.Equal(rec.CreatedAt), "%v and %v", seen[0].CreatedAt, rec.CreatedAt)
	}
}
