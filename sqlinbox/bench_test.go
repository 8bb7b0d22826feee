package sqlinbox_test

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/sqlinbox"
	"github.com/bankhub-go/bankhub/sqlinbox/internal/inboxtest"
	"github.com/stretchr/testify/require"
)

// The cost of the inbox, per database: the IPN handler with sqlinbox
// against a handler written by hand that makes the same writes and its own
// INSERT … ON CONFLICT DO NOTHING (ON DUPLICATE KEY on MySQL) in one
// transaction, each on tables of its own. Each iteration delivers a new
// payment to each of the two, in turns (which one goes first alternates),
// and times each delivery: both meet the same machine, whatever its load
// does meanwhile (this one's loopback round trip moves between 60 and 400
// µs from one second to the next). BenchmarkIPN delivers one pair at a
// time; BenchmarkIPNParallel from 64 goroutines at once, where the ratio
// of the mean times is the inverse ratio of the throughputs. The metrics:
// sdk-µs and hand-µs per delivery, and sdk/hand.
//
//	cd sqlinbox && go test -run '^$' -bench 'IPN' -count 6 .

// benchStacks are the stacks measured. SQLite without an fsync per commit
// (synchronous=NORMAL, the usual setting with WAL): the disk's fsync time,
// the same for both handlers and the noisiest part of a commit, would
// otherwise hide their own cost.
var benchStacks = []inboxtest.Stack{
	{Name: "sqlite", Dialect: sqlinbox.SQLite, NewDatabase: func(t testing.TB, settings ...string) inboxtest.Database {
		path := filepath.Join(t.TempDir(), "bench.db")
		return inboxtest.SQLDatabase(sqlinbox.SQLite, "sqlite", func([]string) string { return sqliteDSN(path) + "&_pragma=synchronous(normal)" }, settings)
	}},
	postgresStack, pgbouncerStack, mariadbStack,
}

func BenchmarkIPN(b *testing.B) {
	for _, st := range benchStacks {
		b.Run(st.Name, func(b *testing.B) { benchPair(b, st, false) })
	}
}

// BenchmarkIPNParallel: on SQLite the two handlers write two files, each a
// resource of its own (one writer at a time): a pair would measure which
// one the goroutines queue at, not their throughputs. There each handler
// runs on its own instead (sqlite/sqlinbox, sqlite/handwritten: compare
// their ns/op).
func BenchmarkIPNParallel(b *testing.B) {
	for _, st := range benchStacks {
		if st.Dialect == sqlinbox.SQLite {
			b.Run(st.Name+"/sqlinbox", func(b *testing.B) { inboxtest.RunOne(b, sdkHandler(b, newBenchShop(b, st)), ipnKey) })
			b.Run(st.Name+"/handwritten", func(b *testing.B) { inboxtest.RunOne(b, handwrittenHandler(b, newBenchShop(b, st)), ipnKey) })
			continue
		}
		b.Run(st.Name, func(b *testing.B) { benchPair(b, st, true) })
	}
}

type benchShop struct {
	d              sqlinbox.Dialect
	db             *sql.DB
	orders, ledger string
	inboxTable     string
}

// benchConns is the pool each handler gets: enough for 64 deliveries at
// once to queue on the database, not on the pool.
const benchConns = 32

// newBenchShop makes a database of the stack (a file of its own, on
// SQLite, so that the two handlers do not share its write lock) with 64
// orders, one per delivery slot: parallel deliveries credit different
// rows, as different customers' payments do.
func newBenchShop(b *testing.B, st inboxtest.Stack) *benchShop {
	data := st.NewDatabase(b)
	s := &benchShop{d: st.Dialect, db: data.Open(b), orders: uniqueName("orders"), ledger: uniqueName("ledger"), inboxTable: uniqueName("inbox")}
	s.db.SetMaxOpenConns(benchConns)
	s.db.SetMaxIdleConns(benchConns)
	for _, q := range []string{
		`CREATE TABLE ` + s.orders + ` (code VARCHAR(64) PRIMARY KEY, paid BIGINT NOT NULL DEFAULT 0)`,
		`CREATE TABLE ` + s.ledger + ` (transaction_id VARCHAR(128) NOT NULL, code VARCHAR(64) NOT NULL, amount BIGINT NOT NULL)`,
	} {
		_, err := s.db.Exec(q)
		require.NoError(b, err)
	}
	for i := range 64 {
		_, err := s.db.Exec(rebind(s.d, `INSERT INTO `+s.orders+` (code) VALUES ($1)`), "DH"+strconv.Itoa(100000+i))
		require.NoError(b, err)
	}
	return s
}

func benchPair(b *testing.B, st inboxtest.Stack, parallel bool) {
	sdk, hand := sdkHandler(b, newBenchShop(b, st)), handwrittenHandler(b, newBenchShop(b, st))
	inboxtest.RunPair(b, sdk, hand, ipnKey, parallel)
}

func sdkHandler(b *testing.B, s *benchShop) http.Handler {
	inbox, err := sqlinbox.New(b.Context(), s.db, s.d, sqlinbox.WithTable(s.inboxTable))
	require.NoError(b, err)
	credit := rebind(s.d, `UPDATE `+s.orders+` SET paid = paid + $1 WHERE code = $2`)
	record := rebind(s.d, `INSERT INTO `+s.ledger+` (transaction_id, code, amount) VALUES ($1, $2, $3)`)
	fn := inbox.Func(func(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error {
		if !n.TransferType.Incoming() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, credit, int64(n.Amount), n.PaymentCode); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, record, n.TransactionID, n.PaymentCode, int64(n.Amount))
		return err
	})
	return bankhub.NewIPNHandler(ipnKey, fn, bankhub.WithDedupe(inbox))
}

// handwrittenHandler is what a careful merchant writes without the SDK:
// check the key, decode, and in one transaction record the id (the insert
// that tells a duplicate) and credit.
func handwrittenHandler(b *testing.B, s *benchShop) http.Handler {
	_, err := s.db.Exec(`CREATE TABLE ` + s.inboxTable + ` (transaction_id VARCHAR(128) PRIMARY KEY)`)
	require.NoError(b, err)
	insert := rebind(s.d, `INSERT INTO `+s.inboxTable+` (transaction_id) VALUES ($1) ON CONFLICT (transaction_id) DO NOTHING`)
	if s.d == sqlinbox.MySQL {
		insert = `INSERT INTO ` + s.inboxTable + ` (transaction_id) VALUES (?) ON DUPLICATE KEY UPDATE transaction_id = transaction_id`
	}
	credit := rebind(s.d, `UPDATE `+s.orders+` SET paid = paid + $1 WHERE code = $2`)
	record := rebind(s.d, `INSERT INTO `+s.ledger+` (transaction_id, code, amount) VALUES ($1, $2, $3)`)
	want := []byte("Apikey " + ipnKey)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var n struct {
			TransactionID string `json:"transaction_id"`
			PaymentCode   string `json:"payment_code"`
			TransferType  string `json:"transfer_type"`
			Amount        int64  `json:"amount"`
		}
		if err := json.Unmarshal(raw, &n); err != nil || n.TransactionID == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		ctx := r.Context()
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		defer tx.Rollback()
		res, err := tx.ExecContext(ctx, insert, n.TransactionID)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if rows, _ := res.RowsAffected(); rows == 1 && n.TransferType == "credit" {
			if _, err := tx.ExecContext(ctx, credit, n.Amount, n.PaymentCode); err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			if _, err := tx.ExecContext(ctx, record, n.TransactionID, n.PaymentCode, n.Amount); err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
		}
		if err := tx.Commit(); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"success":true}` + "\n"))
	})
}
