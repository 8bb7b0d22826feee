package bankhubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bankhub-go/bankhub"
)

type company struct {
	xid, fullName, shortName, status string
	paymentCode, prefix, suffixType  string
	suffixFrom, suffixTo             int
	transactionAmount                string // "Unlimited" or a count
	createdAt, updatedAt             time.Time
}

func (c *company) wire(withConfig bool) map[string]any {
	m := map[string]any{
		"xid": c.xid, "full_name": c.fullName, "status": c.status, "active": flag(c.status == "Active"),
		"created_at": wireTime(c.createdAt), "updated_at": wireTime(c.updatedAt),
	}
	if withConfig {
		m["configuration"] = map[string]any{
			"payment_code": c.paymentCode, "payment_code_prefix": c.prefix,
			"payment_code_suffix_from": c.suffixFrom, "payment_code_suffix_to": c.suffixTo,
			"payment_code_suffix_character_type": c.suffixType, "data_storage_time": "30",
			"transaction_amount": c.transactionAmount,
		}
	}
	return m
}

// notifies reports whether IPNs are sent for the company's transactions.
func (c *company) notifies() bool {
	if c.status != "Active" {
		return false
	}
	if strings.EqualFold(c.transactionAmount, "Unlimited") {
		return true
	}
	n, _ := strconv.Atoi(c.transactionAmount)
	return n > 0
}

type linkToken struct {
	xid, value, companyXID, purpose, bankAccountXID string
	redirectURI, language, status                   string
	isMobileApp                                     int
	createdAt, updatedAt, expiresAt                 time.Time
	sessions                                        []*linkSession
	events                                          []linkEvent
}

type linkSession struct {
	xid, state, status                        string
	finishedAt, expiresAt, createdAt, updated time.Time
}

type linkEvent struct {
	xid, name string
	metadata  map[string]any
	createdAt time.Time
}

type bankAccount struct {
	xid, companyXID, brandName, holderName, number string
	accountType, identification, phone             string
	active                                         bool
	lastTransaction, createdAt, updatedAt          time.Time
}

func (b *bankAccount) wire(detail bool) map[string]any {
	m := map[string]any{
		"xid": b.xid, "company_xid": b.companyXID, "brand_name": b.brandName,
		"account_holder_name": b.holderName, "account_number": b.number, "accumulated": "0",
		"bank_api_connected": "1", "active": flag(b.active), "last_transaction": wireTime(b.lastTransaction),
		"created_at": wireTime(b.createdAt), "updated_at": wireTime(b.updatedAt),
	}
	if detail {
		m["identification_number"] = b.identification
		m["phone_number"] = b.phone
		m["va_list"] = []any{}
	} else {
		m["account_type"] = b.accountType
	}
	return m
}

type transaction struct {
	id, bankAccountXID, companyXID, brandName, number string
	reference, transferType, content, paymentCode     string
	amount                                            int64
	webhookSuccess                                    bool
	date                                              time.Time
}

func (t *transaction) wire() map[string]any {
	return map[string]any{
		"transaction_id": t.id, "transaction_date": wireTime(t.date), "bank_account_xid": t.bankAccountXID,
		"company_xid": t.companyXID, "brand_name": t.brandName, "account_number": t.number,
		"va": "", "va_xid": "", "reference_number": t.reference, "transfer_type": t.transferType,
		"amount": t.amount, "transaction_content": t.content, "payment_code": t.paymentCode,
		"webhook_success": map[bool]int{true: 1, false: 0}[t.webhookSuccess],
	}
}

type merchantConfig struct {
	keywords []string
	css      string
	logoURL  string
}

func (m *merchantConfig) wire() map[string]any {
	return map[string]any{"transaction_whitelist_remark_keywords": m.keywords, "global_hosted_link_custom_css": m.css, "logo_url": m.logoURL}
}

type webhookConfig struct {
	url, authType, secret string
	active                int
	events                []string
}

func (c *webhookConfig) wire(masked bool) map[string]any {
	secret := c.secret
	if masked {
		secret = "***" + secret[max(0, len(secret)-4):]
	}
	return map[string]any{"webhook_url": c.url, "auth_type": c.authType, "secret_key": secret,
		"request_content_type": "application/json", "active": c.active, "allow_events": c.events}
}

