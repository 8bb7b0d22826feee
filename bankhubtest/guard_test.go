package bankhubtest_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A web page the developer visits can make the browser send requests to a
// fake on 127.0.0.1. The control API refuses them: another Origin, a
// cross-site fetch, or a body that is not JSON (what a page can send
// without a preflight).
func TestControlAPIRefusesWhatABrowserPageCanSend(t *testing.T) {
	t.Parallel()
	srv := bankhubtest.NewTestServer(t)
	target := `{"url":"http://attacker.example/ipn","api_key":"k"}`
	for name, tc := range map[string]struct {
		header map[string]string
		body   string
		status int
	}{
		"a text/plain form post":        {map[string]string{"Content-Type": "text/plain"}, target, http.StatusUnsupportedMediaType},
		"a urlencoded form post":        {map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, target, http.StatusUnsupportedMediaType},
		"no content type":               {nil, target, http.StatusUnsupportedMediaType},
		"another origin":                {map[string]string{"Content-Type": "application/json", "Origin": "http://attacker.example"}, target, http.StatusForbidden},
		"another port on the same host": {map[string]string{"Content-Type": "application/json", "Origin": "http://127.0.0.1:1"}, target, http.StatusForbidden},
		"a cross-site fetch":            {map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, target, http.StatusForbidden},
		"a JSON post from a program":    {map[string]string{"Content-Type": "application/json; charset=utf-8"}, target, http.StatusOK},
		"from the fake's own origin":    {map[string]string{"Content-Type": "application/json", "Origin": srv.URL, "Sec-Fetch-Site": "same-origin"}, target, http.StatusOK},
		"a body-less post":              {nil, "", http.StatusOK},
	} {
		path := "/__control/ipn-target"
		if tc.body == "" {
			path = "/__control/faults/clear"
		}
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(tc.body))
		require.NoError(t, err)
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, name)
	}
	// Only the program's requests changed the target.
	for _, d := range srv.Deliveries() {
		t.Errorf("unexpected delivery %+v", d)
	}
}

// Custom CSS goes into the hosted page's <style>: one with "<" is refused,
// since "</style>" would end it and let markup (and script) in.
func TestCustomCSSCannotEscapeTheStyleElement(t *testing.T) {
	t.Parallel()
	srv := bankhubtest.NewTestServer(t)
	c := srv.Client()
	ctx := context.Background()
	for _, css := range []string{"</style><img src=x onerror=alert(document.domain)>", "a{}</STYLE ><script>x()</script>", "<!--"} {
		// Client.Do: past the SDK's own checks, as any client could send it.
		err := c.Do(ctx, "POST", "/v1/merchant-config", nil, map[string]string{"global_hosted_link_custom_css": css}, nil)
		require.ErrorIs(t, err, bankhub.ErrValidation, css)
		assert.Contains(t, err.Error(), "global_hosted_link_custom_css")
	}
	_, err := c.MerchantConfig.Update(ctx, &bankhub.MerchantConfigUpdateParams{GlobalHostedLinkCustomCSS: bankhub.Ptr(".btn{color:#0a0}")})
	require.NoError(t, err)

	company := srv.AddCompany(bankhubtest.CompanyParams{})
	link, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company, Purpose: bankhub.PurposeLinkBankAccount})
	require.NoError(t, err)
	code, page := getPage(t, link.HostedLinkURL)
	require.Equal(t, 200, code)
	assert.Contains(t, page, ".btn{color:#0a0}")
}

// An account is linked to a company once while it is active; an unknown
// link token is not found (404), not a conflict.
func TestLinkingTwiceAndUnknownTokens(t *testing.T) {
	t.Parallel()
	srv := bankhubtest.NewTestServer(t)
	c := srv.Client()
	ctx := context.Background()
	company := srv.AddCompany(bankhubtest.CompanyParams{})
	first, err := srv.AddBankAccount(company, bankhubtest.LinkParams{BrandName: "ACB", AccountNumber: "4567890123"})
	require.NoError(t, err)
	_, err = srv.AddBankAccount(company, bankhubtest.LinkParams{BrandName: "acb", AccountNumber: "4567890123"})
	require.ErrorIs(t, err, bankhubtest.ErrAlreadyLinked)
	assert.Contains(t, err.Error(), first)

	link, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company, Purpose: bankhub.PurposeLinkBankAccount})
	require.NoError(t, err)
	_, err = srv.SimulateLink(ctx, link.LinkToken, bankhubtest.LinkParams{BrandName: "ACB", AccountNumber: "4567890123"})
	require.ErrorIs(t, err, bankhubtest.ErrAlreadyLinked)
	code, out := postJSON(t, srv.URL+"/__control/link", map[string]string{"link_token_xid": link.XID, "brand_name": "ACB", "account_number": "4567890123"})
	assert.Equal(t, http.StatusConflict, code)
	assert.Contains(t, out["error"], "already linked")
	// Another account, or the same one in another company, links.
	_, err = srv.SimulateLink(ctx, link.LinkToken, bankhubtest.LinkParams{BrandName: "ACB", AccountNumber: "4567890999"})
	require.NoError(t, err)
	_, err = srv.AddBankAccount(srv.AddCompany(bankhubtest.CompanyParams{}), bankhubtest.LinkParams{BrandName: "ACB", AccountNumber: "4567890123"})
	require.NoError(t, err)

	_, err = srv.SimulateLink(ctx, "nope", bankhubtest.LinkParams{})
	require.ErrorIs(t, err, bankhubtest.ErrNoLinkToken)
	require.ErrorIs(t, err, bankhubtest.ErrLinkToken)
	code, _ = postJSON(t, srv.URL+"/__control/link", map[string]string{"link_token_xid": "nope"})
	assert.Equal(t, http.StatusNotFound, code)
	code, _ = postJSON(t, srv.URL+"/__control/link", map[string]string{"link_token_xid": link.XID})
	assert.Equal(t, http.StatusConflict, code, "a used token is a conflict")
}

