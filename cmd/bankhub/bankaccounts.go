package main

import (
	"context"
	"strconv"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func newBankAccountsCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "bank-accounts", Short: "Linked bank accounts: list, get"}
	cmd.AddCommand(newBankAccountsListCmd(f, nil), newBankAccountsGetCmd(f, nil))
	return cmd
}

type bankAccountsListOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)

	Params bankhub.BankAccountListParams
	All    bool
}

func newBankAccountsListCmd(f *factory, run func(context.Context, *bankAccountsListOptions) error) *cobra.Command {
	o := &bankAccountsListOptions{IO: f.IO, Client: f.Client}
	cmd := &cobra.Command{Use: "list", Short: "List linked bank accounts", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFunc(run, bankAccountsListRun)(cmd.Context(), o)
		}}
	cmd.Flags().StringVar(&o.Params.CompanyXID, "company-xid", "", "one company's accounts")
	cmd.Flags().StringVar(&o.Params.BankID, "bank-id", "", "one bank, e.g. MBBank")
	cmd.Flags().StringVarP(&o.Params.Query, "query", "q", "", "search the bank accounts")
	pagingFlags(cmd, &o.Params.Page, &o.Params.PerPage, &o.All)
	return cmd
}

func bankAccountsListRun(ctx context.Context, o *bankAccountsListOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	t := &table{header: []string{"XID", "COMPANY XID", "BANK", "ACCOUNT", "HOLDER", "TYPE", "LAST TRANSACTION (UTC+7)"}}
	add := func(b bankhub.BankAccount) {
		t.add(b, b.XID, b.CompanyXID, b.BrandName, b.AccountNumber, b.AccountHolderName, string(b.AccountType), showTime(b.LastTransaction))
	}
	if err := listOrAll(ctx, o.IO, o.All, c.BankAccounts.List, c.BankAccounts.All, &o.Params, add); err != nil {
		return err
	}
	return o.IO.print(t)
}

type bankAccountsGetOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)

	XID string
}

func newBankAccountsGetCmd(f *factory, run func(context.Context, *bankAccountsGetOptions) error) *cobra.Command {
	o := &bankAccountsGetOptions{IO: f.IO, Client: f.Client}
	return &cobra.Command{Use: "get XID", Short: "A bank account with its virtual accounts", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.XID = args[0]
			return runFunc(run, bankAccountsGetRun)(cmd.Context(), o)
		}}
}

func bankAccountsGetRun(ctx context.Context, o *bankAccountsGetOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	b, err := c.BankAccounts.Get(ctx, o.XID)
	if err != nil {
		return err
	}
	t := &table{header: []string{"XID", "BANK", "ACCOUNT", "HOLDER", "ACTIVE", "VIRTUAL ACCOUNTS", "CREATED (UTC+7)"}, single: true}
	t.add(b, b.XID, b.BrandName, b.AccountNumber, b.AccountHolderName, showBool(b.Active), strconv.Itoa(len(b.VAList)), showTime(b.CreatedAt))
	return o.IO.print(t)
}
