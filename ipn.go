package bankhub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
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
// ErrInvalidPayload: a body that is not a JSON object, an amount that is not
// a whole number of dong, or a missing transaction_id.
func ParseIPN(body []byte) (*IPN, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, fmt.Errorf("%w: IPN must be a JSON object", ErrInvalidPayload)
	}
	var w ipnWire
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPayload, err)
	}
	if w.TransactionID == "" {
		return nil, fmt.Errorf("%w: IPN has no transaction_id", ErrInvalidPayload)
	}
	if w.Amount < 0 {
		return nil, fmt.Errorf("%w: negative amount", ErrInvalidPayload)
	}
	n := new(IPN)
	w.fill(n)
	return n, nil
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
// TransferType is not incoming (a refund paid, a fee, any transfer out) is
// acknowledged as handled without calling fn. Give the result to both
// NewIPNHandler and NewReconciler.
//
// The handler and the Reconciler hand over every transfer by default, money
// out included, because a merchant may book refunds and fees too; a function
// that credits orders must never see them as payments, so it checks
// TransferType.Incoming() itself or is wrapped in IncomingOnly. An unknown
// direction is not incoming.
func IncomingOnly(fn func(context.Context, *IPN) error) func(context.Context, *IPN) error {
	return func(ctx context.Context, n *IPN) error {
		if !n.TransferType.Incoming() {
			return nil
		}
		return fn(ctx, n)
	}
}
