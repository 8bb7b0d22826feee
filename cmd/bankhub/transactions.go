package main

import (
	"context"
	"fmt"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func newTransactionsCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "transactions", Short: "Transactions: list, get, simulate (sandbox)"}
	cmd.AddCommand(newTransactionsListCmd(f, nil), newTransactionsGetCmd(f, nil), newTransactionsSimulateCmd(f, nil))
	return cmd
}

type transactionsListOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)

	Params bankhub.TransactionListParams
	All    bool
}

func newTransactionsListCmd(f *factory, run func(context.Context, *transactionsListOptions) error) *cobra.Command {
	o := &transactionsListOptions{IO: f.IO, Client: f.Client}
	var day, start, end, transferType, webhookSuccess string
	cmd := &cobra.Command{Use: "list", Short: "List transactions, newest first", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := &o.Params
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
			return runFunc(run, transactionsListRun)(cmd.Context(), o)
		}}
	fl := cmd.Flags()
	fl.StringVar(&o.Params.CompanyXID, "company-xid", "", "one company's transactions")
	fl.StringVar(&o.Params.BankAccountXID, "bank-account-xid", "", "one bank account's transactions")
	fl.StringVar(&o.Params.BrandName, "brand-name", "", "a bank, e.g. MBBank")
	fl.StringVar(&day, "transaction-date", "", "one day, YYYY-MM-DD")
	fl.StringVar(&start, "start-transaction-date", "", "from, YYYY-MM-DD")
	fl.StringVar(&end, "end-transaction-date", "", "to, YYYY-MM-DD")
	fl.StringVar(&transferType, "transfer-type", "", "in or out")
	fl.StringVar(&webhookSuccess, "webhook-success", "", "1 delivered, 0 not delivered")
	fl.StringVarP(&o.Params.Query, "query", "q", "", "search the content, payment code and account number")
	pagingFlags(cmd, &o.Params.Page, &o.Params.PerPage, &o.All)
	return cmd
}

// transactionsListRun prints the transactions and, for people, their count,
// money in, money out and net (in less out). A transaction whose direction
// is neither in nor out is counted apart and in neither sum.
func transactionsListRun(ctx context.Context, o *transactionsListOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	t := transactionTable()
	var sum directionSum
	add := func(tx bankhub.Transaction) {
		addTransaction(t, tx)
		sum.add(tx.TransferType, tx.Amount)
	}
	if err := listOrAll(ctx, o.IO, o.All, c.Transactions.List, c.Transactions.All, &o.Params, add); err != nil {
		return err
	}
	if err := o.IO.print(t); err != nil {
		return err
	}
	if o.IO.forPeople() {
		fmt.Fprintln(o.IO.Out, sum.String())
	}
	return nil
}

type transactionsGetOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)

	TransactionID string
}

func newTransactionsGetCmd(f *factory, run func(context.Context, *transactionsGetOptions) error) *cobra.Command {
	o := &transactionsGetOptions{IO: f.IO, Client: f.Client}
	return &cobra.Command{Use: "get TRANSACTION_ID", Short: "One transaction", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.TransactionID = args[0]
			return runFunc(run, transactionsGetRun)(cmd.Context(), o)
		}}
}

func transactionsGetRun(ctx context.Context, o *transactionsGetOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	tx, err := c.Transactions.Get(ctx, o.TransactionID)
	if err != nil {
		return err
	}
	t := transactionTable()
	t.single = true
	addTransaction(t, *tx)
	return o.IO.print(t)
}

type transactionsSimulateOptions struct {
	IO      *ioStreams
	Client  func() (*bankhub.Client, error)
	Confirm func(string) error

	Params bankhub.SimulateTransactionParams
}

func newTransactionsSimulateCmd(f *factory, run func(context.Context, *transactionsSimulateOptions) error) *cobra.Command {
	o := &transactionsSimulateOptions{IO: f.IO, Client: f.Client, Confirm: f.Confirm}
	var transferType string
	var amount int64
	cmd := &cobra.Command{Use: "simulate", Short: "Create a mock transaction (sandbox and fake only)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Params.TransferType, o.Params.Amount = bankhub.TransferType(transferType), bankhub.VND(amount)
			return runFunc(run, transactionsSimulateRun)(cmd.Context(), o)
		}}
	fl := cmd.Flags()
	fl.StringVar(&o.Params.BankAccountXID, "bank-account-xid", "", "the linked account (required)")
	fl.StringVar(&transferType, "transfer-type", "in", "in or out (credit or debit)")
	fl.Int64Var(&amount, "amount", 0, "VND, whole dong (required)")
	fl.StringVar(&o.Params.TransactionContent, "transaction-content", "", "the transfer description (required)")
	return cmd
}

func transactionsSimulateRun(ctx context.Context, o *transactionsSimulateOptions) error {
	c, err := writeClient(o.Client, o.Confirm, "simulate a transaction")
	if err != nil {
		return err
	}
	tx, err := c.Transactions.Simulate(ctx, &o.Params)
	if err != nil {
		return err
	}
	t := &table{header: []string{"TRANSACTION ID", "REFERENCE", "DATE (UTC+7)", "TYPE", "AMOUNT"}, single: true, money: []int{4}}
	t.add(tx, tx.TransactionID, tx.ReferenceNumber, showTime(tx.TransactionDate), string(tx.TransferType), showVND(tx.Amount))
	return o.IO.print(t)
}

func transactionTable() *table {
	return &table{header: []string{"TRANSACTION ID", "DATE (UTC+7)", "TYPE", "AMOUNT", "BANK", "ACCOUNT", "PAYMENT CODE", "IPN", "CONTENT"}, money: []int{3}}
}

func addTransaction(t *table, tx bankhub.Transaction) {
	t.add(tx, tx.TransactionID, showTime(tx.TransactionDate), showDirection(tx.TransferType), showVND(tx.Amount), tx.BrandName,
		tx.AccountNumber, tx.PaymentCode, showBool(tx.WebhookSuccess), tx.TransactionContent)
}

// directionSum totals amounts by direction.
type directionSum struct {
	n, unknown int
	in, out    bankhub.VND
}

func (s *directionSum) add(t bankhub.TransferType, v bankhub.VND) {
	s.n++
	switch {
	case t.Incoming():
		s.in += v
	case t.Outgoing():
		s.out += v
	default:
		s.unknown++
	}
}

// String is the summary line: "3 transactions: in 1,000,000 VND, out
// 500,000 VND, net 500,000 VND", and, when some had no known direction,
// "(1 of unknown direction, in neither)".
func (s *directionSum) String() string {
	line := fmt.Sprintf("%s: in %s, out %s, net %s", plural(s.n, "transaction"), showVND(s.in), showVND(s.out), showVND(s.in-s.out))
	if s.unknown > 0 {
		line += fmt.Sprintf(" (%d of unknown direction, in neither)", s.unknown)
	}
	return line
}
