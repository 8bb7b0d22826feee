package main

import (
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func (a *app) authCmd() *cobra.Command {
	var show bool
	check := a.call(func(c *bankhub.Client, _ []string) error {
		tok, err := c.ExchangeToken(a.ctx())
		if err != nil {
			return err
		}
		t := &table{header: []string{"ENVIRONMENT", "TOKEN", "EXPIRES (UTC+7)"}, single: true}
		value := "[hidden: --show-token]"
		if show {
			value = tok.AccessToken
		}
		t.add(map[string]any{"environment": c.BaseURL(), "access_token": value, "expiry": tok.Expiry.In(bankhub.VietnamZone()).Format(time.RFC3339)},
			c.BaseURL(), value, tok.Expiry.In(bankhub.VietnamZone()).Format(timeLayout))
		return a.print(t)
	})
	cmd := &cobra.Command{Use: "auth", Short: "Check the credentials and show the token's expiry", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a.noCache = true // a check of the credentials exchanges them, whatever is cached
			return check(cmd, args)
		}}
	cmd.Flags().BoolVar(&show, "show-token", false, "print the access token itself")
	return cmd
}
