package bankhubtest

// Simulations: what a user does on the hosted link page (link, unlink) and
// what a bank does (a transfer), with the events and IPNs they cause.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bankhub-go/bankhub"
)

var refSeq atomic.Int64

var errNoCompany = errors.New("bankhubtest: no such company")

// LinkParams describes the account a simulated user links. Zero fields
// take the sandbox's MBBank test account (0123456789, NGUYEN VAN A).
type LinkParams struct {
	BrandName         string
	AccountNumber     string
	AccountHolderName string
	AccountType       bankhub.AccountType
}

func (p LinkParams) withDefaults() LinkParams {
	if p.BrandName == "" {
		p.BrandName = "MBBank"
	}
	if p.AccountNumber == "" {
		p.AccountNumber = "0123456789"
	}
	if p.AccountHolderName == "" {
		p.AccountHolderName = "NGUYEN VAN A"
	}
	if p.AccountType == "" {
		p.AccountType = bankhub.AccountIndividual
	}
	return p
}

// ErrLinkToken is returned by the simulations for a link token that is
// unknown, revoked, expired, or of the other purpose.
var ErrLinkToken = errors.New("bankhubtest: link token cannot be used")

// ErrNoLinkToken is returned, with ErrLinkToken, for a link token the fake
// does not know (neither a value nor an xid it issued); the control API
// answers it 404.
var ErrNoLinkToken = errors.New("bankhubtest: no such link token")

// ErrAlreadyLinked is returned by SimulateLink and AddBankAccount for an
// account (bank and number) already linked to the company; the control API
// answers it 409.
var ErrAlreadyLinked = errors.New("bankhubtest: the account is already linked to this company")

// SimulateLink plays a user completing the hosted link of linkToken (the
// token's value, or its xid as in hosted_link_url): a session goes through the link states, a bank account
// appears, and the webhook events of a successful link are delivered
// (LINK_SESSION_INITIALIZED, three LINK_SESSION_STATE_CHANGED,
// BANK_ACCOUNT_LINKED, LINK_SESSION_COMPLETED). It returns the new bank
// account's xid.
func (s *Server) SimulateLink(ctx context.Context, linkToken string, p LinkParams) (string, error) {
	p = p.withDefaults()
	s.mu.Lock()
	lt, err := s.usableLinkToken(linkToken, "LINK_BANK_ACCOUNT")
	if err == nil {
		err = s.checkNotLinked(lt.companyXID, p)
	}
	if err != nil {
		s.mu.Unlock()
		return "", err
	}
	now := s.now()
	sess := &linkSession{xid: newXID(), state: "FINISHED_BANK_ACCOUNT_LINK", status: "Completed", finishedAt: now,
		expiresAt: now.Add(30 * time.Minute), createdAt: now, updated: now}
	lt.sessions = append(lt.sessions, sess)
	lt.updatedAt = now
	ba := &bankAccount{xid: newXID(), companyXID: lt.companyXID, brandName: p.BrandName, holderName: p.AccountHolderName,
		number: p.AccountNumber, accountType: string(p.AccountType), identification: "001234567890", phone: "0000000001",
		active: true, createdAt: now, updatedAt: now}
	s.bankAccounts = append(s.bankAccounts, ba)
	ids := eventMetadata{LinkTokenXID: &lt.xid, LinkSessionXID: &sess.xid}
	bank := ids
	bank.BrandName, bank.AccountType = ba.brandName, ba.accountType
	full := bank
	full.AccountNumber, full.AccountHolderName = ba.number, ba.holderName
	linked := bank
	linked.BankAccountXID, linked.AccountNumber = ba.xid, ba.number
	completed := ids
	completed.BankAccountXID = ba.xid
	events := []eventPayload{
		s.recordEvent(lt, "LINK_SESSION_INITIALIZED", ids),
		s.recordEvent(lt, "LINK_SESSION_STATE_CHANGED", bank.inState("REQUEST_BANK_ACCOUNT_LINK")),
		s.recordEvent(lt, "LINK_SESSION_STATE_CHANGED", full.inState("CONFIRM_BANK_ACCOUNT_LINK")),
		s.recordEvent(lt, "LINK_SESSION_STATE_CHANGED", full.inState("FINISHED_BANK_ACCOUNT_LINK")),
		s.recordEvent(lt, "BANK_ACCOUNT_LINKED", linked),
		s.recordEvent(lt, "LINK_SESSION_COMPLETED", completed),
	}
	lt.status = "Used"
	hook := s.webhook
	s.mu.Unlock()
	s.deliverEvents(ctx, hook, events)
	return ba.xid, nil
}

