// Command transactions lists a month of incoming transactions with filters,
// walking every page, and prints a table with totals.
//
//	go run ./examples/transactions
//
// Without BANKHUB_CLIENT_ID it seeds the built-in fake Bank Hub with a
// company, an account and 45 transfers first.
package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/bankhub-go/bankhub/examples/internal/exampleenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "transactions:", err)
		os.Exit(1)
	}
}

func run() error {
	env, err := exampleenv.Setup()
	if err != nil {
		return err
	}
	defer env.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if env.Fake != nil {
		if err := seed(ctx, env.Client, env.Fake); err != nil {
			return err
		}
	}

	today := bankhub.DateOf(time.Now())
	params := &bankhub.TransactionListParams{
		StartTransactionDate: bankhub.DateOf(time.Now().AddDate(0, 0, -30)),
		EndTransactionDate:   today,
		TransferType:         bankhub.TransferIn,
		PerPage:              20,
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "date\tbank\taccount\tamount\tpayment code\t")
	var count int
	var total bankhub.VND
	byBank := map[string]bankhub.VND{}
	for tx, err := range env.Client.Transactions.All(ctx, params) {
		if err != nil {
			return err
		}
		count++
		total += tx.Amount
		byBank[tx.BrandName] += tx.Amount
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", tx.TransactionDate, tx.BrandName, tx.AccountNumber, tx.Amount, tx.PaymentCode)
	}
	w.Flush()
	fmt.Printf("\n%d incoming transactions from %s to %s, total %s\n", count, params.StartTransactionDate, today, total)
	for bank, sum := range byBank {
		fmt.Printf("  %s: %s\n", bank, sum)
	}
	return nil
}

// seed gives the fake an account with transfers to list.
func seed(ctx context.Context, client *bankhub.Client, fake *bankhubtest.Server) error {
	company, err := client.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "Công ty TNHH Demo", Status: bankhub.CompanyActive})
	if err != nil {
		return err
	}
	err = client.Companies.Update(ctx, company.XID, &bankhub.CompanyUpdateParams{
		PaymentCode: bankhub.Ptr(bankhub.PaymentCodeOn), PaymentCodePrefix: bankhub.Ptr("DH"),
		PaymentCodeSuffixCharacterType: bankhub.Ptr(bankhub.SuffixNumberOnly),
	})
	if err != nil {
		return err
	}
	link, err := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company.XID, Purpose: bankhub.PurposeLinkBankAccount})
	if err != nil {
		return err
	}
	account, err := fake.SimulateLink(ctx, link.LinkToken, bankhubtest.LinkParams{BrandName: "ACB", AccountNumber: "4567890123", AccountHolderName: "BUI VAN G"})
	if err != nil {
		return err
	}
	for i := range 45 {
		direction := bankhub.TransferIn
		if i%5 == 4 {
			direction = bankhub.TransferOut // every fifth is money out
		}
		_, err := fake.SimulateTransfer(ctx, bankhubtest.TransferParams{
			BankAccountXID: account,
			Amount:         bankhub.VND(10_000 * (i + 1)),
			Content:        fmt.Sprintf("Thanh toan don hang DH%06d", 100000+i),
			TransferType:   direction,
		})
		if err != nil {
			return err
		}
	}
	fmt.Println("Seeded the fake with 45 transfers (36 in, 9 out)")
	return nil
}
