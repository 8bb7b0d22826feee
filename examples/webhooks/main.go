// Command webhooks is a merchant server receiving Bank Hub's two kinds of
// notifications: link-lifecycle events (X-Secret-Key) on /bankhub/events and
// balance-change IPN (Authorization: Apikey) on /bankhub/ipn.
//
//	go run ./examples/webhooks          # demo: drive the fake, print what arrives, exit
//	go run ./examples/webhooks -serve   # keep serving on 127.0.0.1:8080 for curl or SePay
//
// Secrets come from BANKHUB_WEBHOOK_SECRET and BANKHUB_IPN_KEY (demo values
// otherwise). With -serve, try:
//
//	curl -X POST http://127.0.0.1:8080/bankhub/ipn \
//	  -H 'Authorization: Apikey demo-ipn-key' -H 'Content-Type: application/json' \
//	  -d '{"gateway":"MBBank","transaction_date":"2026-01-13 20:55:04","account_number":"0123456789","bank_account_xid":"587eabfb-f086-11f0-b16e-52c7e9b4f41b","va":null,"payment_code":"DH123456","content":"Thanh toan don hang DH123456","transfer_type":"credit","amount":500000,"reference_code":"FT26013123456789","accumulated":0,"transaction_id":"a47b6ab2-8f8b-11f0-b21a-a6006ab65aca"}'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/bankhub-go/bankhub/examples/internal/exampleenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "webhooks:", err)
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run() error {
	serve := flag.Bool("serve", false, "keep serving until interrupted")
	addr := flag.String("addr", "", "listen address (default 127.0.0.1:8080 with -serve, a random port otherwise)")
	flag.Parse()
	if *addr == "" {
		*addr = "127.0.0.1:0"
		if *serve {
			*addr = "127.0.0.1:8080"
		}
	}
	secret := envOr("BANKHUB_WEBHOOK_SECRET", "demo-webhook-secret")
	ipnKey := envOr("BANKHUB_IPN_KEY", "demo-ipn-key")

	var events, ipns atomic.Int32
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	mux := http.NewServeMux()
	mux.Handle("POST /bankhub/events", bankhub.NewWebhookHandler(secret, func(ctx context.Context, ev *bankhub.Event) error {
		events.Add(1)
		switch ev.Type.Canonical() {
		case bankhub.EventBankAccountLinked:
			d, err := ev.BankAccount()
			if err != nil {
				return err
			}
			fmt.Printf("  event %s: %s %s linked (%s)\n", ev.Type, d.BrandName, d.AccountNumber, d.BankAccountXID)
		case bankhub.EventLinkSessionStateChanged:
			d, err := ev.LinkSession()
			if err != nil {
				return err
			}
			fmt.Printf("  event %s: %s\n", ev.Type, d.State)
		default:
			fmt.Printf("  event %s (%s)\n", ev.Type, ev.XID)
		}
		return nil
	}, bankhub.WithDedupe(bankhub.NewMemoryDedupe(0, 0)), bankhub.WithHandlerLogger(logger)))
	mux.Handle("POST /bankhub/ipn", bankhub.NewIPNHandler(ipnKey, func(ctx context.Context, n *bankhub.IPN) error {
		ipns.Add(1)
		// Answer within SePay's 8 seconds: record the payment and queue slow work.
		fmt.Printf("  IPN %s: %s %s on %s %s, payment code %q\n", n.TransactionID, n.TransferType, n.Amount, n.Gateway, n.AccountNumber, n.PaymentCode)
		return nil
	}, bankhub.WithDedupe(bankhub.NewMemoryDedupe(0, 0)), bankhub.WithHandlerLogger(logger)))

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	defer srv.Close()
	base := "http://" + l.Addr().String()

	if *serve {
		fmt.Printf("Listening on %s/bankhub/events and %s/bankhub/ipn (Ctrl-C to stop)\n", base, base)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	}

	env, err := exampleenv.Setup(bankhubtest.WithIPN(base+"/bankhub/ipn", ipnKey))
	if err != nil {
		return err
	}
	defer env.Close()
	if env.Fake == nil {
		return errors.New("with real credentials, run with -serve behind a public HTTPS URL and set it with Webhooks.Set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := env.Client
	if _, err := client.Webhooks.Set(ctx, &bankhub.WebhookConfigParams{WebhookURL: base + "/bankhub/events", SecretKey: secret}); err != nil {
		return err
	}
	fmt.Printf("Receiving on %s; webhook configured\n", base)
	company, err := client.Companies.Create(ctx, &bankhub.CompanyCreateParams{FullName: "Công ty TNHH Webhooks", Status: bankhub.CompanyActive})
	if err != nil {
		return err
	}
	if err := client.Companies.Update(ctx, company.XID, &bankhub.CompanyUpdateParams{TransactionAmount: bankhub.Ptr(bankhub.UnlimitedTransactions())}); err != nil {
		return err
	}
	link, err := client.LinkTokens.Create(ctx, &bankhub.LinkTokenCreateParams{CompanyXID: company.XID, Purpose: bankhub.PurposeLinkBankAccount})
	if err != nil {
		return err
	}
	account, err := env.Fake.SimulateLink(ctx, link.LinkToken, bankhubtest.LinkParams{})
	if err != nil {
		return err
	}
	if _, err := client.Transactions.Simulate(ctx, &bankhub.SimulateTransactionParams{
		BankAccountXID: account, TransferType: bankhub.TransferCredit, Amount: 250_000, TransactionContent: "Thanh toan DH777",
	}); err != nil {
		return err
	}
	failed := 0
	for _, d := range env.Fake.Deliveries() {
		if d.Status != http.StatusOK {
			failed++
		}
	}
	fmt.Printf("Received %d events and %d IPN; %d deliveries not acknowledged\n", events.Load(), ipns.Load(), failed)
	if events.Load() == 0 || ipns.Load() != 1 || failed > 0 {
		return errors.New("not every notification arrived")
	}
	return nil
}
