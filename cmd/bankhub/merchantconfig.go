package main

import (
	"context"
	"os"
	"strconv"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func newMerchantConfigCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "merchant-config", Short: "Merchant configuration: get, update, upload-logo, counter"}
	cmd.AddCommand(newMerchantConfigGetCmd(f, nil), newMerchantConfigUpdateCmd(f, nil), newMerchantConfigUploadLogoCmd(f, nil),
		newMerchantConfigCounterCmd(f, nil))
	return cmd
}

func printMerchantConfig(io *ioStreams, m *bankhub.MerchantConfig) error {
	t := &table{header: []string{"KEYWORDS", "CUSTOM CSS", "LOGO URL"}, single: true}
	t.add(m, strings.Join(m.TransactionWhitelistRemarkKeywords, ","), strconv.Itoa(len(m.GlobalHostedLinkCustomCSS))+" bytes", m.LogoURL)
	return io.print(t)
}

type merchantConfigGetOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)
}

func newMerchantConfigGetCmd(f *factory, run func(context.Context, *merchantConfigGetOptions) error) *cobra.Command {
	o := &merchantConfigGetOptions{IO: f.IO, Client: f.Client}
	return &cobra.Command{Use: "get", Short: "The merchant configuration", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFunc(run, merchantConfigGetRun)(cmd.Context(), o)
		}}
}

func merchantConfigGetRun(ctx context.Context, o *merchantConfigGetOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	m, err := c.MerchantConfig.Get(ctx)
	if err != nil {
		return err
	}
	return printMerchantConfig(o.IO, m)
}

type merchantConfigUpdateOptions struct {
	IO      *ioStreams
	Client  func() (*bankhub.Client, error)
	Confirm func(string) error

	// Params has the flags given, and only those.
	Params bankhub.MerchantConfigUpdateParams
}

func newMerchantConfigUpdateCmd(f *factory, run func(context.Context, *merchantConfigUpdateOptions) error) *cobra.Command {
	o := &merchantConfigUpdateOptions{IO: f.IO, Client: f.Client, Confirm: f.Confirm}
	var keywords []string
	var css string
	cmd := &cobra.Command{Use: "update", Short: "Change the keyword whitelist or the hosted link's CSS", Args: cobra.NoArgs}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if cmd.Flags().Changed("transaction-whitelist-remark-keywords") {
			o.Params.TransactionWhitelistRemarkKeywords = append([]string{}, keywords...)
		}
		if cmd.Flags().Changed("global-hosted-link-custom-css") {
			o.Params.GlobalHostedLinkCustomCSS = &css
		}
		return runFunc(run, merchantConfigUpdateRun)(cmd.Context(), o)
	}
	cmd.Flags().StringSliceVar(&keywords, "transaction-whitelist-remark-keywords", nil, "keywords, comma-separated (empty: notify every transaction)")
	cmd.Flags().StringVar(&css, "global-hosted-link-custom-css", "", "CSS for every hosted link")
	return cmd
}

func merchantConfigUpdateRun(ctx context.Context, o *merchantConfigUpdateOptions) error {
	c, err := writeClient(o.Client, o.Confirm, "update the merchant configuration")
	if err != nil {
		return err
	}
	m, err := c.MerchantConfig.Update(ctx, &o.Params)
	if err != nil {
		return err
	}
	return printMerchantConfig(o.IO, m)
}

type merchantConfigUploadLogoOptions struct {
	IO      *ioStreams
	Client  func() (*bankhub.Client, error)
	Confirm func(string) error

	File string
}

func newMerchantConfigUploadLogoCmd(f *factory, run func(context.Context, *merchantConfigUploadLogoOptions) error) *cobra.Command {
	o := &merchantConfigUploadLogoOptions{IO: f.IO, Client: f.Client, Confirm: f.Confirm}
	return &cobra.Command{Use: "upload-logo FILE", Short: "Upload the merchant logo (PNG or JPEG, at most 1 MiB)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			return runFunc(run, merchantConfigUploadLogoRun)(cmd.Context(), o)
		}}
}

func merchantConfigUploadLogoRun(ctx context.Context, o *merchantConfigUploadLogoOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	f, err := os.Open(o.File)
	if err != nil {
		return usageErr("%v", err)
	}
	defer f.Close()
	if err := o.Confirm("upload the merchant logo"); err != nil {
		return err
	}
	url, err := c.MerchantConfig.UploadLogo(ctx, o.File, f)
	if err != nil {
		return err
	}
	t := &table{header: []string{"LOGO URL"}, single: true}
	t.add(map[string]string{"logo_url": url}, url)
	return o.IO.print(t)
}

type merchantConfigCounterOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)

	Params bankhub.MerchantCounterParams
}

func newMerchantConfigCounterCmd(f *factory, run func(context.Context, *merchantConfigCounterOptions) error) *cobra.Command {
	o := &merchantConfigCounterOptions{IO: f.IO, Client: f.Client}
	var start, end string
	cmd := &cobra.Command{Use: "counter", Short: "Daily transaction counts of the merchant", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.Params.StartDate, err = dateFlag("start-date", start); err != nil {
				return err
			}
			if o.Params.EndDate, err = dateFlag("end-date", end); err != nil {
				return err
			}
			return runFunc(run, merchantConfigCounterRun)(cmd.Context(), o)
		}}
	cmd.Flags().StringVar(&start, "start-date", "", "YYYY-MM-DD (default today)")
	cmd.Flags().StringVar(&end, "end-date", "", "YYYY-MM-DD (default today)")
	return cmd
}

func merchantConfigCounterRun(ctx context.Context, o *merchantConfigCounterOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	n, err := c.MerchantConfig.Counter(ctx, &o.Params)
	if err != nil {
		return err
	}
	return o.IO.print(counterTable(n))
}
