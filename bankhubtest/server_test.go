package bankhubtest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newServer(t *testing.T, opts ...bankhubtest.ServerOption) *bankhubtest.Server {
	t.Helper()
	srv := bankhubtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// linked creates an active company with IPN enabled and links an account.
func linked(t *testing.T, srv *bankhubtest.Server, c *bankhub.Client) (companyXID, accountXID string) {
	t.Helper()
	ctx := context.Background()
	co, err := c.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "Công ty TNHH ABC " + t.Name(), Status: bankhub.CompanyActive})
	require.NoError(t, err)
	require.NoError(t, c.Companies.Update(ctx, co.XID, &bankhub.CompanyUpdateParams{TransactionAmount: bankhub.Ptr(bankhub.UnlimitedTransactions())}))
	lt, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: co.XID, Purpose: bankhub.PurposeLinkBankAccount})
	require.NoError(t, err)
	acct, err := srv.SimulateLink(ctx, lt.LinkToken, bankhubtest.LinkParams{})
	require.NoError(t, err)
	return co.XID, acct
}

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 4, 4))))
	return b.Bytes()
}

// TestEveryOperation drives all twenty operations of the SDK against the fake.
func TestEveryOperation(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := srv.Client()
	ctx := context.Background()

	// token
	tok, err := c.TokenSource().Token()
	require.NoError(t, err)
	assert.Len(t, tok.AccessToken, 40)

	// companies
	co, err := c.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "Công ty TNHH ABC", Status: bankhub.CompanyPending})
	require.NoError(t, err)
	assert.Equal(t, "Công ty TNHH ABC", co.FullName)
	require.NoError(t, c.Companies.Update(ctx, co.XID, &bankhub.CompanyUpdateParams{
		Status: bankhub.Ptr(bankhub.CompanyActive), PaymentCode: bankhub.Ptr(bankhub.PaymentCodeOn), PaymentCodePrefix: bankhub.Ptr("DH"),
		PaymentCodeSuffixFrom: bankhub.Ptr(6), PaymentCodeSuffixTo: bankhub.Ptr(6), PaymentCodeSuffixCharacterType: bankhub.Ptr(bankhub.SuffixNumberOnly),
		TransactionAmount: bankhub.Ptr(bankhub.UnlimitedTransactions()),
	}))
	got, err := c.Companies.Get(ctx, co.XID)
	require.NoError(t, err)
	assert.Equal(t, bankhub.CompanyActive, got.Status)
	assert.True(t, bool(got.Active))
	require.NotNil(t, got.Configuration)
	assert.Equal(t, bankhub.CompanyConfiguration{PaymentCode: "on", PaymentCodePrefix: "DH", PaymentCodeSuffixFrom: 6, PaymentCodeSuffixTo: 6,
		PaymentCodeSuffixCharacterType: "NumberOnly", DataStorageTime: "30", TransactionAmount: bankhub.UnlimitedTransactions()}, *got.Configuration)
	page, err := c.Companies.List(ctx, &bankhub.CompanyListParams{Query: "abc", Status: bankhub.CompanyActive})
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	assert.Equal(t, bankhub.PageMeta{Page: 1, PerPage: 20, Total: 1, TotalPages: 1}, page.Meta)

	// link tokens
	lt, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: co.XID, Purpose: bankhub.PurposeLinkBankAccount, Language: bankhub.LanguageEnglish, IsMobileApp: true})
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/link/"+lt.XID, lt.HostedLinkURL)
	assert.WithinDuration(t, time.Now().Add(time.Hour), lt.ExpiresAt.Time, 5*time.Second)
	detail, err := c.LinkTokens.Get(ctx, lt.LinkToken)
	require.NoError(t, err)
	assert.Equal(t, bankhub.LinkTokenActive, detail.Status)
	assert.Equal(t, bankhub.LanguageEnglish, detail.Language)
	assert.True(t, bool(detail.IsMobileApp))
	assert.Equal(t, co.XID, detail.Company.XID)
	require.Len(t, detail.Events, 1)
	assert.Equal(t, bankhub.EventLinkTokenCreated, detail.Events[0].Name)

	acct, err := srv.SimulateLink(ctx, lt.LinkToken, bankhubtest.LinkParams{})
	require.NoError(t, err)
	detail, err = c.LinkTokens.Get(ctx, lt.LinkToken)
	require.NoError(t, err)
	assert.Equal(t, 1, detail.SessionCount)
	assert.Equal(t, bankhub.StateFinishedBankAccountLink, detail.Sessions[0].State)
	assert.Len(t, detail.Events, 7)

	// bank accounts
	accts, err := c.BankAccounts.List(ctx, &bankhub.BankAccountListParams{CompanyXID: co.XID, PerPage: 10})
	require.NoError(t, err)
	require.Len(t, accts.Data, 1)
	assert.Equal(t, acct, accts.Data[0].XID)
	assert.Equal(t, bankhub.AccountIndividual, accts.Data[0].AccountType)
	ba, err := c.BankAccounts.Get(ctx, acct)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", ba.AccountNumber)
	assert.Equal(t, "NGUYEN VAN A", ba.AccountHolderName)
	assert.Equal(t, []bankhub.VirtualAccount{}, ba.VAList)

	// transactions
	sim, err := c.Transactions.Simulate(ctx, &bankhub.SimulateTransactionParams{BankAccountXID: acct, TransferType: bankhub.TransferCredit, Amount: 500000, TransactionContent: "Thanh toan DH123456"})
	require.NoError(t, err)
	assert.Equal(t, bankhub.VND(500000), sim.Amount)
	assert.Equal(t, bankhub.TransferCredit, sim.TransferType)
	tx, err := c.Transactions.Get(ctx, sim.TransactionID)
	require.NoError(t, err)
	assert.Equal(t, bankhub.TransferIn, tx.TransferType)
	assert.Equal(t, "DH123456", tx.PaymentCode, "extracted with the company's payment-code settings")
	assert.Equal(t, sim.ReferenceNumber, tx.ReferenceNumber)
	txs, err := c.Transactions.List(ctx, &bankhub.TransactionListParams{CompanyXID: co.XID, TransferType: bankhub.TransferIn, TransactionDate: bankhub.DateOf(time.Now())})
	require.NoError(t, err)
	require.Len(t, txs.Data, 1)
	assert.Equal(t, bankhub.PageMeta{Page: 1, PerPage: 20, Total: 1, TotalPages: 1}, txs.Meta)
	counter, err := c.Companies.Counter(ctx, co.XID, nil)
	require.NoError(t, err)
	assert.Equal(t, bankhub.CounterTotals{Transaction: 1, TransactionIn: 1}, counter.Total)
	mc, err := c.MerchantConfig.Counter(ctx, nil)
	require.NoError(t, err)
	require.Len(t, mc.Dates, 1)
	assert.Equal(t, "1", mc.Dates[0].CompanyID)

	// merchant config
	cfg, err := c.MerchantConfig.Update(ctx, &bankhub.MerchantConfigUpdateParams{TransactionWhitelistRemarkKeywords: []string{" thanh toan ", "payment", "payment"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"thanh toan", "payment"}, cfg.TransactionWhitelistRemarkKeywords)
	url, err := c.MerchantConfig.UploadLogo(ctx, "logo.png", bytes.NewReader(pngBytes(t)))
	require.NoError(t, err)
	cfg, err = c.MerchantConfig.Get(ctx)
	require.NoError(t, err)
	assert.Equal(t, url, cfg.LogoURL)

	// webhook config
	none, err := c.Webhooks.Get(ctx)
	require.NoError(t, err)
	assert.Nil(t, none)
	set, err := c.Webhooks.Set(ctx, &bankhub.WebhookConfigParams{WebhookURL: "https://shop.example.vn/hooks", SecretKey: "whsec-12345678"})
	require.NoError(t, err)
	assert.Equal(t, "whsec-12345678", set.SecretKey)
	wh, err := c.Webhooks.Get(ctx)
	require.NoError(t, err)
	assert.Equal(t, "***5678", wh.SecretKey, "the secret comes back masked")
	assert.Equal(t, []bankhub.EventType{bankhub.EventAll}, wh.AllowEvents)

	// revoke
	lt2, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: co.XID, Purpose: bankhub.PurposeUnlinkBankAccount, BankAccountXID: acct})
	require.NoError(t, err)
	require.NoError(t, c.LinkTokens.Revoke(ctx, lt2.XID))
	assert.ErrorIs(t, c.LinkTokens.Revoke(ctx, lt2.XID), bankhub.ErrNotFound, "revoking twice is a 404")
	assert.ErrorIs(t, srv.SimulateUnlink(ctx, lt2.LinkToken), bankhubtest.ErrLinkToken)

	seen := map[string]bool{}
	for _, r := range srv.Requests() {
		seen[r.Op] = true
	}
	assert.Len(t, seen, 20, "every operation was exercised: %v", seen)
}

