package main

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"strconv"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

// dateFlag parses a YYYY-MM-DD flag ("" when unset).
func dateFlag(name, v string) (bankhub.Date, error) {
	if v == "" {
		return bankhub.Date{}, nil
	}
	d, err := bankhub.ParseDate(v)
	if err != nil {
		return bankhub.Date{}, usageErr("--%s: %s", name, strings.TrimPrefix(err.Error(), "bankhub: "))
	}
	return d, nil
}

// call wraps a command body that needs the client.
func (a *app) call(fn func(c *bankhub.Client, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := a.Client()
		if err != nil {
			return err
		}
		return fn(c, args)
	}
}

// listOrAll is every list command's body: one page (list), or with --all
// every page (walk), with progress on stderr; add takes each item.
func listOrAll[T, P any](a *app, all bool, list func(context.Context, *P) (*bankhub.Page[T], error),
	walk func(context.Context, *P) iter.Seq2[T, error], params *P, add func(T)) error {
	if !all {
		page, err := list(a.ctx(), params)
		if err != nil {
			return err
		}
		for _, v := range page.Data {
			add(v)
		}
		return nil
	}
	pr := a.progress()
	defer pr.done()
	for v, err := range walk(a.ctx(), params) {
		if err != nil {
			return err
		}
		pr.tick()
		add(v)
	}
	return nil
}

// writeClient is the client for a write, once a write to production is
// confirmed (see confirmWrite).
func (a *app) writeClient(what string) (*bankhub.Client, error) {
	c, err := a.Client()
	if err != nil {
		return nil, err
	}
	if err := a.confirmWrite(what); err != nil {
		return nil, err
	}
	return c, nil
}

// --- companies ---

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

// --- link tokens ---

func (a *app) linkTokensCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "link-tokens", Short: "Link tokens: create, get, revoke"}
	var p bankhub.LinkTokenCreateParams
	var purpose, language string
	create := &cobra.Command{Use: "create", Short: "Create a link token and its hosted link URL", Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			p.Purpose, p.Language = bankhub.LinkTokenPurpose(purpose), bankhub.Language(language)
			if err := a.confirmWrite("create a link token"); err != nil {
				return err
			}
			lt, err := c.LinkTokens.Create(a.ctx(), &p)
			if err != nil {
				return err
			}
			// Both forms: get takes the value, revoke either.
			t := &table{header: []string{"XID", "LINK TOKEN", "HOSTED LINK URL", "EXPIRES (UTC+7)"}, single: true}
			t.add(lt, lt.XID, lt.LinkToken, lt.HostedLinkURL, showTime(lt.ExpiresAt))
			return a.print(t)
		})}
	f := create.Flags()
	f.StringVar(&p.CompanyXID, "company-xid", "", "the company (required)")
	f.StringVar(&purpose, "purpose", string(bankhub.PurposeLinkBankAccount), "LINK_BANK_ACCOUNT or UNLINK_BANK_ACCOUNT")
	f.StringVar(&p.BankAccountXID, "bank-account-xid", "", "the account to unlink (UNLINK only)")
	f.StringVar(&p.CompletionRedirectURI, "completion-redirect-uri", "", "where the user goes at the end")
	f.BoolVar(&p.IsMobileApp, "is-mobile-app", false, "the link opens in a mobile app")
	f.StringVar(&language, "language", "", "vi (default) or en")

	get := &cobra.Command{Use: "get LINK_TOKEN", Short: "A link token's details, sessions and events (by its value: the LINK TOKEN column of create)",
		Args: cobra.ExactArgs(1),
		RunE: a.call(func(c *bankhub.Client, args []string) error {
			lt, err := c.LinkTokens.Get(a.ctx(), args[0])
			if errors.Is(err, bankhub.ErrNotFound) {
				return &codedError{code: exitNotFound, err: fmt.Errorf("%w; link-tokens get takes the token's value (the LINK TOKEN column of link-tokens create), and the API cannot look one up by its xid", err)}
			}
			if err != nil {
				return err
			}
			t := &table{header: []string{"XID", "PURPOSE", "STATUS", "COMPANY", "SESSIONS", "EVENTS", "EXPIRES (UTC+7)"}, single: true}
			t.add(lt, lt.XID, string(lt.Purpose), string(lt.Status), lt.Company.FullName, strconv.Itoa(lt.SessionCount),
				strconv.Itoa(len(lt.Events)), showTime(lt.ExpiresAt))
			return a.print(t)
		})}
	revoke := &cobra.Command{Use: "revoke LINK_TOKEN_XID|LINK_TOKEN", Short: "Revoke a link token, by its xid or its value", Args: cobra.ExactArgs(1),
		RunE: a.call(func(c *bankhub.Client, args []string) error {
			xid := args[0]
			if err := a.confirmWrite("revoke link token " + xid); err != nil {
				return err
			}
			err := c.LinkTokens.Revoke(a.ctx(), xid)
			if errors.Is(err, bankhub.ErrNotFound) { // perhaps the value: its details give the xid
				if lt, gerr := c.LinkTokens.Get(a.ctx(), xid); gerr == nil {
					xid = lt.XID
					err = c.LinkTokens.Revoke(a.ctx(), xid)
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "revoked link token %s\n", xid)
			return nil
		})}
	cmd.AddCommand(create, get, revoke)
	return cmd
}

// --- bank accounts ---

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

// --- transactions ---

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

// --- merchant config ---

