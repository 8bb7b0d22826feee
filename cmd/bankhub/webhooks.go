package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func newWebhooksCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "webhooks", Short: "The event webhook: get, set"}
	cmd.AddCommand(newWebhooksGetCmd(f, nil), newWebhooksSetCmd(f, nil))
	return cmd
}

// printWebhook shows the configuration with its secret masked, in every
// format: Set echoes the secret whole, and it is shown as Get shows it.
func printWebhook(io *ioStreams, w *bankhub.WebhookConfig) error {
	t := &table{header: []string{"URL", "AUTH", "SECRET", "ACTIVE", "EVENTS"}, single: true}
	if w == nil {
		t.values = []any{nil}
		if io.forPeople() {
			fmt.Fprintln(io.Out, "no webhook configured")
			return nil
		}
		return io.print(t)
	}
	events := make([]string, len(w.AllowEvents))
	for i, e := range w.AllowEvents {
		events[i] = string(e)
	}
	masked := *w
	masked.SecretKey = maskSecret(w.SecretKey)
	t.add(&masked, w.WebhookURL, string(w.AuthType), masked.SecretKey, showBool(w.Active), strings.Join(events, ","))
	return io.print(t)
}

type webhooksGetOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)
}

func newWebhooksGetCmd(f *factory, run func(context.Context, *webhooksGetOptions) error) *cobra.Command {
	o := &webhooksGetOptions{IO: f.IO, Client: f.Client}
	return &cobra.Command{Use: "get", Short: "The webhook configuration (secret masked)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFunc(run, webhooksGetRun)(cmd.Context(), o)
		}}
}

func webhooksGetRun(ctx context.Context, o *webhooksGetOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	w, err := c.Webhooks.Get(ctx)
	if err != nil {
		return err
	}
	return printWebhook(o.IO, w)
}

type webhooksSetOptions struct {
	IO      *ioStreams
	Client  func() (*bankhub.Client, error)
	Confirm func(string) error

	Params bankhub.WebhookConfigParams
}

func newWebhooksSetCmd(f *factory, run func(context.Context, *webhooksSetOptions) error) *cobra.Command {
	o := &webhooksSetOptions{IO: f.IO, Client: f.Client, Confirm: f.Confirm}
	var events []string
	var active bool
	cmd := &cobra.Command{Use: "set", Short: "Create or replace the webhook configuration", Args: cobra.NoArgs}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		o.Params.AllowEvents = nil
		for _, e := range events {
			o.Params.AllowEvents = append(o.Params.AllowEvents, bankhub.EventType(e))
		}
		if cmd.Flags().Changed("active") {
			o.Params.Active = &active
		}
		return runFunc(run, webhooksSetRun)(cmd.Context(), o)
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Params.WebhookURL, "webhook-url", "", "HTTPS URL of your endpoint (required)")
	fl.StringVar(&o.Params.SecretKey, "secret-key", "", "sent back in X-Secret-Key (required)")
	fl.BoolVar(&active, "active", true, "deliver events")
	fl.StringSliceVar(&events, "allow-events", []string{"*"}, "event names, comma-separated, or *")
	return cmd
}

func webhooksSetRun(ctx context.Context, o *webhooksSetOptions) error {
	c, err := writeClient(o.Client, o.Confirm, "set the webhook")
	if err != nil {
		return err
	}
	w, err := c.Webhooks.Set(ctx, &o.Params)
	if err != nil {
		return err
	}
	return printWebhook(o.IO, w)
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
