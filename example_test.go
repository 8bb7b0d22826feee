package bankhub_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
)

// The fake server stands in for Bank Hub so that the examples run offline.
func fakeClient() (*bankhubtest.Server, *bankhub.Client) {
	srv := bankhubtest.NewServer()
	return srv, srv.Client()
}

func Example() {
	srv, client := fakeClient() // bankhub.NewClient(clientID, clientSecret, bankhub.WithSandbox())
	defer srv.Close()
	ctx := context.Background()

	company, err := client.Companies.Create(ctx, &bankhub.CompanyCreateParams{
		FullName: "Công ty TNHH ABC",
		Status:   bankhub.CompanyActive,
	})
	if err != nil {
		log.Fatal(err)
	}
	link, err := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{
		CompanyXID: company.XID,
		Purpose:    bankhub.PurposeLinkBankAccount,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("open for the user:", link.HostedLinkURL != "")
	// Output: open for the user: true
}

func ExampleNewClient() {
	client, err := bankhub.NewClient(
		os.Getenv("BANKHUB_CLIENT_ID"), os.Getenv("BANKHUB_CLIENT_SECRET"),
		bankhub.WithSandbox(),
		bankhub.WithUserAgent("myshop/1.0"),
		bankhub.WithRetryPolicy(bankhub.RetryPolicy{MaxRetries: 5, MaxRetryAfter: time.Minute}),
		bankhub.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(client.BaseURL())
}

func ExampleAPIError() {
	srv, client := fakeClient()
	defer srv.Close()

	_, err := client.Companies.Get(context.Background(), "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b")
	var apiErr *bankhub.APIError
	switch {
	case errors.Is(err, bankhub.ErrNotFound):
		fmt.Println("no such company")
	case errors.As(err, &apiErr):
		fmt.Println("API error", apiErr.StatusCode, apiErr.Message, apiErr.FieldErrors)
	case err != nil:
		fmt.Println("transport error:", err)
	}
	// Output: no such company
}

func ExampleParamError() {
	srv, client := fakeClient()
	defer srv.Close()

	_, err := client.LinkTokens.Create(context.Background(), &bankhub.LinkTokenCreateParams{
		CompanyXID: "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b",
		Purpose:    bankhub.PurposeUnlinkBankAccount, // needs BankAccountXID
	})
	fmt.Println(errors.Is(err, bankhub.ErrInvalidParams))
	fmt.Println(err)
	// Output:
	// true
	// bankhub: LinkTokens.Create: invalid params: bank_account_xid: required when purpose is UNLINK_BANK_ACCOUNT
}

func ExampleTransactionService_All() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()

	params := &bankhub.TransactionListParams{
		StartTransactionDate: bankhub.NewDate(2026, time.January, 1),
		EndTransactionDate:   bankhub.NewDate(2026, time.January, 31),
		TransferType:         bankhub.TransferIn,
	}
	var total bankhub.VND
	for tx, err := range client.Transactions.All(ctx, params) {
		if err != nil {
			log.Fatal(err)
		}
		total += tx.Amount
	}
	fmt.Println("received in January:", total)
	// Output: received in January: 0 VND
}

func ExampleCompanyService_Update() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	company, _ := client.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "Công ty TNHH ABC", Status: bankhub.CompanyActive})

	// Only the fields set are sent. IPNs are sent only for companies whose
	// transaction_amount is above zero or Unlimited.
	err := client.Companies.Update(ctx, company.XID, &bankhub.CompanyUpdateParams{
		TransactionAmount:              bankhub.Ptr(bankhub.UnlimitedTransactions()),
		PaymentCode:                    bankhub.Ptr(bankhub.PaymentCodeOn),
		PaymentCodePrefix:              bankhub.Ptr("DH"),
		PaymentCodeSuffixFrom:          bankhub.Ptr(6),
		PaymentCodeSuffixTo:            bankhub.Ptr(8),
		PaymentCodeSuffixCharacterType: bankhub.Ptr(bankhub.SuffixNumberOnly),
	})
	if err != nil {
		log.Fatal(err)
	}
	got, err := client.Companies.Get(ctx, company.XID)
	if err != nil {
		log.Fatal(err)
	}
	c := got.Configuration
	fmt.Println(c.PaymentCode, c.PaymentCodePrefix, c.PaymentCodeSuffixFrom, c.PaymentCodeSuffixTo, c.PaymentCodeSuffixCharacterType, c.TransactionAmount)
	// Output: on DH 6 8 NumberOnly Unlimited
}

