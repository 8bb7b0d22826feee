package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// loginCmd asks for a client id and secret (the secret without echo on a
// terminal, or two lines of standard input), checks them with a token
// exchange, and writes them to the 0600 profile file: secrets never on the
// command line, where ps and the shell's history see them.
func (a *app) loginCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "login",
		Short: "Save a client id and secret as a profile, after checking them",
		Long: `login asks for the client id and the client secret (the secret is not echoed), checks them
with a token exchange against --env, and saves them as the profile --profile (default
"default") in the profile file
(` + "`~/.config/bankhub/profiles.json`" + ` or $BANKHUB_CONFIG), mode 0600. Without a terminal it reads the id and
the secret from the first two lines of standard input. Use the profile with --profile NAME.`,
		Example: `  bankhub login --profile shop --env production
  printf '%s\n%s\n' "$ID" "$SECRET" | bankhub login --profile ci --env sandbox`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runLogin() },
	}
}

func (a *app) runLogin() error {
	name, env := a.profile, a.env
	if name == "" {
		name = "default"
	}
	if env == "" {
		env = "sandbox"
	}
	if strings.ContainsAny(name, " \t\r\n") {
		return usageErr("--profile must be a word, not %q", name)
	}
	id, secret, err := a.askCredentials()
	if err != nil {
		return err
	}
	check := &app{stdin: a.stdin, stdout: a.stdout, stderr: a.stderr, context: a.context,
		env: env, clientID: id, clientSecret: secret, noCache: true}
	c, err := check.Client()
	if err != nil {
		return err
	}
	if _, err := c.ExchangeToken(a.ctx()); err != nil {
		return fmt.Errorf("the credentials were not accepted by %s, nothing saved: %w", c.BaseURL(), err)
	}
	path := profilePath()
	profiles, err := readProfiles(path)
	if err != nil {
		return err
	}
	profiles[name] = profileEntry{Env: env, ClientID: id, ClientSecret: secret}
	if err := writeProfiles(path, profiles); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "saved profile %q (%s) to %s; use it with --profile %s\n", name, env, path, name)
	return nil
}

// askCredentials reads the id and the secret: prompts on a terminal (the
// secret unechoed), two lines otherwise.
func (a *app) askCredentials() (id, secret string, err error) {
	if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(a.stderr, "Client ID: ")
		id, err = bufio.NewReader(f).ReadString('\n')
		if err != nil {
			return "", "", usageErr("reading the client id: %v", err)
		}
		fmt.Fprint(a.stderr, "Client secret (not shown): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", "", usageErr("reading the client secret: %v", err)
		}
		secret = string(b)
	} else {
		r := bufio.NewReader(a.stdin)
		id, _ = r.ReadString('\n')
		secret, err = r.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", "", usageErr("reading standard input: %v", err)
		}
	}
	id, secret = strings.TrimSpace(id), strings.TrimSpace(secret)
	if id == "" || secret == "" {
		return "", "", usageErr("login needs a client id and a client secret (on a terminal, or as two lines of standard input)")
	}
	return id, secret, nil
}

// readProfiles reads the profile file, if there is one. A file others can
// read is refused, as loadProfile does.
func readProfiles(path string) (map[string]profileEntry, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]profileEntry{}, nil
	}
	if err != nil {
		return nil, usageErr("profile file: %v", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, usageErr("profile file %s is readable by others (mode %04o): chmod 600 it", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("profile file: %v", err)
	}
	var f struct {
		Profiles map[string]profileEntry `json:"profiles"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, usageErr("profile file %s: %v", path, err)
	}
	if f.Profiles == nil {
		f.Profiles = map[string]profileEntry{}
	}
	return f.Profiles, nil
}

// writeProfiles writes the profile file with mode 0600, whole or not at all.
func writeProfiles(path string, profiles map[string]profileEntry) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(struct {
		Profiles map[string]profileEntry `json:"profiles"`
	}{profiles}, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".profiles-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// profilesCmd lists the saved profiles: name, environment and client id,
// never the secret.
func (a *app) profilesCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "profiles",
		Short:   "List the saved profiles (never their secrets)",
		Example: "  bankhub profiles\n  bankhub profiles -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			profiles, err := readProfiles(profilePath())
			if err != nil {
				return err
			}
			names := make([]string, 0, len(profiles))
			for n := range profiles {
				names = append(names, n)
			}
			sort.Strings(names)
			t := &table{header: []string{"NAME", "ENVIRONMENT", "CLIENT ID"}}
			for _, n := range names {
				p := profiles[n]
				t.add(map[string]string{"name": n, "env": p.Env, "client_id": p.ClientID}, n, p.Env, p.ClientID)
			}
			return a.print(t)
		},
	}
}
