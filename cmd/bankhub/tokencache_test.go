package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bankhub-go/bankhub/bankhubtest"
)

func TestMain(m *testing.M) {
	// The tests' token cache is theirs alone, never the user's.
	dir, err := os.MkdirTemp("", "bankhub-cli-test-cache")
	if err != nil {
		panic(err)
	}
	os.Setenv("BANKHUB_CACHE_DIR", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// A command after the first reuses the cached token: one request, not two.
// The cache file is 0600 and holds no secret; --no-cache fetches anew; a
// token the fake no longer accepts is replaced without an error.
func TestTokenCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BANKHUB_CACHE_DIR", dir)
	c := newCLI(t)
	for range 3 {
		if _, stderr, code := c.run("", "companies", "list"); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
	if n := c.fake.Count(bankhubtest.OpToken); n != 1 {
		t.Errorf("%d token requests for 3 commands, want 1", n)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files: %v", files)
	}
	st, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %04o, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(files[0])
	if strings.Contains(string(b), c.fake.ClientSecret) || !strings.Contains(string(b), "access_token") {
		t.Errorf("cache file: %s", b)
	}

	c.run("", "--no-cache", "companies", "list")
	if n := c.fake.Count(bankhubtest.OpToken); n != 2 {
		t.Errorf("--no-cache: %d token requests, want 2", n)
	}
	c.fake.ExpireTokens()
	if _, stderr, code := c.run("", "companies", "list"); code != 0 {
		t.Errorf("a refused cached token was not replaced: exit %d, %s", code, stderr)
	}
	if n := c.fake.Count(bankhubtest.OpToken); n != 3 {
		t.Errorf("after the fake dropped its tokens: %d token requests, want 3", n)
	}
	if _, _, code := c.run("", "companies", "list"); code != 0 || c.fake.Count(bankhubtest.OpToken) != 3 {
		t.Errorf("the replacement was not cached")
	}
	if _, _, code := c.run("", "companies", "list", "--client-secret", "wrong"); code != exitAuth {
		t.Errorf("a wrong secret used the cached token: exit %d", code)
	}
}

// login checks the credentials before it saves them, 0600, and profiles
// lists them without the secret.
func TestLoginAndProfiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BANKHUB_CONFIG", filepath.Join(dir, "conf", "profiles.json"))
	c := newCLI(t)
	run := func(stdin string, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Execute(args, strings.NewReader(stdin), &out, &errb)
		return out.String(), errb.String(), code
	}
	_, stderr, code := run("id\nwrong-secret\n", "login", "--profile", "shop", "--env", c.fake.URL)
	if code != exitAuth || !strings.Contains(stderr, "nothing saved") {
		t.Errorf("wrong credentials: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "conf", "profiles.json")); err == nil {
		t.Error("a profile was saved with refused credentials")
	}
	_, stderr, code = run(c.fake.ClientID+"\n"+c.fake.ClientSecret+"\n", "login", "--profile", "shop", "--env", c.fake.URL)
	if code != 0 || !strings.Contains(stderr, `saved profile "shop"`) {
		t.Fatalf("login: exit %d, %s", code, stderr)
	}
	st, err := os.Stat(filepath.Join(dir, "conf", "profiles.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("profile file: %v %v", st, err)
	}
	if _, stderr, code := run("", "--profile", "shop", "companies", "list"); code != 0 {
		t.Errorf("the saved profile does not work: exit %d, %s", code, stderr)
	}
	stdout, stderr, code := run("", "profiles")
	if code != 0 || !strings.Contains(stdout, "shop") || !strings.Contains(stdout, c.fake.ClientID) || strings.Contains(stdout+stderr, c.fake.ClientSecret) {
		t.Errorf("profiles: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, stderr, code := run("\n\n", "login"); code != exitUsage || !strings.Contains(stderr, "needs a client id and a client secret") {
		t.Errorf("empty input: exit %d, %s", code, stderr)
	}
}

// The token cache trusts only what this user alone could have written: a
// token planted by another user (mode 0666, a 0777 directory, a symlink)
// was sent as the bearer. It is ignored, a token of its own is exchanged,
// and nothing is written into a directory others can write to.
func TestTokenCacheTrustsOnlyItsOwnFiles(t *testing.T) {
	c := newCLI(t)
	for name, plant := range map[string]func(t *testing.T, dir, file string){
		"a file others can write": func(t *testing.T, dir, file string) {
			writePlanted(t, file, 0o666)
		},
		"a directory others can write": func(t *testing.T, dir, file string) {
			writePlanted(t, file, 0o600)
			if err := os.Chmod(dir, 0o777); err != nil {
				t.Fatal(err)
			}
		},
		"a symlink to another file": func(t *testing.T, dir, file string) {
			elsewhere := filepath.Join(t.TempDir(), "token.json")
			writePlanted(t, elsewhere, 0o600)
			if err := os.Symlink(elsewhere, file); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "tokens")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			t.Setenv("BANKHUB_CACHE_DIR", dir)
			tc := newTokenCache(c.fake.URL, c.fake.ClientID, c.fake.ClientSecret, nil)
			plant(t, dir, tc.path)
			before := c.fake.Count(bankhubtest.OpToken)
			if _, stderr, code := c.run("", "companies", "list"); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if c.fake.Count(bankhubtest.OpToken) != before+1 {
				t.Error("the planted token was used instead of a token of its own")
			}
			// The fake answers 401 to a token it did not issue: a 401 in
			// the log means the planted token was sent.
			for _, r := range c.fake.Requests() {
				if r.Status == 401 {
					t.Errorf("the planted token went to the API: %s %s answered 401", r.Method, r.Path)
				}
			}
		})
	}
}

func writePlanted(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	body := `{"access_token":"planted-token","expiry":"2099-01-01T00:00:00Z"}`
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}
