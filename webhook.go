package bankhub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bankhub-go/bankhub/internal/wire"
)

// ErrInvalidPayload is matched by every error ParseEvent and ParseIPN return.
var ErrInvalidPayload = errors.New("bankhub: invalid notification payload")

// ErrWrongEventFamily is returned by an Event's metadata accessor called on an
// event of another family.
var ErrWrongEventFamily = errors.New("bankhub: event is not of that family")

// SecretKeyHeader carries the webhook secret on every event.
const SecretKeyHeader = "X-Secret-Key"

// Event is a link-lifecycle event that Bank Hub POSTs to the webhook URL
// configured with Webhooks.Set. Events arrive in no particular order; use
// XID to de-duplicate redeliveries.
type Event struct {
	// XID is the event's unique id: the de-duplication key.
	XID string
	// Timestamp is when the event was created (sent as Unix seconds).
	Timestamp time.Time
	// Version is the payload schema version, "1.0" today.
	Version string
	// Type is the event name as sent. Compare with Type.Canonical() to
	// treat BANK_ACCOUNT_INACTIVED and BANK_ACCOUNT_INACTIVATED alike.
	// Unknown names are kept as they are.
	Type EventType
	// Metadata is the event's data; the accessors LinkToken, LinkSession
	// and BankAccount decode it by family.
	Metadata json.RawMessage
}

type eventWire struct {
	Timestamp wire.Int        `json:"timestamp"`
	XID       string          `json:"xid"`
	Version   wire.String     `json:"version"`
	Event     EventType       `json:"event"`
	Metadata  json.RawMessage `json:"metadata"`
}

// MarshalJSON writes the event in Bank Hub's wire format.
func (e *Event) MarshalJSON() ([]byte, error) {
	meta := e.Metadata
	if len(bytes.TrimSpace(meta)) == 0 {
		meta = json.RawMessage("{}")
	}
	var ts int64
	if !e.Timestamp.IsZero() {
		ts = e.Timestamp.Unix()
	}
	return json.Marshal(eventWire{Timestamp: wire.Int(ts), XID: e.XID, Version: wire.String(e.Version), Event: e.Type, Metadata: meta})
}

// ParseEvent decodes and checks a webhook event body. It does not verify the
// sender; use VerifyWebhook (or NewWebhookHandler, which does both). Errors
// match ErrInvalidPayload.
func ParseEvent(body []byte) (*Event, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, fmt.Errorf("%w: event must be a JSON object", ErrInvalidPayload)
	}
	var w eventWire
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPayload, err)
	}
	switch {
	case w.XID == "":
		return nil, fmt.Errorf("%w: event has no xid", ErrInvalidPayload)
	case w.Event == "":
		return nil, fmt.Errorf("%w: event has no name", ErrInvalidPayload)
	case w.Timestamp < 0:
		return nil, fmt.Errorf("%w: negative timestamp", ErrInvalidPayload)
	}
	meta := bytes.TrimSpace(w.Metadata)
	if len(meta) > 0 && meta[0] != '{' && !bytes.Equal(meta, wire.Null) {
		return nil, fmt.Errorf("%w: metadata must be an object", ErrInvalidPayload)
	}
	ev := &Event{XID: w.XID, Version: string(w.Version), Type: w.Event, Metadata: json.RawMessage(meta)}
	if w.Timestamp > 0 {
		ev.Timestamp = time.Unix(int64(w.Timestamp), 0).In(vietnamZone)
	}
	return ev, nil
}

// LinkTokenData is the metadata of LINK_TOKEN_* events.
type LinkTokenData struct {
	Purpose      LinkTokenPurpose `json:"purpose"`
	LinkTokenXID string           `json:"link_token_xid"`
	// LinkSessionXID is empty on LINK_TOKEN_CREATED (no session yet).
	LinkSessionXID string `json:"link_session_xid"`
}

// LinkSessionData is the metadata of LINK_SESSION_* events. Which fields are
// set depends on the event and state: State and the bank fields on
// LINK_SESSION_STATE_CHANGED, BankAccountXID (and Unlinked for an unlink) on
// LINK_SESSION_COMPLETED.
type LinkSessionData struct {
	LinkTokenXID      string       `json:"link_token_xid"`
	LinkSessionXID    string       `json:"link_session_xid"`
	State             SessionState `json:"state"`
	BrandName         string       `json:"brand_name"`
	AccountType       AccountType  `json:"account_type"`
	AccountNumber     string       `json:"account_number"`
	AccountHolderName string       `json:"account_holder_name"`
	BankAccountXID    string       `json:"bank_account_xid"`
	// Unlinked is true on the LINK_SESSION_COMPLETED of an unlink.
	Unlinked bool `json:"unlinked"`
}

