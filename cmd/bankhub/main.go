// Command bankhub is a command-line tool for the SePay Bank Hub API: every
// operation, in production, the sandbox or the fake, plus auth, listen,
// reconcile and fake. It is built on the SDK.
//
//	go install github.com/bankhub-go/bankhub/cmd/bankhub@latest
//	bankhub --env sandbox transactions list --all --output csv
//
// Exit codes: 0 ok, 1 other error, 2 usage or invalid params, 3 auth, 4 not
// found, 5 validation, 6 rate limited, 7 server, 8 network, 9 aborted, 130 interrupted.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/internal/fakeserver"
	"github.com/spf13/cobra"
)

func main() {
	// Ctrl-C (or SIGTERM) cancels the request in flight; the exit is 130.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := ExecuteContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Execute runs the command line args and returns the exit code. Errors are
// one line on stderr.
func Execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return ExecuteContext(context.Background(), args, stdin, stdout, stderr)
}

// ExecuteContext is Execute with a context that every SDK call of the
// command runs under: cancelling it (main does on Ctrl-C) stops the request
// in flight, and the exit code is then exitInterrupted.
func ExecuteContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, context: ctx}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	typedUsageErrors(root)
	a.completions(root)
	setExamples(root)
	err := root.ExecuteContext(ctx)
	if errors.Is(err, errDryRun) {
		return exitOK
	}
	if err != nil && ctx.Err() != nil {
		fmt.Fprintln(stderr, "bankhub: interrupted")
		return exitInterrupted
	}
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "bankhub: ")
		if hint := a.hint(err); hint != "" {
			msg += "; " + hint
		}
		fmt.Fprintf(stderr, "bankhub: %s\n", msg)
		return exitCode(err)
	}
	return exitOK
}

// hint says what to do about the errors a newcomer meets first.
func (a *app) hint(err error) string {
	var op *net.OpError
	switch {
	case errors.Is(err, bankhub.ErrUnauthorized) && a.credentials != "":
		return "the credentials were refused (" + a.credentials + ")"
	case a.env == "fake" && errors.As(err, &op) && op.Op == "dial":
		return "no fake is running at " + FakeURL + ": start one with `bankhub fake` in another terminal"
	}
	return ""
}

