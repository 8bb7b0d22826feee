package main

import (
	"os"
	"strconv"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

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
