package bankhubtest

// Bank accounts: list, get.

import (
	"net/http"
	"strings"
)

func (s *Server) bankAccountList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, perPage, ok := paging(w, q)
	if !ok {
		return
	}
	var match []*bankAccount
	var data []bankAccountJSON
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
		data = jsonPage(match, page, perPage, func(b *bankAccount) bankAccountJSON { return b.json(false) })
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
	writeJSON(w, http.StatusOK, dataBody[bankAccountJSON]{b.json(true)})
}