func (a *app) merchantConfigCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "merchant-config", Short: "Merchant configuration: get, update, upload-logo, counter"}
	show := func(m *bankhub.MerchantConfig) error {
		t := &table{header: []string{"KEYWORDS", "CUSTOM CSS", "LOGO URL"}, single: true}
		t.add(m, strings.Join(m.TransactionWhitelistRemarkKeywords, ","), strconv.Itoa(len(m.GlobalHostedLinkCustomCSS))+" bytes", m.LogoURL)
		return a.print(t)
	}
	get := &cobra.Command{Use: "get", Short: "The merchant configuration", Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			m, err := c.MerchantConfig.Get(a.ctx())
			if err != nil {
				return err
			}
			return show(m)
		})}
	var keywords []string
	var css string
	update := &cobra.Command{Use: "update", Short: "Change the keyword whitelist or the hosted link's CSS", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var p bankhub.MerchantConfigUpdateParams
			if cmd.Flags().Changed("transaction-whitelist-remark-keywords") {
				p.TransactionWhitelistRemarkKeywords = append([]string{}, keywords...)
			}
			if cmd.Flags().Changed("global-hosted-link-custom-css") {
				p.GlobalHostedLinkCustomCSS = &css
			}
			c, err := a.writeClient("update the merchant configuration")
			if err != nil {
				return err
			}
			m, err := c.MerchantConfig.Update(a.ctx(), &p)
			if err != nil {
				return err
			}
			return show(m)
		}}
	update.Flags().StringSliceVar(&keywords, "transaction-whitelist-remark-keywords", nil, "keywords, comma-separated (empty: notify every transaction)")
	update.Flags().StringVar(&css, "global-hosted-link-custom-css", "", "CSS for every hosted link")
	logo := &cobra.Command{Use: "upload-logo FILE", Short: "Upload the merchant logo (PNG or JPEG, at most 1 MiB)", Args: cobra.ExactArgs(1),
		RunE: a.call(func(c *bankhub.Client, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			defer f.Close()
			if err := a.confirmWrite("upload the merchant logo"); err != nil {
				return err
			}
			url, err := c.MerchantConfig.UploadLogo(a.ctx(), args[0], f)
			if err != nil {
				return err
			}
			t := &table{header: []string{"LOGO URL"}, single: true}
			t.add(map[string]string{"logo_url": url}, url)
			return a.print(t)
		})}
	var startDate, endDate string
	counter := &cobra.Command{Use: "counter", Short: "Daily transaction counts of the merchant", Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			s, err := dateFlag("start-date", startDate)
			if err != nil {
				return err
			}
			e, err := dateFlag("end-date", endDate)
			if err != nil {
				return err
			}
			n, err := c.MerchantConfig.Counter(a.ctx(), &bankhub.MerchantCounterParams{StartDate: s, EndDate: e})
			if err != nil {
				return err
			}
			return a.print(counterTable(n))
		})}
	counter.Flags().StringVar(&startDate, "start-date", "", "YYYY-MM-DD (default today)")
	counter.Flags().StringVar(&endDate, "end-date", "", "YYYY-MM-DD (default today)")
	cmd.AddCommand(get, update, logo, counter)
	return cmd
}

// --- webhooks ---

func (a *app) webhooksCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "webhooks", Short: "The event webhook: get, set"}
	show := func(w *bankhub.WebhookConfig) error {
		t := &table{header: []string{"URL", "AUTH", "SECRET", "ACTIVE", "EVENTS"}, single: true}
		if w == nil {
			t.values = []any{nil}
			if a.output == "" || a.output == "table" {
				fmt.Fprintln(a.stdout, "no webhook configured")
				return nil
			}
			return a.print(t)
		}
		events := make([]string, len(w.AllowEvents))
		for i, e := range w.AllowEvents {
			events[i] = string(e)
		}
		masked := *w // Set echoes the secret whole; shown as Get shows it, in every format
		masked.SecretKey = maskSecret(w.SecretKey)
		t.add(&masked, w.WebhookURL, string(w.AuthType), masked.SecretKey, showBool(w.Active), strings.Join(events, ","))
		return a.print(t)
	}
	get := &cobra.Command{Use: "get", Short: "The webhook configuration (secret masked)", Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			w, err := c.Webhooks.Get(a.ctx())
			if err != nil {
				return err
			}
			return show(w)
		})}
	var p bankhub.WebhookConfigParams
	var events []string
	var active bool
	set := &cobra.Command{Use: "set", Short: "Create or replace the webhook configuration", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p.AllowEvents = nil
			for _, e := range events {
				p.AllowEvents = append(p.AllowEvents, bankhub.EventType(e))
			}
			if cmd.Flags().Changed("active") {
				p.Active = &active
			}
			c, err := a.writeClient("set the webhook")
			if err != nil {
				return err
			}
			w, err := c.Webhooks.Set(a.ctx(), &p)
			if err != nil {
				return err
			}
			return show(w)
		}}
	f := set.Flags()
	f.StringVar(&p.WebhookURL, "webhook-url", "", "HTTPS URL of your endpoint (required)")
	f.StringVar(&p.SecretKey, "secret-key", "", "sent back in X-Secret-Key (required)")
	f.BoolVar(&active, "active", true, "deliver events")
	f.StringSliceVar(&events, "allow-events", []string{"*"}, "event names, comma-separated, or *")
	cmd.AddCommand(get, set)
	return cmd
}

// maskSecret shows a secret as the API's Get does: *** and its last four
// characters, or *** alone for a short one (or one already masked).
func maskSecret(s string) string {
	if strings.HasPrefix(s, "***") || len(s) <= 8 {
		if s == "" {
			return ""
		}
		if strings.HasPrefix(s, "***") {
			return s
		}
		return "***"
	}
	return "***" + s[len(s)-4:]
}
