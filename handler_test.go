package bankhub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	hookSecret = "whsec-Distinctive-Secret-4242"
	ipnKey     = "ipnkey-Distinctive-9911"
)

// serve runs req through h and returns the recorder.
func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func eventRequest(t *testing.T, secret, body string) *http.Request {
	t.Helper()
	req, err := NewWebhookTestRequest("http://merchant.test/bankhub/events", secret, []byte(body))
	require.NoError(t, err)
	return req
}

func ipnRequest(t *testing.T, key, body string) *http.Request {
	t.Helper()
	req, err := NewIPNTestRequest("http://merchant.test/bankhub/ipn", key, []byte(body))
	require.NoError(t, err)
	return req
}

func TestWebhookHandlerAccepts(t *testing.T) {
	t.Parallel()
	var got []*Event
	h := NewWebhookHandler(hookSecret, func(ctx context.Context, ev *Event) error {
		require.NotNil(t, ctx)
		got = append(got, ev)
		return nil
	})
	rec := serve(h, eventRequest(t, hookSecret, fixture(t, "docs/webhook-event.BANK_ACCOUNT_LINKED.json")))
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"success": true}`, rec.Body.String())
	require.Len(t, got, 1)
	assert.Equal(t, "e343bdec-97dc-4c60-b953-f81b183e0096", got[0].XID)
	assert.Equal(t, EventBankAccountLinked, got[0].Type)
}

func TestIPNHandlerAccepts(t *testing.T) {
	t.Parallel()
	var got []*IPN
	h := NewIPNHandler(ipnKey, func(_ context.Context, n *IPN) error {
		got = append(got, n)
		return nil
	})
	rec := serve(h, ipnRequest(t, ipnKey, fixture(t, "ipn.en.json")))
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, fixture(t, "docs/ipn.merchant-response.json"), rec.Body.String())
	require.Len(t, got, 1)
	assert.Equal(t, "a47b6ab2-8f8b-11f0-b21a-a6006ab65aca", got[0].TransactionID)
	assert.Equal(t, VND(500000), got[0].Amount)
}

func TestHandlersRejectWithoutCallingFunction(t *testing.T) {
	t.Parallel()
	event := fixture(t, "docs/webhook-event.BANK_ACCOUNT_LINKED.json")
	ipn := fixture(t, "ipn.en.json")
	var calls atomic.Int32
	hook := NewWebhookHandler(hookSecret, func(context.Context, *Event) error { calls.Add(1); return nil }, WithMaxBodySize(4096))
	ipnH := NewIPNHandler(ipnKey, func(context.Context, *IPN) error { calls.Add(1); return nil }, WithMaxBodySize(4096))
	noSecret := NewWebhookHandler("", func(context.Context, *Event) error { calls.Add(1); return nil })
	noKey := NewIPNHandler("", func(context.Context, *IPN) error { calls.Add(1); return nil })

	get := eventRequest(t, hookSecret, event)
	get.Method = http.MethodGet
	ipnGet := ipnRequest(t, ipnKey, ipn)
	ipnGet.Method = http.MethodPut
	noHeader := eventRequest(t, hookSecret, event)
	noHeader.Header.Del("X-Secret-Key")
	bearer := ipnRequest(t, ipnKey, ipn)
	bearer.Header.Set("Authorization", "Bearer "+ipnKey)

	cases := []struct {
		name   string
		h      http.Handler
		req    *http.Request
		status int
	}{
		{"event GET", hook, get, 405},
		{"ipn PUT", ipnH, ipnGet, 405},
		{"event wrong secret", hook, eventRequest(t, "guess", event), 401},
		{"event missing header", hook, noHeader, 401},
		{"event empty configured secret", noSecret, eventRequest(t, "", event), 401},
		{"ipn wrong key", ipnH, ipnRequest(t, "guess", ipn), 401},
		{"ipn wrong scheme", ipnH, bearer, 401},
		{"ipn empty configured key", noKey, ipnRequest(t, "", ipn), 401},
		{"event bad payload", hook, eventRequest(t, hookSecret, `{"event":"X"}`), 400},
		{"event not json", hook, eventRequest(t, hookSecret, `<xml/>`), 400},
		{"ipn bad payload", ipnH, ipnRequest(t, ipnKey, `{"amount":1}`), 400},
		{"event too large", hook, eventRequest(t, hookSecret, `{"xid":"x","event":"E","metadata":{"pad":"`+strings.Repeat("a", 5000)+`"}}`), 413},
		{"ipn too large", ipnH, ipnRequest(t, ipnKey, strings.Repeat(" ", 4097)+ipn), 413},
		{"unverified and too large", hook, eventRequest(t, "guess", strings.Repeat(" ", 10000)), 401},
	}
	for _, tc := range cases {
		rec := serve(tc.h, tc.req)
		assert.Equal(t, tc.status, rec.Code, tc.name)
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"), tc.name)
		assert.JSONEq(t, `{"success":false}`, rec.Body.String(), tc.name)
		if tc.status == 405 {
			assert.Equal(t, "POST", rec.Header().Get("Allow"))
		}
	}
	assert.Equal(t, int32(0), calls.Load(), "nothing reaches the function on a rejected delivery")
}

func TestHandlerFunctionErrorAnswers500(t *testing.T) {
	t.Parallel()
	h := NewWebhookHandler(hookSecret, func(context.Context, *Event) error { return errors.New("db down") })
	rec := serve(h, eventRequest(t, hookSecret, fixture(t, "docs/webhook-event.LINK_SESSION_INITIALIZED.json")))
	assert.Equal(t, 500, rec.Code)
	assert.NotContains(t, rec.Body.String(), "db down", "internal errors are not echoed to the sender")
}

func TestHandlerUsesRequestContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	var seen any
	h := NewIPNHandler(ipnKey, func(ctx context.Context, _ *IPN) error { seen = ctx.Value(key{}); return nil })
	req := ipnRequest(t, ipnKey, fixture(t, "ipn.en.json"))
	req = req.WithContext(context.WithValue(req.Context(), key{}, "from-request"))
	serve(h, req)
	assert.Equal(t, "from-request", seen)
}

// SePay hangs up after 8 seconds; the function must not be cut off
// halfway through recording the payment.
func TestHandlerFunctionOutlivesCallerHangingUp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx, hangUp := context.WithCancel(context.Background())
		var fnErr error
		h := NewIPNHandler(ipnKey, func(ctx context.Context, _ *IPN) error {
			hangUp()
			time.Sleep(time.Minute) // long after SePay's 8 s
			fnErr = ctx.Err()
			return nil
		}, WithDedupe(NewMemoryDedupe(0, 0)))
		rec := serve(h, ipnRequest(t, ipnKey, fixture(t, "ipn.en.json")).WithContext(ctx))
		assert.NoError(t, fnErr, "the function's context is not cancelled by the caller")
		assert.Equal(t, 200, rec.Code)
	})
}

func TestHandlerSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hook := NewWebhookHandler(hookSecret, func(context.Context, *Event) error { return errors.New("fail") },
		WithHandlerLogger(logger), WithDedupe(NewMemoryDedupe(0, 0)))
	ipnH := NewIPNHandler(ipnKey, func(context.Context, *IPN) error { return nil }, WithHandlerLogger(logger), WithDedupe(NewMemoryDedupe(0, 0)))
	event := fixture(t, "docs/webhook-event.BANK_ACCOUNT_LINKED.json")
	serve(hook, eventRequest(t, hookSecret, event))
	serve(hook, eventRequest(t, hookSecret+"x", event))
	serve(hook, eventRequest(t, hookSecret, `{`))
	serve(ipnH, ipnRequest(t, ipnKey, fixture(t, "ipn.en.json")))
	serve(ipnH, ipnRequest(t, ipnKey, fixture(t, "ipn.en.json")))
	serve(ipnH, ipnRequest(t, "Apikey "+ipnKey, fixture(t, "ipn.en.json")))
	out := logs.String()
	for _, want := range []string{"rejected", "bad payload", "handler function failed", "duplicate acknowledged"} {
		assert.Contains(t, out, want)
	}
	for _, text := range []string{out, fmt.Sprintf("%+v", hook), fmt.Sprintf("%#v", ipnH), fmt.Sprint(hook)} {
		assert.NotContains(t, text, hookSecret)
		assert.NotContains(t, text, ipnKey)
	}
}

func TestTestRequestHelpers(t *testing.T) {
	t.Parallel()
	ev, err := ParseEvent([]byte(fixture(t, "docs/webhook-event.BANK_ACCOUNT_LINKED.json")))
	require.NoError(t, err)
	req, err := NewWebhookTestRequest("https://shop.example.vn/hooks", hookSecret, ev)
	require.NoError(t, err)
	assert.Equal(t, "POST", req.Method)
	assert.Equal(t, hookSecret, req.Header.Get("X-Secret-Key"))
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	body, _ := io.ReadAll(req.Body)
	again, err := ParseEvent(body)
	require.NoError(t, err)
	assert.Equal(t, ev.XID, again.XID)

	n, err := ParseIPN([]byte(fixture(t, "ipn.en.json")))
	require.NoError(t, err)
	req, err = NewIPNTestRequest("https://shop.example.vn/ipn", ipnKey, n)
	require.NoError(t, err)
	assert.Equal(t, "Apikey "+ipnKey, req.Header.Get("Authorization"))
	body, _ = io.ReadAll(req.Body)
	again2, err := ParseIPN(body)
	require.NoError(t, err)
	assert.Equal(t, n, again2)

	_, err = NewIPNTestRequest("https://x.vn", "k", make(chan int))
	assert.Error(t, err)
}