// typedUsageErrors makes every mistake on the command line a usage error
// (exit 2) by type, not by cobra's wording: a bad flag or flag value, wrong
// arguments, and an unknown subcommand (cobra would print the parent's help
// and exit 0), which also gets cobra's "did you mean" suggestions.
func typedUsageErrors(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &codedError{code: exitUsage, err: err} })
	if args := cmd.Args; args != nil {
		cmd.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return &codedError{code: exitUsage, err: err}
			}
			return nil
		}
	}
	if cmd.HasSubCommands() && cmd.Run == nil && cmd.RunE == nil {
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
			if c.SuggestionsMinimumDistance <= 0 {
				c.SuggestionsMinimumDistance = 2 // cobra's default, set where it finds it unset
			}
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return &codedError{code: exitUsage, err: errors.New(msg + " (" + c.CommandPath() + " --help lists them)")}
		}
	}
	for _, sub := range cmd.Commands() {
		typedUsageErrors(sub)
	}
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "bankhub",
		Short: "The SePay Bank Hub API from the command line",
		Long: `bankhub: every Bank Hub operation from the command line, on production, the sandbox or a fake.

Environments (--env): production, sandbox (default), fake (a running "bankhub fake" on
` + FakeURL + `, with its credentials), or a base URL. Credentials: --client-id and
--client-secret, or BANKHUB_CLIENT_ID and BANKHUB_CLIENT_SECRET (BANKHUB_ENV or
BANKHUB_BASE_URL for the environment), or --profile NAME from $BANKHUB_CONFIG
(default ~/.config/bankhub/profiles.json, mode 0600):
  {"profiles": {"shop": {"env": "production", "client_id": "...", "client_secret": "..."}}}

Writes to production ask for confirmation unless --yes. --dry-run prints the request instead
of sending it, secrets redacted. Times are Vietnam time (UTC+7); money is whole dong.

Exit codes: 0 ok, 1 other error, 2 usage or invalid params, 3 auth (401/403), 4 not found,
5 validation (400/413/422), 6 rate limited, 7 server (5xx, blocked, undecodable), 8 network,
9 aborted (a production write not confirmed), 130 interrupted (Ctrl-C).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       bankhub.Version,
	}
	root.SetVersionTemplate("bankhub {{.Version}} (SDK bankhub-go " + bankhub.Version + ")\n")
	pf := root.PersistentFlags()
	pf.StringVar(&a.env, "env", "", "production, sandbox, fake or a base URL (default sandbox)")
	pf.StringVar(&a.clientID, "client-id", "", "client ID (or BANKHUB_CLIENT_ID)")
	pf.StringVar(&a.clientSecret, "client-secret", "", "client secret (or BANKHUB_CLIENT_SECRET)")
	pf.StringVar(&a.profile, "profile", "", "profile name in the profile file")
	pf.StringVarP(&a.output, "output", "o", "table", "table, json, jsonl or csv")
	pf.BoolVarP(&a.yes, "yes", "y", false, "do not ask before writing to production")
	pf.BoolVar(&a.dryRun, "dry-run", false, "print the request instead of sending it")
	pf.BoolVar(&a.noCache, "no-cache", false, "fetch a new access token instead of the cached one (kept 0600 in the user's cache directory, never the secret)")
	root.AddCommand(a.companiesCmd(), a.linkTokensCmd(), a.bankAccountsCmd(), a.transactionsCmd(),
		a.merchantConfigCmd(), a.webhooksCmd(), a.authCmd(), a.listenCmd(), a.reconcileCmd(), a.fakeCmd(), a.apiCmd(),
		a.loginCmd(), a.profilesCmd())
	return root
}

// --- auth ---

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

// --- listen ---

func (a *app) listenCmd() *cobra.Command {
	var addr, secret, ipnKey, forward string
	cmd := &cobra.Command{Use: "listen", Short: "Serve the webhook and IPN endpoints locally and print each verified notification",
		Long: `listen serves POST /webhook (events, verified with --webhook-secret) and POST /ipn (IPN,
verified with --ipn-key) on --addr, with the SDK's handlers, and prints each verified
notification. With --forward-to URL, each is also sent on to URL + its path, body and headers
as they came (for your local server behind a tunnel).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if secret == "" && ipnKey == "" {
				return usageErr("give --webhook-secret, --ipn-key or both")
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return &codedError{code: exitError, err: err}
			}
			ctx, stop := signal.NotifyContext(a.ctx(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(a.stderr, "listening on http://%s (POST /webhook, POST /ipn); Ctrl-C to stop\n", l.Addr())
			return a.serveListen(ctx, l, secret, ipnKey, forward)
		}}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:4242", "listen address")
	f.StringVar(&secret, "webhook-secret", "", "the webhook's secret_key")
	f.StringVar(&ipnKey, "ipn-key", "", "the IPN API key SePay issued")
	f.StringVar(&forward, "forward-to", "", "also send each notification on to this base URL")
	return cmd
}

