// Command quickstart walks through the main Bank Hub flow: get a token,
// create a company, create a link token, let a user link a bank account,
// list bank accounts, receive a transaction and list transactions.
//
//	go run ./examples/quickstart
//
// Without BANKHUB_CLIENT_ID it runs against the built-in fake Bank Hub and
// simulates the user; with sandbox credentials it runs against the sandbox
// and waits for you to link an account through the printed URL.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/bankhub-go/bankhub/examples/internal/exampleenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run() error {
	env, err := exampleenv.Setup()
	if err != nil {
		return err
	}
	defer env.Close()
	client := env.Client
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// 1. Access token (the client does this by itself on the first call).
	tok, err := client.TokenSource().Token()
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	fmt.Printf("1. Access token obtained, valid until %s (times are Vietnam time, UTC+7)\n", tok.Expiry.In(bankhub.VietnamZone()).Format("2006-01-02 15:04:05"))

	// 2. A company, active, with IPN enabled (transaction_amount Unlimited).
	company, err := client.Companies.Create(ctx, &bankhub.CompanyCreateParams{
		FullName: fmt.Sprintf("Công ty TNHH Quickstart %d", time.Now().Unix()),
		Status:   bankhub.CompanyActive,
	})
	if err != nil {
		return fmt.Errorf("create company: %w", err)
	}
	if err := client.Companies.Update(ctx, company.XID, &bankhub.CompanyUpdateParams{
		TransactionAmount: bankhub.Ptr(bankhub.UnlimitedTransactions()),
	}); err != nil {
		return fmt.Errorf("update company: %w", err)
	}
	fmt.Printf("2. Company %q created: %s\n", company.FullName, company.XID)

	// 3. A link token: the hosted page where the user links a bank account.
	link, err := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{
		CompanyXID: company.XID,
		Purpose:    bankhub.PurposeLinkBankAccount,
		Language:   bankhub.LanguageEnglish,
	})
	if err != nil {
		return fmt.Errorf("create link token: %w", err)
	}
	fmt.Printf("3. Hosted link URL: %s (expires %s)\n", link.HostedLinkURL, link.ExpiresAt)

	// 4. The user links an account.
	if env.Fake != nil {
		if _, err := env.Fake.SimulateLink(ctx, link.LinkToken, bankhubtest.LinkParams{}); err != nil {
			return fmt.Errorf("simulate link: %w", err)
		}
		fmt.Println("4. (fake) A user completed the hosted link with the MBBank test account")
	} else {
		fmt.Println("4. Open the URL above and link a sandbox account (MBBank 0123456789, OTP 12345678); waiting up to 3 minutes...")
		if standaloneFake(ctx, client.BaseURL()) {
			fmt.Printf("   (bankhub-fake: or complete it with curl --json '{\"link_token_xid\":\"%s\"}' %s/__control/link)\n",
				link.XID, client.BaseURL())
		}
	}
	account, err := waitForAccount(ctx, client, company.XID, env.Fake != nil)
	if err != nil {
		return err
	}
	details, err := client.LinkTokens.Get(ctx, link.LinkToken)
	if err != nil {
		return fmt.Errorf("link token details: %w", err)
	}
	fmt.Printf("   Link token %s: %d session(s), %d event(s)\n", details.Status, details.SessionCount, len(details.Events))

	// 5. Bank accounts of the company.
	accounts, err := client.BankAccounts.List(ctx, &bankhub.BankAccountListParams{CompanyXID: company.XID})
	if err != nil {
		return fmt.Errorf("list bank accounts: %w", err)
	}
	fmt.Printf("5. Linked bank accounts: %d\n", accounts.Meta.Total)
	for _, a := range accounts.Data {
		fmt.Printf("   %s %s %s (%s)\n", a.BrandName, a.AccountNumber, a.AccountHolderName, a.XID)
	}

	// 6. Money arrives (the sandbox's mock-transaction endpoint).
	sim, err := client.Transactions.Simulate(ctx, &bankhub.SimulateTransactionParams{
		BankAccountXID:     account.XID,
		TransferType:       bankhub.TransferCredit,
		Amount:             500_000,
		TransactionContent: "Thanh toan don hang DH123456",
	})
	if err != nil {
		return fmt.Errorf("simulate transaction: %w", err)
	}
	fmt.Printf("6. Transaction %s received: %s\n", sim.TransactionID, sim.Amount)

	// 7. Transactions of the company, every page.
	fmt.Println("7. Transactions:")
	var total bankhub.VND
	for tx, err := range client.Transactions.All(ctx, &bankhub.TransactionListParams{CompanyXID: company.XID}) {
		if err != nil {
			return fmt.Errorf("list transactions: %w", err)
		}
		fmt.Printf("   %s  %-3s %15s  %s\n", tx.TransactionDate, tx.TransferType, tx.Amount, tx.TransactionContent)
		total += tx.Amount
	}
	fmt.Printf("   total: %s\n", total)
	return nil
}

// standaloneFake reports whether baseURL is a bankhub-fake (its control API
// answers), which can complete a link without a browser.
func standaloneFake(ctx context.Context, baseURL string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/__control/health", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// waitForAccount returns the company's first linked account, polling for a
// while when a real user has to link it.
func waitForAccount(ctx context.Context, client *bankhub.Client, companyXID string, fake bool) (*bankhub.BankAccount, error) {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		page, err := client.BankAccounts.List(ctx, &bankhub.BankAccountListParams{CompanyXID: companyXID})
		if err != nil {
			return nil, fmt.Errorf("list bank accounts: %w", err)
		}
		if len(page.Data) > 0 {
			return &page.Data[0], nil
		}
		if fake || time.Now().After(deadline) {
			return nil, fmt.Errorf("no bank account was linked to company %s", companyXID)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}
