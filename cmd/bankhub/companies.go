package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func newCompaniesCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "companies", Short: "Companies: list, get, create, update, counter"}
	cmd.AddCommand(newCompaniesListCmd(f, nil), newCompaniesGetCmd(f, nil), newCompaniesCreateCmd(f, nil),
		newCompaniesUpdateCmd(f, nil), newCompaniesCounterCmd(f, nil))
	return cmd
}

type companiesListOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)

	Params bankhub.CompanyListParams
	All    bool
}

func newCompaniesListCmd(f *factory, run func(context.Context, *companiesListOptions) error) *cobra.Command {
	o := &companiesListOptions{IO: f.IO, Client: f.Client}
	var status, sort string
	cmd := &cobra.Command{Use: "list", Short: "List companies (one page, or --all)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Params.Status, o.Params.SortCreatedAt = bankhub.CompanyStatus(status), bankhub.SortOrder(sort)
			return runFunc(run, companiesListRun)(cmd.Context(), o)
		}}
	cmd.Flags().StringVarP(&o.Params.Query, "query", "q", "", "search the full name")
	cmd.Flags().StringVar(&status, "status", "", "Active, Pending, ...")
	cmd.Flags().StringVar(&sort, "sort-created-at", "", "asc or desc (server default desc)")
	pagingFlags(cmd, &o.Params.Page, &o.Params.PerPage, &o.All)
	return cmd
}

func companiesListRun(ctx context.Context, o *companiesListOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	t := companyTable()
	if err := listOrAll(ctx, o.IO, o.All, c.Companies.List, c.Companies.All, &o.Params, func(co bankhub.Company) { addCompany(t, co) }); err != nil {
		return err
	}
	return o.IO.print(t)
}

type companiesGetOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)

	XID string
}

func newCompaniesGetCmd(f *factory, run func(context.Context, *companiesGetOptions) error) *cobra.Command {
	o := &companiesGetOptions{IO: f.IO, Client: f.Client}
	return &cobra.Command{Use: "get XID", Short: "A company with its configuration", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.XID = args[0]
			return runFunc(run, companiesGetRun)(cmd.Context(), o)
		}}
}

func companiesGetRun(ctx context.Context, o *companiesGetOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	co, err := c.Companies.Get(ctx, o.XID)
	if err != nil {
		return err
	}
	t := &table{header: []string{"XID", "FULL NAME", "STATUS", "PAYMENT CODE", "PREFIX", "SUFFIX", "TRANSACTION AMOUNT", "CREATED (UTC+7)"}, single: true}
	cfg := co.Configuration
	if cfg == nil {
		cfg = &bankhub.CompanyConfiguration{}
	}
	t.add(co, co.XID, co.FullName, string(co.Status), string(cfg.PaymentCode), cfg.PaymentCodePrefix,
		fmt.Sprintf("%d-%d %s", cfg.PaymentCodeSuffixFrom, cfg.PaymentCodeSuffixTo, cfg.PaymentCodeSuffixCharacterType),
		cfg.TransactionAmount.String(), showTime(co.CreatedAt))
	return o.IO.print(t)
}

type companiesCreateOptions struct {
	IO      *ioStreams
	Client  func() (*bankhub.Client, error)
	Confirm func(string) error

	Params bankhub.CompanyCreateParams
}

func newCompaniesCreateCmd(f *factory, run func(context.Context, *companiesCreateOptions) error) *cobra.Command {
	o := &companiesCreateOptions{IO: f.IO, Client: f.Client, Confirm: f.Confirm}
	var status string
	cmd := &cobra.Command{Use: "create", Short: "Create a company", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Params.Status = bankhub.CompanyStatus(status)
			return runFunc(run, companiesCreateRun)(cmd.Context(), o)
		}}
	cmd.Flags().StringVar(&o.Params.FullName, "full-name", "", "the company's name (required, unique)")
	cmd.Flags().StringVar(&status, "status", "Active", "Active or Pending")
	return cmd
}

func companiesCreateRun(ctx context.Context, o *companiesCreateOptions) error {
	c, err := writeClient(o.Client, o.Confirm, "create a company")
	if err != nil {
		return err
	}
	co, err := c.Companies.Create(ctx, &o.Params)
	if err != nil {
		return err
	}
	// The create answer has the xid and the name only: read the company
	// back, so that no format shows defaults as facts.
	if full, err := c.Companies.Get(ctx, co.XID); err == nil {
		co = full
	} else {
		fmt.Fprintf(o.IO.ErrOut, "created %s, but reading it back failed: %s\n", terminalSafe(co.XID), terminalSafe(err.Error()))
	}
	t := &table{header: []string{"XID", "FULL NAME", "STATUS", "CREATED (UTC+7)"}, single: true}
	t.add(co, co.XID, co.FullName, string(co.Status), showTime(co.CreatedAt))
	return o.IO.print(t)
}

type companiesUpdateOptions struct {
	IO      *ioStreams
	Client  func() (*bankhub.Client, error)
	Confirm func(string) error

	XID string
	// Params has the flags given, and only those.
	Params bankhub.CompanyUpdateParams
}

