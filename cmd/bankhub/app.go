package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bankhub-go/bankhub"
	"golang.org/x/oauth2"
	"golang.org/x/term"
)

// FakeURL is where --env fake looks for a running fake (bankhub fake).
var FakeURL = "http://127.0.0.1:8089" // a variable for the tests

// app is one invocation: its streams and global flags, and the client made
// from them. It makes the factory every command is built from.
type app struct {
	io    *ioStreams
	flags globalFlags

	// production is true when the resolved base URL is production's,
	// however it was named (--env production, its URL, the environment, a
	// profile).
	production bool
	// credentials says where the client id and secret came from, for the
	// error of a refused token.
	credentials string

	client *bankhub.Client
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{io: &ioStreams{In: stdin, Out: stdout, ErrOut: stderr, Format: "table"}}
}

// factory is what the commands are made from: this invocation's streams,
// flags and client.
func (a *app) factory() *factory {
	return &factory{
		IO:               a.io,
		Flags:            &a.flags,
		Client:           a.Client,
		FreshClient:      func() (*bankhub.Client, error) { return a.newClient(true) },
		Confirm:          a.confirmWrite,
		Control:          a.control,
		ProfilePath:      profilePath,
		CheckCredentials: a.checkCredentials,
	}
}

// checkCredentials exchanges id and secret against env, with no cache.
func (a *app) checkCredentials(ctx context.Context, env, id, secret string) (string, error) {
	check := &app{io: a.io, flags: globalFlags{Env: env, ClientID: id, ClientSecret: secret, NoCache: true}}
	c, err := check.Client()
	if err != nil {
		return "", err
	}
	_, err = c.ExchangeToken(ctx)
	return c.BaseURL(), err
}

