package bankhubtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bankhub-go/bankhub"
)

type deliveryConfig struct {
	client  *http.Client
	retries int
	base    time.Duration
}

// DeliveryKind tells a webhook event from an IPN.
type DeliveryKind string

// The kinds of delivery.
const (
	DeliveryEvent DeliveryKind = "event"
	DeliveryIPN   DeliveryKind = "ipn"
)

// Delivery is one webhook event or IPN the server sent (or tried to).
type Delivery struct {
	Kind DeliveryKind
	URL  string
	// Name is the event name, or the transaction id for an IPN.
	Name string
	Body []byte
	// Attempts is how many times the server tried (retries happen only
	// when the connection fails, as SePay does).
	Attempts int
	// Status is the merchant's answer, 0 if none came.
	Status int
	// Err is the last connection error, nil when an answer came.
	Err error
}

// Deliveries returns the latest deliveries (up to the log size), in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return lastN(s.deliveries, s.logSize)
}

type eventPayload struct {
	name string
	body []byte
}

var refSeq atomic.Int64

// recordEvent appends an event to a link token and returns its webhook
// payload. Call with s.mu held.
func (s *Server) recordEvent(lt *linkToken, name string, meta eventMetadata) eventPayload {
	now := s.now()
	ev := linkEvent{xid: newXID(), name: name, metadata: meta, createdAt: now}
	lt.events = append(lt.events, ev)
	body, _ := json.Marshal(event{Timestamp: now.Unix(), XID: ev.xid, Version: "1.0", Event: name, Metadata: meta})
	return eventPayload{name: name, body: body}
}

// deliverEvents posts events to the webhook, if one is configured, active
// and subscribed to them. Call without s.mu held.
func (s *Server) deliverEvents(ctx context.Context, hook *webhookConfig, events []eventPayload) {
	for _, ev := range events {
		if !hook.wants(ev.name) {
			continue
		}
		s.deliver(ctx, Delivery{Kind: DeliveryEvent, URL: hook.url, Name: ev.name, Body: ev.body}, "X-Secret-Key", hook.secret)
	}
}

// deliver posts one notification, retrying only when the connection fails.
func (s *Server) deliver(ctx context.Context, d Delivery, header, value string) Delivery {
	ctx = ctxOrBackground(ctx)
	prev, wait := time.Duration(0), s.delivery.base
	for attempt := 0; attempt <= s.delivery.retries; attempt++ {
		if attempt > 0 {
			time.Sleep(wait)
			prev, wait = wait, prev+wait // Fibonacci, like SePay's minutes
		}
		d.Attempts++
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
		if err != nil {
			d.Err = err
			break
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "bankhubtest-delivery/1.0")
		req.Header.Set(header, value)
		resp, err := s.delivery.client.Do(req)
		if err != nil {
			d.Err = err
			continue
		}
		resp.Body.Close()
		d.Status, d.Err = resp.StatusCode, nil
		break
	}
	s.mu.Lock()
	s.deliveries = bounded(append(s.deliveries, d), s.logSize)
	s.mu.Unlock()
	if s.logger != nil {
		attrs := []slog.Attr{slog.String("kind", string(d.Kind)), slog.String("url", d.URL), slog.String("name", d.Name),
			slog.Int("status", d.Status), slog.Int("attempts", d.Attempts)}
		if d.Err != nil {
			attrs = append(attrs, slog.String("error", d.Err.Error()))
		}
		s.logger.LogAttrs(ctx, slog.LevelInfo, "delivery", attrs...)
	}
	return d
}

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

var errNoCompany = errors.New("bankhubtest: no such company")

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
		ipn := ipnJSON{Gateway: t.brandName, TransactionDate: wireTime(t.date), AccountNumber: t.number,
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
	wire := t.wire()
	s.mu.Unlock()
	b, _ := json.Marshal(wire)
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
