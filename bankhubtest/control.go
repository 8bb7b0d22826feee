package bankhubtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/internal/wire"
)

// ControlPrefix is the path prefix of the control API: the same server's
// endpoints for driving the fake over HTTP, from tests in any language. No
// Bank Hub path starts with it. Every endpoint takes and answers JSON, needs
// no authentication, and does what the Go method of the same name does:
//
//	GET  /__control/health          {"status":"ok"}
//	POST /__control/companies       AddCompany: {full_name, status, transaction_amount, payment_code_prefix, ...} → {xid}
//	POST /__control/bank-accounts   AddBankAccount: {company_xid, brand_name, account_number, account_holder_name, account_type} → {bank_account_xid}
//	GET  /__control/bank-accounts/{xid}  a bank account, inactive ones too (the API hides them)
//	POST /__control/link            SimulateLink: {link_token | link_token_xid, brand_name, account_number, ...} → {bank_account_xid}
//	POST /__control/unlink          SimulateUnlink: {link_token | link_token_xid} → {bank_account_xid}
//	POST /__control/inactivate      InactivateBankAccount: {bank_account_xid}
//	POST /__control/transfer        SimulateTransfer: {bank_account_xid, amount, content, transfer_type, transaction_date, reference_code} → the transaction
//	POST /__control/ipn-target      SetIPN: {url, api_key}
//	POST /__control/webhook-target  SetWebhook: {url, secret_key, events}
//	POST /__control/faults          InjectFault: {op, count, status, retry_after_seconds, delay_ms, drop, drop_after, blocked}
//	POST /__control/faults/clear    ClearFaults
//	POST /__control/expire-tokens   ExpireTokens
//	POST /__control/clock           Advance: {advance: "90m"} → {now}
//	GET  /__control/requests        Requests (and counts per operation)
//	GET  /__control/deliveries      Deliveries, with the receiver's answers
//	POST /__control/reset           Reset
//
// Errors answer 400 (bad input), 404 (unknown id or token) or 409 (a link
// token that cannot be used) with {"error": "..."}.
const ControlPrefix = "/__control/"

func (s *Server) controlRoutes() {
	routes := map[string]func(*http.Request) (any, error){
		"GET health":              func(*http.Request) (any, error) { return map[string]string{"status": "ok"}, nil },
		"POST companies":          s.ctlCompany,
		"POST bank-accounts":      s.ctlBankAccount,
		"POST link":               s.ctlLink,
		"POST unlink":             s.ctlUnlink,
		"POST inactivate":         s.ctlInactivate,
		"POST transfer":           s.ctlTransfer,
		"POST ipn-target":         s.ctlIPNTarget,
		"POST webhook-target":     s.ctlWebhookTarget,
		"POST faults":             s.ctlFault,
		"POST faults/clear":       func(*http.Request) (any, error) { s.ClearFaults(); return ok, nil },
		"POST expire-tokens":      func(*http.Request) (any, error) { s.ExpireTokens(); return ok, nil },
		"POST clock":              s.ctlClock,
		"GET requests":            s.ctlRequests,
		"GET deliveries":          s.ctlDeliveries,
		"POST reset":              func(*http.Request) (any, error) { s.Reset(); return ok, nil },
		"GET bank-accounts/{xid}": s.ctlBankAccountGet,
	}
	for route, fn := range routes {
		method, path, _ := strings.Cut(route, " ")
		s.mux.HandleFunc(method+" "+ControlPrefix+path, func(w http.ResponseWriter, r *http.Request) {
			if status, why := s.controlRefusal(r); status != 0 {
				writeJSON(w, status, map[string]string{"error": why})
				return
			}
			out, err := fn(r)
			if err != nil {
				writeJSON(w, controlStatus(err), map[string]string{"error": err.Error()})
				return
			}
			writeJSON(w, http.StatusOK, out)
		})
	}
	s.mux.HandleFunc(ControlPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such control endpoint; see ControlPrefix's documentation or bankhub-fake -h"})
	})
}

var ok = map[string]bool{"ok": true}