// raw sends a request without the SDK.
func raw(t *testing.T, srv *bankhubtest.Server, method, path, auth, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func bearer(t *testing.T, srv *bankhubtest.Server) string {
	status, body := raw(t, srv, "POST", "/v1/token", basic(srv.ClientID, srv.ClientSecret), "", "")
	require.Equal(t, 201, status)
	assert.EqualValues(t, 201, body["code"])
	return "Bearer " + body["access_token"].(string)
}

func TestStrictness(t *testing.T) {
	t.Parallel()
	srv := newServer(t, bankhubtest.WithCredentials("merchant", "s3cret"))
	auth := bearer(t, srv)
	companyXID := srv.AddCompany(bankhubtest.CompanyParams{FullName: "Công ty TNHH ABC"})
	const js = "application/json"
	cases := []struct {
		name, method, path, auth, ct, body string
		status                             int
		field                              string
	}{
		{"token wrong secret", "POST", "/v1/token", basic("merchant", "nope"), "", "", 401, ""},
		{"token with bearer", "POST", "/v1/token", auth, "", "", 401, ""},
		{"basic on business call", "GET", "/v1/company", basic("merchant", "s3cret"), "", "", 401, ""},
		{"unknown token", "GET", "/v1/company", "Bearer 0000", "", "", 401, ""},
		{"no auth", "GET", "/v1/webhook", "", "", "", 401, ""},
		{"no content type", "POST", "/v1/company/create", auth, "", `{"full_name":"X","status":"Active"}`, 400, ""},
		{"bad json", "POST", "/v1/company/create", auth, js, `{"full_name":`, 400, "body"},
		{"company status", "POST", "/v1/company/create", auth, js, `{"full_name":"X","status":"Suspended"}`, 400, "status"},
		{"company name too long", "POST", "/v1/company/create", auth, js, `{"full_name":"` + strings.Repeat("a", 201) + `","status":"Active"}`, 400, "full_name"},
		{"company duplicate", "POST", "/v1/company/create", auth, js, `{"full_name":"Công ty TNHH ABC","status":"Active"}`, 400, "full_name"},
		{"company unknown", "GET", "/v1/company/nope", auth, "", "", 404, ""},
		{"company edit unknown", "POST", "/v1/company/edit/nope", auth, js, `{"status":"Active"}`, 404, ""},
		{"company edit prefix", "POST", "/v1/company/edit/" + companyXID, auth, js, `{"payment_code_prefix":"D1"}`, 400, "payment_code_prefix"},
		{"company edit amount", "POST", "/v1/company/edit/" + companyXID, auth, js, `{"transaction_amount":"lots"}`, 400, "transaction_amount"},
		{"link token no company", "POST", "/v1/link-token/create", auth, js, `{"purpose":"LINK_BANK_ACCOUNT"}`, 400, "company_xid"},
		{"link token purpose", "POST", "/v1/link-token/create", auth, js, `{"company_xid":"` + companyXID + `","purpose":"LINK"}`, 400, "purpose"},
		{"unlink without account", "POST", "/v1/link-token/create", auth, js, `{"company_xid":"` + companyXID + `","purpose":"UNLINK_BANK_ACCOUNT"}`, 400, "bank_account_xid"},
		{"unlink unknown account", "POST", "/v1/link-token/create", auth, js, `{"company_xid":"` + companyXID + `","purpose":"UNLINK_BANK_ACCOUNT","bank_account_xid":"nope"}`, 404, ""},
		{"link token unknown company", "POST", "/v1/link-token/create", auth, js, `{"company_xid":"nope","purpose":"LINK_BANK_ACCOUNT"}`, 404, ""},
		{"link token get unknown", "POST", "/v1/link-token/get", auth, js, `{"link_token":"nope"}`, 404, ""},
		{"link token revoke unknown", "POST", "/v1/link-token/revoke", auth, js, `{"link_token_xid":"nope"}`, 404, ""},
		{"bank account per_page", "GET", "/v1/bank-account?per_page=101", auth, "", "", 400, "per_page"},
		{"bank account limit", "GET", "/v1/bank-account?limit=0", auth, "", "", 400, "limit"},
		{"bank account unknown", "GET", "/v1/bank-account/nope", auth, "", "", 404, ""},
		{"transaction date", "GET", "/v1/transaction?transaction_date=13-01-2026", auth, "", "", 400, "transaction_date"},
		{"transaction transfer_type", "GET", "/v1/transaction?transfer_type=credit", auth, "", "", 400, "transfer_type"},
		{"transaction unknown", "GET", "/v1/transaction/nope", auth, "", "", 404, ""},
		{"simulate amount string", "POST", "/v1/transaction/create", auth, js, `{"bank_account_xid":"b","transfer_type":"in","amount":"5","transaction_content":"x"}`, 400, "amount"},
		{"simulate unknown account", "POST", "/v1/transaction/create", auth, js, `{"bank_account_xid":"b","transfer_type":"in","amount":5,"transaction_content":"x"}`, 404, ""},
		{"merchant counter order", "GET", "/v1/merchant-config/counter?start_date=2026-02-02&end_date=2026-02-01", auth, "", "", 400, "end_date"},
		{"merchant counter date", "GET", "/v1/merchant-config/counter?start_date=2026-02-30", auth, "", "", 400, "start_date"},
		{"merchant config script", "POST", "/v1/merchant-config", auth, js, `{"global_hosted_link_custom_css":"<script>x</script>"}`, 400, "global_hosted_link_custom_css"},
		{"merchant keywords not array", "POST", "/v1/merchant-config", auth, js, `{"transaction_whitelist_remark_keywords":"a"}`, 400, "transaction_whitelist_remark_keywords"},
		{"webhook url", "POST", "/v1/webhook", auth, js, `{"webhook_url":"not a url","secret_key":"k"}`, 400, ""},
		{"webhook event", "POST", "/v1/webhook", auth, js, `{"webhook_url":"https://x.vn/h","secret_key":"k","allow_events":["NOPE"]}`, 400, ""},
		{"unknown path", "GET", "/v1/nothing", auth, "", "", 404, ""},
	}
	for _, tc := range cases {
		status, body := raw(t, srv, tc.method, tc.path, tc.auth, tc.ct, tc.body)
		assert.Equal(t, tc.status, status, tc.name)
		if tc.field != "" {
			errs, _ := body["errors"].(map[string]any)
			assert.Contains(t, errs, tc.field, tc.name)
		}
	}
	// The 404 of company get/edit has the {code, message, status, error} shape.
	_, body := raw(t, srv, "GET", "/v1/company/nope", auth, "", "")
	assert.EqualValues(t, 404, body["status"])
	assert.NotEmpty(t, body["error"])
}

func TestLogoStrictness(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	auth := bearer(t, srv)
	upload := func(name, ctype string, content []byte) int {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		h := map[string][]string{"Content-Disposition": {`form-data; name="logo"; filename="` + name + `"`}, "Content-Type": {ctype}}
		part, _ := mw.CreatePart(h)
		part.Write(content)
		mw.Close()
		status, _ := raw(t, srv, "POST", "/v1/merchant-config/logo", auth, mw.FormDataContentType(), b.String())
		return status
	}
	img := pngBytes(t)
	assert.Equal(t, 200, upload("a.png", "image/png", img))
	assert.Equal(t, 400, upload("a.gif", "image/gif", []byte("GIF89a....")))
	assert.Equal(t, 400, upload("a.jpg", "image/png", img), "extension must match the content")
	assert.Equal(t, 400, upload("a.png", "image/jpeg", img), "MIME must match the content")
	assert.Equal(t, 413, upload("big.png", "image/png", append(img, make([]byte, 1<<20)...)))
	status, _ := raw(t, srv, "POST", "/v1/merchant-config/logo", auth, "application/json", `{}`)
	assert.Equal(t, 400, status)
}

func TestProductionRefusesSimulation(t *testing.T) {
	t.Parallel()
	srv := newServer(t, bankhubtest.WithProduction())
	c := srv.Client()
	_, acct := linked(t, srv, c)
	_, err := c.Transactions.Simulate(context.Background(), &bankhub.SimulateTransactionParams{BankAccountXID: acct, TransferType: bankhub.TransferCredit, Amount: 1, TransactionContent: "x"})
	assert.ErrorIs(t, err, bankhub.ErrForbidden)
}

func TestTokensExpire(t *testing.T) {
	t.Parallel()
	srv := newServer(t, bankhubtest.WithTokenTTL(time.Second))
	auth := bearer(t, srv)
	status, _ := raw(t, srv, "GET", "/v1/webhook", auth, "", "")
	assert.Equal(t, 200, status)
	srv.Advance(500 * time.Millisecond)
	status, _ = raw(t, srv, "GET", "/v1/webhook", auth, "", "")
	assert.Equal(t, 200, status, "valid until its ttl has passed")
	srv.Advance(500 * time.Millisecond) // the fake's clock: wall time plus every Advance
	status, _ = raw(t, srv, "GET", "/v1/webhook", auth, "", "")
	assert.Equal(t, 401, status, "an expired token is refused")

	// The SDK refreshes by itself.
	c := srv.Client()
	_, err := c.Webhooks.Get(context.Background())
	require.NoError(t, err)
	srv.ExpireTokens()
	_, err = c.Webhooks.Get(context.Background())
	require.NoError(t, err, "a 401 is answered by one refresh and a replay")
	assert.Equal(t, 3, srv.Count(bankhubtest.OpToken))
}

func TestFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("5xx on a read is retried", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		srv.FailNext(bankhubtest.OpWebhookGet, 2, 503, 0)
		_, err := srv.Client().Webhooks.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, srv.Count(bankhubtest.OpWebhookGet))
	})
	t.Run("5xx on a create is not", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		srv.FailNext(bankhubtest.OpCompanyCreate, 1, 503, 0)
		_, err := srv.Client().Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "X", Status: bankhub.CompanyActive})
		assert.ErrorIs(t, err, bankhub.ErrServer)
		assert.Equal(t, 1, srv.Count(bankhubtest.OpCompanyCreate))
	})
	t.Run("429 with Retry-After on a create is retried", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		srv.FailNext(bankhubtest.OpCompanyCreate, 1, 429, time.Second)
		start := time.Now()
		_, err := srv.Client().Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "X", Status: bankhub.CompanyActive})
		require.NoError(t, err)
		assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
		assert.Equal(t, 2, srv.Count(bankhubtest.OpCompanyCreate))
	})
	t.Run("block page", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		srv.BlockNext(bankhubtest.OpToken, 1)
		_, err := srv.Client().Webhooks.Get(ctx)
		assert.ErrorIs(t, err, bankhub.ErrBlocked)
		var ne *bankhub.NonJSONError
		require.ErrorAs(t, err, &ne)
		assert.Equal(t, "8f3b2c1d4e5a6b7c-SIN", ne.RayID)
	})
	t.Run("dropped connection on a read is retried", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		srv.DropNext(bankhubtest.OpMerchantConfigGet, 1)
		_, err := srv.Client().MerchantConfig.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, 2, srv.Count(bankhubtest.OpMerchantConfigGet))
	})
	t.Run("slow answer and a deadline", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		srv.HangNext(bankhubtest.OpCompanyList, 1, 5*time.Second)
		c := srv.Client()
		_, err := c.TokenSource().Token()
		require.NoError(t, err)
		dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = c.Companies.List(dctx, nil)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), time.Second)
	})
}

