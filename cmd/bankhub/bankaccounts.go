package main

import (
	"strconv"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func (a *app) bankAccountsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bank-accounts", Short: "Linked bank accounts: list, get"}
	var p bankhub.BankAccountListParams
	var all bool
	list := &cobra.Command{Use: "list", Short: "List linked bank accounts", Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			t := &table{header: []string{"XID", "COMPANY XID", "BANK", "ACCOUNT", "HOLDER", "TYPE", "LAST TRANSACTION (UTC+7)"}}
			add := func(b bankhub.BankAccount) {
				t.add(b, b.XID, b.CompanyXID, b.BrandName, b.AccountNumber, b.AccountHolderName, string(b.AccountType), showTime(b.LastTransaction))
			}
			if err := listOrAll(a, all, c.BankAccounts.List, c.BankAccounts.All, &p, add); err != nil {
				return err
			}
			return a.print(t)
		})}
	list.Flags().StringVar(&p.CompanyXID, "company-xid", "", "one company's accounts")
	list.Flags().StringVar(&p.BankID, "bank-id", "", "one bank, e.g. MBBank")
	list.Flags().StringVarP(&p.Query, "query", "q", "", "search the bank accounts")
	pagingFlags(list, &p.Page, &p.PerPage, &all)
	get := &cobra.Command{Use: "get XID", Short: "A bank account with its virtual accounts", Args: cobra.ExactArgs(1),
		RunE: a.call(func(c *bankhub.Client, args []string) error {
			b, err := c.BankAccounts.Get(a.ctx(), args[0])
			if err != nil {
				return err
			}
			t := &table{header: []string{"XID", "BANK", "ACCOUNT", "HOLDER", "ACTIVE", "VIRTUAL ACCOUNTS", "CREATED (UTC+7)"}, single: true}
			t.add(b, b.XID, b.BrandName, b.AccountNumber, b.AccountHolderName, showBool(b.Active), strconv.Itoa(len(b.VAList)), showTime(b.CreatedAt))
			return a.print(t)
		})}
	cmd.AddCommand(list, get)
	return cmd
}
