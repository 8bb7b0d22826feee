// Command unlink removes a linked bank account: it creates an
// UNLINK_BANK_ACCOUNT link token for it, and the user confirms on the
// hosted page.
//
//	go run ./examples/unlink [bank-account-xid]
//
// Without BANKHUB_CLIENT_ID it links an account on the built-in fake Bank Hub
// first, then unlinks it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/bankhub-go/bankhub/examples/internal/exampleenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "unlink:", err)
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

	var accountXID string
	switch {
	case len(os.Args) > 1:
		accountXID = os.Args[1]
	case env.Fake != nil:
		if accountXID, err = linkOnFake(ctx, client, env.Fake); err != nil {
			return err
		}
	default:
		return errors.New("usage: unlink <bank-account-xid>")
	}

	account, err := client.BankAccounts.Get(ctx, accountXID)
	if err != nil {
		return fmt.Errorf("bank account: %w", err)
	}
	fmt.Printf("Unlinking %s %s (%s) of company %s\n", account.BrandName, account.AccountNumber, account.AccountHolderName, account.CompanyXID)

	link, err := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{
		CompanyXID:     account.CompanyXID,
		Purpose:        bankhub.PurposeUnlinkBankAccount,
		BankAccountXID: account.XID,
	})
	if err != nil {
		return fmt.Errorf("create unlink token: %w", err)
	}
	fmt.Printf("Hosted unlink URL: %s\n", link.HostedLinkURL)

	if env.Fake != nil {
		if err := env.Fake.SimulateUnlink(ctx, link.LinkToken); err != nil {
			return err
		}
		fmt.Println("(fake) The user confirmed the unlink")
	} else {
		fmt.Println("Open the URL and confirm with the OTP; waiting up to 3 minutes...")
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		_, err := client.BankAccounts.Get(ctx, account.XID)
		if errors.Is(err, bankhub.ErrNotFound) {
			fmt.Println("The account is unlinked")
			return nil
		}
		if err != nil {
			return err
		}
		if env.Fake != nil || time.Now().After(deadline) {
			return errors.New("the account is still linked")
		}
		time.Sleep(5 * time.Second)
	}
}

func linkOnFake(ctx context.Context, client *bankhub.Client, fake *bankhubtest.Server) (string, error) {
	company, err := client.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "Công ty TNHH Unlink Demo", Status: bankhub.CompanyActive})
	if err != nil {
		return "", err
	}
	link, err := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company.XID, Purpose: bankhub.PurposeLinkBankAccount})
	if err != nil {
		return "", err
	}
	return fake.SimulateLink(ctx, link.LinkToken, bankhubtest.LinkParams{})
}
