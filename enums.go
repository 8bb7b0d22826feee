package bankhub

import (
	"slices"
	"strings"
)

// Enums. Every enum is an open string type: constants name the documented
// values, and a value the SDK does not know decodes without error.

// LinkTokenPurpose is what a link token lets the user do.
type LinkTokenPurpose string

// Link token purposes.
const (
	PurposeLinkBankAccount   LinkTokenPurpose = "LINK_BANK_ACCOUNT"
	PurposeUnlinkBankAccount LinkTokenPurpose = "UNLINK_BANK_ACCOUNT"
)

// Known reports whether p is a documented purpose.
func (p LinkTokenPurpose) Known() bool {
	return p == PurposeLinkBankAccount || p == PurposeUnlinkBankAccount
}

// Language is the language of the hosted link UI.
type Language string

// Hosted link languages.
const (
	LanguageVietnamese Language = "vi"
	LanguageEnglish    Language = "en"
)

// Known reports whether l is a documented language.
func (l Language) Known() bool { return l == LanguageVietnamese || l == LanguageEnglish }

// LinkTokenStatus is a link token's status. Only Active is documented.
type LinkTokenStatus string

// Link token statuses.
const (
	LinkTokenActive LinkTokenStatus = "Active"
)

// SessionState is the state of a link session (a user's visit to the hosted
// link). The docs show PENDING on link-token details and four states in
// webhook events; the full list is not documented.
type SessionState string

// Link session states.
const (
	StatePending                  SessionState = "PENDING"
	StateRequestBankAccountLink   SessionState = "REQUEST_BANK_ACCOUNT_LINK"
	StateConfirmBankAccountLink   SessionState = "CONFIRM_BANK_ACCOUNT_LINK"
	StateFinishedBankAccountLink  SessionState = "FINISHED_BANK_ACCOUNT_LINK"
	StateRequestBankAccountUnlink SessionState = "REQUEST_BANK_ACCOUNT_UNLINK"
)

// CompanyStatus is a company's status. Create accepts Active and Pending;
// the other values are those of SePay's earlier partner API and may appear.
type CompanyStatus string

// Company statuses.
const (
	CompanyActive     CompanyStatus = "Active"
	CompanyPending    CompanyStatus = "Pending"
	CompanySuspended  CompanyStatus = "Suspended"
	CompanyTerminated CompanyStatus = "Terminated"
	CompanyCancelled  CompanyStatus = "Cancelled"
	CompanyFraud      CompanyStatus = "Fraud"
)

// AccountType is the kind of bank account. The docs use individual, personal
// and enterprise in different places.
type AccountType string

// Account types.
const (
	AccountIndividual AccountType = "individual"
	AccountPersonal   AccountType = "personal"
	AccountEnterprise AccountType = "enterprise"
)

// TransferType is the direction of a transaction. The transaction API uses
// in/out; IPN and the sandbox simulator use credit/debit.
type TransferType string

// Transfer types.
const (
	TransferIn     TransferType = "in"
	TransferOut    TransferType = "out"
	TransferCredit TransferType = "credit"
	TransferDebit  TransferType = "debit"
)

// Incoming reports whether t is money in: in or credit, in any case and
// with any surrounding spaces ("CREDIT", " credit", "IN").
func (t TransferType) Incoming() bool {
	return t == TransferIn || t == TransferCredit || t.is(TransferIn) || t.is(TransferCredit)
}

// Outgoing reports whether t is money out: out or debit, in any case and
// with any surrounding spaces.
func (t TransferType) Outgoing() bool {
	return t == TransferOut || t == TransferDebit || t.is(TransferOut) || t.is(TransferDebit)
}

// Known reports whether t is a direction at all (Incoming or Outgoing). An
// unknown or empty direction is neither money in nor money out: code that
// moves money refuses it rather than guess.
func (t TransferType) Known() bool { return t.Incoming() || t.Outgoing() }

// is compares t with a canonical value, ignoring case and surrounding
// spaces.
func (t TransferType) is(canonical TransferType) bool {
	return strings.EqualFold(strings.TrimSpace(string(t)), string(canonical))
}

