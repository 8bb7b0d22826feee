package bankhubtest_test

import (
	"testing"

	"github.com/bankhub-go/bankhub/internal/leakcheck"
)

// TestMain fails the run if any goroutine (a delivery, a handler, an HTTP
// connection) is still running after the tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }
