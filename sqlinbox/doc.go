// Package sqlinbox records which notifications were handled in the
// merchant's own SQL database, in the same transaction as the merchant's
// writes: both commit or neither does, so a payment is credited exactly once
// even when the process dies between its write and "done".
//
//	db, _ := sql.Open("pgx", os.Getenv("DATABASE_URL")) // or "sqlite", "mysql"
//	inbox, err := sqlinbox.New(ctx, db, sqlinbox.Postgres)
//	fn := inbox.Func(func(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error {
//		if !n.TransferType.Incoming() {
//			return nil // a refund or a fee is not a payment
//		}
//		_, err := tx.ExecContext(ctx, `UPDATE orders SET paid = paid + $1 WHERE code = $2`, n.Amount, n.PaymentCode)
//		return err // nil: this write and "done" commit together
//	})
//	http.Handle("POST /bankhub/ipn", bankhub.NewIPNHandler(apiKey, fn, bankhub.WithDedupe(inbox)))
//	rec := bankhub.NewReconciler(client, fn, bankhub.WithReconcileDedupe(inbox))
//
// Code on pgx itself (pgxpool, sqlc with sql_package pgx/v5, River's
// riverpgxv5) uses the sibling package pgxinbox, whose function gets the
// claim's pgx.Tx: the merchant's queries, and River's InsertTx, join it.
//
// # How it works
//
// The inbox is a bankhub.TxDedupeStore. Claiming a notification opens a
// transaction and, in it, upserts the notification's row as done, unless a
// committed row already says done. The database's row lock (PostgreSQL,
// MySQL) or write lock (SQLite) then holds the claim: a concurrent duplicate
// waits on it and sees the outcome, and a process that dies leaves nothing
// behind but a transaction the database rolls back. The merchant's function
// writes in that same transaction (the *sql.Tx that Func hands it); a nil
// return commits the writes and "done" together. An error, a panic, a
// failed commit, a claim held past WithMaxHold or a dead process rolls
// everything back, so the notification is processed again by its next
// delivery or the reconciler's next pass; the failure is recorded, with its
// error, for operators (Failed).
//
// Every wait is bounded: a claim waits for a pooled connection and for
// another holder's lock no longer than the store timeout (2 s), a duplicate
// is answered within the handler's dedupe wait (6 s, inside SePay's 8), the
// function's context and its transaction end at WithMaxHold, and a commit
// still running at the store timeout is cut off and counts as failed. A
// wait the database ends itself (a lock timeout, a deadlock, a
// serialization failure under repeatable read or serializable) means
// "in progress", never "failed".
//
// # Databases
//
// Each has its SQL in a folder of its own (internal/engine/sql), and one
// behaviour suite runs on all of them:
//
//   - PostgreSQL (Postgres) through pgx's database/sql driver
//     (github.com/jackc/pgx/v5/stdlib, driver name "pgx"), or pgxinbox.
//     Through PgBouncer in transaction mode, pgx must not cache prepared
//     statements (add default_query_exec_mode=exec to the connection string),
//     unless PgBouncer is 1.21 or later with max_prepared_statements; New
//     finds out and says so.
//   - MySQL 8 and MariaDB 10.11 or later (MySQL) through
//     github.com/go-sql-driver/mysql (driver name "mysql"). parseTime=true
//     is not needed (the inbox reads its times either way);
//     clientFoundRows=true is refused by New (the claim tells a new
//     notification from a done one by the rows it changed). Its lock waits
//     end at innodb_lock_wait_timeout on the server.
//   - SQLite 3.24 or later (SQLite) through modernc.org/sqlite (pure Go,
//     driver name "sqlite") or mattn/go-sqlite3 (cgo, "sqlite3"). SQLite
//     has one writer at a time, so the inbox runs one claim at a time per
//     *Inbox and the database file's lock orders processes; open it with a
//     busy timeout (`_pragma=busy_timeout(5000)`) and WAL journaling so that
//     the merchant's other writes wait instead of failing.
//
// New checks that the database is the dialect's before it writes anything
// (a MySQL given as Postgres is named as such), that it can be written to
// (ErrReadOnly otherwise), and that a claim tells a new key from a done one
// on this connection's settings.
//
// The table (bankhub_inbox by default, WithTable) is created if missing, by
// versioned, idempotent migrations recorded in <table>_migrations, which
// replicas starting together run once at any isolation level; New refuses
// a table of another shape. Its schema is resolved once and kept: a
// changed search_path never leads the inbox to a second, empty table.
package sqlinbox
