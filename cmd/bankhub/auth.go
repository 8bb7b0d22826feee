package main

import (
	"context"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

type authOptions struct {
	IO *ioStreams
	// Client exchanges the credentials whatever is cached: it is a check.
	Client func() (*bankhub.Client, error)

	ShowToken bool
}

func newAuthCmd(f *factory, run func(context.Context, *authOptions) error) *cobra.Command {
	o := &authOptions{IO: f.IO, Client: f.FreshClient}
	cmd := &cobra.Command{Use: "auth", Short: "Check the credentials and show the token's expiry", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFunc(run, authRun)(cmd.Context(), o)
		}}
	cmd.Flags().BoolVar(&o.ShowToken, "show-token", false, "print the access token itself")
	return cmd
}

func authRun(ctx context.Context, o *authOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	tok, err := c.ExchangeToken(ctx)
	if err != nil {
		return err
	}
	t := &table{header: []string{"ENVIRONMENT", "TOKEN", "EXPIRES (UTC+7)"}, single: true}
	value := "[hidden: --show-token]"
	if o.ShowToken {
		value = tok.AccessToken
	}
	expiry := tok.Expiry.In(bankhub.VietnamZone())
	t.add(map[string]any{"environment": c.BaseURL(), "access_token": value, "expiry": expiry.Format(time.RFC3339)},
		c.BaseURL(), value, expiry.Format(timeLayout))
	return o.IO.print(t)
}
