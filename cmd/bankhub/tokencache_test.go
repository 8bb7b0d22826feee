package main

import (
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