// listenHandler is what listen serves; a separate function so that tests
// can drive it with the SDK's test requests.
func (a *app) listenHandler(secret, ipnKey, forward string) http.Handler {
	mux := http.NewServeMux()
	out := &syncWriter{w: a.stdout}
	errOut := &syncWriter{w: a.stderr}
	if a.forwards == nil {
		a.forwards = new(sync.WaitGroup)
	}
	// The forward carries the notification's own headers (the secret or the
	// key included, for the local app to verify), so it goes to the target
	// given and nowhere else: a redirect is not followed.
	forwardClient := &http.Client{Timeout: forwardTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	relay := func(path string, header http.Header, body []byte) {
		req, err := http.NewRequest(http.MethodPost, strings.TrimRight(forward, "/")+path, bytes.NewReader(body))
		if err != nil {
			errOut.line("forward: %v", err)
			return
		}
		req.Header = header
		resp, err := forwardClient.Do(req)
		if err != nil {
			errOut.line("forward %s: %v", path, err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			errOut.line("forwarded %s → %s (a redirect, not followed)", path, resp.Status)
			return
		}
		errOut.line("forwarded %s → %s", path, resp.Status)
	}
	// keep reads the body for forwarding and hands the handler a copy. SePay
	// is answered first (it waits 8 seconds): the forward happens after.
	keep := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, bankhub.DefaultMaxBodySize))
			r.Body = io.NopCloser(bytes.NewReader(body))
			rec := &statusRecorder{ResponseWriter: w}
			h.ServeHTTP(rec, r)
			if rec.status == http.StatusOK && forward != "" {
				a.forwards.Add(1)
				go func(path string, header http.Header) {
					defer a.forwards.Done()
					relay(path, header, body)
				}(r.URL.Path, r.Header.Clone())
			}
		})
	}
	logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if secret != "" {
		mux.Handle("POST /webhook", keep(bankhub.NewWebhookHandler(secret, func(_ context.Context, ev *bankhub.Event) error {
			t := &table{header: []string{"EVENT", "XID", "TIME (UTC+7)"}, single: true}
			t.add(ev, string(ev.Type), ev.XID, ev.Timestamp.In(bankhub.VietnamZone()).Format(timeLayout))
			return out.print(a, t)
		}, bankhub.WithHandlerLogger(logger))))
	}
	if ipnKey != "" {
		mux.Handle("POST /ipn", keep(bankhub.NewIPNHandler(ipnKey, func(_ context.Context, n *bankhub.IPN) error {
			t := &table{header: []string{"IPN", "TRANSACTION ID", "TYPE", "AMOUNT", "PAYMENT CODE", "CONTENT"}, single: true}
			t.add(n, "ipn", n.TransactionID, string(n.TransferType), showVND(n.Amount), n.PaymentCode, n.Content)
			return out.print(a, t)
		}, bankhub.WithHandlerLogger(logger))))
	}
	return mux
}

func (a *app) serveListen(ctx context.Context, l net.Listener, secret, ipnKey, forward string) error {
	srv := &http.Server{Handler: a.listenHandler(secret, ipnKey, forward), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if a.forwards != nil {
		a.forwards.Wait()
	}
	return nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }

// syncWriter serialises the lines of concurrent notifications.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// line writes one line, its text escaped for the terminal.
func (s *syncWriter) line(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintln(s.w, terminalSafe(fmt.Sprintf(format, args...)))
}

// forwardTimeout bounds one forward of listen and one replay of reconcile
// (a variable for the tests).
var forwardTimeout = 10 * time.Second

func (s *syncWriter) print(a *app, t *table) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.output == "" || a.output == "table" {
		fmt.Fprintln(s.w, joinCells(t.rows[0], "  "))
		return nil
	}
	b := *a
	b.output = "jsonl"
	b.stdout = s.w
	return b.print(t)
}

// --- reconcile ---

func (a *app) reconcileCmd() *cobra.Command {
	var window time.Duration
	var forward, ipnKey string
	cmd := &cobra.Command{Use: "reconcile", Short: "One pass of the reconciler: the transactions whose IPN was not delivered",
		Long: `reconcile makes one pass of the SDK's reconciler over the last --window of transactions
and lists those whose IPN was not delivered (webhook_success 0). With --forward-to URL
--ipn-key KEY, each is also sent to URL as the IPN SePay would have sent, so that your
endpoint can record it (it must de-duplicate on transaction_id, as it must for SePay).`,
		Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			if forward != "" && ipnKey == "" {
				return usageErr("--forward-to needs --ipn-key")
			}
			t := &table{header: []string{"TRANSACTION ID", "DATE (UTC+7)", "TYPE", "AMOUNT", "PAYMENT CODE", "CONTENT", "FORWARDED"}, money: []int{3}}
			// A replay goes to the URL given, within forwardTimeout, and
			// counts as delivered on a 2xx only (a redirect is not followed).
			replay := &http.Client{Timeout: forwardTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			}}
			failed := 0
			fn := func(ctx context.Context, n *bankhub.IPN) error {
				status := ""
				if forward != "" {
					req, err := bankhub.NewIPNTestRequest(forward, ipnKey, n)
					if err != nil {
						return err
					}
					resp, err := replay.Do(req.WithContext(ctx))
					if err != nil {
						status = "error: " + err.Error()
						failed++
					} else {
						resp.Body.Close()
						status = resp.Status
						if resp.StatusCode < 200 || resp.StatusCode > 299 {
							failed++
						}
					}
				}
				t.add(n, n.TransactionID, showTime(n.TransactionDate), string(n.TransferType), showVND(n.Amount), n.PaymentCode, n.Content, status)
				return nil
			}
			rec := bankhub.NewReconciler(c, fn, bankhub.WithReconcileDedupe(bankhub.NewMemoryDedupe(0, 0)),
				bankhub.WithReconcileWindow(window), bankhub.WithReconcileFilter(bankhub.TransactionListParams{WebhookSuccess: bankhub.Ptr(false)}))
			res, err := rec.Once(a.ctx())
			if err != nil {
				return err
			}
			if err := a.print(t); err != nil {
				return err
			}
			if a.output == "" || a.output == "table" {
				fmt.Fprintf(a.stdout, "%d of the last %s missed by IPN (%s)\n", res.Handled, showDuration(window), plural(res.Requests, "request"))
			}
			if failed > 0 { // so that `bankhub reconcile --forward-to … || alert` alerts
				return &codedError{code: exitError, err: fmt.Errorf("%d of %d replays to %s were not delivered", failed, res.Handled, forward)}
			}
			return nil
		})}
	cmd.Flags().DurationVar(&window, "window", 24*time.Hour, "how far back to look")
	cmd.Flags().StringVar(&forward, "forward-to", "", "send each missed transaction to this IPN URL")
	cmd.Flags().StringVar(&ipnKey, "ipn-key", "", "the API key your IPN endpoint expects")
	return cmd
}