// BankAccountData is the metadata of BANK_ACCOUNT_* events.
type BankAccountData struct {
	BankAccountXID string      `json:"bank_account_xid"`
	BrandName      string      `json:"brand_name"`
	AccountType    AccountType `json:"account_type"`
	AccountNumber  string      `json:"account_number"`
	LinkTokenXID   string      `json:"link_token_xid"`
	LinkSessionXID string      `json:"link_session_xid"`
}

// LinkToken decodes the metadata of a LINK_TOKEN_* event.
func (e *Event) LinkToken() (*LinkTokenData, error) {
	var d LinkTokenData
	return &d, e.decodeMetadata("LINK_TOKEN_", &d)
}

// LinkSession decodes the metadata of a LINK_SESSION_* event.
func (e *Event) LinkSession() (*LinkSessionData, error) {
	var d LinkSessionData
	return &d, e.decodeMetadata("LINK_SESSION_", &d)
}

// BankAccount decodes the metadata of a BANK_ACCOUNT_* event.
func (e *Event) BankAccount() (*BankAccountData, error) {
	var d BankAccountData
	return &d, e.decodeMetadata("BANK_ACCOUNT_", &d)
}

func (e *Event) decodeMetadata(family string, v any) error {
	if !strings.HasPrefix(string(e.Type), family) {
		return fmt.Errorf("%w: %q is not a %s* event", ErrWrongEventFamily, truncate(string(e.Type), 64), family)
	}
	if len(e.Metadata) == 0 || bytes.Equal(e.Metadata, wire.Null) {
		return nil
	}
	if err := json.Unmarshal(e.Metadata, v); err != nil {
		return fmt.Errorf("%w: %q metadata: %w", ErrInvalidPayload, truncate(string(e.Type), 64), err)
	}
	return nil
}

// Unlinked reports whether the event says a bank account was unlinked or
// deactivated: BANK_ACCOUNT_UNLINKED, BANK_ACCOUNT_INACTIVATED (either
// spelling), or LINK_SESSION_COMPLETED with unlinked=true.
func (e *Event) Unlinked() bool {
	switch e.Type.Canonical() {
	case EventBankAccountUnlinked, EventBankAccountInactivated:
		return true
	case EventLinkSessionCompleted:
		d, err := e.LinkSession()
		return err == nil && d.Unlinked
	}
	return false
}

// VerifyWebhook checks that an event request carries the configured secret in
// X-Secret-Key. The comparison takes constant time, and it fails closed: an
// empty secret, a missing, empty or repeated header all fail. Errors match
// ErrUnverified and never contain the secret or the header's value.
func VerifyWebhook(h http.Header, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: no webhook secret configured", ErrUnverified)
	}
	vals := h.Values(SecretKeyHeader)
	switch {
	case len(vals) == 0 || vals[0] == "":
		return fmt.Errorf("%w: missing %s header", ErrUnverified, SecretKeyHeader)
	case len(vals) > 1:
		return fmt.Errorf("%w: repeated %s header", ErrUnverified, SecretKeyHeader)
	}
	if !secretEqual(strings.TrimSpace(vals[0]), secret) {
		return fmt.Errorf("%w: %s does not match", ErrUnverified, SecretKeyHeader)
	}
	return nil
}

// NewWebhookHandler returns an http.Handler for webhook events: it accepts
// POST only (405), caps the body (1 MiB by default, 413 over), verifies
// X-Secret-Key against secret (401), parses the event (400), calls fn, and
// answers 200 {"success": true}. An error or a panic from fn answers 500 so
// the delivery counts as failed. fn gets the request's values but not its
// cancellation (SePay hangs up after 8 seconds). With WithDedupe, each
// event's XID reaches fn once (see DedupeStore).
//
// SePay waits 8 seconds for the answer: keep fn short and hand slow work to
// a queue.
func NewWebhookHandler(secret string, fn func(context.Context, *Event) error, opts ...HandlerOption) http.Handler {
	return newHandler("event", func(h http.Header) error { return VerifyWebhook(h, secret) },
		ParseEvent, func(e *Event) string { return EventDedupeKey(e.XID) }, fn, opts)
}

// NewWebhookTestRequest builds a request like the ones Bank Hub sends, for
// testing a handler: POST to target with a JSON body and the secret in
// X-Secret-Key. payload is a []byte body or any value to JSON-encode (such
// as an *Event).
func NewWebhookTestRequest(target, secret string, payload any) (*http.Request, error) {
	return newTestRequest(target, SecretKeyHeader, secret, payload)
}