func ExampleMerchantConfigService_UploadLogo() {
	srv, client := fakeClient()
	defer srv.Close()

	logo, err := os.Open("testdata/logo.png")
	if err != nil {
		log.Fatal(err)
	}
	defer logo.Close()
	url, err := client.MerchantConfig.UploadLogo(context.Background(), "logo.png", logo)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(url != "")
	// Output: true
}

func ExampleNewWebhookHandler() {
	secret := "whsec-from-Webhooks.Set" // the secret_key you configured
	http.Handle("POST /bankhub/events", bankhub.NewWebhookHandler(secret,
		func(ctx context.Context, ev *bankhub.Event) error {
			switch ev.Type.Canonical() {
			case bankhub.EventBankAccountLinked:
				acct, err := ev.BankAccount()
				if err != nil {
					return err
				}
				fmt.Println("linked", acct.BrandName, acct.AccountNumber)
			}
			return nil // an error answers 500
		},
		bankhub.WithDedupe(bankhub.NewMemoryDedupe(0, 0)),
	))
}

func ExampleNewIPNHandler() {
	apiKey := "key-issued-by-SePay"
	h := bankhub.NewIPNHandler(apiKey, func(ctx context.Context, n *bankhub.IPN) error {
		fmt.Println(n.TransactionID, n.TransferType, n.Amount, n.PaymentCode)
		return nil
	}, bankhub.WithDedupe(bankhub.NewMemoryDedupe(0, 0)))

	// In a test: build the request SePay would send.
	req, _ := bankhub.NewIPNTestRequest("/bankhub/ipn", apiKey, []byte(`{
		"gateway": "MBBank", "transaction_date": "2026-01-13 20:55:04", "account_number": "0123456789",
		"transfer_type": "credit", "amount": 500000, "payment_code": "DH123456",
		"content": "Thanh toan DH123456", "transaction_id": "a47b6ab2-8f8b-11f0-b21a-a6006ab65aca"}`))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	h.ServeHTTP(httptest.NewRecorder(), req.Clone(context.Background())) // a redelivery: acknowledged, not handled again
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	// Output:
	// a47b6ab2-8f8b-11f0-b21a-a6006ab65aca credit 500,000 VND DH123456
	// 200 {"success":true}
}

func ExampleWithRetryPolicy() {
	for _, p := range []bankhub.RetryPolicy{
		{MaxRetries: 5, MaxRetryAfter: time.Minute},
		bankhub.NoRetry,
	} {
		_, err := bankhub.NewClient("id", "secret", bankhub.WithRetryPolicy(p))
		fmt.Println(err)
	}
	_, err := bankhub.NewClient("id", "secret", bankhub.WithRetryPolicy(bankhub.RetryPolicy{MaxRetries: -1}))
	fmt.Println(err)
	// Output:
	// <nil>
	// <nil>
	// bankhub: RetryPolicy.MaxRetries must not be negative
}

func ExampleWithLogger() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, err := bankhub.NewClient("id", "secret", bankhub.WithLogger(logger))
	fmt.Println(err)
	// Output: <nil>
}

func ExampleWithBaseURL() {
	fake := bankhubtest.NewServer()
	defer fake.Close()
	for _, opts := range [][]bankhub.Option{
		nil,
		{bankhub.WithSandbox()},
		{bankhub.WithBaseURL(fake.URL)},
	} {
		c, _ := bankhub.NewClient("id", "secret", opts...)
		fmt.Println(c.BaseURL() == fake.URL, c.BaseURL() == bankhub.ProductionURL, c.BaseURL() == bankhub.SandboxURL)
	}
	// Output:
	// false true false
	// false false true
	// true false false
}

