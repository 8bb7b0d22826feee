package bankhub

import (
	"context"
	"iter"
	"net/url"
	"strings"
)

// CompanyService manages the merchant's companies (the organisations whose
// bank accounts are linked).
type CompanyService service

// Company is a company of the merchant.
type Company struct {
	XID      string        `json:"xid"`
	FullName string        `json:"full_name"`
	Status   CompanyStatus `json:"status"`
	// Active is the server's flag ("1" Active, "0" otherwise).
	Active bool `json:"active"`
	// Configuration is filled by Get only (nil from List and Create).
	Configuration *CompanyConfiguration `json:"configuration"`
	CreatedAt     Time                  `json:"created_at"`
	UpdatedAt     Time                  `json:"updated_at"`
}

// CompanyConfiguration is a company's payment-code and notification settings.
type CompanyConfiguration struct {
	// PaymentCode switches payment-code recognition on or off.
	PaymentCode                    PaymentCodeSwitch   `json:"payment_code"`
	PaymentCodePrefix              string              `json:"payment_code_prefix"`
	PaymentCodeSuffixFrom          int                 `json:"payment_code_suffix_from"`
	PaymentCodeSuffixTo            int                 `json:"payment_code_suffix_to"`
	PaymentCodeSuffixCharacterType SuffixCharacterType `json:"payment_code_suffix_character_type"`
	// DataStorageTime is not documented beyond its type.
	DataStorageTime string `json:"data_storage_time"`
	// TransactionAmount must be above zero or Unlimited for IPNs to be sent.
	TransactionAmount TransactionAmount `json:"transaction_amount"`
}

// CompanyListParams filters Companies.List.
type CompanyListParams struct {
	// Query searches full_name (q).
	Query string
	// Status filters by status, e.g. CompanyActive.
	Status CompanyStatus
	// SortCreatedAt orders by creation time (sort[created_at]); the server
	// default is SortDesc.
	SortCreatedAt SortOrder
	// Page is the 1-based page (server default 1); PerPage the page size
	// (server default 20).
	Page, PerPage int
}

func (p *CompanyListParams) encode(op string) (*call, error) {
	if p == nil {
		return &call{}, nil
	}
	if err := checkPaging(op, p.Page, p.PerPage, 0); err != nil {
		return nil, err
	}
	if p.SortCreatedAt != "" && p.SortCreatedAt != SortAsc && p.SortCreatedAt != SortDesc {
		return nil, paramErr(op, "sort[created_at]", "must be asc or desc")
	}
	q := url.Values{}
	addPaging(q, p.Page, p.PerPage)
	if p.Query != "" {
		q.Set("q", p.Query)
	}
	if p.Status != "" {
		q.Set("status", string(p.Status))
	}
	if p.SortCreatedAt != "" {
		q.Set("sort[created_at]", string(p.SortCreatedAt))
	}
	return &call{query: q.Encode()}, nil
}

// CompanyCreateParams are the fields of POST /v1/company/create.
type CompanyCreateParams struct {
	// FullName is required, at most 200 characters, unique within the merchant.
	FullName string `json:"full_name"`
	// Status is CompanyActive (usable at once) or CompanyPending. Required.
	Status CompanyStatus `json:"status"`
}

func (p *CompanyCreateParams) encode(op string) (*call, error) {
	if p == nil {
		return nil, paramErr(op, "", "params are required")
	}
	if err := checkFullName(op, p.FullName); err != nil {
		return nil, err
	}
	if p.Status != CompanyActive && p.Status != CompanyPending {
		return nil, paramErr(op, "status", "must be Active or Pending")
	}
	return &call{in: p}, nil
}

