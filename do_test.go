package bankhub

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDoCallsAnEndpointTheSDKDoesNotKnow(t *testing.T) {
	t.Parallel()
	api := setup(t)
	var gets, posts int
	api.handle("GET /v1/bank", func(w http.ResponseWriter, r *http.Request) {
		gets++
		assert.Equal(t, "sandbox=1", r.URL.RawQuery)
		if gets == 1 {
			writeJSON(w, 503, `{"code":503,"message":"busy"}`)
			return
		}
		writeJSON(w, 200, `{"data":[{"code":"MBB","name":"MBBank"}]}`)
	})
	api.handle("POST /v1/bank/favourite", func(w http.ResponseWriter, r *http.Request) {
		posts++
		b, _ := io.ReadAll(r.Body)
		assert.JSONEq(t, `{"code":"MBB"}`, string(b))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		writeJSON(w, 503, `{"code":503,"message":"busy"}`)
	})
	var banks struct {
		Data []struct{ Code, Name string } `json:"data"`
	}
	err := api.client.Do(context.Background(), "GET", "/v1/bank", url.Values{"sandbox": {"1"}}, nil, &banks)
	require.NoError(t, err)
	assert.Equal(t, "MBBank", banks.Data[0].Name)
	assert.Equal(t, 2, gets, "a GET is retried like the SDK's reads")

	err = api.client.Do(context.Background(), "post", "/v1/bank/favourite", nil, map[string]string{"code": "MBB"}, nil)
	assert.ErrorIs(t, err, ErrServer)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "busy", apiErr.Message)
	assert.Equal(t, 1, posts, "any other method is not replayed once it may have reached the server")

	api.revokeTokens()
	err = api.client.Do(context.Background(), "GET", "/v1/bank", url.Values{"sandbox": {"1"}}, nil, nil)
	assert.NoError(t, err, "a 401 refreshes the token and replays, as for every method")
}

func TestDoRefusesBadInput(t *testing.T) {
	t.Parallel()
	api := setup(t)
	var out struct{}
	for _, tc := range []struct{ method, path string }{
		{"", "/v1/x"}, {"GET", "v1/x"}, {"GET", "https://evil.example/v1/x"}, {"GET", "//evil.example/v1"},
		{"GET", "/v1/x?y=1"}, {"GET", "/v1/../token"}, {"GET", "/v1/a b"}, {"GE T", "/v1/x"},
		// Escaped, as the server decodes them: /v1/%2e%2e/x reached it as
		// /v1/../x with the bearer token.
		{"GET", "/v1/%2e%2e/x"}, {"GET", "/v1/%2E%2e/token"}, {"GET", "/v1/%2e/x"}, {"GET", "/v1/company%2F..%2Ftoken"},
		{"GET", "/v1/a%5Cb"}, {"GET", "/v1/a%00b"}, {"GET", "/v1/a%zz"},
	} {
		err := api.client.Do(context.Background(), tc.method, tc.path, nil, nil, &out)
		assert.ErrorIs(t, err, ErrInvalidParams, "%q %q", tc.method, tc.path)
	}
	assert.ErrorIs(t, api.client.Do(context.Background(), "GET", "/v1/x", nil, nil, out), ErrInvalidParams, "out must be a pointer")
	assert.Equal(t, 0, api.requestCount(), "nothing was sent")
	// An escaped id that is none of these goes as it is.
	api.handle("GET /v1/company/{xid}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":{"xid":"`+r.PathValue("xid")+`"}}`)
	})
	var got struct{ Data struct{ XID string } }
	require.NoError(t, api.client.Do(context.Background(), "GET", "/v1/company/"+url.PathEscape("a b.c"), nil, nil, &got))
	assert.Equal(t, "a b.c", got.Data.XID)
}
