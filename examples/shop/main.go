// Command shop is a small merchant backend: orders with payment codes, paid
// by bank transfer, each payment credited exactly once. One `go run` shows
// the whole job:
//
//	go run ./examples/shop
//
// Orders live in SQLite (a file in a temporary folder) or, when
// DATABASE_URL is set, in PostgreSQL (postgres://user:pass@host/db). The
// HTTP API creates an order (POST /orders {"amount": 500000}, answered with
// its payment code and the transfer to make) and reads one
// (GET /orders/DH123456); SePay's IPN arrives at POST /bankhub/ipn. The IPN
// handler and the Reconciler hand every transfer to one function,
// Shop.Record, through sqlinbox: its writes and the transfer's "done" commit
// in one database transaction, so a payment is credited once even when the
// process dies mid-write, and the Reconciler recovers the payments whose
// IPN failed or never came.
//
// Without BANKHUB_CLIENT_ID it starts the built-in fake Bank Hub and plays
// customers: an exact payment, a payment in two parts, an overpayment, a
// transfer whose content has no valid code, a refund, and an IPN outage
// that the Reconciler recovers. It ends with the orders, the unmatched
// transfers and a check that the shop's ledger equals the bank's. With
// BANKHUB_CLIENT_ID and BANKHUB_CLIENT_SECRET (BANKHUB_BASE_URL: the
// sandbox by default) it serves on ADDR (default :8080) until interrupted;
// BANKHUB_IPN_KEY is the IPN key SePay was given with the IPN URL.
//
// # Matching rules
//
//  1. Money out (a refund, a fee: TransferType not Incoming) is never a
//     payment. It is booked in outgoing, for the books.
//  2. The payment code is IPN.PaymentCode, which Bank Hub extracts from the
//     transfer's content with the company's payment-code settings (DH and 6
//     to 8 digits here); if it is empty or not of that form, the first DH
//     and 6 to 8 digits in the content, in any case.
//  3. A code that names an order credits the transfer's whole amount to it
//     and appends a payment row. Parts add up (partly paid until the amount
//     is reached); more than the amount is kept on the order as overpaid,
//     for a person to refund, never dropped.
//  4. Anything else (no code, or no order with that code) is kept in
//     unmatched with the reason, for a person to review. Every incoming
//     transfer lands in exactly one of payments and unmatched: none is lost.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/sqlinbox"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	if os.Getenv("BANKHUB_CLIENT_ID") == "" {
		_, err = demo(ctx, os.Stdout, os.Getenv("DATABASE_URL"))
	} else {
		err = serve(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "shop:", err)
		os.Exit(1)
	}
}

// openDB opens PostgreSQL when databaseURL is set, or else a SQLite file in
// a new temporary folder (removed by the returned cleanup).
func openDB(databaseURL string) (*sql.DB, sqlinbox.Dialect, string, func(), error) {
	if databaseURL != "" {
		db, err := sql.Open("pgx", databaseURL)
		return db, sqlinbox.Postgres, "PostgreSQL (DATABASE_URL)", func() { db.Close() }, err
	}
	dir, err := os.MkdirTemp("", "bankhub-shop")
	if err != nil {
		return nil, 0, "", nil, err
	}
	path := filepath.Join(dir, "shop.db")
	// One writer at a time: the others wait up to 5 s instead of failing.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(wal)")
	return db, sqlinbox.SQLite, "SQLite at " + path, func() { db.Close(); os.RemoveAll(dir) }, err
}

// wire builds the shop and the two paths money comes in by, sharing one
// function through one inbox.
func wire(ctx context.Context, db *sql.DB, dialect sqlinbox.Dialect, client *bankhub.Client, ipnKey string,
	opts ...bankhub.ReconcilerOption) (*Shop, http.Handler, *bankhub.Reconciler, error) {
	shop, err := OpenShop(ctx, db, dialect)
	if err != nil {
		return nil, nil, nil, err
	}
	fn := shop.inbox.Func(shop.Record)
	ipn := bankhub.NewIPNHandler(ipnKey, fn, bankhub.WithDedupe(shop.inbox))
	rec := bankhub.NewReconciler(client, fn, append([]bankhub.ReconcilerOption{bankhub.WithReconcileDedupe(shop.inbox)}, opts...)...)
	return shop, ipn, rec, nil
}

// serve runs the shop against the real Bank Hub until ctx ends.
func serve(ctx context.Context) error {
	base := os.Getenv("BANKHUB_BASE_URL")
	if base == "" {
		base = bankhub.SandboxURL
	}
	client, err := bankhub.NewClient(os.Getenv("BANKHUB_CLIENT_ID"), os.Getenv("BANKHUB_CLIENT_SECRET"), bankhub.WithBaseURL(base))
	if err != nil {
		return err
	}
	db, dialect, where, closeDB, err := openDB(os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	defer closeDB()
	fmt.Printf("Using Bank Hub at %s; orders in %s\n", base, where)
	shop, ipn, rec, err := wire(ctx, db, dialect, client, os.Getenv("BANKHUB_IPN_KEY"))
	if err != nil {
		return err
	}
	accounts, err := client.BankAccounts.List(ctx, nil)
	if err != nil {
		return err
	}
	for i := range accounts.Data {
		if accounts.Data[i].Active {
			shop.PayTo = &accounts.Data[i]
			break
		}
	}
	if shop.PayTo == nil {
		return errors.New("no active linked bank account to be paid to: link one first (go run ./examples/quickstart)")
	}
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := newServer(shop.Routes(ipn))
	go srv.Serve(l)
	go rec.Run(ctx)
	fmt.Printf("Serving on %s: POST /orders, GET /orders/{code}, POST /bankhub/ipn. Ctrl-C stops.\n", l.Addr())
	<-ctx.Done()
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

// newServer is the shop's HTTP server, with a bound on every read: a client
// that trickles its headers or its body a byte a second is cut off at
// ReadTimeout instead of holding a connection for as long as it likes, and
// an idle keep-alive connection is closed. (No WriteTimeout: an IPN's
// answer may wait for the payment's write, bounded by the inbox's hold.)
func newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		IdleTimeout: time.Minute, MaxHeaderBytes: 64 << 10}
}