// CompanyUpdateParams is a partial update: only the fields that are set
// (non-nil) are sent; the others keep their values. Use Ptr to set one.
type CompanyUpdateParams struct {
	FullName  *string        `json:"full_name,omitempty"`
	ShortName *string        `json:"short_name,omitempty"`
	Status    *CompanyStatus `json:"status,omitempty"`
	// PaymentCode switches payment-code recognition on or off.
	PaymentCode *PaymentCodeSwitch `json:"payment_code,omitempty"`
	// PaymentCodePrefix is 2 to 5 letters.
	PaymentCodePrefix *string `json:"payment_code_prefix,omitempty"`
	// PaymentCodeSuffixFrom and PaymentCodeSuffixTo bound the suffix length.
	PaymentCodeSuffixFrom          *int                 `json:"payment_code_suffix_from,omitempty"`
	PaymentCodeSuffixTo            *int                 `json:"payment_code_suffix_to,omitempty"`
	PaymentCodeSuffixCharacterType *SuffixCharacterType `json:"payment_code_suffix_character_type,omitempty"`
	// TransactionAmount is a count or UnlimitedTransactions(). IPNs are sent
	// only for companies where it is above zero or Unlimited.
	TransactionAmount *TransactionAmount `json:"transaction_amount,omitempty"`
}

func (p *CompanyUpdateParams) encode(op string) (*call, error) {
	if p == nil || *p == (CompanyUpdateParams{}) {
		return nil, paramErr(op, "", "nothing to update: set at least one field")
	}
	if p.FullName != nil {
		if err := checkFullName(op, *p.FullName); err != nil {
			return nil, err
		}
	}
	if p.Status != nil && *p.Status == "" {
		return nil, paramErr(op, "status", "must not be empty")
	}
	if p.PaymentCode != nil && *p.PaymentCode != PaymentCodeOn && *p.PaymentCode != PaymentCodeOff {
		return nil, paramErr(op, "payment_code", "must be on or off")
	}
	if p.PaymentCodePrefix != nil {
		prefix := *p.PaymentCodePrefix
		if len(prefix) < 2 || len(prefix) > 5 || strings.ContainsFunc(prefix, func(r rune) bool {
			return (r < 'A' || r > 'Z') && (r < 'a' || r > 'z')
		}) {
			return nil, paramErr(op, "payment_code_prefix", "must be 2 to 5 letters")
		}
	}
	if p.PaymentCodeSuffixFrom != nil && *p.PaymentCodeSuffixFrom < 1 {
		return nil, paramErr(op, "payment_code_suffix_from", "must be at least 1")
	}
	if p.PaymentCodeSuffixTo != nil && *p.PaymentCodeSuffixTo < 1 {
		return nil, paramErr(op, "payment_code_suffix_to", "must be at least 1")
	}
	if p.PaymentCodeSuffixFrom != nil && p.PaymentCodeSuffixTo != nil && *p.PaymentCodeSuffixFrom > *p.PaymentCodeSuffixTo {
		return nil, paramErr(op, "payment_code_suffix_to", "must not be less than payment_code_suffix_from")
	}
	if p.PaymentCodeSuffixCharacterType != nil && *p.PaymentCodeSuffixCharacterType == "" {
		return nil, paramErr(op, "payment_code_suffix_character_type", "must not be empty")
	}
	if p.TransactionAmount != nil && !p.TransactionAmount.Unlimited && p.TransactionAmount.Count < 0 {
		return nil, paramErr(op, "transaction_amount", "must not be negative")
	}
	return &call{in: p}, nil
}

// CompanyCounterParams filters Companies.Counter.
type CompanyCounterParams struct {
	// Date limits the counts to one day; zero returns every day.
	Date Date
}

func (p *CompanyCounterParams) encode(op string) (*call, error) {
	if p == nil {
		return &call{}, nil
	}
	q := url.Values{}
	if err := addDate(q, op, "date", p.Date); err != nil {
		return nil, err
	}
	return &call{query: q.Encode()}, nil
}

// Counter is a per-day count of transactions with totals.
type Counter struct {
	Dates []CounterDay  `json:"dates"`
	Total CounterTotals `json:"total"`
}

// CounterDay is the transactions of one day.
type CounterDay struct {
	// CompanyID is set by the merchant counter only (the docs show an
	// integer id there, not an xid).
	CompanyID string `json:"company_id"`
	Date      Date   `json:"date"`
	// Transaction is the number of transactions (the merchant counter
	// counts incoming ones only).
	Transaction    int `json:"transaction"`
	TransactionIn  int `json:"transaction_in"`
	TransactionOut int `json:"transaction_out"`
}

// CounterTotals sums the days of a Counter.
type CounterTotals struct {
	Transaction    int `json:"transaction"`
	TransactionIn  int `json:"transaction_in"`
	TransactionOut int `json:"transaction_out"`
}

