package bankhub

import (
	"context"
	"iter"
	"net/url"
	"strings"
)

// TransactionService reads transactions and, in the sandbox, simulates them.
type TransactionService service

// Transaction is a movement of money on a linked account.
type Transaction struct {
	TransactionID   string `json:"transaction_id"`
	TransactionDate Time   `json:"transaction_date"`
	BankAccountXID  string `json:"bank_account_xid"`
	CompanyXID      string `json:"company_xid"`
	BrandName       string `json:"brand_name"`
	AccountNumber   string `json:"account_number"`
	// VA is the virtual account number the transfer was made to, "" for
	// the account itself.
	VA string `json:"va"`
	// VAXID is that virtual account's id (BankAccount.VAList lists them),
	// "" when VA is.
	VAXID string `json:"va_xid"`
	// ReferenceNumber is the bank's reference (IPN calls it reference_code).
	ReferenceNumber string `json:"reference_number"`
	// TransferType is TransferIn or TransferOut.
	TransferType       TransferType `json:"transfer_type"`
	Amount             VND          `json:"amount"`
	TransactionContent string       `json:"transaction_content"`
	// PaymentCode is extracted from the content with the company's settings.
	PaymentCode string `json:"payment_code"`
	// WebhookSuccess reports whether the notification was delivered.
	WebhookSuccess bool `json:"webhook_success"`
}

// IPN returns the notification SePay sends for t, with the IPN's names for
// the same facts (content, reference_code, gateway, credit/debit), so that
// one function can handle a transaction whether it came by IPN or from the
// Reconciler. Accumulated is 0, as in every IPN today.
func (t Transaction) IPN() *IPN {
	n := &IPN{
		Gateway:         t.BrandName,
		TransactionDate: t.TransactionDate,
		AccountNumber:   t.AccountNumber,
		BankAccountXID:  t.BankAccountXID,
		VA:              t.VA,
		PaymentCode:     t.PaymentCode,
		Content:         t.TransactionContent,
		TransferType:    t.TransferType,
		Amount:          t.Amount,
		ReferenceCode:   t.ReferenceNumber,
		TransactionID:   t.TransactionID,
	}
	switch {
	case t.TransferType.Incoming():
		n.TransferType = TransferCredit
	case t.TransferType.Outgoing():
		n.TransferType = TransferDebit
	}
	return n
}

// TransactionListParams filters Transactions.List. Zero fields are not sent.
type TransactionListParams struct {
	CompanyXID     string
	BankAccountXID string
	// BrandName is the bank, e.g. "MBBank".
	BrandName string
	// TransactionDate is one exact day.
	TransactionDate Date
	// StartTransactionDate and EndTransactionDate bound the day range.
	StartTransactionDate Date
	EndTransactionDate   Date
	// TransferType is TransferIn or TransferOut.
	TransferType TransferType
	// WebhookSuccess filters on notification delivery: Ptr(true) delivered,
	// Ptr(false) failed, nil both.
	WebhookSuccess *bool
	// Query searches content, payment code and account number (q).
	Query         string
	Page, PerPage int
}

func (p *TransactionListParams) encode(op string) (*call, error) {
	if p == nil {
		return &call{}, nil
	}
	if err := checkPaging(op, p.Page, p.PerPage, 0); err != nil {
		return nil, err
	}
	q := url.Values{}
	addPaging(q, p.Page, p.PerPage)
	for _, f := range [...]struct {
		name string
		d    Date
	}{{"transaction_date", p.TransactionDate}, {"start_transaction_date", p.StartTransactionDate}, {"end_transaction_date", p.EndTransactionDate}} {
		if err := addDate(q, op, f.name, f.d); err != nil {
			return nil, err
		}
	}
	if !p.StartTransactionDate.IsZero() && !p.EndTransactionDate.IsZero() && p.EndTransactionDate.Before(p.StartTransactionDate) {
		return nil, paramErr(op, "end_transaction_date", "must not be before start_transaction_date")
	}
	if p.TransferType != "" {
		if p.TransferType != TransferIn && p.TransferType != TransferOut {
			return nil, paramErr(op, "transfer_type", "must be in or out")
		}
		q.Set("transfer_type", string(p.TransferType))
	}
	if p.WebhookSuccess != nil {
		if *p.WebhookSuccess {
			q.Set("webhook_success", "1")
		} else {
			q.Set("webhook_success", "0")
		}
	}
	for _, f := range [...]struct{ name, v string }{
		{"company_xid", p.CompanyXID}, {"bank_account_xid", p.BankAccountXID}, {"brand_name", p.BrandName}, {"q", p.Query},
	} {
		if f.v != "" {
			q.Set(f.name, f.v)
		}
	}
	return &call{query: q.Encode()}, nil
}

