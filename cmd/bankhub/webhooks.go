package main

import (
	"fmt"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

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
