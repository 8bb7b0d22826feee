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
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/bankhub-go/bankhub"
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
	a := newApp(stdin, stdout, stderr)
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
		fmt.Fprintf(stderr, "bankhub: %s\n", terminalSafe(msg)) // a server's or a fake's words, one line
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
	case a.flags.Env == "fake" && errors.As(err, &op) && op.Op == "dial":
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
	pf.StringVar(&a.flags.Env, "env", "", "production, sandbox, fake or a base URL (default sandbox)")
	pf.StringVar(&a.flags.ClientID, "client-id", "", "client ID (or BANKHUB_CLIENT_ID)")
	pf.StringVar(&a.flags.ClientSecret, "client-secret", "", "client secret (or BANKHUB_CLIENT_SECRET)")
	pf.StringVar(&a.flags.Profile, "profile", "", "profile name in the profile file")
	pf.StringVarP(&a.io.Format, "output", "o", "table", "table, json, jsonl or csv")
	pf.BoolVarP(&a.flags.Yes, "yes", "y", false, "do not ask before writing to production")
	pf.BoolVar(&a.flags.DryRun, "dry-run", false, "print the request instead of sending it")
	pf.BoolVar(&a.flags.NoCache, "no-cache", false, "fetch a new access token instead of the cached one (kept 0600 in the user's cache directory, never the secret)")
	f := a.factory()
	root.AddCommand(newCompaniesCmd(f), newLinkTokensCmd(f), newBankAccountsCmd(f), newTransactionsCmd(f),
		newMerchantConfigCmd(f), newWebhooksCmd(f), newAuthCmd(f, nil), newListenCmd(f, nil), newReconcileCmd(f, nil),
		newFakeCmd(f), newAPICmd(f, nil), newLoginCmd(f, nil), newLogoutCmd(f, nil), newProfilesCmd(f, nil), newVersionCmd())
	root.RegisterFlagCompletionFunc("profile", profileNames)
	return root
}

// newVersionCmd prints the version, as --version does.
func newVersionCmd() *cobra.Command {
	return &cobra.Command{Use: "version", Short: "Print the CLI's and the SDK's version", Args: cobra.NoArgs, Example: "  bankhub version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "bankhub %s (SDK bankhub-go %s, %s)\n", bankhub.Version, bankhub.Version, runtime.Version())
			return err
		}}
}