// One function credits the order; the IPN handler and the reconciler both
// call it, through one store, so each transaction is credited once whether
// its IPN arrived, failed or never came.
func ExampleNewReconciler() {
	credited := map[string]bankhub.VND{}
	credit := bankhub.IncomingOnly(func(ctx context.Context, n *bankhub.IPN) error { // a refund is not a payment
		credited[n.TransactionID] += n.Amount // in real code: mark the order for n.PaymentCode paid
		return nil
	})
	store := bankhub.NewMemoryDedupe(0, 0) // redisstore.NewDedupe(rdb) with several replicas
	ipn := httptest.NewServer(bankhub.NewIPNHandler("ipn-key", credit, bankhub.WithDedupe(store)))
	defer ipn.Close()

	// The fake plays SePay and the bank.
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	account, err := srv.AddBankAccount(srv.AddCompany(bankhubtest.CompanyParams{FullName: "Công ty TNHH ABC"}), bankhubtest.LinkParams{})
	if err != nil {
		log.Fatal(err)
	}
	srv.SetIPN(ipn.URL, "ipn-key")
	if _, err := srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: account, Amount: 500_000, Content: "DH000001"}); err != nil {
		log.Fatal(err)
	}
	srv.SetIPN("http://127.0.0.1:1/down", "ipn-key") // the merchant's server is down: this IPN is lost
	if _, err := srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: account, Amount: 200_000, Content: "DH000002"}); err != nil {
		log.Fatal(err)
	}

	rec := bankhub.NewReconciler(client, credit, bankhub.WithReconcileDedupe(store))
	res, err := rec.Once(ctx) // or go rec.Run(ctx) to poll every minute
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("checked %d, handled %d, already done %d; %d transactions credited\n",
		res.Checked, res.Handled, res.Duplicates, len(credited))
	// Output: checked 2, handled 1, already done 1; 2 transactions credited
}

func ExampleLinkTokenService_Create() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	company, err := client.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "Công ty TNHH ABC", Status: bankhub.CompanyActive})
	if err != nil {
		log.Fatal(err)
	}
	link, err := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{
		CompanyXID:            company.XID,
		Purpose:               bankhub.PurposeLinkBankAccount,
		CompletionRedirectURI: "https://shop.example.vn/bank-linked",
		Language:              bankhub.LanguageEnglish,
	})
	if err != nil {
		log.Fatal(err)
	}
	// Open link.HostedLinkURL in an iframe, a WebView or SePay's JS SDK.
	fmt.Println(strings.HasSuffix(link.HostedLinkURL, "/link/"+link.XID), link.LinkToken != "", !link.ExpiresAt.IsZero())
	// Output: true true true
}