// SimulateUnlink plays a user completing the hosted link of an
// UNLINK_BANK_ACCOUNT token (its value or its xid): the account is unlinked (it disappears from the
// lists) and LINK_SESSION_INITIALIZED, LINK_SESSION_STATE_CHANGED
// (REQUEST_BANK_ACCOUNT_UNLINK), BANK_ACCOUNT_UNLINKED and
// LINK_SESSION_COMPLETED (unlinked: true) are delivered.
func (s *Server) SimulateUnlink(ctx context.Context, linkToken string) error {
	_, err := s.unlink(ctx, linkToken)
	return err
}

// unlink is SimulateUnlink; it returns the unlinked account's xid.
func (s *Server) unlink(ctx context.Context, linkToken string) (string, error) {
	s.mu.Lock()
	lt, err := s.usableLinkToken(linkToken, "UNLINK_BANK_ACCOUNT")
	if err != nil {
		s.mu.Unlock()
		return "", err
	}
	ba := s.findBankAccount(lt.bankAccountXID)
	if ba == nil || !ba.active {
		s.mu.Unlock()
		return "", fmt.Errorf("%w: bank account %s is not linked", ErrLinkToken, lt.bankAccountXID)
	}
	now := s.now()
	sess := &linkSession{xid: newXID(), state: "FINISHED_BANK_ACCOUNT_UNLINK", status: "Completed", finishedAt: now,
		expiresAt: now.Add(30 * time.Minute), createdAt: now, updated: now}
	lt.sessions = append(lt.sessions, sess)
	ba.active = false
	ba.updatedAt = now
	ids := eventMetadata{LinkTokenXID: &lt.xid, LinkSessionXID: &sess.xid}
	bank := ids
	bank.BrandName, bank.AccountType, bank.AccountNumber = ba.brandName, ba.accountType, ba.number
	acct := bank
	acct.BankAccountXID = ba.xid
	completed := ids
	completed.BankAccountXID, completed.Unlinked = ba.xid, true
	events := []eventPayload{
		s.recordEvent(lt, "LINK_SESSION_INITIALIZED", ids),
		s.recordEvent(lt, "LINK_SESSION_STATE_CHANGED", bank.inState("REQUEST_BANK_ACCOUNT_UNLINK")),
		s.recordEvent(lt, "BANK_ACCOUNT_UNLINKED", acct),
		s.recordEvent(lt, "LINK_SESSION_COMPLETED", completed),
	}
	lt.status = "Used"
	hook := s.webhook
	s.mu.Unlock()
	s.deliverEvents(ctx, hook, events)
	return ba.xid, nil
}

// usableLinkToken finds an active token of the purpose. Call with s.mu held.
func (s *Server) usableLinkToken(value, purpose string) (*linkToken, error) {
	lt := s.findLinkTokenAny(value)
	switch {
	case lt == nil:
		return nil, fmt.Errorf("%w: %w", ErrLinkToken, ErrNoLinkToken)
	case lt.purpose != purpose:
		return nil, fmt.Errorf("%w: its purpose is %s", ErrLinkToken, lt.purpose)
	case s.linkTokenStatus(lt) != "Active":
		return nil, fmt.Errorf("%w: it is %s", ErrLinkToken, strings.ToLower(s.linkTokenStatus(lt)))
	}
	return lt, nil
}

// TransferParams describes a simulated transfer on a linked account.
type TransferParams struct {
	BankAccountXID string
	Amount         bankhub.VND
	Content        string
	// TransferType is bankhub.TransferIn (the default; TransferCredit too)
	// or bankhub.TransferOut (TransferDebit too).
	TransferType bankhub.TransferType
	// Date is when the bank booked it (default: the server's clock). Lists
	// are ordered by it, newest first, so an older date lands mid-list, as
	// a late booking does.
	Date time.Time
	// ReferenceCode is the bank's reference (default: a fresh FT number).
	ReferenceCode string
}

// ErrNoBankAccount is returned by SimulateTransfer for an unknown or
// unlinked account.
var ErrNoBankAccount = errors.New("bankhubtest: no such linked bank account")

