package bankhub

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBankAccountsList(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/bank-account", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "")
		// The page size goes under both documented names.
		testQuery(t, r, map[string]string{
			"company_xid": "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b", "bank_id": "MB", "q": "0123",
			"page": "2", "per_page": "10", "limit": "10",
		})
		writeJSON(w, 200, fixture(t, "bank-account-list.json"))
	})
	page, err := api.client.BankAccounts.List(context.Background(), &BankAccountListParams{
		CompanyXID: "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b", BankID: "MB", Query: "0123", Page: 2, PerPage: 10,
	})
	require.NoError(t, err)
	assert.Equal(t, &Page[BankAccount]{
		Data: []BankAccount{{
			XID:               "587eabfb-f086-11f0-b16e-52c7e9b4f41b",
			CompanyXID:        "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b",
			BrandName:         "MBBank",
			AccountHolderName: "NGUYEN VAN A",
			AccountNumber:     "0123456789",
			Accumulated:       0,
			AccountType:       AccountIndividual,
			BankAPIConnected:  true,
			Active:            true,
			LastTransaction:   Time{Time: vnTime(2026, 1, 13, 20, 55, 4), Raw: "2026-01-13 20:55:04"},
			CreatedAt:         Time{Time: vnTime(2026, 1, 13, 20, 49, 32), Raw: "2026-01-13 20:49:32"},
			UpdatedAt:         Time{Time: vnTime(2026, 1, 13, 20, 55, 4), Raw: "2026-01-13 20:55:04"},
		}},
		Meta: PageMeta{Page: 1, PerPage: 20, Total: 1, TotalPages: 1, HasMore: false},
	}, page)
}

func TestBankAccountsGet(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/bank-account/{xid}", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "")
		assert.Equal(t, "587eabfb-f086-11f0-b16e-52c7e9b4f41b", r.PathValue("xid"))
		writeJSON(w, 200, fixture(t, "bank-account-get.json"))
	})
	got, err := api.client.BankAccounts.Get(context.Background(), "587eabfb-f086-11f0-b16e-52c7e9b4f41b")
	require.NoError(t, err)
	assert.Equal(t, &BankAccount{
		XID:                  "587eabfb-f086-11f0-b16e-52c7e9b4f41b",
		CompanyXID:           "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b",
		BrandName:            "MBBank",
		AccountHolderName:    "NGUYEN VAN A",
		AccountNumber:        "0123456789",
		Accumulated:          1500000,
		BankAPIConnected:     true,
		Active:               true,
		LastTransaction:      Time{Time: vnTime(2026, 1, 13, 20, 55, 4), Raw: "2026-01-13 20:55:04"},
		IdentificationNumber: "001234567890",
		PhoneNumber:          "0000000001",
		CreatedAt:            Time{Time: vnTime(2026, 1, 13, 20, 49, 32), Raw: "2026-01-13 20:49:32"},
		UpdatedAt:            Time{Time: vnTime(2026, 1, 13, 20, 55, 4), Raw: "2026-01-13 20:55:04"},
		VAList: []VirtualAccount{{
			XID:           "9b1c7e2a-f087-11f0-b16e-52c7e9b4f41b",
			SubAccount:    "VQRQ00012345",
			SubHolderName: "CONG TY TNHH ABC",
			Active:        true,
			CreatedAt:     Time{Time: vnTime(2026, 1, 13, 21, 2, 10), Raw: "2026-01-13 21:02:10"},
			UpdatedAt:     Time{Time: vnTime(2026, 1, 13, 21, 2, 10), Raw: "2026-01-13 21:02:10"},
		}},
	}, got)
}

func TestBankAccountsValidation(t *testing.T) {
	t.Parallel()
	api := setup(t)
	_, err := api.client.BankAccounts.Get(context.Background(), "")
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = api.client.BankAccounts.List(context.Background(), &BankAccountListParams{PerPage: 101})
	var pe *ParamError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "per_page", pe.Field)
	_, err = api.client.BankAccounts.List(context.Background(), &BankAccountListParams{Page: -1})
	assert.ErrorIs(t, err, ErrInvalidParams)
	assert.Equal(t, 0, api.requestCount())
}
