package bankhubtest

// Link tokens: create, get, revoke.

import (
	"net/http"
	"net/url"
)

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
	if in.CompletionRedirectURI != "" && !httpURL(in.CompletionRedirectURI) {
		// javascript:, data: and the like would run in the hosted page's
		// origin (the fake's), where they could drive the control API.
		validationError(w, "completion_redirect_uri", "The completion_redirect_uri must be a valid http or https URL.")
		return
	}
	var (
		out     linkTokenCreatedJSON
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
		ev = s.recordEvent(lt, "LINK_TOKEN_CREATED", eventMetadata{Purpose: lt.purpose, LinkTokenXID: &lt.xid})
		out = linkTokenCreatedJSON{XID: lt.xid, HostedLinkURL: s.URL + "/link/" + lt.xid, LinkToken: lt.value, ExpiresAt: apiTime(lt.expiresAt)}
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
	out := linkTokenJSON{
		XID: lt.xid, Purpose: lt.purpose, Status: s.linkTokenStatus(lt), CompletionRedirectURI: lt.redirectURI,
		IsMobileApp: lt.isMobileApp, Language: lt.language, SessionCount: len(lt.sessions),
		CreatedAt: apiTime(lt.createdAt), UpdatedAt: apiTime(lt.updatedAt), ExpiresAt: apiTime(lt.expiresAt),
		Company:  linkTokenCompany{FullName: c.fullName, Status: c.status, XID: c.xid},
		Sessions: []linkSessionJSON{}, Events: []linkTokenEventRow{},
	}
	for _, ss := range lt.sessions {
		out.Sessions = append(out.Sessions, linkSessionJSON{XID: ss.xid, State: ss.state, Status: ss.status,
			FinishedAt: apiTime(ss.finishedAt), ExpiresAt: apiTime(ss.expiresAt), CreatedAt: apiTime(ss.createdAt), UpdatedAt: apiTime(ss.updated)})
	}
	for _, e := range lt.events {
		out.Events = append(out.Events, linkTokenEventRow{XID: e.xid, Name: e.name, Metadata: e.metadata, CreatedAt: apiTime(e.createdAt)})
	}
	writeJSON(w, http.StatusOK, out)
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
		lt := first(s.linkTokens, func(t *linkToken) bool { return t.xid == in.LinkTokenXID })
		if lt == nil || lt.status == "Revoked" {
			return
		}
		found = true
		lt.status = "Revoked"
		lt.updatedAt = s.now()
		ev = s.recordEvent(lt, "LINK_TOKEN_REVOKED", eventMetadata{Purpose: lt.purpose, LinkTokenXID: &lt.xid})
		hook = s.webhook
	})
	if !found {
		notFound(w, "Link token", true)
		return
	}
	s.deliverEvents(r.Context(), hook, []eventPayload{ev})
	writeJSON(w, http.StatusOK, struct {
		Message string `json:"message"`
	}{"Liên kết đã được thu hồi thành công"})
}

// httpURL reports an absolute http or https URL with a host, the only
// kind the hosted page navigates to.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Opaque == ""
}
