package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
)

const demoIPNKey = "shop-demo-ipn-key"

// summary is what the demo ends with, for its test.
type summary struct {
	Orders      []Order
	Unmatched   int
	Outgoing    int
	LedgerEqual bool
}

// demo runs the shop on the fake Bank Hub and plays customers, writing
// what happens to out.
func demo(ctx context.Context, out io.Writer, databaseURL string) (*summary, error) {
	fake := bankhubtest.NewServer(bankhubtest.WithDeliveryRetries(1, 10*time.Millisecond))
	defer fake.Close()
	db, dialect, where, closeDB, err := openDB(databaseURL)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	fmt.Fprintf(out, "No BANKHUB_CLIENT_ID set: the built-in fake Bank Hub at %s; orders in %s\n", fake.URL, where)

	// The bank side: a company with payment codes DH + 6-8 digits, and the
	// account customers pay to.
	company := fake.AddCompany(bankhubtest.CompanyParams{FullName: "Cửa hàng Minh An"})
	accountXID, err := fake.AddBankAccount(company, bankhubtest.LinkParams{BrandName: "MBBank", AccountHolderName: "CUA HANG MINH AN"})
	if err != nil {
		return nil, err
	}
	client := fake.Client()
	shop, ipn, rec, err := wire(ctx, db, dialect, client, demoIPNKey)
	if err != nil {
		return nil, err
	}
	var orders int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders`).Scan(&orders); err != nil {
		return nil, err
	}
	if orders > 0 { // its check against this run's bank would fail on an earlier run's rows
		return nil, fmt.Errorf("the demo needs a database without orders, and %s has %d: use an empty database", where, orders)
	}
	if shop.PayTo, err = client.BankAccounts.Get(ctx, accountXID); err != nil {
		return nil, err
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = newServer(shop.Routes(ipn))
	srv.Start()
	defer srv.Close()
	fake.SetIPN(srv.URL+"/bankhub/ipn", demoIPNKey)
	fmt.Fprintf(out, "The shop serves at %s (POST /orders, GET /orders/{code}); SePay's IPN goes to /bankhub/ipn\n\n", srv.URL)

	c := &customer{ctx: ctx, out: out, fake: fake, account: accountXID, shop: srv.URL}
	exact := c.order(500_000)
	c.pay("1. An exact payment", exact, 500_000, "Thanh toan "+exact.Code)
	parts := c.order(300_000)
	c.pay("2. A payment in two parts, the first", parts, 100_000, parts.Code+" dat coc")
	c.pay("   the second", parts, 200_000, "tra not "+parts.Code)
	over := c.order(150_000)
	c.pay("3. An overpayment", over, 200_000, "ck "+over.Code)
	open := c.order(400_000)
	c.pay("4. A first part, the rest still owed", open, 100_000, "Thanh toan "+open.Code+" dot 1")
	c.transfer("5. A transfer whose content has no valid code", 50_000, "chuyen tien an trua", bankhub.TransferIn)
	c.transfer("6. A refund of order "+exact.Code, 500_000, "Hoan tien "+exact.Code, bankhub.TransferOut)

	late := c.order(250_000)
	fake.SetIPN("http://127.0.0.1:1/bankhub/ipn", demoIPNKey) // the shop is unreachable
	c.pay("7. During an IPN outage", late, 250_000, "Thanh toan "+late.Code)
	fake.SetIPN(srv.URL+"/bankhub/ipn", demoIPNKey)
	res, err := rec.Once(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "   the Reconciler's pass: %d transactions checked, %d handled (the one whose IPN never came), %d already done\n",
		res.Checked, res.Handled, res.Duplicates)
	c.show(late)
	if c.err != nil {
		return nil, c.err
	}
	return report(ctx, out, shop, client, accountXID)
}

// customer plays the customers through the shop's HTTP API and the bank.
type customer struct {
	ctx     context.Context
	out     io.Writer
	fake    *bankhubtest.Server
	account string
	shop    string
	err     error
}

// order creates an order through the shop's API.
func (c *customer) order(amount bankhub.VND) *Order {
	var o struct {
		Order
		PayTo payTo `json:"pay_to"`
	}
	c.call(http.MethodPost, "/orders", fmt.Sprintf(`{"amount": %d}`, amount), &o)
	if c.err == nil {
		fmt.Fprintf(c.out, "Order %s for %s: transfer to %s %s (%s) with the content %q\n",
			o.Code, vnd(o.Amount), o.PayTo.Bank, o.PayTo.AccountNumber, o.PayTo.AccountHolder, o.PayTo.Content)
	}
	return &o.Order
}

// pay transfers money in for an order and shows the order afterwards.
func (c *customer) pay(what string, o *Order, amount bankhub.VND, content string) {
	c.transfer(what, amount, content, bankhub.TransferIn)
	c.show(o)
}

func (c *customer) transfer(what string, amount bankhub.VND, content string, dir bankhub.TransferType) {
	if c.err != nil {
		return
	}
	arrow := "in"
	if !dir.Incoming() {
		arrow = "out"
	}
	fmt.Fprintf(c.out, "%s: %s %s, content %q\n", what, vnd(amount), arrow, content)
	_, c.err = c.fake.SimulateTransfer(c.ctx, bankhubtest.TransferParams{BankAccountXID: c.account, Amount: amount,
		Content: content, TransferType: dir})
}

// show reads an order through the shop's API.
func (c *customer) show(o *Order) {
	var now Order
	c.call(http.MethodGet, "/orders/"+o.Code, "", &now)
	if c.err == nil {
		fmt.Fprintf(c.out, "   order %s: %s of %s, %s\n", now.Code, vnd(now.Paid), vnd(now.Amount), now.Status)
	}
}

func (c *customer) call(method, path, body string, v any) {
	if c.err != nil {
		return
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.shop+path, bytes.NewBufferString(body))
	if err != nil {
		c.err = err
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.err = err
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		c.err = fmt.Errorf("%s %s: %s", method, path, resp.Status)
		return
	}
	c.err = json.NewDecoder(resp.Body).Decode(v)
}

// report prints the books and checks them against the bank's list.
func report(ctx context.Context, out io.Writer, shop *Shop, client *bankhub.Client, account string) (*summary, error) {
	var sum summary
	rows, err := shop.db.QueryContext(ctx, `SELECT code, amount, paid FROM orders ORDER BY code`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var o Order
		var amount, paid int64
		if err := rows.Scan(&o.Code, &amount, &paid); err != nil {
			return nil, err
		}
		o.Amount, o.Paid, o.Status = bankhub.VND(amount), bankhub.VND(paid), status(bankhub.VND(amount), bankhub.VND(paid))
		sum.Orders = append(sum.Orders, o)
	}
	rows.Close()
	fmt.Fprintf(out, "\nOrders:\n")
	for _, o := range sum.Orders {
		fmt.Fprintf(out, "  %-10s %15s  paid %15s  %s\n", o.Code, vnd(o.Amount), vnd(o.Paid), o.Status)
	}

	booked := map[string][]int64{} // transaction → amounts booked, in payments, unmatched or outgoing
	for _, q := range []struct{ title, query string }{
		{"Unmatched transfers, kept for review", `SELECT transaction_id, amount, content, reason FROM unmatched ORDER BY transaction_id`},
		{"Money out, not credited", `SELECT transaction_id, amount, content, '' FROM outgoing ORDER BY transaction_id`},
	} {
		rows, err := shop.db.QueryContext(ctx, q.query)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "%s:\n", q.title)
		for rows.Next() {
			var id, content, reason string
			var amount int64
			if err := rows.Scan(&id, &amount, &content, &reason); err != nil {
				return nil, err
			}
			booked[id] = append(booked[id], amount)
			// The content is the sender's text: quoted, so it cannot
			// write control characters to the terminal.
			fmt.Fprintf(out, "  %s  %15s  %q  %s\n", id, vnd(bankhub.VND(amount)), content, reason)
			if reason != "" {
				sum.Unmatched++
			} else {
				sum.Outgoing++
			}
		}
		rows.Close()
	}
	rows, err = shop.db.QueryContext(ctx, `SELECT transaction_id, amount FROM payments`)
	if err != nil {
		return nil, err
	}
	payments := 0
	for rows.Next() {
		var id string
		var amount int64
		if err := rows.Scan(&id, &amount); err != nil {
			return nil, err
		}
		booked[id] = append(booked[id], amount)
		payments++
	}
	rows.Close()

	// The bank's list: each transaction booked once, with its amount.
	var in, out2 int
	var inSum int64
	var wrong []string
	seen := map[string]bool{}
	for tx, err := range client.Transactions.All(ctx, &bankhub.TransactionListParams{BankAccountXID: account}) {
		if err != nil {
			return nil, err
		}
		seen[tx.TransactionID] = true
		if tx.TransferType.Incoming() {
			in++
			inSum += int64(tx.Amount)
		} else {
			out2++
		}
		if b := booked[tx.TransactionID]; len(b) != 1 || b[0] != int64(tx.Amount) {
			wrong = append(wrong, fmt.Sprintf("%s booked %v, the bank has %d", tx.TransactionID, b, tx.Amount))
		}
	}
	for id := range booked {
		if !seen[id] {
			wrong = append(wrong, id+" booked, not at the bank")
		}
	}
	sort.Strings(wrong)
	if len(wrong) > 0 {
		return nil, fmt.Errorf("the shop's ledger differs from the bank's: %v", wrong)
	}
	sum.LedgerEqual = true
	fmt.Fprintf(out, "\nThe shop's ledger equals the bank's: %d incoming transfers, %s, each booked once (%d payments, %d unmatched); %d transfer out, not credited.\n",
		in, vnd(bankhub.VND(inSum)), payments, sum.Unmatched, out2)
	return &sum, nil
}

// vnd writes an amount with thousands separators: 1,500,000 VND.
func vnd(v bankhub.VND) string {
	s := strconv.FormatInt(int64(v), 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b) + " VND"
	}
	return string(b) + " VND"
}