// controlRefusal guards the control API against the web pages the developer
// visits: a page can make the browser send a request to a fake on
// 127.0.0.1, but not with its origin, nor (without a preflight the fake
// never grants) with a JSON body. So the control API refuses a request whose
// Origin is not the fake's own, one the browser marks as sent from another
// site (Sec-Fetch-Site), and a body that is not application/json. It does
// not authenticate: anything that can connect to the fake can drive it
// (SECURITY.md).
func (s *Server) controlRefusal(r *http.Request) (status int, why string) {
	if !s.ownHost(r.Host) {
		return http.StatusForbidden, "the control API answers to its own host names only (" + strconv.Quote(wire.Truncate(r.Host, 100)) +
			" is not one: give it with -public-url)"
	}
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host && o != "https://"+r.Host {
		return http.StatusForbidden, "the control API refuses cross-origin requests (Origin " + strconv.Quote(wire.Truncate(o, 100)) + ")"
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return http.StatusForbidden, "the control API refuses requests a browser sent from another site"
	}
	if r.Method != http.MethodGet && (r.ContentLength > 0 || len(r.TransferEncoding) > 0) {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			return http.StatusUnsupportedMediaType, "the control API takes JSON: send Content-Type: application/json (curl --json '{…}')"
		}
	}
	return 0, ""
}

// ownHost reports whether host (a request's Host) names this server: an
// IP address (which DNS rebinding cannot forge: it needs a name),
// localhost, or the host of the URL the server gives out (-public-url). A
// page of another site whose name was made to resolve to 127.0.0.1 sends
// its own name in Host, and its Origin then matches that Host: the Origin
// check alone let it through.
func (s *Server) ownHost(host string) bool {
	h := host
	if hp, _, err := net.SplitHostPort(host); err == nil {
		h = hp
	}
	h = strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
	if h == "" {
		return false
	}
	if net.ParseIP(h) != nil || h == "localhost" {
		return true
	}
	if u, err := url.Parse(s.URL); err == nil && strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), h) {
		return true
	}
	return false
}

// errBadInput marks a control request the server cannot act on.
var errBadInput = errors.New("bad input")

func badInput(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadInput, fmt.Sprintf(format, args...))
}

