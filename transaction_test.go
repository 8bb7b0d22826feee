package bankhub

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func transactionIn() Transaction {
	return Transaction{
		TransactionID:      "a47b6ab2-8f8b-11f0-b21a-a6006ab65aca",
		TransactionDate:    Time{Time: vnTime(2026, 1, 13, 20, 55, 4), Raw: "2026-01-13 20:55:04"},
		BankAccountXID:     "587eabfb-f086-11f0-b16e-52c7e9b4f41b",
		CompanyXID:         "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b",
		BrandName:          "MBBank",
		AccountNumber:      "0123456789",
		VA:                 "VQRQ00012345",
		VAXID:              "9b1c7e2a-f087-11f0-b16e-52c7e9b4f41b",
		ReferenceNumber:    "FT26013123456789",
		TransferType:       TransferIn,
		Amount:             500000,
		TransactionContent: "Thanh toan don hang DH123456",
		PaymentCode:        "DH123456",
		WebhookSuccess:     true,
	}
}

func TestTransactionsList(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/transaction", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "")
		testQuery(t, r, map[string]string{
			"company_xid": "c1", "bank_account_xid": "b1", "brand_name": "MBBank",
			"transaction_date": "2026-01-13", "start_transaction_date": "2026-01-01", "end_transaction_date": "2026-01-31",
			"transfer_type": "in", "webhook_success": "0", "q": "DH123456", "page": "1", "per_page": "2",
		})
		writeJSON(w, 200, fixture(t, "transaction-list.json"))
	})
	page, err := api.client.Transactions.List(context.Background(), &TransactionListParams{
		CompanyXID: "c1", BankAccountXID: "b1", BrandName: "MBBank",
		TransactionDate: NewDate(2026, 1, 13), StartTransactionDate: NewDate(2026, 1, 1), EndTransactionDate: NewDate(2026, 1, 31),
		TransferType: TransferIn, WebhookSuccess: Ptr(false), Query: "DH123456", Page: 1, PerPage: 2,
	})
	require.NoError(t, err)
	assert.Equal(t, &Page[Transaction]{
		Data: []Transaction{transactionIn(), {
			TransactionID:      "b58c7bc3-8f8b-11f0-b21a-a6006ab65aca",
			TransactionDate:    Time{Time: vnTime(2026, 1, 13, 18, 20, 41), Raw: "2026-01-13 18:20:41"},
			BankAccountXID:     "587eabfb-f086-11f0-b16e-52c7e9b4f41b",
			CompanyXID:         "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b",
			BrandName:          "MBBank",
			AccountNumber:      "0123456789",
			ReferenceNumber:    "FT26013987654321",
			TransferType:       TransferOut,
			Amount:             120000,
			TransactionContent: "Hoan tien",
			WebhookSuccess:     false,
		}},
		Meta: PageMeta{Page: 1, PerPage: 2, Total: 3, TotalPages: 2, HasMore: true},
	}, page)
}

func TestTransactionsListWebhookDelivered(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/transaction", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, map[string]string{"webhook_success": "1"})
		writeJSON(w, 200, fixture(t, "transaction-list.json"))
	})
	_, err := api.client.Transactions.List(context.Background(), &TransactionListParams{WebhookSuccess: Ptr(true)})
	require.NoError(t, err)
}

func TestTransactionsGet(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/transaction/{id}", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "")
		assert.Equal(t, "a47b6ab2-8f8b-11f0-b21a-a6006ab65aca", r.PathValue("id"))
		writeJSON(w, 200, fixture(t, "transaction-get.json"))
	})
	got, err := api.client.Transactions.Get(context.Background(), "a47b6ab2-8f8b-11f0-b21a-a6006ab65aca")
	require.NoError(t, err)
	want := transactionIn()
	assert.Equal(t, &want, got)
}

