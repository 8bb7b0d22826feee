package bankhubtest

// Routing: which handler serves which operation.

import (
	"net/http"
)

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
		writeJSON(w, http.StatusNotFound, codeMessage{404, "Resource not found"})
	})
}