// EventType names a webhook event.
type EventType string

// The 13 webhook events, and the alternative spelling of
// BANK_ACCOUNT_INACTIVATED used on the docs' webhook-event page.
const (
	EventLinkTokenCreated          EventType = "LINK_TOKEN_CREATED"
	EventLinkTokenRevoked          EventType = "LINK_TOKEN_REVOKED"
	EventLinkTokenExpired          EventType = "LINK_TOKEN_EXPIRED"
	EventLinkSessionInitialized    EventType = "LINK_SESSION_INITIALIZED"
	EventLinkSessionReinitialized  EventType = "LINK_SESSION_REINITIALIZED"
	EventLinkSessionStateChanged   EventType = "LINK_SESSION_STATE_CHANGED"
	EventLinkSessionCompleted      EventType = "LINK_SESSION_COMPLETED"
	EventLinkSessionFailed         EventType = "LINK_SESSION_FAILED"
	EventLinkSessionAbandoned      EventType = "LINK_SESSION_ABANDONED"
	EventLinkSessionExpired        EventType = "LINK_SESSION_EXPIRED"
	EventBankAccountLinked         EventType = "BANK_ACCOUNT_LINKED"
	EventBankAccountUnlinked       EventType = "BANK_ACCOUNT_UNLINKED"
	EventBankAccountInactivated    EventType = "BANK_ACCOUNT_INACTIVATED"
	EventBankAccountInactivedAlias EventType = "BANK_ACCOUNT_INACTIVED"
	// EventAll in WebhookConfigParams.AllowEvents subscribes to every event.
	EventAll EventType = "*"
)

// allEvents lists the 13 event names Bank Hub can send.
var allEvents = []EventType{
	EventLinkTokenCreated, EventLinkTokenRevoked, EventLinkTokenExpired,
	EventLinkSessionInitialized, EventLinkSessionReinitialized, EventLinkSessionStateChanged,
	EventLinkSessionCompleted, EventLinkSessionFailed, EventLinkSessionAbandoned,
	EventLinkSessionExpired, EventBankAccountLinked, EventBankAccountUnlinked,
	EventBankAccountInactivated,
}

// AllEvents returns the 13 event names Bank Hub can send (a new slice each
// time: no caller can change the list for another).
func AllEvents() []EventType { return slices.Clone(allEvents) }

// Canonical maps the alternative spelling BANK_ACCOUNT_INACTIVED to
// BANK_ACCOUNT_INACTIVATED and returns every other name unchanged.
func (e EventType) Canonical() EventType {
	if e == EventBankAccountInactivedAlias {
		return EventBankAccountInactivated
	}
	return e
}

// Known reports whether e is one of the 13 events (in either spelling).
func (e EventType) Known() bool {
	c := e.Canonical()
	for _, k := range allEvents {
		if c == k {
			return true
		}
	}
	return false
}

// PaymentCodeSwitch is "on" or "off".
type PaymentCodeSwitch string

// Payment-code switch values.
const (
	PaymentCodeOn  PaymentCodeSwitch = "on"
	PaymentCodeOff PaymentCodeSwitch = "off"
)

// SuffixCharacterType is what a payment-code suffix may contain.
type SuffixCharacterType string

// Payment-code suffix character types.
const (
	SuffixNumberOnly      SuffixCharacterType = "NumberOnly"
	SuffixNumberAndLetter SuffixCharacterType = "NumberAndLetter"
)

// SortOrder orders a list.
type SortOrder string

// Sort orders.
const (
	SortAsc  SortOrder = "asc"
	SortDesc SortOrder = "desc"
)

// WebhookAuthType is how Bank Hub authenticates to the webhook URL.
type WebhookAuthType string

// Webhook authentication types. Only SECRET_KEY is documented: the secret
// is sent in the X-Secret-Key header of every event.
const (
	WebhookAuthSecretKey WebhookAuthType = "SECRET_KEY"
)