func (c *webhookConfig) wants(event string) bool {
	if c == nil || c.active != 1 {
		return false
	}
	return slices.Contains(c.events, "*") || slices.Contains(c.events, event) ||
		(event == "BANK_ACCOUNT_INACTIVED" && slices.Contains(c.events, "BANK_ACCOUNT_INACTIVATED"))
}

func (s *Server) routes() {
	s.mux.HandleFunc(OpToken, s.handleToken)
	authed := map[string]http.HandlerFunc{
		OpLinkTokenCreate:   s.linkTokenCreate,
		OpLinkTokenGet:      s.linkTokenGet,
		OpLinkTokenRevoke:   s.linkTokenRevoke,
		OpCompanyList:       s.companyList,
		OpCompanyGet:        s.companyGet,
		OpCompanyCreate:     s.companyCreate,
		OpCompanyUpdate:     s.companyUpdate,
		OpCompanyCounter:    s.companyCounter,
		OpBankAccountList:   s.bankAccountList,
		OpBankAccountGet:    s.bankAccountGet,
		OpTransactionList:   s.transactionList,
		OpTransactionGet:    s.transactionGet,
		OpTransactionCreate: s.transactionCreate,
		OpMerchantConfigGet: s.merchantConfigGet,
		OpMerchantConfigSet: s.merchantConfigSet,
		OpMerchantLogo:      s.merchantLogo,
		OpMerchantCounter:   s.merchantCounter,
		OpWebhookGet:        s.webhookGet,
		OpWebhookSet:        s.webhookSet,
	}
	for op, h := range authed {
		s.mux.HandleFunc(op, func(w http.ResponseWriter, r *http.Request) {
			if s.authenticate(w, r) {
				h(w, r)
			}
		})
	}
	s.controlRoutes()
	s.hostedRoutes()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"code": 404, "message": "Resource not found"})
	})
}

// --- link tokens ---