func newCompaniesUpdateCmd(f *factory, run func(context.Context, *companiesUpdateOptions) error) *cobra.Command {
	o := &companiesUpdateOptions{IO: f.IO, Client: f.Client, Confirm: f.Confirm}
	var (
		fullName, shortName, status, code, prefix, charType, amount string
		from, to                                                    int
	)
	cmd := &cobra.Command{Use: "update XID", Short: "Change a company (only the flags given are sent)", Args: cobra.ExactArgs(1)}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		o.XID = args[0]
		p := &o.Params
		set := cmd.Flags().Changed
		if set("full-name") {
			p.FullName = &fullName
		}
		if set("short-name") {
			p.ShortName = &shortName
		}
		if set("status") {
			p.Status = bankhub.Ptr(bankhub.CompanyStatus(status))
		}
		if set("payment-code") {
			p.PaymentCode = bankhub.Ptr(bankhub.PaymentCodeSwitch(code))
		}
		if set("payment-code-prefix") {
			p.PaymentCodePrefix = &prefix
		}
		if set("payment-code-suffix-from") {
			p.PaymentCodeSuffixFrom = &from
		}
		if set("payment-code-suffix-to") {
			p.PaymentCodeSuffixTo = &to
		}
		if set("payment-code-suffix-character-type") {
			p.PaymentCodeSuffixCharacterType = bankhub.Ptr(bankhub.SuffixCharacterType(charType))
		}
		if set("transaction-amount") {
			n := bankhub.UnlimitedTransactions()
			if !strings.EqualFold(amount, "Unlimited") {
				v, err := strconv.ParseInt(amount, 10, 64)
				if err != nil || v < 0 {
					return usageErr("--transaction-amount must be a count or Unlimited")
				}
				n = bankhub.TransactionCount(v)
			}
			p.TransactionAmount = &n
		}
		return runFunc(run, companiesUpdateRun)(cmd.Context(), o)
	}
	fl := cmd.Flags()
	fl.StringVar(&fullName, "full-name", "", "the company's new name (unique)")
	fl.StringVar(&shortName, "short-name", "", "the company's short name")
	fl.StringVar(&status, "status", "", "Active, Pending, ...")
	fl.StringVar(&code, "payment-code", "", "on or off")
	fl.StringVar(&prefix, "payment-code-prefix", "", "2 to 5 letters, e.g. DH")
	fl.IntVar(&from, "payment-code-suffix-from", 0, "shortest suffix")
	fl.IntVar(&to, "payment-code-suffix-to", 0, "longest suffix")
	fl.StringVar(&charType, "payment-code-suffix-character-type", "", "NumberOnly or NumberAndLetter")
	fl.StringVar(&amount, "transaction-amount", "", "a count or Unlimited (above 0 turns IPN on)")
	return cmd
}

func companiesUpdateRun(ctx context.Context, o *companiesUpdateOptions) error {
	c, err := writeClient(o.Client, o.Confirm, "update company "+o.XID)
	if err != nil {
		return err
	}
	if err := c.Companies.Update(ctx, o.XID, &o.Params); err != nil {
		return err
	}
	fmt.Fprintf(o.IO.ErrOut, "updated company %s\n", terminalSafe(o.XID))
	return nil
}

type companiesCounterOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)

	XID  string
	Date bankhub.Date
}

func newCompaniesCounterCmd(f *factory, run func(context.Context, *companiesCounterOptions) error) *cobra.Command {
	o := &companiesCounterOptions{IO: f.IO, Client: f.Client}
	var date string
	cmd := &cobra.Command{Use: "counter XID", Short: "Daily transaction counts of a company", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Date, err = dateFlag("date", date); err != nil {
				return err
			}
			o.XID = args[0]
			return runFunc(run, companiesCounterRun)(cmd.Context(), o)
		}}
	cmd.Flags().StringVar(&date, "date", "", "one day, YYYY-MM-DD (default: all)")
	return cmd
}

func companiesCounterRun(ctx context.Context, o *companiesCounterOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	n, err := c.Companies.Counter(ctx, o.XID, &bankhub.CompanyCounterParams{Date: o.Date})
	if err != nil {
		return err
	}
	return o.IO.print(counterTable(n))
}

func companyTable() *table {
	return &table{header: []string{"XID", "FULL NAME", "STATUS", "CREATED (UTC+7)"}}
}

func addCompany(t *table, co bankhub.Company) {
	t.add(co, co.XID, co.FullName, string(co.Status), showTime(co.CreatedAt))
}

func counterTable(n *bankhub.Counter) *table {
	t := &table{header: []string{"DATE", "TRANSACTIONS", "IN", "OUT"}}
	for _, d := range n.Dates {
		t.add(d, showDate(d.Date), strconv.Itoa(d.Transaction), strconv.Itoa(d.TransactionIn), strconv.Itoa(d.TransactionOut))
	}
	t.rows = append(t.rows, []string{"total", strconv.Itoa(n.Total.Transaction), strconv.Itoa(n.Total.TransactionIn), strconv.Itoa(n.Total.TransactionOut)})
	t.values = []any{n}
	t.single = true
	return t
}