// TestEndToEnd links an account, receives the webhook events in a
// NewWebhookHandler and the IPN in a NewIPNHandler, and finds the
// transaction through Transactions.All.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	var events []*bankhub.Event
	var ipns []*bankhub.IPN
	mux := http.NewServeMux()
	mux.Handle("/events", bankhub.NewWebhookHandler("whsec-e2e", func(_ context.Context, ev *bankhub.Event) error {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, ev)
		return nil
	}))
	mux.Handle("/ipn", bankhub.NewIPNHandler("ipn-e2e", func(_ context.Context, n *bankhub.IPN) error {
		mu.Lock()
		defer mu.Unlock()
		ipns = append(ipns, n)
		return nil
	}))
	merchant := httptest.NewServer(mux)
	defer merchant.Close()

	srv := newServer(t, bankhubtest.WithIPN(merchant.URL+"/ipn", "ipn-e2e"))
	c := srv.Client()
	_, err := c.Webhooks.Set(ctx, &bankhub.WebhookConfigParams{WebhookURL: merchant.URL + "/events", SecretKey: "whsec-e2e"})
	require.NoError(t, err)
	companyXID, acct := linked(t, srv, c)

	mu.Lock()
	var names []bankhub.EventType
	for _, ev := range events {
		names = append(names, ev.Type)
	}
	mu.Unlock()
	assert.Equal(t, []bankhub.EventType{
		bankhub.EventLinkTokenCreated, bankhub.EventLinkSessionInitialized,
		bankhub.EventLinkSessionStateChanged, bankhub.EventLinkSessionStateChanged, bankhub.EventLinkSessionStateChanged,
		bankhub.EventBankAccountLinked, bankhub.EventLinkSessionCompleted,
	}, names)
	linkedEv, err := events[5].BankAccount()
	require.NoError(t, err)
	assert.Equal(t, acct, linkedEv.BankAccountXID)

	sim, err := c.Transactions.Simulate(ctx, &bankhub.SimulateTransactionParams{BankAccountXID: acct, TransferType: bankhub.TransferCredit, Amount: 750000, TransactionContent: "Thanh toan DH42"})
	require.NoError(t, err)
	require.Len(t, ipns, 1)
	assert.Equal(t, sim.TransactionID, ipns[0].TransactionID)
	assert.Equal(t, bankhub.VND(750000), ipns[0].Amount)
	assert.Equal(t, bankhub.TransferCredit, ipns[0].TransferType)
	assert.Equal(t, acct, ipns[0].BankAccountXID)

	var found *bankhub.Transaction
	for tx, err := range c.Transactions.All(ctx, &bankhub.TransactionListParams{CompanyXID: companyXID}) {
		require.NoError(t, err)
		if tx.TransactionID == ipns[0].TransactionID {
			found = &tx
		}
	}
	require.NotNil(t, found)
	assert.Equal(t, bankhub.VND(750000), found.Amount)
	assert.True(t, bool(found.WebhookSuccess), "the IPN was acknowledged")
	for _, d := range srv.Deliveries() {
		assert.Equal(t, 200, d.Status, d.Name)
		assert.Equal(t, 1, d.Attempts)
	}
}

func TestUnlinkFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var got []bankhub.EventType
	var unlinked bool
	merchant := httptest.NewServer(bankhub.NewWebhookHandler("k", func(_ context.Context, ev *bankhub.Event) error {
		got = append(got, ev.Type)
		unlinked = unlinked || ev.Unlinked()
		return nil
	}))
	defer merchant.Close()
	srv := newServer(t)
	c := srv.Client()
	companyXID, acct := linked(t, srv, c)
	_, err := c.Webhooks.Set(ctx, &bankhub.WebhookConfigParams{WebhookURL: merchant.URL, SecretKey: "k",
		AllowEvents: []bankhub.EventType{bankhub.EventBankAccountUnlinked, bankhub.EventLinkSessionCompleted}})
	require.NoError(t, err)
	lt, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: companyXID, Purpose: bankhub.PurposeUnlinkBankAccount, BankAccountXID: acct})
	require.NoError(t, err)
	assert.ErrorIs(t, func() error { _, err := srv.SimulateLink(ctx, lt.LinkToken, bankhubtest.LinkParams{}); return err }(), bankhubtest.ErrLinkToken)
	require.NoError(t, srv.SimulateUnlink(ctx, lt.LinkToken))
	assert.Equal(t, []bankhub.EventType{bankhub.EventBankAccountUnlinked, bankhub.EventLinkSessionCompleted}, got, "only subscribed events")
	assert.True(t, unlinked)
	_, err = c.BankAccounts.Get(ctx, acct)
	assert.ErrorIs(t, err, bankhub.ErrNotFound)
	page, err := c.BankAccounts.List(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, page.Data)
	assert.ErrorIs(t, srv.SimulateUnlink(ctx, lt.LinkToken), bankhubtest.ErrLinkToken, "a used token cannot be reused")
}