func (s *Server) linkTokenCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CompanyXID            string `json:"company_xid"`
		Purpose               string `json:"purpose"`
		BankAccountXID        string `json:"bank_account_xid"`
		CompletionRedirectURI string `json:"completion_redirect_uri"`
		IsMobileApp           *int   `json:"is_mobile_app"`
		Language              string `json:"language"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	switch {
	case in.CompanyXID == "":
		validationError(w, "company_xid", "The company_xid field is required.")
		return
	case in.Purpose != "LINK_BANK_ACCOUNT" && in.Purpose != "UNLINK_BANK_ACCOUNT":
		validationError(w, "purpose", "The selected purpose is invalid.")
		return
	case in.Purpose == "UNLINK_BANK_ACCOUNT" && in.BankAccountXID == "":
		validationError(w, "bank_account_xid", "The bank_account_xid field is required when purpose is UNLINK_BANK_ACCOUNT.")
		return
	case in.Language != "" && in.Language != "vi" && in.Language != "en":
		validationError(w, "language", "The selected language is invalid.")
		return
	case in.IsMobileApp != nil && *in.IsMobileApp != 0 && *in.IsMobileApp != 1:
		validationError(w, "is_mobile_app", "The selected is_mobile_app is invalid.")
		return
	}
	if in.CompletionRedirectURI != "" {
		if u, err := url.Parse(in.CompletionRedirectURI); err != nil || u.Host == "" {
			validationError(w, "completion_redirect_uri", "The completion_redirect_uri must be a valid URL.")
			return
		}
	}
	var (
		out     map[string]any
		hook    *webhookConfig
		ev      eventPayload
		missing string
	)
	s.locked(func() {
		c := s.findCompany(in.CompanyXID)
		var ba *bankAccount
		if in.BankAccountXID != "" {
			ba = s.findBankAccount(in.BankAccountXID)
		}
		if c == nil || (in.Purpose == "UNLINK_BANK_ACCOUNT" && (ba == nil || ba.companyXID != c.xid || !ba.active)) {
			missing = "Company"
			if c != nil {
				missing = "Bank account"
			}
			return
		}
		now := s.now()
		lt := &linkToken{
			xid: newXID(), value: newXID(), companyXID: c.xid, purpose: in.Purpose, bankAccountXID: in.BankAccountXID,
			redirectURI: in.CompletionRedirectURI, language: in.Language, status: "Active",
			createdAt: now, updatedAt: now, expiresAt: now.Add(defaultLinkTokenLife),
		}
		if lt.language == "" {
			lt.language = "vi"
		}
		if in.IsMobileApp != nil {
			lt.isMobileApp = *in.IsMobileApp
		}
		s.linkTokens = append(s.linkTokens, lt)
		ev = s.recordEvent(lt, "LINK_TOKEN_CREATED", map[string]any{"purpose": lt.purpose, "link_token_xid": lt.xid, "link_session_xid": nil})
		out = map[string]any{"xid": lt.xid, "hosted_link_url": s.URL + "/link/" + lt.xid, "link_token": lt.value, "expires_at": wireTime(lt.expiresAt)}
		hook = s.webhook
	})
	if missing != "" {
		notFound(w, missing, false)
		return
	}
	s.deliverEvents(r.Context(), hook, []eventPayload{ev})
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) linkTokenGet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		LinkToken string `json:"link_token"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	if in.LinkToken == "" {
		validationError(w, "link_token", "The link_token field is required.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lt := s.findLinkToken(in.LinkToken)
	if lt == nil {
		notFound(w, "Link token", false)
		return
	}
	c := s.findCompany(lt.companyXID)
	sessions := []any{}
	for _, ss := range lt.sessions {
		sessions = append(sessions, map[string]any{"xid": ss.xid, "context": nil, "state": ss.state, "status": ss.status, "result": nil,
			"finished_at": wireTime(ss.finishedAt), "expires_at": wireTime(ss.expiresAt), "created_at": wireTime(ss.createdAt), "updated_at": wireTime(ss.updated)})
	}
	events := []any{}
	for _, e := range lt.events {
		events = append(events, map[string]any{"xid": e.xid, "name": e.name, "metadata": e.metadata, "created_at": wireTime(e.createdAt)})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"xid": lt.xid, "purpose": lt.purpose, "status": s.linkTokenStatus(lt), "completion_redirect_uri": lt.redirectURI,
		"is_mobile_app": lt.isMobileApp, "language": lt.language, "session_count": len(lt.sessions),
		"created_at": wireTime(lt.createdAt), "updated_at": wireTime(lt.updatedAt), "expires_at": wireTime(lt.expiresAt),
		"company":  map[string]any{"full_name": c.fullName, "status": c.status, "xid": c.xid},
		"sessions": sessions, "events": events,
	})
}

func (s *Server) linkTokenStatus(lt *linkToken) string {
	if lt.status == "Active" && !s.now().Before(lt.expiresAt) {
		return "Expired"
	}
	return lt.status
}

