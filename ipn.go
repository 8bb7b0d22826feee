package bankhub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode"
)

// IPN is a balance-change notification: SePay POSTs one to the merchant's IPN
// URL for every transaction on a linked account of an active company whose
// transaction_amount is above zero or Unlimited. It may be delivered more
// than once; use TransactionID to de-duplicate.
type IPN struct {
	// Gateway is the bank, e.g. "MBBank".
	Gateway string `json:"gateway"`
	// TransactionDate is read in UTC+7 when it has no zone.
	TransactionDate Time   `json:"transaction_date"`
	AccountNumber   string `json:"account_number"`
	BankAccountXID  string `json:"bank_account_xid"`
	// VA is the virtual account, "" when none.
	VA string `json:"va"`
	// PaymentCode is extracted from the content, "" when none.
	PaymentCode string `json:"payment_code"`
	// Content is the transfer description.
	Content string `json:"content"`
	// TransferType is TransferCredit (money in) or TransferDebit (money out).
	TransferType TransferType `json:"transfer_type"`
	Amount       VND          `json:"amount"`
	// ReferenceCode is the bank's reference (the transaction API's
	// reference_number).
	ReferenceCode string `json:"reference_code"`
	// Accumulated is the balance after the transaction; not supported by
	// Bank Hub yet, so 0.
	Accumulated VND `json:"accumulated"`
	// TransactionID is the de-duplication key.
	TransactionID string `json:"transaction_id"`
}

// ParseIPN decodes and checks an IPN body. It does not verify the sender; use
// VerifyIPN (or NewIPNHandler, which does both). Errors match
// ErrInvalidPayload: a body that is not a JSON object, or one whose money
// fields a merchant could not book safely (see checkIPN): a missing or
// blank transaction_id, a missing, null, zero, negative or fractional
// amount, a missing or unknown transfer_type. A field that carries money is
// never defaulted: an IPN without its amount is refused (400, so the
// handler never marks it done), not handled as 0.
//
// transfer_type is read whatever its case and surrounding spaces, and
// written back as TransferCredit or TransferDebit (the IPN's own names;
// "in" and "out" are taken as the same).
func ParseIPN(body []byte) (*IPN, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, fmt.Errorf("%w: IPN must be a JSON object", ErrInvalidPayload)
	}
	var w ipnWire
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPayload, err)
	}
	n := new(IPN)
	w.fill(n)
	if err := checkIPN(n); err != nil {
		return nil, err
	}
	return n, nil
}

