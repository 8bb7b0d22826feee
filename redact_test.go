package bankhub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	leakToken     = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"
	leakLinkToken = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	leakHookKey   = "whsec-LEAKCHECK-8f1d2e"
)

// renderings is every way an error reaches a user: its text, fmt's verbs,
// and the fields that carry server text.
func renderings(err error) []string {
	out := []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
	var de *DecodeError
	if errors.As(err, &de) {
		out = append(out, de.Excerpt)
	}
	var ne *NonJSONError
	if errors.As(err, &ne) {
		out = append(out, ne.Excerpt)
	}
	var ae *APIError
	if errors.As(err, &ae) {
		out = append(out, string(ae.Body), ae.Message, fmt.Sprint(ae.FieldErrors))
	}
	return out
}

func assertNoSecret(t *testing.T, texts []string, secrets ...string) {
	t.Helper()
	for _, text := range texts {
		for _, s := range secrets {
			assert.NotContains(t, text, s)
		}
	}
}

// Regression: a PHP notice before the token answer's JSON put the access
// token in Error(), in the SDK's Warn line and in %#v.
func TestTokenAnswerWithNoticeLeaksNothing(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	api := setup(t, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	api.tokenFn = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(201)
		fmt.Fprintf(w, "<br />\n<b>Notice</b>:  Undefined index: scope in <b>/var/www/TokenController.php</b> on line <b>42</b><br />\n"+
			`{"code":201,"access_token":"%s","ttl":60000}`, leakToken)
	}
	_, err := api.client.Webhooks.Get(context.Background())
	var ne *NonJSONError
	require.ErrorAs(t, err, &ne)
	assert.Contains(t, ne.Excerpt, `"access_token":"[redacted]"`, "the rest of the answer is kept")
	assert.Contains(t, ne.Excerpt, "Undefined index")
	texts := append(renderings(err), logs.String())
	assert.Contains(t, logs.String(), "token refresh failed")
	assertNoSecret(t, texts, leakToken, testClientSecret)
}

func TestTokenAnswerWithBOMDecodes(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.tokenFn = func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		api.tokens = append(api.tokens, leakToken)
		api.mu.Unlock()
		writeJSON(w, 201, "\xef\xbb\xbf"+`{"code":201,"access_token":"`+leakToken+`","ttl":60000}`)
	}
	api.handle("GET /v1/webhook", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, "\xef\xbb\xbf"+`{"status":200,"data":null}`)
	})
	cfg, err := api.client.Webhooks.Get(context.Background())
	require.NoError(t, err)
	assert.Nil(t, cfg)
}

// Regression: a truncated 2xx answer left the secret in DecodeError.Excerpt.
func TestTruncatedAnswersLeakNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		tokens string // the token endpoint's answer, "" for the normal one
		path   string
		body   string
		call   func(*Client) error
		secret string
	}{
		{"token exchange", `{"code":201,"access_token":"` + leakToken[:30], "", "", func(c *Client) error {
			_, err := c.Webhooks.Get(context.Background())
			return err
		}, leakToken[:30]},
		{"link-token create", "", "POST /v1/link-token/create",
			`{"xid":"ef4cb765-c297-4a51-a9eb-6f7a751978ae","hosted_link_url":"https://bankhub.sepay.vn/link/ef4cb765","link_token":"` + leakLinkToken[:20],
			func(c *Client) error {
				_, err := c.LinkTokens.Create(context.Background(), &LinkTokenCreateParams{CompanyXID: "c1", Purpose: PurposeLinkBankAccount})
				return err
			}, leakLinkToken[:20]},
		{"webhook set", "", "POST /v1/webhook",
			`{"status":200,"data":{"webhook_url":"https://shop.example.vn/hooks","auth_type":"SECRET_KEY","secret_key":"` + leakHookKey,
			func(c *Client) error {
				_, err := c.Webhooks.Set(context.Background(), &WebhookConfigParams{WebhookURL: "https://shop.example.vn/hooks", SecretKey: leakHookKey, AllowEvents: allEvents})
				return err
			}, leakHookKey},
		{"a shape of its own", "", "POST /v1/webhook", `{"result":{"credentials":{"Token": "` + leakHookKey + `", "next": `,
			func(c *Client) error {
				_, err := c.Webhooks.Set(context.Background(), &WebhookConfigParams{WebhookURL: "https://shop.example.vn/hooks", SecretKey: "other-secret-value"})
				return err
			}, leakHookKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := setup(t)
			if tc.tokens != "" {
				api.tokenFn = func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 201, tc.tokens) }
			} else {
				api.handle(tc.path, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tc.body) })
			}
			err := tc.call(api.client)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, de.Excerpt, redacted)
			assertNoSecret(t, renderings(err), tc.secret, testClientSecret)
		})
	}
}

// Secrets the server echoes in an error answer: the webhook secret being
// set, the link token being looked up, the client's own credential.
func TestErrorAnswersEchoingSecretsLeakNothing(t *testing.T) {
	t.Parallel()
	api := setup(t)
	basic := api.client.basicAuth.encoded
	api.handle("POST /v1/webhook", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, `{"code":400,"message":"secret `+leakHookKey+` is too weak","errors":{"secret_key":["`+leakHookKey+` is too weak"]}}`)
	})
	api.handle("POST /v1/link-token/get", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"code":404,"message":"link token `+leakLinkToken+` not found","debug":"Authorization: Basic `+basic+`, Bearer `+api.currentToken()+`"}`)
	})
	_, err := api.client.Webhooks.Set(context.Background(), &WebhookConfigParams{WebhookURL: "https://shop.example.vn/hooks", SecretKey: leakHookKey})
	require.ErrorIs(t, err, ErrValidation)
	texts := renderings(err)
	assert.Contains(t, err.Error(), "secret [redacted] is too weak", "the message is kept, the secret is not")
	_, err = api.client.LinkTokens.Get(context.Background(), leakLinkToken)
	require.ErrorIs(t, err, ErrNotFound)
	texts = append(texts, renderings(err)...)
	assertNoSecret(t, texts, leakHookKey, leakLinkToken, basic, testClientSecret, api.currentToken())
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"access_token":"abc123","ttl":1}`:                   `{"access_token":"[redacted]","ttl":1}`,
		`{"access_token" : "abc1`:                             `{"access_token" : "[redacted]"`,
		`{"link_token":"x","link_token_xid":"keep-this-id"}`:  `{"link_token":"[redacted]","link_token_xid":"keep-this-id"}`,
		`{"secret_key":"a\"b","active":1}`:                    `{"secret_key":"[redacted]","active":1}`,
		`access_token=abc123&token_type=bearer`:               `access_token=[redacted]&token_type=bearer`,
		`Authorization: Bearer 36483db4 and Apikey k3y-v4lue`: `Authorization: Bearer [redacted] and Apikey [redacted]`,
		`{"TOKEN": 12345678}`:                                 `{"TOKEN": [redacted]}`,
		`{"tokens_used": 3, "full_name": "ABC"}`:              `{"tokens_used": 3, "full_name": "ABC"}`,
		`known value hunter2hunter2 inside text`:              `known value [redacted] inside text`,
	} {
		assert.Equal(t, want, redact(in, []string{"hunter2hunter2", "abc"}), in)
	}
	assert.Equal(t, strings.Repeat("a", 10), redact(strings.Repeat("a", 10), []string{"aaa"}), "short known values are not replaced")
}
