// Package leakcheck finds goroutines left running after a test suite:
// retries, token refreshes, deliveries, handlers and HTTP connections that
// should all have ended.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// suspicious are the frames that mark a goroutine as one the suite started.
var suspicious = []string{
	"github.com/bankhub-go/bankhub",
	"net/http.(*persistConn)",
	"net/http.(*conn).serve",
	"net/http/httptest.(*Server)",
}

// Leaked returns the stacks of suspicious goroutines still running after
// waiting up to timeout for them to end.
func Leaked(timeout time.Duration) []string {
	deadline := time.Now().Add(timeout)
	for {
		var leaked []string
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "leakcheck.Leaked") || strings.Contains(g, "testing.(*M).") {
				continue
			}
			for _, s := range suspicious {
				if strings.Contains(g, s) {
					leaked = append(leaked, g)
					break
				}
			}
		}
		if len(leaked) == 0 || time.Now().After(deadline) {
			return leaked
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Main runs the tests, then fails the run if goroutines leaked.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := Leaked(10 * time.Second); len(leaked) > 0 {
			fmt.Fprintf(os.Stderr, "leakcheck: %d goroutine(s) still running after the tests:\n\n%s\n", len(leaked), strings.Join(leaked, "\n\n"))
			code = 1
		} else if testing.Verbose() {
			fmt.Println("leakcheck: no goroutine left running")
		}
	}
	os.Exit(code)
}