func TestIPNPreconditions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var n int
	var mu sync.Mutex
	merchant := httptest.NewServer(bankhub.NewIPNHandler("key", func(context.Context, *bankhub.IPN) error {
		mu.Lock()
		n++
		mu.Unlock()
		return nil
	}))
	defer merchant.Close()
	srv := newServer(t, bankhubtest.WithIPN(merchant.URL, "key"))
	c := srv.Client()
	co, err := c.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "No IPN yet", Status: bankhub.CompanyActive})
	require.NoError(t, err)
	lt, err := c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: co.XID, Purpose: bankhub.PurposeLinkBankAccount})
	require.NoError(t, err)
	acct, err := srv.SimulateLink(ctx, lt.LinkToken, bankhubtest.LinkParams{})
	require.NoError(t, err)
	transfer := func(content string) {
		_, err := srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: acct, Amount: 1000, Content: content})
		require.NoError(t, err)
	}
	transfer("before")
	assert.Equal(t, 0, n, "transaction_amount 0: no IPN")
	require.NoError(t, c.Companies.Update(ctx, co.XID, &bankhub.CompanyUpdateParams{TransactionAmount: bankhub.Ptr(bankhub.TransactionCount(10))}))
	transfer("after")
	assert.Equal(t, 1, n)
	_, err = c.MerchantConfig.Update(ctx, &bankhub.MerchantConfigUpdateParams{TransactionWhitelistRemarkKeywords: []string{"thanh toan"}})
	require.NoError(t, err)
	transfer("unrelated")
	transfer("THANH TOAN DH1")
	assert.Equal(t, 2, n, "the keyword whitelist filters IPN")
	_, err = srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: "nope", Amount: 1})
	assert.ErrorIs(t, err, bankhubtest.ErrNoBankAccount)
}

