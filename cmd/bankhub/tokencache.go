package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bankhub-go/bankhub"
	"golang.org/x/oauth2"
)

// tokenCache keeps the access token between commands, so that a command
// makes one request, not two: a 0600 file per base URL and credentials under
// the user's cache directory ($BANKHUB_CACHE_DIR, or the system's cache
// directory and bankhub/tokens). It holds the token and its expiry, never
// the secret. A token is refreshed a minute ahead of its expiry, and one
// the API refused is forgotten (the SDK calls Invalidate before its one
// replay). --no-cache turns it off.
type tokenCache struct {
	path     string
	exchange *bankhub.Client
	mu       sync.Mutex
	tok      *oauth2.Token
}

// cachedToken is the file's content.
type cachedToken struct {
	AccessToken string    `json:"access_token"`
	Expiry      time.Time `json:"expiry"`
}

// tokenEarly is how long before its expiry a cached token is replaced.
const tokenEarly = time.Minute

func tokenCacheDir() (string, error) {
	if d := os.Getenv("BANKHUB_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "bankhub", "tokens"), nil
}

// newTokenCache returns the cache of baseURL and these credentials,
// exchanging with exchange, or nil when there is no cache directory. The
// file is named by a hash of all three: other credentials (a changed
// secret included) never reuse a token, and the name gives nothing away.
func newTokenCache(baseURL, clientID, secret string, exchange *bankhub.Client) *tokenCache {
	dir, err := tokenCacheDir()
	if err != nil {
		return nil
	}
	sum := sha256.Sum256([]byte(baseURL + "\n" + clientID + "\n" + secret))
	return &tokenCache{path: filepath.Join(dir, hex.EncodeToString(sum[:16])+".json"), exchange: exchange}
}

// forgetToken removes the cached token of baseURL and these credentials.
func forgetToken(baseURL, clientID, secret string) {
	if tc := newTokenCache(baseURL, clientID, secret, nil); tc != nil {
		os.Remove(tc.path)
	}
}

func fresh(t *oauth2.Token) bool {
	return t != nil && t.AccessToken != "" && time.Until(t.Expiry) > tokenEarly
}

// Token implements oauth2.TokenSource.
func (c *tokenCache) Token() (*oauth2.Token, error) { return c.TokenContext(context.Background()) }

// TokenContext implements bankhub.ContextTokenSource.
func (c *tokenCache) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if fresh(c.tok) {
		return c.tok, nil
	}
	if b, err := readPrivate(c.path); err == nil {
		var ct cachedToken
		if json.Unmarshal(b, &ct) == nil {
			t := &oauth2.Token{AccessToken: ct.AccessToken, TokenType: "Bearer", Expiry: ct.Expiry}
			if fresh(t) {
				c.tok = t
				return t, nil
			}
		}
	}
	t, err := c.exchange.ExchangeToken(ctx)
	if err != nil {
		return nil, err
	}
	c.tok = t
	c.save(t) // a cache that cannot be written only costs the next command a token request
	return t, nil
}

// save writes the token to a 0600 file, whole or not at all, in a
// directory only this user can write to.
func (c *tokenCache) save(t *oauth2.Token) {
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return
	}
	if !privateDir(filepath.Dir(c.path)) {
		return // another user could swap the file: no cache rather than one they control
	}
	b, _ := json.Marshal(cachedToken{AccessToken: t.AccessToken, Expiry: t.Expiry})
	f, err := os.CreateTemp(filepath.Dir(c.path), ".token-*")
	if err != nil {
		return
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return
	}
	if f.Close() == nil {
		os.Rename(f.Name(), c.path)
	}
}

// Invalidate implements bankhub.Invalidator: a refused token is forgotten,
// in memory and on disk.
func (c *tokenCache) Invalidate(t *oauth2.Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t == nil || (c.tok != nil && c.tok.AccessToken != t.AccessToken) {
		return
	}
	c.tok = nil
	os.Remove(c.path)
}

// errUntrusted is a cache file that another user could have written.
var errUntrusted = errors.New("the token cache file or its directory is not this user's alone")

// readPrivate reads a cached token's file only if no one else could have
// put it there: a regular file (not a symlink: opened with O_NOFOLLOW,
// checked on the open file, so it cannot be swapped between check and
// read) that this user owns and only this user can read and write, in a
// directory that this user owns and no one else can write to. A token
// planted by another user (a 0666 file in a 0777 directory) was sent as the
// bearer.
func readPrivate(path string) ([]byte, error) {
	if !privateDir(filepath.Dir(path)) {
		return nil, errUntrusted
	}
	f, err := openNoFollow(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o077 != 0 || !ownedByMe(fi) {
		return nil, errUntrusted
	}
	return io.ReadAll(io.LimitReader(f, 1<<16))
}

// privateDir reports a directory (not a symlink) that this user owns and
// no one else can write to.
func privateDir(dir string) bool {
	fi, err := os.Lstat(dir)
	return err == nil && fi.IsDir() && fi.Mode().Perm()&0o022 == 0 && ownedByMe(fi)
}
