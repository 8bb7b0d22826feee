package redisstore_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/bankhub-go/bankhub/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

var fastRetry = bankhub.WithRetryPolicy(bankhub.RetryPolicy{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond})

// replica builds what one process of a merchant backend would have: its own
// exchanger, its own TokenSource on the shared key, its own client.
func replica(t *testing.T, rdb redis.UniversalClient, srv *bankhubtest.Server, key string, opts ...redisstore.Option) (*bankhub.Client, *redisstore.TokenSource) {
	t.Helper()
	ex, err := bankhub.NewClient(srv.ClientID, srv.ClientSecret, bankhub.WithBaseURL(srv.URL), fastRetry)
	require.NoError(t, err)
	ts := redisstore.NewTokenSource(rdb, key, ex, opts...)
	c, err := bankhub.NewClient("", "", bankhub.WithBaseURL(srv.URL), bankhub.WithTokenSource(ts), fastRetry)
	require.NoError(t, err)
	return c, ts
}

func uniqueKey(t *testing.T) string {
	return "bankhub:test:" + strings.ReplaceAll(t.Name(), "/", ":") + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

// callAll has every client make calls concurrently and returns the errors.
func callAll(clients []*bankhub.Client, calls int) []error {
	var wg sync.WaitGroup
	errs := make(chan error, len(clients)*calls)
	for _, c := range clients {
		for range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Webhooks.Get(context.Background()); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}

func TestOneTokenPerExpiryAcrossReplicas(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	srv := bankhubtest.NewServer(bankhubtest.WithTokenTTL(2 * time.Second))
	defer srv.Close()
	key := uniqueKey(t)
	const replicas, calls = 12, 10
	var clients []*bankhub.Client
	for range replicas {
		c, _ := replica(t, rdb, srv, key)
		clients = append(clients, c)
	}

	assert.Empty(t, callAll(clients, calls))
	assert.Equal(t, 1, srv.Count(bankhubtest.OpToken), "%d replicas × %d calls share one token", replicas, calls)
	assert.Equal(t, replicas*calls, srv.Count(bankhubtest.OpWebhookGet))

	// Past the refresh point (ttl/5 before expiry): one refresh in all.
	time.Sleep(1700 * time.Millisecond)
	assert.Empty(t, callAll(clients, calls))
	assert.Equal(t, 2, srv.Count(bankhubtest.OpToken), "one token request per expiry across all replicas")
	t.Logf("%d replicas, %d calls each, 2 token lifetimes: %d token requests", replicas, calls, srv.Count(bankhubtest.OpToken))
}

func TestUnauthorizedOnManyReplicasInvalidatesOnce(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	srv := bankhubtest.NewServer()
	defer srv.Close()
	key := uniqueKey(t)
	var clients []*bankhub.Client
	for range 10 {
		c, _ := replica(t, rdb, srv, key)
		clients = append(clients, c)
	}
	assert.Empty(t, callAll(clients, 1))
	require.Equal(t, 1, srv.Count(bankhubtest.OpToken))

	srv.ExpireTokens() // every replica's next call meets a 401
	assert.Empty(t, callAll(clients, 3))
	assert.Equal(t, 2, srv.Count(bankhubtest.OpToken), "a 401 seen by 10 replicas at once causes one refresh")
}

func TestInvalidateComparesTheToken(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	srv := bankhubtest.NewServer()
	defer srv.Close()
	key := uniqueKey(t)
	_, ts := replica(t, rdb, srv, key)
	first, err := ts.Token()
	require.NoError(t, err)
	ts.Invalidate(first)
	second, err := ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, second.AccessToken)
	// A late 401 for the old token must not throw away the new one.
	ts.Invalidate(first)
	assert.Equal(t, second.AccessToken, rdb.HGet(context.Background(), key, "access_token").Val())
	third, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, second.AccessToken, third.AccessToken)
	assert.Equal(t, 2, srv.Count(bankhubtest.OpToken))
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", ts, ts, ts), third.AccessToken)
}

func TestCrashedLockHolderDoesNotBlock(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	srv := bankhubtest.NewServer()
	defer srv.Close()
	key := uniqueKey(t)
	// A holder that took the lock and died: nobody will release it.
	require.NoError(t, rdb.Set(context.Background(), key+":lock", "dead-holder", 500*time.Millisecond).Err())
	_, ts := replica(t, rdb, srv, key, redisstore.WithLockTimeout(500*time.Millisecond))
	start := time.Now()
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond, "waited for the lock to time out")
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Equal(t, 1, srv.Count(bankhubtest.OpToken))
}

