package sqlinbox_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/sqlinbox"
	_ "modernc.org/sqlite"
)

// The IPN handler and the Reconciler share one function through the inbox:
// the order's credit and the payment's "done" commit in one transaction.
func Example() {
	dir, err := os.MkdirTemp("", "sqlinbox-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "shop.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(wal)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	db.ExecContext(ctx, `CREATE TABLE orders (code TEXT PRIMARY KEY, paid BIGINT NOT NULL DEFAULT 0)`)
	db.ExecContext(ctx, `INSERT INTO orders (code) VALUES ('DH123456')`)

	inbox, err := sqlinbox.New(ctx, db, sqlinbox.SQLite)
	if err != nil {
		log.Fatal(err)
	}
	fn := inbox.Func(func(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error {
		if !n.TransferType.Incoming() {
			return nil // a refund or a fee is not a payment
		}
		_, err := tx.ExecContext(ctx, `UPDATE orders SET paid = paid + $1 WHERE code = $2`, int64(n.Amount), n.PaymentCode)
		return err
	})
	h := bankhub.NewIPNHandler("ipn-key", fn, bankhub.WithDedupe(inbox))
	// (and bankhub.NewReconciler(client, fn, bankhub.WithReconcileDedupe(inbox)))

	ipn := &bankhub.IPN{TransactionID: "a47b6ab2", TransferType: bankhub.TransferCredit, Amount: 500_000, PaymentCode: "DH123456"}
	for range 2 { // SePay delivers it twice
		req, _ := bankhub.NewIPNTestRequest("/bankhub/ipn", "ipn-key", ipn)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	var paid int64
	db.QueryRowContext(ctx, `SELECT paid FROM orders WHERE code = 'DH123456'`).Scan(&paid)
	r, _ := inbox.Lookup(ctx, bankhub.IPNDedupeKey("a47b6ab2"))
	fmt.Println(paid, r.State, r.Attempts)
	// Output:
	// 200
	// 200
	// 500000 done 1
}
