package bankhubtest

// The fake as a command: cmd/bankhub-fake and the CLI's "bankhub fake" are
// both RunCommand, with the same flags.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// RunCommand runs the fake as a command line program, named name in its
// messages (bankhub-fake, or "bankhub fake"), with the flags args, until
// ctx ends (the commands end it on SIGINT and SIGTERM); then it waits for
// the requests in flight. It returns the exit code: 0 after a clean stop,
// 1 when the server cannot start, 2 for bad flags. -h lists the flags and
// the control API, with a curl example each.
func RunCommand(ctx context.Context, name string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8089", "listen address (0.0.0.0:8089 in a container)")
	publicURL := fs.String("public-url", "", "base URL clients use to reach this server, e.g. http://bankhub-fake:8089 (default: the listen address)")
	id := fs.String("client-id", "bankhubtest-client", "client ID the server accepts")
	secret := fs.String("client-secret", "bankhubtest-secret", "client secret the server accepts")
	ttl := fs.Duration("token-ttl", time.Hour, "access token lifetime")
	seed := fs.Bool("seed", false, "create an Active company (IPN on, payment codes DH + 6-8 digits) and a linked MBBank account")
	ipnURL := fs.String("ipn", "", "IPN URL to deliver transactions to (also settable with POST /__control/ipn-target)")
	ipnKey := fs.String("ipn-key", "bankhubtest-ipn-key", "API key sent with each IPN")
	production := fs.Bool("production", false, "behave like production: POST /v1/transaction/create answers 403")
	logFormat := fs.String("log", "text", "request and delivery log on stderr: text, json or off")
	check := fs.Bool("check", false, "do not serve: ask the fake at -addr (or -public-url) for its health, exit 0 if healthy (for container health checks)")
	fs.Usage = func() { commandUsage(name, fs, stderr) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *check {
		return healthCheck(ctx, name, *addr, *publicURL, stderr)
	}
	var logger *slog.Logger
	switch *logFormat {
	case "text":
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	case "json":
		logger = slog.New(slog.NewJSONHandler(stderr, nil))
	case "off":
	default:
		fmt.Fprintf(stderr, "%s: -log must be text, json or off, not %q\n", name, *logFormat)
		return 2
	}
	opts := []ServerOption{
		WithAddr(*addr),
		WithCredentials(*id, *secret),
		WithTokenTTL(*ttl),
		WithLogger(logger),
	}
	if *publicURL != "" {
		opts = append(opts, WithPublicURL(*publicURL))
	}
	if *ipnURL != "" {
		opts = append(opts, WithIPN(*ipnURL, *ipnKey))
	}
	if *production {
		opts = append(opts, WithProduction())
	}
	srv, err := Start(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "%s: cannot listen on %s: %v\n", name, *addr, errors.Unwrap(err))
		return 1
	}
	fmt.Fprintf(stdout, "fake Bank Hub on %s (client id %s, secret %s)\n", srv.URL, srv.ClientID, srv.ClientSecret)
	fmt.Fprintf(stdout, "health: %s/__control/health; control API: %s%s (%s -h lists it)\n", srv.URL, srv.URL, strings.TrimSuffix(ControlPrefix, "/"), name)
	if *seed {
		company := srv.AddCompany(CompanyParams{})
		account, _ := srv.AddBankAccount(company, LinkParams{})
		fmt.Fprintf(stdout, "seeded company %s and linked bank account %s (MBBank 0123456789)\n", company, account)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down")
	srv.Close() // waits for requests in flight
	return 0
}

// healthCheck asks a running fake for its health: exit 0 when it answers.
func healthCheck(ctx context.Context, name, addr, publicURL string, stderr io.Writer) int {
	base := publicURL
	if base == "" {
		base = "http://" + strings.Replace(addr, "0.0.0.0:", "127.0.0.1:", 1)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/__control/health", nil)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "%s: unhealthy: %v\n", name, err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "%s: unhealthy: %s\n", name, resp.Status)
		return 1
	}
	return 0
}

func commandUsage(name string, fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, `%s: a fake SePay Bank Hub, for tests and development in any language.

Usage: %s [flags]

It serves the Bank Hub API under /v1/ (POST /v1/token with Basic client_id:client_secret,
then Bearer), the hosted link page at each hosted_link_url (sandbox banks, test accounts and
OTPs: MBBank 0123456789 / OTP 12345678, ACB 4567890123 / OTP 456789), and this control API:

`, name, name)
	u := "http://127.0.0.1:8089/__control"
	for _, e := range [][2]string{
		{"GET  health", "curl " + u + "/health"},
		{"POST companies: add a company (IPN on)", "curl --json '{\"full_name\":\"Shop\"}' " + u + "/companies"},
		{"POST bank-accounts: add a linked account", "curl --json '{\"company_xid\":\"XID\",\"brand_name\":\"ACB\"}' " + u + "/bank-accounts"},
		{"POST link: complete a LINK token", "curl --json '{\"link_token_xid\":\"XID\"}' " + u + "/link"},
		{"POST unlink: complete an UNLINK token", "curl --json '{\"link_token\":\"VALUE\"}' " + u + "/unlink"},
		{"POST inactivate: disable an account", "curl --json '{\"bank_account_xid\":\"XID\"}' " + u + "/inactivate"},
		{"POST transfer: book a transfer (IPN)", "curl --json '{\"bank_account_xid\":\"XID\",\"amount\":500000,\"content\":\"DH123456\",\"transfer_type\":\"in\"}' " + u + "/transfer"},
		{"POST ipn-target: where IPNs go", "curl --json '{\"url\":\"http://host:3000/ipn\",\"api_key\":\"KEY\"}' " + u + "/ipn-target"},
		{"POST webhook-target: where events go", "curl --json '{\"url\":\"http://host:3000/hooks\",\"secret_key\":\"SECRET\"}' " + u + "/webhook-target"},
		{"POST faults: misbehave on purpose", "curl --json '{\"op\":\"GET /v1/company\",\"count\":2,\"status\":503}' " + u + "/faults"},
		{"POST faults/clear", "curl --json '' " + u + "/faults/clear"},
		{"POST expire-tokens: every token 401s", "curl --json '' " + u + "/expire-tokens"},
		{"POST clock: move time forward", "curl --json '{\"advance\":\"2h\"}' " + u + "/clock"},
		{"GET  requests: the request log", "curl " + u + "/requests"},
		{"GET  deliveries: events and IPNs sent", "curl " + u + "/deliveries"},
		{"POST reset: forget all state", "curl --json '' " + u + "/reset"},
	} {
		fmt.Fprintf(w, "  %s\n      %s\n", e[0], e[1])
	}
	fmt.Fprint(w, "\nFlags:\n")
	fs.PrintDefaults()
}
