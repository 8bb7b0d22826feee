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

func (c *company) json(withConfig bool) companyJSON {
	j := companyJSON{XID: c.xid, FullName: c.fullName, Status: c.status, Active: apiFlag(c.status == "Active"),
		CreatedAt: apiTime(c.createdAt), UpdatedAt: apiTime(c.updatedAt)}
	if withConfig {
		j.Configuration = &configurationJSON{PaymentCode: c.paymentCode, PaymentCodePrefix: c.prefix,
			PaymentCodeSuffixFrom: c.suffixFrom, PaymentCodeSuffixTo: c.suffixTo,
			PaymentCodeSuffixCharacterType: c.suffixType, DataStorageTime: "30", TransactionAmount: c.transactionAmount}
	}
	return j
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
	metadata  eventMetadata
	createdAt time.Time
}

type bankAccount struct {
	xid, companyXID, brandName, holderName, number string
	accountType, identification, phone             string
	active                                         bool
	lastTransaction, createdAt, updatedAt          time.Time
}

func (b *bankAccount) json(detail bool) bankAccountJSON {
	j := bankAccountJSON{XID: b.xid, CompanyXID: b.companyXID, BrandName: b.brandName,
		AccountHolderName: b.holderName, AccountNumber: b.number, Accumulated: "0",
		BankAPIConnected: "1", Active: apiFlag(b.active), LastTransaction: apiTime(b.lastTransaction),
		CreatedAt: apiTime(b.createdAt), UpdatedAt: apiTime(b.updatedAt)}
	if detail {
		j.IdentificationNumber, j.PhoneNumber, j.VAList = &b.identification, &b.phone, &[]any{}
	} else {
		j.AccountType = b.accountType
	}
	return j
}

type transaction struct {
	id, bankAccountXID, companyXID, brandName, number string
	reference, transferType, content, paymentCode     string
	amount                                            int64
	webhookSuccess                                    bool
	date                                              time.Time
}

func (t *transaction) json() transactionJSON {
	j := transactionJSON{TransactionID: t.id, TransactionDate: apiTime(t.date), BankAccountXID: t.bankAccountXID,
		CompanyXID: t.companyXID, BrandName: t.brandName, AccountNumber: t.number,
		ReferenceNumber: t.reference, TransferType: t.transferType,
		Amount: t.amount, TransactionContent: t.content, PaymentCode: t.paymentCode}
	if t.webhookSuccess {
		j.WebhookSuccess = 1
	}
	return j
}

type merchantConfig struct {
	keywords []string
	css      string
	logoURL  string
}

func (m *merchantConfig) json() merchantConfigJSON {
	return merchantConfigJSON{Keywords: m.keywords, CSS: m.css, LogoURL: m.logoURL}
}

type webhookConfig struct {
	url, authType, secret string
	active                int
	events                []string
}

func (c *webhookConfig) json(masked bool) *webhookJSON {
	secret := c.secret
	if masked {
		secret = "***" + secret[max(0, len(secret)-4):]
	}
	return &webhookJSON{WebhookURL: c.url, AuthType: c.authType, SecretKey: secret,
		RequestContentType: "application/json", Active: c.active, AllowEvents: c.events}
}

func (c *webhookConfig) wants(event string) bool {
	if c == nil || c.active != 1 {
		return false
	}
	return slices.Contains(c.events, "*") || slices.Contains(c.events, event) ||
		(event == "BANK_ACCOUNT_INACTIVED" && slices.Contains(c.events, "BANK_ACCOUNT_INACTIVATED"))
}

// first returns the first of items that matches, or nil.
func first[T any](items []*T, match func(*T) bool) *T {
	if i := slices.IndexFunc(items, match); i >= 0 {
		return items[i]
	}
	return nil
}

func (s *Server) findCompany(xid string) *company {
	return first(s.companies, func(c *company) bool { return c.xid == xid })
}

func (s *Server) findBankAccount(xid string) *bankAccount {
	return first(s.bankAccounts, func(b *bankAccount) bool { return b.xid == xid })
}

// findLinkTokenAny finds a link token by its value or its xid (the last
// segment of hosted_link_url), for the simulations. Call with s.mu held.
func (s *Server) findLinkTokenAny(valueOrXID string) *linkToken {
	return first(s.linkTokens, func(t *linkToken) bool { return t.value == valueOrXID || t.xid == valueOrXID })
}

func (s *Server) findLinkToken(value string) *linkToken {
	return first(s.linkTokens, func(t *linkToken) bool { return t.value == value })
}

// paging reads page and per_page (or limit); it answers 400 on bad values.