func controlStatus(err error) int {
	switch {
	case errors.Is(err, errBadInput):
		return http.StatusBadRequest
	case errors.Is(err, ErrNoLinkToken):
		return http.StatusNotFound
	case errors.Is(err, ErrLinkToken), errors.Is(err, ErrAlreadyLinked):
		return http.StatusConflict
	case errors.Is(err, ErrNoBankAccount), errors.Is(err, errNoCompany):
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func decodeControl(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badInput("%v", err)
	}
	return nil
}

func (s *Server) ctlCompany(r *http.Request) (any, error) {
	var in struct {
		FullName          string `json:"full_name"`
		Status            string `json:"status"`
		TransactionAmount string `json:"transaction_amount"`
		PaymentCode       string `json:"payment_code"`
		Prefix            string `json:"payment_code_prefix"`
		SuffixFrom        int    `json:"payment_code_suffix_from"`
		SuffixTo          int    `json:"payment_code_suffix_to"`
		SuffixType        string `json:"payment_code_suffix_character_type"`
	}
	if err := decodeControl(r, &in); err != nil {
		return nil, err
	}
	p := CompanyParams{FullName: in.FullName, Status: bankhub.CompanyStatus(in.Status), PaymentCodePrefix: in.Prefix,
		PaymentCodeOff: in.PaymentCode == "off", SuffixFrom: in.SuffixFrom, SuffixTo: in.SuffixTo,
		SuffixType: bankhub.SuffixCharacterType(in.SuffixType)}
	if in.TransactionAmount != "" {
		var amount bankhub.TransactionAmount
		if err := json.Unmarshal([]byte(quoteIfWord(in.TransactionAmount)), &amount); err != nil {
			return nil, badInput("transaction_amount: %v", err)
		}
		p.TransactionAmount = &amount
	}
	return map[string]string{"xid": s.AddCompany(p)}, nil
}

// quoteIfWord turns Unlimited into "Unlimited" and leaves numbers alone.
func quoteIfWord(s string) string {
	if s != "" && (s[0] < '0' || s[0] > '9') {
		return `"` + s + `"`
	}
	return s
}

type linkIn struct {
	LinkToken         string `json:"link_token"`
	LinkTokenXID      string `json:"link_token_xid"`
	BrandName         string `json:"brand_name"`
	AccountNumber     string `json:"account_number"`
	AccountHolderName string `json:"account_holder_name"`
	AccountType       string `json:"account_type"`
}

func (in linkIn) params() LinkParams {
	return LinkParams{BrandName: in.BrandName, AccountNumber: in.AccountNumber, AccountHolderName: in.AccountHolderName,
		AccountType: bankhub.AccountType(in.AccountType)}
}

func (in linkIn) token() (string, error) {
	switch {
	case in.LinkToken != "":
		return in.LinkToken, nil
	case in.LinkTokenXID != "":
		return in.LinkTokenXID, nil
	}
	return "", badInput("link_token or link_token_xid is required")
}

func (s *Server) ctlBankAccount(r *http.Request) (any, error) {
	var in struct {
		CompanyXID string `json:"company_xid"`
		linkIn
	}
	if err := decodeControl(r, &in); err != nil {
		return nil, err
	}
	xid, err := s.AddBankAccount(in.CompanyXID, in.params())
	if err != nil {
		return nil, err
	}
	return map[string]string{"bank_account_xid": xid}, nil
}

func (s *Server) ctlLink(r *http.Request) (any, error) {
	return s.completeLinkToken(r, func(ctx context.Context, tok string, p LinkParams) (string, error) {
		return s.SimulateLink(ctx, tok, p)
	})
}

func (s *Server) ctlUnlink(r *http.Request) (any, error) {
	return s.completeLinkToken(r, func(ctx context.Context, tok string, _ LinkParams) (string, error) {
		return s.unlink(ctx, tok)
	})
}

// completeLinkToken decodes a link or unlink request and completes it.
func (s *Server) completeLinkToken(r *http.Request, complete func(context.Context, string, LinkParams) (string, error)) (any, error) {
	var in linkIn
	if err := decodeControl(r, &in); err != nil {
		return nil, err
	}
	tok, err := in.token()
	if err != nil {
		return nil, err
	}
	xid, err := complete(r.Context(), tok, in.params())
	if err != nil {
		return nil, err
	}
	return map[string]string{"bank_account_xid": xid}, nil
}

func (s *Server) ctlInactivate(r *http.Request) (any, error) {
	var in struct {
		BankAccountXID string `json:"bank_account_xid"`
	}
	if err := decodeControl(r, &in); err != nil {
		return nil, err
	}
	return ok, s.InactivateBankAccount(r.Context(), in.BankAccountXID)
}

func (s *Server) ctlTransfer(r *http.Request) (any, error) {
	var in struct {
		BankAccountXID  string          `json:"bank_account_xid"`
		Amount          json.RawMessage `json:"amount"`
		Content         string          `json:"content"`
		TransferType    string          `json:"transfer_type"`
		TransactionDate string          `json:"transaction_date"`
		ReferenceCode   string          `json:"reference_code"`
	}
	if err := decodeControl(r, &in); err != nil {
		return nil, err
	}
	var amount bankhub.VND
	if err := json.Unmarshal(in.Amount, &amount); err != nil || amount <= 0 {
		return nil, badInput("amount must be a whole number of dong above 0")
	}
	p := TransferParams{BankAccountXID: in.BankAccountXID, Amount: amount, Content: in.Content,
		TransferType: bankhub.TransferType(in.TransferType), ReferenceCode: in.ReferenceCode}
	if in.TransactionDate != "" {
		d, err := bankhub.ParseTime(in.TransactionDate)
		if err != nil {
			return nil, badInput("transaction_date: %v", err)
		}
		p.Date = d
	}
	tx, err := s.SimulateTransfer(r.Context(), p)
	if err != nil && !errors.Is(err, ErrNoBankAccount) {
		return nil, badInput("%v", err)
	}
	return tx, err
}

func (s *Server) ctlIPNTarget(r *http.Request) (any, error) {
	var in struct {
		URL    string `json:"url"`
		APIKey string `json:"api_key"`
	}
	if err := decodeControl(r, &in); err != nil {
		return nil, err
	}
	s.SetIPN(in.URL, in.APIKey)
	return ok, nil
}

func (s *Server) ctlWebhookTarget(r *http.Request) (any, error) {
	var in struct {
		URL       string   `json:"url"`
		SecretKey string   `json:"secret_key"`
		Events    []string `json:"events"`
	}
	if err := decodeControl(r, &in); err != nil {
		return nil, err
	}
	events := make([]bankhub.EventType, len(in.Events))
	for i, e := range in.Events {
		events[i] = bankhub.EventType(e)
	}
	s.SetWebhook(in.URL, in.SecretKey, events...)
	return ok, nil
}

func (s *Server) ctlFault(r *http.Request) (any, error) {
	var in struct {
		Op                string `json:"op"`
		Count             int    `json:"count"`
		Status            int    `json:"status"`
		RetryAfterSeconds int    `json:"retry_after_seconds"`
		DelayMS           int    `json:"delay_ms"`
		Drop              bool   `json:"drop"`
		DropAfter         bool   `json:"drop_after"`
		Blocked           bool   `json:"blocked"`
	}
	if err := decodeControl(r, &in); err != nil {
		return nil, err
	}
	if !knownOp(in.Op) {
		return nil, badInput("op %q is not an operation; use one such as %q", in.Op, OpCompanyList)
	}
	s.InjectFault(in.Op, Fault{Count: in.Count, Status: in.Status, RetryAfter: time.Duration(in.RetryAfterSeconds) * time.Second,
		Delay: time.Duration(in.DelayMS) * time.Millisecond, Drop: in.Drop, DropAfter: in.DropAfter, Blocked: in.Blocked})
	return ok, nil
}

func (s *Server) ctlClock(r *http.Request) (any, error) {
	var in struct {
		Advance string `json:"advance"`
	}
	if err := decodeControl(r, &in); err != nil {
		return nil, err
	}
	d, err := time.ParseDuration(in.Advance)
	if err != nil || d < 0 {
		return nil, badInput("advance must be a positive duration such as \"90m\"")
	}
	s.Advance(d)
	return map[string]string{"now": s.now().Format(time.RFC3339)}, nil
}

func (s *Server) ctlRequests(*http.Request) (any, error) {
	s.mu.Lock()
	counts := make(map[string]int, len(s.counts))
	for op, n := range s.counts {
		if op != "" {
			counts[op] = n
		}
	}
	s.mu.Unlock()
	return struct {
		Requests []Request      `json:"requests"`
		Counts   map[string]int `json:"counts"`
	}{s.Requests(), counts}, nil
}

func (s *Server) ctlDeliveries(*http.Request) (any, error) {
	type deliveryJSON struct {
		Kind     DeliveryKind    `json:"kind"`
		URL      string          `json:"url"`
		Name     string          `json:"name"`
		Body     json.RawMessage `json:"body"`
		Attempts int             `json:"attempts"`
		Status   int             `json:"status"`
		Error    string          `json:"error,omitempty"`
	}
	out := []deliveryJSON{}
	for _, d := range s.Deliveries() {
		w := deliveryJSON{Kind: d.Kind, URL: d.URL, Name: d.Name, Body: d.Body, Attempts: d.Attempts, Status: d.Status}
		if d.Err != nil {
			w.Error = d.Err.Error()
		}
		out = append(out, w)
	}
	return struct {
		Deliveries []deliveryJSON `json:"deliveries"`
	}{out}, nil
}

func (s *Server) ctlBankAccountGet(r *http.Request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ba := s.findBankAccount(r.PathValue("xid"))
	if ba == nil {
		return nil, ErrNoBankAccount
	}
	return ba.json(true), nil
}

// knownOp reports whether op names one of the API's operations.
func knownOp(op string) bool {
	for _, o := range allOps {
		if o == op {
			return true
		}
	}
	return false
}

var allOps = []string{OpToken, OpLinkTokenCreate, OpLinkTokenGet, OpLinkTokenRevoke, OpCompanyList, OpCompanyGet,
	OpCompanyCreate, OpCompanyUpdate, OpCompanyCounter, OpBankAccountList, OpBankAccountGet, OpTransactionList,
	OpTransactionGet, OpTransactionCreate, OpMerchantConfigGet, OpMerchantConfigSet, OpMerchantLogo,
	OpMerchantCounter, OpWebhookGet, OpWebhookSet}