// --- fake ---

func (a *app) fakeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "fake [flags]", Short: "Run the fake Bank Hub (the same as bankhub-fake), or drive a running one",
		Long: `fake runs the fake Bank Hub, with the flags of bankhub-fake (bankhub fake -h lists them
and its control API). Its subcommands drive a running fake (--env fake, or --env URL).`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if slices.ContainsFunc(args, func(s string) bool { return s == "-h" || s == "-help" || s == "--help" }) {
				defer fmt.Fprint(a.stderr, `
Subcommands, to drive a running fake (--env fake, or --env URL):
  bankhub fake link LINK_TOKEN_XID      complete a LINK token as a user would
  bankhub fake unlink LINK_TOKEN_XID    complete an UNLINK token
  bankhub fake transfer --bank-account-xid XID --amount N --content TEXT
                                        book a transfer (and deliver its IPN)
Flags take one dash or two (-seed, --seed).
`)
			}
			if code := fakeserver.Main("bankhub fake", args, a.stdout, a.stderr); code != 0 {
				return &codedError{code: code, err: errors.New("fake stopped")}
			}
			return nil
		}}
	var linkXID, brand, number string
	link := &cobra.Command{Use: "link LINK_TOKEN_XID", Short: "Complete a LINK token as a user would (the xid at the end of hosted_link_url)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			linkXID = args[0]
			return a.control("link", map[string]any{"link_token_xid": linkXID, "brand_name": brand, "account_number": number},
				[]string{"BANK ACCOUNT XID"}, "bank_account_xid")
		}}
	link.Flags().StringVar(&brand, "brand-name", "", "a sandbox bank (default MBBank)")
	link.Flags().StringVar(&number, "account-number", "", "the account (default the bank's test account)")
	unlink := &cobra.Command{Use: "unlink LINK_TOKEN_XID", Short: "Complete an UNLINK token", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.control("unlink", map[string]any{"link_token_xid": args[0]}, []string{"BANK ACCOUNT XID"}, "bank_account_xid")
		}}
	var account, content, direction, date, reference string
	var amount int64
	transfer := &cobra.Command{Use: "transfer", Short: "Book a transfer on a linked account (the fake delivers its IPN)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.control("transfer", map[string]any{"bank_account_xid": account, "amount": amount, "content": content,
				"transfer_type": direction, "transaction_date": date, "reference_code": reference},
				[]string{"TRANSACTION ID", "AMOUNT", "IPN DELIVERED"}, "transaction_id", "amount", "webhook_success")
		}}
	tf := transfer.Flags()
	tf.StringVar(&account, "bank-account-xid", "", "the linked account (required)")
	tf.Int64Var(&amount, "amount", 0, "VND, whole dong (required)")
	tf.StringVar(&content, "content", "", "the transfer description")
	tf.StringVar(&direction, "transfer-type", "in", "in or out")
	tf.StringVar(&date, "transaction-date", "", "when the bank booked it (default now)")
	tf.StringVar(&reference, "reference-code", "", "the bank's reference (default generated)")
	cmd.AddCommand(link, unlink, transfer)
	return cmd
}
