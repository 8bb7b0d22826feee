package sqlinbox_test

import (
	"testing"

	"github.com/bankhub-go/bankhub/sqlinbox/internal/inboxtest"
)

// TestSuite runs the behaviour suite on every stack: SQLite through
// modernc.org/sqlite and mattn/go-sqlite3, PostgreSQL through pgx's
// database/sql driver directly and through PgBouncer, and MariaDB through
// go-sql-driver/mysql. (pgxinbox runs it on pgxpool.)
func TestSuite(t *testing.T) {
	for _, st := range stacks {
		t.Run(st.Name, func(t *testing.T) {
			t.Parallel()
			inboxtest.Exercise(t, st)
		})
	}
}