// profile is one entry of the profile file.
type profileEntry struct {
	Env          string `json:"env"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// profilePath is $BANKHUB_CONFIG, or ~/.config/bankhub/profiles.json.
func profilePath() string {
	if p := os.Getenv("BANKHUB_CONFIG"); p != "" {
		return p
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "profiles.json"
	}
	return filepath.Join(dir, "bankhub", "profiles.json")
}

// resolve settles the environment and credentials by settle's one rule
// (settings.go) and the base URL they name. Every credential error names
// where each half came from.
func (a *app) resolve() (baseURL, id, secret string, err error) {
	st, err := osSettings(a.flags)
	if err != nil {
		return "", "", "", err
	}
	a.flags.Env = st.Env
	if baseURL, err = envURL(st.Env, st.EnvFrom); err != nil {
		return "", "", "", err
	}
	a.production = isProduction(baseURL)
	a.credentials = fmt.Sprintf("client id from %s, secret from %s, for %s", st.IDFrom, st.SecretFrom, baseURL)
	if a.flags.DryRun {
		return baseURL, st.ID, st.Secret, nil
	}
	switch {
	case st.ID == "" && st.Secret == "":
		return "", "", "", usageErr("no credentials for %s: run `bankhub login`, give --client-id and --client-secret, set BANKHUB_CLIENT_ID and BANKHUB_CLIENT_SECRET, or use --profile", st.Env)
	case st.Secret == "":
		return "", "", "", usageErr("a client id (from %s) but no client secret: give --client-secret or set BANKHUB_CLIENT_SECRET", st.IDFrom)
	case st.ID == "":
		return "", "", "", usageErr("a client secret (from %s) but no client id: give --client-id or set BANKHUB_CLIENT_ID", st.SecretFrom)
	}
	return baseURL, st.ID, st.Secret, nil
}

// envURL is the base URL an environment names: production, sandbox, fake
// or a URL.
func envURL(env, from string) (string, error) {
	switch env {
	case "production":
		return bankhub.ProductionURL, nil
	case "sandbox":
		return bankhub.SandboxURL, nil
	case "fake":
		return FakeURL, nil
	}
	if !strings.HasPrefix(env, "http://") && !strings.HasPrefix(env, "https://") {
		return "", usageErr("the environment %q (from %s) must be production, sandbox, fake or a URL", env, from)
	}
	return env, nil
}

// Client returns the SDK client for this invocation. With --dry-run, no
// request leaves: each is printed, secrets redacted, instead.
func (a *app) Client() (*bankhub.Client, error) {
	if a.client != nil {
		return a.client, nil
	}
	c, err := a.newClient(a.flags.NoCache)
	if err == nil {
		a.client = c
	}
	return c, err
}

// newClient makes the client, with the token cache unless noCache.
func (a *app) newClient(noCache bool) (*bankhub.Client, error) {
	baseURL, id, secret, err := a.resolve()
	if err != nil {
		return nil, err
	}
	opts := []bankhub.Option{bankhub.WithBaseURL(baseURL), bankhub.WithUserAgent("bankhub-cli")}
	if a.flags.Env == "fake" { // a local fake is there or not: no seconds of backoff before saying so
		opts = append(opts, bankhub.WithRetryPolicy(bankhub.RetryPolicy{MaxRetries: 1, MinWait: 50 * time.Millisecond,
			MaxWait: 100 * time.Millisecond, MaxRetryAfter: time.Second}))
	}
	if a.flags.DryRun {
		opts = append(opts,
			bankhub.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "dry-run-token", TokenType: "Bearer"})),
			bankhub.WithHTTPClient(&http.Client{Transport: dryRun{w: a.io.Out}}),
			bankhub.WithRetryPolicy(bankhub.NoRetry))
	}
	if !a.flags.DryRun && !noCache {
		exchange, err := bankhub.NewClient(id, secret, opts...)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		if tc := newTokenCache(baseURL, id, secret, exchange); tc != nil {
			opts = append(opts, bankhub.WithTokenSource(tc))
		}
	}
	c, err := bankhub.NewClient(id, secret, opts...)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return c, nil
}

// errDryRun ends a call whose request was printed instead of sent.
var errDryRun = errors.New("dry run: nothing sent")

// dryRun prints each request, secrets redacted, and sends nothing.
type dryRun struct{ w io.Writer }

func (d dryRun) RoundTrip(r *http.Request) (*http.Response, error) {
	fmt.Fprintf(d.w, "%s %s\n", r.Method, r.URL)
	for _, k := range []string{"Authorization", "Content-Type", "Accept"} {
		if v := r.Header.Get(k); v != "" {
			if k == "Authorization" {
				scheme, _, _ := strings.Cut(v, " ")
				v = scheme + " [redacted]"
			}
			fmt.Fprintf(d.w, "%s: %s\n", k, v)
		}
	}
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		if len(b) > 0 {
			fmt.Fprintf(d.w, "\n%s\n", redactBody(b))
		}
	}
	return nil, errDryRun
}

// redactBody hides the secret fields of a request body.
func redactBody(b []byte) string {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return string(b)
	}
	for _, k := range []string{"secret_key", "link_token"} {
		if _, ok := m[k]; ok {
			m[k] = "[redacted]"
		}
	}
	out, _ := json.MarshalIndent(m, "", "  ")
	return string(out)
}

// confirmWrite asks before a write to production, unless --yes or
// --dry-run.
func (a *app) confirmWrite(what string) error {
	if !a.production || a.flags.Yes || a.flags.DryRun {
		return nil
	}
	if !isTerminal(a.io.In) {
		return &codedError{code: exitAborted, err: fmt.Errorf("refusing to %s in production without --yes (no terminal to ask)", what)}
	}
	fmt.Fprintf(a.io.ErrOut, "About to %s in PRODUCTION. Proceed? [y/N] ", what)
	line, _ := bufio.NewReader(a.io.In).ReadString('\n')
	if ans := strings.ToLower(strings.TrimSpace(line)); ans != "y" && ans != "yes" {
		return &codedError{code: exitAborted, err: errors.New("aborted")}
	}
	return nil
}

// isTerminal reports whether v is a terminal (a prompt can be answered, a
// progress line overwritten).
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// isProduction reports whether baseURL is the production API, whatever its
// case, trailing dot, trailing slash or port (--env
// https://bankhub-api.sepay.vn:0443, dialled as 443, was taken for another
// environment and written to without asking).
func isProduction(baseURL string) bool {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return false
	}
	prod, _ := url.Parse(bankhub.ProductionURL)
	// Any port on production's host is production (0443 is dialled as
	// 443; another port answers nothing), whatever its scheme.
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".") == prod.Hostname()
}
