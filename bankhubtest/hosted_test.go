package bankhubtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func getPage(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func postJSON(t *testing.T, url string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", strings.NewReader(string(b)))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// hookRecorder collects the event names delivered to it.
func hookRecorder(t *testing.T) (*httptest.Server, func() []string) {
	var names []string
	done := make(chan struct{}, 100)
	hook := httptest.NewServer(bankhub.NewWebhookHandler("whsec", func(_ context.Context, ev *bankhub.Event) error {
		names = append(names, string(ev.Type))
		done <- struct{}{}
		return nil
	}))
	t.Cleanup(hook.Close)
	return hook, func() []string { return names }
}

func TestHostedPageLinkCompletesLikeSimulateLink(t *testing.T) {
	t.Parallel()
	srv := bankhubtest.NewTestServer(t)
	hook, events := hookRecorder(t)
	srv.SetWebhook(hook.URL, "whsec")
	c := srv.Client()
	ctx := context.Background()
	company := srv.AddCompany(bankhubtest.CompanyParams{FullName: "Cửa hàng Minh An"})
	link, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company, Purpose: bankhub.PurposeLinkBankAccount,
		CompletionRedirectURI: "https://shop.example.vn/done"})
	require.NoError(t, err)

	status, html := getPage(t, link.HostedLinkURL)
	assert.Equal(t, 200, status)
	for _, want := range []string{"Cửa hàng Minh An", `data-bank="MBBank"`, `data-bank="ACB"`, `"https://shop.example.vn/done"`, "FINISHED_BANK_ACCOUNT_LINK"} {
		assert.Contains(t, html, want)
	}
	base := link.HostedLinkURL
	code, out := postJSON(t, base+"/lookup", map[string]string{"brand_name": "ACB", "account_number": "999"})
	assert.Equal(t, 404, code, "%v", out)
	code, out = postJSON(t, base+"/lookup", map[string]string{"brand_name": "ACB", "account_number": "4567890123"})
	assert.Equal(t, 200, code)
	assert.Equal(t, "BUI VAN G", out["account_holder_name"])
	code, out = postJSON(t, base+"/complete", map[string]string{"brand_name": "ACB", "account_number": "4567890123", "otp": "000000"})
	assert.Equal(t, 400, code)
	assert.Equal(t, "wrong OTP", out["error"])
	assert.Equal(t, 0, srv.Stats().BankAccounts, "a wrong OTP changes nothing")

	code, out = postJSON(t, base+"/complete", map[string]string{"brand_name": "ACB", "account_number": "4567890123", "otp": "456789"})
	require.Equal(t, 200, code, "%v", out)
	ba, err := c.BankAccounts.Get(ctx, out["bank_account_xid"].(string))
	require.NoError(t, err)
	assert.Equal(t, []string{"ACB", "4567890123", "BUI VAN G", company}, []string{ba.BrandName, ba.AccountNumber, ba.AccountHolderName, ba.CompanyXID})
	assert.Equal(t, []string{"LINK_TOKEN_CREATED", "LINK_SESSION_INITIALIZED", "LINK_SESSION_STATE_CHANGED", "LINK_SESSION_STATE_CHANGED",
		"LINK_SESSION_STATE_CHANGED", "BANK_ACCOUNT_LINKED", "LINK_SESSION_COMPLETED"}, events(), "the events of SimulateLink")

	// Used now: the page says so and the endpoints refuse.
	code, out = postJSON(t, base+"/complete", map[string]string{"brand_name": "ACB", "account_number": "4567890123", "otp": "456789"})
	assert.Equal(t, 410, code)
	assert.Equal(t, "Used", out["state"])
	_, html = getPage(t, base)
	assert.Contains(t, html, `state = "Used"`)
}

func TestHostedPageUnlinkAndUnusableTokens(t *testing.T) {
	t.Parallel()
	srv := bankhubtest.NewTestServer(t)
	c := srv.Client()
	ctx := context.Background()
	company := srv.AddCompany(bankhubtest.CompanyParams{})
	acct, err := srv.AddBankAccount(company, bankhubtest.LinkParams{})
	require.NoError(t, err)
	unlink, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company, Purpose: bankhub.PurposeUnlinkBankAccount, BankAccountXID: acct})
	require.NoError(t, err)
	_, html := getPage(t, unlink.HostedLinkURL)
	assert.Contains(t, html, `"account_number":"0123456789"`, "the page knows the account to unlink")
	code, _ := postJSON(t, unlink.HostedLinkURL+"/complete", map[string]string{"otp": "00000000"})
	assert.Equal(t, 400, code)
	code, out := postJSON(t, unlink.HostedLinkURL+"/complete", map[string]string{"otp": "12345678"})
	require.Equal(t, 200, code, "%v", out)
	assert.Equal(t, acct, out["bank_account_xid"])
	_, err = c.BankAccounts.Get(ctx, acct)
	assert.ErrorIs(t, err, bankhub.ErrNotFound, "unlinked accounts are gone")
	assert.Equal(t, 0, srv.Stats().BankAccounts)

	expiring, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company, Purpose: bankhub.PurposeLinkBankAccount})
	require.NoError(t, err)
	srv.Advance(2 * time.Hour) // link tokens live an hour
	_, html = getPage(t, expiring.HostedLinkURL)
	assert.Contains(t, html, `state = "Expired"`)
	code, out = postJSON(t, expiring.HostedLinkURL+"/lookup", map[string]string{"brand_name": "MBBank", "account_number": "0123456789"})
	assert.Equal(t, 410, code)
	assert.Equal(t, "Expired", out["state"])

	status, html := getPage(t, srv.URL+"/link/no-such-token")
	assert.Equal(t, 404, status)
	assert.Contains(t, html, `state = "Unknown"`)
}