func (s *Server) linkTokenRevoke(w http.ResponseWriter, r *http.Request) {
	var in struct {
		LinkTokenXID string `json:"link_token_xid"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	if in.LinkTokenXID == "" {
		validationError(w, "link_token_xid", "The link_token_xid field is required.")
		return
	}
	var (
		hook  *webhookConfig
		ev    eventPayload
		found bool
	)
	s.locked(func() {
		var lt *linkToken
		for _, t := range s.linkTokens {
			if t.xid == in.LinkTokenXID {
				lt = t
			}
		}
		if lt == nil || lt.status == "Revoked" {
			return
		}
		found = true
		lt.status = "Revoked"
		lt.updatedAt = s.now()
		ev = s.recordEvent(lt, "LINK_TOKEN_REVOKED", map[string]any{"purpose": lt.purpose, "link_token_xid": lt.xid, "link_session_xid": nil})
		hook = s.webhook
	})
	if !found {
		notFound(w, "Link token", true)
		return
	}
	s.deliverEvents(r.Context(), hook, []eventPayload{ev})
	writeJSON(w, http.StatusOK, map[string]any{"message": "Liên kết đã được thu hồi thành công"})
}

// --- companies ---

func (s *Server) findCompany(xid string) *company {
	for _, c := range s.companies {
		if c.xid == xid {
			return c
		}
	}
	return nil
}

func (s *Server) findBankAccount(xid string) *bankAccount {
	for _, b := range s.bankAccounts {
		if b.xid == xid {
			return b
		}
	}
	return nil
}

// findLinkTokenAny finds a link token by its value or its xid (the last
// segment of hosted_link_url), for the simulations. Call with s.mu held.
func (s *Server) findLinkTokenAny(valueOrXID string) *linkToken {
	for _, t := range s.linkTokens {
		if t.value == valueOrXID || t.xid == valueOrXID {
			return t
		}
	}
	return nil
}

func (s *Server) findLinkToken(value string) *linkToken {
	for _, t := range s.linkTokens {
		if t.value == value {
			return t
		}
	}
	return nil
}

// paging reads page and per_page (or limit); it answers 400 on bad values.
func paging(w http.ResponseWriter, q url.Values) (page, perPage int, ok bool) {
	page, perPage = 1, 20
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &page}, {"per_page", &perPage}, {"limit", &perPage}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || (p.name != "page" && n > 100) {
			validationError(w, p.name, "The "+p.name+" field is invalid.")
			return 0, 0, false
		}
		*p.dst = n
	}
	return page, perPage, true
}

// wirePage renders one page of items. Call with s.mu held.
func wirePage[T any](items []T, page, perPage int, wire func(T) map[string]any) []any {
	data := []any{}
	if page > len(items)/perPage+1 { // past the end (and no overflow below)
		return data
	}
	for i := (page - 1) * perPage; i < min(page*perPage, len(items)); i++ {
		data = append(data, wire(items[i]))
	}
	return data
}

// writeListPage answers a list in the companies and bank-accounts meta shape.
func writeListPage(w http.ResponseWriter, data []any, total, page, perPage int) {
	pages := pageCount(total, perPage)
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "meta": map[string]any{
		"per_page": perPage, "total": total, "has_more": page < pages, "current_page": page, "page_count": pages}})
}

func pageCount(total, perPage int) int { return (total + perPage - 1) / perPage }

func (s *Server) companyList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, perPage, ok := paging(w, q)
	if !ok {
		return
	}
	sort := q.Get("sort[created_at]")
	if sort != "" && sort != "asc" && sort != "desc" {
		validationError(w, "sort", "The selected sort is invalid.")
		return
	}
	var match []*company
	var data []any
	s.locked(func() {
		for _, c := range s.companies {
			if qs := q.Get("q"); qs != "" && !strings.Contains(strings.ToLower(c.fullName), strings.ToLower(qs)) {
				continue
			}
			if st := q.Get("status"); st != "" && c.status != st {
				continue
			}
			match = append(match, c)
		}
		if sort != "asc" {
			slices.Reverse(match)
		}
		data = wirePage(match, page, perPage, func(c *company) map[string]any { return c.wire(false) })
	})
	writeListPage(w, data, len(match), page, perPage)
}

func (s *Server) companyGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.findCompany(r.PathValue("xid"))
	if c == nil {
		notFound(w, "Company", true)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": c.wire(true)})
}

var prefixPattern = regexp.MustCompile(`^[A-Za-z]{2,5}$`)

var companyStatuses = []string{"Active", "Pending", "Suspended", "Terminated", "Cancelled", "Fraud"}

func (s *Server) companyCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FullName string `json:"full_name"`
		Status   string `json:"status"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	switch {
	case strings.TrimSpace(in.FullName) == "":
		validationError(w, "full_name", "The full_name field is required.")
		return
	case utf8.RuneCountInString(in.FullName) > 200:
		validationError(w, "full_name", "The full_name may not be greater than 200 characters.")
		return
	case in.Status != "Active" && in.Status != "Pending":
		validationError(w, "status", "The selected status is invalid.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.companies {
		if c.fullName == in.FullName {
			validationError(w, "full_name", "The full_name has already been taken.")
			return
		}
	}
	now := s.now()
	c := &company{xid: newXID(), fullName: in.FullName, status: in.Status, paymentCode: "off", suffixFrom: 6, suffixTo: 8,
		suffixType: "NumberAndLetter", transactionAmount: "0", createdAt: now, updatedAt: now}
	s.companies = append(s.companies, c)
	writeJSON(w, http.StatusCreated, map[string]any{"code": 201, "message": "Đã tạo công ty (tổ chức) thành công.",
		"data": map[string]any{"xid": c.xid, "full_name": c.fullName}})
}

func (s *Server) companyUpdate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FullName          *string          `json:"full_name"`
		ShortName         *string          `json:"short_name"`
		Status            *string          `json:"status"`
		PaymentCode       *string          `json:"payment_code"`
		Prefix            *string          `json:"payment_code_prefix"`
		SuffixFrom        *int             `json:"payment_code_suffix_from"`
		SuffixTo          *int             `json:"payment_code_suffix_to"`
		SuffixType        *string          `json:"payment_code_suffix_character_type"`
		TransactionAmount *json.RawMessage `json:"transaction_amount"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	var amount string
	if in.TransactionAmount != nil {
		var ta bankhub.TransactionAmount
		if err := json.Unmarshal(*in.TransactionAmount, &ta); err != nil || (!ta.Unlimited && ta.Count < 0) {
			validationError(w, "transaction_amount", "The transaction_amount must be a non-negative integer or Unlimited.")
			return
		}
		amount = ta.String()
	}
	switch {
	case in.FullName != nil && (strings.TrimSpace(*in.FullName) == "" || utf8.RuneCountInString(*in.FullName) > 200):
		validationError(w, "full_name", "The full_name field is invalid.")
		return
	case in.Status != nil && !slices.Contains(companyStatuses, *in.Status):
		validationError(w, "status", "The selected status is invalid.")
		return
	case in.PaymentCode != nil && *in.PaymentCode != "on" && *in.PaymentCode != "off":
		validationError(w, "payment_code", "The selected payment_code is invalid.")
		return
	case in.Prefix != nil && !prefixPattern.MatchString(*in.Prefix):
		validationError(w, "payment_code_prefix", "The payment_code_prefix must be 2 to 5 letters.")
		return
	case in.SuffixType != nil && *in.SuffixType != "NumberOnly" && *in.SuffixType != "NumberAndLetter":
		validationError(w, "payment_code_suffix_character_type", "The selected payment_code_suffix_character_type is invalid.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.findCompany(r.PathValue("xid"))
	if c == nil {
		notFound(w, "Company", true)
		return
	}
	from, to := c.suffixFrom, c.suffixTo
	if in.SuffixFrom != nil {
		from = *in.SuffixFrom
	}
	if in.SuffixTo != nil {
		to = *in.SuffixTo
	}
	if from < 1 || to > 30 || from > to {
		validationError(w, "payment_code_suffix_to", "The payment code suffix lengths are invalid.")
		return
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.fullName, in.FullName)
	set(&c.shortName, in.ShortName)
	set(&c.status, in.Status)
	set(&c.paymentCode, in.PaymentCode)
	set(&c.prefix, in.Prefix)
	set(&c.suffixType, in.SuffixType)
	c.suffixFrom, c.suffixTo = from, to
	if amount != "" {
		c.transactionAmount = amount
	}
	c.updatedAt = s.now()
	writeJSON(w, http.StatusOK, map[string]any{"code": 200, "message": "Đã cập nhật thông tin công ty (tổ chức) thành công."})
}

type dayCount struct{ all, in, out int }

// count tallies transactions per Vietnam day; keep decides which count.
func (s *Server) count(keep func(*transaction) bool) (map[string]*dayCount, []string) {
	days := map[string]*dayCount{}
	var order []string
	for _, t := range s.transactions {
		if !keep(t) {
			continue
		}
		d := t.date.In(bankhub.VietnamZone()).Format("2006-01-02")
		dc := days[d]
		if dc == nil {
			dc = &dayCount{}
			days[d] = dc
			order = append(order, d)
		}
		dc.all++
		if t.transferType == "in" {
			dc.in++
		} else {
			dc.out++
		}
	}
	slices.Sort(order)
	return days, order
}

func (s *Server) companyCounter(w http.ResponseWriter, r *http.Request) {
	date := r.URL.Query().Get("date")
	if date != "" {
		if _, err := time.Parse("2006-01-02", date); err != nil {
			validationError(w, "date", "The date does not match the format Y-m-d.")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.findCompany(r.PathValue("xid"))
	if c == nil {
		notFound(w, "Company", true)
		return
	}
	days, order := s.count(func(t *transaction) bool {
		return t.companyXID == c.xid && (date == "" || t.date.In(bankhub.VietnamZone()).Format("2006-01-02") == date)
	})
	dates := []any{}
	var tot dayCount
	for _, d := range order {
		dc := days[d]
		dates = append(dates, map[string]any{"date": d, "transaction": dc.all, "transaction_in": dc.in, "transaction_out": dc.out})
		tot.all, tot.in, tot.out = tot.all+dc.all, tot.in+dc.in, tot.out+dc.out
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"dates": dates,
		"total": map[string]any{"transaction": tot.all, "transaction_in": tot.in, "transaction_out": tot.out}}})
}

// --- bank accounts ---

func (s *Server) bankAccountList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, perPage, ok := paging(w, q)
	if !ok {
		return
	}
	var match []*bankAccount
	var data []any
	s.locked(func() {
		for i := len(s.bankAccounts) - 1; i >= 0; i-- { // newest first
			b := s.bankAccounts[i]
			if !b.active {
				continue
			}
			if v := q.Get("company_xid"); v != "" && b.companyXID != v {
				continue
			}
			if v := q.Get("bank_id"); v != "" && !strings.EqualFold(b.brandName, v) {
				continue
			}
			if v := q.Get("q"); v != "" && !strings.Contains(b.number, v) && !strings.Contains(strings.ToLower(b.holderName), strings.ToLower(v)) {
				continue
			}
			match = append(match, b)
		}
		data = wirePage(match, page, perPage, func(b *bankAccount) map[string]any { return b.wire(false) })
	})
	writeListPage(w, data, len(match), page, perPage)
}

func (s *Server) bankAccountGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.findBankAccount(r.PathValue("xid"))
	if b == nil || !b.active {
		notFound(w, "Bank account", false)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": b.wire(true)})
}

// --- transactions ---

func (s *Server) transactionList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, perPage, ok := paging(w, q)
	if !ok {
		return
	}
	day := func(name string) (string, bool) {
		v := q.Get(name)
		if v == "" {
			return "", true
		}
		if _, err := time.Parse("2006-01-02", v); err != nil {
			validationError(w, name, "The "+name+" does not match the format Y-m-d.")
			return "", false
		}
		return v, true
	}
	exact, ok1 := day("transaction_date")
	start, ok2 := day("start_transaction_date")
	end, ok3 := day("end_transaction_date")
	if !ok1 || !ok2 || !ok3 {
		return
	}
	tt := q.Get("transfer_type")
	if tt != "" && tt != "in" && tt != "out" {
		validationError(w, "transfer_type", "The selected transfer_type is invalid.")
		return
	}
	ws := q.Get("webhook_success")
	if ws != "" && ws != "0" && ws != "1" {
		validationError(w, "webhook_success", "The selected webhook_success is invalid.")
		return
	}
	match := []*transaction{}
	var data []any
	s.locked(func() {
		for i := len(s.transactions) - 1; i >= 0; i-- {
			t := s.transactions[i]
			d := t.date.In(bankhub.VietnamZone()).Format("2006-01-02")
			switch {
			case q.Get("company_xid") != "" && t.companyXID != q.Get("company_xid"),
				q.Get("bank_account_xid") != "" && t.bankAccountXID != q.Get("bank_account_xid"),
				q.Get("brand_name") != "" && !strings.EqualFold(t.brandName, q.Get("brand_name")),
				exact != "" && d != exact, start != "" && d < start, end != "" && d > end,
				tt != "" && t.transferType != tt,
				ws != "" && flag(t.webhookSuccess) != ws:
				continue
			}
			if v := strings.ToLower(q.Get("q")); v != "" && !strings.Contains(strings.ToLower(t.content), v) &&
				!strings.Contains(strings.ToLower(t.paymentCode), v) && !strings.Contains(t.number, v) {
				continue
			}
			match = append(match, t)
		}
		data = wirePage(match, page, perPage, (*transaction).wire)
	})
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "meta": map[string]any{
		"page": page, "per_page": perPage, "total": len(match), "total_pages": pageCount(len(match), perPage)}})
}

func (s *Server) transactionGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.transactions {
		if t.id == r.PathValue("transaction_id") {
			writeJSON(w, http.StatusOK, map[string]any{"data": t.wire()})
			return
		}
	}
	notFound(w, "Transaction", false)
}

func (s *Server) transactionCreate(w http.ResponseWriter, r *http.Request) {
	if !s.sandbox {
		writeJSON(w, http.StatusForbidden, map[string]any{"code": 403, "message": "Chức năng chỉ khả dụng trên môi trường sandbox"})
		return
	}
	var in struct {
		BankAccountXID     string          `json:"bank_account_xid"`
		TransferType       string          `json:"transfer_type"`
		Amount             json.RawMessage `json:"amount"`
		TransactionContent string          `json:"transaction_content"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	var amount bankhub.VND
	switch {
	case in.BankAccountXID == "":
		validationError(w, "bank_account_xid", "The bank_account_xid field is required.")
		return
	case !slices.Contains([]string{"in", "out", "credit", "debit"}, in.TransferType):
		validationError(w, "transfer_type", "The selected transfer_type is invalid.")
		return
	case len(in.Amount) == 0 || in.Amount[0] == '"' || json.Unmarshal(in.Amount, &amount) != nil || amount <= 0:
		validationError(w, "amount", "The amount must be a number greater than 0.")
		return
	case strings.TrimSpace(in.TransactionContent) == "":
		validationError(w, "transaction_content", "The transaction_content field is required.")
		return
	}
	t, err := s.SimulateTransfer(r.Context(), TransferParams{
		BankAccountXID: in.BankAccountXID, Amount: amount, Content: in.TransactionContent,
		TransferType: bankhub.TransferType(in.TransferType),
	})
	if err != nil {
		notFound(w, "Bank account", false)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": 201, "message": "Tạo giao dịch thành công", "data": map[string]any{
		"transaction_id": t.TransactionID, "reference_number": t.ReferenceNumber, "transaction_date": t.TransactionDate.Raw,
		"amount": int64(t.Amount), "transfer_type": in.TransferType, "accumulated": 0}})
}

