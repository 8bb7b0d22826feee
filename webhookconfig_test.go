package bankhub

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhooksGet(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/webhook", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "")
		writeJSON(w, 200, fixture(t, "webhook-get.json"))
	})
	got, err := api.client.Webhooks.Get(context.Background())
	require.NoError(t, err)
	assert.Equal(t, &WebhookConfig{
		WebhookURL:         "https://shop.example.vn/bankhub/events",
		AuthType:           WebhookAuthSecretKey,
		SecretKey:          "***5678",
		RequestContentType: "application/json",
		Active:             true,
		AllowEvents:        []EventType{EventLinkSessionCompleted, EventBankAccountLinked, EventBankAccountUnlinked},
	}, got)
}

func TestWebhooksGetNone(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/webhook", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "webhook-get-none.json"))
	})
	got, err := api.client.Webhooks.Get(context.Background())
	require.NoError(t, err)
	assert.Nil(t, got)
}

func TestWebhooksSet(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		params *WebhookConfigParams
		body   string
	}{
		{"docs usage: all events", &WebhookConfigParams{WebhookURL: "https://merchant.com/webhook", SecretKey: "your-secret-key-here"}, fixture(t, "docs/webhook-upsert.request.usage-all-events.json")},
		{"inactive, some events", &WebhookConfigParams{
			WebhookURL: "https://shop.example.vn/bankhub/events", AuthType: WebhookAuthSecretKey, SecretKey: "k", Active: Ptr(false),
			AllowEvents: []EventType{EventBankAccountLinked, EventBankAccountInactivedAlias},
		}, `{"webhook_url":"https://shop.example.vn/bankhub/events","auth_type":"SECRET_KEY","secret_key":"k","active":0,"allow_events":["BANK_ACCOUNT_LINKED","BANK_ACCOUNT_INACTIVED"]}`},
		{"no events", &WebhookConfigParams{WebhookURL: "https://x.vn/h", SecretKey: "k", AllowEvents: []EventType{}},
			`{"webhook_url":"https://x.vn/h","auth_type":"SECRET_KEY","secret_key":"k","active":1,"allow_events":[]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := setup(t)
			api.handle("POST /v1/webhook", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, "POST", tc.body)
				writeJSON(w, 200, fixture(t, "webhook-set.json"))
			})
			got, err := api.client.Webhooks.Set(context.Background(), tc.params)
			require.NoError(t, err)
			assert.Equal(t, &WebhookConfig{
				WebhookURL:         "https://shop.example.vn/bankhub/events",
				AuthType:           WebhookAuthSecretKey,
				SecretKey:          "whsec-3f9a1c5678",
				RequestContentType: "application/json",
				Active:             true,
				AllowEvents:        []EventType{EventAll},
			}, got)
		})
	}
}

func TestWebhooksSetRejected(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("POST /v1/webhook", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, fixture(t, "error.webhook-envelope.json"))
	})
	_, err := api.client.Webhooks.Set(context.Background(), &WebhookConfigParams{WebhookURL: "https://10.0.0.1/h", SecretKey: "k"})
	assert.ErrorIs(t, err, ErrValidation)
	assert.Contains(t, err.Error(), "internal IP addresses are not allowed")
	assert.NotContains(t, err.Error(), `"k"`)
}

func TestWebhooksSetValidation(t *testing.T) {
	t.Parallel()
	api := setup(t)
	for field, p := range map[string]*WebhookConfigParams{
		"":             nil,
		"webhook_url":  {SecretKey: "k"},
		"secret_key":   {WebhookURL: "https://x.vn/h"},
		"allow_events": {WebhookURL: "https://x.vn/h", SecretKey: "k", AllowEvents: []EventType{"LINK_TOKEN_CREATD"}},
	} {
		_, err := api.client.Webhooks.Set(context.Background(), p)
		var pe *ParamError
		require.ErrorAs(t, err, &pe, field)
		assert.Equal(t, field, pe.Field)
	}
	for _, u := range []string{"/relative", "ftp://x.vn/h", "https://", "::"} {
		_, err := api.client.Webhooks.Set(context.Background(), &WebhookConfigParams{WebhookURL: u, SecretKey: "k"})
		assert.ErrorIs(t, err, ErrInvalidParams, u)
	}
	assert.Equal(t, 0, api.requestCount())
}