func ExampleCompanyService_Create() {
	srv, client := fakeClient()
	defer srv.Close()
	company, err := client.Companies.Create(context.Background(), &bankhub.CompanyCreateParams{
		FullName: "Công ty TNHH ABC",
		Status:   bankhub.CompanyActive, // usable at once
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(company.FullName, company.XID != "")
	// Output: Công ty TNHH ABC true
}

func ExampleTransactionService_List() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	account, err := srv.AddBankAccount(srv.AddCompany(bankhubtest.CompanyParams{}), bankhubtest.LinkParams{})
	if err != nil {
		log.Fatal(err)
	}
	for i, amount := range []bankhub.VND{500_000, 120_000} {
		_, err := srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: account, Amount: amount,
			Content: fmt.Sprintf("Thanh toan DH00000%d", i+1), Date: time.Date(2026, 1, 13, 9+i, 0, 0, 0, bankhub.VietnamZone())})
		if err != nil {
			log.Fatal(err)
		}
	}
	page, err := client.Transactions.List(ctx, &bankhub.TransactionListParams{
		TransactionDate: bankhub.NewDate(2026, time.January, 13),
		TransferType:    bankhub.TransferIn,
		PerPage:         50,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, tx := range page.Data { // newest first
		fmt.Println(tx.TransactionDate.Raw, tx.Amount, tx.PaymentCode)
	}
	fmt.Println(page.Meta.Total, "in all")
	// Output:
	// 2026-01-13 10:00:00 120,000 VND DH000002
	// 2026-01-13 09:00:00 500,000 VND DH000001
	// 2 in all
}

func ExampleWebhookService_Set() {
	srv, client := fakeClient()
	defer srv.Close()
	cfg, err := client.Webhooks.Set(context.Background(), &bankhub.WebhookConfigParams{
		WebhookURL:  "https://shop.example.vn/bankhub/events",
		SecretKey:   "whsec-choose-a-long-random-one",
		AllowEvents: []bankhub.EventType{bankhub.EventBankAccountLinked, bankhub.EventBankAccountUnlinked},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Set answers with the secret in full; Get masks it.
	fmt.Println(cfg.WebhookURL, cfg.AllowEvents)
	// Output: https://shop.example.vn/bankhub/events [BANK_ACCOUNT_LINKED BANK_ACCOUNT_UNLINKED]
}

// Verify first, then parse: what NewIPNHandler does for you.
func ExampleParseIPN() {
	req, err := bankhub.NewIPNTestRequest("/bankhub/ipn", "key-issued-by-SePay", []byte(`{"gateway":"MBBank",
		"transaction_date":"2026-01-13 20:55:04","account_number":"0123456789","transfer_type":"credit","amount":500000,
		"payment_code":"DH123456","content":"Thanh toan DH123456","reference_code":"FT26013","transaction_id":"a47b6ab2"}`))
	if err != nil {
		log.Fatal(err)
	}
	if err := bankhub.VerifyIPN(req.Header, "key-issued-by-SePay"); err != nil {
		log.Fatal(err) // answer 401
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		log.Fatal(err)
	}
	n, err := bankhub.ParseIPN(body)
	if err != nil {
		log.Fatal(err) // answer 400
	}
	fmt.Println(n.TransactionID, n.TransferType, n.Amount, n.PaymentCode, n.TransactionDate.Format(time.RFC3339))
	fmt.Println(bankhub.VerifyIPN(req.Header, "another-key"))
	// Output:
	// a47b6ab2 credit 500,000 VND DH123456 2026-01-13T20:55:04+07:00
	// bankhub: notification not verified: API key does not match
}

func ExampleEvent_BankAccount() {
	ev, err := bankhub.ParseEvent([]byte(`{"timestamp":1768312023,"xid":"e343bdec-97dc-4c60-b953-f81b183e0096","version":"1.0",
		"event":"BANK_ACCOUNT_LINKED","metadata":{"bank_account_xid":"587eabfb-f086-11f0-b16e-52c7e9b4f41b","brand_name":"MBBank",
		"account_type":"personal","account_number":"0000000000011111","link_token_xid":"ef4cb765","link_session_xid":"0e296f70"}}`))
	if err != nil {
		log.Fatal(err)
	}
	if ev.Type.Canonical() == bankhub.EventBankAccountLinked {
		acct, err := ev.BankAccount()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(acct.BankAccountXID, acct.BrandName, acct.AccountNumber)
	}
	// Output: 587eabfb-f086-11f0-b16e-52c7e9b4f41b MBBank 0000000000011111
}

// Do reaches an endpoint the SDK has no method for yet, with the same
// authentication, retries and errors.
func ExampleClient_Do() {
	srv, client := fakeClient()
	defer srv.Close()
	var answer struct {
		Data struct {
			Keywords []string `json:"transaction_whitelist_remark_keywords"`
		} `json:"data"`
	}
	if err := client.Do(context.Background(), "GET", "/v1/merchant-config", nil, nil, &answer); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(answer.Data.Keywords), "keywords")
	// Output: 0 keywords
}

// A refund is money out: wrapped in IncomingOnly, the function that credits
// orders never sees it, by IPN or by the reconciler.
func ExampleIncomingOnly() {
	paid := map[string]bankhub.VND{}
	credit := bankhub.IncomingOnly(func(ctx context.Context, n *bankhub.IPN) error {
		paid[n.PaymentCode] += n.Amount
		return nil
	})
	h := bankhub.NewIPNHandler("ipn-key", credit, bankhub.WithDedupe(bankhub.NewMemoryDedupe(0, 0)))
	for _, n := range []*bankhub.IPN{
		{TransactionID: "t1", TransferType: bankhub.TransferCredit, Amount: 500_000, PaymentCode: "DH123456", Content: "Thanh toan DH123456"},
		{TransactionID: "t2", TransferType: bankhub.TransferDebit, Amount: 500_000, PaymentCode: "DH123456", Content: "Hoan tien DH123456"},
	} {
		req, _ := bankhub.NewIPNTestRequest("/bankhub/ipn", "ipn-key", n)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(n.TransactionID, rec.Code)
	}
	fmt.Println(paid)
	// Output:
	// t1 200
	// t2 200
	// map[DH123456:500,000 VND]
}