// SimulateTransfer records a transaction on a linked account, as if money
// moved at the bank, and delivers an IPN to the URL given with WithIPN or
// SetIPN when the account's company is Active and its transaction_amount is
// above zero or Unlimited and the content passes the merchant's keyword
// whitelist (as SePay does). The payment code is extracted from the content
// with the company's settings.
//
// The delivery is synchronous: SimulateTransfer returns after the merchant
// answered (or every retry failed), and the transaction's WebhookSuccess
// says whether the answer was 2xx. As SePay does, only a failure to connect
// is retried; an answer, 500 included, is final.
func (s *Server) SimulateTransfer(ctx context.Context, p TransferParams) (*bankhub.Transaction, error) {
	if p.Amount <= 0 {
		return nil, errors.New("bankhubtest: amount must be greater than 0")
	}
	var out bool
	switch p.TransferType {
	case "", bankhub.TransferIn, bankhub.TransferCredit:
	case bankhub.TransferOut, bankhub.TransferDebit:
		out = true
	default:
		return nil, fmt.Errorf("bankhubtest: transfer type %q is not in, out, credit or debit", p.TransferType)
	}
	s.mu.Lock()
	ba := s.findBankAccount(p.BankAccountXID)
	if ba == nil || !ba.active {
		s.mu.Unlock()
		return nil, ErrNoBankAccount
	}
	c := s.findCompany(ba.companyXID)
	date := p.Date
	if date.IsZero() {
		date = s.now()
	}
	ref := p.ReferenceCode
	if ref == "" {
		ref = fmt.Sprintf("FT%s%06d", date.In(bankhub.VietnamZone()).Format("060102"), refSeq.Add(1))
	}
	t := &transaction{
		id: newXID(), bankAccountXID: ba.xid, companyXID: ba.companyXID, brandName: ba.brandName, number: ba.number,
		reference: ref, transferType: "in", content: p.Content, amount: int64(p.Amount), date: date,
	}
	if out {
		t.transferType = "out"
	}
	if c != nil {
		t.paymentCode = paymentCode(c, p.Content)
	}
	s.addTransaction(t)
	if date.After(ba.lastTransaction) {
		ba.lastTransaction = date
	}
	notify := c != nil && c.notifies() && s.ipnURL != "" && s.keywordsMatch(p.Content)
	ipnURL, ipnKey := s.ipnURL, s.ipnKey
	s.mu.Unlock()

	if notify {
		ipn := ipnJSON{Gateway: t.brandName, TransactionDate: apiTime(t.date), AccountNumber: t.number,
			BankAccountXID: t.bankAccountXID, PaymentCode: orNull(t.paymentCode), Content: t.content, TransferType: "credit",
			Amount: t.amount, ReferenceCode: t.reference, TransactionID: t.id}
		if out {
			ipn.TransferType = "debit"
		}
		body, _ := json.Marshal(ipn)
		d := s.deliver(ctx, Delivery{Kind: DeliveryIPN, URL: ipnURL, Name: t.id, Body: body}, "Authorization", "Apikey "+ipnKey)
		s.mu.Lock()
		t.webhookSuccess = d.Status >= 200 && d.Status <= 299
		s.mu.Unlock()
	}
	s.mu.Lock()
	body := t.json()
	s.mu.Unlock()
	b, _ := json.Marshal(body)
	var tx bankhub.Transaction
	if err := json.Unmarshal(b, &tx); err != nil {
		return nil, err
	}
	return &tx, nil
}

// addTransaction keeps s.transactions ordered by date, oldest first; a
// transaction booked with the same date as others goes after them. Call
// with s.mu held.
func (s *Server) addTransaction(t *transaction) {
	i := len(s.transactions)
	for i > 0 && s.transactions[i-1].date.After(t.date) {
		i--
	}
	s.transactions = slices.Insert(s.transactions, i, t)
}

// keywordsMatch applies the merchant's keyword whitelist. Call with s.mu held.
func (s *Server) keywordsMatch(content string) bool {
	if len(s.merchant.keywords) == 0 {
		return true
	}
	lower := strings.ToLower(content)
	for _, k := range s.merchant.keywords {
		if strings.Contains(lower, strings.ToLower(k)) {
			return true
		}
	}
	return false
}

func paymentCode(c *company, content string) string {
	if c.paymentCode != "on" || c.prefix == "" {
		return ""
	}
	class := `[0-9A-Za-z]`
	if c.suffixType == "NumberOnly" {
		class = `[0-9]`
	}
	re, err := regexp.Compile(`(?i)\b` + regexp.QuoteMeta(c.prefix) + class + fmt.Sprintf("{%d,%d}", c.suffixFrom, c.suffixTo) + `\b`)
	if err != nil {
		return ""
	}
	return strings.ToUpper(re.FindString(content))
}

// checkNotLinked refuses a second link of one account (bank and number) to
// one company while the first is active. Call with s.mu held.
func (s *Server) checkNotLinked(companyXID string, p LinkParams) error {
	for _, ba := range s.bankAccounts {
		if ba.companyXID == companyXID && ba.active && strings.EqualFold(ba.brandName, p.BrandName) && ba.number == p.AccountNumber {
			return fmt.Errorf("%w: %s %s is %s", ErrAlreadyLinked, ba.brandName, ba.number, ba.xid)
		}
	}
	return nil
}
