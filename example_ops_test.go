package bankhub_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
)

// seeded is a fake with a company and a linked account, for the examples.
func seeded() (srv *bankhubtest.Server, client *bankhub.Client, company, account string) {
	srv, client = fakeClient()
	company = srv.AddCompany(bankhubtest.CompanyParams{FullName: "Công ty TNHH ABC"})
	account, err := srv.AddBankAccount(company, bankhubtest.LinkParams{BrandName: "ACB", AccountNumber: "4567890123", AccountHolderName: "NGUYEN VAN A"})
	if err != nil {
		log.Fatal(err)
	}
	return srv, client, company, account
}

func ExampleBankAccountService_List() {
	srv, client, company, _ := seeded()
	defer srv.Close()
	page, err := client.BankAccounts.List(context.Background(), &bankhub.BankAccountListParams{CompanyXID: company})
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range page.Data {
		fmt.Println(b.BrandName, b.AccountNumber, b.AccountHolderName, b.Active)
	}
	// Output: ACB 4567890123 NGUYEN VAN A true
}

func ExampleBankAccountService_All() {
	srv, client, _, _ := seeded()
	defer srv.Close()
	n := 0
	for _, err := range client.BankAccounts.All(context.Background(), &bankhub.BankAccountListParams{PerPage: 1}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n, "linked account")
	// Output: 1 linked account
}

func ExampleBankAccountService_Get() {
	srv, client, _, account := seeded()
	defer srv.Close()
	b, err := client.BankAccounts.Get(context.Background(), account)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.BrandName, b.AccountNumber, b.XID == account)
	// Output: ACB 4567890123 true
}

func ExampleLinkTokenService_Get() {
	srv, client, company, _ := seeded()
	defer srv.Close()
	ctx := context.Background()
	created, err := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company, Purpose: bankhub.PurposeLinkBankAccount})
	if err != nil {
		log.Fatal(err)
	}
	lt, err := client.LinkTokens.Get(ctx, created.LinkToken) // the token's value, not its xid
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(lt.Purpose, lt.Status, lt.Company.FullName)
	// Output: LINK_BANK_ACCOUNT Active Công ty TNHH ABC
}

func ExampleLinkTokenService_Revoke() {
	srv, client, company, _ := seeded()
	defer srv.Close()
	ctx := context.Background()
	created, err := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company, Purpose: bankhub.PurposeLinkBankAccount})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.LinkTokens.Revoke(ctx, created.XID); err != nil { // the xid
		log.Fatal(err)
	}
	lt, _ := client.LinkTokens.Get(ctx, created.LinkToken)
	fmt.Println(lt.Status)
	// Output: Revoked
}

func ExampleCompanyService_List() {
	srv, client, _, _ := seeded()
	defer srv.Close()
	page, err := client.Companies.List(context.Background(), &bankhub.CompanyListParams{Status: bankhub.CompanyActive})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range page.Data {
		fmt.Println(c.FullName, c.Status)
	}
	fmt.Println(page.Meta.Total, "in all")
	// Output:
	// Công ty TNHH ABC Active
	// 1 in all
}

func ExampleCompanyService_Get() {
	srv, client, company, _ := seeded()
	defer srv.Close()
	c, err := client.Companies.Get(context.Background(), company)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.FullName, c.Status, c.Active)
	// Output: Công ty TNHH ABC Active true
}

func ExampleCompanyService_Counter() {
	srv, client, company, account := seeded()
	defer srv.Close()
	ctx := context.Background()
	for _, amount := range []bankhub.VND{500_000, 200_000} {
		if _, err := srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: account, Amount: amount, Content: "DH000001"}); err != nil {
			log.Fatal(err)
		}
	}
	c, err := client.Companies.Counter(ctx, company, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Total.Transaction, "transactions,", c.Total.TransactionIn, "in")
	// Output: 2 transactions, 2 in
}

func ExampleTransactionService_Get() {
	srv, client, _, account := seeded()
	defer srv.Close()
	ctx := context.Background()
	booked, err := srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: account, Amount: 500_000, Content: "Thanh toan DH123456"})
	if err != nil {
		log.Fatal(err)
	}
	tx, err := client.Transactions.Get(ctx, booked.TransactionID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tx.TransferType, tx.Amount, tx.PaymentCode, tx.TransactionContent)
	// Output: in 500,000 VND DH123456 Thanh toan DH123456
}

func ExampleTransactionService_Simulate() {
	srv, client, _, account := seeded() // Simulate exists on the sandbox only
	defer srv.Close()
	tx, err := client.Transactions.Simulate(context.Background(), &bankhub.SimulateTransactionParams{
		BankAccountXID: account, TransferType: bankhub.TransferIn, Amount: 150_000, TransactionContent: "Thanh toan DH654321"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tx.Amount, tx.TransactionID != "")
	// Output: 150,000 VND true
}

func ExampleMerchantConfigService_Get() {
	srv, client := fakeClient()
	defer srv.Close()
	cfg, err := client.MerchantConfig.Get(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d keywords\n", len(cfg.TransactionWhitelistRemarkKeywords))
	// Output: 0 keywords
}

func ExampleMerchantConfigService_Update() {
	srv, client := fakeClient()
	defer srv.Close()
	cfg, err := client.MerchantConfig.Update(context.Background(), &bankhub.MerchantConfigUpdateParams{
		TransactionWhitelistRemarkKeywords: []string{"thanh toan", "payment"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.TransactionWhitelistRemarkKeywords)
	// Output: [thanh toan payment]
}

func ExampleMerchantConfigService_Counter() {
	srv, client, _, account := seeded()
	defer srv.Close()
	ctx := context.Background()
	if _, err := srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: account, Amount: 500_000, Content: "DH000001"}); err != nil {
		log.Fatal(err)
	}
	c, err := client.MerchantConfig.Counter(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Total.TransactionIn, "incoming")
	// Output: 1 incoming
}

func ExampleWebhookService_Get() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	w, err := client.Webhooks.Get(ctx)
	fmt.Println(w == nil, err) // none configured yet: nil, nil
	if _, err := client.Webhooks.Set(ctx, &bankhub.WebhookConfigParams{WebhookURL: "https://shop.example.vn/bankhub/events",
		SecretKey: "whsec-3f9a1c5678"}); err != nil {
		log.Fatal(err)
	}
	w, err = client.Webhooks.Get(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.WebhookURL, w.SecretKey) // the secret comes back masked
	// Output:
	// true <nil>
	// https://shop.example.vn/bankhub/events ***5678
}

func ExampleVerifyWebhook() {
	h := http.Header{}
	h.Set(bankhub.SecretKeyHeader, "whsec-3f9a1c5678")
	fmt.Println(bankhub.VerifyWebhook(h, "whsec-3f9a1c5678"))
	err := bankhub.VerifyWebhook(h, "another-secret")
	fmt.Println(err)
	// Output:
	// <nil>
	// bankhub: notification not verified: X-Secret-Key does not match
}

func ExampleVerifyIPN() {
	h := http.Header{}
	h.Set("Authorization", "Apikey ipn-key-issued-by-SePay")
	fmt.Println(bankhub.VerifyIPN(h, "ipn-key-issued-by-SePay"))
	h.Del("Authorization")
	fmt.Println(bankhub.VerifyIPN(h, "ipn-key-issued-by-SePay"))
	// Output:
	// <nil>
	// bankhub: notification not verified: missing Authorization header
}
