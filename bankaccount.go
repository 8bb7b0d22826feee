package bankhub

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// BankAccountService reads the bank accounts linked through hosted links.
// Accounts are linked and unlinked only by users, through link tokens.
type BankAccountService service

// BankAccount is a linked bank account.
type BankAccount struct {
	XID               string `json:"xid"`
	CompanyXID        string `json:"company_xid"`
	BrandName         string `json:"brand_name"`
	AccountHolderName string `json:"account_holder_name"`
	AccountNumber     string `json:"account_number"`
	// Accumulated is the balance; Bank Hub does not sync balances yet, so
	// expect 0.
	Accumulated VND `json:"accumulated"`
	// AccountType is sent by List only.
	AccountType AccountType `json:"account_type"`
	// BankAPIConnected is an undocumented flag.
	BankAPIConnected bool `json:"bank_api_connected"`
	Active           bool `json:"active"`
	LastTransaction  Time `json:"last_transaction"`
	// IdentificationNumber and PhoneNumber are sent by Get only.
	IdentificationNumber string `json:"identification_number"`
	PhoneNumber          string `json:"phone_number"`
	CreatedAt            Time   `json:"created_at"`
	UpdatedAt            Time   `json:"updated_at"`
	// VAList is the account's virtual accounts, sent by Get only.
	VAList []VirtualAccount `json:"va_list"`
}

// VirtualAccount is a virtual account (VA) under a bank account.
type VirtualAccount struct {
	XID           string `json:"xid"`
	SubAccount    string `json:"sub_account"`
	SubHolderName string `json:"sub_holder_name"`
	Active        bool   `json:"active"`
	CreatedAt     Time   `json:"created_at"`
	UpdatedAt     Time   `json:"updated_at"`
}

// BankAccountListParams filters BankAccounts.List.
//
// The docs name the page-size parameter both per_page (parameter table) and
// limit (note and example, "default 20, max 100"). The SDK sends the size
// under both names, so whichever the server reads applies, and refuses a
// PerPage over 100.
type BankAccountListParams struct {
	CompanyXID string
	// BankID filters by bank code (bank_id); the codes are not documented.
	BankID string
	// Query is a keyword (q).
	Query         string
	Page, PerPage int
}

func (p *BankAccountListParams) encode(op string) (*call, error) {
	if p == nil {
		return &call{}, nil
	}
	if err := checkPaging(op, p.Page, p.PerPage, 100); err != nil {
		return nil, err
	}
	q := url.Values{}
	addPaging(q, p.Page, p.PerPage)
	if p.PerPage > 0 {
		q.Set("limit", strconv.Itoa(p.PerPage))
	}
	if p.CompanyXID != "" {
		q.Set("company_xid", p.CompanyXID)
	}
	if p.BankID != "" {
		q.Set("bank_id", p.BankID)
	}
	if p.Query != "" {
		q.Set("q", p.Query)
	}
	return &call{query: q.Encode()}, nil
}

var (
	bankAccountListEndpoint = &endpoint{name: "BankAccounts.List", method: "GET", pattern: "/v1/bank-account", class: classSafe}
	bankAccountGetEndpoint  = &endpoint{name: "BankAccounts.Get", method: "GET", pattern: "/v1/bank-account/{xid}", class: classSafe}
)

// List returns one page of linked bank accounts, newest first.
//
// API: GET /v1/bank-account (https://developer.sepay.vn/en/bankhub/api/tai-khoan-ngan-hang/danh-sach-tai-khoan)
func (s *BankAccountService) List(ctx context.Context, params *BankAccountListParams) (*Page[BankAccount], error) {
	r, err := params.encode(bankAccountListEndpoint.name)
	if err != nil {
		return nil, err
	}
	return getPage[BankAccount, bankAccountWire](ctx, s.client, bankAccountListEndpoint, r)
}

// All iterates over every bank account matching params, fetching pages
// lazily. It stops at the first error, which it yields. params is copied.
func (s *BankAccountService) All(ctx context.Context, params *BankAccountListParams) iter.Seq2[BankAccount, error] {
	var p BankAccountListParams
	if params != nil {
		p = *params
	}
	return paginate(ctx, p.Page, p.PerPage, true, func(b *BankAccount) string { return b.XID }, func(ctx context.Context, page int) (*Page[BankAccount], error) {
		p.Page = page
		return s.List(ctx, &p)
	})
}

// Get returns a bank account with its virtual accounts.
//
// API: GET /v1/bank-account/{xid} (https://developer.sepay.vn/en/bankhub/api/tai-khoan-ngan-hang/chi-tiet-tai-khoan)
func (s *BankAccountService) Get(ctx context.Context, xid string) (*BankAccount, error) {
	return convert[BankAccount](getData[bankAccountWire](ctx, s.client, bankAccountGetEndpoint, &call{ids: []string{xid}}))
}
