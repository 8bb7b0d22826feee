package bankhubtest

// Transactions: list, get, and the sandbox simulator.

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bankhub-go/bankhub"
)

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
	var data []transactionJSON
	s.locked(func() {
		for i := len(s.transactions) - 1; i >= 0; i-- {
			t := s.transactions[i]
			d := bankhub.DateOf(t.date).String()
			switch {
			case q.Get("company_xid") != "" && t.companyXID != q.Get("company_xid"),
				q.Get("bank_account_xid") != "" && t.bankAccountXID != q.Get("bank_account_xid"),
				q.Get("brand_name") != "" && !strings.EqualFold(t.brandName, q.Get("brand_name")),
				exact != "" && d != exact, start != "" && d < start, end != "" && d > end,
				tt != "" && t.transferType != tt,
				ws != "" && apiFlag(t.webhookSuccess) != ws:
				continue
			}
			if v := strings.ToLower(q.Get("q")); v != "" && !strings.Contains(strings.ToLower(t.content), v) &&
				!strings.Contains(strings.ToLower(t.paymentCode), v) && !strings.Contains(t.number, v) {
				continue
			}
			match = append(match, t)
		}
		data = jsonPage(match, page, perPage, (*transaction).json)
	})
	writeJSON(w, http.StatusOK, listBody[transactionJSON, transactionMeta]{Data: data, Meta: transactionMeta{
		Page: page, PerPage: perPage, Total: len(match), TotalPages: pageCount(len(match), perPage)}})
}

func (s *Server) transactionGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("transaction_id")
	if t := first(s.transactions, func(t *transaction) bool { return t.id == id }); t != nil {
		writeJSON(w, http.StatusOK, dataBody[transactionJSON]{t.json()})
		return
	}
	notFound(w, "Transaction", false)
}

func (s *Server) transactionCreate(w http.ResponseWriter, r *http.Request) {
	if !s.sandbox {
		writeJSON(w, http.StatusForbidden, codeMessage{403, "Chức năng chỉ khả dụng trên môi trường sandbox"})
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
	writeJSON(w, http.StatusOK, created[simulatedJSON]{Code: 201, Message: "Tạo giao dịch thành công", Data: simulatedJSON{
		TransactionID: t.TransactionID, ReferenceNumber: t.ReferenceNumber, TransactionDate: t.TransactionDate.Raw,
		Amount: int64(t.Amount), TransferType: in.TransferType}})
}
