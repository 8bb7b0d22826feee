package main

import (
	"context"
	"io"
	"iter"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

// factory is what every command is made from, as gh's cmdutil.Factory: the
// streams with the output format, and functions that make the client,
// confirm a production write and call a fake's control API when the command
// runs (the global flags are parsed by then). Each command has an options
// struct filled from its flags and these, and a run function that takes
// the options: a test builds the options itself (a client on a fake, buffers
// for the streams) and calls the run function, with no process and no
// command line.
type factory struct {
	IO *ioStreams
	// Flags are the global flags (--env, --profile, ...), set when the
	// command line is parsed.
	Flags *globalFlags
	// Client is the invocation's SDK client, its token cached unless
	// --no-cache.
	Client func() (*bankhub.Client, error)
	// FreshClient is the client with no token cache: each token is
	// exchanged (auth checks the credentials with it).
	FreshClient func() (*bankhub.Client, error)
	// Confirm asks before a write to production; it returns nil to go on.
	// Call it after Client, which settles the environment.
	Confirm func(what string) error
	// Control posts body to a running fake's control API (path "link",
	// "unlink", "transfer") and returns its JSON answer.
	Control func(ctx context.Context, path string, body map[string]any) (map[string]any, error)
	// ProfilePath is the profile file's path ($BANKHUB_CONFIG or the
	// user's config directory).
	ProfilePath func() string
	// CheckCredentials exchanges id and secret against env (login's check)
	// and returns the environment's base URL.
	CheckCredentials func(ctx context.Context, env, id, secret string) (baseURL string, err error)
}

// globalFlags are the flags every command takes.
type globalFlags struct {
	Env, ClientID, ClientSecret, Profile string
	Yes, DryRun, NoCache                 bool
}

// ioStreams are a command's streams and the --output format.
type ioStreams struct {
	In          io.Reader
	Out, ErrOut io.Writer
	// Format is --output: table (or ""), json, jsonl or csv.
	Format string
}

// forPeople reports whether the output is the table, where summaries and
// notes are printed; the machine formats carry the data alone.
func (s *ioStreams) forPeople() bool { return s.Format == "" || s.Format == "table" }

// runFunc picks the run function a test passed to a command's constructor,
// or the command's own.
func runFunc[O any](test, own func(context.Context, *O) error) func(context.Context, *O) error {
	if test != nil {
		return test
	}
	return own
}

// dateFlag parses a YYYY-MM-DD flag ("" when unset).
func dateFlag(name, v string) (bankhub.Date, error) {
	if v == "" {
		return bankhub.Date{}, nil
	}
	d, err := bankhub.ParseDate(v)
	if err != nil {
		return bankhub.Date{}, usageErr("--%s: %s", name, strings.TrimPrefix(err.Error(), "bankhub: "))
	}
	return d, nil
}

// listOrAll is every list command's body: one page (list), or with --all
// every page (walk), with progress on stderr; add takes each item.
func listOrAll[T, P any](ctx context.Context, io *ioStreams, all bool, list func(context.Context, *P) (*bankhub.Page[T], error),
	walk func(context.Context, *P) iter.Seq2[T, error], params *P, add func(T)) error {
	if !all {
		page, err := list(ctx, params)
		if err != nil {
			return err
		}
		for _, v := range page.Data {
			add(v)
		}
		return nil
	}
	pr := io.progress()
	defer pr.done()
	for v, err := range walk(ctx, params) {
		if err != nil {
			return err
		}
		pr.tick()
		add(v)
	}
	return nil
}

// writeClient is the client for a write, once a write to production is
// confirmed.
func writeClient(client func() (*bankhub.Client, error), confirm func(string) error, what string) (*bankhub.Client, error) {
	c, err := client()
	if err != nil {
		return nil, err
	}
	if err := confirm(what); err != nil {
		return nil, err
	}
	return c, nil
}

// pagingFlags are the flags of every list command.
func pagingFlags(cmd *cobra.Command, page, perPage *int, all *bool) {
	cmd.Flags().IntVar(page, "page", 0, "page number (server default 1)")
	cmd.Flags().IntVar(perPage, "per-page", 0, "page size (server default 20)")
	cmd.Flags().BoolVar(all, "all", false, "walk every page")
}
