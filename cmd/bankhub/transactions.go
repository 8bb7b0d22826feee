package main

import (
	"fmt"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func (a *app) transactionsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "transactions", Short: "Transactions: list, get, simulate (sandbox)"}
	var p bankhub.TransactionListParams
	var day, start, end, transferType, webhookSuccess string
	var all bool
	list := &cobra.Command{Use: "list", Short: "List transactions, newest first", Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			var err error
			if p.TransactionDate, err = dateFlag("transaction-date", day); err != nil {
				return err
			}
			if p.StartTransactionDate, err = dateFlag("start-transaction-date", start); err != nil {
				return err
			}
			if p.EndTransactionDate, err = dateFlag("end-transaction-date", end); err != nil {
				return err
			}
			p.TransferType = bankhub.TransferType(transferType)
			switch webhookSuccess {
			case "":
			case "1", "true":
				p.WebhookSuccess = bankhub.Ptr(true)
			case "0", "false":
				p.WebhookSuccess = bankhub.Ptr(false)
			default:
				return usageErr("--webhook-success must be 1 or 0")
			}
			t := transactionTable()
			var total bankhub.VND
			if err := listOrAll(a, all, c.Transactions.List, c.Transactions.All, &p, func(tx bankhub.Transaction) { addTransaction(t, tx) }); err != nil {
				return err
			}
			if err := a.print(t); err != nil {
				return err
			}
			if a.output == "" || a.output == "table" {
				for _, v := range t.values {
					tx := v.(bankhub.Transaction)
					if tx.TransferType == bankhub.TransferOut {
						total -= tx.Amount
					} else {
						total += tx.Amount
					}
				}
				fmt.Fprintf(a.stdout, "%s, net %s\n", plural(len(t.values), "transaction"), showVND(total))
			}
			return nil
		})}
	f := list.Flags()
	f.StringVar(&p.CompanyXID, "company-xid", "", "one company's transactions")
	f.StringVar(&p.BankAccountXID, "bank-account-xid", "", "one bank account's transactions")
	f.StringVar(&p.BrandName, "brand-name", "", "a bank, e.g. MBBank")
	f.StringVar(&day, "transaction-date", "", "one day, YYYY-MM-DD")
	f.StringVar(&start, "start-transaction-date", "", "from, YYYY-MM-DD")
	f.StringVar(&end, "end-transaction-date", "", "to, YYYY-MM-DD")
	f.StringVar(&transferType, "transfer-type", "", "in or out")
	f.StringVar(&webhookSuccess, "webhook-success", "", "1 delivered, 0 not delivered")
	f.StringVarP(&p.Query, "query", "q", "", "search the content, payment code and account number")
	pagingFlags(list, &p.Page, &p.PerPage, &all)

	get := &cobra.Command{Use: "get TRANSACTION_ID", Short: "One transaction", Args: cobra.ExactArgs(1),
		RunE: a.call(func(c *bankhub.Client, args []string) error {
			tx, err := c.Transactions.Get(a.ctx(), args[0])
			if err != nil {
				return err
			}
			t := transactionTable()
			t.single = true
			addTransaction(t, *tx)
			return a.print(t)
		})}

	var sp bankhub.SimulateTransactionParams
	var simType string
	var amount int64
	simulate := &cobra.Command{Use: "simulate", Short: "Create a mock transaction (sandbox and fake only)", Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			sp.TransferType, sp.Amount = bankhub.TransferType(simType), bankhub.VND(amount)
			if err := a.confirmWrite("simulate a transaction"); err != nil {
				return err
			}
			tx, err := c.Transactions.Simulate(a.ctx(), &sp)
			if err != nil {
				return err
			}
			t := &table{header: []string{"TRANSACTION ID", "REFERENCE", "DATE (UTC+7)", "TYPE", "AMOUNT"}, single: true, money: []int{4}}
			t.add(tx, tx.TransactionID, tx.ReferenceNumber, showTime(tx.TransactionDate), string(tx.TransferType), showVND(tx.Amount))
			return a.print(t)
		})}
	sf := simulate.Flags()
	sf.StringVar(&sp.BankAccountXID, "bank-account-xid", "", "the linked account (required)")
	sf.StringVar(&simType, "transfer-type", "in", "in or out (credit or debit)")
	sf.Int64Var(&amount, "amount", 0, "VND, whole dong (required)")
	sf.StringVar(&sp.TransactionContent, "transaction-content", "", "the transfer description (required)")
	cmd.AddCommand(list, get, simulate)
	return cmd
}

func transactionTable() *table {
	return &table{header: []string{"TRANSACTION ID", "DATE (UTC+7)", "TYPE", "AMOUNT", "BANK", "ACCOUNT", "PAYMENT CODE", "IPN", "CONTENT"}, money: []int{3}}
}

func addTransaction(t *table, tx bankhub.Transaction) {
	t.add(tx, tx.TransactionID, showTime(tx.TransactionDate), string(tx.TransferType), showVND(tx.Amount), tx.BrandName,
		tx.AccountNumber, tx.PaymentCode, showBool(tx.WebhookSuccess), tx.TransactionContent)
}