// --- merchant config ---

func (s *Server) merchantConfigGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": s.merchant.wire()})
}

func (s *Server) merchantConfigSet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Keywords *json.RawMessage `json:"transaction_whitelist_remark_keywords"`
		CSS      *string          `json:"global_hosted_link_custom_css"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	var keywords []string
	if in.Keywords != nil {
		if err := json.Unmarshal(*in.Keywords, &keywords); err != nil || keywords == nil {
			validationError(w, "transaction_whitelist_remark_keywords", "The transaction_whitelist_remark_keywords must be an array.")
			return
		}
		var clean []string
		for _, k := range keywords {
			k = strings.TrimSpace(k)
			if k == "" {
				validationError(w, "transaction_whitelist_remark_keywords", "Keywords must not be empty.")
				return
			}
			if !slices.Contains(clean, k) {
				clean = append(clean, k)
			}
		}
		keywords = append([]string{}, clean...)
	}
	if in.CSS != nil && strings.Contains(strings.ToLower(*in.CSS), "<script") {
		validationError(w, "global_hosted_link_custom_css", "The CSS must not contain scripts.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.Keywords != nil {
		s.merchant.keywords = keywords
	}
	if in.CSS != nil {
		s.merchant.css = *in.CSS
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": s.merchant.wire()})
}

func (s *Server) merchantLogo(w http.ResponseWriter, r *http.Request) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		validationError(w, "logo", "The request must be multipart/form-data.")
		return
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, 2<<20), params["boundary"])
	var img []byte
	var name, ctype string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"code": 413, "message": "File quá lớn (tối đa 1MB)"})
			return
		}
		if part.FormName() == "logo" {
			name, ctype = part.FileName(), part.Header.Get("Content-Type")
			img, err = io.ReadAll(io.LimitReader(part, 1<<20+1))
			if err != nil {
				validationError(w, "logo", "Could not read the file.")
				return
			}
		}
	}
	switch {
	case img == nil:
		validationError(w, "logo", "The logo field is required.")
		return
	case len(img) > 1<<20:
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"code": 413, "message": "File quá lớn (tối đa 1MB)"})
		return
	}
	sniffed := http.DetectContentType(img)
	ext := strings.ToLower(path.Ext(name))
	okType := (sniffed == "image/png" && ext == ".png") || (sniffed == "image/jpeg" && (ext == ".jpg" || ext == ".jpeg"))
	if !okType || (ctype != "" && ctype != sniffed) {
		validationError(w, "logo", "The logo must be a file of type: jpg, jpeg, png.")
		return
	}
	var url string
	s.locked(func() {
		s.merchant.logoURL = fmt.Sprintf("%s/logos/merchant-%d.png", s.URL, s.now().UnixNano())
		url = s.merchant.logoURL
	})
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"logo_url": url}})
}

func (s *Server) merchantCounter(w http.ResponseWriter, r *http.Request) {
	today := s.now().In(bankhub.VietnamZone()).Format("2006-01-02")
	start, end := r.URL.Query().Get("start_date"), r.URL.Query().Get("end_date")
	if start == "" {
		start = today
	}
	if end == "" {
		end = today
	}
	for name, v := range map[string]string{"start_date": start, "end_date": end} {
		if _, err := time.Parse("2006-01-02", v); err != nil {
			validationError(w, name, "The "+name+" is not a valid date.")
			return
		}
	}
	if end < start {
		validationError(w, "end_date", "The end_date must be a date after or equal to start_date.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	type key struct {
		company int
		day     string
	}
	counts := map[key]*dayCount{}
	var keys []key
	var tot dayCount
	for _, t := range s.transactions {
		d := t.date.In(bankhub.VietnamZone()).Format("2006-01-02")
		if d < start || d > end {
			continue
		}
		k := key{slices.IndexFunc(s.companies, func(c *company) bool { return c.xid == t.companyXID }) + 1, d}
		dc := counts[k]
		if dc == nil {
			dc = &dayCount{}
			counts[k] = dc
			keys = append(keys, k)
		}
		if t.transferType == "in" {
			dc.all++ // the merchant counter counts incoming only
			dc.in++
			tot.all++
			tot.in++
		} else {
			dc.out++
			tot.out++
		}
	}
	dates := []any{}
	for _, k := range keys {
		dc := counts[k]
		dates = append(dates, map[string]any{"company_id": k.company, "date": k.day, "transaction": dc.all, "transaction_in": dc.in, "transaction_out": dc.out})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"dates": dates,
		"total": map[string]any{"transaction": tot.all, "transaction_in": tot.in, "transaction_out": tot.out}}})
}

// --- webhook config ---

func webhookEnvelope(status int, msg string, data any) map[string]any {
	return map[string]any{"status": status, "error": "", "messages": map[string]any{"success": []string{msg}, "error": []string{}}, "data": data}
}

func (s *Server) webhookGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var data any
	if s.webhook != nil {
		data = s.webhook.wire(true)
	}
	writeJSON(w, http.StatusOK, webhookEnvelope(200, "OK", data))
}

func (s *Server) webhookSet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		WebhookURL  string    `json:"webhook_url"`
		AuthType    string    `json:"auth_type"`
		SecretKey   string    `json:"secret_key"`
		Active      *int      `json:"active"`
		AllowEvents *[]string `json:"allow_events"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	fail := func(msg string) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "error": msg,
			"messages": map[string]any{"success": []string{}, "error": []string{msg}}, "data": nil})
	}
	u, err := url.Parse(in.WebhookURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		fail("webhook_url is invalid")
		return
	case in.AuthType != "" && in.AuthType != "SECRET_KEY":
		fail("auth_type is invalid")
		return
	case in.Active != nil && *in.Active != 0 && *in.Active != 1:
		fail("active is invalid")
		return
	}
	cfg := &webhookConfig{url: in.WebhookURL, authType: "SECRET_KEY", secret: in.SecretKey, active: 1, events: []string{}}
	if in.Active != nil {
		cfg.active = *in.Active
	}
	if in.AllowEvents != nil {
		for _, e := range *in.AllowEvents {
			if e != "*" && !bankhub.EventType(e).Known() {
				fail("allow_events contains an invalid event: " + e)
				return
			}
		}
		cfg.events = append(cfg.events, *in.AllowEvents...)
	}
	var out map[string]any
	s.locked(func() {
		s.webhook = cfg
		out = cfg.wire(false)
	})
	writeJSON(w, http.StatusOK, webhookEnvelope(200, "Cập nhật webhook thành công", out))
}
