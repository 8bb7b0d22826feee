package bankhub

import (
	"testing"

	"github.com/bankhub-go/bankhub/internal/leakcheck"
)

// TestMain fails the run if any goroutine (a retry, a token refresh, a
// handler, an HTTP connection) is still running after the tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }
