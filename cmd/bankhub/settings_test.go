package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
)

// The one rule for where settings come from (settle), value by value.
func TestSettle(t *testing.T) {
	profiles := map[string]profileEntry{
		"staging": {Env: "https://staging.example", ClientID: "staging-id", ClientSecret: "staging-secret"},
		"default": {Env: "sandbox", ClientID: "default-id", ClientSecret: "default-secret"},
		"local":   {Env: "fake", ClientID: "local-id", ClientSecret: "local-secret"},
	}
	prodEnv := map[string]string{"BANKHUB_ENV": "production", "BANKHUB_CLIENT_ID": "prod-id", "BANKHUB_CLIENT_SECRET": "prod-secret"}
	for name, tc := range map[string]struct {
		flags globalFlags
		env   map[string]string
		want  settings
	}{
		"a named profile, with production's keys exported, is the profile's alone": {globalFlags{Profile: "staging"}, prodEnv,
			settings{Env: "https://staging.example", EnvFrom: `profile "staging"`, ID: "staging-id", IDFrom: `profile "staging"`,
				Secret: "staging-secret", SecretFrom: `profile "staging"`, Profile: "staging", ProfileFrom: "--profile"}},
		"BANKHUB_ENV does not mix into a named profile": {globalFlags{Profile: "staging"}, map[string]string{"BANKHUB_ENV": "http://127.0.0.1:9"},
			settings{Env: "https://staging.example", EnvFrom: `profile "staging"`, ID: "staging-id", IDFrom: `profile "staging"`,
				Secret: "staging-secret", SecretFrom: `profile "staging"`, Profile: "staging", ProfileFrom: "--profile"}},
		"BANKHUB_PROFILE names one too": {globalFlags{}, map[string]string{"BANKHUB_PROFILE": "staging", "BANKHUB_CLIENT_ID": "x"},
			settings{Env: "https://staging.example", EnvFrom: `profile "staging"`, ID: "staging-id", IDFrom: `profile "staging"`,
				Secret: "staging-secret", SecretFrom: `profile "staging"`, Profile: "staging", ProfileFrom: "BANKHUB_PROFILE"}},
		"flags override a profile's single values": {globalFlags{Profile: "staging", ClientSecret: "typed"}, nil,
			settings{Env: "https://staging.example", EnvFrom: `profile "staging"`, ID: "staging-id", IDFrom: `profile "staging"`,
				Secret: "typed", SecretFrom: "--client-secret", Profile: "staging", ProfileFrom: "--profile"}},
		"no profile named: exported variables": {globalFlags{}, prodEnv,
			settings{Env: "production", EnvFrom: "BANKHUB_ENV", ID: "prod-id", IDFrom: "BANKHUB_CLIENT_ID", Secret: "prod-secret", SecretFrom: "BANKHUB_CLIENT_SECRET"}},
		"nothing given: the default profile, login's": {globalFlags{}, nil,
			settings{Env: "sandbox", EnvFrom: `profile "default"`, ID: "default-id", IDFrom: `profile "default"`,
				Secret: "default-secret", SecretFrom: `profile "default"`, Profile: "default", ProfileFrom: "the default profile"}},
		"BANKHUB_ENV does not mix into the default profile": {globalFlags{}, map[string]string{"BANKHUB_ENV": "http://127.0.0.1:9"},
			settings{Env: "sandbox", EnvFrom: `profile "default"`, ID: "default-id", IDFrom: `profile "default"`,
				Secret: "default-secret", SecretFrom: `profile "default"`, Profile: "default", ProfileFrom: "the default profile"}},
		"--env fake: the fake's own, over a named profile's secret": {globalFlags{Env: "fake", Profile: "staging"}, prodEnv,
			settings{Env: "fake", EnvFrom: "--env", ID: bankhubtest.DefaultClientID, IDFrom: "the fake's own",
				Secret: bankhubtest.DefaultClientSecret, SecretFrom: "the fake's own", Profile: "staging", ProfileFrom: "--profile"}},
		"BANKHUB_ENV=fake with sandbox keys exported: the fake's own": {globalFlags{}, map[string]string{"BANKHUB_ENV": "fake",
			"BANKHUB_CLIENT_ID": "sandbox-id", "BANKHUB_CLIENT_SECRET": "sandbox-secret"},
			settings{Env: "fake", EnvFrom: "BANKHUB_ENV", ID: bankhubtest.DefaultClientID, IDFrom: "the fake's own",
				Secret: bankhubtest.DefaultClientSecret, SecretFrom: "the fake's own"}},
		"a profile of the fake keeps its own credentials": {globalFlags{Profile: "local"}, nil,
			settings{Env: "fake", EnvFrom: `profile "local"`, ID: "local-id", IDFrom: `profile "local"`,
				Secret: "local-secret", SecretFrom: `profile "local"`, Profile: "local", ProfileFrom: "--profile"}},
	} {
		got, err := settle(tc.flags, func(k string) string { return tc.env[k] }, func() (map[string]profileEntry, error) { return profiles, nil })
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, tc.want)
		}
	}
	_, err := settle(globalFlags{Profile: "gone"}, func(string) string { return "" }, func() (map[string]profileEntry, error) { return profiles, nil })
	if err == nil || !strings.Contains(err.Error(), `no profile "gone" (from --profile)`) {
		t.Errorf("an unknown profile: %v", err)
	}
}

// The findings, end to end: with production's keys exported, --profile
// staging sent the production secret in Basic auth to the staging
// profile's URL; with BANKHUB_ENV exported to a local URL, --profile shop
// sent the shop profile's secret there.
func TestProfileSecretGoesToItsOwnHostOnly(t *testing.T) {
	staging := bankhubtest.NewTestServer(t, bankhubtest.WithCredentials("staging-id", "staging-secret"))
	staging.AddCompany(bankhubtest.CompanyParams{FullName: "Staging Shop"})
	var mu sync.Mutex
	var stray []string
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		stray = append(stray, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer trap.Close()
	path := filepath.Join(t.TempDir(), "profiles.json")
	body, _ := json.Marshal(map[string]any{"profiles": map[string]profileEntry{
		"staging": {Env: staging.URL, ClientID: "staging-id", ClientSecret: "staging-secret"}}})
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BANKHUB_CONFIG", path)
	t.Setenv("BANKHUB_CACHE_DIR", t.TempDir())
	t.Setenv("BANKHUB_CLIENT_ID", "prod-id")
	t.Setenv("BANKHUB_CLIENT_SECRET", "prod-secret-Xq")
	for _, env := range []string{bankhub.ProductionURL, trap.URL} {
		t.Setenv("BANKHUB_ENV", env)
		var out, errb bytes.Buffer
		code := Execute([]string{"--profile", "staging", "companies", "list"}, strings.NewReader(""), &out, &errb)
		if code != 0 || !strings.Contains(out.String(), "Staging Shop") {
			t.Errorf("BANKHUB_ENV=%s: exit %d, %s %s", env, code, out.String(), errb.String())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(stray) > 0 {
		t.Errorf("requests went to BANKHUB_ENV's host: %q", stray)
	}
}
