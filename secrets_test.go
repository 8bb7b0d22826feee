package bankhub

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecretsNeverLeak drives the client through success, retries, 401
// replays, validation and server errors with Debug logging on, and scans
// every log line, error string and fmt rendering for a credential.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api := setup(t, WithLogger(logger))
	const linkTokenValue = "950e8400-LINKTOKEN-SECRET-VALUE"
	api.handle("POST /v1/link-token/get", failThen(1, 503, `{"message":"busy"}`, nil, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"code":404,"message":"Resource not found"}`)
	}))
	api.handle("POST /v1/link-token/revoke", revokeHandler)

	var texts []string
	_, err := api.client.LinkTokens.Get(context.Background(), linkTokenValue)
	require.Error(t, err)
	texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	require.NoError(t, revoke(api.client))
	api.revokeTokens()
	require.NoError(t, revoke(api.client)) // 401, refresh, replay
	_, err = api.client.LinkTokens.Create(context.Background(), &LinkTokenCreateParams{CompanyXID: "c"})
	texts = append(texts, err.Error())

	bad, err := NewClient(testClientID, testClientSecret+"x", WithBaseURL(api.srv.URL+apiPrefix), WithLogger(logger))
	require.NoError(t, err)
	err = revoke(bad)
	require.Error(t, err)
	texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))

	ts := api.client.TokenSource()
	texts = append(texts,
		fmt.Sprintf("%v", api.client), fmt.Sprintf("%+v", api.client), fmt.Sprintf("%#v", api.client),
		fmt.Sprint(api.client), fmt.Sprintf("%s", api.client),
		fmt.Sprintf("%+v", reflect.ValueOf(api.client).Elem()), // the struct itself, not the pointer
		fmt.Sprintf("%v", ts), fmt.Sprintf("%+v", ts), fmt.Sprintf("%#v", ts),
		logs.String())

	issued := append([]string{testAccessToken}, api.tokens...)
	basic := base64.StdEncoding.EncodeToString([]byte(testClientID + ":" + testClientSecret))
	for _, text := range texts {
		assert.NotContains(t, text, testClientSecret)
		assert.NotContains(t, text, basic)
		assert.NotContains(t, text, linkTokenValue)
		for _, tok := range issued {
			if tok != "revoked" {
				assert.NotContains(t, text, tok)
			}
		}
	}
	assert.Contains(t, logs.String(), "/v1/link-token/get", "the logs were captured")
	assert.GreaterOrEqual(t, strings.Count(logs.String(), "\n"), 6)
}
