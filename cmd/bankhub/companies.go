package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func (a *app) companiesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "companies", Short: "Companies: list, get, create, update, counter"}
	var lp bankhub.CompanyListParams
	var status, sort string
	var all bool
	list := &cobra.Command{Use: "list", Short: "List companies (one page, or --all)", Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			lp.Status, lp.SortCreatedAt = bankhub.CompanyStatus(status), bankhub.SortOrder(sort)
			t := companyTable()
			if err := listOrAll(a, all, c.Companies.List, c.Companies.All, &lp, func(co bankhub.Company) { addCompany(t, co) }); err != nil {
				return err
			}
			return a.print(t)
		})}
	list.Flags().StringVarP(&lp.Query, "query", "q", "", "search the full name")
	list.Flags().StringVar(&status, "status", "", "Active, Pending, ...")
	list.Flags().StringVar(&sort, "sort-created-at", "", "asc or desc (server default desc)")
	pagingFlags(list, &lp.Page, &lp.PerPage, &all)

	get := &cobra.Command{Use: "get XID", Short: "A company with its configuration", Args: cobra.ExactArgs(1),
		RunE: a.call(func(c *bankhub.Client, args []string) error {
			co, err := c.Companies.Get(a.ctx(), args[0])
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
			return a.print(t)
		})}

	var cp bankhub.CompanyCreateParams
	var createStatus string
	create := &cobra.Command{Use: "create", Short: "Create a company", Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			if err := a.confirmWrite("create a company"); err != nil {
				return err
			}
			cp.Status = bankhub.CompanyStatus(createStatus)
			co, err := c.Companies.Create(a.ctx(), &cp)
			if err != nil {
				return err
			}
			// The create answer has the xid and the name only: read the
			// company back, so that no format shows defaults as facts.
			if full, err := c.Companies.Get(a.ctx(), co.XID); err == nil {
				co = full
			} else {
				fmt.Fprintf(a.stderr, "created %s, but reading it back failed: %v\n", co.XID, err)
			}
			t := &table{header: []string{"XID", "FULL NAME", "STATUS", "CREATED (UTC+7)"}, single: true}
			t.add(co, co.XID, co.FullName, string(co.Status), showTime(co.CreatedAt))
			return a.print(t)
		})}
	create.Flags().StringVar(&cp.FullName, "full-name", "", "the company's name (required, unique)")
	create.Flags().StringVar(&createStatus, "status", "Active", "Active or Pending")

	var (
		upFullName, upShortName, upStatus, upCode, upPrefix, upType, upAmount string
		upFrom, upTo                                                          int
	)
	update := &cobra.Command{Use: "update XID", Short: "Change a company (only the flags given are sent)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var p bankhub.CompanyUpdateParams
			set := cmd.Flags().Changed
			if set("full-name") {
				p.FullName = &upFullName
			}
			if set("short-name") {
				p.ShortName = &upShortName
			}
			if set("status") {
				p.Status = bankhub.Ptr(bankhub.CompanyStatus(upStatus))
			}
			if set("payment-code") {
				p.PaymentCode = bankhub.Ptr(bankhub.PaymentCodeSwitch(upCode))
			}
			if set("payment-code-prefix") {
				p.PaymentCodePrefix = &upPrefix
			}
			if set("payment-code-suffix-from") {
				p.PaymentCodeSuffixFrom = &upFrom
			}
			if set("payment-code-suffix-to") {
				p.PaymentCodeSuffixTo = &upTo
			}
			if set("payment-code-suffix-character-type") {
				p.PaymentCodeSuffixCharacterType = bankhub.Ptr(bankhub.SuffixCharacterType(upType))
			}
			if set("transaction-amount") {
				amount := bankhub.UnlimitedTransactions()
				if !strings.EqualFold(upAmount, "Unlimited") {
					n, err := strconv.ParseInt(upAmount, 10, 64)
					if err != nil || n < 0 {
						return usageErr("--transaction-amount must be a count or Unlimited")
					}
					amount = bankhub.TransactionCount(n)
				}
				p.TransactionAmount = &amount
			}
			c, err := a.writeClient("update company " + args[0])
			if err != nil {
				return err
			}
			if err := c.Companies.Update(a.ctx(), args[0], &p); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "updated company %s\n", args[0])
			return nil
		}}
	f := update.Flags()
	f.StringVar(&upFullName, "full-name", "", "the company's new name (unique)")
	f.StringVar(&upShortName, "short-name", "", "the company's short name")
	f.StringVar(&upStatus, "status", "", "Active, Pending, ...")
	f.StringVar(&upCode, "payment-code", "", "on or off")
	f.StringVar(&upPrefix, "payment-code-prefix", "", "2 to 5 letters, e.g. DH")
	f.IntVar(&upFrom, "payment-code-suffix-from", 0, "shortest suffix")
	f.IntVar(&upTo, "payment-code-suffix-to", 0, "longest suffix")
	f.StringVar(&upType, "payment-code-suffix-character-type", "", "NumberOnly or NumberAndLetter")
	f.StringVar(&upAmount, "transaction-amount", "", "a count or Unlimited (above 0 turns IPN on)")

	var counterDate string
	counter := &cobra.Command{Use: "counter XID", Short: "Daily transaction counts of a company", Args: cobra.ExactArgs(1),
		RunE: a.call(func(c *bankhub.Client, args []string) error {
			d, err := dateFlag("date", counterDate)
			if err != nil {
				return err
			}
			n, err := c.Companies.Counter(a.ctx(), args[0], &bankhub.CompanyCounterParams{Date: d})
			if err != nil {
				return err
			}
			return a.print(counterTable(n))
		})}
	counter.Flags().StringVar(&counterDate, "date", "", "one day, YYYY-MM-DD (default: all)")
	cmd.AddCommand(list, get, create, update, counter)
	return cmd
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

func pagingFlags(cmd *cobra.Command, page, perPage *int, all *bool) {
	cmd.Flags().IntVar(page, "page", 0, "page number (server default 1)")
	cmd.Flags().IntVar(perPage, "per-page", 0, "page size (server default 20)")
	cmd.Flags().BoolVar(all, "all", false, "walk every page")
}