// TestLockHolderKilledMidRefresh kills a separate process while it holds the
// lock and waits for its token answer; the others proceed after the lock
// timeout.
func TestLockHolderKilledMidRefresh(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	srv := bankhubtest.NewServer()
	defer srv.Close()
	key := uniqueKey(t)
	srv.HangNext(bankhubtest.OpToken, 1, time.Minute) // the holder's exchange never returns
	child := helper(t, "token", srv, key, "1")
	require.NoError(t, child.Start())
	require.Eventually(t, func() bool { return rdb.Exists(context.Background(), key+":lock").Val() == 1 }, 10*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return srv.Count(bankhubtest.OpToken) == 1 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, child.Process.Kill())
	child.Wait()

	start := time.Now()
	_, ts := replica(t, rdb, srv, key, redisstore.WithLockTimeout(time.Second))
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, 2, srv.Count(bankhubtest.OpToken), "the killed holder's request and one more")
}

// TestSeparateProcessesShareOneToken runs replicas as separate processes.
func TestSeparateProcessesShareOneToken(t *testing.T) {
	t.Parallel()
	newRedis(t) // the processes connect by themselves
	srv := bankhubtest.NewServer()
	defer srv.Close()
	key := uniqueKey(t)
	const procs, calls = 4, 25
	var cmds []*exec.Cmd
	for range procs {
		cmd := helper(t, "calls", srv, key, strconv.Itoa(calls))
		require.NoError(t, cmd.Start())
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		require.NoError(t, cmd.Wait())
	}
	assert.Equal(t, procs*calls, srv.Count(bankhubtest.OpWebhookGet))
	assert.Equal(t, 1, srv.Count(bankhubtest.OpToken), "%d processes × %d calls, one token request", procs, calls)
	t.Logf("%d processes, %d calls each: %d token request(s)", procs, calls, srv.Count(bankhubtest.OpToken))
}

func helper(t *testing.T, mode string, srv *bankhubtest.Server, key, arg string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BANKHUB_REDIS_HELPER="+mode, "REDIS_ADDR="+redisAddr, "FAKE_URL="+srv.URL,
		"FAKE_ID="+srv.ClientID, "FAKE_SECRET="+srv.ClientSecret, "TOKEN_KEY="+key, "HELPER_ARG="+arg, "LOCK_TTL=1s")
	cmd.Stderr = os.Stderr
	return cmd
}

