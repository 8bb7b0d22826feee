package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/sqlinbox"
)

// Order statuses, from what was paid against what is owed.
const (
	StatusAwaiting = "awaiting payment"
	StatusPartly   = "partly paid"
	StatusPaid     = "paid"
	StatusOverpaid = "overpaid"
)

// Order is one order and what has been paid for it.
type Order struct {
	Code   string      `json:"code"`
	Amount bankhub.VND `json:"amount"`
	Paid   bankhub.VND `json:"paid"`
	Status string      `json:"status"`
}

func status(amount, paid bankhub.VND) string {
	switch {
	case paid == 0:
		return StatusAwaiting
	case paid < amount:
		return StatusPartly
	case paid == amount:
		return StatusPaid
	}
	return StatusOverpaid
}

// schema is the shop's own tables. Payments have no unique key on purpose:
// the inbox alone makes each transfer reach them once.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS orders (code TEXT PRIMARY KEY, amount BIGINT NOT NULL, paid BIGINT NOT NULL DEFAULT 0)`,
	`CREATE TABLE IF NOT EXISTS payments (transaction_id TEXT NOT NULL, order_code TEXT NOT NULL, amount BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS unmatched (transaction_id TEXT NOT NULL, amount BIGINT NOT NULL, content TEXT NOT NULL, reason TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS outgoing (transaction_id TEXT NOT NULL, amount BIGINT NOT NULL, content TEXT NOT NULL)`,
}

// Shop is the merchant's backend: orders in its database, paid by transfers
// to its linked bank account.
type Shop struct {
	db    *sql.DB
	inbox *sqlinbox.Inbox
	// PayTo is the account customers transfer to.
	PayTo *bankhub.BankAccount
}

// OpenShop creates the shop's tables and its inbox.
func OpenShop(ctx context.Context, db *sql.DB, dialect sqlinbox.Dialect) (*Shop, error) {
	for _, q := range schema {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("creating the shop's tables: %w", err)
		}
	}
	inbox, err := sqlinbox.New(ctx, db, dialect)
	if err != nil {
		return nil, err
	}
	return &Shop{db: db, inbox: inbox}, nil
}

// codeInContent is the shop's payment code: DH and 6 to 8 digits;
// wholeCode is one and nothing else.
var (
	codeInContent = regexp.MustCompile(`(?i)\bDH[0-9]{6,8}\b`)
	wholeCode     = regexp.MustCompile(`^DH[0-9]{6,8}$`)
)

// Record is the shop's one function for money arriving, given to the IPN
// handler and the Reconciler alike through the inbox: it runs inside the
// inbox's transaction, so what it writes commits with the transfer's
// "done", exactly once. The matching rules are in the package doc.
func (s *Shop) Record(ctx context.Context, tx *sql.Tx, n *bankhub.IPN) error {
	if !n.TransferType.Incoming() { // rule 1: money out is never a payment
		_, err := tx.ExecContext(ctx, `INSERT INTO outgoing (transaction_id, amount, content) VALUES ($1, $2, $3)`,
			n.TransactionID, int64(n.Amount), storable(n.Content))
		return err
	}
	code := strings.ToUpper(n.PaymentCode) // rule 2
	if !wholeCode.MatchString(code) {      // anything else is the sender's text, not a code of ours
		code = strings.ToUpper(codeInContent.FindString(n.Content))
	}
	reason := "no payment code in the content"
	if code != "" { // rule 3
		res, err := tx.ExecContext(ctx, `UPDATE orders SET paid = paid + $1 WHERE code = $2`, int64(n.Amount), code)
		if err != nil {
			return err
		}
		if rows, err := res.RowsAffected(); err != nil {
			return err
		} else if rows == 1 {
			_, err := tx.ExecContext(ctx, `INSERT INTO payments (transaction_id, order_code, amount) VALUES ($1, $2, $3)`,
				n.TransactionID, code, int64(n.Amount))
			return err
		}
		reason = "no order " + code
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO unmatched (transaction_id, amount, content, reason) VALUES ($1, $2, $3, $4)`,
		n.TransactionID, int64(n.Amount), storable(n.Content), reason) // rule 4: kept for a person, never lost
	return err
}

// storable is a transfer's content as the shop keeps it: as the bank sent
// it, but for NUL, which PostgreSQL's text cannot hold (22021 on every
// insert, so the transfer could never be booked), written as U+FFFD.
func storable(content string) string { return strings.ReplaceAll(content, "\x00", "\uFFFD") }

// CreateOrder adds an order with a fresh payment code.
func (s *Shop) CreateOrder(ctx context.Context, amount bankhub.VND) (*Order, error) {
	if amount <= 0 {
		return nil, errors.New("amount must be positive")
	}
	for range 10 {
		n, err := rand.Int(rand.Reader, big.NewInt(900_000))
		if err != nil {
			return nil, err
		}
		code := fmt.Sprintf("DH%06d", 100_000+n.Int64())
		res, err := s.db.ExecContext(ctx, `INSERT INTO orders (code, amount) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING`, code, int64(amount))
		if err != nil {
			return nil, err
		}
		if rows, _ := res.RowsAffected(); rows == 1 {
			return &Order{Code: code, Amount: amount, Status: StatusAwaiting}, nil
		}
	}
	return nil, errors.New("no free payment code")
}

// Order reads one order.
func (s *Shop) Order(ctx context.Context, code string) (*Order, error) {
	var amount, paid int64
	err := s.db.QueryRowContext(ctx, `SELECT amount, paid FROM orders WHERE code = $1`, strings.ToUpper(code)).Scan(&amount, &paid)
	if err != nil {
		return nil, err
	}
	return &Order{Code: strings.ToUpper(code), Amount: bankhub.VND(amount), Paid: bankhub.VND(paid), Status: status(bankhub.VND(amount), bankhub.VND(paid))}, nil
}

// payTo is the transfer a customer makes for an order.
type payTo struct {
	Bank          string      `json:"bank"`
	AccountNumber string      `json:"account_number"`
	AccountHolder string      `json:"account_holder"`
	Amount        bankhub.VND `json:"amount"`
	Content       string      `json:"content"`
}

// Routes is the shop's HTTP API, with the IPN endpoint.
func (s *Shop) Routes(ipn http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /bankhub/ipn", ipn)
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Amount bankhub.VND `json:"amount"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil || in.Amount <= 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `send {"amount": <VND, positive>}`})
			return
		}
		o, err := s.CreateOrder(r.Context(), in.Amount)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not create the order"})
			return
		}
		writeJSON(w, http.StatusCreated, struct {
			*Order
			PayTo payTo `json:"pay_to"`
		}{o, payTo{Bank: s.PayTo.BrandName, AccountNumber: s.PayTo.AccountNumber, AccountHolder: s.PayTo.AccountHolderName,
			Amount: o.Amount, Content: o.Code}})
	})
	mux.HandleFunc("GET /orders/{code}", func(w http.ResponseWriter, r *http.Request) {
		o, err := s.Order(r.Context(), r.PathValue("code"))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such order"})
		case err != nil:
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not read the order"})
		default:
			writeJSON(w, http.StatusOK, o)
		}
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
