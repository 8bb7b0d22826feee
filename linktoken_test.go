package bankhub

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLinkTokensCreate(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/create", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", `{
			"company_xid": "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b",
			"purpose": "LINK_BANK_ACCOUNT",
			"completion_redirect_uri": "https://shop.example.vn/bank/linked",
			"is_mobile_app": 1,
			"language": "en"
		}`)
		writeJSON(w, 201, fixture(t, "link-token-create.json"))
	})

	params := &LinkTokenCreateParams{
		CompanyXID:            "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b",
		Purpose:               PurposeLinkBankAccount,
		CompletionRedirectURI: "https://shop.example.vn/bank/linked",
		IsMobileApp:           true,
		Language:              LanguageEnglish,
	}
	before := *params
	got, err := api.client.LinkTokens.Create(context.Background(), params)
	require.NoError(t, err)
	assert.Equal(t, &LinkTokenCreated{
		XID:           "850e8400-e29b-41d4-a716-446655440000",
		HostedLinkURL: "https://bankhub.sepay.vn/link/850e8400-e29b-41d4-a716-446655440000",
		LinkToken:     "950e8400-e29b-41d4-a716-446655440000",
		ExpiresAt:     Time{Time: vnTime(2024, 1, 17, 10, 30, 0), Raw: "2024-01-17 10:30:00"},
	}, got)
	assert.Equal(t, before, *params, "params must not be modified")
	assert.Equal(t, 1, api.requestsTo("POST /v1/link-token/create"))
}

func TestLinkTokensCreateMinimalBody(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/create", func(w http.ResponseWriter, r *http.Request) {
		// Optional fields left unset are not sent at all.
		testRequest(t, r, "POST", `{"company_xid":"c1","purpose":"UNLINK_BANK_ACCOUNT","bank_account_xid":"b1"}`)
		writeJSON(w, 201, fixture(t, "link-token-create.json"))
	})
	_, err := api.client.LinkTokens.Create(context.Background(), &LinkTokenCreateParams{
		CompanyXID: "c1", Purpose: PurposeUnlinkBankAccount, BankAccountXID: "b1",
	})
	require.NoError(t, err)
}

func TestLinkTokensCreateDocsSchemaFixture(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/create", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, fixture(t, "docs/link-token-create.response.201.json"))
	})
	got, err := api.client.LinkTokens.Create(context.Background(), &LinkTokenCreateParams{CompanyXID: "c1", Purpose: PurposeLinkBankAccount})
	require.NoError(t, err)
	// The docs print placeholders; an unparseable expires_at is kept raw.
	assert.Equal(t, &LinkTokenCreated{XID: "string", HostedLinkURL: "https://example.com", LinkToken: "string", ExpiresAt: Time{Raw: "string"}}, got)
}

func TestLinkTokensCreateValidation(t *testing.T) {
	t.Parallel()
	api := setup(t)
	cases := []struct {
		name   string
		params *LinkTokenCreateParams
		field  string
	}{
		{"nil params", nil, ""},
		{"missing company", &LinkTokenCreateParams{Purpose: PurposeLinkBankAccount}, "company_xid"},
		{"blank company", &LinkTokenCreateParams{CompanyXID: " c1 ", Purpose: PurposeLinkBankAccount}, "company_xid"},
		{"missing purpose", &LinkTokenCreateParams{CompanyXID: "c1"}, "purpose"},
		{"unknown purpose", &LinkTokenCreateParams{CompanyXID: "c1", Purpose: "DELETE_BANK_ACCOUNT"}, "purpose"},
		{"unlink without account", &LinkTokenCreateParams{CompanyXID: "c1", Purpose: PurposeUnlinkBankAccount}, "bank_account_xid"},
		{"unknown language", &LinkTokenCreateParams{CompanyXID: "c1", Purpose: PurposeLinkBankAccount, Language: "fr"}, "language"},
		{"relative redirect", &LinkTokenCreateParams{CompanyXID: "c1", Purpose: PurposeLinkBankAccount, CompletionRedirectURI: "/done"}, "completion_redirect_uri"},
		{"ftp redirect", &LinkTokenCreateParams{CompanyXID: "c1", Purpose: PurposeLinkBankAccount, CompletionRedirectURI: "ftp://x.vn/done"}, "completion_redirect_uri"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.client.LinkTokens.Create(context.Background(), tc.params)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidParams)
			var pe *ParamError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.field, pe.Field)
			assert.Equal(t, "LinkTokens.Create", pe.Op)
		})
	}
	assert.Equal(t, 0, api.requestCount(), "nothing may be sent for invalid params")
}

func TestLinkTokensCreateServerValidationError(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/create", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, fixture(t, "link-token-create.400.json"))
	})
	_, err := api.client.LinkTokens.Create(context.Background(), &LinkTokenCreateParams{CompanyXID: "nope", Purpose: PurposeLinkBankAccount})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ErrValidation)
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.Equal(t, 400, apiErr.Code)
	assert.Equal(t, "Validation error", apiErr.Message)
	assert.Nil(t, apiErr.FieldErrors)
	assert.Equal(t, "POST", apiErr.Method)
	assert.Equal(t, "/v1/link-token/create", apiErr.Path)
	assert.Equal(t, "bankhub: POST /v1/link-token/create: 400 Validation error", err.Error())
}

