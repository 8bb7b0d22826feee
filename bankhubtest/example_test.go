package bankhubtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
)

func ExampleServer_SimulateLink() {
	srv := bankhubtest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	company, _ := client.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "Công ty TNHH ABC", Status: bankhub.CompanyActive})
	link, _ := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company.XID, Purpose: bankhub.PurposeLinkBankAccount})

	// The user completes the hosted link; webhook events go to the configured URL.
	accountXID, err := srv.SimulateLink(ctx, link.LinkToken, bankhubtest.LinkParams{BrandName: "ACB", AccountNumber: "4567890123"})
	if err != nil {
		log.Fatal(err)
	}
	acct, _ := client.BankAccounts.Get(ctx, accountXID)
	fmt.Println(acct.BrandName, acct.AccountNumber)

	// Faults: the next two company lists answer 503, then the client's retry succeeds.
	srv.FailNext(bankhubtest.OpCompanyList, 2, http.StatusServiceUnavailable, 0)
	_, err = client.Companies.List(ctx, nil)
	fmt.Println(err, srv.Count(bankhubtest.OpCompanyList))
	// Output:
	// ACB 4567890123
	// <nil> 3
}

func ExampleServer_FailNext() {
	srv := bankhubtest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	srv.FailNext(bankhubtest.OpCompanyList, 2, http.StatusServiceUnavailable, 0) // then succeed
	srv.BlockNext(bankhubtest.OpWebhookGet, 1)                                   // Cloudflare block page
	srv.DropNext(bankhubtest.OpBankAccountGet, 1)                                // connection cut
	srv.HangNext(bankhubtest.OpTransactionList, 1, 10*time.Millisecond)          // slow answer

	_, err := client.Companies.List(ctx, nil)
	fmt.Println("list:", err, srv.Count(bankhubtest.OpCompanyList))
	_, err = client.Webhooks.Get(ctx)
	fmt.Println("blocked:", errors.Is(err, bankhub.ErrBlocked))
	_, err = client.BankAccounts.Get(ctx, "unknown")
	fmt.Println("after a dropped connection:", errors.Is(err, bankhub.ErrNotFound), srv.Count(bankhubtest.OpBankAccountGet))
	_, err = client.Transactions.List(ctx, nil)
	fmt.Println("slow:", err)

	srv.ExpireTokens() // every token now answers 401; the client refreshes and replays
	_, err = client.MerchantConfig.Get(ctx)
	fmt.Println("after expiry:", err, srv.Count(bankhubtest.OpToken))
	// Output:
	// list: <nil> 3
	// blocked: true
	// after a dropped connection: true 2
	// slow: <nil>
	// after expiry: <nil> 2
}

func ExampleServer_SimulateTransfer() {
	var received []string
	merchant := httptest.NewServer(bankhub.NewIPNHandler("ipn-key", func(_ context.Context, n *bankhub.IPN) error {
		received = append(received, n.Amount.String()+" "+n.Content)
		return nil
	}))
	defer merchant.Close()

	srv := bankhubtest.NewServer(bankhubtest.WithIPN(merchant.URL, "ipn-key"))
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	company, _ := client.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "Công ty TNHH ABC", Status: bankhub.CompanyActive})
	client.Companies.Update(ctx, company.XID, &bankhub.CompanyUpdateParams{TransactionAmount: bankhub.Ptr(bankhub.UnlimitedTransactions())})
	link, _ := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company.XID, Purpose: bankhub.PurposeLinkBankAccount})
	accountXID, _ := srv.SimulateLink(ctx, link.LinkToken, bankhubtest.LinkParams{BrandName: "ACB"})

	srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: accountXID, Amount: 500_000, Content: "DH123"})
	fmt.Println(received)
	// Output: [500,000 VND DH123]
}

// Seed data in two lines, then money in and out, with a chosen date and
// reference.
func ExampleServer_AddBankAccount() {
	var received []string
	merchant := httptest.NewServer(bankhub.NewIPNHandler("ipn-key", func(_ context.Context, n *bankhub.IPN) error {
		received = append(received, fmt.Sprintf("%s %s %s", n.TransferType, n.Amount, n.ReferenceCode))
		return nil
	}))
	defer merchant.Close()
	srv := bankhubtest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	company := srv.AddCompany(bankhubtest.CompanyParams{FullName: "Công ty TNHH ABC"})
	accountXID, err := srv.AddBankAccount(company, bankhubtest.LinkParams{BrandName: "ACB"})
	if err != nil {
		log.Fatal(err)
	}
	srv.SetIPN(merchant.URL, "ipn-key")
	if _, err := srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: accountXID, Amount: 500_000, Content: "DH123456", ReferenceCode: "FT26013001"}); err != nil {
		log.Fatal(err)
	}
	if _, err := srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: accountXID, Amount: 20_000, Content: "refund",
		TransferType: bankhub.TransferOut, Date: time.Now().Add(-time.Hour), ReferenceCode: "FT26013002"}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(received)
	// Output: [credit 500,000 VND FT26013001 debit 20,000 VND FT26013002]
}
