package bankhubtest

// Server state: the records the fake keeps, rendered in the API's shapes, and their look-ups.

import (
	"slices"
	"strconv"
	"strings"
	"time"
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
