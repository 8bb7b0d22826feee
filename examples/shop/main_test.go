package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDemoLedgerEqualsTheBanks(t *testing.T) {
	dbs := map[string]string{"sqlite": ""}
	if url := os.Getenv("POSTGRES_URL"); url != "" {
		dbs["postgres"] = freshDatabase(t, url)
	}
	for name, url := range dbs {
		t.Run(name, func(t *testing.T) {
			var out strings.Builder
			sum, err := demo(context.Background(), &out, url)
			require.NoError(t, err, out.String())
			statuses := map[string]int{}
			var paid bankhub.VND
			for _, o := range sum.Orders {
				statuses[o.Status]++
				paid += o.Paid
			}
			assert.Equal(t, map[string]int{StatusPaid: 3, StatusOverpaid: 1, StatusPartly: 1}, statuses)
			assert.Equal(t, bankhub.VND(500_000+300_000+200_000+100_000+250_000), paid, "the refund is not credited")
			assert.Equal(t, 1, sum.Unmatched)
			assert.Equal(t, 1, sum.Outgoing)
			assert.True(t, sum.LedgerEqual)
			assert.Contains(t, out.String(), "The shop's ledger equals the bank's: 7 incoming transfers, 1,400,000 VND, each booked once (6 payments, 1 unmatched)")
			assert.Contains(t, out.String(), "1 handled (the one whose IPN never came)")
		})
	}
}

func TestOrderAPIRejectsBadInput(t *testing.T) {
	db, dialect, _, closeDB, err := openDB("")
	require.NoError(t, err)
	defer closeDB()
	shop, err := OpenShop(context.Background(), db, dialect)
	require.NoError(t, err)
	shop.PayTo = &bankhub.BankAccount{BrandName: "MBBank", AccountNumber: "0123456789"}
	srv := httptest.NewServer(shop.Routes(http.NotFoundHandler()))
	defer srv.Close()
	for _, body := range []string{`{"amount": 0}`, `{"amount": -5}`, `not json`, `{"amount": "lots"}`} {
		resp, err := http.Post(srv.URL+"/orders", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, 400, resp.StatusCode, body)
		assert.Contains(t, string(msg), "positive", body)
	}
	resp, err := http.Get(srv.URL + "/orders/DH000000")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)
}

func TestVND(t *testing.T) {
	for v, want := range map[bankhub.VND]string{0: "0 VND", 999: "999 VND", 1000: "1,000 VND", 1_500_000: "1,500,000 VND", -20_000: "-20,000 VND"} {
		assert.Equal(t, want, vnd(v))
	}
}

// freshDatabase creates an empty database on the server of url, dropped
// when the test ends, and returns its URL.
func freshDatabase(t *testing.T, url string) string {
	t.Helper()
	admin, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer admin.Close()
	name := fmt.Sprintf("shop_test_%d", os.Getpid())
	_, err = admin.Exec(`CREATE DATABASE ` + name)
	require.NoError(t, err)
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", url)
		if err == nil {
			admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
			admin.Close()
		}
	})
	u, err := neturl.Parse(url)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

func TestDemoRefusesADatabaseWithOrders(t *testing.T) {
	if os.Getenv("POSTGRES_URL") == "" {
		t.Skip("needs POSTGRES_URL")
	}
	url := freshDatabase(t, os.Getenv("POSTGRES_URL"))
	_, err := demo(context.Background(), io.Discard, url)
	require.NoError(t, err)
	_, err = demo(context.Background(), io.Discard, url)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the demo needs a database without orders, and PostgreSQL (DATABASE_URL) has 5")
}

