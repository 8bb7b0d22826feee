// Command bankhub-fake runs the bankhubtest fake Bank Hub as a standalone
// server, for teams testing from other languages or in docker-compose.
//
//	go run ./cmd/bankhub-fake -addr 127.0.0.1:8089 -seed
//
// Point a client at the printed URL with the printed credentials. With -ipn,
// transactions are POSTed there with "Authorization: Apikey <ipn-key>".
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bankhub-go/bankhub/bankhubtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8089", "listen address")
	id := flag.String("client-id", "bankhubtest-client", "accepted client ID")
	secret := flag.String("client-secret", "bankhubtest-secret", "accepted client secret")
	ttl := flag.Duration("token-ttl", time.Hour, "access token lifetime")
	seed := flag.Bool("seed", false, "create an active company to start from")
	ipnURL := flag.String("ipn", "", "IPN URL to deliver transactions to")
	ipnKey := flag.String("ipn-key", "bankhubtest-ipn-key", "API key sent with IPN")
	production := flag.Bool("production", false, "behave like production (mock transactions answer 403)")
	flag.Parse()

	opts := []bankhubtest.ServerOption{
		bankhubtest.WithAddr(*addr),
		bankhubtest.WithCredentials(*id, *secret),
		bankhubtest.WithTokenTTL(*ttl),
	}
	if *ipnURL != "" {
		opts = append(opts, bankhubtest.WithIPN(*ipnURL, *ipnKey))
	}
	if *production {
		opts = append(opts, bankhubtest.WithProduction())
	}
	srv := bankhubtest.NewServer(opts...)
	defer srv.Close()
	fmt.Printf("fake Bank Hub listening on %s\n", srv.URL)
	fmt.Printf("client id: %s (secret as given with -client-secret)\n", srv.ClientID)
	if *seed {
		xid := srv.AddCompany(bankhubtest.CompanyParams{FullName: "Công ty TNHH Demo"})
		fmt.Printf("seeded company: %s\n", xid)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
}