// helperMain is a replica process started by helper.
func helperMain() int {
	if os.Getenv("BANKHUB_REDIS_HELPER") == "chaos" {
		return chaosReplica()
	}
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer rdb.Close()
	ex, err := bankhub.NewClient(os.Getenv("FAKE_ID"), os.Getenv("FAKE_SECRET"), bankhub.WithBaseURL(os.Getenv("FAKE_URL")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	lockTTL, _ := time.ParseDuration(os.Getenv("LOCK_TTL"))
	ts := redisstore.NewTokenSource(rdb, os.Getenv("TOKEN_KEY"), ex, redisstore.WithLockTimeout(lockTTL))
	c, err := bankhub.NewClient("", "", bankhub.WithBaseURL(os.Getenv("FAKE_URL")), bankhub.WithTokenSource(ts))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	n, _ := strconv.Atoi(os.Getenv("HELPER_ARG"))
	switch os.Getenv("BANKHUB_REDIS_HELPER") {
	case "token": // take the lock and hang in the exchange until killed
		_, err = ts.Token()
	case "calls":
		var wg sync.WaitGroup
		var failed atomic.Int32
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Webhooks.Get(context.Background()); err != nil {
					fmt.Fprintln(os.Stderr, err)
					failed.Add(1)
				}
			}()
		}
		wg.Wait()
		if failed.Load() > 0 {
			return 1
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// blackHole accepts connections on loopback and never answers.
func blackHole(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return l.Addr().String()
}

func TestRedisUnavailable(t *testing.T) {
	t.Parallel()
	// Port 1 on loopback refuses at once; nothing else on this machine uses it.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	srv := bankhubtest.NewServer()
	defer srv.Close()

	t.Run("falls back to a local exchange", func(t *testing.T) {
		c, _ := replica(t, rdb, srv, "bankhub:test:dead")
		start := time.Now()
		_, err := c.Webhooks.Get(context.Background())
		require.NoError(t, err)
		assert.Less(t, time.Since(start), 3*time.Second, "nothing hangs")
		assert.Equal(t, 1, srv.Count(bankhubtest.OpToken))
	})
	t.Run("or fails clearly", func(t *testing.T) {
		_, ts := replica(t, rdb, srv, "bankhub:test:dead", redisstore.WithoutFallback())
		start := time.Now()
		_, err := ts.Token()
		require.Error(t, err)
		assert.True(t, redisstore.IsRedisError(err))
		assert.Contains(t, err.Error(), "redis unavailable")
		assert.Less(t, time.Since(start), 3*time.Second)
	})
	t.Run("a Redis that never answers is bounded", func(t *testing.T) {
		silent := redis.NewClient(&redis.Options{Addr: blackHole(t), MaxRetries: -1, ReadTimeout: time.Minute})
		defer silent.Close()
		_, ts := replica(t, silent, srv, "bankhub:test:silent", redisstore.WithoutFallback(), redisstore.WithOperationTimeout(200*time.Millisecond))
		start := time.Now()
		_, err := ts.Token()
		assert.True(t, redisstore.IsRedisError(err), "%v", err)
		assert.Less(t, time.Since(start), 2*time.Second)
	})
	t.Run("a cancelled context returns at once", func(t *testing.T) {
		silent := redis.NewClient(&redis.Options{Addr: blackHole(t), MaxRetries: -1, ReadTimeout: time.Minute})
		defer silent.Close()
		_, ts := replica(t, silent, srv, "bankhub:test:silent2", redisstore.WithoutFallback(), redisstore.WithOperationTimeout(time.Minute))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := ts.TokenContext(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), time.Second)
	})
}

func TestNewClientSharesTheToken(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	srv := bankhubtest.NewServer(bankhubtest.WithCredentials("merchant-"+strconv.FormatInt(time.Now().UnixNano(), 36), "secret"))
	defer srv.Close()
	a, err := redisstore.NewClient(rdb, srv.ClientID, srv.ClientSecret, bankhub.WithBaseURL(srv.URL))
	require.NoError(t, err)
	b, err := redisstore.NewClient(rdb, srv.ClientID, srv.ClientSecret, bankhub.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = a.Webhooks.Get(context.Background())
	require.NoError(t, err)
	_, err = b.Webhooks.Get(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Count(bankhubtest.OpToken))
	_, err = redisstore.NewClient(rdb, "", "", bankhub.WithBaseURL(srv.URL))
	assert.Error(t, err)
}

// slowExchanger answers after delay (or when released), with a token named
// after it and the given lifetime.
type slowExchanger struct {
	name    string
	delay   time.Duration
	release chan struct{}
	life    time.Duration
	calls   atomic.Int32
}

func (x *slowExchanger) ExchangeToken(ctx context.Context) (*oauth2.Token, error) {
	n := x.calls.Add(1)
	if x.release != nil {
		select {
		case <-x.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	select {
	case <-time.After(x.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &oauth2.Token{AccessToken: fmt.Sprintf("%s-%d", x.name, n), TokenType: "Bearer", Expiry: time.Now().Add(x.life)}, nil
}

// Regression: a token answer slower than the lock timeout let a second
// replica exchange too, and the slower one's older token overwrote the
// newer: replicas ended up on different tokens.
func TestSlowHolderKeepsItsLock(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	key := uniqueKey(t)
	x := &slowExchanger{name: "tok", delay: 600 * time.Millisecond, life: time.Hour}
	var sources []*redisstore.TokenSource
	for range 4 {
		sources = append(sources, redisstore.NewTokenSource(rdb, key, x, redisstore.WithLockTimeout(150*time.Millisecond)))
	}
	toks := make(chan string, len(sources))
	for _, ts := range sources {
		go func() {
			tok, err := ts.Token()
			if err != nil {
				toks <- "error: " + err.Error()
				return
			}
			toks <- tok.AccessToken
		}()
	}
	for range sources {
		assert.Equal(t, "tok-1", <-toks, "every replica on the one token")
	}
	assert.Equal(t, int32(1), x.calls.Load(), "one exchange, though it took four lock timeouts")
	assert.Equal(t, "tok-1", rdb.HGet(context.Background(), key, "access_token").Val())
}

func TestHolderThatLostItsLockTakesUpTheNewerToken(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	key := uniqueKey(t)
	ctx := context.Background()
	slow := &slowExchanger{name: "old", release: make(chan struct{}), life: 30 * time.Minute}
	fast := &slowExchanger{name: "new", life: time.Hour}
	a := redisstore.NewTokenSource(rdb, key, slow, redisstore.WithLockTimeout(time.Minute))
	b := redisstore.NewTokenSource(rdb, key, fast, redisstore.WithLockTimeout(time.Minute))
	got := make(chan string, 1)
	go func() {
		tok, err := a.Token()
		if err != nil {
			got <- err.Error()
			return
		}
		got <- tok.AccessToken
	}()
	require.Eventually(t, func() bool { return slow.calls.Load() == 1 }, 2*time.Second, time.Millisecond)
	// a's lock is lost (as if it lapsed while a could not reach Redis), and
	// b refreshes meanwhile.
	require.NoError(t, rdb.Del(ctx, key+":lock").Err())
	tokB, err := b.Token()
	require.NoError(t, err)
	assert.Equal(t, "new-1", tokB.AccessToken)
	close(slow.release) // a's answer arrives late
	assert.Equal(t, "new-1", <-got, "a does not overwrite b's token; it takes it up")
	assert.Equal(t, "new-1", rdb.HGet(ctx, key, "access_token").Val())
}