// A payment code is used only when it is one of the shop's: the sender's
// text never becomes a reason or a code.
func TestHostilePaymentCodeIsNotTrusted(t *testing.T) {
	db, dialect, _, closeDB, err := openDB("")
	require.NoError(t, err)
	defer closeDB()
	shop, err := OpenShop(context.Background(), db, dialect)
	require.NoError(t, err)
	o, err := shop.CreateOrder(context.Background(), 100_000)
	require.NoError(t, err)
	h := bankhub.NewIPNHandler("k", shop.inbox.Func(shop.Record), bankhub.WithDedupe(shop.inbox))
	for i, n := range []*bankhub.IPN{
		{TransactionID: "t1", TransferType: bankhub.TransferCredit, Amount: 1_000, PaymentCode: "DH1\x1b[2J", Content: "an tet"},
		{TransactionID: "t2", TransferType: bankhub.TransferCredit, Amount: 2_000, PaymentCode: "X\nforged", Content: "ck " + strings.ToLower(o.Code)},
	} {
		req, err := bankhub.NewIPNTestRequest("/ipn", "k", n)
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, 200, rec.Code, i)
	}
	var reason string
	require.NoError(t, db.QueryRow(`SELECT reason FROM unmatched WHERE transaction_id = 't1'`).Scan(&reason))
	assert.Equal(t, "no payment code in the content", reason)
	got, err := shop.Order(context.Background(), o.Code)
	require.NoError(t, err)
	assert.Equal(t, bankhub.VND(2_000), got.Paid, "the code in the content, whatever its case")
}

// A transfer whose content holds NUL is booked: on PostgreSQL every insert
// of it failed (22021), so every delivery and every reconcile pass of it
// failed for ever. The content is kept as sent, NUL written as U+FFFD.
func TestContentWithNULIsBooked(t *testing.T) {
	dbs := map[string]string{"sqlite": ""}
	if url := os.Getenv("POSTGRES_URL"); url != "" {
		dbs["postgres"] = freshDatabase(t, url)
	}
	for name, url := range dbs {
		t.Run(name, func(t *testing.T) {
			db, dialect, _, closeDB, err := openDB(url)
			require.NoError(t, err)
			defer closeDB()
			shop, err := OpenShop(context.Background(), db, dialect)
			require.NoError(t, err)
			h := bankhub.NewIPNHandler("k", shop.inbox.Func(shop.Record), bankhub.WithDedupe(shop.inbox))
			for _, n := range []*bankhub.IPN{
				{TransactionID: "nul-in", TransferType: bankhub.TransferCredit, Amount: 1_000, Content: "ab\x00cd"},
				{TransactionID: "nul-out", TransferType: bankhub.TransferDebit, Amount: 1_000, Content: "hoan\x00tien"},
			} {
				req, err := bankhub.NewIPNTestRequest("/ipn", "k", n)
				require.NoError(t, err)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				assert.Equal(t, 200, rec.Code, n.TransactionID)
			}
			var unmatched, outgoing string
			require.NoError(t, db.QueryRow(`SELECT content FROM unmatched WHERE transaction_id = 'nul-in'`).Scan(&unmatched))
			require.NoError(t, db.QueryRow(`SELECT content FROM outgoing WHERE transaction_id = 'nul-out'`).Scan(&outgoing))
			assert.Equal(t, "ab\uFFFDcd", unmatched)
			assert.Equal(t, "hoan\uFFFDtien", outgoing)
		})
	}
}

// A client that trickles its body a byte a second is cut off at the read
// timeout: it held a connection for 30 s and more, on /orders and on
// /bankhub/ipn alike.
func TestTricklingClientIsCutOff(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /bankhub/ipn HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
	require.NoError(t, err)
	start := time.Now()
	for time.Since(start) < 30*time.Second {
		if _, err := conn.Write([]byte("{")); err != nil {
			break // the server closed it
		}
		conn.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := conn.Read(make([]byte, 1)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
	}
	elapsed := time.Since(start)
	assert.Less(t, elapsed, 30*time.Second, "the connection was still open after 30 s")
	assert.GreaterOrEqual(t, elapsed, srv.Config.ReadTimeout-time.Second, "cut off by the read timeout, not earlier")
}