// SimulateTransactionParams are the fields of the sandbox's
// POST /v1/transaction/create.
type SimulateTransactionParams struct {
	BankAccountXID string `json:"bank_account_xid"`
	// TransferType is sent as given: the docs' field table says
	// credit/debit, their example sends in; the SDK accepts all four.
	TransferType TransferType `json:"transfer_type"`
	// Amount must be above zero.
	Amount             VND    `json:"amount"`
	TransactionContent string `json:"transaction_content"`
}

func (p *SimulateTransactionParams) encode(op string) (*call, error) {
	if p == nil {
		return nil, paramErr(op, "", "params are required")
	}
	if err := requireID(op, "bank_account_xid", p.BankAccountXID); err != nil {
		return nil, err
	}
	switch p.TransferType {
	case TransferIn, TransferOut, TransferCredit, TransferDebit:
	case "":
		return nil, paramErr(op, "transfer_type", "required")
	default:
		return nil, paramErr(op, "transfer_type", "must be credit, debit, in or out")
	}
	if p.Amount <= 0 {
		return nil, paramErr(op, "amount", "must be greater than 0")
	}
	if strings.TrimSpace(p.TransactionContent) == "" {
		return nil, paramErr(op, "transaction_content", "required")
	}
	return &call{in: p}, nil
}

// SimulatedTransaction is the answer to Transactions.Simulate.
type SimulatedTransaction struct {
	TransactionID   string       `json:"transaction_id"`
	ReferenceNumber string       `json:"reference_number"`
	TransactionDate Time         `json:"transaction_date"`
	Amount          VND          `json:"amount"`
	TransferType    TransferType `json:"transfer_type"`
	Accumulated     VND          `json:"accumulated"`
}

var (
	transactionListEndpoint     = &endpoint{name: "Transactions.List", method: "GET", pattern: "/v1/transaction", class: classSafe}
	transactionGetEndpoint      = &endpoint{name: "Transactions.Get", method: "GET", pattern: "/v1/transaction/{transaction_id}", class: classSafe}
	transactionSimulateEndpoint = &endpoint{name: "Transactions.Simulate", method: "POST", pattern: "/v1/transaction/create", class: classCreate}
)

// List returns one page of transactions, newest first.
//
// API: GET /v1/transaction (https://developer.sepay.vn/en/bankhub/api/api-giao-dich/danh-sach-giao-dich)
func (s *TransactionService) List(ctx context.Context, params *TransactionListParams) (*Page[Transaction], error) {
	r, err := params.encode(transactionListEndpoint.name)
	if err != nil {
		return nil, err
	}
	return getPage[Transaction, transactionWire](ctx, s.client, transactionListEndpoint, r)
}

// All iterates over every transaction matching params, fetching pages
// lazily; memory stays one page however many transactions there are. It
// stops at the first error, which it yields. params is copied.
func (s *TransactionService) All(ctx context.Context, params *TransactionListParams) iter.Seq2[Transaction, error] {
	var p TransactionListParams
	if params != nil {
		p = *params
	}
	return paginate(ctx, p.Page, p.PerPage, true, func(t *Transaction) string { return t.TransactionID }, func(ctx context.Context, page int) (*Page[Transaction], error) {
		p.Page = page
		return s.List(ctx, &p)
	})
}

// Get returns one transaction.
//
// API: GET /v1/transaction/{transaction_id} (https://developer.sepay.vn/en/bankhub/api/api-giao-dich/chi-tiet-giao-dich)
func (s *TransactionService) Get(ctx context.Context, transactionID string) (*Transaction, error) {
	return convert[Transaction](getData[transactionWire](ctx, s.client, transactionGetEndpoint, &call{ids: []string{transactionID}}))
}

// Simulate creates a mock transaction on a linked account, which triggers
// the same notifications as a real one. Sandbox only: elsewhere the API
// answers 403 (ErrForbidden). It is not retried after the request may have
// reached the server, since a replay would record a second transaction.
//
// API: POST /v1/transaction/create (https://developer.sepay.vn/en/bankhub/api/api-giao-dich/gia-lap-giao-dich)
func (s *TransactionService) Simulate(ctx context.Context, params *SimulateTransactionParams) (*SimulatedTransaction, error) {
	r, err := params.encode(transactionSimulateEndpoint.name)
	if err != nil {
		return nil, err
	}
	return getData[SimulatedTransaction](ctx, s.client, transactionSimulateEndpoint, r)
}
