package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type loginOptions struct {
	IO *ioStreams
	// Check exchanges the credentials against env and returns its base
	// URL: nothing is saved that the API refused.
	Check func(ctx context.Context, env, id, secret string) (baseURL string, err error)
	// ProfilePath is the file written.
	ProfilePath string

	Profile, Env string
}

// newLoginCmd asks for a client id and secret (the secret without echo on a
// terminal, or two lines of standard input), checks them with a token
// exchange, and writes them to the 0600 profile file: secrets never on the
// command line, where ps and the shell's history see them.
func newLoginCmd(f *factory, run func(context.Context, *loginOptions) error) *cobra.Command {
	o := &loginOptions{IO: f.IO, Check: f.CheckCredentials}
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Profile, o.Env, o.ProfilePath = f.Flags.Profile, f.Flags.Env, f.ProfilePath()
			if o.Profile == "" {
				o.Profile = "default"
			}
			if o.Env == "" {
				o.Env = "sandbox"
			}
			return runFunc(run, loginRun)(cmd.Context(), o)
		},
	}
}

func loginRun(ctx context.Context, o *loginOptions) error {
	if o.Profile == "" || strings.ContainsAny(o.Profile, " \t\r\n") {
		return usageErr("--profile must be a word, not %q", o.Profile)
	}
	id, secret, err := askCredentials(o.IO)
	if err != nil {
		return err
	}
	baseURL, err := o.Check(ctx, o.Env, id, secret)
	if err != nil && baseURL == "" { // no request made: the environment or the credentials are malformed
		return err
	}
	if err != nil {
		return fmt.Errorf("the credentials were not accepted by %s, nothing saved: %w", baseURL, err)
	}
	profiles, err := readProfiles(o.ProfilePath)
	if err != nil {
		return err
	}
	profiles[o.Profile] = profileEntry{Env: o.Env, ClientID: id, ClientSecret: secret}
	if err := writeProfiles(o.ProfilePath, profiles); err != nil {
		return err
	}
	if o.Profile == defaultProfile {
		fmt.Fprintf(o.IO.ErrOut, "saved profile %q (%s) to %s: commands use it when no profile is named and no credentials are exported\n",
			o.Profile, o.Env, o.ProfilePath)
	} else {
		fmt.Fprintf(o.IO.ErrOut, "saved profile %q (%s) to %s; use it with --profile %s\n", o.Profile, o.Env, o.ProfilePath, o.Profile)
	}
	return nil
}

type logoutOptions struct {
	IO          *ioStreams
	ProfilePath string
	Profile     string
}

// newLogoutCmd deletes a saved profile, and the access token cached for
// it.
func newLogoutCmd(f *factory, run func(context.Context, *logoutOptions) error) *cobra.Command {
	o := &logoutOptions{IO: f.IO}
	return &cobra.Command{
		Use:   "logout",
		Short: "Delete a saved profile (--profile, default \"default\") and its cached access token",
		Example: `  bankhub logout
  bankhub logout --profile shop`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Profile, o.ProfilePath = f.Flags.Profile, f.ProfilePath()
			if o.Profile == "" {
				o.Profile = defaultProfile
			}
			return runFunc(run, logoutRun)(cmd.Context(), o)
		},
	}
}

func logoutRun(_ context.Context, o *logoutOptions) error {
	profiles, err := readProfiles(o.ProfilePath)
	if err != nil {
		return err
	}
	p, ok := profiles[o.Profile]
	if !ok {
		return usageErr("no profile %q in %s: `bankhub profiles` lists them", o.Profile, o.ProfilePath)
	}
	delete(profiles, o.Profile)
	if err := writeProfiles(o.ProfilePath, profiles); err != nil {
		return err
	}
	if baseURL, err := envURL(p.Env, "the profile"); err == nil {
		forgetToken(baseURL, p.ClientID, p.ClientSecret)
	}
	fmt.Fprintf(o.IO.ErrOut, "deleted profile %q from %s, and its cached access token\n", o.Profile, o.ProfilePath)
	return nil
}

// profileNames completes --profile with the saved profiles' names.
func profileNames(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	profiles, err := readProfiles(profilePath())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names := make([]cobra.Completion, 0, len(profiles))
	for n, p := range profiles {
		names = append(names, cobra.CompletionWithDesc(completionSafe(n), completionSafe(p.Env)))
	}
	sort.Strings(names)
	return names, cobra.ShellCompDirectiveNoFileComp
}

