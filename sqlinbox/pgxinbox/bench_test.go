package pgxinbox_test

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/sqlinbox"
	"github.com/bankhub-go/bankhub/sqlinbox/internal/inboxtest"
	"github.com/bankhub-go/bankhub/sqlinbox/pgxinbox"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// The cost of pgxinbox on pgxpool against a handler written by hand on the
// same pool, paired as sqlinbox's benchmarks are (see there):
//
//	cd sqlinbox/pgxinbox && go test -run '^$' -bench 'IPN' -count 6 .

func BenchmarkIPN(b *testing.B) {
	b.Run("pgx", func(b *testing.B) { benchPair(b, false) })
}

func BenchmarkIPNParallel(b *testing.B) {
	b.Run("pgx", func(b *testing.B) { benchPair(b, true) })
}

type benchShop struct {
	pool                       *pgxpool.Pool
	orders, ledger, inboxTable string
}

func newBenchShop(b *testing.B) *benchShop {
	cfg, err := pgxpool.ParseConfig(need(b, servers.PostgresURL, "PostgreSQL"))
	require.NoError(b, err)
	cfg.MaxConns = 32
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(b, err)
	b.Cleanup(pool.Close)
	s := &benchShop{pool: pool, orders: inboxtest.Unique("orders"), ledger: inboxtest.Unique("ledger"), inboxTable: inboxtest.Unique("inbox")}
	_, err = pool.Exec(b.Context(), `CREATE TABLE `+s.orders+` (code VARCHAR(64) PRIMARY KEY, paid BIGINT NOT NULL DEFAULT 0);
CREATE TABLE `+s.ledger+` (transaction_id VARCHAR(128) NOT NULL, code VARCHAR(64) NOT NULL, amount BIGINT NOT NULL);
INSERT INTO `+s.orders+` (code) SELECT 'DH' || (100000 + g) FROM generate_series(0, 63) AS g`)
	require.NoError(b, err)
	return s
}

func benchPair(b *testing.B, parallel bool) {
	inboxtest.RunPair(b, sdkHandler(b, newBenchShop(b)), handwrittenHandler(b, newBenchShop(b)), inboxtest.IPNKey, parallel)
}

func sdkHandler(b *testing.B, s *benchShop) http.Handler {
	inbox, err := pgxinbox.New(b.Context(), s.pool, sqlinbox.WithTable(s.inboxTable))
	require.NoError(b, err)
	fn := inbox.Func(func(ctx context.Context, tx pgx.Tx, n *bankhub.IPN) error {
		if !n.TransferType.Incoming() {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE `+s.orders+` SET paid = paid + $1 WHERE code = $2`, int64(n.Amount), n.PaymentCode); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+s.ledger+` (transaction_id, code, amount) VALUES ($1, $2, $3)`, n.TransactionID, n.PaymentCode, int64(n.Amount))
		return err
	})
	return bankhub.NewIPNHandler(inboxtest.IPNKey, fn, bankhub.WithDedupe(inbox))
}

func handwrittenHandler(b *testing.B, s *benchShop) http.Handler {
	_, err := s.pool.Exec(b.Context(), `CREATE TABLE `+s.inboxTable+` (transaction_id VARCHAR(128) PRIMARY KEY)`)
	require.NoError(b, err)
	want := []byte("Apikey " + inboxtest.IPNKey)
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
		tx, err := s.pool.Begin(ctx)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		defer tx.Rollback(ctx)
		tag, err := tx.Exec(ctx, `INSERT INTO `+s.inboxTable+` (transaction_id) VALUES ($1) ON CONFLICT (transaction_id) DO NOTHING`, n.TransactionID)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if tag.RowsAffected() == 1 && n.TransferType == "credit" {
			if _, err := tx.Exec(ctx, `UPDATE `+s.orders+` SET paid = paid + $1 WHERE code = $2`, n.Amount, n.PaymentCode); err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			if _, err := tx.Exec(ctx, `INSERT INTO `+s.ledger+` (transaction_id, code, amount) VALUES ($1, $2, $3)`, n.TransactionID, n.PaymentCode, n.Amount); err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
		}
		if err := tx.Commit(ctx); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"success":true}` + "\n"))
	})
}