func TestTransactionsSimulate(t *testing.T) {
	t.Parallel()
	for _, tt := range []TransferType{TransferCredit, TransferIn} {
		t.Run(string(tt), func(t *testing.T) {
			t.Parallel()
			api := setup(t)
			api.handle("POST /v1/transaction/create", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "POST", `{"bank_account_xid":"52930e2b-c38b-4cd1-b2a2-9ddcdc603104","transfer_type":"`+string(tt)+`","amount":500000,"transaction_content":"Payment for order DH123456"}`)
				writeJSON(w, 200, fixture(t, "transaction-simulate.json"))
			})
			got, err := api.client.Transactions.Simulate(context.Background(), &SimulateTransactionParams{
				BankAccountXID: "52930e2b-c38b-4cd1-b2a2-9ddcdc603104", TransferType: tt, Amount: 500000,
				TransactionContent: "Payment for order DH123456",
			})
			require.NoError(t, err)
			assert.Equal(t, &SimulatedTransaction{
				TransactionID:   "c69d8cd4-8f8b-11f0-b21a-a6006ab65aca",
				ReferenceNumber: "FT26013555000111",
				TransactionDate: Time{Time: vnTime(2026, 1, 13, 21, 10, 0), Raw: "2026-01-13 21:10:00"},
				Amount:          500000,
				TransferType:    TransferCredit,
				Accumulated:     0,
			}, got)
		})
	}
}

func TestTransactionsSimulateOutsideSandbox(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/transaction/create", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, `{"code":403,"message":"Chức năng chỉ khả dụng trên môi trường sandbox"}`)
	})
	_, err := api.client.Transactions.Simulate(context.Background(), &SimulateTransactionParams{
		BankAccountXID: "b1", TransferType: TransferCredit, Amount: 1, TransactionContent: "x",
	})
	assert.ErrorIs(t, err, ErrForbidden)
	assert.Equal(t, 1, api.requestsTo("POST /v1/transaction/create"))
}

func TestTransactionsValidation(t *testing.T) {
	t.Parallel()
	api := setup(t)
	ctx := context.Background()
	field := func(err error) string {
		t.Helper()
		var pe *ParamError
		require.ErrorAs(t, err, &pe)
		return pe.Field
	}
	_, err := api.client.Transactions.Get(ctx, "")
	assert.Equal(t, "transaction_id", field(err))
	_, err = api.client.Transactions.List(ctx, &TransactionListParams{TransferType: TransferCredit})
	assert.Equal(t, "transfer_type", field(err))
	_, err = api.client.Transactions.List(ctx, &TransactionListParams{TransactionDate: NewDate(2026, 13, 1)})
	assert.Equal(t, "transaction_date", field(err))
	_, err = api.client.Transactions.List(ctx, &TransactionListParams{StartTransactionDate: NewDate(2026, 2, 1), EndTransactionDate: NewDate(2026, 1, 1)})
	assert.Equal(t, "end_transaction_date", field(err))
	valid := SimulateTransactionParams{BankAccountXID: "b1", TransferType: TransferCredit, Amount: 1, TransactionContent: "x"}
	for f, mutate := range map[string]func(p *SimulateTransactionParams){
		"bank_account_xid":    func(p *SimulateTransactionParams) { p.BankAccountXID = "" },
		"transfer_type":       func(p *SimulateTransactionParams) { p.TransferType = "sideways" },
		"amount":              func(p *SimulateTransactionParams) { p.Amount = 0 },
		"transaction_content": func(p *SimulateTransactionParams) { p.TransactionContent = "  " },
	} {
		p := valid
		mutate(&p)
		_, err := api.client.Transactions.Simulate(ctx, &p)
		assert.Equal(t, f, field(err))
	}
	_, err = api.client.Transactions.Simulate(ctx, &SimulateTransactionParams{BankAccountXID: "b1", TransferType: TransferDebit, Amount: -5, TransactionContent: "x"})
	assert.Equal(t, "amount", field(err))
	assert.Equal(t, 0, api.requestCount())
}
