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
