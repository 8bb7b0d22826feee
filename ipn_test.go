package bankhub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseIPN(t *testing.T) {
	t.Parallel()
	got, err := ParseIPN([]byte(fixture(t, "ipn.en.json")))
	require.NoError(t, err)
	assert.Equal(t, &IPN{
		Gateway:         "MBBank",
		TransactionDate: Time{Time: vnTime(2026, 1, 13, 20, 55, 4), Raw: "2026-01-13 20:55:04"},
		AccountNumber:   "0123456789",
		BankAccountXID:  "587eabfb-f086-11f0-b16e-52c7e9b4f41b",
		VA:              "VQRQ00012345",
		PaymentCode:     "DH123456",
		Content:         "Thanh toan don hang DH123456",
		TransferType:    TransferCredit,
		Amount:          500000,
		ReferenceCode:   "FT26013123456789",
		Accumulated:     0,
		TransactionID:   "a47b6ab2-8f8b-11f0-b21a-a6006ab65aca",
	}, got)
	assert.True(t, got.TransferType.Incoming())

	got, err = ParseIPN([]byte(fixture(t, "ipn.vi.json")))
	require.NoError(t, err)
	assert.Equal(t, &IPN{
		Gateway:         "OCB",
		TransactionDate: Time{Time: vnTime(2026, 1, 14, 8, 1, 59), Raw: "2026-01-14 08:01:59"},
		AccountNumber:   "0011223344",
		BankAccountXID:  "54a488a6-f1b8-11f0-b21a-a6006ab65aca",
		Content:         "CHUYEN TIEN HOAN UNG",
		TransferType:    TransferDebit,
		Amount:          2750000,
		ReferenceCode:   "FT26014000999888",
		TransactionID:   "123456",
	}, got)
	assert.False(t, got.TransferType.Incoming())
}

func TestParseIPNLenientScalars(t *testing.T) {
	t.Parallel()
	got, err := ParseIPN([]byte(`{"transaction_id":987654,"amount":"150000.00","account_number":123,"transaction_date":"2026-01-13T13:55:04Z","transfer_type":"credit"}`))
	require.NoError(t, err)
	assert.Equal(t, "987654", got.TransactionID)
	assert.Equal(t, VND(150000), got.Amount)
	assert.Equal(t, "123", got.AccountNumber)
	assert.True(t, vnTime(2026, 1, 13, 20, 55, 4).Equal(got.TransactionDate.Time))
}

func TestParseIPNDocsSchemas(t *testing.T) {
	t.Parallel()
	// The docs print type names where values go ("amount": "number"); a
	// notification whose amount is not a number is refused, not read as 0.
	for _, f := range []string{"docs/ipn.payload.schema.en.json", "docs/ipn.payload.schema.vi.json"} {
		_, err := ParseIPN([]byte(fixture(t, f)))
		assert.ErrorIs(t, err, ErrInvalidPayload, f)
		assert.Contains(t, err.Error(), `invalid VND amount "number"`, f)
	}
}

func TestParseIPNRejects(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ body, says string }{
		"empty":           {``, "JSON object"},
		"array":           {`[]`, "JSON object"},
		"no id":           {`{"amount":1,"transfer_type":"credit"}`, "no transaction_id"},
		"blank id":        {`{"transaction_id":"  ","amount":1,"transfer_type":"credit"}`, "no transaction_id"},
		"id with NUL":     {`{"transaction_id":"t\u0000","amount":1,"transfer_type":"credit"}`, "control characters"},
		"fractional":      {`{"transaction_id":"t","amount":10.5,"transfer_type":"credit"}`, "invalid VND amount"},
		"negative amount": {`{"transaction_id":"t","amount":-10,"transfer_type":"credit"}`, "negative amount"},
		"truncated":       {`{"transaction_id":"t"`, "unexpected end"},
		// An integrator's test body: the amount under another name.
		"amount_in instead of amount": {`{"transaction_id":"t","amount_in":"500000","transfer_type":"credit"}`, "no amount"},
		"null amount":                 {`{"transaction_id":"t","amount":null,"transfer_type":"credit"}`, "no amount"},
		"empty amount":                {`{"transaction_id":"t","amount":"","transfer_type":"credit"}`, "no amount"},
		"zero amount":                 {`{"transaction_id":"t","amount":0,"transfer_type":"credit"}`, "no amount"},
		"no transfer_type":            {`{"transaction_id":"t","amount":1}`, "no transfer_type"},
		"blank transfer_type":         {`{"transaction_id":"t","amount":1,"transfer_type":" "}`, "no transfer_type"},
		"unknown transfer_type":       {`{"transaction_id":"t","amount":1,"transfer_type":"sideways"}`, `unknown transfer_type "sideways"`},
	} {
		n, err := ParseIPN([]byte(tc.body))
		assert.Nil(t, n, name)
		assert.ErrorIs(t, err, ErrInvalidPayload, name)
		assert.ErrorContains(t, err, tc.says, name)
	}
}