// checkIPN refuses a notification whose money fields cannot be booked as
// they are, and writes its direction in canonical form. The IPN handler
// (through ParseIPN) and the Reconciler (before handing a listed
// transaction over) both call it, so the function never sees what one of
// them would refuse.
//
// An amount of 0 is refused with the missing ones: it is what an absent,
// null or empty amount reads as, and no bank moves 0 dong (the sandbox's
// simulator refuses it too).
func checkIPN(n *IPN) error {
	switch {
	case strings.TrimSpace(n.TransactionID) == "":
		return fmt.Errorf("%w: IPN has no transaction_id", ErrInvalidPayload)
	case strings.IndexFunc(n.TransactionID, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: IPN's transaction_id %q has control characters", ErrInvalidPayload, truncate(n.TransactionID, 64))
	case n.Amount < 0:
		return fmt.Errorf("%w: negative amount %d", ErrInvalidPayload, int64(n.Amount))
	case n.Amount == 0:
		return fmt.Errorf("%w: IPN has no amount (absent, null, empty or 0)", ErrInvalidPayload)
	}
	switch {
	case n.TransferType.Incoming():
		n.TransferType = TransferCredit
	case n.TransferType.Outgoing():
		n.TransferType = TransferDebit
	case strings.TrimSpace(string(n.TransferType)) == "":
		return fmt.Errorf("%w: IPN has no transfer_type", ErrInvalidPayload)
	default:
		return fmt.Errorf("%w: unknown transfer_type %q (want credit or debit)", ErrInvalidPayload, truncate(string(n.TransferType), 32))
	}
	return nil
}

// VerifyIPN checks that an IPN request carries "Authorization: Apikey <key>"
// with the key SePay issued. The scheme is matched without regard to case;
// the key is compared in constant time. It fails closed: an empty configured
// key, a missing or empty header, or another scheme all fail. Errors match
// ErrUnverified and never contain the key or the header's value.
func VerifyIPN(h http.Header, apiKey string) error {
	if apiKey == "" {
		return fmt.Errorf("%w: no IPN API key configured", ErrUnverified)
	}
	vals := h.Values("Authorization")
	switch {
	case len(vals) == 0 || strings.TrimSpace(vals[0]) == "":
		return fmt.Errorf("%w: missing Authorization header", ErrUnverified)
	case len(vals) > 1:
		return fmt.Errorf("%w: repeated Authorization header", ErrUnverified)
	}
	scheme, key, ok := strings.Cut(strings.TrimSpace(vals[0]), " ")
	if !ok || !strings.EqualFold(scheme, "Apikey") {
		return fmt.Errorf("%w: Authorization scheme must be Apikey", ErrUnverified)
	}
	if !secretEqual(strings.TrimSpace(key), apiKey) {
		return fmt.Errorf("%w: API key does not match", ErrUnverified)
	}
	return nil
}

// NewIPNHandler returns an http.Handler for IPN: it accepts POST only (405),
// caps the body (1 MiB by default, 413 over), verifies
// "Authorization: Apikey <key>" (401), parses the IPN (400), calls fn, and
// answers 200 {"success": true} with a JSON content type, as SePay requires.
// An error or a panic from fn answers 500.
//
// fn gets the request's values but not its cancellation: SePay hangs up
// after 8 seconds, and a payment must not be cut off halfway through being
// recorded. Keep fn short all the same.
//
// Every transfer on the account is notified, money out included (a refund
// paid, a fee), and handed to fn: a function that credits orders must check
// TransferType.Incoming(), or be wrapped in IncomingOnly.
//
// SePay redelivers only when it cannot connect: an answer, 500 included, is
// final. With WithDedupe each transaction reaches fn once however often it
// is delivered (see DedupeStore for the states); run a Reconciler with the
// same fn and store to hand fn the transactions whose IPN failed or never
// came.
func NewIPNHandler(apiKey string, fn func(context.Context, *IPN) error, opts ...HandlerOption) http.Handler {
	return newHandler("ipn", func(h http.Header) error { return VerifyIPN(h, apiKey) },
		ParseIPN, func(n *IPN) string { return IPNDedupeKey(n.TransactionID) }, fn, opts)
}

// NewIPNTestRequest builds a request like the ones SePay sends, for testing a
// handler: POST to target with a JSON body and "Authorization: Apikey <key>".
// payload is a []byte body or any value to JSON-encode (such as an *IPN).
func NewIPNTestRequest(target, apiKey string, payload any) (*http.Request, error) {
	return newTestRequest(target, "Authorization", "Apikey "+apiKey, payload)
}

// IncomingOnly returns a function that hands fn money in only: an IPN whose
// TransferType is money out (a refund paid, a fee, any transfer out) is
// acknowledged as handled without calling fn. Give the result to both
// NewIPNHandler and NewReconciler.
//
// The handler and the Reconciler hand over every transfer by default, money
// out included, because a merchant may book refunds and fees too; a function
// that credits orders must never see them as payments, so it checks
// TransferType.Incoming() itself or is wrapped in IncomingOnly.
//
// The direction is read whatever its case and surrounding spaces
// ("CREDIT", " credit", "IN" are money in). A direction that is neither
// money in nor money out, or none, is refused with an error matching
// ErrInvalidPayload: it is never acknowledged, since a payment spelled in a
// way the SDK does not know would then be marked done without being
// credited. (ParseIPN already refuses such an IPN; this guards a function
// called with an IPN built some other way.)
func IncomingOnly(fn func(context.Context, *IPN) error) func(context.Context, *IPN) error {
	return func(ctx context.Context, n *IPN) error {
		switch {
		case n.TransferType.Incoming():
			return fn(ctx, n)
		case n.TransferType.Outgoing():
			return nil
		}
		return fmt.Errorf("%w: IncomingOnly: transfer_type %q is neither money in nor money out; not acknowledged",
			ErrInvalidPayload, truncate(string(n.TransferType), 32))
	}
}
