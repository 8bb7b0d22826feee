package bankhubtest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bankhub-go/bankhub"
)

// Setting the scene from Go, without a request: seed companies and linked
// accounts, the IPN and webhook targets, the clock, faults and a reset.

// CompanyParams describes a company added with AddCompany. The zero value
// is a company ready to receive money: Active, IPN on (transaction_amount
// Unlimited), payment codes on with prefix "DH" and a 6 to 8 digit suffix.
type CompanyParams struct {
	FullName string // default "Công ty TNHH Demo"
	Status   bankhub.CompanyStatus
	// TransactionAmount nil means Unlimited; TransactionCount(0) turns IPN
	// off, as for a company created through the API.
	TransactionAmount *bankhub.TransactionAmount
	// PaymentCodeOff turns payment-code recognition off.
	PaymentCodeOff    bool
	PaymentCodePrefix string // default "DH"
	// SuffixFrom and SuffixTo bound the suffix length (default 6 and 8).
	SuffixFrom, SuffixTo int
	SuffixType           bankhub.SuffixCharacterType // default NumberOnly
}

// AddCompany creates a company directly (seed data, no request) and returns
// its xid.
func (s *Server) AddCompany(p CompanyParams) string {
	if p.FullName == "" {
		p.FullName = "Công ty TNHH Demo"
	}
	if p.Status == "" {
		p.Status = bankhub.CompanyActive
	}
	amount := bankhub.UnlimitedTransactions()
	if p.TransactionAmount != nil {
		amount = *p.TransactionAmount
	}
	if p.PaymentCodePrefix == "" {
		p.PaymentCodePrefix = "DH"
	}
	if p.SuffixFrom == 0 {
		p.SuffixFrom = 6
	}
	if p.SuffixTo == 0 {
		p.SuffixTo = max(8, p.SuffixFrom)
	}
	if p.SuffixType == "" {
		p.SuffixType = bankhub.SuffixNumberOnly
	}
	code := "on"
	if p.PaymentCodeOff {
		code = "off"
	}
	now := s.now()
	c := &company{xid: newXID(), fullName: p.FullName, status: string(p.Status), paymentCode: code, prefix: p.PaymentCodePrefix,
		suffixFrom: p.SuffixFrom, suffixTo: p.SuffixTo, suffixType: string(p.SuffixType),
		transactionAmount: amount.String(), createdAt: now, updatedAt: now}
	s.mu.Lock()
	s.companies = append(s.companies, c)
	s.mu.Unlock()
	return c.xid
}

// SetIPN sets (or, with an empty url, removes) the merchant's IPN URL and
// API key, as WithIPN does at construction.
func (s *Server) SetIPN(url, apiKey string) {
	s.mu.Lock()
	s.ipnURL, s.ipnKey = url, apiKey
	s.mu.Unlock()
}

// AddBankAccount adds a linked, active bank account to a company directly
// (seed data: no link token, no events) and returns its xid. Zero fields
// of p take the sandbox's MBBank test account.
func (s *Server) AddBankAccount(companyXID string, p LinkParams) (string, error) {
	p = p.withDefaults()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findCompany(companyXID) == nil {
		return "", fmt.Errorf("%w: %s", errNoCompany, companyXID)
	}
	if err := s.checkNotLinked(companyXID, p); err != nil {
		return "", err
	}
	now := s.now()
	ba := &bankAccount{xid: newXID(), companyXID: companyXID, brandName: p.BrandName, holderName: p.AccountHolderName,
		number: p.AccountNumber, accountType: string(p.AccountType), identification: "001234567890", phone: "0000000001",
		active: true, createdAt: now, updatedAt: now}
	s.bankAccounts = append(s.bankAccounts, ba)
	return ba.xid, nil
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	clear(s.faults)
	s.mu.Unlock()
}

// Advance moves the server's clock forward by d: tokens, link tokens and
// sessions expire, and new transactions are dated, as if d had passed, so
// that expiry tests never sleep. The SDK's own clock is not moved: an
// expired token is found out by the server's 401, as in production.
func (s *Server) Advance(d time.Duration) { s.offset.Add(int64(d)) }

// Now returns the server's clock (the wall clock plus every Advance).
func (s *Server) Now() time.Time { return s.now() }

// Reset forgets all state (companies, link tokens, bank accounts,
// transactions, merchant and webhook configuration, tokens, faults, logs
// and deliveries), as if the server had just started. Credentials, options
// and the IPN target are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
	s.companies, s.linkTokens, s.bankAccounts, s.transactions = nil, nil, nil, nil
	s.merchant = merchantConfig{keywords: []string{}}
	s.webhook = nil
	clear(s.faults)
	s.requests, s.deliveries = nil, nil
	clear(s.counts)
}

// SetWebhook configures the event webhook directly, as Webhooks.Set does
// (active, auth type SECRET_KEY); no events means all of them, and an
// empty url removes it.
func (s *Server) SetWebhook(url, secretKey string, events ...bankhub.EventType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if url == "" {
		s.webhook = nil
		return
	}
	names := []string{"*"}
	if len(events) > 0 {
		names = names[:0]
		for _, e := range events {
			names = append(names, string(e))
		}
	}
	s.webhook = &webhookConfig{url: url, authType: "SECRET_KEY", secret: secretKey, active: 1, events: names}
}

// InactivateBankAccount plays SePay disabling a linked account without
// unlinking it at the bank: it disappears from the lists, and
// BANK_ACCOUNT_INACTIVED (the event page's spelling) is delivered.
func (s *Server) InactivateBankAccount(ctx context.Context, bankAccountXID string) error {
	s.mu.Lock()
	ba := s.findBankAccount(bankAccountXID)
	if ba == nil || !ba.active {
		s.mu.Unlock()
		return ErrNoBankAccount
	}
	ba.active = false
	ba.updatedAt = s.now()
	body, _ := json.Marshal(event{Timestamp: s.now().Unix(), XID: newXID(), Version: "1.0", Event: "BANK_ACCOUNT_INACTIVED",
		Metadata: eventMetadata{BankAccountXID: ba.xid, BrandName: ba.brandName, AccountType: ba.accountType, AccountNumber: ba.number}})
	hook := s.webhook
	s.mu.Unlock()
	s.deliverEvents(ctx, hook, []eventPayload{{name: "BANK_ACCOUNT_INACTIVED", body: body}})
	return nil
}
