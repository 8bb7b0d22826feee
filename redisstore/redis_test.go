package redisstore_test

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisAddr is the Redis the tests use: REDIS_ADDR, or a redis-server this
// test binary starts on a free loopback port when one is on the PATH.
var redisAddr string

func TestMain(m *testing.M) {
	if os.Getenv("BANKHUB_REDIS_HELPER") != "" {
		os.Exit(helperMain())
	}
	redisAddr = os.Getenv("REDIS_ADDR")
	var stop func()
	if redisAddr == "" {
		if addr, s, err := startRedis(); err == nil {
			redisAddr, stop = addr, s
		} else {
			fmt.Fprintln(os.Stderr, "redisstore tests: no Redis:", err)
		}
	}
	if redisAddr != "" {
		os.Setenv("REDIS_ADDR", redisAddr) // for the examples
	} else if os.Getenv("CI") != "true" {
		fmt.Fprintln(os.Stderr, "redisstore tests: no Redis: the examples are skipped")
		flag.Set("test.skip", "^Example")
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

func startRedis() (string, func(), error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, fmt.Errorf("set REDIS_ADDR or install redis-server: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "redisstore-test")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for i := 0; ; i++ {
		if rdb.Ping(context.Background()).Err() == nil {
			break
		}
		if i > 100 {
			cmd.Process.Kill()
			return "", nil, fmt.Errorf("redis-server did not start on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return addr, func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
	}, nil
}

// newRedis returns a client for the test Redis, skipping the test when
// there is none (CI always provides one).
func newRedis(t *testing.T) *redis.Client {
	t.Helper()
	if redisAddr == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Redis in CI: .ci/run must start one and set REDIS_ADDR")
		}
		t.Skip("no Redis: set REDIS_ADDR or install redis-server")
	}
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}