func TestDeliveryRetriesOnlyOnNetworkFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + l.Addr().String()
	l.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer failing.Close()

	srv := newServer(t, bankhubtest.WithDeliveryRetries(3, time.Millisecond), bankhubtest.WithIPN(closed, "k"))
	c := srv.Client()
	_, acct := linked(t, srv, c)
	_, err = c.Webhooks.Set(ctx, &bankhub.WebhookConfigParams{WebhookURL: failing.URL, SecretKey: "k", AllowEvents: []bankhub.EventType{bankhub.EventLinkTokenCreated}})
	require.NoError(t, err)
	_, err = srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: acct, Amount: 5})
	require.NoError(t, err)
	_, err = c.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: srv.AddCompany(bankhubtest.CompanyParams{FullName: "Y", TransactionAmount: bankhub.Ptr(bankhub.TransactionCount(0))}), Purpose: bankhub.PurposeLinkBankAccount})
	require.NoError(t, err)
	ds := srv.Deliveries()
	require.Len(t, ds, 2)
	assert.Equal(t, bankhubtest.DeliveryIPN, ds[0].Kind)
	assert.Equal(t, 4, ds[0].Attempts, "connection refused: 1 + 3 retries")
	assert.Error(t, ds[0].Err)
	assert.Equal(t, 0, ds[0].Status)
	assert.Equal(t, bankhubtest.DeliveryEvent, ds[1].Kind)
	assert.Equal(t, 1, ds[1].Attempts, "an answer, even a 500, is not retried")
	assert.Equal(t, 500, ds[1].Status)
	tx, err := c.Transactions.List(ctx, nil)
	require.NoError(t, err)
	assert.False(t, bool(tx.Data[0].WebhookSuccess))
}

func TestHonestPagination(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	for i := range 25 {
		srv.AddCompany(bankhubtest.CompanyParams{FullName: "Company " + string(rune('A'+i)), TransactionAmount: bankhub.Ptr(bankhub.TransactionCount(0))})
	}
	c := srv.Client()
	var names []string
	for co, err := range c.Companies.All(context.Background(), &bankhub.CompanyListParams{PerPage: 10, SortCreatedAt: bankhub.SortAsc}) {
		require.NoError(t, err)
		names = append(names, co.FullName)
	}
	require.Len(t, names, 25)
	assert.Equal(t, "Company A", names[0])
	assert.Equal(t, "Company Y", names[24])
	assert.Equal(t, 3, srv.Count(bankhubtest.OpCompanyList))
	page, err := c.Companies.List(context.Background(), &bankhub.CompanyListParams{Page: 3, PerPage: 10})
	require.NoError(t, err)
	assert.Equal(t, bankhub.PageMeta{Page: 3, PerPage: 10, Total: 25, TotalPages: 3}, page.Meta)
	assert.Len(t, page.Data, 5)
	assert.Equal(t, "Company E", page.Data[0].FullName, "newest first by default")
}