// What a screen reader needs of the hosted page: errors announced and tied
// to their field, the outcome's heading focused, the ✓ glyph hidden; and a
// favicon that is not a 404.
func TestHostedPageForScreenReaders(t *testing.T) {
	t.Parallel()
	srv := bankhubtest.NewTestServer(t)
	company := srv.AddCompany(bankhubtest.CompanyParams{})
	link, err := srv.Client().LinkTokens.Create(context.Background(), &bankhub.LinkTokenCreateParams{CompanyXID: company, Purpose: bankhub.PurposeLinkBankAccount})
	require.NoError(t, err)
	code, page := getPage(t, link.HostedLinkURL)
	require.Equal(t, 200, code)
	for _, want := range []string{
		`id="account" inputmode="numeric" autocomplete="off" aria-describedby="account-error"`,
		`id="account-error" role="alert"`,
		`aria-describedby="otp-error"`, `id="otp-error" role="alert"`,
		`setAttribute("aria-invalid", "true")`,
		`<div class="ok" aria-hidden="true">✓</div>`,
		`<h1 id="done-title" tabindex="-1">`, `$("done-title").focus()`,
	} {
		assert.Contains(t, page, want)
	}
	resp, err := http.Get(srv.URL + "/favicon.ico")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
}

// DNS rebinding: a page of attacker.example, its name made to resolve to
// 127.0.0.1, sends its own name in Host and the matching Origin; the
// Origin check alone let it drive the control API. The control API answers
// to its own names only: an IP address (rebinding needs a name), localhost,
// the host of the URL it gives out.
func TestControlAPIRefusesAnotherHostName(t *testing.T) {
	t.Parallel()
	srv := bankhubtest.NewTestServer(t)
	port := srv.URL[strings.LastIndexByte(srv.URL, ':'):]
	body := `{"url":"http://attacker.example/ipn","api_key":"k"}`
	for host, want := range map[string]int{
		"attacker.example" + port:              http.StatusForbidden,
		"attacker.example.":                    http.StatusForbidden,
		"127.0.0.1.nip.io" + port:              http.StatusForbidden,
		"localhost" + port:                     http.StatusOK,
		"LOCALHOST." + port:                    http.StatusOK,
		"127.0.0.1" + port:                     http.StatusOK,
		"[::1]" + port:                         http.StatusOK,
		"192.168.1.5" + port:                   http.StatusOK, // a phone on the LAN, by address
		strings.TrimPrefix(srv.URL, "http://"): http.StatusOK,
	} {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/__control/ipn-target", strings.NewReader(body))
		require.NoError(t, err)
		req.Host = host
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://"+host)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode, host)
	}

	// Given -public-url, that name is the fake's own.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	named, err := bankhubtest.Start(bankhubtest.WithAddr(addr), bankhubtest.WithPublicURL("http://bankhub-fake:8089"))
	require.NoError(t, err)
	defer named.Close()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/__control/health", nil)
	require.NoError(t, err)
	req.Host = "bankhub-fake:8089"
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// A completion_redirect_uri that is not http(s) (javascript:, data:) is
// refused (400): the hosted page would run it in the fake's origin, where
// it can drive the control API. The SDK refuses it too; a client in
// another language does not.
func TestLinkTokenRedirectMustBeHTTP(t *testing.T) {
	t.Parallel()
	srv := bankhubtest.NewTestServer(t)
	company := srv.AddCompany(bankhubtest.CompanyParams{})
	for _, uri := range []string{"javascript://x.example/%0Afetch('/__control/reset',{method:'POST'})", "data:text/html,<script>1</script>",
		"vbscript:x", "//no-scheme.example/done", "ftp://files.example/x"} {
		err := srv.Client().Do(context.Background(), "POST", "/v1/link-token/create", nil,
			map[string]any{"company_xid": company, "purpose": "LINK_BANK_ACCOUNT", "completion_redirect_uri": uri}, nil)
		require.ErrorIs(t, err, bankhub.ErrValidation, uri)
		assert.Contains(t, err.Error(), "completion_redirect_uri", uri)
	}
	var out struct {
		HostedLinkURL string `json:"hosted_link_url"`
	}
	require.NoError(t, srv.Client().Do(context.Background(), "POST", "/v1/link-token/create", nil,
		map[string]any{"company_xid": company, "purpose": "LINK_BANK_ACCOUNT", "completion_redirect_uri": "https://shop.example.vn/done"}, &out))
	_, page := getPage(t, out.HostedLinkURL)
	assert.Contains(t, page, `"https://shop.example.vn/done"`)
}
