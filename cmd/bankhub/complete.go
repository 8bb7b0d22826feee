package main

import (
	"context"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

// flagValues are the values the shell completes for a flag, by its name,
// wherever it appears.
var flagValues = map[string][]string{
	"env":    {"production", "sandbox", "fake"},
	"output": {"table", "json", "jsonl", "csv"},
	"status": {string(bankhub.CompanyActive), string(bankhub.CompanyPending), string(bankhub.CompanySuspended), string(bankhub.CompanyTerminated), string(bankhub.CompanyCancelled), string(bankhub.CompanyFraud)},
	// create accepts two statuses; every other command with --status, all six
	"status@bankhub companies create": {string(bankhub.CompanyActive), string(bankhub.CompanyPending)},
	"purpose":                         {string(bankhub.PurposeLinkBankAccount), string(bankhub.PurposeUnlinkBankAccount)},
	"transfer-type":                   {"in", "out"},
	"language":                        {"vi", "en"},
	"webhook-success":                 {"1", "0"},
	"brand-name":                      {"MBBank", "ACB"},
}

// completions registers the values of flagValues on every command that has
// such a flag, and ids for the commands that take one (listed through the
// API with the invocation's credentials; nothing when they are missing).
func (a *app) completions(cmd *cobra.Command) {
	for name, values := range flagValues {
		if v, ok := flagValues[name+"@"+cmd.CommandPath()]; ok {
			values = v
		}
		if strings.Contains(name, "@") {
			continue
		}
		if cmd.Flags().Lookup(name) != nil || cmd.PersistentFlags().Lookup(name) != nil {
			cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
	}
	listCompanies := func(ctx context.Context, c *bankhub.Client) []string {
		var ids []string
		if page, err := c.Companies.List(ctx, &bankhub.CompanyListParams{PerPage: 50}); err == nil {
			for _, co := range page.Data {
				ids = append(ids, cobra.CompletionWithDesc(completionSafe(co.XID), completionSafe(co.FullName)))
			}
		}
		return ids
	}
	listAccounts := func(ctx context.Context, c *bankhub.Client) []string {
		var ids []string
		if page, err := c.BankAccounts.List(ctx, &bankhub.BankAccountListParams{PerPage: 50}); err == nil {
			for _, b := range page.Data {
				ids = append(ids, cobra.CompletionWithDesc(completionSafe(b.XID), completionSafe(b.BrandName+" "+b.AccountNumber)))
			}
		}
		return ids
	}
	switch cmd.CommandPath() {
	case "bankhub companies get", "bankhub companies update", "bankhub companies counter":
		cmd.ValidArgsFunction = a.completeIDs(listCompanies, true)
	case "bankhub bank-accounts get":
		cmd.ValidArgsFunction = a.completeIDs(listAccounts, true)
	}
	if cmd.Flags().Lookup("company-xid") != nil {
		cmd.RegisterFlagCompletionFunc("company-xid", a.completeIDs(listCompanies, false))
	}
	if cmd.Flags().Lookup("bank-account-xid") != nil {
		cmd.RegisterFlagCompletionFunc("bank-account-xid", a.completeIDs(listAccounts, false))
	}
	for _, sub := range cmd.Commands() {
		a.completions(sub)
	}
}

// completeIDs completes an id from list; positional stops after the
// command's one argument.
func (a *app) completeIDs(list func(context.Context, *bankhub.Client) []string, positional bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if positional && len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := a.Client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, id := range list(cmd.Context(), c) {
			if strings.HasPrefix(id, toComplete) {
				out = append(out, id)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
