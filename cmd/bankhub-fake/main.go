// Command bankhub-fake runs the bankhubtest fake Bank Hub as a standalone
// server, for frontend, mobile, QA and non-Go teams, and for docker-compose.
//
//	go run ./cmd/bankhub-fake -seed
//
// It serves the Bank Hub API under /v1/, the hosted link page at each
// hosted_link_url, and the control API under /__control/ (run with -h for
// the list, with a curl example each). It logs one line per request and per
// delivery on stderr, and stops gracefully on SIGTERM or Ctrl-C.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bankhub-go/bankhub/bankhubtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := bankhubtest.RunCommand(ctx, "bankhub-fake", os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