// askCredentials reads the id and the secret: prompts on a terminal (the
// secret unechoed), two lines otherwise.
func askCredentials(s *ioStreams) (id, secret string, err error) {
	if isTerminal(s.In) {
		f := s.In.(*os.File)
		fmt.Fprint(s.ErrOut, "Client ID: ")
		id, err = bufio.NewReader(f).ReadString('\n')
		if err != nil {
			return "", "", usageErr("reading the client id: %v", err)
		}
		fmt.Fprint(s.ErrOut, "Client secret (not shown): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.ErrOut)
		if err != nil {
			return "", "", usageErr("reading the client secret: %v", err)
		}
		secret = string(b)
	} else {
		r := bufio.NewReader(s.In)
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

// readProfiles reads the profile file, if there is one. The file holds
// client secrets, so one that others may read is refused, as ssh refuses
// such a key.
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

type profilesOptions struct {
	IO          *ioStreams
	ProfilePath string
	// Settle says which settings are in effect, and where each came from.
	Settle func() (settings, error)
}

// newProfilesCmd lists the saved profiles (name, environment, client id;
// never the secret) and says which settings are in effect and where each
// came from.
func newProfilesCmd(f *factory, run func(context.Context, *profilesOptions) error) *cobra.Command {
	o := &profilesOptions{IO: f.IO}
	return &cobra.Command{
		Use:   "profiles",
		Short: "List the saved profiles, and which settings are in effect (never a secret)",
		Long: `profiles lists the saved profiles (name, environment, client id; never a secret), marks the one
in effect, and says where the environment, the client id and the secret of this invocation come
from, by the CLI's one rule:

  1. a profile named (--profile, or BANKHUB_PROFILE) supplies its environment and its
     credentials together; flags override single values; exported BANKHUB_* variables never
     mix into it;
  2. otherwise --env, BANKHUB_ENV or BANKHUB_BASE_URL (sandbox by default), and the flags, then
     BANKHUB_CLIENT_ID and BANKHUB_CLIENT_SECRET;
  3. with no credentials from either, the profile "default" (what bankhub login writes
     without --profile), with its own environment;
  4. for the fake (--env fake), its own published credentials unless flags give others.`,
		Example: "  bankhub profiles\n  bankhub --profile shop profiles\n  bankhub profiles -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.ProfilePath = f.ProfilePath()
			o.Settle = func() (settings, error) { return osSettings(*f.Flags) }
			return runFunc(run, profilesRun)(cmd.Context(), o)
		},
	}
}

func profilesRun(_ context.Context, o *profilesOptions) error {
	profiles, err := readProfiles(o.ProfilePath)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	st, settleErr := o.Settle()
	t := &table{header: []string{"", "NAME", "ENVIRONMENT", "CLIENT ID"}}
	for _, n := range names {
		p := profiles[n]
		mark := ""
		if settleErr == nil && n == st.Profile {
			mark = "*"
		}
		t.add(map[string]any{"name": n, "env": p.Env, "client_id": p.ClientID, "in_effect": mark != ""}, mark, n, p.Env, p.ClientID)
	}
	if !o.IO.forPeople() {
		return o.IO.print(t)
	}
	if len(names) > 0 {
		if err := o.IO.print(t); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(o.IO.Out, "no profiles in %s (bankhub login saves one)\n", o.ProfilePath)
	}
	if settleErr != nil {
		fmt.Fprintf(o.IO.Out, "\nin effect: none (%s)\n", terminalSafe(settleErr.Error()))
		return nil
	}
	profile := "none"
	if st.Profile != "" {
		profile = strconv.Quote(st.Profile) + " (" + st.ProfileFrom + ")"
	}
	secret := "none"
	if st.Secret != "" {
		secret = "set, from " + st.SecretFrom
	}
	id := "none"
	if st.ID != "" {
		id = st.ID + ", from " + st.IDFrom
	}
	fmt.Fprintf(o.IO.Out, "\nin effect: profile %s\n  environment  %s, from %s\n  client id    %s\n  secret       %s\n",
		terminalSafe(profile), terminalSafe(st.Env), st.EnvFrom, terminalSafe(id), secret)
	return nil
}
