package sqlinbox_test

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/sqlinbox"
	"github.com/stretchr/testify/require"
)

// The cost of the inbox: the IPN handler with sqlinbox against a handler
// written by hand that makes the same writes and its own
// INSERT … ON CONFLICT DO NOTHING in one transaction. Each iteration is a
// new payment. Run both in one command and compare:
//
//	cd sqlinbox && go test -run '^$' -bench IPN -count 6 .

func BenchmarkIPN(b *testing.B) {
	// SQLite without an fsync per commit (synchronous=NORMAL, the usual
	// setting with WAL): the disk's fsync time, the same for both handlers
	// and the noisiest part of a commit, would otherwise hide their own cost.
	benchDBs := []dbCase{{"sqlite", sqlinbox.SQLite, func(t testing.TB) *sql.DB {
		db, err := sql.Open("sqlite", sqliteDSN(t.TempDir()+"/bench.db")+"&_pragma=synchronous(normal)")
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}}, dialects[1]}
	for _, dc := range benchDBs {
		b.Run(dc.name+"/sqlinbox", func(b *testing.B) { benchIPN(b, dc, sdkHandler) })
		b.Run(dc.name+"/handwritten", func(b *testing.B) { benchIPN(b, dc, handwrittenHandler) })
	}
}

type benchShop struct {
	d              sqlinbox.Dialect
	db             *sql.DB
	orders, ledger string
	inboxTable     string
}

func benchIPN(b *testing.B, dc dbCase, handler func(b *testing.B, s *benchShop) http.Handler) {
	db := dc.open(b)
	s := &benchShop{d: dc.dialect, db: db, orders: uniqueName("orders"), ledger: uniqueName("ledger"), inboxTable: uniqueName("inbox")}
	for _, q := range []string{
		`CREATE TABLE ` + s.orders + ` (code TEXT PRIMARY KEY, paid BIGINT NOT NULL DEFAULT 0)`,
		`CREATE TABLE ` + s.ledger + ` (transaction_id TEXT NOT NULL, code TEXT NOT NULL, amount BIGINT NOT NULL)`,
		`INSERT INTO ` + s.orders + ` (code) VALUES ('DH100001')`,
	} {
		_, err := db.Exec(q)
		require.NoError(b, err)
	}
	h := handler(b, s)
	body := func(i int) string {
		return `{"gateway":"MBBank","transaction_date":"2026-01-13 20:55:04","account_number":"0123456789","va":"",` +
			`"payment_code":"DH100001","content":"Thanh toan DH100001","transfer_type":"credit","amount":500000,` +
			`"reference_code":"FT26013","accumulated":0,"transaction_id":"` + b.Name() + strconv.Itoa(i) + `"}`
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, "/ipn", strings.NewReader(body(i)))
		req.Header.Set("Authorization", "Apikey "+ipnKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("answered %d: %s", rec.Code, rec.Body)
		}
	}
}

func (s *benchShop) write(tx *sql.Tx, r *http.Request, id, code string, amount int64) error {
	if _, err := tx.ExecContext(r.Context(), rebind(s.d, `UPDATE `+s.orders+` SET paid = paid + $1 WHERE code = $2`), amount, code); err != nil {
		return err
	}
	_, err := tx.ExecContext(r.Context(), rebind(s.d, `INSERT INTO `+s.ledger+` (transaction_id, code, amount) VALUES ($1, $2, $3)`), id, code, amount)
	return err
}

func sdkHandler(b *testing.B, s *benchShop) http.Handler {
	inbox, err := sqlinbox.New(b.Context(), s.db, s.d, sqlinbox.WithTable(s.inboxTable))
	require.NoError(b, err)
	fn := inbox.Func(func(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error {
		if !n.TransferType.Incoming() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, rebind(s.d, `UPDATE `+s.orders+` SET paid = paid + $1 WHERE code = $2`), int64(n.Amount), n.PaymentCode); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, rebind(s.d, `INSERT INTO `+s.ledger+` (transaction_id, code, amount) VALUES ($1, $2, $3)`),
			n.TransactionID, n.PaymentCode, int64(n.Amount))
		return err
	})
	return bankhub.NewIPNHandler(ipnKey, fn, bankhub.WithDedupe(inbox))
}

// handwrittenHandler is what a careful merchant writes without the SDK:
// check the key, decode, and in one transaction record the id (ON CONFLICT
// DO NOTHING tells a duplicate) and credit.
func handwrittenHandler(b *testing.B, s *benchShop) http.Handler {
	_, err := s.db.Exec(`CREATE TABLE ` + s.inboxTable + ` (transaction_id TEXT PRIMARY KEY)`)
	require.NoError(b, err)
	insert := rebind(s.d, `INSERT INTO `+s.inboxTable+` (transaction_id) VALUES ($1) ON CONFLICT (transaction_id) DO NOTHING`)
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
		tx, err := s.db.BeginTx(r.Context(), nil)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		defer tx.Rollback()
		res, err := tx.ExecContext(r.Context(), insert, n.TransactionID)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if rows, _ := res.RowsAffected(); rows == 1 && n.TransferType == "credit" {
			if err := s.write(tx, r, n.TransactionID, n.PaymentCode, n.Amount); err != nil {
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