func TestLinkTokensGet(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/get", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", `{"link_token":"950e8400-e29b-41d4-a716-446655440000"}`)
		writeJSON(w, 200, fixture(t, "link-token-get.json"))
	})
	got, err := api.client.LinkTokens.Get(context.Background(), "950e8400-e29b-41d4-a716-446655440000")
	require.NoError(t, err)
	at := func(h, m, s int, raw string) Time { return Time{Time: vnTime(2026, 1, 13, h, m, s), Raw: raw} }
	assert.Equal(t, &LinkToken{
		XID:                   "628af450-6f83-443f-b2f1-7d8ae4664e45",
		Purpose:               PurposeLinkBankAccount,
		Status:                LinkTokenActive,
		CompletionRedirectURI: "https://shop.example.vn/bank/linked",
		IsMobileApp:           false,
		Language:              LanguageVietnamese,
		SessionCount:          2,
		CreatedAt:             at(20, 48, 20, "2026-01-13 20:48:20"),
		UpdatedAt:             at(20, 49, 32, "2026-01-13 20:49:32"),
		ExpiresAt:             at(21, 48, 20, "2026-01-13 21:48:20"),
		Company: LinkTokenCompany{
			XID:      "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b",
			FullName: "Công ty TNHH ABC",
			Status:   CompanyActive,
		},
		Sessions: []LinkSession{{
			XID:        "a9e6d327-5888-449a-b82a-356fa80d6211",
			State:      StatePending,
			Status:     "Active",
			Context:    json.RawMessage("null"),
			Result:     json.RawMessage("null"),
			FinishedAt: at(20, 49, 32, "2026-01-13 20:49:32"),
			ExpiresAt:  at(21, 18, 20, "2026-01-13 21:18:20"),
			CreatedAt:  at(20, 48, 59, "2026-01-13 20:48:59"),
			UpdatedAt:  at(20, 49, 32, "2026-01-13 20:49:32"),
		}},
		Events: []LinkTokenEvent{{
			XID:       "e61cdae9-505e-4349-9713-a3e5b8b80b5e",
			Name:      EventLinkTokenCreated,
			Metadata:  json.RawMessage("null"),
			CreatedAt: at(20, 48, 20, "2026-01-13 20:48:20"),
		}},
	}, got)
}

func TestLinkTokensGetDocsSchemaFixture(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/get", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "docs/link-token-get.response.200.json"))
	})
	got, err := api.client.LinkTokens.Get(context.Background(), "tok")
	require.NoError(t, err)
	assert.Equal(t, "string", got.XID)
	assert.Equal(t, PurposeLinkBankAccount, got.Purpose)
	assert.Equal(t, Time{Raw: "string"}, got.CreatedAt)
	require.Len(t, got.Sessions, 1)
	assert.Equal(t, StatePending, got.Sessions[0].State)
	require.Len(t, got.Events, 1)
	assert.Equal(t, EventType("string"), got.Events[0].Name)
}

func TestLinkTokensGetNotFound(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/get", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, fixture(t, "error.404.json"))
	})
	_, err := api.client.LinkTokens.Get(context.Background(), "950e8400-e29b-41d4-a716-446655440000")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.NotContains(t, err.Error(), "950e8400", "the link token value must not appear in errors")
}

func TestLinkTokensRevoke(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/revoke", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", fixture(t, "link-token-revoke.request.json"))
		writeJSON(w, 200, fixture(t, "link-token-revoke.json"))
	})
	err := api.client.LinkTokens.Revoke(context.Background(), "80655c97-e9d8-4e76-adb7-652c3fbef58c")
	require.NoError(t, err)
	assert.Equal(t, 1, api.requestsTo("POST /v1/link-token/revoke"))
}

func TestLinkTokensRevokeAlreadyRevoked(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/link-token/revoke", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, fixture(t, "error.404.status-error.json"))
	})
	err := api.client.LinkTokens.Revoke(context.Background(), "80655c97-e9d8-4e76-adb7-652c3fbef58c")
	assert.ErrorIs(t, err, ErrNotFound)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "Không tìm thấy công ty: Company not found", apiErr.Message)
	assert.Equal(t, 404, apiErr.Code)
}

func TestLinkTokensEmptyIDs(t *testing.T) {
	t.Parallel()
	api := setup(t)
	_, err := api.client.LinkTokens.Get(context.Background(), "")
	assert.ErrorIs(t, err, ErrInvalidParams)
	err = api.client.LinkTokens.Revoke(context.Background(), "")
	assert.ErrorIs(t, err, ErrInvalidParams)
	err = api.client.LinkTokens.Revoke(context.Background(), "x\ny")
	assert.ErrorIs(t, err, ErrInvalidParams)
	assert.Equal(t, 0, api.requestCount())
	assert.NotErrorIs(t, err, ErrNotFound)
}