var (
	companyListEndpoint    = &endpoint{name: "Companies.List", method: "GET", pattern: "/v1/company", class: classSafe}
	companyGetEndpoint     = &endpoint{name: "Companies.Get", method: "GET", pattern: "/v1/company/{xid}", class: classSafe}
	companyCreateEndpoint  = &endpoint{name: "Companies.Create", method: "POST", pattern: "/v1/company/create", class: classCreate}
	companyUpdateEndpoint  = &endpoint{name: "Companies.Update", method: "POST", pattern: "/v1/company/edit/{xid}", class: classIdempotent}
	companyCounterEndpoint = &endpoint{name: "Companies.Counter", method: "GET", pattern: "/v1/company/counter/{xid}", class: classSafe}
)

// List returns one page of companies, newest first unless sorted otherwise.
//
// API: GET /v1/company (https://developer.sepay.vn/en/bankhub/api/cong-ty/danh-sach-cong-ty)
func (s *CompanyService) List(ctx context.Context, params *CompanyListParams) (*Page[Company], error) {
	r, err := params.encode(companyListEndpoint.name)
	if err != nil {
		return nil, err
	}
	return getPage[Company, companyWire](ctx, s.client, companyListEndpoint, r)
}

// All iterates over every company matching params, page by page from
// params.Page (or 1), fetching lazily. It stops at the first error, which
// it yields. params is copied; it is not modified.
func (s *CompanyService) All(ctx context.Context, params *CompanyListParams) iter.Seq2[Company, error] {
	var p CompanyListParams
	if params != nil {
		p = *params
	}
	return paginate(ctx, p.Page, p.PerPage, p.SortCreatedAt != SortAsc, func(c *Company) string { return c.XID }, func(ctx context.Context, page int) (*Page[Company], error) {
		p.Page = page
		return s.List(ctx, &p)
	})
}

// Get returns a company with its configuration.
//
// API: GET /v1/company/{xid} (https://developer.sepay.vn/en/bankhub/api/cong-ty/chi-tiet-cong-ty)
func (s *CompanyService) Get(ctx context.Context, xid string) (*Company, error) {
	return convert[Company](getData[companyWire](ctx, s.client, companyGetEndpoint, &call{ids: []string{xid}}))
}

// Create creates a company. The answer carries only its xid and full name
// (Status, Active and the timestamps are left zero); call Get for the rest.
//
// It is not retried after the request may have reached the server: a
// duplicate would be a second company (names must be unique, so a replay
// would also fail with a validation error).
//
// API: POST /v1/company/create (https://developer.sepay.vn/en/bankhub/api/cong-ty/tao-cong-ty)
func (s *CompanyService) Create(ctx context.Context, params *CompanyCreateParams) (*Company, error) {
	r, err := params.encode(companyCreateEndpoint.name)
	if err != nil {
		return nil, err
	}
	return convert[Company](getData[companyWire](ctx, s.client, companyCreateEndpoint, r))
}

// Update changes the fields set in params and leaves the others alone.
//
// API: POST /v1/company/edit/{xid} (https://developer.sepay.vn/en/bankhub/api/cong-ty/chinh-sua-cong-ty)
func (s *CompanyService) Update(ctx context.Context, xid string, params *CompanyUpdateParams) error {
	r, err := params.encode(companyUpdateEndpoint.name)
	if err != nil {
		return err
	}
	r.ids = []string{xid}
	return s.client.do(ctx, companyUpdateEndpoint, r)
}

// Counter returns a company's daily transaction counts, for one day when
// params.Date is set and for every day otherwise.
//
// API: GET /v1/company/counter/{xid} (https://developer.sepay.vn/en/bankhub/api/cong-ty/bo-dem-cong-ty)
func (s *CompanyService) Counter(ctx context.Context, xid string, params *CompanyCounterParams) (*Counter, error) {
	r, err := params.encode(companyCounterEndpoint.name)
	if err != nil {
		return nil, err
	}
	r.ids = []string{xid}
	return getData[Counter](ctx, s.client, companyCounterEndpoint, r)
}

// Ptr returns a pointer to v, for the optional fields of update params.
func Ptr[T any](v T) *T { return &v }