// A direction is read whatever its case and surrounding spaces, and written
// as the IPN's own credit or debit.
func TestParseIPNDirection(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]TransferType{
		"credit": TransferCredit, "CREDIT": TransferCredit, "Credit": TransferCredit, " credit": TransferCredit,
		"IN": TransferCredit, "in": TransferCredit, "debit": TransferDebit, "DEBIT ": TransferDebit, "Out": TransferDebit,
	} {
		n, err := ParseIPN([]byte(`{"transaction_id":"t","amount":1,"transfer_type":"` + raw + `"}`))
		require.NoError(t, err, raw)
		assert.Equal(t, want, n.TransferType, raw)
	}
}

func TestTransferTypeDirection(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		t                         TransferType
		incoming, outgoing, known bool
	}{
		{TransferIn, true, false, true}, {TransferCredit, true, false, true},
		{"CREDIT", true, false, true}, {" In ", true, false, true},
		{TransferOut, false, true, true}, {TransferDebit, false, true, true}, {"Debit", false, true, true},
		{"", false, false, false}, {"sideways", false, false, false}, {"credits", false, false, false},
	} {
		assert.Equal(t, tc.incoming, tc.t.Incoming(), "%q", tc.t)
		assert.Equal(t, tc.outgoing, tc.t.Outgoing(), "%q", tc.t)
		assert.Equal(t, tc.known, tc.t.Known(), "%q", tc.t)
	}
}

// The handler refuses an IPN without its money fields: 400, the function
// not called, nothing marked done, so a complete delivery of the same
// transaction is still handled.
func TestIPNHandlerRefusesMissingMoneyFields(t *testing.T) {
	t.Parallel()
	store := NewMemoryDedupe(0, 0)
	var calls []VND
	h := NewIPNHandler("k", func(_ context.Context, n *IPN) error {
		calls = append(calls, n.Amount)
		return nil
	}, WithDedupe(store))
	serve := func(body string) int {
		req, err := NewIPNTestRequest("/ipn", "k", []byte(body))
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	assert.Equal(t, http.StatusBadRequest, serve(`{"transaction_id":"sp-1","amount_in":"500000","transfer_type":"credit"}`))
	assert.Equal(t, http.StatusBadRequest, serve(`{"transaction_id":"sp-1","amount":500000}`))
	assert.Empty(t, calls, "the function was not called")
	assert.Equal(t, http.StatusOK, serve(`{"transaction_id":"sp-1","amount":500000,"transfer_type":"credit"}`))
	assert.Equal(t, []VND{500000}, calls, "the complete delivery is handled: the refused ones marked nothing done")
}

func TestVerifyIPN(t *testing.T) {
	t.Parallel()
	const key = "ipnkey-Distinctive-9911"
	for _, v := range []string{"Apikey " + key, "APIKEY " + key, "apikey  " + key + " "} {
		assert.NoError(t, VerifyIPN(http.Header{"Authorization": {v}}, key), v)
	}
	for name, tc := range map[string]struct {
		h   http.Header
		key string
	}{
		"empty configured key": {http.Header{"Authorization": {"Apikey " + key}}, ""},
		"missing header":       {http.Header{}, key},
		"empty header":         {http.Header{"Authorization": {" "}}, key},
		"bearer scheme":        {http.Header{"Authorization": {"Bearer " + key}}, key},
		"no scheme":            {http.Header{"Authorization": {key}}, key},
		"wrong key":            {http.Header{"Authorization": {"Apikey nope"}}, key},
		"empty key":            {http.Header{"Authorization": {"Apikey "}}, key},
		"repeated":             {http.Header{"Authorization": {"Apikey " + key, "Apikey " + key}}, key},
	} {
		err := VerifyIPN(tc.h, tc.key)
		assert.ErrorIs(t, err, ErrUnverified, name)
		if err != nil {
			assert.NotContains(t, err.Error(), key, name)
		}
	}
}

// IncomingOnly credits money in however it is spelled, acknowledges money
// out, and refuses what is neither: an unknown or missing direction is
// never answered as handled.
func TestIncomingOnlyReadsEverySpellingAndRefusesTheUnknown(t *testing.T) {
	t.Parallel()
	var credited []TransferType
	fn := IncomingOnly(func(_ context.Context, n *IPN) error {
		credited = append(credited, n.TransferType)
		return nil
	})
	for _, tt := range []TransferType{"credit", "CREDIT", "Credit", " credit", "IN", "in"} {
		require.NoError(t, fn(context.Background(), &IPN{TransactionID: "t", Amount: 1, TransferType: tt}), tt)
	}
	assert.Equal(t, []TransferType{"credit", "CREDIT", "Credit", " credit", "IN", "in"}, credited)
	for _, tt := range []TransferType{"debit", "OUT", " Debit "} {
		assert.NoError(t, fn(context.Background(), &IPN{TransactionID: "t", Amount: 1, TransferType: tt}), tt)
	}
	for _, tt := range []TransferType{"", "sideways", "credits"} {
		err := fn(context.Background(), &IPN{TransactionID: "t", Amount: 1, TransferType: tt})
		assert.ErrorIs(t, err, ErrInvalidPayload, "%q", tt)
	}
	assert.Len(t, credited, 6, "money out and the unknown never reach the function")
}
